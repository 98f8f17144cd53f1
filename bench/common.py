"""Shared set-up for the benchmarks: the real application on a seeded database,
talking to the in-process fake Bot API, with a manual clock."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import AnyApplication, build_application
from bot.clock import ManualClock
from bot.config import TOKEN_ENV, AttendanceSettings, load_settings
from fakeapi import FakeBotAPI, FakeRequest

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH_not_a_real_token_x"


def default_attendance() -> AttendanceSettings:
    """The attendance rules as config.toml ships them (window, meeting length, policy)."""
    return AttendanceSettings(
        timedelta(minutes=30),
        timedelta(minutes=120),
        timedelta(minutes=30),
        timedelta(hours=2),
        5,
        2,
        3,
        6,
        timedelta(days=7),
    )


def write_config(folder: Path, database: Path | str, extra: str = "") -> Path:
    path = folder / "bench-config.toml"
    path.write_text(
        f'[bot]\ndatabase = "{database}"\ncontent_dir = "{REPO / "content" / "modules"}"\n'
        'log_level = "WARNING"\n[telegram]\nbot_username = "p2k2_bench_bot"\n'
        f"[outbox]\nrate_per_second = 0\nper_chat_interval = 0\n{extra}",
        encoding="utf-8",
    )
    return path


@asynccontextmanager
async def bench_app(
    database: Path | str,
    clock: ManualClock,
    fake: FakeBotAPI | None = None,
    *,
    folder: Path | None = None,
) -> AsyncIterator[AnyApplication]:
    """The application on ``database`` (a SQLite file, or a PostgreSQL URL with ``folder``
    for the config)."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    fake = fake or FakeBotAPI(token=TOKEN, keep_messages=False, call_log_limit=1000)
    where = folder if folder is not None else Path(database).parent
    settings = load_settings(write_config(where, database), env={TOKEN_ENV: TOKEN})
    app = build_application(settings, request=FakeRequest(fake), clock=clock, background=False)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        yield app
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ------------------------------------------------------------- rounds, spread, the work done

DAYTIME = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
"""The moment benchmarks of the real ``python -m bot run`` start its clock at (through
``P2K2_CLOCK_START``): 10:00 in Jakarta, 11:00 in Makassar, 12:00 in Jayapura, three hours
after the seed's history ends. Run on the wall clock, a benchmark started at night in
Indonesia would see its reminders held back by quiet hours and measure an idle process."""


def daytime_everywhere(moment: datetime) -> bool:
    """Outside the default quiet hours (21:00-06:00) in every Indonesian zone."""
    return all(
        6 <= moment.astimezone(ZoneInfo(zone)).hour < 21
        for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
    )


def load_average() -> float:
    """The machine's one-minute load average (context for every figure)."""
    return round(os.getloadavg()[0], 2)


def spread(name: str, values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """``name`` (the median over rounds), ``name_min`` and ``name_max``."""
    if not values:
        raise ValueError(f"no rounds for {name}")
    return {
        name: round(statistics.median(values), digits),
        f"{name}_min": round(min(values), digits),
        f"{name}_max": round(max(values), digits),
    }


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


Work = Mapping[str, tuple[int, int]]
"""What a benchmark did, as ``name: (done, expected)``; any ``done < expected`` is short."""


def finish(figures: dict[str, Any], work: Work, load_start: float) -> int:
    """Print the JSON line (the figures, the load average at start and end, the work done
    against the work expected) and return the exit status: 1 when any count is short, so a
    benchmark that measured nothing cannot pass for a figure."""
    short = {name: pair for name, pair in work.items() if pair[0] < pair[1]}
    figures = {
        **figures,
        "work": {name: {"done": d, "expected": e} for name, (d, e) in work.items()},
        "work_ok": not short,
        "load_start": load_start,
        "load_end": load_average(),
    }
    print(json.dumps(figures), flush=True)
    for name, (done, expected) in short.items():
        print(f"SHORT: {name}: {done} of {expected}", file=sys.stderr, flush=True)
    return 1 if short else 0
