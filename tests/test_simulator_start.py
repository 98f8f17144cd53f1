"""The simulator's demo starts on working days; ``--start`` picks its first day; a port in use
is said in one line with the way out."""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.__main__ import _parser
from bot.daysoff import DaysOff
from bot.simulator import Simulator
from bot.simulator.seed import GROUPS, first_meeting_day
from bot.simulator.setup import start_on
from tests.support.sql import fetch

REPO = Path(__file__).resolve().parent.parent


def test_first_meeting_day_is_a_working_day_from_any_start() -> None:
    days_off = DaysOff()
    for offset in range(14):
        start = date(2026, 11, 30) + timedelta(days=offset)
        for spec in GROUPS:
            day = first_meeting_day(start + timedelta(days=spec.days_ahead), days_off)
            assert day.weekday() < 5 and not days_off.is_off(day), (start, spec.name, day)
            assert day >= start + timedelta(days=spec.days_ahead)


@pytest.mark.parametrize("start", [date(2026, 11, 30), date(2026, 12, 18)])
async def test_demo_meetings_fall_on_weekdays(tmp_path: Path, start: date) -> None:
    # From Monday 30 November the second group's meeting was 6 days ahead: a Sunday.
    async with Simulator(tmp_path / "sim", start=start_on(start), tick_seconds=60.0) as sim:
        meetings = list(
            await fetch(
                sim.services.db,
                "SELECT m.starts_at, g.timezone FROM meetings m JOIN groups g"
                " ON g.id = m.group_id ORDER BY m.starts_at",
            )
        )
    assert meetings
    for starts_at, tz in meetings:
        local = datetime.fromisoformat(starts_at).astimezone(ZoneInfo(tz)).date()
        assert local.weekday() < 5, (starts_at, tz)
        assert not DaysOff().is_off(local), (starts_at, tz)


def test_simulate_takes_a_start_day() -> None:
    args = _parser().parse_args(["simulate", "--start", "2027-01-04", "--port", "8090"])
    assert args.start == date(2027, 1, 4) and args.port == 8090


async def run_simulate(*args: str) -> tuple[int | None, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "simulate",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, err.decode()


async def test_bad_start_day_is_refused() -> None:
    code, err = await run_simulate("--start", "7/12/2026", "--port", "0")
    assert code == 2 and "2026-12-07" in err


async def test_port_in_use_is_one_line_with_the_hint() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = await run_simulate("--port", str(port))
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert f"port {port} is already in use" in lines[0] and "make simulate PORT=8090" in lines[0]
