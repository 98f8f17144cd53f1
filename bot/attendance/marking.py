"""Marking: the facilitator marks anyone (also members without a phone) with one button per
member, during or after the meeting; each button carries the mark it sets (the next of
hadir → izin → tidak hadir), so a press delivered twice is harmless; her mark wins over a
self check-in; every change is logged. Also a member's own history.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.attendance.base import (
    STATUSES,
    AttendanceBase,
    BaseStore,
    Window,
    WindowState,
    window_state,
)
from bot.auth import Actor, owns_group
from bot.crashpoints import crash_point
from db.attendance import (
    ABSENT,
    EXCUSED,
    FACILITATOR,
    PRESENT,
    AttendanceMark,
    CheckinMeeting,
    MarkRow,
    MarkStatus,
    PastMark,
)
from db.meetings import RsvpAnswer
from db.models import Group, GroupSummary, Participant

log = logging.getLogger(__name__)

MARKABLE_FOR = timedelta(days=62)
"""How far back the facilitator's ``/kehadiran`` list reaches for corrections."""


def next_status(current: str | None) -> MarkStatus:
    """What the facilitator's button on a member sets: (none) → present → excused → absent
    → present → ... The button carries this target (``kt:<meeting>:<member>:<p|e|a>:...``)."""
    if current == PRESENT:
        return EXCUSED
    if current == EXCUSED:
        return ABSENT
    return PRESENT


@dataclass(frozen=True)
class MarkingView:
    meeting: CheckinMeeting
    group: Group
    window: Window
    rows: list[MarkRow]
    excuses: dict[int, RsvpAnswer] = field(default_factory=dict)
    """Members who answered "Tidak bisa hadir" before the meeting, by participant id."""


class ToggleResult(StrEnum):
    CHANGED = "changed"
    NOT_YOURS = "not_yours"
    NOT_YET = "not_yet"  # the window has not opened


@dataclass(frozen=True)
class Toggle:
    result: ToggleResult
    status: str | None = None
    participant: Participant | None = None
    window: Window | None = None
    group: Group | None = None


class MarkingStore(BaseStore, Protocol):
    """The queries of marking (``db/attendance.py``)."""

    async def attendance_mark(
        self, meeting_id: int, participant_id: int
    ) -> AttendanceMark | None: ...

    async def checkin_meeting(self, meeting_id: int) -> CheckinMeeting | None: ...

    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]: ...

    async def markable_meetings(
        self, group_ids: Sequence[int], first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]: ...

    async def marking_table(self, meeting_id: int, group_id: int) -> list[MarkRow]: ...

    async def participant(self, participant_id: int) -> Participant | None: ...

    async def past_marks(
        self, participant_id: int, after: datetime | None = ..., limit: int | None = ...
    ) -> list[PastMark]: ...

    async def rsvp_answers(self, meeting_id: int) -> dict[int, RsvpAnswer]: ...

    async def set_mark(
        self, meeting_id: int, participant_id: int, status: str, facilitator_id: int, now: datetime
    ) -> None: ...


class Marking(AttendanceBase):
    """Marks by the facilitator; a member's own history."""

    _marking_db: MarkingStore

    async def owned(self, actor: Actor, meeting_id: int) -> tuple[CheckinMeeting, Group] | None:
        cm = await self._marking_db.checkin_meeting(meeting_id)
        if cm is None or cm.meeting.status == "cancelled":
            return None
        group = await self._marking_db.group(cm.meeting.group_id)
        if group is None or not owns_group(actor, group):
            return None
        return cm, group

    async def marking(self, actor: Actor, meeting_id: int) -> MarkingView | None:
        found = await self.owned(actor, meeting_id)
        if found is None:
            return None
        cm, group = found
        rows = await self._marking_db.marking_table(cm.meeting.id, group.id)
        excuses = {
            pid: answer
            for pid, answer in (await self._marking_db.rsvp_answers(cm.meeting.id)).items()
            if answer.answer == "no"
        }
        return MarkingView(cm, group, self.window(cm.meeting), rows, excuses)

    async def mark(
        self, actor: Actor, meeting_id: int, participant_id: int, status: str, now: datetime
    ) -> Toggle:
        """Her mark ``status`` for one member. The button carries the status it sets (the
        one after the mark shown on it, see :func:`next_status`), so a press delivered twice
        sets the same mark twice: idempotent by design."""
        found = await self.owned(actor, meeting_id)
        if found is None or actor.facilitator is None or status not in STATUSES:
            return Toggle(ToggleResult.NOT_YOURS)
        cm, group = found
        window = self.window(cm.meeting)
        if window_state(window, now) is WindowState.BEFORE:
            return Toggle(ToggleResult.NOT_YET, window=window, group=group)
        participant = await self._marking_db.participant(participant_id)
        if participant is None or participant.group_id != group.id:
            return Toggle(ToggleResult.NOT_YOURS)
        current = await self._marking_db.attendance_mark(cm.meeting.id, participant.id)
        if current is None and not participant.active:
            return Toggle(ToggleResult.NOT_YOURS)
        if current is None or current.status != status or current.source != FACILITATOR:
            await self._marking_db.set_mark(
                cm.meeting.id, participant.id, status, actor.facilitator.id, now
            )
            crash_point("attendance-marked")
            if cm.meeting.status == "held":  # a correction after the close
                await self._review(participant, now, corrected=True)
        return Toggle(ToggleResult.CHANGED, status, participant, window, group)

    async def markable(self, actor: Actor, now: datetime) -> list[tuple[CheckinMeeting, Group]]:
        """Her meetings whose window is open, or that were held recently (for corrections),
        newest first."""
        if actor.facilitator is None:
            return []
        groups = {
            s.group.id: s.group for s in await self._marking_db.groups_of(actor.facilitator.id)
        }
        meetings = await self._marking_db.markable_meetings(
            list(groups), now - MARKABLE_FOR, now + self._rules.open_before
        )
        return [
            (cm, groups[cm.meeting.group_id])
            for cm in meetings
            if window_state(self.window(cm.meeting), now) is not WindowState.BEFORE
        ]

    async def history(self, participant: Participant, limit: int = 12) -> list[PastMark]:
        """Her marks in held meetings, newest first."""
        marks = await self._marking_db.past_marks(participant.id, limit=limit)
        return list(reversed(marks))
