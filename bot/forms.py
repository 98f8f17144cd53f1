"""The forms a facilitator files, filled from what the bot knows (issue 16): the printable
attendance sheet (Daftar Hadir) of a meeting. No Telegram here; the words of each form are
in ``content/forms/`` (:mod:`bot.formdefs`), the PDF is drawn by :mod:`bot.attendance_sheet`.

The service takes the narrow storage :class:`FormStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.attendance_sheet import Sheet, SheetRow
from bot.config import AttendanceSettings
from bot.content import Library
from bot.i18n import Catalog
from db.attendance import AttendanceMark, CheckinMeeting
from db.meetings import Meeting
from db.models import Facilitator, Group, GroupSummary, Participant

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
            "kecamatan": "",
            "date": self._catalog.date(meeting.starts_at, tz),
            "time": f"{self._catalog.time(meeting.starts_at, tz).split()[0]}"
            f" - {self._catalog.time(end, tz)}",
            "place": meeting.place,
            "session": f"{session.number}. {session.title}" if session else meeting.session_id,
            "module": module.title if module else "",
            "facilitator": facilitator.name,
        }
