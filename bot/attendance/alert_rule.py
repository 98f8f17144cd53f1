"""The absence rule, pure: when unexcused misses make an alert.

An alert is raised when unexcused misses reach ``alert_in_a_row`` in a row (excused
meetings neither count nor break the row; attending does) or ``alert_m`` among the last
``alert_k`` meetings. One alert per crossing: while it is open, new misses are added to it;
it closes when she attends again (or after the home visit); after it closes only later
meetings count towards a new crossing. The alerts (``bot/attendance/alerts.py``) and the
recap's "Perlu perhatian" (``bot/reports.py``) both use :func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import AttendanceSettings
from db.attendance import ABSENT, PRESENT


@dataclass(frozen=True)
class Policy:
    in_a_row: int
    m: int
    k: int

    @classmethod
    def of(cls, settings: AttendanceSettings) -> Policy:
        return cls(settings.alert_in_a_row, settings.alert_m, settings.alert_k)


@dataclass(frozen=True)
class Mark:
    meeting_id: int
    status: str  # present, excused, absent


@dataclass(frozen=True)
class Crossing:
    """An alert that is open after the marks: the meeting whose miss crossed the policy
    and every unexcused miss that belongs to it (those counted, then later ones)."""

    trigger: int
    missed: tuple[int, ...]


def _counted_misses(segment: Sequence[Mark], policy: Policy) -> tuple[int, ...] | None:
    """The misses that meet the policy at the end of ``segment`` (which ends with a miss),
    or None if the policy is not met."""
    streak: list[int] = []
    for index in range(len(segment) - 1, -1, -1):
        status = segment[index].status
        if status == PRESENT:
            break
        if status == ABSENT:
            streak.append(index)
    last_k = range(max(0, len(segment) - policy.k), len(segment))
    window = [i for i in last_k if segment[i].status == ABSENT]
    counted: set[int] = set()
    if len(streak) >= policy.in_a_row:
        counted.update(streak)
    if len(window) >= policy.m:
        counted.update(window)
    if not counted:
        return None
    return tuple(segment[i].meeting_id for i in sorted(counted))


def evaluate(marks: Sequence[Mark], policy: Policy) -> Crossing | None:
    """Replay the alert rules over her marks (oldest first, only meetings after her last
    closed alert) and return the alert that is open at the end, if any.

    A crossing opens an alert; while it is open, further misses are added to it and
    attending closes it; after a close only later marks count towards a new crossing.
    """
    base = 0
    current: Crossing | None = None
    for index, mark in enumerate(marks):
        if current is not None:
            if mark.status == PRESENT:
                current = None
                base = index + 1
            elif mark.status == ABSENT:
                current = Crossing(current.trigger, (*current.missed, mark.meeting_id))
            continue
        if mark.status != ABSENT:
            continue
        counted = _counted_misses(marks[base : index + 1], policy)
        if counted is not None:
            current = Crossing(mark.meeting_id, counted)
    return current
