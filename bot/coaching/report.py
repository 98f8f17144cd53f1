"""The coordinator's view of coaching (``python -m bot report``, issue 22): per facilitator,
the meetings of the month held on schedule, the attendance trend over the last months, her
self-check answers and her open follow-ups.

A meeting belongs to the month of its start in its group's zone. "On schedule": held at the
time it was first planned (never moved); a meeting whose time has not come yet is not
counted. Attendance: present out of every final mark (present, excused, absent) of the
month's held meetings. Lines are English, like the rest of the command line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.coaching.render import SELF_CHECK
from bot.report_format import percent
from bot.schedule import to_local
from db.coaching import HeldCounts, SelfCheck
from db.models import Facilitator

TREND_MONTHS = 3


class CoachingReportStore(Protocol):
    async def coach_meetings_between(self, start: datetime, end: datetime) -> list[HeldCounts]: ...
    async def selfchecks_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[int, SelfCheck]]: ...
    async def open_follow_ups(self) -> dict[int, int]: ...


@dataclass(frozen=True)
class MonthAttendance:
    month: tuple[int, int]
    present: int
    marked: int

    @property
    def rate(self) -> int | None:
        return percent(self.present, self.marked)


@dataclass
class FacilitatorCoaching:
    facilitator: Facilitator
    planned: int = 0  # meetings of the month whose time has come (cancelled included)
    held: int = 0
    on_schedule: int = 0  # held at the time first planned
    cancelled: int = 0
    not_closed: int = 0  # time passed, attendance not final yet
    trend: list[MonthAttendance] = field(default_factory=list)
    selfchecks: int = 0  # the month's meetings with at least one answer
    answers: dict[str, Counter[str]] = field(default_factory=dict)
    open_follow_ups: int = 0


def _months(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """The ``count`` months ending with (year, month), oldest first."""
    result = []
    for back in range(count - 1, -1, -1):
        index = year * 12 + (month - 1) - back
        result.append((index // 12, index % 12 + 1))
    return result


def _month_of(moment: datetime, tz: str) -> tuple[int, int]:
    local = to_local(moment, tz)
    return local.year, local.month


async def coaching_figures(
    store: CoachingReportStore,
    facilitators: Sequence[Facilitator],
    year: int,
    month: int,
    now: datetime,
    months: int = TREND_MONTHS,
) -> list[FacilitatorCoaching]:
    """The figures of every facilitator for (year, month), with the attendance of the
    ``months`` months ending with it."""
    span = _months(year, month, months)
    first, last = span[0], span[-1]
    # a day on each side: the month is local to each group's zone
    start = datetime(first[0], first[1], 1, tzinfo=UTC) - timedelta(days=1)
    after = date(last[0] + (last[1] == 12), last[1] % 12 + 1, 1)
    end = datetime(after.year, after.month, after.day, tzinfo=UTC) + timedelta(days=1)
    figures = {f.id: FacilitatorCoaching(f) for f in facilitators}
    trend: dict[int, dict[tuple[int, int], list[int]]] = {
        f.id: {m: [0, 0] for m in span} for f in facilitators
    }
    in_month: set[int] = set()
    for m in await store.coach_meetings_between(start, end):
        fig = figures.get(m.facilitator_id)
        local_month = _month_of(m.starts_at, m.timezone)
        if fig is None or local_month not in trend[fig.facilitator.id]:
            continue
        if m.status == "held":
            counts = trend[fig.facilitator.id][local_month]
            counts[0] += m.present
            counts[1] += m.present + m.excused + m.absent
        if local_month != (year, month):
            continue
        in_month.add(m.meeting_id)
        if m.status == "cancelled":
            fig.planned += 1
            fig.cancelled += 1
        elif m.starts_at <= now:
            fig.planned += 1
            if m.status == "held":
                fig.held += 1
                fig.on_schedule += int(m.version == 1)
            else:
                fig.not_closed += 1
    for facilitator_id, check in await store.selfchecks_between(start, end):
        fig = figures.get(facilitator_id)
        if fig is None or check.meeting_id not in in_month:
            continue
        fig.selfchecks += 1
        for q in SELF_CHECK:
            code = getattr(check, q.field)
            if code:
                fig.answers.setdefault(q.field, Counter())[code] += 1
    follow_ups = await store.open_follow_ups()
    for fig in figures.values():
        fig.trend = [MonthAttendance(m, *trend[fig.facilitator.id][m]) for m in span]
        fig.open_follow_ups = follow_ups.get(fig.facilitator.id, 0)
    return [figures[f.id] for f in facilitators]


def coaching_lines(figures: Sequence[FacilitatorCoaching]) -> list[str]:
    """The coordinator's section of ``python -m bot report``, a few lines per facilitator."""
    lines = ["coaching, per facilitator:"]
    for fig in figures:
        f = fig.facilitator
        lines.append(f"- {f.name} (Telegram id {f.telegram_id}):")
        lines.append(
            f"  meetings: {fig.planned} due, {fig.held} held ({fig.on_schedule} at the planned"
            f" time, {fig.held - fig.on_schedule} moved), {fig.cancelled} cancelled,"
            f" {fig.not_closed} not closed yet"
        )
        trend = ", ".join(
            f"{y:04d}-{m:02d} {'-' if a.rate is None else f'{a.rate}%'}"
            for a, (y, m) in ((a, a.month) for a in fig.trend)
        )
        lines.append(f"  attendance: {trend}")
        answers = "; ".join(
            f"{q.field}: "
            + ", ".join(f"{code} {n}" for code, n in sorted(fig.answers[q.field].items()))
            for q in SELF_CHECK
            if q.field in fig.answers
        )
        lines.append(
            f"  self-check: {fig.selfchecks} of {fig.held} held meetings"
            + (f" ({answers})" if answers else "")
        )
        lines.append(f"  open follow-ups: {fig.open_follow_ups}")
    return lines
