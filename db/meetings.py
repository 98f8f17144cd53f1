"""Queries for meetings, monthly series, reminder slots and RSVPs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.base import DatabaseBase, Tx, applied_before, placeholders, record_applied
from db.connection import from_db, to_db
from db.models import Group, Participant
from db.onboarding import GROUP_COLUMNS, joined_group_from, participant_from
from db.outbox import NewMessage, enqueue_in


@dataclass(frozen=True)
class Meeting:
    id: int
    group_id: int
    series_id: int | None
    starts_at: datetime
    place: str
    session_id: str
    status: str
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def scheduled(self) -> bool:
        return self.status == "scheduled"


@dataclass(frozen=True)
class NewMeeting:
    group_id: int
    starts_at: datetime
    place: str
    session_id: str
    series_id: int | None = None


@dataclass(frozen=True)
class RsvpAnswer:
    answer: str  # yes, no
    reason: str | None
    note: str | None


@dataclass(frozen=True)
class RsvpRow:
    participant: Participant
    answer: str | None  # None: no answer yet
    reason: str | None
    note: str | None = None  # "Lainnya": the reason in her own words, if she typed one


def meeting_from(row: aiosqlite.Row) -> Meeting:
    return Meeting(
        id=row["id"],
        group_id=row["group_id"],
        series_id=row["series_id"],
        starts_at=from_db(row["starts_at"]),
        place=row["place"],
        session_id=row["session_id"],
        status=row["status"],
        version=row["version"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


async def _meeting(tx: Tx, meeting_id: int) -> Meeting | None:
    row = await tx.one("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
    return meeting_from(row) if row else None


class MeetingQueries(DatabaseBase):
    async def create_series(self, group_id: int, pattern: str, now: datetime) -> int:
        async with self.tx() as tx:
            return await tx.insert(
                "INSERT INTO meeting_series (group_id, pattern, created_at) VALUES (?, ?, ?)",
                (group_id, pattern, to_db(now)),
            )

    async def series_ending_before(
        self, until: datetime
    ) -> list[tuple[int, Group, str, datetime]]:
        """Monthly series whose latest meeting starts before ``until``: (series id, group,
        pattern, latest start)."""
        rows = await self.read_all(
            # The alias in a derived table: PostgreSQL's WHERE cannot name a select alias.
            f"SELECT * FROM (SELECT s.id AS s_id, s.pattern AS s_pattern, {GROUP_COLUMNS},"
            " (SELECT max(m.starts_at) FROM meetings m WHERE m.series_id = s.id) AS latest"
            " FROM meeting_series s JOIN groups g ON g.id = s.group_id) AS series"
            " WHERE latest < ?",
            (to_db(until),),
        )
        return [
            (r["s_id"], joined_group_from(r), r["s_pattern"], from_db(r["latest"])) for r in rows
        ]

    async def create_meetings(
        self,
        items: Sequence[NewMeeting],
        now: datetime,
        *,
        update_id: int | None = None,
        effect: str = "meetings",
    ) -> list[Meeting]:
        """Insert all, in one transaction; the same update delivered again returns the
        meetings it made (``effect`` names the step when one update makes several)."""
        created: list[Meeting] = []
        async with self.tx() as tx:
            before = await applied_before(tx, update_id, effect)
            for meeting_id in before or []:
                found = await _meeting(tx, meeting_id)
                if found is not None:
                    created.append(found)
            if before is not None:
                return created
            for item in items:
                meeting_id = await tx.insert(
                    "INSERT INTO meetings (group_id, series_id, starts_at, place, session_id,"
                    " created_at, updated_at, next_reminder_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item.group_id,
                        item.series_id,
                        to_db(item.starts_at),
                        item.place,
                        item.session_id,
                        to_db(now),
                        to_db(now),
                        to_db(now),  # the next tick works out its reminders
                    ),
                )
                meeting = await _meeting(tx, meeting_id)
                assert meeting is not None
                created.append(meeting)
            await record_applied(tx, update_id, effect, [m.id for m in created], now)
        return created

    async def meeting(self, meeting_id: int) -> Meeting | None:
        async with self.tx(write=False) as tx:
            return await _meeting(tx, meeting_id)

    async def upcoming_meetings(
        self, group_ids: Iterable[int], now: datetime, limit: int = 20
    ) -> list[Meeting]:
        ids = list(group_ids)
        if not ids:
            return []
        marks = placeholders(len(ids))
        rows = await self.read_all(
            f"SELECT * FROM meetings WHERE group_id IN ({marks}) AND status = 'scheduled'"
            " AND starts_at > ? ORDER BY starts_at, id LIMIT ?",
            (*ids, to_db(now), limit),
        )
        return [meeting_from(r) for r in rows]

    async def planned_sessions(self, group_id: int) -> set[str]:
        """Sessions the group has had or has scheduled (not cancelled)."""
        rows = await self.read_all(
            "SELECT DISTINCT session_id FROM meetings WHERE group_id = ?"
            " AND status != 'cancelled'",
            (group_id,),
        )
        return {r[0] for r in rows}

    async def move_meeting(
        self,
        meeting_id: int,
        starts_at: datetime,
        now: datetime,
        notices: Callable[[Meeting], Iterable[NewMessage]] | None = None,
        *,
        update_id: int | None = None,
    ) -> Meeting:
        """New time; the version bump restarts its reminders, and its check-in window
        opens again (with a new code) at the new time. ``notices`` (the members' messages,
        made from the moved meeting) are queued in the same transaction; the same update
        delivered again moves nothing and queues nothing more."""
        async with self.tx() as tx:
            if await applied_before(tx, update_id, f"move:{meeting_id}") is None:
                await tx.execute(
                    "UPDATE meetings SET starts_at = ?, version = version + 1, updated_at = ?,"
                    " next_reminder_at = ?, checkin_code = NULL, window_opened_at = NULL"
                    " WHERE id = ? AND status = 'scheduled'",
                    (to_db(starts_at), to_db(now), to_db(now), meeting_id),
                )
                # Answers were given for the old time: at the new one each mother answers again.
                await tx.execute("DELETE FROM rsvps WHERE meeting_id = ?", (meeting_id,))
                moved = await _meeting(tx, meeting_id)
                assert moved is not None
                if notices is not None:
                    await enqueue_in(
                        tx, notices(moved), now, rule=self.quiet_rule, phone=self.phone_rule
                    )
                await record_applied(tx, update_id, f"move:{meeting_id}", [], now)
            meeting = await _meeting(tx, meeting_id)
        assert meeting is not None
        return meeting

    async def cancel_meeting(
        self, meeting_id: int, now: datetime, notices: Iterable[NewMessage] = ()
    ) -> bool:
        """Cancel a scheduled meeting and queue ``notices`` in the same transaction. False
        (nothing queued) when it was not scheduled, e.g. the same press again."""
        async with self.tx() as tx:
            changed = await tx.changes(
                "UPDATE meetings SET status = 'cancelled', updated_at = ?"
                " WHERE id = ? AND status = 'scheduled'",
                (to_db(now), meeting_id),
            )
            if changed == 1:
                await enqueue_in(tx, notices, now, rule=self.quiet_rule, phone=self.phone_rule)
        return changed == 1

    async def set_rsvp(
        self,
        meeting_id: int,
        participant_id: int,
        answer: str,
        reason: str | None,
        now: datetime,
    ) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "INSERT INTO rsvps (meeting_id, participant_id, answer, reason, answered_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (meeting_id, participant_id) DO UPDATE SET"
                " answer = excluded.answer, reason = excluded.reason,"
                " answered_at = excluded.answered_at, note = NULL",
                (meeting_id, participant_id, answer, reason, to_db(now)),
            )

    async def set_rsvp_note(self, meeting_id: int, participant_id: int, note: str) -> bool:
        """Her own words for an excuse "Lainnya"; False when she has no such excuse (any
        more) for that meeting."""
        changed = await self.write_one(
            "UPDATE rsvps SET note = ? WHERE meeting_id = ? AND participant_id = ?"
            " AND answer = 'no' AND reason = 'lainnya'",
            (note, meeting_id, participant_id),
        )
        return changed == 1

    async def rsvp_answers(self, meeting_id: int) -> dict[int, RsvpAnswer]:
        """The answers given for a meeting so far, by participant id."""
        rows = await self.read_all(
            "SELECT participant_id, answer, reason, note FROM rsvps WHERE meeting_id = ?",
            (meeting_id,),
        )
        return {r["participant_id"]: RsvpAnswer(r["answer"], r["reason"], r["note"]) for r in rows}

    async def rsvp_of(self, meeting_id: int, participant_id: int) -> tuple[str, str | None] | None:
        row = await self.read_one(
            "SELECT answer, reason FROM rsvps WHERE meeting_id = ? AND participant_id = ?",
            (meeting_id, participant_id),
        )
        return (row["answer"], row["reason"]) if row else None

    async def rsvp_table(self, meeting_id: int, group_id: int) -> list[RsvpRow]:
        """Every active member of the group with her answer (or none)."""
        rows = await self.read_all(
            "SELECT p.*, r.answer AS r_answer, r.reason AS r_reason, r.note AS r_note"
            " FROM participants p"
            " LEFT JOIN rsvps r ON r.participant_id = p.id AND r.meeting_id = ?"
            " WHERE p.group_id = ? AND p.status = 'active'"
            " ORDER BY p.name COLLATE NOCASE, p.id",
            (meeting_id, group_id),
        )
        return [
            RsvpRow(participant_from(r), r["r_answer"], r["r_reason"], r["r_note"]) for r in rows
        ]
