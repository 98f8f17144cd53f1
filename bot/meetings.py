"""Meetings: scheduling (single and monthly), moves, cancels and RSVPs; the reminders
themselves are in ``bot/reminders.py``.

No Telegram here. Messages to members are rendered from the catalog and put in
the outbox (``db.enqueue``); the outbox sender delivers them. Every method that
acts on a meeting checks that the acting facilitator owns its group, and every
RSVP checks that the participant belongs to the meeting's group.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.auth import Actor, owns_group
from bot.callbacks import RSVP_NO, RSVP_YES
from bot.config import Settings
from bot.content import Library, Session
from bot.daysoff import DaysOff
from bot.i18n import Catalog
from bot.reminders import Reminders, ReminderStore, TickReport
from bot.schedule import (
    MonthlyPattern,
    local_to_utc,
)
from db.meetings import Meeting, NewMeeting, RsvpRow
from db.models import Group, Participant
from db.outbox import NewMessage

if TYPE_CHECKING:
    from bot.voice import Voice

log = logging.getLogger(__name__)

RSVP_REASON = "rr"  # rr:<meeting>:<reason>: why she cannot come (handlers/reminders.py)
REASONS = ("sakit", "keluarga", "bekerja", "lainnya")
REASON_NOTE_LIMIT = 100
"""Characters of the reason a mother may type for "Lainnya"."""
MONTHLY_COUNT = 6  # meetings generated ahead by a monthly pattern
SERIES_AHEAD = timedelta(days=150)  # a series always has meetings this far ahead
SERIES_CHECK_EVERY = timedelta(hours=1)


class RsvpOutcome(StrEnum):
    RECORDED = "recorded"
    NOT_YOURS = "not_yours"
    CLOSED = "closed"  # cancelled, or already begun


class MeetingStore(ReminderStore, Protocol):
    """The queries this service needs (implemented in ``db/``)."""

    async def applied_refs(self, update_id: int | None, effect: str) -> list[int] | None: ...

    async def cancel_meeting(
        self, meeting_id: int, now: datetime, notices: Iterable[NewMessage] = ...
    ) -> bool: ...

    async def create_meetings(
        self,
        items: Sequence[NewMeeting],
        now: datetime,
        *,
        update_id: int | None = ...,
        effect: str = ...,
    ) -> list[Meeting]: ...

    async def create_series(self, group_id: int, pattern: str, now: datetime) -> int: ...

    async def group(self, group_id: int) -> Group | None: ...

    async def meeting(self, meeting_id: int) -> Meeting | None: ...

    async def move_meeting(
        self,
        meeting_id: int,
        starts_at: datetime,
        now: datetime,
        notices: Callable[[Meeting], Iterable[NewMessage]] | None = ...,
        *,
        update_id: int | None = ...,
    ) -> Meeting: ...

    async def planned_sessions(self, group_id: int) -> set[str]: ...

    async def reminder_recipients(self, group_id: int) -> list[Participant]: ...

    async def rsvp_of(
        self, meeting_id: int, participant_id: int
    ) -> tuple[str, str | None] | None: ...

    async def rsvp_table(self, meeting_id: int, group_id: int) -> list[RsvpRow]: ...

    async def series_ending_before(
        self, until: datetime
    ) -> list[tuple[int, Group, str, datetime]]: ...

    async def set_rsvp(
        self, meeting_id: int, participant_id: int, answer: str, reason: str | None, now: datetime
    ) -> None: ...

    async def set_rsvp_note(self, meeting_id: int, participant_id: int, note: str) -> bool: ...

    async def upcoming_meetings(
        self, group_ids: Iterable[int], now: datetime, limit: int = ...
    ) -> list[Meeting]: ...


class Meetings:
    def __init__(
        self,
        db: MeetingStore,
        catalog: Catalog,
        content: Library,
        settings: Settings,
        on_enqueued: Callable[[], Awaitable[None] | None] | None = None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._content = content
        self._settings = settings
        self._on_enqueued = on_enqueued
        self._series_checked: datetime | None = None
        self.days_off = DaysOff(settings.schedule.days_off)
        self._reminders = Reminders(db, catalog, settings, self, self._enqueued)

    @property
    def voice(self) -> Voice | None:
        """Voice notes for the reminders (see :class:`bot.reminders.Reminders`)."""
        return self._reminders.voice

    @voice.setter
    def voice(self, value: Voice | None) -> None:
        self._reminders.voice = value

    # -- reading --------------------------------------------------------------

    async def propose_session(self, group_id: int) -> Session | None:
        """The next P2K2 session the group has not had or planned yet."""
        planned = await self._db.planned_sessions(group_id)
        return self._content.next_session(planned) or (
            self._content.sessions[0] if self._content.sessions else None
        )

    async def owned_meeting(self, actor: Actor, meeting_id: int) -> tuple[Meeting, Group] | None:
        meeting = await self._db.meeting(meeting_id)
        if meeting is None:
            return None
        group = await self._db.group(meeting.group_id)
        if group is None or not owns_group(actor, group):
            return None
        return meeting, group

    async def owned_groups(self, actor: Actor, group_ids: Sequence[int]) -> list[Group] | None:
        groups = []
        for group_id in group_ids:
            group = await self._db.group(group_id)
            if group is None or not owns_group(actor, group):
                return None
            groups.append(group)
        return groups

    async def meeting(self, meeting_id: int) -> Meeting | None:
        return await self._db.meeting(meeting_id)

    async def group(self, group_id: int) -> Group | None:
        return await self._db.group(group_id)

    async def upcoming(self, group_ids: Iterable[int], now: datetime, limit: int) -> list[Meeting]:
        """The next scheduled meetings of these groups, soonest first."""
        return await self._db.upcoming_meetings(group_ids, now, limit)

    async def rsvp_table(self, meeting_id: int, group_id: int) -> list[RsvpRow]:
        """Every member of the group with her answer to the meeting (or none)."""
        return await self._db.rsvp_table(meeting_id, group_id)

    async def rsvp_of(self, meeting_id: int, participant_id: int) -> tuple[str, str | None] | None:
        """Her answer (yes/no) and reason, if she answered."""
        return await self._db.rsvp_of(meeting_id, participant_id)

    def topic(self, session_id: str) -> str:
        session = self._content.session(session_id)
        if session is None:
            return session_id
        return self._catalog.t("meeting.topic", number=session.number, title=session.title)

    def when(self, meeting: Meeting, group: Group) -> str:
        return self._catalog.datetime(meeting.starts_at, group.timezone)

    # -- scheduling -----------------------------------------------------------

    async def schedule_single(
        self,
        actor: Actor,
        group_ids: Sequence[int],
        day: date,
        at: time,
        place: str | None,
        session_id: str | None,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> list[Meeting] | None:
        """One meeting per group at ``day`` ``at`` in each group's own time zone.

        None when a group is not hers, the time has passed somewhere, or the
        session is unknown: nothing is scheduled then.
        """
        groups = await self.owned_groups(actor, group_ids)
        if not groups:
            return None
        if session_id is not None and self._content.session(session_id) is None:
            return None
        items = []
        for group in groups:
            starts_at = local_to_utc(day, at, group.timezone)
            if starts_at <= now:
                return None
            session = session_id or (await self._proposed_id(group.id))
            items.append(NewMeeting(group.id, starts_at, place or group.place, session))
        return await self._db.create_meetings(items, now, update_id=update_id)

    async def schedule_monthly(
        self,
        actor: Actor,
        group_ids: Sequence[int],
        pattern: MonthlyPattern,
        place: str | None,
        now: datetime,
        count: int = MONTHLY_COUNT,
        *,
        update_id: int | None = None,
    ) -> list[Meeting] | None:
        """The next ``count`` occurrences for each group, with successive sessions. The
        same update delivered again (after a crash) adds no second series to a group."""
        groups = await self.owned_groups(actor, group_ids)
        if not groups:
            return None
        created: list[Meeting] = []
        for group in groups:
            effect = f"series:{group.id}"
            if await self._db.applied_refs(update_id, effect) is not None:
                created.extend(
                    await self._db.create_meetings([], now, update_id=update_id, effect=effect)
                )
                continue
            series_id = await self._db.create_series(group.id, pattern.encode(), now)
            done = set(await self._db.planned_sessions(group.id))
            items = []
            for start in self.series_dates(pattern, group.timezone, now, count):
                session = self._content.next_session(done) or self._content.sessions[-1]
                done.add(session.id)
                items.append(
                    NewMeeting(group.id, start, place or group.place, session.id, series_id)
                )
            created.extend(
                await self._db.create_meetings(items, now, update_id=update_id, effect=effect)
            )
        return created

    async def extend_series(self, now: datetime) -> int:
        """Keep every monthly series at least ``SERIES_AHEAD`` ahead: add its next
        occurrences, each with the next session the group has not had. Returns how many
        meetings were added."""
        until = now + SERIES_AHEAD
        added = 0
        for series_id, group, encoded, latest in await self._db.series_ending_before(until):
            try:
                pattern = MonthlyPattern.decode(encoded)
            except ValueError:  # pragma: no cover - written by schedule_monthly only
                log.warning("series %d has an unreadable pattern", series_id)
                continue
            done = await self._db.planned_sessions(group.id)
            items = []
            after = max(latest, now)
            for start in self.series_dates(pattern, group.timezone, after, MONTHLY_COUNT):
                session = self._content.next_session(done)
                if start >= until + timedelta(days=31) or session is None:
                    break  # far enough; or every session is planned: she schedules anew
                done.add(session.id)
                items.append(NewMeeting(group.id, start, group.place, session.id, series_id))
                if start >= until:
                    break
            if items:
                await self._db.create_meetings(items, now)
                added += len(items)
        return added

    def series_dates(
        self, pattern: MonthlyPattern, tz: str, after: datetime, count: int
    ) -> list[datetime]:
        """The next ``count`` meetings of a monthly series after ``after``; one that falls
        on a public holiday or a district day off moves to the next working day."""
        return [self.days_off.avoid(s, tz) for s in pattern.occurrences(tz, after, count)]

    async def _proposed_id(self, group_id: int) -> str:
        session = await self.propose_session(group_id)
        if session is None:  # pragma: no cover - the content is validated non-empty
            raise RuntimeError("no content sessions")
        return session.id

    async def move(
        self,
        actor: Actor,
        meeting_id: int,
        starts_at: datetime,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> Meeting | None:
        """The new time and the members' notices commit together; the same update
        delivered again (``update_id``) moves nothing and tells nobody twice."""
        found = await self.owned_meeting(actor, meeting_id)
        if found is None or starts_at <= now:
            return None
        old, group = found
        if await self._db.applied_refs(update_id, f"move:{meeting_id}") is not None:
            return old
        if not old.scheduled:
            return None
        recipients = await self._db.reminder_recipients(group.id)

        def notices(meeting: Meeting) -> list[NewMessage]:
            # The answers for the old time are cleared with the move: the notice asks again.
            return self._notices(
                recipients,
                f"moved:{meeting.id}:v{meeting.version}",
                lambda p: (
                    self._catalog.t(
                        "meeting.moved_notice",
                        name=p.name,
                        sapaan=self._catalog.address(p.address),
                        old=self.when(old, group),
                        new=self.when(meeting, group),
                        place=meeting.place,
                        topic=self.topic(meeting.session_id),
                    )
                    + "\n\n"
                    + self._catalog.t(
                        "meeting.moved_ask_again", sapaan=self._catalog.address(p.address)
                    )
                ),
                now,
                useful_until=meeting.starts_at,
                buttons=[
                    [
                        (self._catalog.t("reminder.button_yes"), RSVP_YES.data(meeting.id)),
                        (self._catalog.t("reminder.button_no"), RSVP_NO.data(meeting.id)),
                    ]
                ],
            )

        meeting = await self._db.move_meeting(
            meeting_id, starts_at, now, notices, update_id=update_id
        )
        await self._enqueued()
        return meeting

    async def cancel(self, actor: Actor, meeting_id: int, now: datetime) -> Meeting | None:
        """Cancelled and the members told, in one transaction; the same press again finds
        it cancelled and changes nothing (idempotent by design)."""
        found = await self.owned_meeting(actor, meeting_id)
        if found is None:
            return None
        meeting, group = found
        notices = self._notices(
            await self._db.reminder_recipients(group.id),
            f"cancelled:{meeting.id}",
            lambda p: self._catalog.t(
                "meeting.cancelled_notice",
                name=p.name,
                when=self.when(meeting, group),
                sapaan=self._catalog.address(p.address),
            ),
            now,
            useful_until=meeting.starts_at,
        )
        if not await self._db.cancel_meeting(meeting_id, now, notices):
            return None
        await self._enqueued()
        return meeting

    @staticmethod
    def _notices(
        recipients: Sequence[Participant],
        key_prefix: str,
        render: Callable[[Participant], str],
        now: datetime,
        *,
        useful_until: datetime | None = None,
        buttons: Sequence[Sequence[tuple[str, str]]] | None = None,
    ) -> list[NewMessage]:
        return [
            NewMessage(
                key=f"{key_prefix}:{p.id}",
                chat_id=p.telegram_id or 0,
                participant_id=p.id,
                kind=key_prefix.split(":", 1)[0],
                text=render(p),
                buttons=buttons,
                not_before=now,
                useful_until=useful_until,
            )
            for p in recipients
        ]

    async def _enqueued(self) -> None:
        if self._on_enqueued is not None:
            result = self._on_enqueued()
            if result is not None:
                await result

    # -- RSVP -----------------------------------------------------------------

    async def rsvp(
        self,
        participant: Participant,
        meeting_id: int,
        answer: str,
        reason: str | None,
        now: datetime,
    ) -> tuple[RsvpOutcome, Meeting | None]:
        meeting = await self._db.meeting(meeting_id)
        if meeting is None or meeting.group_id != participant.group_id or not participant.active:
            return RsvpOutcome.NOT_YOURS, None
        if not meeting.scheduled or meeting.starts_at <= now:
            return RsvpOutcome.CLOSED, meeting
        if answer not in {"yes", "no"} or (reason is not None and reason not in REASONS):
            return RsvpOutcome.NOT_YOURS, None
        await self._db.set_rsvp(meeting.id, participant.id, answer, reason, now)
        return RsvpOutcome.RECORDED, meeting

    async def rsvp_note(
        self, participant: Participant, meeting_id: int, note: str, now: datetime
    ) -> RsvpOutcome:
        """Her own words for the excuse "Lainnya" she just gave (see :func:`clean_reason`)."""
        meeting = await self._db.meeting(meeting_id)
        if meeting is None or meeting.group_id != participant.group_id or not participant.active:
            return RsvpOutcome.NOT_YOURS
        if not meeting.scheduled or meeting.starts_at <= now:
            return RsvpOutcome.CLOSED
        if not await self._db.set_rsvp_note(meeting.id, participant.id, note):
            return RsvpOutcome.NOT_YOURS
        return RsvpOutcome.RECORDED

    # -- the clock tick -------------------------------------------------------

    async def tick(self, now: datetime) -> TickReport:
        """Keep monthly series extended (hourly), then queue the reminders that are due at
        ``now`` (:class:`bot.reminders.Reminders`)."""
        if self._series_checked is None or now - self._series_checked >= SERIES_CHECK_EVERY:
            self._series_checked = now
            await self.extend_series(now)
        return await self._reminders.tick(now)

    def reason_text(self, reason: str | None, note: str | None) -> str:
        """How an excuse reads: "Sakit", or her own words for "Lainnya"."""
        if reason == "lainnya" and note:
            return note
        return self._catalog.t(f"reason.{reason or 'lainnya'}")


def clean_reason(text: str) -> str | None:
    """A short reason in her words: trimmed, spaces folded, 1..REASON_NOTE_LIMIT characters,
    not a command; None otherwise."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > REASON_NOTE_LIMIT or cleaned.startswith("/"):
        return None
    return cleaned
