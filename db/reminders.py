"""Reminders: which meetings need the tick, the slots decided for them, and who gets them:
the SQL of bot/reminders.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.base import DatabaseBase
from db.connection import to_db
from db.meetings import Meeting, meeting_from
from db.models import Group, Participant
from db.onboarding import GROUP_COLUMNS, joined_group_from, participant_from


@dataclass(frozen=True)
class ReminderCandidate:
    """A scheduled meeting near enough for reminders, with the slots already handled."""

    meeting: Meeting
    group: Group
    handled_minutes: frozenset[int]


class ReminderQueries(DatabaseBase):
    async def reminder_candidates(self, now: datetime) -> list[ReminderCandidate]:
        """Scheduled meetings whose next reminder moment has come, with their handled slots."""
        rows = await self.read_all(
            f"SELECT m.*, {GROUP_COLUMNS},"
            " (SELECT group_concat(s.offset_minutes) FROM reminder_slots s"
            "   WHERE s.meeting_id = m.id AND s.version = m.version) AS handled"
            " FROM meetings m JOIN groups g ON g.id = m.group_id"
            " WHERE m.status = 'scheduled' AND m.next_reminder_at IS NOT NULL"
            " AND m.next_reminder_at <= ? ORDER BY m.next_reminder_at",
            (to_db(now),),
        )
        found = []
        for r in rows:
            group = joined_group_from(r)
            handled = (
                frozenset(int(x) for x in r["handled"].split(",")) if r["handled"] else frozenset()
            )
            found.append(ReminderCandidate(meeting_from(r), group, handled))
        return found

    async def record_slots(
        self,
        meeting_id: int,
        version: int,
        outcomes: Sequence[tuple[int, str]],
        now: datetime,
        next_reminder_at: datetime | None,
    ) -> None:
        """The slots decided now, and when the meeting next needs the tick (None: never)."""
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE meetings SET next_reminder_at = ? WHERE id = ? AND version = ?",
                (to_db(next_reminder_at) if next_reminder_at else None, meeting_id, version),
            )
            await tx.executemany(
                "INSERT OR IGNORE INTO reminder_slots"
                " (meeting_id, version, offset_minutes, outcome, decided_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (meeting_id, version, minutes, outcome, to_db(now))
                    for minutes, outcome in outcomes
                ],
            )

    async def reminder_recipients(self, group_id: int) -> list[Participant]:
        """Active members the bot can write to."""
        rows = await self.read_all(
            "SELECT * FROM participants WHERE group_id = ? AND status = 'active'"
            " AND reachable = 1 AND telegram_id IS NOT NULL ORDER BY id",
            (group_id,),
        )
        return [participant_from(r) for r in rows]
