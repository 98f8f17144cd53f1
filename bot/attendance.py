"""Attendance: check-in windows and codes, facilitator marks, finalizing a meeting,
the module summary afterwards, and absence alerts with follow-up.

No Telegram here (see DESIGN.md principle 4). The rules are pure functions at the top of
this module; :class:`Attendance` applies them to the database and puts every message in
the outbox with a unique key, so a repeated tick or a crash never sends anything twice.

The life of a meeting, as seen from here::

    scheduled --(tick at start - open_before: code made, sent to the facilitator)--> window open
    window open --(tick at start + length + close_after: marks made final)--> held, finalized

* Inside the window a member checks in with ``/hadir`` and the code. A check-in written in
  the window but delivered late (weak signal) counts if it arrives within ``late_grace`` of
  the close; the message's own date tells when it was written.
* The facilitator marks anyone (also members without a phone) with one button per member,
  during or after the meeting; each button carries the mark it sets (the next of hadir →
  izin → tidak hadir), so a press delivered twice is harmless; her mark wins over a self
  check-in; every change is logged.
* At the close unmarked members become ``excused`` (she answered "Tidak bisa hadir") or
  ``absent``; the facilitator gets the numbers, members the module summary, the leader the
  counts (marked late if the bot was down past the close, up to ``LATE_SUMMARY_LIMIT``),
  and each member's marks are checked against the absence policy.

Absence policy (:func:`evaluate`): an alert is raised when unexcused misses reach
``alert_in_a_row`` in a row (excused meetings neither count nor break the row; attending
does) or ``alert_m`` among the last ``alert_k`` meetings. One alert per crossing: while it
is open, new misses are added to it; it closes when she attends again (or after the home
visit); after it closes only later meetings count towards a new crossing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.auth import Actor, owns_group
from bot.config import AttendanceSettings, Settings
from bot.content import Library
from bot.crashpoints import crash_point
from bot.i18n import Catalog, Html
from bot.materi import session_summary_text
from bot.schedule import checkin_window, shift_out_of_quiet
from db import Database
from db.attendance import (
    ABSENT,
    EXCUSED,
    FACILITATOR,
    PRESENT,
    Alert,
    AlertAction,
    AttendanceMark,
    CheckinMeeting,
    MarkRow,
    PastMark,
)
from db.meetings import Meeting, RsvpAnswer
from db.models import Group, Participant
from db.outbox import NewMessage

log = logging.getLogger(__name__)

STATUSES = (PRESENT, EXCUSED, ABSENT)
STATUS_CODES = {PRESENT: "p", EXCUSED: "e", ABSENT: "a"}
"""A mark's short code in callback data."""
CODE_DIGITS = 4
NOTE_LIMIT = 200
ABSENCE = "absence"
UNREACHABLE = "unreachable"
ACTIONS = {"c": "contacted", "s": "visit_scheduled", "d": "visit_done"}
"""Follow-up actions by their short code in callback data."""
LATE_AFTER = timedelta(hours=1)
"""A window the tick closes later than this (the bot was down) sends its messages with a
note that they are late (and not in the quiet hours of the group's night)."""
LATE_SUMMARY_LIMIT = timedelta(days=31)
"""Up to this long after the close the facilitator still gets the summary (her monthly
report needs it) and members the module summary (content, still worth reading), marked
late. Later than that the next monthly meeting has usually been held, the month's report
is done, and a message about it would only confuse: the meeting is finalized silently
(logged); the module stays in ``/materi`` and the marks in ``/rekap``."""
RECENTLY_CLOSED = timedelta(days=1)
"""``/hadir`` this soon after a window closed says "closed" rather than "not open yet"."""
MARKABLE_FOR = timedelta(days=62)
"""How far back the facilitator's ``/kehadiran`` list reaches for corrections."""

# Callback data prefixes of buttons put in outbox messages (handled in handlers/attendance.py).
CHECKIN_BUTTON = "kh"  # kh:<meeting>: a member's "Absen hadir"
MARK_BUTTON = "kl"  # kl:<meeting>:<page>: the facilitator's marking screen
MARK_OPEN_BUTTON = "kln"  # kln:<meeting>:<page>: the same, as a new message (record stays)
FOLLOW_UP_BUTTON = "kf"  # kf:<alert>:<c|s|d>: a follow-up action on an alert
ALERT_BUTTON = "kv"  # kv:<alert>: one follow-up, opened from the /tindaklanjut list
ALERT_OPEN_BUTTON = "kvn"  # kvn:<alert>: the same from the close's digest, as a new message


# ------------------------------------------------------------------------ pure rules


class WindowState(StrEnum):
    BEFORE = "before"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime


def window_for(start: datetime, settings: AttendanceSettings) -> Window:
    opens, closes = checkin_window(
        start, settings.open_before, settings.meeting_length, settings.close_after
    )
    return Window(opens, closes)


def window_state(window: Window, now: datetime) -> WindowState:
    """Open at ``opens <= now < closes``."""
    if now < window.opens:
        return WindowState.BEFORE
    if now < window.closes:
        return WindowState.OPEN
    return WindowState.CLOSED


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


def next_status(current: str | None) -> str:
    """What the facilitator's button on a member sets: (none) → present → excused → absent
    → present → ... The button carries this target (``kt:<meeting>:<member>:<p|e|a>:...``)."""
    if current == PRESENT:
        return EXCUSED
    if current == EXCUSED:
        return ABSENT
    return PRESENT


def new_code() -> str:
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


# ------------------------------------------------------------------------ outcomes


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


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    participant: Participant
    group: Group
    done: tuple[str, ...] = ()
    """Follow-up actions recorded so far (contacted, visit_scheduled, visit_done)."""


@dataclass(frozen=True)
class FollowUp:
    view: AlertView
    action: AlertAction


class _Listeners(Protocol):
    listeners: list[Callable[[Sequence[int], datetime], Awaitable[None]]]
    reachable_listeners: list[Callable[[Participant, datetime], Awaitable[int]]]


# ------------------------------------------------------------------------ the service


class Attendance:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        content: Library,
        settings: Settings,
        on_enqueued: Callable[[], Awaitable[None] | None] | None = None,
        reachability: _Listeners | None = None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._content = content
        self._settings = settings
        self._rules = settings.attendance
        self._policy = Policy.of(settings.attendance)
        self._on_enqueued = on_enqueued
        if reachability is not None:
            reachability.listeners.append(self.became_unreachable)
            reachability.reachable_listeners.append(self.became_reachable)

    # -- small helpers ------------------------------------------------------------

    def window(self, meeting: Meeting) -> Window:
        return window_for(meeting.starts_at, self._rules)

    def when(self, meeting: Meeting, group: Group) -> str:
        return self._catalog.datetime(meeting.starts_at, group.timezone)

    def topic(self, session_id: str) -> str:
        session = self._content.session(session_id)
        if session is None:
            return session_id
        return self._catalog.t("meeting.topic", number=session.number, title=session.title)

    async def _enqueue(self, messages: Sequence[NewMessage], now: datetime) -> int:
        if not messages:
            return 0
        count = await self._db.enqueue(messages, now)
        if count and self._on_enqueued is not None:
            result = self._on_enqueued()
            if result is not None:
                await result
        return count

    async def _facilitator_chat(self, group: Group) -> int | None:
        facilitator = await self._db.facilitator(group.facilitator_id)
        return facilitator.telegram_id if facilitator is not None else None

    async def _group(self, group_id: int) -> Group:
        group = await self._db.group(group_id)
        if group is None:  # pragma: no cover - foreign keys
            raise LookupError(f"group {group_id}")
        return group

    # -- check-in by the member ---------------------------------------------------

    async def start_checkin(
        self,
        participant: Participant,
        meeting_id: int | None,
        written: datetime,
        now: datetime,
    ) -> Checkin:
        """``/hadir`` (no meeting given: the one whose window she is in) or her "Absen hadir"
        button (that meeting). Nothing is recorded; ASK_CODE means: ask for the code."""
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
        cm = await self._db.checkin_meeting(meeting_id)
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
        mark, wrong = await self._db.checkin_gate(meeting.id, participant.id)
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
        candidates = await self._db.group_meetings_between(
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
        upcoming = await self._db.upcoming_meetings([participant.group_id], now, 1)
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
            cm = await self._db.checkin_meeting(meeting.id) or cm
        if not code_matches(cm.checkin_code, code):
            wrong = await self._db.add_wrong_code(
                meeting.id, participant.id, now, update_id=update_id
            )
            if wrong >= limit:
                return Checkin(CheckinResult.BLOCKED, meeting, window)
            return Checkin(CheckinResult.WRONG, meeting, window, limit - wrong)
        at = written if window_state(window, written) is WindowState.OPEN else now
        outcome = await self._db.record_self_checkin(meeting.id, participant.id, at, now)
        if outcome == "already":
            return Checkin(CheckinResult.ALREADY, meeting, window)
        if outcome == "facilitator":
            return Checkin(CheckinResult.BY_FACILITATOR, meeting, window)
        if meeting.status == "held":  # a late check-in after the close: alerts may change
            await self._review(participant, now)
        return Checkin(CheckinResult.RECORDED, meeting, window)

    # -- marking by the facilitator -----------------------------------------------

    async def owned(self, actor: Actor, meeting_id: int) -> tuple[CheckinMeeting, Group] | None:
        cm = await self._db.checkin_meeting(meeting_id)
        if cm is None or cm.meeting.status == "cancelled":
            return None
        group = await self._db.group(cm.meeting.group_id)
        if group is None or not owns_group(actor, group):
            return None
        return cm, group

    async def marking(self, actor: Actor, meeting_id: int) -> MarkingView | None:
        found = await self.owned(actor, meeting_id)
        if found is None:
            return None
        cm, group = found
        rows = await self._db.marking_table(cm.meeting.id, group.id)
        excuses = {
            pid: answer
            for pid, answer in (await self._db.rsvp_answers(cm.meeting.id)).items()
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
        participant = await self._db.participant(participant_id)
        if participant is None or participant.group_id != group.id:
            return Toggle(ToggleResult.NOT_YOURS)
        current = await self._db.attendance_mark(cm.meeting.id, participant.id)
        if current is None and not participant.active:
            return Toggle(ToggleResult.NOT_YOURS)
        if current is None or current.status != status or current.source != FACILITATOR:
            await self._db.set_mark(
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
        groups = {s.group.id: s.group for s in await self._db.groups_of(actor.facilitator.id)}
        meetings = await self._db.markable_meetings(
            list(groups), now - MARKABLE_FOR, now + self._rules.open_before
        )
        return [
            (cm, groups[cm.meeting.group_id])
            for cm in meetings
            if window_state(self.window(cm.meeting), now) is not WindowState.BEFORE
        ]

    # -- the clock tick -------------------------------------------------------------

    async def tick(self, now: datetime) -> int:
        """Open due check-in windows, finalize closed ones, raise and re-raise alerts.
        Returns how many outbox rows were queued."""
        rules = self._rules
        queued = 0
        for cm in await self._db.meetings_to_open(now + rules.open_before):
            if window_state(self.window(cm.meeting), now) is WindowState.OPEN:
                queued += await self._open(cm, await self._group(cm.meeting.group_id), now)
        cutoff = now - rules.meeting_length - rules.close_after
        for cm in await self._db.meetings_to_finalize(cutoff):
            queued += await self._finalize(cm, await self._group(cm.meeting.group_id), now)
        for alert, reason in await self._db.alerts_resolved():
            queued += await self._close(alert, reason, now)
        for alert in await self._db.alerts_to_remind(now - rules.alert_remind_after):
            queued += await self._remind(alert, now)
        return queued

    async def _open(self, cm: CheckinMeeting, group: Group, now: datetime) -> int:
        """Make the code (once), send it to the facilitator and tell the members."""
        meeting = cm.meeting
        code = await self._db.ensure_checkin_code(meeting.id, new_code())
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
                                f"{MARK_OPEN_BUTTON}:{meeting.id}:0",
                            )
                        ]
                    ],
                    not_before=now,
                )
            )
        for row in await self._db.rsvp_table(meeting.id, group.id):
            p = row.participant
            if row.answer == "no" or p.telegram_id is None or not p.reachable:
                continue
            messages.append(self._checkin_invitation(meeting, group, p, p.telegram_id, now))
        queued = await self._enqueue(messages, now)
        await self._db.mark_window_opened(meeting.id, now)
        return queued

    def _checkin_invitation(
        self, meeting: Meeting, group: Group, p: Participant, chat: int, now: datetime
    ) -> NewMessage:
        """A member's "the check-in is open" message with its "Absen hadir" button."""
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
            buttons=[
                [(self._catalog.t("attendance.button_checkin"), f"{CHECKIN_BUTTON}:{meeting.id}")]
            ],
            not_before=now,
            useful_until=self.window(meeting).closes,
        )

    def _module_summary(
        self,
        meeting: Meeting,
        group: Group,
        p: Participant,
        chat: int,
        status: str,
        now: datetime,
        *,
        first: str = "",
        not_before: datetime | None = None,
    ) -> NewMessage:
        """A member's message after the meeting: thanks / we missed you, and the module."""
        return NewMessage(
            key=f"att_after:{meeting.id}:{p.id}",
            chat_id=chat,
            participant_id=p.id,
            kind="attendance_after",
            text=first
            + self._catalog.t(
                f"attendance.after_{status}",
                name=p.name,
                sapaan=self._catalog.address(p.address),
                when=self.when(meeting, group),
                summary=Html(self._summary(meeting.session_id)),
            ),
            buttons=None,
            not_before=not_before or now,
        )

    async def became_reachable(self, participant: Participant, now: datetime) -> int:
        """A :class:`~bot.reachability.Reachability` listener: an update came from her, so
        the bot can reach her again. Her "cannot be reached" follow-up is closed (with a
        note to her facilitator), and what she missed meanwhile and is still relevant is
        offered again: the invitation of a check-in window open now, and the module summary
        of her group's latest meeting if it closed at most :data:`LATE_SUMMARY_LIMIT` ago.
        Reminders are not: their moment has passed, the next one reaches her as usual.
        Offering what she already got is a no-op (``Database.enqueue_again``)."""
        queued = 0
        alert = await self._db.open_alert(participant.id, UNREACHABLE)
        if alert is not None:
            queued += await self._close(alert, "reachable", now)
        chat = participant.telegram_id
        if chat is None or not participant.active:
            return queued
        group = await self._group(participant.group_id)
        rules = self._rules
        messages: list[NewMessage] = []
        for cm in await self._db.group_meetings_between(
            group.id, now - rules.meeting_length - rules.close_after, now + rules.open_before
        ):
            opened = cm.checkin_code is not None
            if opened and window_state(self.window(cm.meeting), now) is WindowState.OPEN:
                messages.append(
                    self._checkin_invitation(cm.meeting, group, participant, chat, now)
                )
        past = await self._db.past_marks(participant.id, limit=1)
        if past:
            mark = past[-1]
            late = now - self.window(mark.meeting).closes
            if late <= LATE_SUMMARY_LIMIT:
                first = ""
                if late > LATE_AFTER:
                    when = self.when(mark.meeting, group)
                    first = self._catalog.t("attendance.late_note", when=when) + "\n\n"
                messages.append(
                    self._module_summary(
                        mark.meeting, group, participant, chat, mark.status, now, first=first
                    )
                )
        if messages:
            count = await self._db.enqueue_again(messages, now)
            if count and self._on_enqueued is not None:
                result = self._on_enqueued()
                if result is not None:
                    await result
            queued += count
        return queued

    async def _finalize(self, cm: CheckinMeeting, group: Group, now: datetime) -> int:
        """Attendance becomes final; messages go out; alerts are evaluated. Each step is
        idempotent, and ``finalized_at`` is set last: a crash repeats, never duplicates."""
        meeting = cm.meeting
        await self._db.finalize_marks(meeting.id, now)
        marks = await self._db.meeting_marks(meeting.id)
        queued = 0
        late = now - self.window(meeting).closes
        if late <= LATE_SUMMARY_LIMIT:
            messages = await self._after_meeting_messages(
                meeting, group, marks, now, late=late > LATE_AFTER
            )
            queued += await self._enqueue(messages, now)
            if late > LATE_AFTER:
                log.info(
                    "attendance: meeting %d finalized late; summaries marked late", meeting.id
                )
        else:
            log.info(
                "attendance: meeting %d finalized more than %d days late, without messages",
                meeting.id,
                LATE_SUMMARY_LIMIT.days,
            )
        digest: list[int] = []
        for participant, _ in marks:
            queued += await self._review(participant, now, trigger=meeting.id, digest=digest)
        queued += await self._digest(meeting, group, digest, now)
        await self._db.set_finalized(meeting.id, now)
        return queued

    async def _after_meeting_messages(
        self,
        meeting: Meeting,
        group: Group,
        marks: Sequence[tuple[Participant, AttendanceMark]],
        now: datetime,
        *,
        late: bool = False,
    ) -> list[NewMessage]:
        """The facilitator's summary, each member's module summary, the leader's counts.
        ``late``: each says first that it is late, and none goes out in the quiet hours."""
        t = self._catalog.t
        when = self.when(meeting, group)
        first, not_before = "", now
        if late:
            quiet = self._settings.schedule
            first = t("attendance.late_note", when=when) + "\n\n"
            not_before = shift_out_of_quiet(
                now, group.timezone, quiet.quiet_start, quiet.quiet_end
            )
        by_status: dict[str, list[tuple[Participant, str | None]]] = {s: [] for s in STATUSES}
        for participant, mark in marks:
            by_status[mark.status].append((participant, mark.reason))
        total = sum(len(v) for v in by_status.values())
        present, excused, absent = (by_status[s] for s in STATUSES)
        nobody = t("attendance.nobody")
        messages: list[NewMessage] = []
        chat = await self._facilitator_chat(group)
        if chat is not None:
            excused_names = ", ".join(
                t("attendance.excused_item", name=p.name, reason=self._reason(reason))
                for p, reason in excused
            )
            messages.append(
                NewMessage(
                    key=f"att_summary:{meeting.id}",
                    chat_id=chat,
                    participant_id=None,
                    kind="attendance_summary",
                    text=first
                    + t(
                        "attendance.summary_facilitator",
                        group=group.name,
                        when=when,
                        topic=self.topic(meeting.session_id),
                        present=len(present),
                        total=total,
                        excused_count=len(excused),
                        excused=excused_names or nobody,
                        absent_count=len(absent),
                        absent=", ".join(p.name for p, _ in absent) or nobody,
                    ),
                    buttons=[
                        [(t("attendance.button_correct"), f"{MARK_OPEN_BUTTON}:{meeting.id}:0")]
                    ],
                    not_before=not_before,
                )
            )
        for status in STATUSES:
            for p, _ in by_status[status]:
                if p.telegram_id is None or not p.active or not p.reachable:
                    continue
                messages.append(
                    self._module_summary(
                        meeting,
                        group,
                        p,
                        p.telegram_id,
                        status,
                        now,
                        first=first,
                        not_before=not_before,
                    )
                )
        leader = await self._db.participant(group.leader_id) if group.leader_id else None
        if leader is not None and leader.telegram_id is not None and leader.active:
            messages.append(
                NewMessage(
                    key=f"att_leader:{meeting.id}",
                    chat_id=leader.telegram_id,
                    participant_id=leader.id,
                    kind="attendance_leader",
                    text=first
                    + t(
                        "attendance.leader_counts",
                        name=leader.name,
                        sapaan=self._catalog.address(leader.address),
                        group=group.name,
                        when=when,
                        present=len(present),
                        total=total,
                        excused=len(excused),
                        absent=len(absent),
                    ),
                    buttons=None,
                    not_before=not_before,
                )
            )
        return messages

    def _summary(self, session_id: str) -> str:
        session = self._content.session(session_id)
        module = self._content.module_of(session) if session is not None else None
        if session is None or module is None:
            return self._catalog.t("attendance.summary_missing", topic=self.topic(session_id))
        return session_summary_text(self._catalog, session, module)

    def _reason(self, reason: str | None) -> str:
        key = f"reason.{reason or 'lainnya'}"
        return self._catalog.t(key if self._catalog.has(key) else "reason.lainnya")

    # -- absence alerts ---------------------------------------------------------------

    async def _review(
        self,
        participant: Participant,
        now: datetime,
        *,
        trigger: int | None = None,
        corrected: bool = False,
        digest: list[int] | None = None,
    ) -> int:
        """Apply the absence policy to her marks: raise, extend or close her alert.
        ``trigger``: the meeting being finalized (its alert message is queued again, which
        is a no-op unless a crash lost it); ``corrected``: the facilitator changed a mark;
        ``digest``: collect the alert to tell about here instead of sending it alone."""
        if not participant.active:
            return 0
        current = await self._db.open_alert(participant.id, ABSENCE)
        since = await self._db.last_alert_closed_at(participant.id, ABSENCE)
        past = await self._db.past_marks(participant.id, after=since)
        crossing = evaluate([Mark(m.meeting.id, m.status) for m in past], self._policy)
        if current is not None:
            if crossing is None:
                return await self._close(current, "attended", now, past, corrected=corrected)
            if crossing.missed != current.missed:
                await self._db.set_alert_missed(current.id, crossing.missed)
            if current.trigger_meeting_id == trigger:
                if digest is not None:
                    digest.append(current.id)
                    return 0
                return await self._notify_alert(current.id, now)
            return 0
        if crossing is None:
            return 0
        alert = await self._db.create_alert(
            participant.id,
            participant.group_id,
            ABSENCE,
            crossing.trigger,
            crossing.missed,
            now,
        )
        if alert is not None and digest is not None:
            digest.append(alert.id)
            return 0
        return await self._notify_alert(alert.id, now) if alert is not None else 0

    async def _digest(
        self, meeting: Meeting, group: Group, alert_ids: Sequence[int], now: datetime
    ) -> int:
        """One message for the alerts raised at a meeting's close: one line per mother,
        a button each to open her follow-up. Keyed by the meeting: a crash repeats nothing."""
        chat = await self._facilitator_chat(group)
        views = [v for v in [await self._view(a) for a in alert_ids] if v is not None]
        if chat is None or not views:
            return 0
        t = self._catalog.t
        lines = "\n".join(
            t(
                "attendance.digest_item",
                name=v.participant.name,
                count=len(v.alert.missed),
                phone=v.participant.phone or t("attendance.digest_no_phone"),
            )
            for v in views
        )
        text = t(
            "attendance.digest",
            group=group.name,
            when=self.when(meeting, group),
            count=len(views),
            items=Html(lines),
        )
        buttons = [
            [
                (
                    t("attendance.digest_button", name=v.participant.name),
                    f"{ALERT_OPEN_BUTTON}:{v.alert.id}",
                )
            ]
            for v in views
        ]
        return await self._enqueue(
            [
                NewMessage(
                    key=f"alert_digest:{meeting.id}",
                    chat_id=chat,
                    participant_id=None,
                    kind="alert_digest",
                    text=text,
                    buttons=buttons,
                    not_before=now,
                )
            ],
            now,
        )

    async def became_unreachable(self, participant_ids: Sequence[int], now: datetime) -> None:
        """A :class:`~bot.reachability.Reachability` listener: she blocked the bot, so her
        facilitator gets a follow-up (one open at a time), closed when she is reachable
        again or after the home visit."""
        queued = 0
        for participant_id in participant_ids:
            participant = await self._db.participant(participant_id)
            if participant is None or not participant.active or participant.reachable:
                continue
            alert = await self._db.create_alert(
                participant.id, participant.group_id, UNREACHABLE, None, (), now
            )
            if alert is not None:
                queued += await self._notify_alert(alert.id, now)
        if queued:
            log.info("attendance: %d unreachable follow-ups raised", queued)

    async def _notify_alert(self, alert_id: int, now: datetime, *, reminder: bool = False) -> int:
        view = await self._view(alert_id)
        if view is None:
            return 0
        chat = await self._facilitator_chat(view.group)
        if chat is None:
            return 0
        text = await self.alert_text(view)
        if reminder:
            text = self._catalog.t(
                "attendance.alert_reminder",
                opened=self._catalog.short_date(view.alert.opened_at, view.group.timezone),
                alert=Html(text),
            )
        prefix = "alert_remind" if reminder else "alert"
        return await self._enqueue(
            [
                NewMessage(
                    key=f"{prefix}:{alert_id}",
                    chat_id=chat,
                    participant_id=None,
                    kind=prefix,
                    text=text,
                    buttons=self.follow_up_buttons(alert_id),
                    not_before=now,
                )
            ],
            now,
        )

    def follow_up_buttons(self, alert_id: int) -> list[list[tuple[str, str]]]:
        t = self._catalog.t
        return [
            [(t(f"attendance.button_{name}"), f"{FOLLOW_UP_BUTTON}:{alert_id}:{short}")]
            for short, name in ACTIONS.items()
        ]

    async def _remind(self, alert: Alert, now: datetime) -> int:
        queued = await self._notify_alert(alert.id, now, reminder=True)
        await self._db.set_alert_reminded(alert.id, now)
        return queued

    async def _close(
        self,
        alert: Alert,
        reason: str,
        now: datetime,
        past: Sequence[PastMark] = (),
        *,
        corrected: bool = False,
    ) -> int:
        """Close an alert by itself (she attended, is reachable again, or left) and tell
        her facilitator, kindly."""
        if not await self._db.close_alert(alert.id, reason, now):
            return 0
        if reason == "left":
            return 0
        view = await self._view(alert.id)
        chat = await self._facilitator_chat(view.group) if view is not None else None
        if view is None or chat is None:
            return 0
        name, group = view.participant.name, view.group.name
        sapaan = self._catalog.address(view.participant.address)
        if reason == "reachable":
            text = self._catalog.t(
                "attendance.alert_reachable", name=name, group=group, sapaan=sapaan
            )
        elif past and past[-1].status == PRESENT and not corrected:
            text = self._catalog.t(
                "attendance.alert_back",
                name=name,
                group=group,
                when=self.when(past[-1].meeting, view.group),
                sapaan=sapaan,
            )
        else:
            text = self._catalog.t(
                "attendance.alert_corrected", name=name, group=group, sapaan=sapaan
            )
        return await self._enqueue(
            [
                NewMessage(
                    key=f"alert_closed:{alert.id}",
                    chat_id=chat,
                    participant_id=None,
                    kind="alert_closed",
                    text=text,
                    buttons=None,
                    not_before=now,
                )
            ],
            now,
        )

    async def _view(self, alert_id: int) -> AlertView | None:
        alert = await self._db.alert(alert_id)
        if alert is None:
            return None
        participant = await self._db.participant(alert.participant_id)
        group = await self._db.group(alert.group_id)
        if participant is None or group is None:
            return None
        return AlertView(alert, participant, group)

    async def alert_text(self, view: AlertView, *, with_actions: bool = False) -> str:
        """The alert as the facilitator reads it: who, which meetings, what is known."""
        t, catalog = self._catalog.t, self._catalog
        alert, participant, group = view.alert, view.participant, view.group
        tz = group.timezone
        phone = (
            t("attendance.alert_phone", phone=participant.phone)
            if participant.phone
            else t("attendance.alert_no_phone")
        )
        if alert.kind == UNREACHABLE:
            text = t(
                "attendance.alert_unreachable",
                name=participant.name,
                sapaan=catalog.address(participant.address),
                group=group.name,
                since=catalog.short_date(alert.opened_at, tz),
                phone=phone,
            )
        else:
            missed = await self._db.meetings_by_ids(alert.missed)
            first = missed[0].starts_at if missed else alert.opened_at
            excuses = [
                t(
                    "attendance.alert_excuse_item",
                    date=catalog.short_date(m.meeting.starts_at, tz),
                    reason=self._reason(m.reason),
                )
                for m in await self._db.past_marks(participant.id)
                if m.status == EXCUSED and m.meeting.starts_at >= first
            ]
            last = await self._db.last_present(participant.id)
            text = t(
                "attendance.alert_absence",
                name=participant.name,
                sapaan=catalog.address(participant.address),
                group=group.name,
                missed=Html(
                    "\n".join(
                        t(
                            "attendance.alert_missed_item",
                            date=catalog.short_date(m.starts_at, tz),
                            topic=self.topic(m.session_id),
                        )
                        for m in missed
                    )
                ),
                last=(
                    catalog.short_date(last.starts_at, tz)
                    if last is not None
                    else t("attendance.alert_last_never")
                ),
                excuses=", ".join(excuses) or t("attendance.alert_no_excuses"),
                phone=phone,
            )
        if with_actions:
            actions = await self._db.alert_actions(alert.id)
            if actions:
                items = "\n".join(
                    t(
                        "attendance.alert_action_item",
                        date=catalog.short_date(a.at, tz),
                        action=t(f"attendance.action_{a.action}"),
                    )
                    + (t("attendance.alert_action_note", note=a.note) if a.note else "")
                    for a in actions
                )
                text += "\n\n" + t("attendance.alert_actions", items=Html(items))
        return text

    # -- follow-up by the facilitator ----------------------------------------------

    async def owned_alert(self, actor: Actor, alert_id: int) -> AlertView | None:
        view = await self._view(alert_id)
        if view is None or not owns_group(actor, view.group):
            return None
        return view

    async def open_alerts(self, actor: Actor) -> list[AlertView]:
        if actor.facilitator is None:
            return []
        groups = {s.group.id: s.group for s in await self._db.groups_of(actor.facilitator.id)}
        views = []
        alerts = await self._db.open_alerts_of_groups(list(groups))
        done = await self._db.actions_done([a.id for a in alerts])
        for alert in alerts:
            participant = await self._db.participant(alert.participant_id)
            if participant is not None:
                views.append(
                    AlertView(
                        alert, participant, groups[alert.group_id], tuple(done.get(alert.id, ()))
                    )
                )
        return views

    async def follow_up(
        self,
        actor: Actor,
        alert_id: int,
        short: str,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> FollowUp | None:
        """Record a follow-up action on an open alert of hers; "visit done" closes it.
        None when the alert is not hers, closed already, or the action unknown. Recorded
        with ``update_id``: the same press delivered again records nothing more."""
        action = ACTIONS.get(short)
        view = await self.owned_alert(actor, alert_id)
        if action is None or view is None or actor.facilitator is None:
            return None
        action_id = await self._db.add_alert_action(
            alert_id,
            action,
            actor.facilitator.id,
            now,
            close_reason="visit_done" if action == "visit_done" else None,
            update_id=update_id,
        )
        if action_id is None:
            return None
        crash_point("followup-recorded")
        recorded = await self._db.alert_action(action_id)
        assert recorded is not None
        return FollowUp(view, recorded)

    async def add_note(self, actor: Actor, action_id: int, note: str) -> AlertAction | None:
        """Her short note on an action she recorded; None if it is not hers."""
        action = await self._db.alert_action(action_id)
        if action is None or actor.facilitator is None:
            return None
        if action.by_facilitator_id != actor.facilitator.id:
            return None
        if await self.owned_alert(actor, action.alert_id) is None:
            return None
        await self._db.set_action_note(action_id, note)
        return await self._db.alert_action(action_id)

    # -- her own history --------------------------------------------------------------

    async def history(self, participant: Participant, limit: int = 12) -> list[PastMark]:
        """Her marks in held meetings, newest first."""
        marks = await self._db.past_marks(participant.id, limit=limit)
        return list(reversed(marks))


def clean_note(text: str) -> str | None:
    """A short note: trimmed, spaces folded, 1..NOTE_LIMIT characters, no command."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > NOTE_LIMIT or cleaned.startswith("/"):
        return None
    return cleaned
