"""Check-ins per second through the full stack, against a bare python-telegram-bot echo.

    python -m bench.checkins [--checkins 5000] [--concurrency 32] [--warmup 200]
                             [--profile {sequential,concurrent}]

Set-up: a seeded district (bench/seed.py) with a little over ``warmup + 2 * checkins``
members (10,760 by default) in groups of 15-40 and a year of history; every group's next
meeting is moved to one moment (a second future meeting, where the seed made one, is
cancelled), the clock is set just inside the check-in window and the real tick opens every
window (codes made, members told through the outbox). Codes are read back from
``meetings.checkin_code``. Every member is a user of the in-process fake Bot API
(``FakeRequest``), whose clock is the bot's.

Measured: each member sends ``/hadir <code>`` once; the update dict is made by the fake
beforehand (the member's side), then ``Update.de_json`` and ``application.process_update``
run timed (update in, role lookup, code check, the check-in written with ``synchronous=FULL``
as in production, the dialogue state cleared, the reply sent to the fake). Two runs on
distinct members: ``sequential`` (one update at a time) and ``concurrent`` (``--concurrency``
workers awaiting ``process_update`` side by side). Afterwards every measured member must have
a ``present``/``self`` row and the "✅" reply in her chat (counted; exit status 1 if short).
The clock is fixed at the seed's moment, a morning in every Indonesian zone.

Bare PTB: an ``Application`` with one ``MessageHandler`` replying
``update.message.reply_text(update.message.text)``, on its own fake through ``FakeRequest``,
fed the same texts the same two ways. Both sides run in ``--rounds`` alternating rounds
(ours then bare, for each mode), so a change in the machine's load hits both alike.
``checkins_per_s`` is our better mode (median of the rounds), ``bare_ptb_per_s`` the bare
figure in that same mode, ``ratio_vs_bare`` the median of the rounds' quotients; each with
``_min`` and ``_max``.
Targets (issue 8): ratio at least 0.3 and at least 1,000 check-ins a second.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.common import TOKEN, bench_app, finish, load_average, spread
from bench.seed import NOW, seeded
from bot.app import AnyApplication, tick
from bot.clock import ManualClock
from bot.context import services_of
from db import Database
from db.bulk import BulkLoader
from db.connection import to_db
from fakeapi import FakeBotAPI, FakeRequest, FakeUser

START = NOW + timedelta(days=4)  # every group's next meeting, moved here
MODES = ("sequential", "concurrent")
JSON = dict[str, Any]


@dataclass(frozen=True)
class Member:
    participant_id: int
    telegram_id: int
    first_name: str
    meeting_id: int
    code: str


def make_fake(clock: ManualClock, members: Sequence[Member]) -> FakeBotAPI:
    """A benchmark fake whose message dates follow the bot's clock, knowing every member."""
    fake = FakeBotAPI(token=TOKEN, keep_messages=False, call_log_limit=1000, now=clock.now)
    for m in members:
        fake.users[m.telegram_id] = FakeUser(m.telegram_id, m.first_name)
    return fake


def updates_for(fake: FakeBotAPI, members: Sequence[Member]) -> list[JSON]:
    """What the members send: ``/hadir <code>``, made before any timing starts."""
    return [fake.send_text(fake.users[m.telegram_id], f"/hadir {m.code}") for m in members]


async def push(app: AnyApplication, updates: Sequence[JSON], concurrency: int) -> float:
    """Feed ``updates`` through ``process_update`` with ``concurrency`` workers; seconds."""
    pending = iter(updates)
    bot = app.bot

    async def worker() -> None:
        for data in pending:
            await app.process_update(Update.de_json(data, bot))

    started = time.perf_counter()
    if concurrency <= 1:
        await worker()
    else:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def timed(
    app: AnyApplication, updates: Sequence[JSON], concurrency: int, profile: bool
) -> float:
    if not profile:
        return await push(app, updates, concurrency)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return await push(app, updates, concurrency)
    finally:
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(45)
        print(out.getvalue(), file=sys.stderr)


async def open_windows(app: AnyApplication, clock: ManualClock) -> list[Member]:
    """The real tick at the right moment opens every group's window; codes from the db."""
    services = services_of(app)
    # The seed gives some groups two future meetings: keep the next one, cancel the other.
    await services.db.connection.execute(
        "UPDATE meetings SET status = 'cancelled' WHERE status = 'scheduled' AND id NOT IN"
        " (SELECT min(id) FROM meetings WHERE status = 'scheduled' GROUP BY group_id)"
    )
    opened = START - services.settings.attendance.open_before + timedelta(minutes=1)
    moved = await BulkLoader(services.db).move_scheduled_meetings(to_db(START), to_db(opened))
    clock.set(opened)
    await tick(services)
    rows = await services.db.connection.execute_fetchall(
        "SELECT p.id, p.telegram_id, p.name, m.id, m.checkin_code FROM participants p"
        " JOIN meetings m ON m.group_id = p.group_id AND m.status = 'scheduled'"
        " WHERE p.status = 'active' AND p.telegram_id IS NOT NULL ORDER BY p.id"
    )
    now = clock.now()
    codes = [await services.attendance.current_code(r[3], now) for r in rows]
    unopened = [code for code in codes if code is None]
    if unopened:
        raise RuntimeError(f"{len(unopened)} members' windows were not opened by the tick")
    members = [
        Member(r[0], r[1], str(r[2]).split()[0], r[3], str(code))
        for r, code in zip(rows, codes, strict=True)
    ]
    if len({m.participant_id for m in members}) != len(members):
        raise RuntimeError(f"{moved} meetings moved: a group has two at once")
    return members


async def verify(db: Database, fake: FakeBotAPI, members: Sequence[Member]) -> int:
    """Measured members with a present self check-in row and the thank-you reply."""
    ids = [m.participant_id for m in members]
    present = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await db.connection.execute_fetchall(
            "SELECT count(*) FROM attendance a JOIN meetings m ON m.id = a.meeting_id"
            " WHERE m.status = 'scheduled' AND a.status = 'present' AND a.source = 'self'"
            f" AND a.participant_id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        present += int(next(iter(rows))[0])
    thanked = sum(
        1
        for m in members
        if str((fake.last_message(m.telegram_id) or {}).get("text", "")).startswith("✅")
    )
    return min(present, thanked)


def bare_application(fake: FakeBotAPI) -> AnyApplication:
    """A bare PTB bot on its own fake: one handler echoing the text back."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app = (
        Application.builder()
        .token(TOKEN)
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .updater(None)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def measure(args: argparse.Namespace) -> tuple[JSON, dict[str, tuple[int, int]]]:
    """Ours and bare PTB in alternating rounds: in each round, for each mode, ours on fresh
    members then bare on as many senders, so both sides see the same machine load."""
    rounds, checkins, warmup = args.rounds, args.checkins, args.warmup
    needed = warmup + rounds * len(MODES) * checkins
    ours: dict[str, list[float]] = {mode: [] for mode in MODES}
    bare: dict[str, list[float]] = {mode: [] for mode in MODES}
    ratios: dict[str, list[float]] = {mode: [] for mode in MODES}
    recorded = replied = bare_replied = 0
    with tempfile.TemporaryDirectory() as name:
        database = Path(name) / "checkins.db"
        # A few groups have no future meeting in the seed: some members to spare.
        report = await seeded(database, needed * 21 // 20 + 50)
        clock = ManualClock(NOW)  # 07:00 in Jakarta: the figures never depend on the hour
        fake = make_fake(clock, ())
        async with bench_app(database, clock, fake) as app:
            members_all = await open_windows(app, clock)
            if len(members_all) < needed:
                raise RuntimeError(f"only {len(members_all)} members can check in")
            for m in members_all:
                fake.users[m.telegram_id] = FakeUser(m.telegram_id, m.first_name)
            # The same number of senders for the bare bot (codes do not matter to an echo).
            senders = [
                Member(i, 5_000_000_000 + i, f"Ibu{i}", 0, f"{i % 10_000:04d}")
                for i in range(1, warmup + checkins + 1)
            ]
            bare_fake = make_fake(ManualClock(START), senders)
            bare_app = bare_application(bare_fake)
            async with bare_app:
                await push(app, updates_for(fake, members_all[:warmup]), 1)
                await push(bare_app, updates_for(bare_fake, senders[:warmup]), 1)
                next_member = warmup
                for r in range(rounds):
                    for mode in MODES:
                        width = 1 if mode == "sequential" else args.concurrency
                        members = members_all[next_member : next_member + checkins]
                        next_member += checkins
                        updates = updates_for(fake, members)
                        sent_before = fake.sent_message_count
                        profile = args.profile == mode and r == 0
                        seconds = await timed(app, updates, width, profile)
                        replied += fake.sent_message_count - sent_before
                        recorded += await verify(services_of(app).db, fake, members)
                        ours[mode].append(len(members) / seconds)

                        bare_updates = updates_for(bare_fake, senders[warmup:])
                        sent_before = bare_fake.sent_message_count
                        bare_s = await push(bare_app, bare_updates, width)
                        bare_replied += bare_fake.sent_message_count - sent_before
                        bare[mode].append(checkins / bare_s)
                        ratios[mode].append(ours[mode][-1] / bare[mode][-1])
                        print(
                            f"    round {r + 1} {mode}: ours {ours[mode][-1]:.0f}/s,"
                            f" bare {bare[mode][-1]:.0f}/s",
                            flush=True,
                        )
    best = max(MODES, key=lambda mode: statistics.median(ours[mode]))
    figures: JSON = {
        "checkins": checkins,
        "rounds": rounds,
        "members": report.participants,
        "groups": report.groups,
        "rows": report.attendance,
        "concurrency": args.concurrency,
        "ours_sequential_per_s": round(statistics.median(ours["sequential"]), 1),
        "ours_concurrent_per_s": round(statistics.median(ours["concurrent"]), 1),
        "bare_sequential_per_s": round(statistics.median(bare["sequential"]), 1),
        "bare_concurrent_per_s": round(statistics.median(bare["concurrent"]), 1),
        "mode": best,
        **spread("checkins_per_s", ours[best], 1),
        **spread("bare_ptb_per_s", bare[best], 1),
        **spread("ratio_vs_bare", ratios[best], 3),
    }
    figures["target_met"] = figures["checkins_per_s"] >= 1000 and figures["ratio_vs_bare"] >= 0.3
    measured = rounds * len(MODES) * checkins
    work = {
        "checkins_recorded": (recorded, measured),
        "checkins_replied": (replied, measured),
        "bare_replied": (bare_replied, measured),
    }
    return figures, work


def main() -> int:
    load = load_average()
    parser = argparse.ArgumentParser(description="check-ins per second vs bare PTB")
    parser.add_argument("--checkins", type=int, default=5_000, help="per mode")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    parser.add_argument(
        "--profile", choices=MODES, help="cProfile that run of ours (to stderr; slows it)"
    )
    args = parser.parse_args()
    figures, work = asyncio.run(measure(args))
    return finish(figures, work, load)


if __name__ == "__main__":
    sys.exit(main())
