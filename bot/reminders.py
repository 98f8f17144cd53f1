"""Reminders: the rule (which reminder of a meeting is due, which to skip for good) and
the service that queues them at the clock tick, worded for each mother's answer.

No Telegram here. The slots are the configured offsets before a meeting, shifted out of
the quiet hours (``bot/schedule.py``); each goes out at most once, never late (a stale
one is skipped and recorded). Queries: ``db/reminders.py``; texts: ``reminder.po``; the
buttons under a reminder (RSVP) are answered in ``handlers/reminders.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.callbacks import RSVP_NO, RSVP_YES
from bot.config import Settings
from bot.i18n import Catalog, Html
from bot.phones import by_phone
from bot.schedule import _require_aware, shift_out_of_quiet
from db.meetings import Meeting, RsvpAnswer
from db.models import Group, Participant
from db.outbox import NewMessage
from db.reminders import ReminderCandidate

if TYPE_CHECKING:
    from bot.voice import Voice


@dataclass(frozen=True)
class ReminderSlot:
    """One reminder of a meeting: its configured ``offset`` and when it is ``due``.

    ``due`` is the meeting start minus ``offset``, then shifted out of quiet hours.
    """

    offset: timedelta
    due: datetime


@dataclass(frozen=True)
class ReminderDecision:
    """What the tick should do now: send at most one slot, and record the skipped ones."""

    send: ReminderSlot | None
    skip: tuple[ReminderSlot, ...]


def reminder_slots(
    start: datetime,
    tz: str,
    offsets: Sequence[timedelta],
    quiet_start: time,
    quiet_end: time,
) -> list[ReminderSlot]:
    """The reminders of a meeting starting at ``start``, sorted by due time.

    Each offset gives ``start - offset`` shifted out of quiet hours. A slot whose
    shifted moment is at or after the start is dropped (no longer useful); when
    two slots land on the same moment only the one with the smaller offset (the
    later reminder, with the fresher wording) is kept.
    """
    _require_aware(start, "start")
    by_due: dict[datetime, ReminderSlot] = {}
    for offset in sorted(set(offsets)):
        due = shift_out_of_quiet(start - offset, tz, quiet_start, quiet_end)
        if due >= start or due in by_due:
            continue
        by_due[due] = ReminderSlot(offset=offset, due=due)
    return sorted(by_due.values(), key=lambda slot: (slot.due, -slot.offset))


def decide(
    slots: Sequence[ReminderSlot],
    sent_offsets: Collection[timedelta],
    start: datetime,
    now: datetime,
    stale_after: timedelta,
) -> ReminderDecision:
    """Which reminder to send now, and which to skip for good.

    ``sent_offsets`` holds the offsets already handled (sent, and preferably also
    skipped). Among the slots that are due (``due <= now``) only the latest one
    may be sent, and only if it is unsent, the meeting has not begun
    (``now < start``) and it is fresh (``now - due <= stale_after``). Every other
    due, unsent slot is skipped: never sent late, never sent twice. Slots not yet
    due are neither sent nor skipped.

    "Latest" is taken over all due slots, sent or not: if the latest due slot
    was already sent, an earlier one is skipped rather than sent out of order,
    even if an earlier skip was never recorded.
    """
    _require_aware(now, "now")
    due = sorted((s for s in slots if s.due <= now), key=lambda s: (s.due, -s.offset))
    if not due:
        return ReminderDecision(send=None, skip=())
    latest = due[-1]
    send: ReminderSlot | None = None
    if latest.offset not in sent_offsets and now < start and now - latest.due <= stale_after:
        send = latest
    skip = tuple(s for s in due if s is not send and s.offset not in sent_offsets)
    return ReminderDecision(send=send, skip=skip)


def next_due(
    slots: Sequence[ReminderSlot],
    sent_or_skipped_offsets: Collection[timedelta],
    now: datetime,
) -> datetime | None:
    """When :func:`decide` next has work for these slots.

    ``now`` if a slot is already due and not yet handled, else the due time of
    the earliest unhandled slot, or ``None`` when every slot is handled.
    """
    _require_aware(now, "now")
    pending = [s.due for s in slots if s.offset not in sent_or_skipped_offsets]
    if not pending:
        return None
    return max(min(pending), now)


@dataclass(frozen=True)
class TickReport:
    reminders_queued: int = 0
    slots_sent: int = 0
    slots_skipped: int = 0


class MeetingTexts(Protocol):
    """What a reminder borrows from :class:`bot.meetings.Meetings` to speak of a meeting."""

    def when(self, meeting: Meeting, group: Group) -> str: ...

    def topic(self, session_id: str) -> str: ...

    def reason_text(self, reason: str | None, note: str | None) -> str: ...


class ReminderStore(Protocol):
    """The queries :class:`Reminders` needs (``db/reminders.py``, ``db/meetings.py``,
    ``db/outbox.py`` implement them)."""

    async def reminder_candidates(self, now: datetime) -> list[ReminderCandidate]: ...

    async def record_slots(
        self,
        meeting_id: int,
        version: int,
        outcomes: Sequence[tuple[int, str]],
        now: datetime,
        next_reminder_at: datetime | None,
    ) -> None: ...

    async def reminder_recipients(self, group_id: int) -> list[Participant]: ...

    async def rsvp_answers(self, meeting_id: int) -> dict[int, RsvpAnswer]: ...

    async def enqueue(self, rows: Iterable[NewMessage], now: datetime) -> int: ...


log = logging.getLogger(__name__)

VOICE_NOTES_PER_TICK = 20
"""New spoken reminders synthesized in one tick at most (each is a group's own text, a few
tenths of a second of CPU): a district's reminders due at once do not hold the tick for
minutes; past the budget those groups get the text reminder only, this time."""


class Reminders:
    """Queues the reminders due at a tick (``Meetings.tick`` calls :meth:`tick`)."""

    def __init__(
        self,
        db: ReminderStore,
        catalog: Catalog,
        settings: Settings,
        texts: MeetingTexts,
        enqueued: Callable[[], Awaitable[None]],
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._settings = settings
        self._texts = texts
        self._enqueued = enqueued
        self.voice: Voice | None = None
        """Voice notes (set by the application): a short spoken reminder for members who
        chose voice for reminders too."""
        self.voice_budget = VOICE_NOTES_PER_TICK
        self._voice_made = 0

    async def tick(self, now: datetime) -> TickReport:
        """Queue the reminders that are due at ``now``; record skipped ones.

        Idempotent: the outbox key makes a repeated enqueue a no-op, and a slot
        recorded as sent or skipped is never considered again.
        """
        schedule = self._settings.schedule
        queued = sent = skipped = 0
        self._voice_made = 0
        for candidate in await self._db.reminder_candidates(now):
            meeting, group = candidate.meeting, candidate.group
            slots = reminder_slots(
                meeting.starts_at,
                group.timezone,
                schedule.reminder_offsets,
                schedule.quiet_start,
                schedule.quiet_end,
            )
            handled = {timedelta(minutes=m) for m in candidate.handled_minutes}
            decision = decide(slots, handled, meeting.starts_at, now, schedule.stale_after)
            outcomes = [(_minutes(s.offset), "skipped") for s in decision.skip]
            send = decision.send
            # Due late, in quiet hours (after downtime, or scheduled in the evening): the
            # outbox holds it to the morning; it is not sent when a later reminder or the
            # meeting itself comes first by then.
            send_at = shift_out_of_quiet(now, group.timezone, *self._quiet)
            if send is not None and any(
                s.due <= send_at
                for s in slots
                if s.due > now and s.offset not in handled and s is not send
            ):
                outcomes.append((_minutes(send.offset), "skipped"))
                skipped += 1
            elif send is not None and send_at < meeting.starts_at:
                queued += await self._enqueue_reminders(meeting, group, send.offset, now, send_at)
                outcomes.append((_minutes(send.offset), "sent"))
                sent += 1
            elif send is not None:
                outcomes.append((_minutes(send.offset), "skipped"))
                skipped += 1
            skipped += len(decision.skip)
            handled |= {timedelta(minutes=m) for m, _ in outcomes}
            upcoming = next_due(slots, handled, now)
            await self._db.record_slots(meeting.id, meeting.version, outcomes, now, upcoming)
        if queued:
            await self._enqueued()
        return TickReport(queued, sent, skipped)

    @property
    def _quiet(self) -> tuple[time, time]:
        return self._settings.schedule.quiet_start, self._settings.schedule.quiet_end

    async def _enqueue_reminders(
        self, meeting: Meeting, group: Group, offset: timedelta, now: datetime, send_at: datetime
    ) -> int:
        """The reminder for ``offset`` to every member; ``send_at``: when it goes out (now,
        or the end of the quiet hours), which the "N jam lagi" counts from."""
        recipients = await self._db.reminder_recipients(group.id)
        answers = await self._db.rsvp_answers(meeting.id)
        when = self._texts.when(meeting, group)
        topic = self._texts.topic(meeting.session_id)
        t = self._catalog.t
        ask = [
            [
                (t("reminder.button_yes"), RSVP_YES.data(meeting.id)),
                (t("reminder.button_no"), RSVP_NO.data(meeting.id)),
            ]
        ]
        minutes = _minutes(offset)
        lead = Html(self._lead(meeting.starts_at - send_at))
        base = f"reminder:{meeting.id}:v{meeting.version}"

        def message(p: Participant) -> NewMessage:
            answer = answers.get(p.id)
            values = {
                "name": p.name,
                "sapaan": self._catalog.address(p.address),
                "lead": lead,
                "when": when,
                "place": meeting.place,
                "topic": topic,
                "group": group.name,
            }
            key, text, buttons = f"{base}:{p.id}:{minutes}", t("reminder.text", **values), ask
            if answer is not None and answer.answer == "no":
                # She answered: no question again. Her excuse is acknowledged, and she is
                # offered once (one key per meeting time) to say she can come after all.
                key = f"{base}:{p.id}:excused"
                reason = self._texts.reason_text(answer.reason, answer.note)
                text = t("reminder.text_excused", reason=reason, **values)
                buttons = [[(t("reminder.button_can_come"), RSVP_YES.data(meeting.id))]]
            elif answer is not None:
                text = t("reminder.text_coming", **values)
                buttons = [[(t("reminder.button_cannot_come"), RSVP_NO.data(meeting.id))]]
            return NewMessage(
                key=key,
                chat_id=p.telegram_id or 0,
                participant_id=p.id,
                kind="reminder",
                text=text,
                buttons=buttons,
                not_before=now,
                useful_until=meeting.starts_at,
                # her excuse and its reason are hers: on a shared phone, a closed envelope
                private=key.endswith(":excused"),
            )

        def for_phone(people: list[Participant]) -> NewMessage:
            """One reminder for the people of a shared phone who have not answered yet,
            naming them all; each answers for herself ("Untuk siapa?")."""
            names = [f"{self._catalog.address(p.address)} {p.name}" for p in people]
            text = t(
                "phone.reminder_text",
                names=self._catalog.names(names),
                lead=lead,
                when=when,
                place=meeting.place,
                topic=topic,
                group=group.name,
            )
            return replace(message(people[0]), text=text, named=True)

        rows: list[NewMessage] = []
        for phone in by_phone(recipients):
            waiting = [p for p in phone if p.id not in answers]
            together = waiting if len(waiting) > 1 else []
            if together:
                rows.append(for_phone(together))
            rows.extend(message(p) for p in phone if p not in together)
        voice_for = {p.id for p in recipients if p.voice == "all"}
        listeners = [
            (row.participant_id, row)
            for row in rows
            if row.participant_id in voice_for and not row.key.endswith(":excused")
        ]
        if listeners and self.voice is not None:
            # Who, when, where: the same words for the whole group (nothing about her own
            # answers or absences), so the note is made and uploaded once per meeting time.
            script = t("voice.reminder_script", group=group.name, when=when, place=meeting.place)
            note = None
            made = self.voice.is_made(script)
            if made or self._voice_made < self.voice_budget:
                self._voice_made += 0 if made else 1
                note = await self.voice.synthesized(script)
            else:
                log.info(
                    "reminders: voice budget of this tick used; meeting %d text only", meeting.id
                )
            if note is not None:
                caption = t("voice.reminder_caption", group=group.name)
                rows.extend(
                    replace(
                        row,
                        key=f"{row.key}:voice",
                        kind="reminder_voice",
                        text=caption,
                        buttons=None,
                        voice=note.ref,
                    )
                    for _, row in listeners
                )
        return await self._db.enqueue(rows, now)

    def _lead(self, remaining: timedelta) -> str:
        """How long until the meeting, e.g. "3 hari lagi": the time actually left."""
        hours = round(remaining / timedelta(hours=1))
        if hours >= 24:
            return self._catalog.t("reminder.lead_days", days=round(hours / 24))
        if hours >= 1:
            return self._catalog.t("reminder.lead_hours", hours=hours)
        return self._catalog.t("reminder.lead_soon")


def _minutes(offset: timedelta) -> int:
    return int(offset.total_seconds() // 60)
