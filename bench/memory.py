"""Peak memory of the running bot during a real fan-out at province scale.

    python -m bench.memory [--participants 300000] [--timeout 1200] [--database PATH] [--at ISO]

Seeds a database (bench/seed.py), moves every scheduled meeting to a minute short of
three days from now so a reminder for every member falls due at once, then runs the real
``python -m bot run`` process against the fake Bot API over HTTP (a separate process,
creating users on the fly) until the tick has queued the whole fan-out and the outbox has
sent all of it, or the first ``--send`` messages (or ``--timeout`` passes): start-up, the
tick that enqueues the fan-out, and the outbox draining it at full speed (limits off).
Reads the bot process's peak resident memory (VmHWM) from /proc.

The bot's clock starts at a fixed daytime moment (``--at``, default
:data:`bench.common.DAYTIME`, through ``P2K2_CLOCK_START``), so the figure does not depend
on the hour it is run: an earlier version on the wall clock, run at night in Indonesia,
queued nothing (quiet hours) and reported the memory of an idle process.

Checked: reminders queued and sent both equal the active, reachable members of every
scheduled meeting; exit status 1 otherwise. Target: under 200 MB at 300,000 participants.
Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import DAYTIME, REPO, TOKEN, finish, load_average
from bench.seed import seeded
from bot.clock import CLOCK_START_ENV
from bot.config import TOKEN_ENV
from db import Database
from db.bulk import BulkLoader
from db.connection import to_db


def status_kb(pid: int, field: str) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return 0
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def prepare(database: Path, participants: int, reuse: bool, now: datetime) -> int:
    """The reminders of every scheduled meeting due at ``now``; returns how many."""
    if not reuse:
        await seeded(database, participants)
    db = await Database.open(database)
    loader = BulkLoader(db)
    start = now + timedelta(days=3) - timedelta(minutes=1)
    await loader.move_scheduled_meetings(to_db(start), to_db(now))
    expected = await loader.reminder_audience()
    await db.close()
    return expected


def write_config(folder: Path, database: Path, base_url: str, file_url: str) -> Path:
    config = folder / "memory.toml"
    config.write_text(
        f'[bot]\ndatabase = "{database}"\ncontent_dir = "{REPO / "content" / "modules"}"\n'
        f'log_level = "WARNING"\n[telegram]\nbase_url = "{base_url}"\n'
        f'base_file_url = "{file_url}"\npoll_timeout = 5\n'
        "[schedule]\ntick_seconds = 1\n[outbox]\nrate_per_second = 0\nper_chat_interval = 0\n",
        encoding="utf-8",
    )
    return config


async def reminder_counts(database: Path) -> tuple[int, int]:
    """(queued, sent) reminders in the bot's database, read alongside the running bot."""
    db = await Database.open(database)
    try:
        counts = await db.counts("reminder:")
    finally:
        await db.close()
    return sum(counts.values()), counts.get("sent", 0)


async def measure(
    database: Path, expected: int, timeout: float, folder: Path, at: datetime, send: int
) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    fake = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fakeapi",
        "--port",
        "0",
        "--auto-users",
        stdout=asyncio.subprocess.PIPE,
    )
    assert fake.stdout is not None
    base_url = file_url = ""
    while not (base_url and file_url):
        line = (await fake.stdout.readline()).decode().strip()
        if line.startswith("base_url "):
            base_url = line.split(" ", 1)[1]
        elif line.startswith("base_file_url "):
            file_url = line.split(" ", 1)[1]
    config = write_config(folder, database, base_url, file_url)
    env = {**os.environ, TOKEN_ENV: TOKEN, "PTB_TIMEDELTA": "1", CLOCK_START_ENV: at.isoformat()}
    log = (folder / "bot.log").open("wb")  # kept for a look when a figure is odd
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
    )
    peak_kb = 0
    queued = sent = 0
    started = time.perf_counter()
    all_queued_s: float | None = None
    try:
        checked = 0.0
        while time.perf_counter() - started < timeout and bot.returncode is None:
            peak_kb = max(peak_kb, status_kb(bot.pid, "VmHWM"))
            if time.perf_counter() - checked >= 2.0:
                checked = time.perf_counter()
                queued, sent = await reminder_counts(database)
                if all_queued_s is None and queued >= expected:
                    all_queued_s = time.perf_counter() - started
                if queued >= expected and sent >= min(send, queued):
                    break
            await asyncio.sleep(0.25)
        peak_kb = max(peak_kb, status_kb(bot.pid, "VmHWM"))
    finally:
        elapsed = time.perf_counter() - started
        if bot.returncode is None:
            bot.terminate()
        await bot.wait()
        fake.terminate()
        await fake.wait()
        log.close()
    queued, sent = await reminder_counts(database)
    figures: dict[str, Any] = {
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "reminders_expected": expected,
        "reminders_queued": queued,
        "reminders_sent": sent,
        "all_queued_s": round(all_queued_s, 1) if all_queued_s is not None else None,
        "seconds": round(elapsed, 1),
        "bot_exit": bot.returncode,
    }
    work = {
        "reminders_queued": (queued, expected),
        "reminders_sent": (sent, min(send, expected)),
    }
    return figures, work


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="peak memory of the running bot")
    parser.add_argument("--participants", type=int, default=300_000)
    parser.add_argument(
        "--timeout", type=float, default=1200.0, help="seconds to wait for the fan-out"
    )
    parser.add_argument(
        "--send", type=int, default=0, help="stop once this many are sent (default: all)"
    )
    parser.add_argument("--database", type=Path, help="reuse a seeded database (it is changed)")
    parser.add_argument(
        "--at",
        type=datetime.fromisoformat,
        default=DAYTIME,
        help="the bot's clock starts here (default: a daytime moment in every zone)",
    )
    args = parser.parse_args(argv)
    load = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = args.database or folder / "memory.db"
        expected = asyncio.run(
            prepare(
                database,
                args.participants,
                reuse=args.database is not None,
                now=args.at,
            )
        )
        figures, work = asyncio.run(
            measure(database, expected, args.timeout, folder, args.at, args.send or expected)
        )
    return finish(
        {"participants": args.participants, "bot_clock": args.at.isoformat(), **figures},
        work,
        load,
    )


if __name__ == "__main__":
    sys.exit(main())
