"""Property-based fuzzing of incoming updates (issue 7, point 2).

Hypothesis draws sequences of steps by several users (a stranger, a newcomer holding group
A's join link, members and leaders of two groups, two facilitators, brand-new unknown
users): random text (Unicode, emoji, RTL, control characters, up to 4096), commands in
random order with random arguments, random and forged callback data (fully random, or a
real action prefix with random, out-of-range, wrong-type or other-group ids), buttons the
bot really showed (also stale ones), contacts (own and not), photos and stickers where
text is expected, group chats, duplicated and late updates, block/unblock. Between steps
the manual clock moves (minutes to days) and the real tick runs, so reminders, check-in
windows and alerts happen during the fuzz.

After every step: no ERROR was logged (the app's error handler logs every unhandled
exception), every private message was answered, the bot said at most one thing per group
chat, the database is intact, a sender changed nothing of a group she does not belong to,
and nobody was shown another group's private data.

``FUZZ_EXAMPLES`` (default 100) and ``FUZZ_STEPS`` (default 30) size the run.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.app import tick
from db.dialect import SQLITE
from fakeapi import FakeChat, FakeUser
from tests.support.fuzz import (
    DISPATCHER,
    START_OFFSETS,
    AddToGroup,
    Arg,
    CatalogText,
    CodeRef,
    Event,
    GroupText,
    IdRef,
    JoinRef,
    PressAction,
    PressRaw,
    PressShown,
    ReplyButton,
    SendCommand,
    SendPhoto,
    SendSticker,
    SendText,
    ShareContact,
    Step,
    Text,
    ToggleBlock,
    Wait,
    byte_cut,
    plans,
    utf16_cut,
)
from tests.support.harness import Harness, running_bot
from tests.support.sql import fetch
from tests.support.world import World, build_world

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ_STEPS = int(os.environ.get("FUZZ_STEPS", "30"))
STATS: Counter[str] = Counter()
"""What ran: examples, steps, updates and step kinds (asserted and printed at the end)."""

SIDES = ("A", "B")
KNOWN_SIDES: dict[str, frozenset[str]] = {
    "stranger": frozenset(),
    "unknown": frozenset(),
    "newcomer": frozenset({"A"}),  # she holds group A's join link
    "member_a": frozenset({"A"}),
    "leader_a": frozenset({"A"}),
    "fac_a": frozenset({"A"}),
    "member_b": frozenset({"B"}),
    "leader_b": frozenset({"B"}),
    "fac_b": frozenset({"B"}),
}
PRIVATE_MESSAGES = (SendText, SendCommand, ShareContact, SendPhoto, SendSticker)
PRESSES = (PressRaw, PressAction, PressShown)
ID_TABLES = {
    "group_id": "SELECT id FROM groups WHERE facilitator_id = ? ORDER BY id",
    "meeting_id": "SELECT m.id FROM meetings m JOIN groups g ON g.id = m.group_id"
    " WHERE g.facilitator_id = ? ORDER BY m.id",
    "participant_id": "SELECT p.id FROM participants p JOIN groups g ON g.id = p.group_id"
    " WHERE g.facilitator_id = ? ORDER BY p.id",
    "alert_id": "SELECT a.id FROM alerts a JOIN groups g ON g.id = a.group_id"
    " WHERE g.facilitator_id = ? ORDER BY a.id",
    "action_id": "SELECT x.id FROM alert_actions x JOIN alerts a ON a.id = x.alert_id"
    " JOIN groups g ON g.id = a.group_id WHERE g.facilitator_id = ? ORDER BY x.id",
    "announcement_id": "SELECT DISTINCT ag.announcement_id FROM announcement_groups ag"
    " JOIN groups g ON g.id = ag.group_id WHERE g.facilitator_id = ?"
    " ORDER BY ag.announcement_id",
}
# Everything of one side (a facilitator's groups) that nobody from outside may change.
SIDE_GROUPS = "SELECT id FROM groups WHERE facilitator_id = :fac"
SIDE_MEETINGS = f"SELECT id FROM meetings WHERE group_id IN ({SIDE_GROUPS})"
SIDE_PEOPLE = f"SELECT id FROM participants WHERE group_id IN ({SIDE_GROUPS})"
SIDE_ALERTS = f"SELECT id FROM alerts WHERE group_id IN ({SIDE_GROUPS})"
SNAPSHOT = (
    "SELECT * FROM facilitators WHERE id = :fac",
    f"SELECT * FROM groups WHERE id IN ({SIDE_GROUPS}) ORDER BY id",
    f"SELECT * FROM participants WHERE group_id IN ({SIDE_GROUPS}) ORDER BY id",
    f"SELECT * FROM meeting_series WHERE group_id IN ({SIDE_GROUPS}) ORDER BY id",
    f"SELECT * FROM meetings WHERE id IN ({SIDE_MEETINGS}) ORDER BY id",
    f"SELECT * FROM rsvps WHERE meeting_id IN ({SIDE_MEETINGS}) ORDER BY 1, 2",
    f"SELECT * FROM attendance WHERE meeting_id IN ({SIDE_MEETINGS}) ORDER BY 1, 2",
    f"SELECT * FROM attendance_log WHERE meeting_id IN ({SIDE_MEETINGS}) ORDER BY id",
    f"SELECT * FROM checkin_attempts WHERE meeting_id IN ({SIDE_MEETINGS}) ORDER BY 1, 2",
    f"SELECT * FROM alerts WHERE id IN ({SIDE_ALERTS}) ORDER BY id",
    f"SELECT * FROM alert_actions WHERE alert_id IN ({SIDE_ALERTS}) ORDER BY id",
    f"SELECT * FROM quiz_answers WHERE participant_id IN ({SIDE_PEOPLE}) ORDER BY 1, 2, 3",
    f"SELECT count(*) FROM outbox WHERE participant_id IN ({SIDE_PEOPLE})",
    f"SELECT * FROM announcement_groups WHERE group_id IN ({SIDE_GROUPS}) ORDER BY 1, 2",
    "SELECT * FROM chat_states WHERE telegram_id IN (SELECT telegram_id FROM facilitators"
    f" WHERE id = :fac UNION SELECT telegram_id FROM participants WHERE id IN ({SIDE_PEOPLE}))"
    " ORDER BY telegram_id",
)


class ErrorLog(logging.Handler):
    """Collects ERROR records (the app's error handler logs every unhandled exception)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Fuzz:
    """One example's world and the bookkeeping for the invariants."""

    h: Harness
    world: World
    errors: ErrorLog
    users: dict[str, FakeUser]
    fac_ids: dict[str, int]
    chats: list[FakeChat]
    secrets: dict[str, set[str]]
    trail: list[str] = field(default_factory=list)
    shown: dict[tuple[int, int], str] = field(default_factory=dict)
    owner_of_chat: dict[int, frozenset[str]] = field(default_factory=dict)
    query_owner: dict[str, int] = field(default_factory=dict)
    calls_seen: int = 0

    # -- resolving references ---------------------------------------------------------

    async def ids(self, param: str, side: str) -> list[int]:
        rows = await fetch(self.h.db, ID_TABLES[param], (self.fac_ids[side],))
        return [int(r[0]) for r in rows]

    async def join_payload(self, known: frozenset[str]) -> str:
        if not known:
            return "g_Zm9yZ2VkQ29kZTEyMw"
        (side,) = known
        row = list(
            await fetch(
                self.h.db,
                "SELECT join_code FROM groups WHERE facilitator_id = ? ORDER BY id LIMIT 1",
                (self.fac_ids[side],),
            )
        )
        return f"g_{row[0][0]}"

    async def checkin_code(self, index: int) -> str:
        rows = list(
            await fetch(
                self.h.db, "SELECT id FROM meetings WHERE checkin_code IS NOT NULL ORDER BY id"
            )
        )
        if not rows:
            return f"{index:06d}"
        return await self.h.checkin_code(int(rows[index % len(rows)][0]))

    async def arg(self, value: Arg, param: str, known: frozenset[str]) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, CodeRef):
            return await self.checkin_code(value.index)
        if isinstance(value, JoinRef):
            return await self.join_payload(known)
        if param in ID_TABLES:
            found = await self.ids(param, value.side)
            if found:
                return str(found[value.index % len(found)])
        return str(value.index)

    async def text(self, value: Text, user: FakeUser) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, CodeRef):
            return await self.checkin_code(value.index)
        if isinstance(value, CatalogText):
            return self.h.t(value.key)
        assert isinstance(value, ReplyButton)
        buttons = [b["text"] for row in self.reply_keyboard(user) for b in row]
        return str(buttons[value.index % len(buttons)]) if buttons else "ya"

    def reply_keyboard(self, user: FakeUser) -> list[list[dict[str, Any]]]:
        keyboard = self.h.fake.reply_keyboard(user)
        return list(keyboard.get("keyboard", [])) if keyboard else []

    async def callback_data(self, event: PressAction, known: frozenset[str]) -> str:
        action = DISPATCHER.actions[event.prefix]
        params = list(inspect.signature(action.callback).parameters)[1:]
        parts = [
            await self.arg(value, params[i] if i < len(params) else "", known)
            for i, value in enumerate(event.args)
        ]
        return byte_cut(":".join([event.prefix, *parts]))

    def message_id(self, user: FakeUser, index: int) -> int:
        mine = self.h.fake.sent_by_bot(user)
        return int(mine[-1 - index % len(mine)]["message_id"]) if mine else index + 1

    # -- building the updates -----------------------------------------------------------

    def dated(self, update: dict[str, Any], late: timedelta = timedelta(0)) -> dict[str, Any]:
        """Message dates follow the manual clock (``late``: written that long ago)."""
        if "message" in update:
            update["message"]["date"] = int((self.h.clock.now() - late).timestamp())
        return update

    async def updates(self, who: str, user: FakeUser, event: Event) -> list[dict[str, Any]]:
        fake, known = self.h.fake, KNOWN_SIDES[who]
        if isinstance(event, SendText):
            text = utf16_cut(await self.text(event.text, user)) or "?"
            keyboard = [b for row in self.reply_keyboard(user) for b in row]
            if any(b.get("request_contact") and b["text"] == text for b in keyboard):
                return [self.dated(fake.send_contact(user, "081298765432"))]
            return [self.dated(fake.send_text(user, text), event.late)]
        if isinstance(event, SendCommand):
            mention = "@p2k2_test_bot" if event.mention else ""
            words = [await self.arg(a, "", known) for a in event.args]
            text = utf16_cut(" ".join([f"/{event.name}{mention}", *words]))
            return [self.dated(fake.send_text(user, text), event.late)]
        if isinstance(event, PressRaw):
            mid = self.message_id(user, event.message)
            return [self.press(user, mid, event.data)]
        if isinstance(event, PressAction):
            data = await self.callback_data(event, known)
            return [self.press(user, self.message_id(user, event.message), data)]
        if isinstance(event, PressShown):
            with_buttons = [
                m
                for m in fake.sent_by_bot(user)
                if m.get("reply_markup", {}).get("inline_keyboard")
            ]
            if not with_buttons:
                return []
            message = with_buttons[-1 - event.message % len(with_buttons)]
            buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
            button = buttons[event.button % len(buttons)]
            return [self.press(user, int(message["message_id"]), str(button["callback_data"]))]
        if isinstance(event, ShareContact):
            return [self.dated(fake.send_contact(user, event.phone or "0", own=event.own))]
        if isinstance(event, SendPhoto):
            return [self.dated(fake.send_photo(user, caption=event.caption or None))]
        if isinstance(event, SendSticker):
            return [self.dated(fake.send_sticker(user, emoji=event.emoji))]
        if isinstance(event, GroupText):
            chat = self.chats[event.chat]
            update = fake.send_group_text(chat, user, utf16_cut(event.text) or "?")
            return [update] if update.get("update_id") is not None else []
        if isinstance(event, AddToGroup):
            chat = self.chats[event.chat]
            member = fake.add_bot_to_group(chat, user)
            return [member, fake.pending_updates[-1]]
        if isinstance(event, ToggleBlock):
            return [fake.unblock_bot(user) if user.blocked else fake.block_bot(user)]
        assert isinstance(event, Wait)
        return []

    def press(self, user: FakeUser, message_id: int, data: str) -> dict[str, Any]:
        update = self.h.fake.press_button(user, message_id, data, forge=True)
        self.query_owner[update["callback_query"]["id"]] = user.id
        return update

    # -- one step -----------------------------------------------------------------------

    async def run(self, step: Step) -> None:
        h = self.h
        self.trail.append(repr(step))
        if step.advance:
            h.clock.advance(step.advance)
            await tick(h.services)
            await h.drain()
            self.check_errors("the tick")
        if step.who == "unknown":
            user = h.fake.add_user("Tamu")
            self.owner_of_chat[user.id] = frozenset()
        else:
            user = self.users[step.who]
        event = step.event
        if user.blocked and isinstance(event, (*PRIVATE_MESSAGES, *PRESSES)):
            # Her client unblocks the bot before she can write again (Telegram's "Restart").
            await h.process(h.fake.unblock_bot(user))
        protected = [side for side in SIDES if side not in KNOWN_SIDES[step.who]]
        before = {side: await self.snapshot(side) for side in protected}
        sent_before = len(h.fake.sent_by_bot(user))
        updates = await self.updates(step.who, user, event)
        for update in updates:
            for _ in range(2 if step.duplicate else 1):
                await h.process(update)
                STATS["updates"] += 1
        self.check_errors("the step")
        if isinstance(event, PRIVATE_MESSAGES):
            assert len(h.fake.sent_by_bot(user)) > sent_before, self.failure("no answer")
        for update in updates:
            if "callback_query" in update:
                query_id = update["callback_query"]["id"]
                assert query_id in h.fake.callback_answers, self.failure("button not answered")
        for side in protected:
            assert await self.snapshot(side) == before[side], self.failure(
                f"{step.who} changed group side {side}"
            )
        await h.drain()
        self.check_errors("the outbox")
        for chat in self.chats:
            said = [m.get("text") for m in h.fake.sent_by_bot(chat)]
            assert len(said) <= 1, self.failure(f"the bot spoke {len(said)} times in a group")
        await self.check_database()
        await self.check_no_leak()
        STATS["steps"] += 1
        STATS[type(event).__name__] += 1

    async def snapshot(self, side: str) -> list[list[tuple[Any, ...]]]:
        rows = []
        for sql in SNAPSHOT:
            fac = self.fac_ids[side]
            found = await fetch(self.h.db, sql.replace(":fac", "?"), (fac,) * sql.count(":fac"))
            rows.append([tuple(r) for r in found])
        return rows

    # -- invariants ---------------------------------------------------------------------

    def failure(self, what: str) -> str:
        return f"{what}\nsteps so far:\n  " + "\n  ".join(self.trail)

    def check_errors(self, where: str) -> None:
        if self.errors.records:
            handler = self.errors
            shown = "\n".join(
                handler.format(r)
                + ("\n" + logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
                for r in handler.records
            )
            raise AssertionError(self.failure(f"ERROR logged during {where}:\n{shown}"))

    async def check_database(self) -> None:
        if self.h.db.dialect != SQLITE:
            assert await self.h.db.integrity_ok(), self.failure("the database is not reachable")
            return
        connection = self.h.db.connection
        (ok,) = await connection.execute_fetchall("PRAGMA integrity_check")
        assert tuple(ok) == ("ok",), self.failure(f"integrity_check: {tuple(ok)}")
        broken = await connection.execute_fetchall("PRAGMA foreign_key_check")
        assert not list(broken), self.failure(f"foreign_key_check: {[tuple(r) for r in broken]}")

    async def check_no_leak(self) -> None:
        """Every bot message, button label (also after edits) and toast, checked against
        the private data of the groups its reader does not belong to."""
        rows = await fetch(self.h.db, "SELECT g.facilitator_id, g.join_code FROM groups g")
        for fac_id, code in rows:
            for side, known_fac in self.fac_ids.items():
                if fac_id == known_fac:
                    self.secrets[side].add(str(code))
        fake = self.h.fake
        for user in fake.users.values():
            known = self.owner_of_chat.get(user.id, frozenset())
            foreign = [s for side in SIDES if side not in known for s in self.secrets[side]]
            for message in fake.sent_by_bot(user):
                labels = [
                    b["text"]
                    for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                    for b in row
                ]
                text = "\n".join([str(message.get("text") or message.get("caption", "")), *labels])
                key = (user.id, int(message["message_id"]))
                if self.shown.get(key) == text:
                    continue
                self.shown[key] = text
                self.assert_clean(user, text, foreign)
        calls = list(fake.calls)
        for record in calls[self.calls_seen :]:
            if record.method == "answerCallbackQuery":
                owner = self.query_owner.get(str(record.params.get("callback_query_id")))
                if owner is not None:
                    known = self.owner_of_chat.get(owner, frozenset())
                    foreign = [
                        s for side in SIDES if side not in known for s in self.secrets[side]
                    ]
                    self.assert_clean(fake.users[owner], str(record.params.get("text")), foreign)
        self.calls_seen = len(calls)

    def assert_clean(self, user: FakeUser, text: str, foreign: list[str]) -> None:
        for secret in foreign:
            if secret != user.first_name:
                assert secret not in text, self.failure(
                    f"{user.first_name} ({user.id}) was shown {secret!r}:\n{text}"
                )


async def make_fuzz(h: Harness, errors: ErrorLog) -> Fuzz:
    world = await build_world(h)
    users = {
        "stranger": world.stranger,
        "member_a": world.member_a,
        "leader_a": world.leader_a,
        "member_b": world.member_b,
        "leader_b": world.leader_b,
        "fac_a": world.fac_a,
        "fac_b": world.fac_b,
        "newcomer": h.fake.add_user("Nurhayati"),
    }
    fac_ids = {
        "A": (await h.facilitator(world.fac_a)).id,
        "B": (await h.facilitator(world.fac_b)).id,
    }
    chats = [
        h.fake.add_group_chat("Ibu-ibu PKH Kenanga"),
        h.fake.add_group_chat("Arisan RT 03", supergroup=True),
    ]
    fuzz = Fuzz(
        h,
        world,
        errors,
        users,
        fac_ids,
        chats,
        secrets={"A": set(world.secrets_a), "B": set(world.secrets_b)},
        owner_of_chat={user.id: KNOWN_SIDES[name] for name, user in users.items()},
    )
    await fuzz.check_no_leak()
    return fuzz


REACHED = {
    "reached_self_checkins": "SELECT count(*) FROM attendance WHERE source = 'self'",
    "reached_facilitator_marks": "SELECT count(*) FROM attendance WHERE source = 'facilitator'",
    "reached_rsvps": "SELECT count(*) FROM rsvps",
    "reached_alerts": "SELECT count(*) FROM alerts",
    "reached_alert_actions": "SELECT count(*) FROM alert_actions",
    "reached_announcements": "SELECT count(*) FROM announcements",
    "reached_quiz_answers": "SELECT count(*) FROM quiz_answers",
    "reached_new_members": "SELECT count(*) - 4 FROM participants",
    "reached_members_left": "SELECT count(*) FROM participants WHERE status = 'left'",
    "reached_new_groups": "SELECT count(*) - 2 FROM groups",
    "reached_new_meetings": "SELECT count(*) - 2 FROM meetings",
    "reached_reminders_sent": "SELECT count(*) FROM outbox WHERE kind LIKE 'reminder%'"
    " AND status = 'sent'",
    "reached_windows_finalized": "SELECT count(*) FROM meetings WHERE finalized_at IS NOT NULL",
}


async def count_reached(h: Harness) -> None:
    """How deep the fuzz got: rows that only a successful dialogue or the tick creates."""
    for name, sql in REACHED.items():
        ((count,),) = await fetch(h.db, sql)
        STATS[name] += int(count)


async def run_example(folder: Path, start: timedelta, plan: list[Step]) -> None:
    errors = ErrorLog()
    root = logging.getLogger()
    root.addHandler(errors)
    try:
        async with running_bot(folder) as h:
            fuzz = await make_fuzz(h, errors)
            fuzz.check_errors("building the world")
            if start:
                h.clock.advance(start)
                await h.tick()
            for step in plan:
                await fuzz.run(step)
            await fuzz.check_database()
            await count_reached(h)
    finally:
        root.removeHandler(errors)
    STATS["examples"] += 1


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(start=START_OFFSETS, plan=plans(min(10, FUZZ_STEPS), FUZZ_STEPS))
def test_fuzzed_updates_keep_the_invariants(start: timedelta, plan: list[Step]) -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="p2k2-fuzz-") as folder:
        asyncio.run(run_example(Path(folder), start, plan))
    STATS["seconds_x1000"] += int(1000 * (time.perf_counter() - began))
    STATS["hypothesis_examples"] += 1


# -- deterministic replays of edge cases the fuzzer exercises ---------------------------

REPLAYS: dict[str, list[Step]] = {
    "a 4096-character group name, then RTL and control characters as the place": [
        Step("fac_a", SendCommand("kelompokbaru", (), False, timedelta(0)), timedelta(0), False),
        Step("fac_a", SendText("\u202e" + "Mawar " * 682, timedelta(0)), timedelta(0), False),
        Step("fac_a", SendText("Mawar\u200f 2", timedelta(0)), timedelta(0), False),
        Step("fac_a", PressShown(0, 0), timedelta(0), True),
        Step("fac_a", SendText("\x00\x1b[31m<b>Balai</b>", timedelta(0)), timedelta(0), False),
    ],
    "forged buttons: huge, negative, wrong-type and other-group ids": [
        Step("fac_b", PressAction("go", (IdRef("A", 0),), 0), timedelta(0), False),
        Step("fac_b", PressAction("gxy", (IdRef("A", 0), IdRef("A", 0)), 0), timedelta(0), False),
        Step(
            "fac_b",
            PressAction("kt", (IdRef("A", 0), IdRef("A", 0), "p", "0"), 0),
            timedelta(0),
            False,
        ),
        Step("fac_a", PressAction("mv", ("9" * 18,), 0), timedelta(0), False),
        Step("fac_a", PressAction("mv", ("9" * 19,), 0), timedelta(0), False),
        Step("fac_a", PressAction("gm", ("-1", "x"), 0), timedelta(0), False),
        Step("member_b", PressAction("ry", (IdRef("A", 0),), 0), timedelta(0), True),
        Step("member_b", PressAction("kh", (IdRef("A", 0),), 0), timedelta(0), False),
        Step("leader_b", PressAction("anng", (IdRef("A", 0),), 0), timedelta(0), False),
        Step("stranger", PressRaw("\u202e:\x00:" + "é" * 28, 0), timedelta(0), False),
        Step("unknown", PressRaw("", 3), timedelta(0), True),
    ],
    "another group's check-in code, typed late and twice, inside the window": [
        Step(
            "member_b",
            SendCommand("hadir", (), False, timedelta(0)),
            timedelta(days=5, minutes=40),
            False,
        ),
        Step("member_b", SendText(CodeRef(0), timedelta(hours=3)), timedelta(0), True),
        Step("member_b", SendText(CodeRef(1), timedelta(0)), timedelta(0), True),
        Step(
            "member_a",
            SendCommand("hadir", (CodeRef(0),), True, timedelta(minutes=5)),
            timedelta(0),
            True,
        ),
    ],
    "media, stickers and contacts where text is expected; group chats; block and unblock": [
        Step(
            "newcomer",
            SendCommand("start", (JoinRef(),), False, timedelta(0)),
            timedelta(0),
            False,
        ),
        Step("newcomer", SendPhoto("Nurhayati"), timedelta(0), False),
        Step("newcomer", SendSticker("🌸"), timedelta(0), False),
        Step("newcomer", SendText("Nurhayati", timedelta(0)), timedelta(0), False),
        Step("newcomer", ShareContact("081200000000", own=False), timedelta(0), False),
        Step("newcomer", ShareContact("081277776666", own=True), timedelta(0), True),
        Step("newcomer", PressShown(0, 0), timedelta(0), True),
        Step("member_a", AddToGroup(0), timedelta(0), False),
        Step("member_b", AddToGroup(0), timedelta(0), False),
        Step("stranger", GroupText(0, "/start@p2k2_test_bot"), timedelta(0), True),
        Step("member_a", ToggleBlock(), timedelta(0), False),
        Step("fac_a", SendCommand("umumkan", (), False, timedelta(0)), timedelta(0), False),
        Step("member_a", SendText("halo", timedelta(0)), timedelta(days=3), False),
    ],
}


@pytest.mark.parametrize("name", list(REPLAYS))
async def test_replayed_edge_cases_keep_the_invariants(tmp_path: Path, name: str) -> None:
    await run_example(tmp_path, timedelta(0), REPLAYS[name])


def test_the_fuzzer_ran() -> None:
    """Runs after the fuzz (file order): it really exercised the bot."""
    kinds = {k: v for k, v in sorted(STATS.items()) if k[0].isupper()}
    reached = {k.removeprefix("reached_"): v for k, v in STATS.items() if k.startswith("reach")}
    print(
        f"\nfuzz: {STATS['hypothesis_examples']} hypothesis examples"
        f" ({STATS['examples']} with the replays), {STATS['steps']} steps,"
        f" {STATS['updates']} updates in {STATS['seconds_x1000'] / 1000:.1f} s"
        f"\nsteps by kind: {kinds}\nreached (rows summed over examples): {reached}"
    )
    assert STATS["hypothesis_examples"] > 0 and STATS["steps"] > 0
