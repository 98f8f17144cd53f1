"""Webhook mode that loses nothing (issue 19, point 4), on the real ``python -m bot run``
process: the test posts a burst of check-ins to the bot's webhook as Telegram would, the
bot is killed (``os._exit`` at the pinned point ``inbox-handled``: right after the effect
of the first update, before it is marked done), and Telegram posts again what it got no
"200" for. Asserted: every update answered "200" was committed before the answer; after the
restart every mother is present exactly once (the update handled at the kill is handled
again, its effect not doubled) and is told so; the inbox is done and holds no words."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.crashpoints import ENV, EXIT_STATUS
from fakeapi import FakeBotAPI, FakeBotAPIServer
from tests.support.backend import query_rows
from tests.support.crash import QUIET, add_open_meetings, seed, typed_code
from tests.support.e2e import (
    TOKEN,
    USERNAME,
    Config,
    start_bot,
    stop_process,
    wait_while_running,
    write_config,
)

SECRET_ENV = "P2K2_TEST_WEBHOOK_SECRET"
SECRET = "rahasia-uji-123"
GROUPS, GROUP_SIZE = 3, 12


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def post_all(url: str, updates: list[dict[str, Any]]) -> set[int]:
    """Post every update at once, as Telegram would; the ids answered "200"."""
    answered: set[int] = set()
    async with httpx.AsyncClient(timeout=20) as client:

        async def post(update: dict[str, Any]) -> None:
            try:
                response = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
            except httpx.HTTPError:
                return  # no answer: Telegram posts it again later
            if response.status_code == 200:
                answered.add(int(update["update_id"]))

        await asyncio.gather(*(post(u) for u in updates))
    return answered


async def test_a_kill_loses_no_webhook_update_and_doubles_no_effect(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    port = free_port()
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    overrides: Config = {
        **QUIET,
        "telegram": {"mode": "webhook"},
        "telegram.webhook": {
            "listen": "127.0.0.1",
            "port": port,
            "url_path": "telegram",
            "public_url": "https://bot.example.invalid",
            "secret_token_env": SECRET_ENV,
        },
        "attendance": {
            "open_before": "1d",
            "meeting_length": "0m",
            "close_after": "0m",
            "code_every": "0m",
        },
    }
    hook = f"http://127.0.0.1:{port}/telegram"
    async with FakeBotAPIServer(fake) as api:
        config, database = write_config(tmp_path, api, overrides)
        _, members = await seed(database, fake, GROUPS, GROUP_SIZE, now, phones=True)
        await add_open_meetings(database, GROUPS, now)
        updates = [fake.send_text(m.user, f"/hadir {typed_code(m.group_id)}") for m in members]
        ids = {int(u["update_id"]) for u in updates}

        crash = {SECRET_ENV: SECRET, ENV: "inbox-handled"}
        first = await start_bot(config, tmp_path / "bot1.log", crash)
        await wait_while_running(
            fake, first, lambda: fake.webhook_url == "https://bot.example.invalid/telegram",
            "the webhook set", lambda: (tmp_path / "bot1.log").read_text(),
        )  # fmt: skip
        # A forged post is refused and stores nothing.
        async with httpx.AsyncClient() as client:
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "x"}
            forged = await client.post(hook, json=updates[0], headers=wrong)
        assert forged.status_code == 403
        answered = await post_all(hook, updates)
        assert await asyncio.wait_for(first.wait(), 30) == EXIT_STATUS
        stored = {int(r[0]) for r in query_rows(database, "SELECT update_id FROM inbox")}
        assert answered and answered <= stored, "an update was answered before it was stored"
        marks = "SELECT participant_id FROM attendance WHERE status = 'present'"
        handled_before = {int(r[0]) for r in query_rows(database, marks)}
        # The kill came right after the first effect (other chats' ran beside it).
        assert 1 <= len(handled_before) < len(members), handled_before

        second = await start_bot(config, tmp_path / "bot2.log", {SECRET_ENV: SECRET})
        try:
            await wait_while_running(
                fake, second, lambda: fake.method_counts["setWebhook"] >= 2,
                "the webhook set again", lambda: (tmp_path / "bot2.log").read_text(),
            )  # fmt: skip
            # Telegram posts again what was not answered, and (it may) one that was.
            again = [u for u in updates if int(u["update_id"]) not in answered]
            again.append(next(u for u in updates if int(u["update_id"]) in answered))
            assert await post_all(hook, again) == {int(u["update_id"]) for u in again}

            def told() -> int:
                return sum(
                    1
                    for m in members
                    if any("tercatat" in str(x.get("text", "")) for x in fake.sent_by_bot(m.user))
                )

            await wait_while_running(
                fake, second, lambda: told() == len(members),
                "every mother told", lambda: (tmp_path / "bot2.log").read_text(),
            )  # fmt: skip
        finally:
            assert await stop_process(second) == 0
    logged = "SELECT participant_id, count(*) FROM attendance_log GROUP BY participant_id"
    present = query_rows(database, logged)
    assert len(present) == len(members) and all(n == 1 for _, n in present), present
    inbox = query_rows(database, "SELECT update_id, done_at IS NOT NULL, payload FROM inbox")
    assert {int(r[0]) for r in inbox} == ids
    assert all(bool(done) and payload == "" for _, done, payload in inbox)
    for log in ("bot1.log", "bot2.log"):
        text = (tmp_path / log).read_text()
        assert "Traceback" not in text and " ERROR " not in text, text
