"""Peak memory of the running bot at district and national-slice scale.

    python -m bench.memory [--participants 300000] [--seconds 60] [--database PATH]

Seeds a database (bench/seed.py), moves every scheduled meeting to a minute short of
three days from now so a reminder for every member falls due at once, then runs the real
``python -m bot run`` process against the fake Bot API over HTTP (a separate process,
creating users on the fly) for ``--seconds``: start-up, the tick that enqueues the whole
fan-out, and the outbox draining it. Reads the bot process's peak resident memory
(VmHWM) from /proc. Target (issue 8): under 200 MB at 300,000 participants.
Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import REPO, TOKEN
from bench.seed import seed
from bot.config import TOKEN_ENV
from db import Database
from db.bulk import BulkLoader
from db.connection import to_db


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def prepare(database: Path, participants: int, reuse: bool) -> None:
    if not reuse:
        await seed(database, participants)
    db = await Database.open(database)
    now = datetime.now(UTC)
    start = now + timedelta(days=3) - timedelta(minutes=1)
    await BulkLoader(db.connection).move_scheduled_meetings(to_db(start), to_db(now))
    await db.close()


async def measure(database: Path, seconds: float, folder: Path) -> dict[str, float | int]:
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
    config = folder / "memory.toml"
    config.write_text(
        f'[bot]\ndatabase = "{database}"\ncontent_dir = "{REPO / "content" / "modules"}"\n'
        f'log_level = "WARNING"\n[telegram]\nbase_url = "{base_url}"\n'
        f'base_file_url = "{file_url}"\npoll_timeout = 5\n'
        "[schedule]\ntick_seconds = 1\n[outbox]\nrate_per_second = 0\nper_chat_interval = 0\n",
        encoding="utf-8",
    )
    env = {**os.environ, TOKEN_ENV: TOKEN, "PTB_TIMEDELTA": "1"}
    log = (folder / "bot.log").open("wb")  # kept for a look when a figure is odd
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
    )
    peak_kb = 0
    try:
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end and bot.returncode is None:
            peak_kb = max(peak_kb, status_kb(bot.pid, "VmHWM"))
            await asyncio.sleep(0.5)
        peak_kb = max(peak_kb, status_kb(bot.pid, "VmHWM"))
    finally:
        bot.terminate()
        await bot.wait()
        fake.terminate()
        await fake.wait()
        log.close()
    db = await Database.open(database)
    counts = await db.counts("reminder:")
    await db.close()
    return {
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "reminders_queued": sum(counts.values()),
        "reminders_sent": counts.get("sent", 0),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="peak memory of the running bot")
    parser.add_argument("--participants", type=int, default=300_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database", type=Path, help="reuse a seeded database (it is changed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = args.database or folder / "memory.db"
        asyncio.run(prepare(database, args.participants, reuse=args.database is not None))
        result = asyncio.run(measure(database, args.seconds, folder))
    print(json.dumps({"participants": args.participants, **result}))


if __name__ == "__main__":
    main()
