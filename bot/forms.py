"""The forms a facilitator files, filled from what the bot knows (issue 16): the printable
attendance sheet (Daftar Hadir) of a meeting, the monthly monitoring form with its
knowledge levels (proposed from her quiz answers, confirmed by the facilitator), and the
coordinator's sub-district recap. No Telegram here; the words of each form are
in ``content/forms/`` (:mod:`bot.formdefs`), the PDF is drawn by :mod:`bot.attendance_sheet`.

The service takes the narrow storage :class:`FormStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.attendance_sheet import Sheet, SheetRow
from bot.config import AttendanceSettings
from bot.content import Library
from bot.formdefs import MonitoringForm, RecapForm, monitoring_form, semester_form
from bot.i18n import Catalog
from bot.report_format import month_window
from bot.reports import GroupRecap
from db.attendance import AttendanceMark, CheckinMeeting
from db.forms import MeetingMark, QuizScore
from db.meetings import Meeting
from db.models import Facilitator, Group, GroupSummary, Participant
from db.reports import MeetingCounts

SHEET_AHEAD = timedelta(days=35)
"""Meetings this far ahead can have their sheet printed (the next monthly meeting)."""
SHEET_BEHIND = timedelta(days=62)
"""... and those held this far back (last month's report)."""
SHEET_LIST_LIMIT = 12


class FormStore(Protocol):
    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]: ...

    async def checkin_meeting(self, meeting_id: int) -> CheckinMeeting | None: ...

    async def members(self, group_id: int) -> list[Participant]: ...

    async def meeting_marks(self, meeting_id: int) -> list[tuple[Participant, AttendanceMark]]: ...

    async def markable_meetings(
        self, group_ids: Sequence[int], first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]: ...

    async def final_marks(self, meeting_ids: Sequence[int]) -> list[MeetingMark]: ...

    async def quiz_scores(self, participant_ids: Sequence[int]) -> list[QuizScore]: ...

    async def meetings_by_ids(self, meeting_ids: Sequence[int]) -> list[Meeting]: ...

    async def knowledge_levels(self, meeting_ids: Sequence[int]) -> dict[tuple[int, int], str]: ...

    async def set_knowledge_levels(
        self, meeting_id: int, levels: Sequence[tuple[int, str]], now: datetime, *, keep: bool
    ) -> int: ...

    async def meetings_between(
        self, group_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[MeetingCounts]: ...

    async def cancelled_groups(
        self, group_ids: Sequence[int], start: datetime, end: datetime
    ) -> set[int]: ...

    async def semester_ratings(
        self, participant_ids: Sequence[int], semester: str
    ) -> dict[tuple[int, str], str]: ...

    async def set_semester_rating(
        self, participant_id: int, semester: str, aspect: str, level: str, now: datetime
    ) -> None: ...


@dataclass(frozen=True)
class LevelRow:
    participant_id: int
    name: str  # "(data dihapus)" for an erased member
    status: str  # present, excused, absent
    proposed: str  # a level key
    confirmed: str | None

    @property
    def level(self) -> str:
        return self.confirmed or self.proposed


@dataclass(frozen=True)
class Monitoring:
    """One finalized meeting's monitoring form: a row per member marked there."""

    meeting: Meeting
    group: Group
    session_title: str
    module_title: str
    rows: tuple[LevelRow, ...]

    @property
    def unconfirmed(self) -> int:
        return sum(1 for r in self.rows if r.confirmed is None)


@dataclass(frozen=True)
class SemesterRow:
    participant_id: int
    name: str
    ratings: dict[str, str]  # aspect key -> level key (absent: not rated yet)


@dataclass(frozen=True)
class SemesterView:
    """A group's semester form: its active members and their two ratings."""

    group: Group
    semester: str  # "2026-2"
    rows: tuple[SemesterRow, ...]


def semester_of(moment: datetime, tz: str) -> str:
    """``2026-1`` (January to June) or ``2026-2`` (July to December), in the group's zone."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.year}-{1 if local.month <= 6 else 2}"


@dataclass(frozen=True)
class RecapRow:
    """One row of the sub-district recap: a facilitator's groups in one kecamatan."""

    kecamatan: str
    facilitator: str
    groups: int
    groups_done: int
    reasons: tuple[str, ...]
    materi: tuple[str, ...]
    pemateri: str
    members: int
    present: int
    not_present: int
    levels: dict[str, int]
    open_follow_ups: int
    attention: int


@dataclass(frozen=True)
class SheetChoice:
    meeting: Meeting
    group: Group
    final: bool


class Forms:
    def __init__(
        self, db: FormStore, catalog: Catalog, content: Library, attendance: AttendanceSettings
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._content = content
        self._attendance = attendance

    async def _own_group(self, facilitator: Facilitator, group_id: int) -> Group | None:
        for summary in await self._db.groups_of(facilitator.id):
            if summary.group.id == group_id:
                return summary.group
        return None

    # -- the attendance sheet -------------------------------------------------------------

    async def sheet_choices(self, facilitator: Facilitator, now: datetime) -> list[SheetChoice]:
        """Her meetings whose sheet she may print: the coming ones (to sign at the meeting)
        and the recent ones (with the bot's marks), the soonest first."""
        groups = {s.group.id: s.group for s in await self._db.groups_of(facilitator.id)}
        found = await self._db.markable_meetings(
            list(groups), now - SHEET_BEHIND, now + SHEET_AHEAD
        )
        upcoming = sorted(
            (m for m in found if m.meeting.starts_at >= now), key=lambda m: m.meeting.starts_at
        )
        past = [m for m in found if m.meeting.starts_at < now]  # newest first
        chosen = [*upcoming[:4], *past][:SHEET_LIST_LIMIT]
        return [
            SheetChoice(m.meeting, groups[m.meeting.group_id], m.finalized_at is not None)
            for m in chosen
        ]

    async def attendance_sheet(self, facilitator: Facilitator, meeting_id: int) -> Sheet | None:
        """The Daftar Hadir of one of her meetings (None: not hers, cancelled, unknown).
        Before the meeting is final: her active members, to sign; once final: everyone
        marked, with the bot's mark (an erased member as "(data dihapus)")."""
        found = await self._db.checkin_meeting(meeting_id)
        if found is None or found.meeting.status == "cancelled":
            return None
        meeting = found.meeting
        group = await self._own_group(facilitator, meeting.group_id)
        if group is None:
            return None
        final = found.finalized_at is not None
        marks = await self._db.meeting_marks(meeting.id) if final else []
        erased = self._catalog.t("report.erased_member")
        if marks:
            named = [(p.name, m.status) for p, m in marks if p.name]
            gone = [(erased, m.status) for p, m in marks if not p.name]
            rows = tuple(SheetRow(name, status) for name, status in [*named, *gone])
        else:
            rows = tuple(SheetRow(p.name, None) for p in await self._db.members(group.id))
        return Sheet(self._sheet_header(meeting, group, facilitator), rows)

    def _sheet_header(
        self, meeting: Meeting, group: Group, facilitator: Facilitator
    ) -> dict[str, str]:
        session = self._content.session(meeting.session_id)
        module = self._content.module_of(session) if session else None
        tz = group.timezone
        end = meeting.starts_at + self._attendance.meeting_length
        return {
            "group": group.name,
            "kecamatan": group.kecamatan,
            "date": self._catalog.date(meeting.starts_at, tz),
            "time": f"{self._catalog.time(meeting.starts_at, tz).split()[0]}"
            f" - {self._catalog.time(end, tz)}",
            "place": meeting.place,
            "session": f"{session.number}. {session.title}" if session else meeting.session_id,
            "module": module.title if module else "",
            "facilitator": facilitator.name,
        }

    # -- the monthly monitoring form ------------------------------------------------------

    async def level_choices(self, facilitator: Facilitator, now: datetime) -> list[SheetChoice]:
        """Her finalized meetings of the last two months, newest first."""
        return [c for c in await self.sheet_choices(facilitator, now) if c.final]

    async def monitoring(self, facilitator: Facilitator, meeting_id: int) -> Monitoring | None:
        """The monitoring form of one of her finalized meetings (None: not hers, not final)."""
        found = await self._db.checkin_meeting(meeting_id)
        if found is None or found.finalized_at is None:
            return None
        group = await self._own_group(facilitator, found.meeting.group_id)
        if group is None:
            return None
        return (await self._monitorings([found.meeting], {group.id: group}))[0]

    async def _monitorings(
        self, meetings: Sequence[Meeting], groups: dict[int, Group]
    ) -> list[Monitoring]:
        form = monitoring_form()
        ids = [m.id for m in meetings]
        confirmed = await self._db.knowledge_levels(ids)
        erased = self._catalog.t("report.erased_member")
        by_meeting: dict[int, list[MeetingMark]] = {}
        for mark in await self._db.final_marks(ids):
            by_meeting.setdefault(mark.meeting_id, []).append(mark)
        people = [m.participant_id for marks in by_meeting.values() for m in marks]
        scores = {(q.participant_id, q.session_id): q for q in await self._db.quiz_scores(people)}
        found = []
        for meeting in meetings:
            marks = by_meeting.get(meeting.id, [])
            session = self._content.session(meeting.session_id)
            module = self._content.module_of(session) if session else None
            questions = len(session.quiz) if session else 0
            rows = []
            for mark in marks:
                score = scores.get((mark.participant_id, meeting.session_id))
                proposed = form.propose(
                    questions, score.answered if score else 0, score.correct if score else 0
                )
                rows.append(
                    LevelRow(
                        mark.participant_id,
                        mark.name or erased,
                        mark.status,
                        proposed,
                        confirmed.get((meeting.id, mark.participant_id)),
                    )
                )
            found.append(
                Monitoring(
                    meeting,
                    groups[meeting.group_id],
                    f"{session.number}. {session.title}" if session else meeting.session_id,
                    module.title if module else "",
                    tuple(rows),
                )
            )
        return found

    def level_key(self, index: int) -> str | None:
        keys = list(monitoring_form().levels)
        return keys[index] if 0 <= index < len(keys) else None

    async def set_level(
        self,
        facilitator: Facilitator,
        meeting_id: int,
        participant_id: int,
        level: str,
        now: datetime,
    ) -> Monitoring | None:
        """She sets one member's level at one of her finalized meetings; None when the
        meeting is not hers or not final, or the member was not marked there."""
        view = await self.monitoring(facilitator, meeting_id)
        if view is None or level not in monitoring_form().levels:
            return None
        if not any(r.participant_id == participant_id for r in view.rows):
            return None
        await self._db.set_knowledge_levels(meeting_id, [(participant_id, level)], now, keep=False)
        return await self.monitoring(facilitator, meeting_id)

    async def confirm_proposals(
        self, facilitator: Facilitator, meeting_id: int, now: datetime
    ) -> Monitoring | None:
        """Every proposal not yet confirmed becomes the confirmed level (a level she set
        stays as it is)."""
        view = await self.monitoring(facilitator, meeting_id)
        if view is None:
            return None
        pending = [(r.participant_id, r.proposed) for r in view.rows if r.confirmed is None]
        await self._db.set_knowledge_levels(meeting_id, pending, now, keep=True)
        return await self.monitoring(facilitator, meeting_id)

    async def monitoring_month(
        self, facilitator: Facilitator, year: int, month: int
    ) -> list[Monitoring]:
        """The monitoring forms of her finalized meetings in the month (each group's local
        month), by group, then date."""
        groups = {s.group.id: s.group for s in await self._db.groups_of(facilitator.id)}
        if not groups:
            return []
        windows = {g.id: month_window(year, month, g.timezone) for g in groups.values()}
        start = min(w[0] for w in windows.values())
        end = max(w[1] for w in windows.values())
        held = [
            m.meeting_id
            for m in await self._db.meetings_between(list(groups), start, end)
            if windows[m.group_id][0] <= m.starts_at < windows[m.group_id][1]
        ]
        meetings = await self._db.meetings_by_ids(held)
        order = {meeting_id: i for i, meeting_id in enumerate(held)}  # by group, then date
        meetings.sort(key=lambda m: order[m.id])
        return await self._monitorings(meetings, groups)

    # -- the coordinator's sub-district recap -----------------------------------------------

    async def recap_rows(
        self,
        facilitator: Facilitator,
        recaps: Sequence[GroupRecap],
        year: int,
        month: int,
        form: RecapForm,
    ) -> list[RecapRow]:
        """Her rows of the sub-district recap (one per kecamatan of her groups). ``recaps``:
        her groups' recap (``Reports.recap``: members, open follow-ups, members needing
        attention by the one attendance rule)."""
        forms = await self.monitoring_month(facilitator, year, month)
        by_kecamatan: dict[str, list[GroupRecap]] = {}
        for recap in recaps:
            by_kecamatan.setdefault(recap.group.kecamatan, []).append(recap)
        rows = []
        for kecamatan, group_recaps in sorted(by_kecamatan.items()):
            ids = [r.group.id for r in group_recaps]
            done = {f.group.id for f in forms if f.group.id in ids}
            windows = [month_window(year, month, r.group.timezone) for r in group_recaps]
            cancelled = await self._db.cancelled_groups(
                ids, min(w[0] for w in windows), max(w[1] for w in windows)
            )
            reasons = tuple(
                f"{r.group.name}: "
                + form.reasons["cancelled" if r.group.id in cancelled else "not_scheduled"]
                for r in group_recaps
                if r.group.id not in done
            )
            mine = [f for f in forms if f.group.id in ids]
            levels = {key: 0 for key in monitoring_form().levels}
            for f in mine:
                for r in f.rows:
                    levels[r.level] = levels.get(r.level, 0) + 1
            materi = tuple(dict.fromkeys(f.module_title for f in mine if f.module_title))
            rows.append(
                RecapRow(
                    kecamatan=kecamatan or form.no_kecamatan,
                    facilitator=facilitator.name,
                    groups=len(group_recaps),
                    groups_done=len(done),
                    reasons=reasons,
                    materi=materi,
                    pemateri=facilitator.name,
                    members=sum(r.members for r in group_recaps),
                    present=sum(1 for f in mine for r in f.rows if r.status == "present"),
                    not_present=sum(1 for f in mine for r in f.rows if r.status != "present"),
                    levels=levels,
                    open_follow_ups=sum(len(r.alerts) for r in group_recaps),
                    attention=sum(len(r.concerns) for r in group_recaps),
                )
            )
        return rows

    # -- the semester form ---------------------------------------------------------------

    async def groups(self, facilitator: Facilitator) -> list[Group]:
        return [s.group for s in await self._db.groups_of(facilitator.id)]

    async def semester(
        self, facilitator: Facilitator, group_id: int, semester: str | None, now: datetime
    ) -> SemesterView | None:
        """Her group's semester form (the semester of ``now`` unless given); None: not
        hers."""
        group = await self._own_group(facilitator, group_id)
        if group is None:
            return None
        return await self._semester_view(group, semester or semester_of(now, group.timezone))

    async def _semester_view(self, group: Group, key: str) -> SemesterView:
        members = await self._db.members(group.id)
        ratings = await self._db.semester_ratings([m.id for m in members], key)
        rows = tuple(
            SemesterRow(
                m.id,
                m.name,
                {a: ratings[(m.id, a)] for a in semester_form().aspects if (m.id, a) in ratings},
            )
            for m in members
        )
        return SemesterView(group, key, rows)

    async def set_rating(
        self,
        facilitator: Facilitator,
        group_id: int,
        participant_id: int,
        aspect: int,
        level: int,
        now: datetime,
    ) -> SemesterView | None:
        """She rates an active member of her group for this semester (by the indexes of
        the form's aspects and levels); None when any of it does not fit."""
        form = semester_form()
        aspects, levels = list(form.aspects), list(form.levels)
        view = await self.semester(facilitator, group_id, None, now)
        if view is None or not (0 <= aspect < len(aspects) and 0 <= level < len(levels)):
            return None
        if not any(r.participant_id == participant_id for r in view.rows):
            return None
        await self._db.set_semester_rating(
            participant_id, view.semester, aspects[aspect], levels[level], now
        )
        return await self.semester(facilitator, group_id, view.semester, now)

    async def semester_month(
        self, facilitator: Facilitator, year: int, month: int
    ) -> list[SemesterView]:
        """Her groups' semester forms for the semester the month belongs to."""
        key = f"{year}-{1 if month <= 6 else 2}"
        return [await self._semester_view(g, key) for g in await self.groups(facilitator)]


def monitoring_words(form: MonitoringForm, row: LevelRow) -> tuple[str, str]:
    """Her "Kehadiran" and "Pengetahuan & Pemahaman" in the form's words."""
    attendance = form.attendance["present" if row.status == "present" else "not_present"]
    return attendance, form.levels.get(row.level, row.level)


def monitoring_dates(catalog: Catalog, forms: Sequence[Monitoring]) -> list[str]:
    """Each form's "Tanggal Pelaksanaan" (``Sabtu, 5 Desember 2026``)."""
    return [catalog.date(f.meeting.starts_at, f.group.timezone) for f in forms]
