"""Generate a realistic district database for the benchmarks.

    python -m bench.seed --participants 20000 --out /tmp/district.db [--seed 1] [--months 12]

Facilitators with 250-300 families each, in groups of 15-40; a year (``--months``) of
monthly meetings (held, with final attendance) plus next month's (scheduled); realistic
absence: most mothers come nearly always, some are often excused, a few drift away
(and raise open alerts). Deterministic for a given seed. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import tempfile
import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.schedule import MonthlyPattern
from db import Database
from db.bulk import BulkLoader, Row
from db.connection import to_db
from db.migrate import load_migrations

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
FIRST = (
    "Siti",
    "Ani",
    "Dewi",
    "Sri",
    "Nur",
    "Wati",
    "Rina",
    "Yuli",
    "Tuti",
    "Lestari",
    "Ratna",
    "Indah",
    "Fitri",
    "Ayu",
    "Maria",
    "Yohana",
    "Kartika",
    "Wulan",
    "Endang",
)
LAST = (
    "Aminah",
    "Rahayu",
    "Wahyuni",
    "Susanti",
    "Handayani",
    "Lestari",
    "Puspita",
    "Sari",
    "Marlina",
    "Purnama",
    "Hasanah",
    "Yulianti",
    "Kurniasih",
    "Setiawati",
)
NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
TELEGRAM_BASE = 5_000_000_000


@dataclass(frozen=True)
class SeedReport:
    participants: int
    facilitators: int
    groups: int
    meetings: int
    attendance: int
    alerts: int
    seconds: float


def plan_groups(participants: int, rng: random.Random) -> list[tuple[int, int]]:
    """(facilitator index, group size) for every group, 250-300 families a facilitator."""
    groups: list[tuple[int, int]] = []
    left = participants
    facilitator = 0
    while left > 0:
        load = min(left, rng.randint(250, 300))
        left -= load
        while load > 0:
            size = min(load, rng.randint(15, 40))
            if 0 < load - size < 15:  # no tiny last group
                size = load
            groups.append((facilitator, size))
            load -= size
        facilitator += 1
    return groups


async def seed(path: Path, participants: int, seed_value: int = 1, months: int = 12) -> SeedReport:
    started = clock.perf_counter()
    rng = random.Random(seed_value)
    if path.exists():
        path.unlink()
    db = await Database.open(path)
    loader = BulkLoader(db)
    created = to_db(NOW - timedelta(days=400))
    groups = plan_groups(participants, rng)
    facilitators = max(f for f, _ in groups) + 1
    await loader.insert(
        "facilitators",
        (
            (i + 1, TELEGRAM_BASE - i - 1, f"Pendamping {i + 1}", created)
            for i in range(facilitators)
        ),
    )
    group_rows: list[Row] = []
    member_rows: list[Row] = []
    members_of: dict[int, list[int]] = {}
    pid = 0
    for gid, (fac, size) in enumerate(groups, start=1):
        zone = ZONES[0] if rng.random() < 0.6 else rng.choice(ZONES)
        ids = []
        for _ in range(size):
            pid += 1
            ids.append(pid)
            phone = f"+628{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.4 else None
            member_rows.append(
                (
                    pid,
                    gid,
                    TELEGRAM_BASE + pid,
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    phone,
                    "active",
                    1 if rng.random() > 0.02 else 0,
                    created,
                )
            )
        members_of[gid] = ids
        group_rows.append(
            (
                gid,
                fac + 1,
                f"Kelompok {gid}",
                zone,
                f"Balai RT {gid % 30 + 1}",
                f"seed{gid:07d}",
                ids[0],
                created,
            )
        )
    # Leaders reference participants: insert groups without them first, then set them.
    await loader.insert("groups", ((*g[:6], None, g[7]) for g in group_rows))
    await loader.insert("participants", member_rows)
    await db.connection.executemany(
        "UPDATE groups SET leader_id = ? WHERE id = ?", ((g[6], g[0]) for g in group_rows)
    )

    # Each mother's habit: nearly always there, often excused, or drifting away.
    habit = {
        p: rng.choices(("steady", "excused", "drifting"), (0.85, 0.1, 0.05))[0]
        for p in range(1, pid + 1)
    }
    meeting_rows: list[Row] = []
    attendance_rows: list[Row] = []
    alert_rows: list[Row] = []
    counts = {"meetings": 0, "attendance": 0}

    async def flush() -> None:
        """Rows so far into the file (meetings first: attendance refers to them), so a
        province of millions is never held in memory at once."""
        await loader.insert("meetings", meeting_rows)
        await loader.insert("attendance", attendance_rows)
        counts["meetings"] += len(meeting_rows)
        counts["attendance"] += len(attendance_rows)
        meeting_rows.clear()
        attendance_rows.clear()

    mid = 0
    for gid, (_, _) in enumerate(groups, start=1):
        if len(attendance_rows) >= 200_000:
            await flush()
        pattern = MonthlyPattern(
            rng.randint(0, 4),
            rng.randint(1, 4),
            datetime.min.time().replace(hour=rng.choice((8, 9, 10, 13))),
        )
        zone = group_rows[gid - 1][3]
        starts = pattern.occurrences(zone, NOW - timedelta(days=365 * months // 12), months + 1)
        misses: dict[int, int] = {}
        for n, start in enumerate(starts):
            mid += 1
            held = start < NOW
            meeting_rows.append(
                (
                    mid,
                    gid,
                    to_db(start),
                    group_rows[gid - 1][4],
                    f"sesi-{n % 14 + 1:02d}",
                    "held" if held else "scheduled",
                    created,
                    created,
                    f"{rng.randint(0, 9999):04d}" if held else None,
                    to_db(start - timedelta(minutes=30)) if held else None,
                    to_db(start + timedelta(hours=3)) if held else None,
                    None if held else created,  # reminders worked out by the first tick
                )
            )
            if not held:
                continue
            for p in members_of[gid]:
                kind = habit[p]
                roll = rng.random()
                late_drift = kind == "drifting" and n >= 8
                if late_drift or roll < {"steady": 0.05, "excused": 0.1, "drifting": 0.3}[kind]:
                    status, source = "absent", "final"
                    misses[p] = misses.get(p, 0) + 1
                elif kind == "excused" and roll < 0.35:
                    status, source = "excused", "rsvp"
                    misses[p] = 0
                else:
                    status, source = "present", "self" if rng.random() < 0.8 else "facilitator"
                    misses[p] = 0
                attendance_rows.append(
                    (
                        mid,
                        p,
                        status,
                        source,
                        "sakit" if status == "excused" else None,
                        to_db(start) if source == "self" else None,
                        to_db(start + timedelta(hours=3)),
                    )
                )
        for p, run in misses.items():
            if run >= 2:
                alert_rows.append(
                    (p, gid, "absence", mid - 1, "[]", "open", to_db(NOW - timedelta(days=3)))
                )
    await flush()
    await loader.insert("alerts", alert_rows)
    await loader.analyze()
    await db.close()
    return SeedReport(
        participants=pid,
        facilitators=facilitators,
        groups=len(groups),
        meetings=counts["meetings"],
        attendance=counts["attendance"],
        alerts=len(alert_rows),
        seconds=round(clock.perf_counter() - started, 2),
    )


def cache_dir() -> Path:
    return Path(os.environ.get("P2K2_BENCH_CACHE") or tempfile.gettempdir()) / "p2k2-bench-seeds"


def _cache_key(participants: int, seed_value: int, months: int) -> str:
    """Seeds are reused only for the same sizes, schema and generator."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for migration in load_migrations():
        digest.update(migration.sql.encode())
    return f"district-{participants}-{months}m-s{seed_value}-{digest.hexdigest()[:12]}.db"


async def seeded(
    path: Path, participants: int, seed_value: int = 1, months: int = 12
) -> SeedReport:
    """:func:`seed` into ``path``, or a copy of the same seed made earlier (the benchmarks
    of ``python -m bench all`` share one 300,000-member district instead of seeding it
    three times). The cache is in ``$P2K2_BENCH_CACHE`` (default: the temp folder)."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / _cache_key(participants, seed_value, months)
    report_file = cached.with_suffix(".json")
    if not (cached.exists() and report_file.exists()):
        report = await seed(cached.with_suffix(".tmp"), participants, seed_value, months)
        cached.with_suffix(".tmp").replace(cached)
        report_file.write_text(json.dumps(report.__dict__), encoding="utf-8")
    started = clock.perf_counter()
    shutil.copyfile(cached, path)
    data = json.loads(report_file.read_text(encoding="utf-8"))
    data["seconds"] = round(clock.perf_counter() - started, 2)  # the copy, this time
    return SeedReport(**data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=12, help="months of history")
    parser.add_argument("--out", type=Path, default=Path("/tmp/p2k2-district.db"))
    args = parser.parse_args()
    report = asyncio.run(seed(args.out, args.participants, args.seed, args.months))
    print(json.dumps({"database": str(args.out), **report.__dict__}))


if __name__ == "__main__":
    main()
