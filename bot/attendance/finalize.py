"""Finalising a meeting: at the close unmarked members become ``excused`` (she answered
"Tidak bisa hadir") or ``absent``; the facilitator gets the numbers, members the module
summary, the leader the counts (marked late if the bot was down past the close, up to
``LATE_SUMMARY_LIMIT``), and each member's marks are checked against the absence policy
(bot/attendance/alerts.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.attendance.base import (
    STATUSES,
    AttendanceBase,
    BaseStore,
)
from bot.callbacks import COACH_SELFCHECK_OPEN, MARK_SCREEN_NEW, SIKS_RECORD, VOICE_AFTER
from bot.i18n import Html
from bot.materi import session_summary_text
from bot.schedule import shift_out_of_quiet
from db.attendance import (
    PRESENT,
    AttendanceMark,
    CheckinMeeting,
)
from db.meetings import Meeting
from db.models import Group, Participant
from db.outbox import NewMessage

if TYPE_CHECKING:
    from bot.voice import VoiceNote

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(hours=1)
"""A window the tick closes later than this (the bot was down) sends its messages with a
note that they are late (and not in the quiet hours of the group's night)."""
LATE_SUMMARY_LIMIT = timedelta(days=31)
"""Up to this long after the close the facilitator still gets the summary (her monthly
report needs it) and members the module summary (content, still worth reading), marked
late. Later than that the next monthly meeting has usually been held, the month's report
is done, and a message about it would only confuse: the meeting is finalized silently
(logged); the module stays in ``/materi`` and the marks in ``/rekap``."""


class FinalizeStore(BaseStore, Protocol):
    """The queries of finalising a meeting (``db/attendance.py``)."""

    async def finalize_marks(self, meeting_id: int, now: datetime) -> None: ...

    async def meeting_marks(self, meeting_id: int) -> list[tuple[Participant, AttendanceMark]]: ...

    async def participant(self, participant_id: int) -> Participant | None: ...

    async def set_finalized(self, meeting_id: int, now: datetime) -> None: ...


class Finalizing(AttendanceBase):
    """The close of a meeting and the messages after it."""

    _finalize_db: FinalizeStore

    async def _finalize(self, cm: CheckinMeeting, group: Group, now: datetime) -> int:
        """Attendance becomes final; messages go out; alerts are evaluated. Each step is
        idempotent, and ``finalized_at`` is set last: a crash repeats, never duplicates."""
        meeting = cm.meeting
        await self._finalize_db.finalize_marks(meeting.id, now)
        marks = await self._finalize_db.meeting_marks(meeting.id)
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
        await self._finalize_db.set_finalized(meeting.id, now)
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
            sign_off, sign_off_buttons = await self._sign_off_part(meeting.id)
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
                    )
                    + ("\n\n" + sign_off if sign_off else ""),
                    buttons=[
                        *sign_off_buttons,
                        [(t("attendance.button_correct"), MARK_SCREEN_NEW.data(meeting.id, 0))],
                        *self._record_button(meeting.session_id),
                        [(t("siks.button_record"), SIKS_RECORD.data(meeting.id))],
                        # issue 22: her one-tap self-check (handlers/coaching.py)
                        [(t("coach.button_selfcheck"), COACH_SELFCHECK_OPEN.data(meeting.id))],
                    ],
                    not_before=not_before,
                )
            )
        members = [
            (status, p)
            for status in STATUSES
            for p, _ in by_status[status]
            if p.telegram_id is not None and p.active and p.reachable
        ]
        voice = await self._voice_for(meeting, group, [p for _, p in members])
        for status, p in members:
            assert p.telegram_id is not None
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
            note, wants = voice
            if note is not None and p.id in wants:
                messages.append(
                    NewMessage(
                        key=f"att_voice:{meeting.id}:{p.id}",
                        chat_id=p.telegram_id,
                        participant_id=p.id,
                        kind="voice_summary",
                        text=self._voice_caption(meeting.session_id),
                        buttons=None,
                        not_before=not_before,
                        voice=note.ref,
                    )
                )
        leader = await self._finalize_db.participant(group.leader_id) if group.leader_id else None
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
                    buttons=self._record_button(meeting.session_id) or None,
                    not_before=not_before,
                )
            )
        return messages

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
            # "we missed you" is hers alone: on a shared phone, a closed envelope
            private=status != PRESENT,
        )

    async def _voice_for(
        self, meeting: Meeting, group: Group, members: Sequence[Participant]
    ) -> tuple[VoiceNote | None, set[int]]:
        """The session's voice note (the group's recording, else synthesized) and the
        members who chose voice for the summary; the note is the same for everyone (it
        says nothing about her attendance), so it is made and uploaded once."""
        if self.voice is None or not members:
            return None, set()
        choices = await self.voice.choices([p.id for p in members])
        wants = {pid for pid, choice in choices.items() if choice != "text"}
        if not wants:
            return None, set()
        return await self.voice.summary_note(group.id, meeting.session_id), wants

    def _record_button(self, session_id: str) -> list[list[tuple[str, str]]]:
        """ "🎙 Rekam ringkasan suara" for the facilitator and the leader after a meeting."""
        if self.voice is None or self._content.session(session_id) is None:
            return []
        return [[(self._catalog.t("voice.button_record"), VOICE_AFTER.data(session_id))]]

    def _voice_caption(self, session_id: str) -> str:
        session = self._content.session(session_id)
        if session is None:
            return ""
        return self._catalog.t("voice.summary_caption", number=session.number, title=session.title)

    def _summary(self, session_id: str) -> str:
        session = self._content.session(session_id)
        module = self._content.module_of(session) if session is not None else None
        if session is None or module is None:
            return self._catalog.t("attendance.summary_missing", topic=self.topic(session_id))
        return session_summary_text(self._catalog, session, module)
