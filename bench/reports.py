"""Benchmark of recaps, exports and the chart for one facilitator with 300 families.

Run by hand (not by the tests)::

    .venv/bin/python -m bench.reports

Seeds a fresh SQLite file: one facilitator, 12 groups of 25 members (300 families), one
finalized meeting per group and month for 12 months with an attendance row per member
(present 80 %, excused 10 %, absent 10 %, fixed seed), and a few open alerts. Then times,
each as the facilitator's button would run it (queries plus building the file; the files
are built in the calling thread here so the figure is the whole cost):

* ``recap_s``: ``/rekap`` (queries and the rendered messages);
* ``csv_s`` / ``xlsx_s``: the monthly export of the latest month;
* ``chart_s``: the chart of the last six months (the first import of matplotlib is
  timed separately as ``chart_import_s``; the bot pays it once).

Each is measured ``--rounds`` times (median, ``_min``, ``_max``). Checked: a recap for
every group, a meeting per group in the month's report, three non-empty files; exit status
1 otherwise. The last line printed is one JSON object with the figures (under 1 s each).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import default_attendance, finish, load_average, spread
from bot.content import load_library
from bot.exports import chart_png, csv_bytes, xlsx_bytes
from bot.i18n import Catalog
from bot.reports import Reports
from db import Database
from db.meetings import NewMeeting
from db.models import Facilitator

GROUPS = 12
MEMBERS = 25
MONTHS = 12
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)


async def seed(db: Database) -> Facilitator:
    """Fixture data: onboarding and meetings through db/, attendance and alerts as rows
    (the attendance feature owns those writes)."""
    rng = random.Random(6)
    conn = db.connection
    await conn.execute(
        "INSERT INTO facilitators (telegram_id, name, created_at) VALUES (?, ?, ?)",
        (777, "Rina Wati", NOW.isoformat()),
    )
    facilitator = await db.facilitator_by_telegram(777)
    assert facilitator is not None
    sessions = [f"sesi-{n:02d}" for n in range(1, 15)]
    marks: list[tuple[int, int, str, str, str]] = []
    alerts: list[tuple[int, int, str, str]] = []
    for g in range(GROUPS):
        group = await db.create_group(
            facilitator.id, f"Kelompok {g + 1}", ZONES[g % 3], "Balai Desa", f"code{g}", NOW
        )
        members = []
        for m in range(MEMBERS):
            member = await db.add_participant(
                group.id, 10_000 + g * 100 + m, f"Ibu {g + 1}-{m + 1}", None, NOW
            )
            assert member is not None
            members.append(member.id)
        items = [
            NewMeeting(
                group.id,
                NOW - timedelta(days=30 * (MONTHS - month)) + timedelta(hours=g),
                "Balai Desa",
                sessions[month % len(sessions)],
            )
            for month in range(MONTHS)
        ]
        for meeting in await db.create_meetings(items, NOW):
            when = meeting.starts_at.isoformat()
            await conn.execute(
                "UPDATE meetings SET status = 'held', finalized_at = ? WHERE id = ?",
                (when, meeting.id),
            )
            for member_id in members:
                roll = rng.random()
                status = "present" if roll < 0.8 else "excused" if roll < 0.9 else "absent"
                marks.append((meeting.id, member_id, status, "final", when))
        alerts.extend((members[i], group.id, "absence", NOW.isoformat()) for i in range(2))
    await conn.executemany(
        "INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        marks,
    )
    await conn.executemany(
        "INSERT INTO alerts (participant_id, group_id, kind, opened_at) VALUES (?, ?, ?, ?)",
        alerts,
    )
    return facilitator


async def main(rounds: int) -> tuple[dict[str, float], dict[str, tuple[int, int]]]:
    catalog = Catalog.load()
    library = load_library(Path(__file__).resolve().parent.parent / "content" / "modules")
    attendance = default_attendance()
    figures: dict[str, float] = {}
    work: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.db")
        try:
            facilitator = await seed(db)
            reports = Reports(db, catalog, library, attendance)
            times: dict[str, list[float]] = {"recap_s": [], "csv_s": [], "xlsx_s": []}
            times["chart_s"] = []
            year, month = NOW.year, NOW.month - 1
            labels = reports.labels(year, month)
            t0 = time.perf_counter()
            import matplotlib.backends.backend_agg  # noqa: F401 - the one-off import cost

            import_s = time.perf_counter() - t0
            for _ in range(rounds):
                t0 = time.perf_counter()
                recaps = await reports.recap(facilitator)
                messages = reports.recap_messages(recaps)
                times["recap_s"].append(time.perf_counter() - t0)
                work["recap_groups"] = (len(recaps), GROUPS)

                t0 = time.perf_counter()
                report = await reports.month_report(facilitator, year, month)
                csv_data = csv_bytes(report, labels)
                times["csv_s"].append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                report = await reports.month_report(facilitator, year, month)
                xlsx_data = xlsx_bytes(report, labels)
                times["xlsx_s"].append(time.perf_counter() - t0)
                work["report_meetings"] = (len(report.meetings), GROUPS)

                t0 = time.perf_counter()
                data = await reports.chart_data(facilitator, NOW)
                png = chart_png(data, labels)
                times["chart_s"].append(time.perf_counter() - t0)
                work["files_built"] = (
                    sum(1 for b in (csv_data, xlsx_data, png) if len(b) > 100),
                    3,
                )

            print(
                f"{len(report.meetings)} meetings in the month, csv {len(csv_data)} B, "
                f"xlsx {len(xlsx_data)} B, png {len(png)} B, recap {len(messages)} messages"
            )
            for name, values in times.items():
                figures.update(spread(name, values))
            figures["chart_import_s"] = round(import_s, 3)
            figures["rounds"] = rounds
        finally:
            await db.close()
    return figures, work


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="recaps, exports and the chart")
    parser.add_argument("--rounds", type=int, default=5, help="each measured this many times")
    load = load_average()
    figures, work = asyncio.run(main(parser.parse_args().rounds))
    sys.exit(finish({"families": GROUPS * MEMBERS, "months": MONTHS, **figures}, work, load))
