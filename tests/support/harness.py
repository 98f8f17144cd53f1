"""An offline bot for handler tests: the real application, the in-process fake Bot API,
a real SQLite file and a manual clock. Updates go through ``application.process_update``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import AnyApplication, build_application, tick
from bot.attendance.rotation import code_at
from bot.clock import ManualClock
from bot.config import TOKEN_ENV, Settings, load_settings
from bot.context import services_of
from bot.services import Services
from db import Database
from db.models import Facilitator, Group, Participant
from fakeapi import FakeBotAPI, FakeRequest, FakeUser, parse_text
from tests.support.backend import new_database
from tests.support.sql import fetch

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 08.00 WIB

SAMPLE_GUIDE = """\
guide.aim = "Ibu-ibu memahami pentingnya seribu hari pertama kehidupan."
guide.key_messages = ["Periksa kehamilan.", "Beri ASI saja sampai 6 bulan.", "Timbang anak."]
guide.opening = "Minta peserta menyebut nama dan umur anak bungsunya."
guide.plan = [15, 10, 25, 25, 25, 10, 10]
guide.questions = ["Kapan anak Ibu terakhir ditimbang?", "Apa yang sulit dari menyusui?"]
guide.activity = "Kelompok kecil menyusun menu sehari dari bahan setempat."
guide.bring = ["Buku KIA sebagai contoh"]

"""
"""Valid ``guide.*`` keys for a session file a test writes (put them before its quiz)."""


def write_config(
    folder: Path,
    extra: str = "",
    content: Path | None = None,
    *,
    voice: bool = False,
    migrated: bool = True,
) -> Path:
    """The test config; voice notes are off unless ``voice`` (tests of other features
    count messages, and synthesis takes a second per summary). ``migrated``: on
    PostgreSQL, the database has the schema already (SQLite's file is made on first use)."""
    path = folder / "config.toml"
    path.write_text(
        f'[bot]\ndatabase = "{new_database(folder, migrated=migrated)}"\n'
        f'content_dir = "{content or REPO / "content" / "modules"}"\n'
        f'[telegram]\nbot_username = "p2k2_test_bot"\n'
        f"[outbox]\nrate_per_second = 0\nper_chat_interval = 0\n{extra}"
        f"\n[voice]\nenabled = {'true' if voice else 'false'}\n"
        f'cache_dir = "{folder / "voice"}"\n',
        encoding="utf-8",
    )
    return path


def make_settings(
    folder: Path, extra: str = "", content: Path | None = None, *, voice: bool = False
) -> Settings:
    return load_settings(write_config(folder, extra, content, voice=voice), env={TOKEN_ENV: TOKEN})


class Harness:
    def __init__(self, app: AnyApplication, fake: FakeBotAPI, clock: ManualClock) -> None:
        self.app = app
        self.fake = fake
        self.clock = clock

    @property
    def services(self) -> Services:
        return services_of(self.app)

    @property
    def db(self) -> Database:
        return self.services.db

    async def process(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def send(self, user: FakeUser, text: str) -> dict[str, Any] | None:
        """She types ``text``; returns the bot's last message to her afterwards."""
        await self.process(self.fake.send_text(user, text))
        return self.fake.last_message(user)

    async def contact(self, user: FakeUser, phone: str, *, own: bool = True) -> None:
        await self.process(self.fake.send_contact(user, phone, own=own))

    async def press(
        self, user: FakeUser, label: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Press the inline button whose label contains ``label`` on ``message``
        (default: the bot's last message to her that has buttons)."""
        message = message or self.last_with_buttons(user)
        data = button_data(message, label)
        await self.process(self.fake.press_button(user, message["message_id"], data))
        return self.fake.last_message(user)

    async def press_data(self, user: FakeUser, data: str, *, forge: bool = True) -> None:
        message = self.fake.last_message(user)
        assert message is not None
        await self.process(self.fake.press_button(user, message["message_id"], data, forge=forge))

    def last_with_buttons(self, user: FakeUser) -> dict[str, Any]:
        for message in reversed(self.fake.sent_by_bot(user)):
            if message.get("reply_markup", {}).get("inline_keyboard"):
                return message
        raise AssertionError("no message with buttons")

    def texts(self, user: FakeUser) -> list[str]:
        return [str(m.get("text", m.get("caption", ""))) for m in self.fake.sent_by_bot(user)]

    def last_text(self, user: FakeUser) -> str:
        message = self.fake.last_message(user)
        assert message is not None
        return str(message.get("text", message.get("caption", "")))

    async def tick(self) -> None:
        """One clock tick at the harness's current time, then deliver the outbox."""
        await tick(self.services)
        await self.drain()

    async def drain(self) -> None:
        while await self.services.sender.drain_once():
            pass

    async def outbox(self, kind: str | None = None) -> list[dict[str, Any]]:
        rows = await fetch(
            self.db, "SELECT * FROM outbox WHERE ? IS NULL OR kind = ? ORDER BY id", (kind, kind)
        )
        return [dict(r) for r in rows]

    async def checkin_code(self, meeting_id: int, at: datetime | None = None) -> str:
        """The check-in code shown for an opened meeting at ``at`` (default: the clock's
        time; it changes every ``code_every``)."""
        code = await self.services.attendance.current_code(meeting_id, at or self.clock.now())
        assert code is not None, f"meeting {meeting_id} is not open for check-in"
        return code

    async def wrong_code(self, meeting_id: int) -> str:
        """Four digits that are none of an opened meeting's codes, current or old: a typo
        that is surely counted as a wrong code."""
        cm = await self.db.checkin_meeting(meeting_id)
        assert cm is not None and cm.checkin_code is not None
        return wrong_code(cm.checkin_code)

    async def participant(self, user: FakeUser) -> Participant:
        found = await self.db.participant_by_telegram(user.id)
        assert found is not None, f"{user.first_name} is not a member"
        return found

    async def facilitator(self, user: FakeUser) -> Facilitator:
        found = await self.db.facilitator_by_telegram(user.id)
        assert found is not None, f"{user.first_name} is not a facilitator"
        return found

    async def group_of(self, user: FakeUser) -> Group:
        group = await self.db.group((await self.participant(user)).group_id)
        assert group is not None
        return group

    def t(self, key: str, **values: Any) -> str:
        """The text for ``key`` as the user sees it (HTML parsed away, like Telegram)."""
        return parse_text(self.services.catalog.t(key, **values), "HTML")[0].strip()

    def answers(self) -> list[str]:
        """Texts of every answerCallbackQuery toast so far."""
        return [
            str(r.params.get("text") or "")
            for r in self.fake.calls
            if r.method == "answerCallbackQuery"
        ]

    def menu(self, user: FakeUser) -> list[str]:
        return [c["command"] for c in self.fake.commands.get(("chat", user.id, None, ""), [])]


def button_data(message: dict[str, Any], label: str) -> str:
    """The button labelled exactly ``label``, else the first whose label contains it."""
    buttons = [b for r in message.get("reply_markup", {}).get("inline_keyboard", []) for b in r]
    for match in (lambda text: text == label, lambda text: label in text):
        for button in buttons:
            if match(button["text"]):
                return str(button["callback_data"])
    labels = [
        b["text"] for r in message.get("reply_markup", {}).get("inline_keyboard", []) for b in r
    ]
    raise AssertionError(f"no button {label!r} in {labels}")


def button_labels(message: dict[str, Any]) -> list[str]:
    return [
        b["text"] for r in message.get("reply_markup", {}).get("inline_keyboard", []) for b in r
    ]


@asynccontextmanager
async def running_bot(
    folder: Path, extra_config: str = "", content: Path | None = None, *, voice: bool = False
) -> AsyncIterator[Harness]:
    """The offline bot; ``content``: another module folder than the repository's;
    ``voice``: with voice notes."""
    clock = ManualClock(START)
    fake = FakeBotAPI(token=TOKEN, username="p2k2_test_bot", now=clock.now)
    settings = make_settings(folder, extra_config, content, voice=voice)

    async def sleep(seconds: float) -> None:
        """The sender waits on the manual clock: time moves, nothing sleeps."""
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    app = build_application(
        settings, request=FakeRequest(fake), clock=clock, background=False, sleep=sleep
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        yield Harness(app, fake, clock)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def register_facilitator(h: Harness, name: str = "Rina Wati") -> FakeUser:
    invite = await h.services.onboarding.invite_facilitator(name, h.clock.now())
    user = h.fake.add_user(name.split()[0])
    await h.send(user, f"/start f_{invite.code}")
    return user


async def create_group(
    h: Harness,
    facilitator: FakeUser,
    name: str = "Mawar",
    zone: str = "WIB",
    place: str = "Balai Desa Sukamaju",
    kecamatan: str = "Sukamaju",
) -> str:
    """Create a group through the dialogue; returns its join payload (``g_...``)."""
    await h.send(facilitator, "/kelompokbaru")
    await h.send(facilitator, name)
    await h.press(facilitator, zone)
    await h.send(facilitator, place)
    await h.send(facilitator, kecamatan)
    text = h.texts(facilitator)[-2]
    link = next(word for word in text.split() if "start=g_" in word)
    return link.split("start=", 1)[1]


async def join(
    h: Harness,
    payload: str,
    first_name: str,
    name: str | None = None,
    phone: str | None = None,
) -> FakeUser:
    user = h.fake.add_user(first_name)
    await h.send(user, f"/start {payload}")
    await h.send(user, name or first_name)
    if phone:
        await h.contact(user, phone)
    else:
        await h.send(user, h.t("join.button_skip_phone"))
    await h.press(user, "Ya")
    return user


async def erase_own_data(h: Harness, user: FakeUser) -> None:
    """A member erases her data with /datasaya and its two buttons."""
    await h.send(user, "/datasaya")
    await h.press(user, "Hapus data saya")
    await h.press(user, "Ya, hapus")
    assert h.last_text(user) == h.t("privacy.erased")


async def answer_quiz(h: Harness, user: FakeUser, session_id: str, pattern: str) -> None:
    """She answers a session's quiz with the quiz buttons of /materi: ``C`` the correct
    option, ``W`` a wrong one, per question in order."""
    session = h.services.content.session(session_id)
    assert session is not None and len(pattern) <= len(session.quiz)
    score = 0
    for index, (question, mark) in enumerate(zip(session.quiz, pattern, strict=False)):
        chosen = question.answer if mark == "C" else (question.answer + 1) % len(question.options)
        await h.press_data(user, f"mata:{session_id}:{index}:{chosen}:{score}")
        score += mark == "C"


async def schedule_once(
    h: Harness, facilitator: FakeUser, when: str = "5/12 09.00", group: str | None = None
) -> None:
    """A single meeting through /pertemuanbaru, typed ("5/12 09.00"), at the usual place;
    ``group``: the group's name to choose when she has several."""
    await h.send(facilitator, "/pertemuanbaru")
    if group is not None:
        await h.press(facilitator, group)
    await h.press(facilitator, "Lanjut")
    await h.press(facilitator, "Sekali")
    await h.send(facilitator, when)
    await h.press(facilitator, "Tempat biasa")
    await h.press(facilitator, "Jadwalkan")


async def open_selfcheck(h: Harness, facilitator: FakeUser) -> dict[str, Any]:
    """Press "Bagaimana pertemuannya?" on her latest summary of a close (the digest of
    alerts may have come after it); returns the self-check message."""
    summaries = [
        m
        for m in h.fake.sent_by_bot(facilitator)
        if any(
            str(b.get("callback_data", "")).startswith("cso:")
            for row in m.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
        )
    ]
    assert summaries, "no summary with the self-check button"
    screen = await h.press(facilitator, h.t("coach.button_selfcheck"), summaries[-1])
    assert screen is not None
    return screen


def wrong_code(secret: str, slots: int = 1000) -> str:
    """A four-digit code that is none of a meeting's codes in its first ``slots`` slots
    (neither current nor old): a typo, surely answered "Kode belum cocok"."""
    taken = {code_at(secret, s) for s in range(slots)}
    return next(c for c in (f"{n:04d}" for n in range(10_000)) if c not in taken)
