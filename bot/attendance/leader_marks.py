"""Leaders who help: during the open check-in window, the group's leader marks members
present who have no phone or whose phone is dead ("Tandai untuk anggota").

Her mark is logged as the leader's (``attendance.source = 'leader'``, who in
``marked_by_leader`` and the log's ``by_leader_id``). The facilitator's mark wins: a
leader never changes it, and the facilitator's marking screen shows which marks came
from the leader. The leader sees the names of her group and who is marked present, never
reasons, excuses or histories. Only her own group, only while its window is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.attendance.base import AttendanceBase, Window, WindowState, window_state
from bot.auth import Actor
from db.attendance import PRESENT, CheckinMeeting, MarkRow
from db.models import Group, Participant


class LeaderMarkStore(Protocol):
    """The queries of this feature (``db/attendance.py``, ``db/onboarding.py``)."""

    async def checkin_meeting(self, meeting_id: int) -> CheckinMeeting | None: ...

    async def group_meetings_between(
        self, group_id: int, first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]: ...

    async def marking_table(self, meeting_id: int, group_id: int) -> list[MarkRow]: ...

    async def participant(self, participant_id: int) -> Participant | None: ...

    async def record_leader_mark(
        self, meeting_id: int, participant_id: int, leader_id: int, now: datetime
    ) -> str: ...


class LeaderMarkResult(StrEnum):
    MARKED = "marked"
    ALREADY = "already"  # present already (her own check-in, or marked before)
    BY_FACILITATOR = "by_facilitator"  # the facilitator marked her otherwise: it stays
    NOT_OPEN = "not_open"  # no window of her group is open now
    NOT_YOURS = "not_yours"  # not her group's leader, not her group's meeting or member


@dataclass(frozen=True)
class LeaderView:
    """What the leader sees: the open meeting and her group's names, present or not."""

    meeting: CheckinMeeting
    group: Group
    window: Window
    present: list[Participant]
    waiting: list[Participant]


@dataclass(frozen=True)
class LeaderMark:
    result: LeaderMarkResult
    participant: Participant | None = None


class LeaderMarks(AttendanceBase):
    """Marks by the group's leader while the window is open."""

    _leader_db: LeaderMarkStore

    def _leader_group(self, actor: Actor) -> Group | None:
        leader, group = actor.participant, actor.group
        if leader is None or group is None or group.leader_id != leader.id:
            return None
        return group

    async def leader_view(self, actor: Actor, now: datetime) -> LeaderView | LeaderMarkResult:
        """Her group's meeting whose window is open now, with its names."""
        group = self._leader_group(actor)
        if group is None:
            return LeaderMarkResult.NOT_YOURS
        rules = self._rules
        found = await self._leader_db.group_meetings_between(
            group.id, now - rules.meeting_length - rules.close_after, now + rules.open_before
        )
        for cm in found:
            window = self.window(cm.meeting)
            if cm.meeting.scheduled and window_state(window, now) is WindowState.OPEN:
                return await self._leader_names(cm, group, window)
        return LeaderMarkResult.NOT_OPEN

    async def _leader_names(self, cm: CheckinMeeting, group: Group, window: Window) -> LeaderView:
        rows = await self._leader_db.marking_table(cm.meeting.id, group.id)
        members = [r for r in rows if r.participant.active]
        return LeaderView(
            cm,
            group,
            window,
            [r.participant for r in members if r.status == PRESENT],
            [r.participant for r in members if r.status != PRESENT],
        )

    async def leader_mark(
        self, actor: Actor, meeting_id: int, participant_id: int, now: datetime
    ) -> LeaderMark:
        group = self._leader_group(actor)
        cm = await self._leader_db.checkin_meeting(meeting_id)
        if group is None or actor.participant is None or cm is None:
            return LeaderMark(LeaderMarkResult.NOT_YOURS)
        if cm.meeting.group_id != group.id:
            return LeaderMark(LeaderMarkResult.NOT_YOURS)
        if not cm.meeting.scheduled or window_state(self.window(cm.meeting), now) not in {
            WindowState.OPEN
        }:
            return LeaderMark(LeaderMarkResult.NOT_OPEN)
        member = await self._leader_db.participant(participant_id)
        if member is None or not member.active or member.group_id != group.id:
            return LeaderMark(LeaderMarkResult.NOT_YOURS)
        outcome = await self._leader_db.record_leader_mark(
            meeting_id, member.id, actor.participant.id, now
        )
        result = {
            "recorded": LeaderMarkResult.MARKED,
            "facilitator": LeaderMarkResult.BY_FACILITATOR,
        }.get(outcome, LeaderMarkResult.ALREADY)
        return LeaderMark(result, member)

    async def leader_screen(
        self, actor: Actor, meeting_id: int, now: datetime
    ) -> LeaderView | None:
        """The screen again after a mark (None: no longer hers or no longer open)."""
        group = self._leader_group(actor)
        cm = await self._leader_db.checkin_meeting(meeting_id)
        if group is None or cm is None or cm.meeting.group_id != group.id:
            return None
        window = self.window(cm.meeting)
        if window_state(window, now) is not WindowState.OPEN:
            return None
        return await self._leader_names(cm, group, window)
