"""The outbox and its sender, against the in-process fake Bot API and a real SQLite file.

Time is a ManualClock; the sender's ``sleep`` advances it instead of waiting, and the fake
stamps every call with the same clock, so pacing is checked in clock time without ever
sleeping for real.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.clock import ManualClock
from bot.config import OutboxSettings
from bot.flood import retry_after_seconds
from bot.i18n import Catalog
from bot.outbox import FLUSH_AFTER, OutboxSender, _Run
from bot.sending import Action, TokenBucket, backoff, chat_ready_at, classify
from db import Database
from db.models import Group, Participant
from db.outbox import NewMessage
from fakeapi import CallRecord, FakeBotAPI, FakeRequest, FakeUser
from tests.support.backend import new_database

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PACED = OutboxSettings(rate_per_second=25, per_chat_interval=1.0, max_attempts=6, batch_size=200)
SECOND = timedelta(seconds=1)


# ----------------------------------------------------------------------------- pure rules


def test_classify() -> None:
    assert classify(RetryAfter(7)).action is Action.PAUSE
    assert classify(RetryAfter(7)).pause == 7.0
    assert classify(InvalidToken("Unauthorized")).action is Action.PAUSE
    for blocked in (
        Forbidden("Forbidden: bot was blocked by the user"),
        Forbidden("Forbidden: user is deactivated"),
        Forbidden("Forbidden: bot can't initiate conversation with a user"),
        BadRequest("Bad Request: chat not found"),
    ):
        assert classify(blocked).action is Action.BLOCKED, blocked
    refused = classify(BadRequest("Bad Request: can't parse entities: unclosed <b>"))
    assert refused.action is Action.FAILED
    assert "can't parse entities" in refused.error.lower()
    assert classify(ChatMigrated(-100123)).action is Action.FAILED
    for transient in (TimedOut(), NetworkError("Internal Server Error"), NetworkError("Bad")):
        assert classify(transient).action is Action.RETRY
    assert classify(ValueError("bug")).action is Action.FAILED


def test_retry_after_in_both_ptb_types(monkeypatch: pytest.MonkeyPatch) -> None:
    # conftest sets PTB_TIMEDELTA=1: a timedelta
    assert os.environ.get("PTB_TIMEDELTA") == "1"
    assert retry_after_seconds(RetryAfter(12)) == 12.0
    # without it PTB gives an int and warns; warnings are errors here, so none may escape
    # (PTB's own constructor reads the attribute too, so build the error before)
    error = RetryAfter(3)
    monkeypatch.delenv("PTB_TIMEDELTA")
    assert retry_after_seconds(error) == 3.0


def test_backoff_schedule() -> None:
    assert backoff(0) == 0
    assert [backoff(n) for n in range(1, 11)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert backoff(1000) == 300


def test_token_bucket_spaces_sends_evenly() -> None:
    bucket = TokenBucket(25)
    assert bucket.ready_at(START) == START
    bucket.take(START)
    assert bucket.ready_at(START) == START + timedelta(milliseconds=40)
    bucket.take(START + timedelta(milliseconds=40))
    assert bucket.ready_at(START) == START + timedelta(milliseconds=80)
    # a late send pushes the grid back: two sends are never closer than 1/rate
    late = START + timedelta(milliseconds=95)
    assert bucket.ready_at(late) == late
    bucket.take(late)
    assert bucket.ready_at(late) == START + timedelta(milliseconds=135)
    # idle time is not saved up beyond the burst
    later = START + timedelta(seconds=10)
    assert bucket.ready_at(later) == later
    bucket.take(later)
    assert bucket.ready_at(later) == later + timedelta(milliseconds=40)
    burst = TokenBucket(10, burst=3)
    for _ in range(3):
        assert burst.ready_at(START) == START
        burst.take(START)
    assert burst.ready_at(START) == START + timedelta(milliseconds=100)
    unlimited = TokenBucket(0)
    unlimited.take(START)
    assert unlimited.ready_at(START) == START


def test_chat_ready_at() -> None:
    assert chat_ready_at(None, SECOND, START) == START
    assert chat_ready_at(START, SECOND, START) == START + SECOND
    assert chat_ready_at(START, SECOND, START + 2 * SECOND) == START + 2 * SECOND


# ------------------------------------------------------------------------------- fixtures


def unreachable_key(participant_id: int, since: datetime) -> str:
    return f"unreachable:{participant_id}:{since.isoformat()}"


async def notify(world: World, participant_ids: list[int]) -> int:
    """A facilitator notice per participant and spell of unreachability (unique key)."""
    notices = []
    for participant_id in participant_ids:
        participant = await world.db.participant(participant_id)
        since = await world.db.unreachable_since(participant_id)
        if participant is None or since is None:
            continue
        phone = f" ({participant.phone})" if participant.phone else ""
        notices.append(
            NewMessage(
                unreachable_key(participant_id, since),
                world.facilitator_user.id,
                None,
                "unreachable_notice",
                f"Ibu {participant.name}{phone} (kelompok {world.group.name}) tidak terjangkau.",
                None,
                world.clock.now(),
            )
        )
    return await world.db.enqueue(notices, world.clock.now()) if notices else 0


@dataclass
class World:
    db: Database
    fake: FakeBotAPI
    bot: Bot
    clock: ManualClock
    catalog: Catalog
    group: Group
    facilitator_user: FakeUser
    sleeps: list[float] = field(default_factory=list)
    notified: list[list[int]] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        """The sender's sleep: clock time passes, real time does not."""
        self.sleeps.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    async def on_unreachable(self, participant_ids: list[int]) -> None:
        """The hook: record the call and queue a notice to the facilitator, keyed by the
        spell of unreachability (as the app's follow-up does)."""
        self.notified.append(participant_ids)
        await notify(self, participant_ids)

    def sender(
        self, settings: OutboxSettings = PACED, *, bot: Bot | None = None, concurrency: int = 8
    ) -> OutboxSender:
        return OutboxSender(
            self.db,
            bot or self.bot,
            settings,
            self.clock,
            sleep=self.sleep,
            on_unreachable=self.on_unreachable,
            concurrency=concurrency,
        )

    async def member(
        self, name: str, *, phone: str | None = None, in_fake: bool = True
    ) -> tuple[FakeUser, Participant]:
        user = self.fake.add_user(name)
        telegram_id = user.id if in_fake else user.id + 500_000
        if not in_fake:
            del self.fake.users[user.id]
        found = await self.db.add_participant(
            self.group.id, telegram_id, name, phone, self.clock.now()
        )
        assert found is not None
        return user, found

    async def enqueue(self, *messages: NewMessage) -> int:
        return await self.db.enqueue(messages, self.clock.now())

    def message(
        self,
        key: str,
        to: tuple[FakeUser, Participant] | FakeUser,
        text: str | None = None,
        *,
        buttons: list[list[tuple[str, str]]] | None = None,
        not_before: datetime | None = None,
    ) -> NewMessage:
        user, participant = to if isinstance(to, tuple) else (to, None)
        return NewMessage(
            key=key,
            chat_id=participant.telegram_id or 0 if participant else user.id,
            participant_id=participant.id if participant else None,
            kind=key.split(":", 1)[0],
            text=text or f"Pesan <b>{key}</b>",
            buttons=buttons,
            not_before=not_before or self.clock.now(),
        )

    def sends(self, chat: FakeUser | int | None = None, *, ok: bool = True) -> list[CallRecord]:
        chat_id = chat.id if isinstance(chat, FakeUser) else chat
        return [
            c
            for c in self.fake.calls
            if c.method == "sendMessage"
            and (chat_id is None or c.params.get("chat_id") == chat_id)
            and (not ok or c.status == 200)
        ]

    def received(self, user: FakeUser) -> list[str]:
        return [m.get("text", "") for m in self.fake.sent_by_bot(user)]

    async def row(self, key: str) -> Any:
        row = await self.db.outbox_row_by_key(key)
        assert row is not None, key
        return row

    async def drain_all(self, sender: OutboxSender, limit: int = 100) -> int:
        """Drain, and when only later rows are left, move the clock to the next one."""
        total = 0
        for _ in range(limit):
            total += await sender.drain_once()
            due = await self.db.next_due_at()
            if due is None:
                return total
            if due > self.clock.now():
                self.clock.set(due)
        raise AssertionError("the outbox did not drain")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = ManualClock(START)
    fake = FakeBotAPI(token=TOKEN, now=clock.now)
    db = await Database.open(new_database(tmp_path))
    bot = Bot(TOKEN, request=FakeRequest(fake), get_updates_request=FakeRequest(fake))
    try:
        async with bot:
            invite = await db.create_facilitator_invite("inv1", "Rina", START, START + 9 * SECOND)
            facilitator_user = fake.add_user("Rina")
            facilitator = await db.redeem_facilitator_invite(
                invite.code, facilitator_user.id, START
            )
            assert facilitator is not None
            group = await db.create_group(
                facilitator.id, "Mawar", "Asia/Jakarta", "Balai Desa", "join1", START
            )
            yield World(db, fake, bot, clock, Catalog.load(), group, facilitator_user)
    finally:
        await db.close()


def unlimited(**changes: Any) -> OutboxSettings:
    values: dict[str, Any] = {
        "rate_per_second": 0,
        "per_chat_interval": 0,
        "max_attempts": 6,
        "batch_size": 200,
        **changes,
    }
    return OutboxSettings(**values)


# ---------------------------------------------------------------------------- enqueueing


async def test_enqueue_twice_is_a_no_op(world: World) -> None:
    ani = await world.member("Ani")
    first = [world.message(f"ann:1:{i}", ani) for i in range(3)]
    assert await world.enqueue(*first) == 3
    assert await world.enqueue(*first) == 0
    assert await world.enqueue(*first, world.message("ann:1:3", ani)) == 1
    assert (await world.db.counts("ann:1:"))["queued"] == 4
    sender = world.sender(unlimited())
    assert await world.drain_all(sender) == 4
    # a sent key stays taken: a repeated tick does not send again
    assert await world.enqueue(*first) == 0
    assert await sender.drain_once() == 0
    assert len(world.received(ani[0])) == 4


async def test_enqueue_streams_a_generator_in_chunks(world: World) -> None:
    def fan_out() -> Iterator[NewMessage]:
        for i in range(2_500):
            yield NewMessage(f"big:{i}", 10_000 + i, None, "big", "Halo", None, START)

    assert await world.db.enqueue(fan_out(), START, chunk_size=300) == 2_500
    assert await world.db.enqueue(fan_out(), START, chunk_size=300) == 0
    assert (await world.db.counts("big:"))["queued"] == 2_500


async def test_buttons_and_html_go_out(world: World) -> None:
    ani = await world.member("Ani")
    await world.enqueue(
        world.message("r:1", ani, "<b>Besok</b> pertemuan", buttons=[[("Hadir", "rsvp:y:1")]])
    )
    assert await world.sender().drain_once() == 1
    [message] = world.fake.sent_by_bot(ani[0])
    assert message["text"] == "Besok pertemuan"
    assert message["entities"][0]["type"] == "bold"
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rsvp:y:1"
    row = await world.row("r:1")
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, message["message_id"])
    assert row.sent_at == START


# ------------------------------------------------------------------------------- pacing


async def test_per_chat_pacing_does_not_hold_up_other_chats(world: World) -> None:
    ani, budi, citra = [await world.member(n) for n in ("Ani", "Budi", "Citra")]
    await world.enqueue(
        world.message("m:1", ani, "satu"),
        world.message("m:2", ani, "dua"),
        world.message("m:3", ani, "tiga"),
        world.message("m:4", budi),
        world.message("m:5", citra),
    )
    assert await world.sender().drain_once() == 5
    assert world.received(ani[0]) == ["satu", "dua", "tiga"]
    ani_times = [c.time for c in world.sends(ani[0])]
    assert all(b - a >= SECOND for a, b in itertools.pairwise(ani_times))
    # the other chats went at once, before Ani's second message
    for other in (budi, citra):
        [call] = world.sends(other[0])
        assert call.time < ani_times[1]


async def test_global_rate_spaces_sends(world: World) -> None:
    users = [await world.member(f"U{i}") for i in range(10)]
    await world.enqueue(*[world.message(f"g:{i}", u) for i, u in enumerate(users)])
    settings = OutboxSettings(rate_per_second=5, per_chat_interval=1, max_attempts=6, batch_size=4)
    assert await world.sender(settings).drain_once() == 10
    times = sorted(c.time for c in world.sends())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= timedelta(milliseconds=200)
    assert times[-1] - times[0] == timedelta(milliseconds=1800)


async def test_default_pacing_never_trips_telegrams_flood_limit(world: World) -> None:
    world.fake.set_flood_limit(per_chat=1, per_bot=30, window=1.0)
    users = [await world.member(f"U{i}") for i in range(40)]
    messages = [world.message(f"f:{i}:{n}", u) for i, u in enumerate(users) for n in range(2)]
    await world.enqueue(*messages)
    assert await world.drain_all(world.sender(PACED)) == 80
    assert [c for c in world.fake.calls if c.status == 429] == []
    elapsed = world.clock.now() - START
    assert timedelta(seconds=3) <= elapsed <= timedelta(seconds=4)  # 80 at 25/s


async def test_max_messages_bounds_one_drain(world: World) -> None:
    users = [await world.member(f"U{i}") for i in range(5)]
    await world.enqueue(*[world.message(f"x:{i}", u) for i, u in enumerate(users)])
    sender = world.sender(unlimited())
    assert await sender.drain_once(max_messages=2) == 2
    counts = await world.db.counts("x:")
    assert (counts["sent"], counts["queued"], counts["sending"]) == (2, 3, 0)
    assert await sender.drain_once() == 3


# ------------------------------------------------------------------------- transient faults


async def test_retry_after_pauses_the_whole_sender(world: World) -> None:
    users = [await world.member(f"U{i}") for i in range(6)]
    await world.enqueue(*[world.message(f"p:{i}", u) for i, u in enumerate(users)])
    world.fake.fail_next("sendMessage", status=429, retry_after=7, chat_id=users[2][0])
    assert await world.drain_all(world.sender(concurrency=1)) == 6
    [refused] = [c for c in world.fake.calls if c.status == 429]
    resume = refused.time + timedelta(seconds=7)
    assert all(c.time <= refused.time or c.time >= resume for c in world.sends())
    assert any(c.time >= resume for c in world.sends())
    assert 7.0 in world.sleeps
    for user, _ in users:
        assert len(world.received(user)) == 1
    row = await world.row("p:2")
    assert (row.status, row.attempts) == ("sent", 1)  # the 429 did not count as an attempt


async def test_retry_after_with_requests_on_the_wire(world: World) -> None:
    """With 8 requests in flight, the ones already sent finish; none starts in the pause."""
    users = [await world.member(f"U{i}") for i in range(20)]
    await world.enqueue(*[world.message(f"w:{i}", u) for i, u in enumerate(users)])
    world.fake.fail_next("sendMessage", status=429, retry_after=30)
    assert await world.drain_all(world.sender(unlimited())) == 20
    [refused] = [c for c in world.fake.calls if c.status == 429]
    resume = refused.time + timedelta(seconds=30)
    assert all(c.time <= refused.time or c.time >= resume for c in world.sends())
    assert Counter(len(world.received(u)) for u, _ in users) == {1: 20}


async def test_network_faults_deliver_every_message_exactly_once(world: World) -> None:
    users = [await world.member(f"U{i}") for i in range(12)]
    await world.enqueue(*[world.message(f"n:{i}", u) for i, u in enumerate(users)])
    world.fake.fail_next("sendMessage", status=500, count=2)
    world.fake.fail_next("sendMessage", status=502)
    world.fake.timeout_next("sendMessage")
    world.fake.drop_next("sendMessage", count=2)
    world.fake.fail_next("sendMessage", status=429, retry_after=3)
    assert await world.drain_all(world.sender()) == 12
    assert Counter(len(world.received(u)) for u, _ in users) == {1: 12}
    counts = await world.db.counts("n:")
    assert counts["sent"] == 12 and sum(counts.values()) == 12
    retried = [await world.row(f"n:{i}") for i in range(12)]
    assert sum(r.attempts - 1 for r in retried) == 6  # 429 not counted
    assert all(r.last_error for r in retried if r.attempts > 1)


async def test_backoff_then_failed_after_max_attempts(world: World) -> None:
    ani, budi = await world.member("Ani"), await world.member("Budi")
    await world.enqueue(world.message("b:1", ani), world.message("b:2", budi))
    world.fake.fail_next("sendMessage", status=500, count=10, chat_id=ani[0])
    settings = OutboxSettings(
        rate_per_second=25, per_chat_interval=1, max_attempts=4, batch_size=10
    )
    assert await world.drain_all(world.sender(settings)) == 1
    row = await world.row("b:1")
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.last_error == "NetworkError: Internal Server Error"
    tries = [c.time - START for c in world.sends(ani[0], ok=False)]
    assert tries == [timedelta(seconds=s) for s in (0, 2, 6, 14)]  # backoff 2, 4, 8
    assert len(world.received(budi[0])) == 1


async def test_refused_message_fails_at_once_and_others_go(world: World) -> None:
    ani, budi = await world.member("Ani"), await world.member("Budi")
    await world.enqueue(
        world.message("h:1", ani, "<b>tidak ditutup"),
        world.message("h:2", ani, "berikutnya"),
        world.message("h:3", budi),
    )
    assert await world.drain_all(world.sender()) == 2
    row = await world.row("h:1")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error is not None and "can't parse entities" in row.last_error.lower()
    assert world.received(ani[0]) == ["berikutnya"]
    assert (await world.db.participant(ani[1].id)).reachable  # type: ignore[union-attr]


# ------------------------------------------------------------------------- unreachable


async def test_blocked_bot_marks_her_unreachable_and_tells_the_facilitator_once(
    world: World,
) -> None:
    siti = await world.member("Siti", phone="081234567890")
    ani = await world.member("Ani")
    world.fake.block_bot(siti[0])
    await world.enqueue(
        world.message("ann:5:a", siti),
        world.message("ann:5:b", siti),
        world.message("rem:9:a", siti),
        world.message("ann:5:c", ani),
    )
    assert await world.drain_all(world.sender()) == 2  # Ani's and the notice
    assert len(world.sends(siti[0], ok=False)) == 1  # one try, then her queue is blocked
    for key in ("ann:5:a", "ann:5:b", "rem:9:a"):
        row = await world.row(key)
        assert row.status == "blocked"
        assert row.last_error == "Forbidden: Forbidden: bot was blocked by the user"
    participant = await world.db.participant(siti[1].id)
    assert participant is not None and not participant.reachable
    since = await world.db.unreachable_since(siti[1].id)
    assert since == START
    [notice] = world.received(world.facilitator_user)
    assert "Ibu Siti" in notice and "Mawar" in notice and "081234567890" in notice
    notice_row = await world.row(unreachable_key(siti[1].id, START))
    assert (notice_row.kind, notice_row.status) == ("unreachable_notice", "sent")
    assert world.notified == [[siti[1].id]]
    counts = await world.db.counts("ann:5:")
    assert (counts["sent"], counts["blocked"]) == (1, 2)

    # later rows for her are blocked without a try, and the facilitator is not told again
    world.clock.advance(timedelta(hours=1))
    await world.enqueue(world.message("rem:10:a", siti))
    assert await world.drain_all(world.sender()) == 0
    assert (await world.row("rem:10:a")).status == "blocked"
    assert len(world.sends(siti[0], ok=False)) == 1
    assert await notify(world, [siti[1].id]) == 0
    assert len(world.received(world.facilitator_user)) == 1


async def test_two_failing_rows_tell_the_facilitator_once(world: World) -> None:
    """Two rows of hers fail at the same time (one to a stale chat id, so they are on the
    wire together): the hook fires once, and a repeated notice is a no-op."""
    siti = await world.member("Siti")
    world.fake.deactivate(siti[0])
    stale = NewMessage("d:2", 999_999, siti[1].id, "d", "Halo", None, world.clock.now())
    await world.enqueue(world.message("d:1", siti), stale)
    assert await world.drain_all(world.sender()) == 1  # the notice
    assert (await world.row("d:1")).last_error == "Forbidden: Forbidden: user is deactivated"
    assert (await world.row("d:2")).last_error == "BadRequest: Chat not found"
    assert world.notified == [[siti[1].id]]
    assert await notify(world, [siti[1].id]) == 0
    assert len(world.received(world.facilitator_user)) == 1


async def test_a_new_spell_of_unreachability_is_told_again(world: World) -> None:
    siti = await world.member("Siti")
    world.fake.block_bot(siti[0])
    await world.enqueue(world.message("v:1", siti))
    sender = world.sender()
    await world.drain_all(sender)
    # she unblocks the bot (my_chat_member), and blocks it again a day later
    world.fake.unblock_bot(siti[0])
    await world.db.set_reachable(siti[0].id, True)
    world.clock.advance(timedelta(days=1))
    world.fake.block_bot(siti[0])
    await world.enqueue(world.message("v:2", siti))
    await world.drain_all(sender)
    assert world.notified == [[siti[1].id], [siti[1].id]]
    assert await world.db.unreachable_since(siti[1].id) == START + timedelta(days=1)
    assert len(world.received(world.facilitator_user)) == 2


async def test_chat_not_found_marks_unreachable(world: World) -> None:
    ghost = await world.member("Dewi", in_fake=False)
    await world.enqueue(world.message("c:1", ghost))
    assert await world.drain_all(world.sender()) == 1  # the notice
    row = await world.row("c:1")
    assert (row.status, row.last_error) == ("blocked", "BadRequest: Chat not found")
    assert world.notified == [[ghost[1].id]]
    assert "Ibu Dewi" in world.received(world.facilitator_user)[0]


async def test_bot_cannot_initiate_conversation(world: World) -> None:
    user = world.fake.add_user("Eka", started=False)
    joined = await world.db.add_participant(world.group.id, user.id, "Eka", None, START)
    assert joined is not None
    await world.enqueue(world.message("i:1", (user, joined)))
    await world.drain_all(world.sender())
    assert (await world.row("i:1")).status == "blocked"
    assert world.notified == [[joined.id]]


async def test_unreachable_participant_rows_are_not_sent(world: World) -> None:
    gone = [await world.member(f"G{i}") for i in range(5)]
    for user, _ in gone:
        await world.db.set_reachable(user.id, False)  # e.g. from my_chat_member
    budi = await world.member("Budi")
    await world.enqueue(
        *[world.message(f"u:{i}", g) for i, g in enumerate(gone)], world.message("u:9", budi)
    )
    # a batch full of unreachable rows does not end the drain before Budi's row
    assert await world.sender(unlimited(batch_size=2)).drain_once() == 1
    assert [(await world.row(f"u:{i}")).status for i in range(5)] == ["blocked"] * 5
    assert [c for c in world.sends(ok=False) if c.params["chat_id"] != budi[0].id] == []


# -------------------------------------------------------------------------------- crashes


class HangingRequest(FakeRequest):
    """Delivers the first sendMessage, then never answers: the process dies meanwhile."""

    def __init__(self, api: FakeBotAPI) -> None:
        super().__init__(api)
        self.hanging = asyncio.Event()

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        result = await super().do_request(url, method, *args, **kwargs)
        if url.endswith("/sendMessage") and not self.hanging.is_set():
            self.hanging.set()
            await asyncio.Event().wait()
        return result


async def test_crash_loses_nothing_and_repeats_at_most_the_one_in_flight(world: World) -> None:
    users = [await world.member(f"U{i}") for i in range(5)]
    await world.enqueue(*[world.message(f"k:{i}", u) for i, u in enumerate(users)])
    request = HangingRequest(world.fake)
    crashing = Bot(TOKEN, request=request)
    async with crashing:
        drain = asyncio.create_task(world.sender(bot=crashing, concurrency=1).drain_once())
        await asyncio.wait_for(request.hanging.wait(), 5)
        drain.cancel()  # the crash
        with pytest.raises(asyncio.CancelledError):
            await drain
    assert (await world.db.counts("k:"))["sending"] == 1
    assert await world.db.requeue_sending() == 1  # what a restart does
    assert await world.drain_all(world.sender()) == 5
    received = Counter(len(world.received(u)) for u, _ in users)
    assert received == {1: 4, 2: 1}  # one duplicate: the message on the wire at the crash


async def test_answer_lost_is_sent_again_once(world: World) -> None:
    ani, budi = await world.member("Ani"), await world.member("Budi")
    await world.enqueue(world.message("l:1", ani), world.message("l:2", budi))
    world.fake.timeout_next("sendMessage", applied=True)
    assert await world.drain_all(world.sender(concurrency=1)) == 2
    assert world.received(ani[0]) == ["Pesan l:1", "Pesan l:1"]
    assert world.received(budi[0]) == ["Pesan l:2"]
    assert (await world.row("l:1")).attempts == 2


async def test_start_requeues_and_runs_in_the_background(world: World) -> None:
    ani, budi = await world.member("Ani"), await world.member("Budi")
    await world.enqueue(world.message("s:1", ani))
    assert len(await world.db.claim_due(START, 10)) == 1  # left sending by a crash
    sender = world.sender(unlimited())
    await sender.start()
    try:
        await world.fake.wait_for(lambda: len(world.received(ani[0])) == 1)
        await world.enqueue(world.message("s:2", budi))
        sender.wake()
        await world.fake.wait_for(lambda: len(world.received(budi[0])) == 1)
    finally:
        await sender.stop()
    assert (await world.db.counts("s:"))["sent"] == 2
    await sender.stop()  # twice is fine


async def test_stop_puts_claimed_rows_back(world: World) -> None:
    users = [await world.member(f"U{i}") for i in range(6)]
    await world.enqueue(*[world.message(f"q:{i}", u) for i, u in enumerate(users)])
    world.fake.fail_next("sendMessage", status=429, retry_after=3600)
    gate = asyncio.Event()

    async def slow_sleep(seconds: float) -> None:
        await gate.wait()  # a long RetryAfter pause, in which we stop

    sender = OutboxSender(
        world.db, world.bot, unlimited(), world.clock, sleep=slow_sleep, concurrency=1
    )
    await sender.start()
    await world.fake.wait_for(lambda: any(c.status == 429 for c in world.fake.calls))
    # interactive replies do not wait behind the paused fan-out
    reply = await world.bot.send_message(users[0][0].id, "Balasan langsung")
    assert reply.text == "Balasan langsung"
    await sender.stop()
    counts = await world.db.counts("q:")
    assert (counts["queued"], counts["sending"], counts["sent"]) == (6, 0, 0)


# ------------------------------------------------------------------------------- counting


async def test_counts_by_key_prefix(world: World) -> None:
    ani, budi, citra = [await world.member(n) for n in ("Ani", "Budi", "Citra")]
    world.fake.block_bot(citra[0])
    await world.enqueue(
        world.message("announcement:1:a", ani),
        world.message("announcement:1:b", budi, "<i>rusak"),
        world.message("announcement:1:c", citra),
        world.message("announcement:10:a", ani),
        world.message("announcement:2:a", ani, not_before=START + timedelta(days=1)),
    )
    await world.sender(unlimited()).drain_once()
    assert await world.db.counts("announcement:1:") == {
        "queued": 0,
        "sending": 0,
        "sent": 1,
        "failed": 1,
        "blocked": 1,
    }
    assert (await world.db.counts("announcement:2:"))["queued"] == 1
    assert (await world.db.counts())["sent"] == 3  # with the facilitator notice
    assert await world.db.next_due_at() == START + timedelta(days=1)


async def test_deliveries_made_during_a_write_wait_their_own_turn(world: World) -> None:
    """Outcomes are written in batches (``FLUSH_SIZE``, or after ``FLUSH_AFTER``). While one
    batch is written, the other workers keep delivering; those deliveries must wait their
    own ``FLUSH_AFTER``. (They used to inherit the written batch's age, so every later
    delivery wrote at once: a transaction per message or two, the fan-out's main cost.)"""
    sender = world.sender(unlimited())
    run = _Run(None)
    loop = asyncio.get_running_loop()
    written: list[int] = []

    class Slow:
        """The real database; while a batch is written, one more delivery comes in."""

        def __getattr__(self, name: str) -> Any:
            return getattr(world.db, name)

        async def mark_sent_many(self, sent: Sequence[tuple[int, int | None, datetime]]) -> None:
            written.append(len(sent))
            sender._delivered.append((2, 12, world.clock.now()))

    sender._db = Slow()
    sender._delivered.append((1, 11, world.clock.now()))
    sender._delivered_since = loop.time() - 2 * FLUSH_AFTER  # the first one is due
    assert sender._flush_due(run)
    await sender._flush(run)
    assert written == [1] and sender.stats.writes == 1
    assert [row for row, _, _ in sender._delivered] == [2]
    assert not sender._flush_due(run)  # the second waits its own turn
    await sender._flush(run)  # a worker's flush that is not due writes nothing
    assert written == [1]
    await sender._flush()  # the end of a drain writes whatever is left
    assert written == [1, 1]


async def test_a_send_that_ends_during_a_claim_is_not_forgotten(world: World) -> None:
    """Budi has two messages. His first is still on the wire when another worker claims
    (finding nothing: his chat is busy); it ends during that claim. The drain must look
    again and send his second, not end because the claim found nothing."""
    ani, budi = await world.member("Ani"), await world.member("Budi")
    await world.enqueue(
        world.message("c:1", ani), world.message("c:2", budi), world.message("c:3", budi)
    )
    budi_answers = asyncio.Event()
    claims = 0

    class Holding(FakeRequest):
        async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
            data = kwargs.get("request_data")
            if data is not None and data.parameters.get("chat_id") == budi[0].id:
                await budi_answers.wait()
            return await super().do_request(url, method, *args, **kwargs)

    class Store:
        """The real database; the second claim lets Budi's first send end meanwhile."""

        def __getattr__(self, name: str) -> Any:
            return getattr(world.db, name)

        async def claim_due(self, now: datetime, limit: int) -> list[Any]:
            nonlocal claims
            claims += 1
            if claims == 2:
                budi_answers.set()
                for _ in range(1000):  # until his delivery is in (no clock time passes)
                    if sender.stats.sent == 2:
                        break
                    await asyncio.sleep(0)
            return await world.db.claim_due(now, limit)

    holding = Bot(TOKEN, request=Holding(world.fake))
    async with holding:
        sender = OutboxSender(
            Store(), holding, unlimited(), world.clock, sleep=world.sleep, concurrency=2
        )
        assert await sender.drain_once() == 3
    assert world.received(budi[0]) == ["Pesan c:2", "Pesan c:3"]


async def test_the_workers_keep_sending_while_outcomes_are_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a batch of outcomes is written, the workers keep sending and leave their
    deliveries to the next write; they wait for the write only once ``UNRECORDED_MAX`` are
    unrecorded (a slow database), so a crash still repeats a bounded number
    (tests/test_crash.py). They used to queue behind every write: a fan-out had one request
    on the wire, or none, while its outcomes were written."""
    monkeypatch.setattr("bot.outbox.FLUSH_SIZE", 4)
    monkeypatch.setattr("bot.outbox.UNRECORDED_MAX", 8)
    users = [world.fake.add_user(f"U{i}") for i in range(20)]
    await world.enqueue(*[world.message(f"w:{i}", u) for i, u in enumerate(users)])
    writing = asyncio.Event()
    written = asyncio.Event()
    batches: list[int] = []

    class Held:
        """The real database, whose first write of outcomes takes until the test says."""

        def __getattr__(self, name: str) -> Any:
            return getattr(world.db, name)

        async def mark_sent_many(self, sent: Sequence[tuple[int, int | None, datetime]]) -> None:
            batches.append(len(sent))
            writing.set()
            await written.wait()
            await world.db.mark_sent_many(sent)

    sender = OutboxSender(
        Held(), world.bot, unlimited(), world.clock, sleep=world.sleep, concurrency=2
    )
    drain = asyncio.create_task(sender.drain_once())
    try:
        await asyncio.wait_for(writing.wait(), 5)
        assert len(batches) == 1 and batches[0] >= 4
        # the first batch is on its way to the disk; the workers go on sending
        await world.fake.wait_for(lambda: len(world.sends()) >= 8)
        for _ in range(50):  # let the workers run: they stop at the bound, not at the end
            await asyncio.sleep(0)
        assert len(world.sends()) <= 8 + 2 and not drain.done()
    finally:
        written.set()
        sent = await drain
    assert sent == 20
    assert (await world.db.counts("w:"))["sent"] == 20
    assert [len(world.received(u)) for u in users] == [1] * 20
