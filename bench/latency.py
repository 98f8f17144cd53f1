"""A mother's ``/hadir`` reply while others make the bot work hard, on the real process.

    python -m bench.latency [--participants 300000] [--rounds 5] [--seconds 10]
                            [--interval 0.2] [--no-tick]

The real ``python -m bot run`` process (its own polling, handlers, database connection and
outbox, as deployed) talks over HTTP to the fake Bot API served by this process, which
plays the users and times the bot's answers. The bot's clock starts at
:data:`bench.common.DAYTIME` (a morning in every Indonesian zone, right after the seed's
twelve months of history), so nothing depends on the hour the benchmark is run.

Set-up: a seeded province (bench/seed.py). The groups of the first few facilitators have
their meeting in 20 minutes: the bot's first tick opens their check-in windows (codes
made, members told). Every other scheduled meeting is moved out of the way.

Measured: mothers of those groups each send ``/hadir <code>`` once, one every
``--interval`` seconds whatever the bot's pace (open loop); a reply's latency runs from
the update being offered to ``getUpdates`` to the bot's answer reaching the fake. In
``--rounds`` alternating rounds of ``--seconds`` each:

* ``quiet``: only the mothers;
* ``reports``: meanwhile facilitator 1 (300 families, 12 months of history, a dozen
  groups) asks for the attendance chart and the XLSX export in a loop, one after the other
  as soon as the previous file arrived;

then once, ``tick``: every other scheduled meeting of the province is moved so that its
reminder is due, and the mothers keep checking in while the bot's tick enqueues the whole
province's reminders (until the last one is queued).

Reported: ``p95_s`` per phase (median of the rounds, with ``_min`` and ``_max``), the
charts and exports rendered, the province's reminders queued and how long the tick took.
Checked: every mother's ``/hadir`` answered with the check-in confirmation, at least one
chart and one export per ``reports`` round, every province reminder queued; exit status 1
otherwise. Target (issue 12): p95 < 0.5 s under the facilitator's load and during the tick.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import DAYTIME, REPO, TOKEN, finish, load_average, p95, spread
from bench.seed import seeded
from bot.attendance.rotation import code_at
from bot.clock import CLOCK_START_ENV, RunningClock
from bot.config import TOKEN_ENV
from db import Database
from db.bulk import BulkLoader
from db.connection import to_db
from fakeapi import FakeBotAPI, FakeBotAPIServer, FakeUser

JSON = dict[str, Any]
MEETING_IN = timedelta(minutes=20)
WAIT = 60.0
"""The longest a reply or a file may take before it counts as not delivered."""


# ------------------------------------------------------------------------------ set-up


async def prepare(database: Path, participants: int, facilitators: int) -> list[int]:
    """Seed; the first ``facilitators``' groups meet in 20 minutes, every other scheduled
    meeting a week and a half away (nothing due). Returns the check-in groups."""
    await seeded(database, participants)
    db = await Database.open(database)
    try:
        loader = BulkLoader(db)
        await loader.keep_next_scheduled()
        groups = await loader.groups_of(list(range(1, facilitators + 1)))
        await loader.move_scheduled_meetings(
            to_db(DAYTIME + MEETING_IN), to_db(DAYTIME), only=groups
        )
        await loader.move_scheduled_meetings(
            to_db(DAYTIME + timedelta(days=10)),
            to_db(DAYTIME + timedelta(days=7)),
            exclude=groups,
        )
    finally:
        await db.close()
    return groups


def write_config(folder: Path, database: Path, server: FakeBotAPIServer) -> Path:
    config = folder / "latency.toml"
    config.write_text(
        f'[bot]\ndatabase = "{database}"\ncontent_dir = "{REPO / "content" / "modules"}"\n'
        f'log_level = "WARNING"\n[telegram]\nbase_url = "{server.base_url}"\n'
        f'base_file_url = "{server.base_file_url}"\npoll_timeout = 10\n'
        "[schedule]\ntick_seconds = 1\n"  # the outbox keeps its production pacing
        # One code per window (slot 0): the bench measures replies, not rotation.
        '[attendance]\ncode_every = "0m"\n',
        encoding="utf-8",
    )
    return config


@contextlib.asynccontextmanager
async def running_bot(
    folder: Path, database: Path, server: FakeBotAPIServer
) -> AsyncIterator[tuple[asyncio.subprocess.Process, float]]:
    env = {
        **os.environ,
        TOKEN_ENV: TOKEN,
        "PTB_TIMEDELTA": "1",
        CLOCK_START_ENV: DAYTIME.isoformat(),
    }
    with (folder / "bot.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(write_config(folder, database, server)),
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    started = time.monotonic()
    try:
        yield process, started
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def until(
    fake: FakeBotAPI, predicate: Callable[[], bool], what: str, timeout: float = WAIT
) -> None:
    await fake.wait_for(predicate, timeout, description=what)


async def poll_db(
    database: Path, probe: Callable[[Database], Awaitable[bool]], what: str, every: float = 0.5
) -> None:
    """Until ``probe`` says yes on a connection of our own next to the bot's (up to 10 min)."""
    db = await Database.open(database)
    try:
        deadline = time.monotonic() + 600
        while not await probe(db):
            if time.monotonic() > deadline:
                raise TimeoutError(what)
            await asyncio.sleep(every)
    finally:
        await db.close()


# ------------------------------------------------------------------------------ users


def newest_id(fake: FakeBotAPI, user: FakeUser) -> int:
    last = fake.last_message(user)
    return int(last["message_id"]) if last else 0


def newer(
    fake: FakeBotAPI,
    user: FakeUser,
    after: int,
    match: Callable[[JSON], bool],
    found: list[JSON] | None = None,
) -> bool:
    """Whether one of the bot's latest messages to ``user``, newer than ``after``, matches."""
    for message in fake.sent_by_bot(user):
        if int(message["message_id"]) > after and match(message):
            if found is not None:
                found.append(message)
            return True
    return False


class Mothers:
    """Mothers checking in, one every ``interval`` seconds, each once."""

    def __init__(self, fake: FakeBotAPI, members: list[tuple[int, str, str]]) -> None:
        self.fake = fake
        self.waiting = list(reversed(members))
        self.replied = 0  # answered with the confirmation, within a minute
        self.confirmed = 0
        self.sent = 0

    async def one(self, latencies: list[float]) -> None:
        telegram_id, name, code = self.waiting.pop()
        user = self.fake.users.setdefault(telegram_id, FakeUser(telegram_id, name.split()[0]))
        after = newest_id(self.fake, user)
        started = time.perf_counter()
        self.fake.send_text(user, f"/hadir {code}")
        self.sent += 1

        def confirmed() -> bool:
            # Other messages reach her meanwhile (the outbox's notices): look for the answer.
            return newer(self.fake, user, after, lambda m: str(m.get("text", "")).startswith("✅"))

        with contextlib.suppress(TimeoutError):
            await until(self.fake, confirmed, f"the answer to {name}'s /hadir")
            latencies.append(time.perf_counter() - started)
            self.replied += 1
            self.confirmed += 1

    async def run(self, stop: asyncio.Event, interval: float) -> list[float]:
        latencies: list[float] = []
        tasks: list[asyncio.Task[None]] = []
        while not stop.is_set():
            if not self.waiting:
                # A slow machine makes a phase outlast the mothers: the phase goes on to
                # its end, its p95 from the replies measured (their number is reported).
                print("    (every mother has checked in; the phase goes on)", flush=True)
                await stop.wait()
                break
            tasks.append(asyncio.ensure_future(self.one(latencies)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
        await asyncio.gather(*tasks)
        return latencies


class Facilitator:
    """Facilitator 1 asking for the chart and the XLSX, each as soon as the last arrived."""

    def __init__(self, fake: FakeBotAPI, telegram_id: int) -> None:
        self.fake = fake
        self.user = fake.users.setdefault(telegram_id, FakeUser(telegram_id, "Rina"))
        self.charts = self.exports = 0
        self.chart_button: JSON | None = None
        self.export_button: tuple[JSON, str] | None = None

    def _after(self) -> int:
        return newest_id(self.fake, self.user)

    async def _answer(self, after: int, what: str, key: str = "text") -> JSON:
        found: list[JSON] = []

        def arrived() -> bool:
            # Other messages reach her meanwhile (the outbox's notices): look for the answer.
            return newer(self.fake, self.user, after, lambda m: key in m, found)

        await until(self.fake, arrived, what)
        return found[0]

    async def set_up(self) -> None:
        """/rekap (its last message has the chart button), then the month chooser."""
        after = self._after()
        self.fake.send_text(self.user, "/rekap")
        recap = await self._answer(after, "the recap with its buttons", "reply_markup")
        self.chart_button = recap
        after = self._after()
        self.fake.press_button(self.user, recap, "repe")
        chooser = await self._answer(after, "the month chooser", "reply_markup")
        xlsx = [
            str(b["callback_data"])
            for row in chooser["reply_markup"]["inline_keyboard"]
            for b in row
            if str(b.get("callback_data", "")).startswith("repx:")
        ]
        self.export_button = (chooser, xlsx[-1])  # the previous month: a full one

    async def run(self, stop: asyncio.Event) -> None:
        assert self.chart_button is not None and self.export_button is not None
        while not stop.is_set():
            after = self._after()
            self.fake.press_button(self.user, self.chart_button, "repg", forge=True)
            await self._answer(after, "the chart", "photo")
            self.charts += 1
            if stop.is_set():
                break
            after = self._after()
            self.fake.press_button(self.user, *self.export_button, forge=True)
            await self._answer(after, "the XLSX export", "document")
            self.exports += 1


# ------------------------------------------------------------------------------ the run


async def phase(
    mothers: Mothers,
    seconds: float,
    interval: float,
    load: Callable[[asyncio.Event], Awaitable[None]] | None,
) -> list[float]:
    stop = asyncio.Event()
    background = asyncio.ensure_future(load(stop)) if load is not None else None
    loop = asyncio.get_running_loop()
    loop.call_later(seconds, stop.set)
    latencies = await mothers.run(stop, interval)
    if background is not None:
        await background
    return latencies


async def measure(args: argparse.Namespace) -> tuple[JSON, dict[str, tuple[int, int]]]:
    figures: JSON = {
        "participants": args.participants,
        "interval_s": args.interval,
        "rounds": args.rounds,
    }
    work: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = folder / "latency.db"
        groups = await prepare(database, args.participants, args.facilitators)
        # Message dates on the bot's clock (started just after this one).
        fake = FakeBotAPI(
            token=TOKEN,
            keep_messages=False,
            recent_messages=20,
            auto_users=True,
            now=RunningClock(DAYTIME).now,
        )
        async with (
            FakeBotAPIServer(fake) as server,
            running_bot(folder, database, server) as (process, started),
        ):
            await until(fake, lambda: fake.method_counts["getUpdates"] > 0, "polling", 120)

            members: list[tuple[int, str, str]] = []

            async def windows_open(db: Database) -> bool:
                members[:] = [
                    (telegram_id, name, code_at(secret, 0))
                    for telegram_id, name, secret in await BulkLoader(db).checkin_members(groups)
                ]
                return len(members) > 0

            await poll_db(database, windows_open, "the check-in windows to open")
            db = await Database.open(database)
            try:
                facilitator_tid = await BulkLoader(db).telegram_of_facilitator(1)
            finally:
                await db.close()
            mothers = Mothers(fake, members)
            rina = Facilitator(fake, facilitator_tid)
            await rina.set_up()
            figures["mothers_available"] = len(members)
            figures["checkin_groups"] = len(groups)

            p95s: dict[str, list[float]] = {"quiet": [], "reports": []}
            samples = dict.fromkeys(p95s, 0)
            for r in range(args.rounds):
                for name in ("quiet", "reports"):
                    charts, exports = rina.charts, rina.exports
                    latencies = await phase(
                        mothers,
                        args.seconds,
                        args.interval,
                        rina.run if name == "reports" else None,
                    )
                    p95s[name].append(p95(latencies))
                    samples[name] += len(latencies)
                    if name == "reports":
                        work[f"round{r + 1}_charts"] = (int(rina.charts > charts), 1)
                        work[f"round{r + 1}_exports"] = (int(rina.exports > exports), 1)
                    print(
                        f"    round {r + 1} {name}: p95 {p95s[name][-1]:.3f} s"
                        f" ({len(latencies)} replies; {rina.charts} charts,"
                        f" {rina.exports} exports so far)",
                        flush=True,
                    )
            for name, values in p95s.items():
                figures.update(spread(f"{name}_p95_s", values))
                figures[f"{name}_samples"] = samples[name]
            figures["charts"] = rina.charts
            figures["exports"] = rina.exports
            if args.tick:
                figures.update(await tick_phase(args, database, groups, mothers, work, started))
            work["replies"] = (mothers.replied, mothers.sent)
            work["checkins_confirmed"] = (mothers.confirmed, mothers.sent)
            figures["bot_exit"] = process.returncode
            work["bot_running"] = (int(process.returncode is None), 1)
    return figures, work


async def tick_phase(
    args: argparse.Namespace,
    database: Path,
    groups: list[int],
    mothers: Mothers,
    work: dict[str, tuple[int, int]],
    bot_started: float,
) -> JSON:
    """The province's reminders due now; mothers check in until the tick queued them all."""
    bot_now = DAYTIME + timedelta(seconds=time.monotonic() - bot_started)
    due = bot_now - timedelta(minutes=1)
    db = await Database.open(database)
    try:
        loader = BulkLoader(db)
        before = sum((await db.counts("reminder:")).values())
        moved = await loader.move_scheduled_meetings(
            to_db(due + timedelta(days=3)), to_db(due), exclude=groups
        )
        expected = await loader.reminder_audience() - len(mothers.waiting) - mothers.sent
    finally:
        await db.close()
    # Only the province's meetings count: the check-in groups' members are subtracted
    # (each of them has a meeting in 20 minutes, reminded already or skipped).
    province = max(expected, 0)
    print(f"    tick: {moved} meetings moved, {province} reminders expected", flush=True)
    stop = asyncio.Event()
    queued_at: list[float] = []
    started = time.perf_counter()

    async def watch(_: asyncio.Event) -> None:
        async def all_queued(db: Database) -> bool:
            queued = sum((await db.counts("reminder:")).values()) - before
            return queued >= province

        with contextlib.suppress(TimeoutError):
            await poll_db(database, all_queued, "the province's reminders", every=0.25)
        queued_at.append(time.perf_counter() - started)
        stop.set()

    watcher = asyncio.ensure_future(watch(stop))
    latencies = await mothers.run(stop, args.interval)
    await watcher
    db = await Database.open(database)
    try:
        queued = sum((await db.counts("reminder:")).values()) - before
    finally:
        await db.close()
    work["province_reminders_queued"] = (queued, province)
    work["tick_samples"] = (len(latencies), 1)
    return {
        "tick_p95_s": round(p95(latencies), 3),
        "tick_samples": len(latencies),
        "province_meetings": moved,
        "province_reminders": queued,
        "province_enqueue_s": round(queued_at[0], 1) if queued_at else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="/hadir reply latency under load")
    parser.add_argument("--participants", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase and round")
    parser.add_argument("--interval", type=float, default=0.2, help="between two /hadir")
    parser.add_argument(
        "--facilitators", type=int, default=5, help="whose groups check in (mothers)"
    )
    parser.add_argument("--no-tick", dest="tick", action="store_false", help="skip the tick")
    args = parser.parse_args(argv)
    load = load_average()
    figures, work = asyncio.run(measure(args))
    return finish(figures, work, load)


if __name__ == "__main__":
    sys.exit(main())
