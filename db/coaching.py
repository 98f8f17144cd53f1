"""Queries for coaching (issue 22): the guide the day before a meeting, the facilitator's
self-check after its close, the coordinator's notes and the per-facilitator figures.

The guide's outbox row is its own record: a meeting time (``guide:<meeting>:v<version>``)
gets one guide, whatever the number of ticks or restarts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.base import DatabaseBase, placeholders
from db.connection import from_db, to_db
from db.models import Facilitator
from db.outbox import SPENT, NewMessage, enqueue_in

GUIDE_KIND = "coach_guide"
SELFCHECK_FIELDS = ("spoke", "worked", "obstacle")


def guide_key(meeting_id: int, version: int) -> str:
    return f"guide:{meeting_id}:v{version}"


@dataclass(frozen=True)
class CoachMeeting:
    """A meeting with what coaching needs to know of its group and facilitator."""

    meeting_id: int
    version: int
    starts_at: datetime
    session_id: str
    place: str
    group_id: int
    group_name: str
    timezone: str
    members: int  # active members of the group
    leader: str | None
    facilitator_id: int
    facilitator_chat: int
    finalized_at: datetime | None


@dataclass(frozen=True)
class Note:
    id: int
    facilitator_id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SelfCheck:
    meeting_id: int
    spoke: str | None
    worked: str | None
    obstacle: str | None
    updated_at: datetime


@dataclass(frozen=True)
class HeldCounts:
    """A meeting of a facilitator in a period: its status, version and attendance."""

    facilitator_id: int
    meeting_id: int
    starts_at: datetime
    timezone: str
    status: str
    version: int
    present: int
    excused: int
    absent: int


_MEETING = """
SELECT m.id, m.version, m.starts_at, m.session_id, m.place, m.finalized_at,
       g.id AS group_id, g.name AS group_name, g.timezone,
       (SELECT count(*) FROM participants p
         WHERE p.group_id = g.id AND p.status = 'active') AS members,
       (SELECT l.name FROM participants l
         WHERE l.id = g.leader_id AND l.status = 'active') AS leader,
       f.id AS facilitator_id, f.telegram_id AS facilitator_chat
FROM meetings m
JOIN groups g ON g.id = m.group_id
JOIN facilitators f ON f.id = g.facilitator_id
"""


def _coach_meeting(row: aiosqlite.Row) -> CoachMeeting:
    return CoachMeeting(
        meeting_id=row["id"],
        version=row["version"],
        starts_at=from_db(row["starts_at"]),
        session_id=row["session_id"],
        place=row["place"],
        group_id=row["group_id"],
        group_name=row["group_name"],
        timezone=row["timezone"],
        members=row["members"],
        leader=row["leader"],
        facilitator_id=row["facilitator_id"],
        facilitator_chat=row["facilitator_chat"],
        finalized_at=from_db(row["finalized_at"]) if row["finalized_at"] else None,
    )


class CoachingQueries(DatabaseBase):
    # -- the guide ----------------------------------------------------------------

    async def coach_meeting(self, meeting_id: int) -> CoachMeeting | None:
        row = await self.read_one(_MEETING + " WHERE m.id = ?", (meeting_id,))
        return _coach_meeting(row) if row is not None else None

    async def guides_to_queue(
        self, now: datetime, before: Mapping[str, datetime]
    ) -> list[CoachMeeting]:
        """Scheduled meetings starting after ``now`` and before ``before[zone]`` of their
        group's zone, whose current time has no guide row yet (probes the index
        meetings_due and the outbox key)."""
        zones = sorted(before)
        latest = max(before.values(), default=now)
        rows = await self.read_all(
            _MEETING + " WHERE m.status = 'scheduled' AND m.starts_at > ? AND m.starts_at < ?"
            " AND ("
            + " OR ".join("(g.timezone = ? AND m.starts_at < ?)" for _ in zones)
            + ") AND NOT EXISTS (SELECT 1 FROM outbox o"
            "   WHERE o.key = 'guide:' || m.id || ':v' || m.version)"
            " ORDER BY m.starts_at, m.id",
            (
                to_db(now),
                to_db(latest),
                *(value for tz in zones for value in (tz, to_db(before[tz]))),
            ),
        )
        return [_coach_meeting(r) for r in rows]

    async def open_notes(self, facilitator_id: int) -> list[Note]:
        rows = await self.read_all(
            "SELECT * FROM coach_notes WHERE facilitator_id = ? AND shown_key IS NULL ORDER BY id",
            (facilitator_id,),
        )
        return [
            Note(r["id"], r["facilitator_id"], r["text"], from_db(r["created_at"])) for r in rows
        ]

    async def queue_guide(
        self,
        message: NewMessage,
        quiet: tuple[datetime | None, datetime | None],
        note_ids: list[int],
        now: datetime,
    ) -> bool:
        """Queue the guide (held out of the quiet hours ``quiet`` at claim time, like a
        member's message) and give it the notes it shows, in one transaction. False when
        its key was queued before (nothing changes)."""
        quiet_from, quiet_until = quiet
        async with self.tx() as tx:
            if not await enqueue_in(tx, [message], now, rule=None):
                return False
            if quiet_from is not None and quiet_until is not None:
                await tx.execute(
                    "UPDATE outbox SET quiet_from = ?, quiet_until = ? WHERE key = ?",
                    (to_db(quiet_from), to_db(quiet_until), message.key),
                )
            if note_ids:
                await tx.execute(
                    "UPDATE coach_notes SET shown_key = ?, shown_at = ?"
                    f" WHERE shown_key IS NULL AND id IN ({placeholders(len(note_ids))})",
                    (message.key, to_db(now), *note_ids),
                )
        return True

    async def drop_obsolete_guides(self) -> int:
        """Queued guides of a meeting time that no longer holds (moved: another version;
        cancelled) are dropped (``failed``, "obsolete"), and their notes wait for the next
        guide. Returns how many were dropped."""
        rows = await self.read_all(
            "SELECT id, key FROM outbox WHERE status = 'queued' AND kind = ?", (GUIDE_KIND,)
        )
        if not rows:  # the usual tick: one read on a partial index, no write
            return 0
        meeting_ids = sorted({_id(r["key"]) for r in rows})
        current = {
            guide_key(m["id"], m["version"])
            for m in await self.read_all(
                "SELECT id, version FROM meetings WHERE status = 'scheduled'"
                f" AND id IN ({placeholders(len(meeting_ids))})",
                meeting_ids,
            )
        }
        gone = [r for r in rows if r["key"] not in current]
        if not gone:  # guides held for the quiet hours: still good
            return 0
        ids = [r["id"] for r in gone]
        keys = [r["key"] for r in gone]
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'failed', last_error = 'obsolete', payload = ?"
                f" WHERE status = 'queued' AND id IN ({placeholders(len(ids))})",
                (SPENT, *ids),
            )
            # only the notes of guides dropped now (not of one the sender took meanwhile)
            await tx.execute(
                "UPDATE coach_notes SET shown_key = NULL, shown_at = NULL WHERE shown_key IN"
                " (SELECT key FROM outbox WHERE status = 'failed' AND last_error = 'obsolete'"
                f"  AND key IN ({placeholders(len(keys))}))",
                keys,
            )
        return len(gone)

    # -- the self-check -------------------------------------------------------------

    async def selfcheck(self, meeting_id: int) -> SelfCheck | None:
        row = await self.read_one(
            "SELECT * FROM coach_selfchecks WHERE meeting_id = ?", (meeting_id,)
        )
        if row is None:
            return None
        return _selfcheck(row)

    async def set_selfcheck(
        self, meeting_id: int, question: str, answer: str, now: datetime
    ) -> SelfCheck:
        """Her answer to one question (the same press twice stores the same value)."""
        if question not in SELFCHECK_FIELDS:
            raise ValueError(question)
        async with self.tx() as tx:
            await tx.execute(
                f"INSERT INTO coach_selfchecks (meeting_id, {question}, answered_at, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id) DO UPDATE SET"
                f" {question} = excluded.{question}, updated_at = excluded.updated_at",
                (meeting_id, answer, to_db(now), to_db(now)),
            )
        found = await self.selfcheck(meeting_id)
        assert found is not None
        return found

    # -- the coordinator -------------------------------------------------------------

    async def facilitators_named(self, who: str) -> list[Facilitator]:
        """Facilitators by Telegram id (digits) or by the name of their invite (any case)."""
        text = who.strip()
        if text.isdigit():
            rows = await self.read_all(
                "SELECT * FROM facilitators WHERE telegram_id = ? ORDER BY id", (int(text),)
            )
        else:
            rows = await self.read_all(
                "SELECT * FROM facilitators WHERE lower(name) = lower(?) ORDER BY id", (text,)
            )
        return [
            Facilitator(r["id"], r["telegram_id"], r["name"], from_db(r["created_at"]))
            for r in rows
        ]

    async def add_note(self, facilitator_id: int, text: str, now: datetime) -> int:
        async with self.tx() as tx:
            return await tx.insert(
                "INSERT INTO coach_notes (facilitator_id, text, created_at) VALUES (?, ?, ?)",
                (facilitator_id, text, to_db(now)),
            )

    async def coach_meetings_between(self, start: datetime, end: datetime) -> list[HeldCounts]:
        """Every meeting starting in ``[start, end)`` with its attendance counts."""
        rows = await self.read_all(
            "SELECT g.facilitator_id, m.id, m.starts_at, g.timezone, m.status, m.version,"
            " COALESCE(SUM(a.status = 'present'), 0) AS present,"
            " COALESCE(SUM(a.status = 'excused'), 0) AS excused,"
            " COALESCE(SUM(a.status = 'absent'), 0) AS absent"
            " FROM meetings m JOIN groups g ON g.id = m.group_id"
            " LEFT JOIN attendance a ON a.meeting_id = m.id"
            " WHERE m.starts_at >= ? AND m.starts_at < ?"
            " GROUP BY m.id, g.id ORDER BY m.starts_at, m.id",
            (to_db(start), to_db(end)),
        )
        return [
            HeldCounts(
                facilitator_id=r["facilitator_id"],
                meeting_id=r["id"],
                starts_at=from_db(r["starts_at"]),
                timezone=r["timezone"],
                status=r["status"],
                version=r["version"],
                present=r["present"],
                excused=r["excused"],
                absent=r["absent"],
            )
            for r in rows
        ]

    async def selfchecks_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[int, SelfCheck]]:
        """(facilitator id, self-check) of the meetings starting in ``[start, end)``."""
        rows = await self.read_all(
            "SELECT g.facilitator_id, s.* FROM coach_selfchecks s"
            " JOIN meetings m ON m.id = s.meeting_id JOIN groups g ON g.id = m.group_id"
            " WHERE m.starts_at >= ? AND m.starts_at < ? ORDER BY m.starts_at, m.id",
            (to_db(start), to_db(end)),
        )
        return [(r["facilitator_id"], _selfcheck(r)) for r in rows]

    async def open_follow_ups(self) -> dict[int, int]:
        """Open alerts (absence and unreachable) per facilitator id."""
        rows = await self.read_all(
            "SELECT g.facilitator_id, count(*) AS n FROM alerts a"
            " JOIN groups g ON g.id = a.group_id WHERE a.status = 'open'"
            " GROUP BY g.facilitator_id"
        )
        return {r["facilitator_id"]: r["n"] for r in rows}


def _selfcheck(row: aiosqlite.Row) -> SelfCheck:
    return SelfCheck(
        meeting_id=row["meeting_id"],
        spoke=row["spoke"],
        worked=row["worked"],
        obstacle=row["obstacle"],
        updated_at=from_db(row["updated_at"]),
    )


def _id(key: str) -> int:
    """The meeting id of a guide key (``guide:<id>:v<version>``)."""
    return int(key.split(":")[1])
