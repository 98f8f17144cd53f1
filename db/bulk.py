"""Bulk loading for benchmarks and demos: many rows in few transactions.

Used by ``bench/seed.py`` to build a district-sized database quickly. The running bot
never uses this module; it goes through the query mixins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

Row = Sequence[Any]

_INSERTS = {
    "facilitators": (
        "INSERT INTO facilitators (id, telegram_id, name, created_at) VALUES (?, ?, ?, ?)"
    ),
    "groups": (
        "INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code, leader_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "participants": (
        "INSERT INTO participants (id, group_id, telegram_id, name, phone, status, reachable,"
        " joined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "meetings": (
        "INSERT INTO meetings (id, group_id, starts_at, place, session_id, status, created_at,"
        " updated_at, checkin_code, window_opened_at, finalized_at, next_reminder_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "attendance": (
        "INSERT INTO attendance (meeting_id, participant_id, status, source, reason,"
        " checked_in_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    "rsvps": (
        "INSERT INTO rsvps (meeting_id, participant_id, answer, reason, answered_at)"
        " VALUES (?, ?, ?, ?, ?)"
    ),
    "alerts": (
        "INSERT INTO alerts (participant_id, group_id, kind, trigger_meeting_id, missed,"
        " status, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
}


class BulkLoader:
    """``await loader.insert("participants", rows)``: one transaction per call."""

    TABLES = tuple(_INSERTS)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def insert(self, table: str, rows: Iterable[Row]) -> None:
        sql = _INSERTS[table]
        await self._conn.execute("BEGIN IMMEDIATE")
        try:
            await self._conn.executemany(sql, rows)
        except BaseException:
            await self._conn.execute("ROLLBACK")
            raise
        await self._conn.execute("COMMIT")

    async def move_scheduled_meetings(
        self,
        starts_at: str,
        due: str,
        *,
        only: Sequence[int] | None = None,
        exclude: Sequence[int] = (),
    ) -> int:
        """Every scheduled meeting (of the groups ``only``, if given, and not of those in
        ``exclude``) at one moment, its reminders to be worked out from ``due`` on: a whole
        district's reminders due at once."""
        sql = (
            "UPDATE meetings SET starts_at = ?, version = version + 1, next_reminder_at = ?"
            " WHERE status = 'scheduled'"
        )
        params: list[object] = [starts_at, due]
        if only is not None:
            sql += f" AND group_id IN ({','.join('?' * len(only)) or 'NULL'})"
            params.extend(only)
        if exclude:
            sql += f" AND group_id NOT IN ({','.join('?' * len(exclude))})"
            params.extend(exclude)
        await self._conn.execute("BEGIN IMMEDIATE")
        cur = await self._conn.execute(sql, params)
        await self._conn.execute("COMMIT")
        return cur.rowcount

    async def keep_next_scheduled(self) -> int:
        """The seed gives some groups two future meetings: cancel all but the next one."""
        await self._conn.execute("BEGIN IMMEDIATE")
        cur = await self._conn.execute(
            "UPDATE meetings SET status = 'cancelled' WHERE status = 'scheduled' AND id NOT IN"
            " (SELECT min(id) FROM meetings WHERE status = 'scheduled' GROUP BY group_id)"
        )
        await self._conn.execute("COMMIT")
        return cur.rowcount

    async def groups_of(self, facilitator_ids: Sequence[int]) -> list[int]:
        marks = ",".join("?" * len(facilitator_ids)) or "NULL"
        async with self._conn.execute(
            f"SELECT id FROM groups WHERE facilitator_id IN ({marks}) ORDER BY id",
            list(facilitator_ids),
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def checkin_members(self, group_ids: Sequence[int]) -> list[tuple[int, str, str]]:
        """(telegram id, name, code) of the active, reachable members of ``group_ids`` whose
        scheduled meeting has its check-in window open (a code)."""
        marks = ",".join("?" * len(group_ids)) or "NULL"
        async with self._conn.execute(
            "SELECT p.telegram_id, p.name, m.checkin_code FROM participants p"
            " JOIN meetings m ON m.group_id = p.group_id AND m.status = 'scheduled'"
            " WHERE p.status = 'active' AND p.reachable = 1 AND p.telegram_id IS NOT NULL"
            f" AND m.checkin_code IS NOT NULL AND p.group_id IN ({marks}) ORDER BY p.id",
            list(group_ids),
        ) as cur:
            return [(int(r[0]), str(r[1]), str(r[2])) for r in await cur.fetchall()]

    async def telegram_of_facilitator(self, facilitator_id: int) -> int:
        async with self._conn.execute(
            "SELECT telegram_id FROM facilitators WHERE id = ?", (facilitator_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise LookupError(f"no facilitator {facilitator_id}")
        return int(row[0])

    async def reminder_audience(self) -> int:
        """Reminders one slot of every scheduled meeting makes: its group's active members
        the bot can write to (what a benchmark checks its tick queued)."""
        async with self._conn.execute(
            "SELECT count(*) FROM meetings m JOIN participants p ON p.group_id = m.group_id"
            " WHERE m.status = 'scheduled' AND p.status = 'active' AND p.reachable = 1"
            " AND p.telegram_id IS NOT NULL"
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def analyze(self) -> None:
        """Fresh statistics for the query planner after a big load."""
        await self._conn.execute("ANALYZE")
