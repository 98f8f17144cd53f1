"""Where "now" comes from. Domain code takes ``now`` as an argument; only the
edges (handlers, the tick job) ask a clock, so tests and the simulator control time."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

CLOCK_START_ENV = "P2K2_CLOCK_START"
"""Benchmarks only: ``python -m bot run`` starts its clock at this ISO moment."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests, the simulator)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = moment

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now


class RunningClock:
    """Wall time that started at ``start``: it runs at the real pace, so the process behaves
    as it does on the system clock, but at a chosen moment (benchmarks of the real process
    run at the same daytime moment whatever the hour they are started)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("RunningClock needs an aware datetime")
        self._start = start
        self._began = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._began)


def clock_from_env(env: Mapping[str, str]) -> RunningClock | None:
    """The :data:`CLOCK_START_ENV` clock when that variable is set, else None (the system
    clock)."""
    text = env.get(CLOCK_START_ENV)
    return RunningClock(datetime.fromisoformat(text)) if text else None
