"""The simulator's JSON API, in-process: the real bot, the fake Bot API, the seeded demo and
the simulated clock, driven over HTTP like the page drives them (no browser here)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.simulator import Simulator
from bot.simulator.seed import GROUPS
from fakeapi.core import TINY_PNG

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 08.00 WIB
MELATI_MEETING = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # Friday 09.00 WIB, 4 days ahead
REPO = Path(__file__).resolve().parent.parent

JSON = dict[str, Any]


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Simulator]:
    async with Simulator(tmp_path / "sim", start=START, tick_seconds=60.0) as running:
        yield running


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.url.rstrip("/"), timeout=20.0) as http:
        yield http


async def post(client: httpx.AsyncClient, path: str, body: JSON, status: int = 200) -> JSON:
    response = await client.post(path, json=body)
    assert response.status_code == status, response.text
    data: JSON = response.json()
    return data


async def wait_state(
    client: httpx.AsyncClient, predicate: Callable[[JSON], bool], what: str, timeout: float = 10
) -> JSON:
    """Long-poll /api/state until ``predicate(state)``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    since = 0
    while True:
        response = await client.get("/api/state", params={"since": since, "wait": 2})
        assert response.status_code == 200
        state: JSON = response.json()
        if predicate(state):
            return state
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        since = state["version"]


def person(state: JSON, name: str) -> JSON:
    return next(p for p in state["people"] if p["name"] == name)


def bot_messages(state: JSON, user_id: int) -> list[JSON]:
    return [m for m in state["chats"][str(user_id)]["messages"] if m["from"]["is_bot"]]


def has_bot_text(user_id: int, text: str, after: int = 0) -> Callable[[JSON], bool]:
    def check(state: JSON) -> bool:
        return any(
            text in (m.get("text") or m.get("caption") or "")
            for m in bot_messages(state, user_id)
            if m["message_id"] > after
        )

    return check


def button(message: JSON, label: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} in {message.get('reply_markup')}")


async def test_lists_the_seeded_people_and_serves_the_page(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    people = (await client.get("/api/chats")).json()["people"]
    roles = [p["role"] for p in people]
    assert roles.count("facilitator") == 1
    assert roles.count("leader") == 1
    assert roles.count("participant") == sum(len(g.mothers) for g in GROUPS) - 1
    assert len([p for p in people if p["role"] in ("participant", "leader")]) >= 12
    assert {p["group"] for p in people if p["group"]} == {"Melati", "Kenanga"}
    assert {p["zone"] for p in people if p["zone"]} == {"WIB", "WITA"}
    featured = sorted(
        (p for p in people if p["featured"] is not None), key=lambda p: p["featured"]
    )
    assert [p["role"] for p in featured] == [
        "facilitator",
        "leader",
        "participant",
        "participant",
        "participant",
    ]
    # each person is a fake Telegram user whose id is her telegram_id in the database
    siti = next(p for p in people if p["name"] == "Siti Aminah")
    member = await sim.services.db.participant_by_telegram(siti["id"])
    assert member is not None and member.name == "Siti Aminah"
    assert "jadwal" in [c["command"] for c in siti["commands"]]

    page = await client.get("/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "/static/app.js" in page.text
    for name in ("app.js", "style.css"):
        assert (await client.get(f"/static/{name}")).status_code == 200

    state = (await client.get("/api/state", params={"since": 0})).json()
    assert state["clock"]["label"] == "Senin, 30 November 2026 pukul 08.00 WIB"
    assert len(state["groups"]) == 2
    assert all(g["join_link"].startswith("https://t.me/") for g in state["groups"])
    assert state["next"]["meeting"]["at"] == (MELATI_MEETING - timedelta(minutes=30)).isoformat()
    # the featured chats open on the bot's greeting
    for p in featured:
        assert bot_messages(state, p["id"]), p["name"]


async def test_a_mother_asks_for_the_schedule(client: httpx.AsyncClient) -> None:
    state = (await client.get("/api/state")).json()
    dewi = person(state, "Dewi Lestari")["id"]
    sent = await post(client, "/api/send", {"user_id": dewi, "text": "/jadwal"})
    state = await wait_state(
        client, has_bot_text(dewi, "4 Desember 2026", sent["message_id"]), "Dewi's schedule"
    )
    answer = bot_messages(state, dewi)[-1]
    assert "Balai Desa Sukamaju" in answer["text"]
    assert any(e["type"] == "bold" for e in answer.get("entities", [])) or answer["text"]


async def test_reminder_arrives_and_she_answers_yes(client: httpx.AsyncClient) -> None:
    state = (await client.get("/api/state")).json()
    dewi = person(state, "Dewi Lestari")["id"]
    jumped = await post(client, "/api/clock", {"action": "next_reminder"})
    assert jumped["to"] == (MELATI_MEETING - timedelta(days=3)).isoformat()
    assert jumped["label"] == "Selasa, 1 Desember 2026 pukul 09.00 WIB"
    # the jump answers after the tick ran and the outbox was drained
    state = (await client.get("/api/state")).json()
    assert has_bot_text(dewi, "3 hari lagi")(state)
    reminder = bot_messages(state, dewi)[-1]
    data = button(reminder, "Saya akan hadir")
    pressed = await post(
        client, "/api/press", {"user_id": dewi, "message_id": reminder["message_id"], "data": data}
    )
    state = await wait_state(
        client, has_bot_text(dewi, "Sampai jumpa", reminder["message_id"]), "the thanks"
    )
    toasts = state["chats"][str(dewi)]["toasts"]
    assert [t["id"] for t in toasts] == [pressed["query_id"]]
    assert toasts[0]["text"] == "Terima kasih!"

    # a button that is not on the message is refused, and nothing happens
    refused = await client.post(
        "/api/press",
        json={"user_id": dewi, "message_id": reminder["message_id"], "data": "ry:999"},
    )
    assert refused.status_code == 400


async def test_clock_walks_through_the_meeting_and_a_month(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    meeting = await post(client, "/api/clock", {"action": "meeting"})
    assert meeting["to"] == (MELATI_MEETING - timedelta(minutes=30)).isoformat()
    # three reminders (3 days, 1 day, 2 hours) went out on the way, none skipped
    state = (await client.get("/api/state")).json()
    sri = person(state, "Sri Wahyuni")["id"]
    reminders = [m for m in bot_messages(state, sri) if "ada pertemuan P2K2" in m["text"]]
    assert len(reminders) == 3
    after = await post(client, "/api/clock", {"action": "after_meeting"})
    closes = MELATI_MEETING + sim.services.settings.attendance.meeting_length
    closes += sim.services.settings.attendance.close_after
    assert after["to"] == (closes + timedelta(minutes=1)).isoformat()
    hour = await post(client, "/api/clock", {"action": "hour"})
    assert hour["to"] == (closes + timedelta(minutes=61)).isoformat()
    month = await post(client, "/api/clock", {"action": "month"})
    assert datetime.fromisoformat(month["to"]) - datetime.fromisoformat(month["from"]) == (
        timedelta(days=30)
    )
    assert month["steps"] >= 30
    state = (await client.get("/api/state")).json()
    # the next monthly meeting (January) is ahead, its reminders queued on the way
    assert state["next"]["meeting"] is not None
    assert "Januari 2027" in state["next"]["meeting"]["label"]


async def test_a_stranger_joins_with_the_group_link(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    state = (await client.get("/api/state")).json()
    melati = next(g for g in state["groups"] if g["name"] == "Melati")
    added = await post(
        client, "/api/people", {"first_name": "Lilis", "start": melati["join_payload"]}
    )
    lilis = int(added["user"]["id"])
    state = await wait_state(client, has_bot_text(lilis, "Selamat datang"), "the join welcome")
    assert person(state, "Lilis")["role"] == "stranger"
    await post(client, "/api/send", {"user_id": lilis, "text": "Lilis Suryani"})
    state = await wait_state(
        client, lambda s: s["chats"][str(lilis)]["keyboard"] is not None, "the phone keyboard"
    )
    keyboard = state["chats"][str(lilis)]["keyboard"]["keyboard"]
    assert any(isinstance(b, dict) and b.get("request_contact") for row in keyboard for b in row)
    shared = await post(client, "/api/contact", {"user_id": lilis})
    state = await wait_state(client, has_bot_text(lilis, "Mohon periksa"), "the summary")
    summary = bot_messages(state, lilis)[-1]
    digits = shared["phone_number"].lstrip("+")
    assert digits in summary["text"].replace(" ", "").replace("+", "")
    await post(
        client,
        "/api/press",
        {
            "user_id": lilis,
            "message_id": summary["message_id"],
            "data": button(summary, "daftarkan"),
        },
    )
    state = await wait_state(
        client, lambda s: person(s, "Lilis Suryani")["role"] == "participant", "her membership"
    )
    assert person(state, "Lilis Suryani")["group"] == "Melati"
    member = await sim.services.db.participant_by_telegram(lilis)
    assert member is not None and member.phone == shared["phone_number"]


async def test_files_are_served_from_the_fake(sim: Simulator, client: httpx.AsyncClient) -> None:
    dewi = next(u for u in sim.fake.users.values() if u.first_name == "Dewi")
    photo = sim.fake.send_photo(dewi)["message"]["photo"][-1]
    response = await client.get(f"/api/files/{photo['file_id']}")
    assert response.status_code == 200
    assert response.content == TINY_PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")
    download = await client.get(f"/api/files/{photo['file_id']}", params={"download": 1})
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert (await client.get("/api/files/nope")).status_code == 404
    # any document or photo the bot has sent so far is downloadable too
    for user in sim.fake.users.values():
        for message in sim.fake.sent_by_bot(user):
            sent = message.get("document") or (message.get("photo") or [None])[-1]
            if sent:
                got = await client.get(f"/api/files/{sent['file_id']}")
                assert got.content == sim.fake.file(sent["file_id"]).data


async def test_refuses_what_a_page_on_another_site_could_send(
    sim: Simulator, client: httpx.AsyncClient
) -> None:
    dewi = next(u for u in sim.fake.users.values() if u.first_name == "Dewi")
    form = await client.post("/api/send", data={"user_id": str(dewi.id), "text": "/jadwal"})
    assert form.status_code == 415
    rebound = await client.get("/api/chats", headers={"Host": f"evil.example:{sim.port}"})
    assert rebound.status_code == 403
    unknown = await client.post("/api/send", json={"user_id": 1, "text": "/start"})
    assert unknown.status_code == 400
    bad = await client.post("/api/clock", json={"action": "yesterday"})
    assert bad.status_code == 400


def test_only_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        Simulator(tmp_path, host="0.0.0.0")


async def test_command_line_refuses_a_public_address() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.simulator",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert b"127.0.0.1" in err
