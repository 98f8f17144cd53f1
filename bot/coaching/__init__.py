"""Coaching in the facilitator's pocket (issue 22).

- The guide: the day before a meeting (:data:`GUIDE_AT` in the group's zone), the
  facilitator gets the session's guide (:func:`bot.coaching.render.guide_text`) through the
  outbox, once per meeting time (its key carries the meeting's version: a moved meeting
  gets its guide the day before the new time, and a guide still queued for the old time or
  for a cancelled meeting is dropped), never in the quiet hours of the group's zone (held
  at the enqueue and at the claim, like a member's message), and never after the meeting
  has begun. A coordinator's notes (``python -m bot note``) go out with the next guide,
  once.
- The self-check: after the close, the facilitator's summary of the meeting
  (``bot/attendance/finalize.py``) carries a button to three one-tap questions
  (:data:`render.SELF_CHECK`), stored with the meeting and editable until a day after the
  close (:data:`SELFCHECK_EDITABLE`); :func:`render.selfcheck_sentences` words them for a
  report.

This package does not import ``telegram``: buttons are built from ``bot.callbacks``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from bot.auth import Actor
from bot.coaching.render import (
    GroupContext,
    SelfCheckScreen,
    guide_text,
    question,
    selfcheck_screen,
    selfcheck_sentences,
)
from bot.config import TIMEZONES, Settings
from bot.content import Library, Session
from bot.crashpoints import crash_point
from bot.i18n import Catalog
from bot.schedule import local_to_utc, quiet_hold, to_local
from db.coaching import GUIDE_KIND, CoachMeeting, Note, SelfCheck, guide_key
from db.models import Facilitator
from db.outbox import NewMessage

GUIDE_AT = time(10, 0)
"""When the guide is due, local time of the group, on the day before the meeting: in
working hours, with an afternoon and an evening to prepare and gather materials."""

GUIDE_HORIZON = timedelta(days=2)
"""The tick looks this far ahead for meetings (10.00 the day before is at most 38 hours
before a meeting)."""

SELFCHECK_EDITABLE = timedelta(days=1)
"""How long after the close her self-check answers can still be changed."""

NOTE_MAX = 300
"""A coordinator's note is short: it goes at the top of a guide."""

NOTES_PER_GUIDE = 2
"""At most this many notes go with one guide (the oldest first); more wait for the next,
so the guide always fits one message."""


class CoachingStore(Protocol):
    """The queries coaching needs (``db/coaching.py`` implements them)."""

    async def coach_meeting(self, meeting_id: int) -> CoachMeeting | None: ...
    async def guides_to_queue(
        self, now: datetime, before: Mapping[str, datetime]
    ) -> list[CoachMeeting]: ...
    async def open_notes(self, facilitator_id: int) -> list[Note]: ...
    async def queue_guide(
        self,
        message: NewMessage,
        quiet: tuple[datetime | None, datetime | None],
        note_ids: list[int],
        now: datetime,
    ) -> bool: ...
    async def drop_obsolete_guides(self) -> int: ...
    async def selfcheck(self, meeting_id: int) -> SelfCheck | None: ...
    async def set_selfcheck(
        self, meeting_id: int, question: str, answer: str, now: datetime
    ) -> SelfCheck: ...
    async def facilitators_named(self, who: str) -> list[Facilitator]: ...
    async def add_note(self, facilitator_id: int, text: str, now: datetime) -> int: ...


class Answered(StrEnum):
    SAVED = "saved"  # or shown
    CLOSED = "closed"  # more than a day after the close, or not closed yet
    NOT_YOURS = "not_yours"  # another facilitator's meeting, a forged answer


def guide_due(starts_at: datetime, tz: str) -> datetime:
    """The moment a meeting's guide is due: :data:`GUIDE_AT` on the local day before."""
    day_before = to_local(starts_at, tz).date() - timedelta(days=1)
    return local_to_utc(day_before, GUIDE_AT, tz)


def guides_due_before(now: datetime, tz: str) -> datetime:
    """The start (UTC) from which meetings in ``tz`` do not have their guide due at ``now``
    yet: the guide of a meeting on local day D is due at GUIDE_AT on D - 1, so by ``now``
    every meeting up to tomorrow (after GUIDE_AT) or today (before it) has its guide due."""
    local = to_local(now, tz)
    last = local.date() + timedelta(days=1 if local.time() >= GUIDE_AT else 0)
    return local_to_utc(last + timedelta(days=1), time(0, 0), tz)


def clean_note(text: str) -> str | None:
    """A coordinator's note: spaces folded, 1..NOTE_MAX characters; None otherwise."""
    cleaned = " ".join(text.split())
    return cleaned if 0 < len(cleaned) <= NOTE_MAX else None


class Coaching:
    def __init__(
        self,
        db: CoachingStore,
        catalog: Catalog,
        content: Library,
        settings: Settings,
        on_enqueued: Callable[[], Awaitable[None] | None] | None = None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._content = content
        self._quiet = (settings.schedule.quiet_start, settings.schedule.quiet_end)
        self._on_enqueued = on_enqueued

    # -- the guide ------------------------------------------------------------------

    def session_guide(self, session_id: str) -> tuple[Session, str] | None:
        """The guide of a session alone (from /materi)."""
        session = self._content.session(session_id)
        if session is None:
            return None
        return session, guide_text(self._catalog, session)

    async def meeting_guide(self, actor: Actor, meeting_id: int) -> str | None:
        """The guide for one of her meetings, with her group's circles; None if not hers."""
        meeting = await self._db.coach_meeting(meeting_id)
        if meeting is None or not _hers(actor, meeting):
            return None
        session = self._content.session(meeting.session_id)
        if session is None:
            return None
        return guide_text(self._catalog, session, self._group(meeting))

    def _group(self, meeting: CoachMeeting) -> GroupContext:
        return GroupContext(
            name=meeting.group_name,
            when=self._catalog.datetime(meeting.starts_at, meeting.timezone),
            place=meeting.place,
            members=meeting.members,
            leader=meeting.leader,
        )

    async def tick(self, now: datetime) -> int:
        """Drop guides of meeting times that no longer hold and queue the guides that are
        due. Returns the rows queued."""
        await self._db.drop_obsolete_guides()
        queued = 0
        # Only the meetings whose guide is due (per zone), so an idle tick reads nothing
        # however many meetings a province has in the next two days.
        until = now + GUIDE_HORIZON
        bounds = {tz: min(guides_due_before(now, tz), until) for tz in TIMEZONES}
        for meeting in await self._db.guides_to_queue(now, bounds):
            if guide_due(meeting.starts_at, meeting.timezone) <= now:
                queued += await self._queue_guide(meeting, now)
        if queued and self._on_enqueued is not None:
            result = self._on_enqueued()
            if result is not None:
                await result
        return queued

    async def _queue_guide(self, meeting: CoachMeeting, now: datetime) -> int:
        session = self._content.session(meeting.session_id)
        if session is None:  # pragma: no cover - meetings are made from loaded content
            return 0
        hold = quiet_hold(now, meeting.timezone, *self._quiet)
        if hold.not_before >= meeting.starts_at:
            return 0  # by the end of the quiet hours the meeting has begun
        notes = (await self._db.open_notes(meeting.facilitator_id))[:NOTES_PER_GUIDE]
        message = NewMessage(
            key=guide_key(meeting.meeting_id, meeting.version),
            chat_id=meeting.facilitator_chat,
            participant_id=None,
            kind=GUIDE_KIND,
            text=guide_text(self._catalog, session, self._group(meeting), [n.text for n in notes]),
            buttons=None,
            not_before=hold.not_before,
            useful_until=meeting.starts_at,
        )
        done = await self._db.queue_guide(
            message, (hold.quiet_from, hold.quiet_until), [n.id for n in notes], now
        )
        crash_point("guide-queued")  # tests/test_e2e_coaching.py: committed, not sent
        return int(done)

    # -- the self-check ---------------------------------------------------------------

    def _screen(self, meeting: CoachMeeting, answers: SelfCheck | None) -> SelfCheckScreen:
        return selfcheck_screen(self._catalog, meeting, answers, SELFCHECK_EDITABLE)

    async def selfcheck_screen(
        self, actor: Actor, meeting_id: int, now: datetime
    ) -> tuple[Answered, SelfCheckScreen | None]:
        """The three questions of one of her closed meetings, with her answers so far."""
        meeting = await self._db.coach_meeting(meeting_id)
        if meeting is None or not _hers(actor, meeting):
            return Answered.NOT_YOURS, None
        if meeting.finalized_at is None or now >= meeting.finalized_at + SELFCHECK_EDITABLE:
            return Answered.CLOSED, None
        return Answered.SAVED, self._screen(meeting, await self._db.selfcheck(meeting_id))

    async def answer(
        self, actor: Actor, meeting_id: int, field: str, code: str, now: datetime
    ) -> tuple[Answered, SelfCheckScreen | None]:
        """Her one-tap answer: stored (the same answer again changes nothing), and the
        screen with her answers marked."""
        meeting = await self._db.coach_meeting(meeting_id)
        q = question(field)
        if meeting is None or not _hers(actor, meeting) or q is None or q.answer(code) is None:
            return Answered.NOT_YOURS, None
        if meeting.finalized_at is None or now >= meeting.finalized_at + SELFCHECK_EDITABLE:
            return Answered.CLOSED, None
        answers = await self._db.set_selfcheck(meeting_id, field, code, now)
        return Answered.SAVED, self._screen(meeting, answers)

    async def selfcheck(self, meeting_id: int) -> SelfCheck | None:
        return await self._db.selfcheck(meeting_id)

    async def selfcheck_sentences(self, meeting_id: int) -> list[str]:
        """A meeting's self-check as short Indonesian sentences (empty when she has not
        answered): for the SIKS-NG Uraian draft (issue 14/16)."""
        check = await self._db.selfcheck(meeting_id)
        if check is None:
            return []
        return selfcheck_sentences(self._catalog, check.spoke, check.worked, check.obstacle)

    # -- the coordinator's note -------------------------------------------------------

    async def facilitators_named(self, who: str) -> list[Facilitator]:
        return await self._db.facilitators_named(who)

    async def add_note(self, facilitator: Facilitator, text: str, now: datetime) -> int:
        cleaned = clean_note(text)
        if cleaned is None:
            raise ValueError(f"a note has 1 to {NOTE_MAX} characters")
        return await self._db.add_note(facilitator.id, cleaned, now)


def _hers(actor: Actor, meeting: CoachMeeting) -> bool:
    return actor.facilitator is not None and actor.facilitator.id == meeting.facilitator_id
