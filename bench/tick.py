"""Cost of the clock tick on a seeded district or province.

    python -m bench.tick [--participants 20000 300000] [--months 12] [--ticks 25]

For each size: seed a database (bench/seed.py; ``--months`` of history, fewer for a
province of millions to keep the seeding within minutes), then measure, on a manual clock
fixed at a daytime moment in every Indonesian zone (the figures never depend on the hour
the benchmark is run):

- the idle tick: nothing due (median, minimum and maximum of ``--ticks`` ticks after
  everything due was handled);
- a province's reminders: every scheduled meeting moved to one moment, then the one tick
  that enqueues a reminder for every member (seconds).

``--postgresql URL``: the same on PostgreSQL; the seeded district is moved there with
``migrate-data``'s code (its time and rows are reported as ``move_s``, ``moved_rows``).

Checked: the tick queued exactly one reminder per active, reachable member of every
scheduled meeting (``reminders_queued`` against ``reminders_expected``); exit status 1
otherwise. Targets: idle tick under 20 ms at 3,000,000 participants. Prints one JSON line
per size, the last being the largest.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import bench_app, finish, load_average, spread
from bench.seed import NOW, seeded
from bot.app import tick
from bot.clock import ManualClock
from bot.context import services_of
from db.bulk import BulkLoader
from db.connection import to_db
from db.move import move_data


async def fresh_database(server_url: str, name: str) -> str:
    """An empty database ``name`` (C collation) on the server of ``server_url``; its URL."""
    from db.postgres import connect_pg

    admin = await connect_pg(server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    finally:
        await admin.close()
    return server_url.rsplit("/", 1)[0] + "/" + name


async def measure(
    participants: int,
    folder: Path,
    months: int = 12,
    ticks: int = 25,
    postgresql: str | None = None,
) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    database = folder / f"tick-{participants}.db"
    report = await seeded(database, participants, months=months)
    clock = ManualClock(NOW)  # 07:00 in Jakarta, 09:00 in Jayapura
    target: Path | str = database
    moved: dict[str, Any] = {}
    if postgresql:
        # The same seeded district, moved with migrate-data (timed), then measured there.
        target = await fresh_database(postgresql, f"p2k2_tick_{participants}")
        started = time.perf_counter()
        verified = await move_data(database, target)
        moved = {
            "backend": "postgresql",
            "move_s": round(time.perf_counter() - started, 1),
            "moved_rows": sum(v.rows for v in verified),
        }
    async with bench_app(target, clock, folder=folder) as app:
        services = services_of(app)
        await tick(services)  # handle what is due at NOW once
        # ... and send it: no sender runs here, and a real one empties the queue within
        # minutes (queued guides left in it were read by every later tick).
        sent = await BulkLoader(services.db).mark_queued_sent(to_db(clock.now()))
        idle = []
        for _ in range(ticks):
            started = time.perf_counter()
            await tick(services)
            idle.append((time.perf_counter() - started) * 1000)
        # A province's reminders at once: every scheduled meeting 3 days and 1 hour ahead.
        start = NOW + timedelta(days=4)
        clock.set(start - timedelta(days=3))
        loader = BulkLoader(services.db)
        await loader.move_scheduled_meetings(to_db(start), to_db(clock.now()))
        expected = await loader.reminder_audience()
        before = await services.db.counts("reminder:")
        started = time.perf_counter()
        await tick(services)
        enqueue_s = time.perf_counter() - started
        after = await services.db.counts("reminder:")
        queued = sum(after.values()) - sum(before.values())
    figures = {
        "participants": report.participants,
        "months": months,
        **spread("idle_tick_ms", idle, 2),
        "ticks": ticks,
        "sent_before_idle": sent,
        "enqueue_province_s": round(enqueue_s, 2),
        "reminders_queued": queued,
        "reminders_expected": expected,
        "seed_s": report.seconds,
        **moved,
    }
    # Exactly one each: fewer is work not done, more would be duplicates.
    return figures, {"reminders_queued": (queued, expected), "no_duplicates": (expected, queued)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tick cost at district and province scale")
    parser.add_argument("--participants", type=int, nargs="+", default=[20_000, 300_000])
    parser.add_argument("--months", type=int, default=12, help="months of history")
    parser.add_argument("--ticks", type=int, default=25, help="idle ticks measured")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="measure on PostgreSQL: a URL of a server (its admin database) where a database"
        " per size is made; the seeded SQLite district is moved there with migrate-data",
    )
    args = parser.parse_args(argv)
    status = 0
    with tempfile.TemporaryDirectory() as folder:
        for size in sorted(args.participants):
            load = load_average()
            figures, work = asyncio.run(
                measure(size, Path(folder), args.months, args.ticks, args.postgresql)
            )
            status = max(status, finish(figures, work, load))
    return status


if __name__ == "__main__":
    sys.exit(main())
