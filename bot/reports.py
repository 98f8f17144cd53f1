"""Facilitator recaps, monthly exports (CSV, XLSX) and the attendance chart.

No Telegram here. The async part reads the database (``db/reports.py``) and turns rows
into plain, frozen data; the file writers (``bot/exports.py``: ``csv_bytes``, ``xlsx_bytes``,
``totals_xlsx_bytes``, ``chart_png``) are pure, synchronous functions of that data,
so handlers and the CLI run them in a worker thread (``asyncio.to_thread``) and the event
loop never waits for openpyxl or matplotlib.

Decisions (docs/DECISIONS.md, "Reports"):

* **Attendance rate** = present / (present + excused + absent) of a finalized meeting.
* **Members needing attention** are decided by the one rule of the absence alerts
  (:func:`bot.attendance.alert_rule.evaluate` over her marks since her last closed alert): she
  is listed exactly when that rule has an alert open for her. Excused meetings neither count
  nor break a row; attending closes the crossing. A meeting before she joined is no miss.
* **Files**: CSV (also with ``;`` for an Excel set to Indonesian) and XLSX, with cells
  that start with ``= + - @`` written as text: ``bot/exports.py``.
* **Months** are each group's local calendar month (WIB, WITA or WIT).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.attendance.alert_rule import Mark, Policy, evaluate
from bot.config import AttendanceSettings
from bot.content import Library
from bot.i18n import Catalog, zone_label
from bot.recap_text import recap_messages
from bot.report_format import (
    month_name,
    month_window,
    previous_month,
    without_empty_names,
)
from db.models import Facilitator, Group, GroupSummary
from db.reports import Mark as StoredMark
from db.reports import MeetingCounts, OpenAlert, PolicyMark

RECAP_MEETINGS = 6
"""Meetings per group in the recap."""
CHART_MONTHS = 6
"""Months of meetings in the chart (this month and the five before)."""


# ------------------------------------------------------------------------------ plain data


@dataclass(frozen=True)
class Concern:
    """A member below the attendance policy."""

    name: str
    misses: int  # the unexcused misses of her open crossing
    in_a_row: int  # unexcused misses in a row up to the latest meeting (excused ones skipped)


@dataclass(frozen=True)
class GroupRecap:
    group: Group
    members: int
    meetings: tuple[MeetingCounts, ...]  # oldest first
    concerns: tuple[Concern, ...]
    alerts: tuple[OpenAlert, ...]


@dataclass(frozen=True)
class MeetingLine:
    """One finalized meeting in a monthly report, with the names by status."""

    meeting_id: int
    group_name: str
    local_start: datetime  # in the group's zone
    zone: str  # WIB, WITA, WIT
    place: str
    session_number: int | None
    session_title: str
    module_title: str
    present: tuple[str, ...]
    excused: tuple[str, ...]
    absent: tuple[str, ...]
    present_how: tuple[str, ...] = ()
    """How each present mark was made, in the order of ``present`` ("Siti (mandiri,
    dikonfirmasi)"): her own check-in, confirmed by the facilitator or not, or the
    facilitator's mark."""

    @property
    def total(self) -> int:
        return len(self.present) + len(self.excused) + len(self.absent)

    @property
    def rate(self) -> float | None:
        return len(self.present) / self.total if self.total else None


@dataclass(frozen=True)
class MemberMonth:
    """One member's month at a glance: her status at each of the group's meetings of the
    month, in the order of ``GroupMonth.meetings`` (None: no mark, e.g. not yet a member)."""

    name: str
    statuses: tuple[str | None, ...]

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses if s == status)


@dataclass(frozen=True)
class GroupMonth:
    group_name: str
    members: int
    meetings: tuple[MeetingLine, ...]
    people: tuple[MemberMonth, ...] = ()

    def totals(self) -> tuple[int, int, int]:
        return (
            sum(len(m.present) for m in self.meetings),
            sum(len(m.excused) for m in self.meetings),
            sum(len(m.absent) for m in self.meetings),
        )


@dataclass(frozen=True)
class MonthReport:
    facilitator_id: int
    facilitator_name: str
    year: int
    month: int
    groups: tuple[GroupMonth, ...]

    @property
    def meetings(self) -> list[MeetingLine]:
        return [m for g in self.groups for m in g.meetings]


@dataclass(frozen=True)
class ChartSeries:
    group_name: str
    points: tuple[tuple[date, float], ...]  # (local date, rate in percent)


@dataclass(frozen=True)
class ChartData:
    series: tuple[ChartSeries, ...]
    start: date
    end: date

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


@dataclass(frozen=True)
class Labels:
    """Every user-facing word the file writers need, read from the catalog beforehand (the
    writers run in a thread and get plain strings)."""

    title: str
    facilitator: str
    month: str
    month_name: str
    sheet_activity: str
    sheet_summary: str
    sheet_total: str
    columns: tuple[str, ...]
    summary_columns: tuple[str, ...]
    total_columns: tuple[str, ...]
    total_row: str
    chart_title: str
    chart_axis: str
    sheet_members: str = ""
    member_columns: tuple[str, ...] = ()
    statuses: tuple[str, str, str] = ("", "", "")  # present, excused, absent
    no_mark: str = ""


# ------------------------------------------------------------------------------ pure rules


def below_policy(marks_oldest_first: Sequence[Mark], policy: Policy) -> Concern | None:
    """Her marks (oldest first, since her last closed alert) → a concern, or None. The same
    rule as the absence alerts (:func:`evaluate`), so the recap and the alerts agree."""
    crossing = evaluate(marks_oldest_first, policy)
    if crossing is None:
        return None
    in_a_row = 0
    for mark in reversed(marks_oldest_first):
        if mark.status == "present":
            break
        in_a_row += mark.status == "absent"
    return Concern("", len(crossing.missed), in_a_row)


# ------------------------------------------------------------------------------ the service


class ReportStore(Protocol):
    """The queries of the reports (``db/reports.py``, ``db/onboarding.py``)."""

    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]: ...

    async def latest_meetings(
        self, group_ids: Sequence[int], per_group: int
    ) -> list[MeetingCounts]: ...

    async def marks_of(self, meeting_ids: Sequence[int]) -> list[StoredMark]: ...

    async def meetings_between(
        self, group_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[MeetingCounts]: ...

    async def open_alerts(self, group_ids: Sequence[int]) -> list[OpenAlert]: ...

    async def policy_marks(self, group_ids: Sequence[int]) -> list[PolicyMark]: ...


class Reports:
    def __init__(
        self,
        db: ReportStore,
        catalog: Catalog,
        content: Library,
        attendance: AttendanceSettings,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._content = content
        self._attendance = attendance

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def content(self) -> Library:
        return self._content

    @property
    def attendance(self) -> AttendanceSettings:
        return self._attendance

    # -- reading ------------------------------------------------------------------------

    async def _groups(self, facilitator: Facilitator) -> list[tuple[Group, int]]:
        return [(s.group, s.members) for s in await self._db.groups_of(facilitator.id)]

    async def recap(self, facilitator: Facilitator) -> list[GroupRecap]:
        groups = await self._groups(facilitator)
        ids = [g.id for g, _ in groups]
        meetings = await self._db.latest_meetings(ids, RECAP_MEETINGS)
        alerts = await self._db.open_alerts(ids)
        concerns = await self._concerns(ids)
        return [
            GroupRecap(
                group=group,
                members=members,
                meetings=tuple(m for m in meetings if m.group_id == group.id),
                concerns=tuple(concerns.get(group.id, [])),
                alerts=tuple(a for a in alerts if a.group_id == group.id),
            )
            for group, members in groups
        ]

    async def _concerns(self, group_ids: Sequence[int]) -> dict[int, list[Concern]]:
        """Members the absence policy has an alert open for, by group (by name)."""
        marks: dict[int, list[Mark]] = {}
        names: dict[int, tuple[int, str]] = {}
        for mark in await self._db.policy_marks(group_ids):  # oldest first per member
            marks.setdefault(mark.participant_id, []).append(Mark(mark.meeting_id, mark.status))
            names[mark.participant_id] = (mark.group_id, mark.name)
        policy = Policy.of(self._attendance)
        concerns: dict[int, list[Concern]] = {}
        for participant_id, found in marks.items():
            concern = below_policy(found, policy)
            if concern is not None:
                group_id, name = names[participant_id]
                concerns.setdefault(group_id, []).append(
                    Concern(name, concern.misses, concern.in_a_row)
                )
        return concerns

    async def month_report(self, facilitator: Facilitator, year: int, month: int) -> MonthReport:
        groups = await self._groups(facilitator)
        if not groups:
            return MonthReport(facilitator.id, facilitator.name, year, month, ())
        windows = {g.timezone: month_window(year, month, g.timezone) for g, _ in groups}
        start = min(w[0] for w in windows.values())
        end = max(w[1] for w in windows.values())
        by_id = {g.id: g for g, _ in groups}
        meetings = [
            m
            for m in await self._db.meetings_between(list(by_id), start, end)
            if windows[by_id[m.group_id].timezone][0]
            <= m.starts_at
            < windows[by_id[m.group_id].timezone][1]
        ]
        marks = await self._db.marks_of([m.meeting_id for m in meetings])
        by_meeting: dict[int, dict[str, list[str]]] = {}
        for mark in marks:
            by_meeting.setdefault(mark.meeting_id, {}).setdefault(mark.status, []).append(
                mark.name
            )
            if mark.status == "present":
                how_key = f"report.how_{mark.how}"
                how = self._catalog.t(
                    how_key if self._catalog.has(how_key) else "report.how_facilitator"
                )
                by_meeting[mark.meeting_id].setdefault("how", []).append(
                    self._catalog.t("report.how_item", name=mark.name, how=how)
                )
        lines: dict[int, list[MeetingLine]] = {}
        for m in meetings:
            group = by_id[m.group_id]
            lines.setdefault(group.id, []).append(self._line(m, group, by_meeting))
        return MonthReport(
            facilitator.id,
            facilitator.name,
            year,
            month,
            tuple(
                GroupMonth(
                    group.name,
                    members,
                    tuple(lines.get(group.id, [])),
                    self._people([m for m in meetings if m.group_id == group.id], marks),
                )
                for group, members in groups
            ),
        )

    def _people(
        self, meetings: Sequence[MeetingCounts], marks: Sequence[StoredMark]
    ) -> tuple[MemberMonth, ...]:
        """The member x meeting matrix of one group's month: everyone with a mark at one of
        its meetings, by name (members who erased their data last, as "(data dihapus)")."""
        column = {m.meeting_id: i for i, m in enumerate(meetings)}
        found: dict[int, list[str | None]] = {}
        names: dict[int, str] = {}
        for mark in marks:
            if mark.meeting_id not in column:
                continue
            row = found.setdefault(mark.participant_id, [None] * len(meetings))
            row[column[mark.meeting_id]] = mark.status
            names[mark.participant_id] = mark.name
        erased = self._catalog.t("report.erased_member")
        order = sorted(found, key=lambda p: (not names[p], names[p].casefold(), p))
        return tuple(MemberMonth(names[p] or erased, tuple(found[p])) for p in order)

    def _line(
        self, m: MeetingCounts, group: Group, names: dict[int, dict[str, list[str]]]
    ) -> MeetingLine:
        session = self._content.session(m.session_id)
        module = self._content.module_of(session) if session else None
        found = names.get(m.meeting_id, {})
        erased = self._catalog.t("report.erased_member")
        return MeetingLine(
            meeting_id=m.meeting_id,
            group_name=group.name,
            local_start=m.starts_at.astimezone(ZoneInfo(group.timezone)),
            zone=self._zone(group.timezone),
            place=m.place,
            session_number=session.number if session else None,
            session_title=session.title if session else m.session_id,
            module_title=module.title if module else "",
            present=without_empty_names(found.get("present", []), erased),
            excused=without_empty_names(found.get("excused", []), erased),
            absent=without_empty_names(found.get("absent", []), erased),
            present_how=tuple(found.get("how", [])),
        )

    @staticmethod
    def _zone(tz: str) -> str:
        return zone_label(tz)

    async def chart_data(self, facilitator: Facilitator, now: datetime) -> ChartData:
        groups = await self._groups(facilitator)
        tz = groups[0][0].timezone if groups else "Asia/Jakarta"
        local_now = now.astimezone(ZoneInfo(tz))
        year, month = local_now.year, local_now.month
        for _ in range(CHART_MONTHS - 1):
            year, month = previous_month(year, month)
        start = month_window(year, month, "Asia/Jayapura")[0]  # the earliest zone
        meetings = await self._db.meetings_between([g.id for g, _ in groups], start, now)
        series = []
        for group, _ in groups:
            zone = ZoneInfo(group.timezone)
            points = tuple(
                (m.starts_at.astimezone(zone).date(), 100.0 * m.present / m.total)
                for m in meetings
                if m.group_id == group.id and m.total
            )
            series.append(ChartSeries(group.name, points))
        return ChartData(tuple(series), date(year, month, 1), local_now.date())

    # -- rendering in the bot -----------------------------------------------------------

    def recap_messages(self, recaps: Sequence[GroupRecap]) -> list[str]:
        """The recap as Telegram HTML messages (``bot/recap_text.py``)."""
        return recap_messages(self._catalog, self._content, self._attendance, recaps)

    def labels(self, report_year: int, report_month: int) -> Labels:
        t = self._catalog.t
        return Labels(
            title=t("report.file_title"),
            facilitator=t("report.file_facilitator"),
            month=t("report.file_month"),
            month_name=month_name(report_year, report_month),
            sheet_activity=t("report.sheet_activity"),
            sheet_summary=t("report.sheet_summary"),
            sheet_total=t("report.sheet_total"),
            columns=tuple(t("report.columns").split("|")),
            summary_columns=tuple(t("report.summary_columns").split("|")),
            total_columns=tuple(t("report.total_columns").split("|")),
            total_row=t("report.total_row"),
            chart_title=t("report.chart_title"),
            chart_axis=t("report.chart_axis"),
            sheet_members=t("report.sheet_members"),
            member_columns=tuple(t("report.member_columns").split("|")),
            statuses=(
                t("report.status_present"),
                t("report.status_excused"),
                t("report.status_absent"),
            ),
            no_mark=t("report.status_none"),
        )
