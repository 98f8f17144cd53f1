"""Attendance: check-in windows and codes, facilitator marks, finalizing a meeting,
the module summary afterwards, and absence alerts with follow-up.

No Telegram here (docs/DECISIONS.md, "Services never import telegram"). One feature, one
module: ``checkin.py`` (the code, the window), ``marking.py`` (the facilitator's marks),
``finalize.py`` (the close and the messages after it), ``alerts.py`` (absence alerts and
follow-ups); each holds its pure rules at the top. :class:`Attendance` joins them; every
message goes to the outbox with a unique key, so a repeated tick or a crash never sends
anything twice.

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

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.attendance.alert_rule import Crossing, Mark, Policy, evaluate
from bot.attendance.alerts import (
    ABSENCE,
    ACTIONS,
    NOTE_LIMIT,
    UNREACHABLE,
    AbsenceAlerts,
    AlertStore,
    AlertView,
    FollowUp,
    clean_note,
)
from bot.attendance.base import (
    STATUS_CODES,
    STATUSES,
    Listeners,
    Window,
    WindowState,
    window_for,
    window_state,
)
from bot.attendance.checkin import (
    RECENTLY_CLOSED,
    CheckIn,
    Checkin,
    CheckinResult,
    CheckInStore,
    checkin_state,
)
from bot.attendance.finalize import LATE_AFTER, LATE_SUMMARY_LIMIT, FinalizeStore, Finalizing
from bot.attendance.flags import Flag, checkin_flags
from bot.attendance.leader_marks import (
    LeaderMark,
    LeaderMarkResult,
    LeaderMarks,
    LeaderMarkStore,
    LeaderView,
)
from bot.attendance.marking import (
    MARKABLE_FOR,
    MarkingView,
    Toggle,
    ToggleResult,
    next_status,
)
from bot.attendance.rotation import (
    CHECKIN_PREFIX,
    CODE_DIGITS,
    Match,
    Rotation,
    code_matches,
    new_checkin_secret,
    normalise_code,
    parse_payload,
)
from bot.attendance.signoff import (
    SIGN_OFF_LIMIT,
    SignOff,
    SignOffOutcome,
    SignOffResult,
    SignOffStore,
)
from bot.attendance.where import Where, Whereabouts, WhereStore, distance_m
from bot.config import Settings
from bot.content import Library
from bot.i18n import Catalog
from db.alerts import Alert
from db.attendance import CheckinMeeting, PastMark
from db.models import Participant
from db.outbox import NewMessage

__all__ = [
    "ABSENCE",
    "ACTIONS",
    "CHECKIN_PREFIX",
    "CODE_DIGITS",
    "LATE_AFTER",
    "LATE_SUMMARY_LIMIT",
    "MARKABLE_FOR",
    "NOTE_LIMIT",
    "RECENTLY_CLOSED",
    "SIGN_OFF_LIMIT",
    "STATUSES",
    "STATUS_CODES",
    "UNREACHABLE",
    "AlertView",
    "Attendance",
    "Checkin",
    "CheckinResult",
    "Crossing",
    "Flag",
    "FollowUp",
    "LeaderMark",
    "LeaderMarkResult",
    "LeaderView",
    "Mark",
    "MarkingView",
    "Match",
    "Policy",
    "Rotation",
    "SignOffOutcome",
    "SignOffResult",
    "Toggle",
    "ToggleResult",
    "Whereabouts",
    "Window",
    "WindowState",
    "checkin_flags",
    "checkin_state",
    "clean_note",
    "code_matches",
    "distance_m",
    "evaluate",
    "new_checkin_secret",
    "next_status",
    "normalise_code",
    "parse_payload",
    "window_for",
    "window_state",
]


class AttendanceStore(
    CheckInStore, SignOffStore, FinalizeStore, AlertStore, WhereStore, LeaderMarkStore, Protocol
):
    """All the queries of the attendance features, plus those of the clock tick; the
    SQLite ``db.Database`` implements it."""

    async def alert_checks_done(self, upto: int) -> None: ...

    async def alerts_resolved(self) -> tuple[list[tuple[Alert, str]], int]: ...

    async def alerts_to_remind(self, opened_before: datetime) -> list[Alert]: ...

    async def enqueue_again(self, rows: Sequence[NewMessage], now: datetime) -> int: ...

    async def group_meetings_between(
        self, group_id: int, first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]: ...

    async def meetings_to_finalize(self, latest_start: datetime) -> list[CheckinMeeting]: ...

    async def meetings_to_open(self, latest_start: datetime) -> list[CheckinMeeting]: ...

    async def open_alert(self, participant_id: int, kind: str) -> Alert | None: ...

    async def past_marks(
        self, participant_id: int, after: datetime | None = ..., limit: int | None = ...
    ) -> list[PastMark]: ...


class Attendance(CheckIn, Where, SignOff, LeaderMarks, Finalizing, AbsenceAlerts):
    """The attendance service: its features live in bot/attendance/{checkin, marking,
    finalize, alerts}.py; this class joins them and runs the clock tick."""

    def __init__(
        self,
        db: AttendanceStore,
        catalog: Catalog,
        content: Library,
        settings: Settings,
        on_enqueued: Callable[[], Awaitable[None] | None] | None = None,
        reachability: Listeners | None = None,
    ) -> None:
        super().__init__(db, catalog, content, settings, on_enqueued)
        self._store = db
        self._checkin_db = db
        self._marking_db = db
        self._finalize_db = db
        self._alert_db = db
        self._where_db = db
        self._signoff_db = db
        self._leader_db = db
        self._policy = Policy.of(settings.attendance)
        if reachability is not None:
            reachability.listeners.append(self.became_unreachable)
            reachability.reachable_listeners.append(self.became_reachable)

    async def tick(self, now: datetime) -> int:
        """Open due check-in windows, finalize closed ones, raise and re-raise alerts.
        Returns how many outbox rows were queued."""
        rules = self._rules
        queued = 0
        for cm in await self._store.meetings_to_open(now + rules.open_before):
            if window_state(self.window(cm.meeting), now) is WindowState.OPEN:
                queued += await self._open(cm, await self._group(cm.meeting.group_id), now)
        queued += await self._rotate(now)
        cutoff = now - rules.meeting_length - rules.close_after
        for cm in await self._store.meetings_to_finalize(cutoff):
            queued += await self._finalize(cm, await self._group(cm.meeting.group_id), now)
        resolved, upto = await self._store.alerts_resolved()
        for alert, reason in resolved:
            queued += await self._close(alert, reason, now)
        await self._store.alert_checks_done(upto)
        for alert in await self._store.alerts_to_remind(now - rules.alert_remind_after):
            queued += await self._remind(alert, now)
        return queued

    async def became_reachable(self, participant: Participant, now: datetime) -> int:
        """A :class:`~bot.reachability.Reachability` listener: an update came from her, so
        the bot can reach her again. Her "cannot be reached" follow-up is closed (with a
        note to her facilitator), and what she missed meanwhile and is still relevant is
        offered again: the invitation of a check-in window open now, and the module summary
        of her group's latest meeting if it closed at most :data:`LATE_SUMMARY_LIMIT` ago.
        Reminders are not: their moment has passed, the next one reaches her as usual.
        Offering what she already got is a no-op (``Database.enqueue_again``)."""
        queued = 0
        alert = await self._store.open_alert(participant.id, UNREACHABLE)
        if alert is not None:
            queued += await self._close(alert, "reachable", now)
        chat = participant.telegram_id
        if chat is None or not participant.active:
            return queued
        group = await self._group(participant.group_id)
        rules = self._rules
        messages: list[NewMessage] = []
        for cm in await self._store.group_meetings_between(
            group.id, now - rules.meeting_length - rules.close_after, now + rules.open_before
        ):
            opened = cm.checkin_code is not None
            if opened and window_state(self.window(cm.meeting), now) is WindowState.OPEN:
                messages.append(
                    self._checkin_invitation(cm.meeting, group, participant, chat, now)
                )
        past = await self._store.past_marks(participant.id, limit=1)
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
            count = await self._store.enqueue_again(messages, now)
            if count and self._on_enqueued is not None:
                result = self._on_enqueued()
                if result is not None:
                    await result
            queued += count
        return queued
