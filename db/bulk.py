"""Bulk loading for benchmarks and demos: many rows in few transactions.

Used by ``bench/seed.py`` to build a district-sized database quickly. The running bot
never uses this module; it goes through the query mixins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from db.base import DatabaseBase
from db.dialect import POSTGRESQL
from db.outbox import SPENT

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


_NUMBERED = frozenset({"facilitators", "groups", "participants", "meetings", "alerts"})
"""Tables whose ``id`` the database numbers (PostgreSQL: an identity column)."""


class BulkLoader:
    """``await loader.insert("participants", rows)``: one transaction per call, on either
    backend (``db.tx``)."""

    TABLES = tuple(_INSERTS)

    def __init__(self, db: DatabaseBase) -> None:
        self._db = db

    async def insert(self, table: str, rows: Iterable[Row]) -> None:
        sql = _INSERTS[table]
        async with self._db.tx() as tx:
            await tx.executemany(sql, rows)
            if table in _NUMBERED and self._db.dialect == POSTGRESQL:
                # Rows came with their ids: the next id the database gives follows them.
                await tx.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT COALESCE(max(id), 0) + 1 FROM {table}), false)"
                )

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
        async with self._db.tx() as tx:
            return await tx.changes(sql, params)

    async def mark_queued_sent(self, now: str) -> int:
        """Every queued outbox row as delivered at ``now``: what a running sender would
        have done with them within minutes (an in-process benchmark runs no sender)."""
        async with self._db.tx() as tx:
            return await tx.changes(
                "UPDATE outbox SET status = 'sent', sent_at = ?, payload = ?"
                " WHERE status = 'queued'",
                (now, SPENT),
            )

    async def keep_next_scheduled(self) -> int:
        """The seed gives some groups two future meetings: cancel all but the next one."""
        async with self._db.tx() as tx:
            return await tx.changes(
                "UPDATE meetings SET status = 'cancelled' WHERE status = 'scheduled' AND id"
                " NOT IN (SELECT min(id) FROM meetings WHERE status = 'scheduled'"
                " GROUP BY group_id)"
            )

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._db.tx(write=False) as tx:
            return list(await tx.all(sql, params))

    async def groups_of(self, facilitator_ids: Sequence[int]) -> list[int]:
        marks = ",".join("?" * len(facilitator_ids)) or "NULL"
        rows = await self._all(
            f"SELECT id FROM groups WHERE facilitator_id IN ({marks}) ORDER BY id",
            list(facilitator_ids),
        )
        return [int(r[0]) for r in rows]

    async def checkin_members(self, group_ids: Sequence[int]) -> list[tuple[int, str, str]]:
        """(telegram id, name, code) of the active, reachable members of ``group_ids`` whose
        scheduled meeting has its check-in window open (a code)."""
        marks = ",".join("?" * len(group_ids)) or "NULL"
        rows = await self._all(
            "SELECT p.telegram_id, p.name, m.checkin_code FROM participants p"
            " JOIN meetings m ON m.group_id = p.group_id AND m.status = 'scheduled'"
            " WHERE p.status = 'active' AND p.reachable = 1 AND p.telegram_id IS NOT NULL"
            f" AND m.checkin_code IS NOT NULL AND p.group_id IN ({marks}) ORDER BY p.id",
            list(group_ids),
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def telegram_of_facilitator(self, facilitator_id: int) -> int:
        rows = await self._all(
            "SELECT telegram_id FROM facilitators WHERE id = ?", (facilitator_id,)
        )
        if not rows:
            raise LookupError(f"no facilitator {facilitator_id}")
        return int(rows[0][0])

    async def reminder_audience(self) -> int:
        """Reminders one slot of every scheduled meeting makes: its group's active members
        the bot can write to (what a benchmark checks its tick queued)."""
        rows = await self._all(
            "SELECT count(*) FROM meetings m JOIN participants p ON p.group_id = m.group_id"
            " WHERE m.status = 'scheduled' AND p.status = 'active' AND p.reachable = 1"
            " AND p.telegram_id IS NOT NULL"
        )
        return int(rows[0][0]) if rows else 0

    async def analyze(self) -> None:
        """Fresh statistics for the query planner after a big load."""
        async with self._db.tx() as tx:
            await tx.execute("ANALYZE")
