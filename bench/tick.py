"""Cost of the clock tick on a seeded district.

    python -m bench.tick [--participants 20000 300000]

For each size: seed a database (bench/seed.py), then measure
- the idle tick: nothing due (median of repeated ticks after everything due was handled);
- a district's reminders: every scheduled meeting moved to one moment, then the one tick
  that enqueues a reminder for every member (seconds).
Targets (issue 8): idle tick under 20 ms at 300,000 participants; enqueueing a district's
reminders under 5 s. Prints one JSON line per size, the last being the largest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import bench_app
from bench.seed import NOW, seed
from bot.app import tick
from bot.clock import ManualClock
from bot.context import services_of
from db.bulk import BulkLoader
from db.connection import to_db


async def measure(participants: int, folder: Path) -> dict[str, float | int]:
    database = folder / f"tick-{participants}.db"
    await seed(database, participants)
    clock = ManualClock(NOW)
    async with bench_app(database, clock) as app:
        services = services_of(app)
        await tick(services)  # handle what is due at NOW once
        idle = []
        for _ in range(25):
            started = time.perf_counter()
            await tick(services)
            idle.append((time.perf_counter() - started) * 1000)
        # A district's reminders at once: every scheduled meeting 3 days and 1 hour ahead.
        start = NOW + timedelta(days=4)
        clock.set(start - timedelta(days=3))
        await BulkLoader(services.db.connection).move_scheduled_meetings(
            to_db(start), to_db(clock.now())
        )
        started = time.perf_counter()
        await tick(services)
        enqueue_s = time.perf_counter() - started
        async with services.db.connection.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'reminder'"
        ) as cur:
            row = await cur.fetchone()
    return {
        "participants": participants,
        "idle_tick_ms": round(statistics.median(idle), 2),
        "enqueue_district_s": round(enqueue_s, 2),
        "reminders_queued": int(row[0]) if row else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="tick cost at district scale")
    parser.add_argument("--participants", type=int, nargs="+", default=[20_000, 300_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for size in sorted(args.participants):
            print(json.dumps(asyncio.run(measure(size, Path(folder)))), flush=True)


if __name__ == "__main__":
    main()
