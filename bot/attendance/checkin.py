"""Check-in: the member checks in with the code in the window; the window opens (the code
is made and sent to the facilitator, members get their "Catat kehadiran saya" button).

* Inside the window a member checks in with ``/hadir`` and the code. A check-in written in
  the window but delivered late (weak signal) counts if it arrives within ``late_grace`` of
  the close; the message's own date tells when it was written.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.attendance.base import (
    AttendanceBase,
    BaseStore,
    Window,
    WindowState,
    window_state,
)
from bot.callbacks import CHECKIN, MARK_SCREEN_NEW
from db.attendance import (
    PRESENT,
    AttendanceMark,
    CheckinMeeting,
)
from db.meetings import Meeting, RsvpRow
from db.models import Group, Participant
from db.outbox import NewMessage

log = logging.getLogger(__name__)

CODE_DIGITS = 4
RECENTLY_CLOSED = timedelta(days=1)
"""``/hadir`` this soon after a window closed says "closed" rather than "not open yet"."""


def checkin_state(
    window: Window, written: datetime, received: datetime, grace: timedelta
) -> WindowState:
    """Whether a check-in written at ``written`` (the message's own date) and received at
    ``received`` counts (OPEN), or is too early or too late.

    Received inside the window: it counts. Received after the close but written inside the
    window (weak signal): it counts if it arrived before ``closes + grace``.
    """
    state = window_state(window, received)
    if state is not WindowState.CLOSED:
        return state
    late_ok = received < window.closes + grace
    if late_ok and window_state(window, written) is WindowState.OPEN:
        return WindowState.OPEN
    return WindowState.CLOSED


def new_checkin_code() -> str:
    """A random check-in code of :data:`CODE_DIGITS` digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def normalise_code(text: str) -> str | None:
    """The code she typed ("1234", " 12 34 "), or None if it is not a code at all."""
    digits = "".join(text.split())
    if len(digits) != CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return digits


def code_matches(expected: str | None, typed: str) -> bool:
    return expected is not None and secrets.compare_digest(expected.encode(), typed.encode())


class CheckinResult(StrEnum):
    ASK_CODE = "ask_code"  # the window is open: type the code
    RECORDED = "recorded"
    ALREADY = "already"  # already marked present
    BY_FACILITATOR = "by_facilitator"  # her pendamping marked her; that stays
    WRONG = "wrong"
    BLOCKED = "blocked"  # too many wrong codes: ask the pendamping
    FORMAT = "format"  # not a code at all (not counted as wrong)
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    NO_MEETING = "no_meeting"
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class Checkin:
    result: CheckinResult
    meeting: Meeting | None = None
    window: Window | None = None
    left: int = 0  # wrong codes she may still type


class CheckInStore(BaseStore, Protocol):
    """The queries of the check-in (``db/attendance.py``)."""

    async def add_wrong_code(
        self,
        meeting_id: int,
        participant_id: int,
        now: datetime | None = ...,
        *,
        update_id: int | None = ...,
    ) -> int: ...

    async def checkin_gate(
        self, meeting_id: int, participant_id: int
    ) -> tuple[AttendanceMark | None, int]: ...

    async def checkin_meeting(self, meeting_id: int) -> CheckinMeeting | None: ...

    async def ensure_checkin_code(self, meeting_id: int, code: str) -> str: ...

    async def group_meetings_between(
        self, group_id: int, first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]: ...

    async def mark_window_opened(self, meeting_id: int, now: datetime) -> None: ...

    async def record_self_checkin(
        self, meeting_id: int, participant_id: int, written_at: datetime, now: datetime
    ) -> str: ...

    async def rsvp_table(self, meeting_id: int, group_id: int) -> list[RsvpRow]: ...

    async def upcoming_meetings(
        self, group_ids: Iterable[int], now: datetime, limit: int = ...
    ) -> list[Meeting]: ...


class CheckIn(AttendanceBase):
    """Check-in by the member, and the window opening."""

    _checkin_db: CheckInStore

    async def start_checkin(
        self,
        participant: Participant,
        meeting_id: int | None,
        written: datetime,
        now: datetime,
    ) -> Checkin:
        """``/hadir`` (no meeting given: the one whose window she is in) or her "Catat
        kehadiran saya" button (that meeting). Nothing is recorded; ASK_CODE means: ask for
        the code."""
        written = min(written, now)
        admitted = await self._admit(participant, meeting_id, written, now)
        if isinstance(admitted, Checkin):
            return admitted
        found, window, wrong = admitted
        if found.checkin_code is None:  # the tick has not got to it yet: open it now
            await self._open(found, await self._group(found.meeting.group_id), now)
        return Checkin(
            CheckinResult.ASK_CODE, found.meeting, window, self._rules.max_wrong_codes - wrong
        )

    async def _admit(
        self, participant: Participant, meeting_id: int | None, written: datetime, now: datetime
    ) -> tuple[CheckinMeeting, Window, int] | Checkin:
        """The meeting she checks in for, its window and her wrong codes so far; or why
        she cannot check in now."""
        found = await self._locate(participant, meeting_id, written, now)
        if isinstance(found, Checkin):
            return found
        gate = await self._gate(found, participant, written, now)
        if isinstance(gate, Checkin):
            return gate
        return (found, *gate)

    async def _locate(
        self, participant: Participant, meeting_id: int | None, written: datetime, now: datetime
    ) -> CheckinMeeting | Checkin:
        """The meeting she checks in for: the one given (if it is her group's), or the one
        whose window she is in."""
        if meeting_id is None:
            return await self._find_meeting(participant, written, now)
        cm = await self._checkin_db.checkin_meeting(meeting_id)
        if (
            cm is None
            or cm.meeting.group_id != participant.group_id
            or not participant.active
            or cm.meeting.status == "cancelled"
        ):
            return Checkin(CheckinResult.NOT_YOURS)
        return cm

    async def _gate(
        self, cm: CheckinMeeting, participant: Participant, written: datetime, now: datetime
    ) -> tuple[Window, int] | Checkin:
        """Whether she may check in now: the window, her mark, her wrong codes so far."""
        meeting = cm.meeting
        window = self.window(meeting)
        state = checkin_state(window, written, now, self._rules.late_grace)
        if state is WindowState.BEFORE:
            return Checkin(CheckinResult.NOT_OPEN, meeting, window)
        if state is WindowState.CLOSED:
            return Checkin(CheckinResult.CLOSED, meeting, window)
        mark, wrong = await self._checkin_db.checkin_gate(meeting.id, participant.id)
        if mark is not None and mark.status == PRESENT:
            return Checkin(CheckinResult.ALREADY, meeting, window)
        if mark is not None and mark.source == "facilitator":
            return Checkin(CheckinResult.BY_FACILITATOR, meeting, window)
        if wrong >= self._rules.max_wrong_codes:
            return Checkin(CheckinResult.BLOCKED, meeting, window)
        return window, wrong

    async def _find_meeting(
        self, participant: Participant, written: datetime, now: datetime
    ) -> CheckinMeeting | Checkin:
        rules = self._rules
        if not participant.active:
            return Checkin(CheckinResult.NOT_YOURS)
        reach = rules.meeting_length + rules.close_after + max(rules.late_grace, RECENTLY_CLOSED)
        candidates = await self._checkin_db.group_meetings_between(
            participant.group_id, written - reach, now + rules.open_before
        )
        closed: CheckinMeeting | None = None
        for cm in candidates:
            window = self.window(cm.meeting)
            state = checkin_state(window, written, now, rules.late_grace)
            if state is WindowState.OPEN:
                return cm
            if state is WindowState.CLOSED and now - window.closes < RECENTLY_CLOSED:
                closed = cm
        upcoming = await self._checkin_db.upcoming_meetings([participant.group_id], now, 1)
        if closed is not None and not (
            upcoming and window_state(self.window(upcoming[0]), now) is WindowState.OPEN
        ):
            return Checkin(CheckinResult.CLOSED, closed.meeting, self.window(closed.meeting))
        if upcoming:
            meeting = upcoming[0]
            return Checkin(CheckinResult.NOT_OPEN, meeting, self.window(meeting))
        return Checkin(CheckinResult.NO_MEETING)

    async def submit_code(
        self,
        participant: Participant,
        meeting_id: int | None,
        typed: str,
        written: datetime,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> Checkin:
        """She typed ``typed`` for ``meeting_id`` (None: ``/hadir 1234``, the meeting whose
        window she is in); written at ``written`` (the message date). A wrong code is
        counted once per ``update_id``; a right one is recorded once by design."""
        written = min(written, now)
        admitted = await self._admit(participant, meeting_id, written, now)
        if isinstance(admitted, Checkin):
            return admitted
        cm, window, wrong = admitted
        meeting, limit = cm.meeting, self._rules.max_wrong_codes
        code = normalise_code(typed)
        if code is None:
            return Checkin(CheckinResult.FORMAT, meeting, window, limit - wrong)
        if cm.checkin_code is None:  # the tick has not got to it yet: open it now
            await self._open(cm, await self._group(meeting.group_id), now)
            cm = await self._checkin_db.checkin_meeting(meeting.id) or cm
        if not code_matches(cm.checkin_code, code):
            wrong = await self._checkin_db.add_wrong_code(
                meeting.id, participant.id, now, update_id=update_id
            )
            if wrong >= limit:
                return Checkin(CheckinResult.BLOCKED, meeting, window)
            return Checkin(CheckinResult.WRONG, meeting, window, limit - wrong)
        at = written if window_state(window, written) is WindowState.OPEN else now
        outcome = await self._checkin_db.record_self_checkin(meeting.id, participant.id, at, now)
        if outcome == "already":
            return Checkin(CheckinResult.ALREADY, meeting, window)
        if outcome == "facilitator":
            return Checkin(CheckinResult.BY_FACILITATOR, meeting, window)
        if meeting.status == "held":  # a late check-in after the close: alerts may change
            await self._review(participant, now)
        return Checkin(CheckinResult.RECORDED, meeting, window)

    async def _open(self, cm: CheckinMeeting, group: Group, now: datetime) -> int:
        """Make the code (once), send it to the facilitator and tell the members."""
        meeting = cm.meeting
        code = await self._checkin_db.ensure_checkin_code(meeting.id, new_checkin_code())
        window = self.window(meeting)
        messages: list[NewMessage] = []
        chat = await self._facilitator_chat(group)
        if chat is not None:
            messages.append(
                NewMessage(
                    key=f"checkin_code:{meeting.id}:v{meeting.version}",
                    chat_id=chat,
                    participant_id=None,
                    kind="checkin_code",
                    text=self._catalog.t(
                        "attendance.code_for_facilitator",
                        group=group.name,
                        when=self.when(meeting, group),
                        topic=self.topic(meeting.session_id),
                        code=code,
                        closes=self._catalog.time(window.closes, group.timezone),
                    ),
                    buttons=[
                        [
                            (
                                self._catalog.t("attendance.button_mark"),
                                MARK_SCREEN_NEW.data(meeting.id, 0),
                            )
                        ]
                    ],
                    not_before=now,
                )
            )
        for row in await self._checkin_db.rsvp_table(meeting.id, group.id):
            p = row.participant
            if row.answer == "no" or p.telegram_id is None or not p.reachable:
                continue
            messages.append(self._checkin_invitation(meeting, group, p, p.telegram_id, now))
        queued = await self._enqueue(messages, now)
        await self._checkin_db.mark_window_opened(meeting.id, now)
        return queued

    def _checkin_invitation(
        self, meeting: Meeting, group: Group, p: Participant, chat: int, now: datetime
    ) -> NewMessage:
        """A member's "the check-in is open" message with its "Catat kehadiran saya" button."""
        return NewMessage(
            key=f"checkin_open:{meeting.id}:v{meeting.version}:{p.id}",
            chat_id=chat,
            participant_id=p.id,
            kind="checkin_open",
            text=self._catalog.t(
                "attendance.open_for_member",
                name=p.name,
                sapaan=self._catalog.address(p.address),
                group=group.name,
                when=self.when(meeting, group),
                place=meeting.place,
            ),
            buttons=[[(self._catalog.t("attendance.button_checkin"), CHECKIN.data(meeting.id))]],
            not_before=now,
            useful_until=self.window(meeting).closes,
        )
