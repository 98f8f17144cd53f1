"""Check-in: the member checks in with the code in the window; the window opens (the
meeting's secret is made, the facilitator gets the code and its QR code, members get their
"Catat kehadiran saya" button).

* Inside the window a member checks in with ``/hadir`` and the code, or by opening the deep
  link of the QR code (``/start c_<meeting>_<token>``). Code and token change every
  ``code_every`` (bot/attendance/rotation.py); the facilitator's message is edited in place
  at each change (an outbox row per slot). The current and the previous one count; an older
  one gets a kind "it has changed" and is counted for the facilitator.
* A check-in written in the window but delivered late (weak signal) counts if it arrives
  within ``late_grace`` of the close; the message's own date tells when it was written.
* What looks doubtful (an old code tried, far from the place, very late) is noted on the
  mark as flags, for the facilitator's sign-off at the close; nothing is refused for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
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
from bot.attendance.flags import checkin_flags
from bot.attendance.rotation import (
    Match,
    Rotation,
    checkin_payload,
    new_checkin_secret,
    normalise_code,
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


def _moment(window: Window, written: datetime, now: datetime) -> datetime:
    """When her check-in counts as made: when it was written if that was inside the window
    (a late delivery), else when it arrived. Its code is checked against that moment."""
    return written if window_state(window, written) is WindowState.OPEN else now


class CheckinResult(StrEnum):
    ASK_CODE = "ask_code"  # the window is open: type the code
    RECORDED = "recorded"
    ALREADY = "already"  # already marked present
    BY_FACILITATOR = "by_facilitator"  # her pendamping marked her; that stays
    WRONG = "wrong"
    OLD_CODE = "old_code"  # a code or link that has changed since (forwarded?)
    BAD_LINK = "bad_link"  # a check-in link that is not this meeting's (not counted)
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

    async def add_old_code(
        self,
        meeting_id: int,
        participant_id: int,
        now: datetime | None = ...,
        *,
        update_id: int | None = ...,
    ) -> int: ...

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
    ) -> tuple[AttendanceMark | None, int, int]: ...

    async def checkin_meeting(self, meeting_id: int) -> CheckinMeeting | None: ...

    async def ensure_checkin_code(self, meeting_id: int, code: str) -> str: ...

    async def group_meetings_between(
        self, group_id: int, first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]: ...

    async def mark_window_opened(self, meeting_id: int, now: datetime) -> None: ...

    async def old_code_counts(self, meeting_id: int) -> dict[int, int]: ...

    async def open_windows(
        self, earliest_start: datetime, latest_start: datetime
    ) -> list[CheckinMeeting]: ...

    async def phone_mates_checked_in(self, meeting_id: int, participant_id: int) -> int: ...

    async def record_self_checkin(
        self,
        meeting_id: int,
        participant_id: int,
        written_at: datetime,
        now: datetime,
        *,
        via: str = ...,
        flags: Sequence[str] = ...,
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
        found, window, wrong, _old = admitted
        if found.checkin_code is None:  # the tick has not got to it yet: open it now
            await self._open(found, await self._group(found.meeting.group_id), now)
        return Checkin(
            CheckinResult.ASK_CODE, found.meeting, window, self._rules.max_wrong_codes - wrong
        )

    async def _admit(
        self, participant: Participant, meeting_id: int | None, written: datetime, now: datetime
    ) -> tuple[CheckinMeeting, Window, int, int] | Checkin:
        """The meeting she checks in for, its window, her wrong and her old codes so far;
        or why she cannot check in now."""
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
    ) -> tuple[Window, int, int] | Checkin:
        """Whether she may check in now: the window, her wrong and old codes so far."""
        meeting = cm.meeting
        window = self.window(meeting)
        state = checkin_state(window, written, now, self._rules.late_grace)
        if state is WindowState.BEFORE:
            return Checkin(CheckinResult.NOT_OPEN, meeting, window)
        if state is WindowState.CLOSED:
            return Checkin(CheckinResult.CLOSED, meeting, window)
        mark, wrong, old = await self._checkin_db.checkin_gate(meeting.id, participant.id)
        if mark is not None and mark.status == PRESENT:
            return Checkin(CheckinResult.ALREADY, meeting, window)
        if mark is not None and mark.source == "facilitator":
            return Checkin(CheckinResult.BY_FACILITATOR, meeting, window)
        if wrong >= self._rules.max_wrong_codes:
            return Checkin(CheckinResult.BLOCKED, meeting, window)
        return window, wrong, old

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
        cm, window, wrong, old = admitted
        meeting, limit = cm.meeting, self._rules.max_wrong_codes
        code = normalise_code(typed)
        if code is None:
            return Checkin(CheckinResult.FORMAT, meeting, window, limit - wrong)
        if cm.checkin_code is None:  # the tick has not got to it yet: open it now
            await self._open(cm, await self._group(meeting.group_id), now)
            cm = await self._checkin_db.checkin_meeting(meeting.id) or cm
        match = self.rotation(cm).match_code(code, _moment(window, written, now))
        if match is Match.OLD:
            await self._checkin_db.add_old_code(
                meeting.id, participant.id, now, update_id=update_id
            )
            return Checkin(CheckinResult.OLD_CODE, meeting, window, limit - wrong)
        if match is Match.NONE:
            wrong = await self._checkin_db.add_wrong_code(
                meeting.id, participant.id, now, update_id=update_id
            )
            if wrong >= limit:
                return Checkin(CheckinResult.BLOCKED, meeting, window)
            return Checkin(CheckinResult.WRONG, meeting, window, limit - wrong)
        return await self._record(cm, participant, window, written, now, "code", old)

    async def checkin_by_link(
        self,
        participant: Participant,
        meeting_id: int,
        token: str,
        written: datetime,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> Checkin:
        """She opened the deep link of the QR code (``/start c_<meeting>_<token>``): one
        tap checks her in. Opened again, it says "already recorded"; an old link (it has
        changed since) gets the kind answer and is counted like an old code."""
        written = min(written, now)
        admitted = await self._admit(participant, meeting_id, written, now)
        if isinstance(admitted, Checkin):
            return admitted
        cm, window, _wrong, old = admitted
        meeting = cm.meeting
        if cm.checkin_code is None:  # the tick has not got to it yet: open it now
            await self._open(cm, await self._group(meeting.group_id), now)
            cm = await self._checkin_db.checkin_meeting(meeting.id) or cm
        match = self.rotation(cm).match_token(token, _moment(window, written, now))
        if match is Match.OLD:
            await self._checkin_db.add_old_code(
                meeting.id, participant.id, now, update_id=update_id
            )
            return Checkin(CheckinResult.OLD_CODE, meeting, window)
        if match is Match.NONE:
            return Checkin(CheckinResult.BAD_LINK, meeting, window)
        return await self._record(cm, participant, window, written, now, "link", old)

    async def _record(
        self,
        cm: CheckinMeeting,
        participant: Participant,
        window: Window,
        written: datetime,
        now: datetime,
        via: str,
        old: int,
    ) -> Checkin:
        """Record her check-in (``old``: the changed codes or links she tried before)."""
        meeting = cm.meeting
        at = _moment(window, written, now)
        flags = checkin_flags(
            old_codes=old,
            written=at,
            starts_at=meeting.starts_at,
            very_late_after=self._rules.very_late_after,
            phone_mates=await self._checkin_db.phone_mates_checked_in(meeting.id, participant.id),
        )
        outcome = await self._checkin_db.record_self_checkin(
            meeting.id, participant.id, at, now, via=via, flags=flags
        )
        if outcome == "already":
            return Checkin(CheckinResult.ALREADY, meeting, window)
        if outcome == "facilitator":
            return Checkin(CheckinResult.BY_FACILITATOR, meeting, window)
        if meeting.status == "held":  # a late check-in after the close: alerts may change
            await self._review(participant, now)
        return Checkin(CheckinResult.RECORDED, meeting, window)

    def rotation(self, cm: CheckinMeeting) -> Rotation:
        """The changing codes of an opened meeting (its secret is made when it opens)."""
        assert cm.checkin_code is not None, "the window is not open"
        return Rotation(cm.checkin_code, self.window(cm.meeting).opens, self._rules.code_every)

    async def current_code(self, meeting_id: int, now: datetime) -> str | None:
        """The code shown now for an opened meeting (None: not opened)."""
        cm = await self._checkin_db.checkin_meeting(meeting_id)
        if cm is None or cm.checkin_code is None:
            return None
        return self.rotation(cm).code(now)

    def _code_panel(
        self, cm: CheckinMeeting, group: Group, chat: int, now: datetime, old_tries: int = 0
    ) -> NewMessage:
        """The facilitator's check-in message for the slot of ``now``: the code, its QR code
        (the deep link) and when they change. Slot 0 (or the slot the window opened in) is
        the message; every later slot edits it in place (``edit_of``), and is not sent once
        its slot is over, so edits never pile up."""
        meeting = cm.meeting
        rotation = self.rotation(cm)
        slot = rotation.slot(now)
        window = self.window(meeting)
        t, tz = self._catalog.t, group.timezone
        text = t(
            "attendance.code_for_facilitator",
            group=group.name,
            when=self.when(meeting, group),
            topic=self.topic(meeting.session_id),
            code=rotation.code(now),
            closes=self._catalog.time(window.closes, tz),
        )
        change = rotation.next_change(now)
        if change is not None and change < window.closes:
            text += "\n" + t(
                "attendance.code_changes",
                minutes=int(self._rules.code_every.total_seconds() // 60),
                next=self._catalog.time(change, tz),
            )
        if old_tries:
            text += "\n" + t("attendance.code_old_tries", count=old_tries)
        base = f"checkin_code:{meeting.id}:v{meeting.version}"
        first = cm.window_opened_at is None or rotation.slot(cm.window_opened_at) == slot
        return NewMessage(
            key=base if first else f"{base}:s{slot}",
            chat_id=chat,
            participant_id=None,
            kind="checkin_code",
            text=text,
            buttons=[[(t("attendance.button_mark"), MARK_SCREEN_NEW.data(meeting.id, 0))]],
            not_before=now,
            useful_until=None if first else change,
            qr=checkin_payload(meeting.id, rotation.secret, slot),
            edit_of=None if first else base,
        )

    async def _rotate(self, now: datetime) -> int:
        """The tick's step for changing codes: each open window whose code has changed since
        its message gets one edit per slot (the key holds the slot: enqueued once)."""
        if self._rules.code_every <= timedelta(0):
            return 0
        rules = self._rules
        earliest = now - rules.meeting_length - rules.close_after
        messages: list[NewMessage] = []
        edited: dict[int, tuple[int, int]] = {}
        for cm in await self._checkin_db.open_windows(earliest, now + rules.open_before):
            window = self.window(cm.meeting)
            if window_state(window, now) is not WindowState.OPEN:
                continue
            rotation = self.rotation(cm)
            opened = cm.window_opened_at or window.opens
            slot = rotation.slot(now)
            if slot == rotation.slot(opened):
                continue
            # Queued by an earlier tick of this process: no queries, no insert. After a
            # restart the memory is empty and the unique key makes the insert a no-op.
            edited[cm.meeting.id] = (cm.meeting.version, slot)
            if self._rotated.get(cm.meeting.id) == edited[cm.meeting.id]:
                continue
            group = await self._group(cm.meeting.group_id)
            chat = await self._facilitator_chat(group)
            if chat is None:
                continue
            old = sum((await self._checkin_db.old_code_counts(cm.meeting.id)).values())
            messages.append(self._code_panel(cm, group, chat, now, old))
        queued = await self._enqueue(messages, now)
        self._rotated = edited  # only the windows open now: the memory stays small
        return queued

    async def _open(self, cm: CheckinMeeting, group: Group, now: datetime) -> int:
        """Make the secret (once), send the code and QR code to the facilitator and tell
        the members."""
        meeting = cm.meeting
        secret = await self._checkin_db.ensure_checkin_code(meeting.id, new_checkin_secret())
        cm = CheckinMeeting(meeting, secret, None, cm.finalized_at)
        messages: list[NewMessage] = []
        chat = await self._facilitator_chat(group)
        if chat is not None:
            messages.append(self._code_panel(cm, group, chat, now))
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
