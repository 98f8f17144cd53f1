"""What happens next on the simulated clock: read-only, from the database and the settings.

The simulator's clock buttons ("to the next reminder", "to the meeting", "past the check-in
window") need the moments the bot's tick will act on. They are computed here with the same
pure rules the bot uses (``reminder_slots``, ``checkin_window``) from the meetings in the
database; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.config import Settings
from bot.reminders import reminder_slots
from bot.schedule import checkin_window
from db import Database
from db.meetings import Meeting
from db.models import Group

__all__ = ["AFTER_CLOSE", "Kind", "Moment", "moments"]

AFTER_CLOSE = timedelta(minutes=1)
"""How long after the check-in window closes "past the window" lands (it is closed at the
closing instant already; a minute later leaves no doubt)."""


class Kind(StrEnum):
    REMINDER = "reminder"
    WINDOW_OPEN = "window_open"
    START = "start"
    WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: Kind
    meeting: Meeting
    group: Group


async def moments(
    db: Database,
    settings: Settings,
    groups: Iterable[Group],
    now: datetime,
    until: datetime | None = None,
) -> list[Moment]:
    """Every moment strictly after ``now`` (and at or before ``until``) at which the tick
    has something to do for a scheduled meeting of ``groups``, in order."""
    by_id = {g.id: g for g in groups}
    att = settings.attendance
    sched = settings.schedule
    tail = att.meeting_length + att.close_after + AFTER_CLOSE
    found: list[Moment] = []
    for meeting in await db.upcoming_meetings(by_id, now - tail, limit=500):
        group = by_id[meeting.group_id]
        opens, closes = checkin_window(
            meeting.starts_at, att.open_before, att.meeting_length, att.close_after
        )
        candidates = [
            *(
                (slot.due, Kind.REMINDER)
                for slot in reminder_slots(
                    meeting.starts_at,
                    group.timezone,
                    sched.reminder_offsets,
                    sched.quiet_start,
                    sched.quiet_end,
                )
            ),
            (opens, Kind.WINDOW_OPEN),
            (meeting.starts_at, Kind.START),
            (closes + AFTER_CLOSE, Kind.WINDOW_CLOSED),
        ]
        found.extend(
            Moment(at, kind, meeting, group)
            for at, kind in candidates
            if at > now and (until is None or at <= until)
        )
    found.sort(key=lambda m: (m.at, list(Kind).index(m.kind), m.meeting.id))
    return found
