"""The connection wrapper every query module builds on.

Two aiosqlite connections serve the whole process, each in its own thread: the main one,
and one for reads while a write holds the main one (WAL lets a reader work while a writer
writes), so a read never waits behind a long write (a district's reminders being
enqueued, a write waiting out ``busy_timeout``). Coroutines share each connection, so a
unit of work must not interleave with another coroutine's statements: every unit runs
under its connection's asyncio lock (``async with db.tx()``, ``db.tx(write=False)``).
Units are short, single-purpose and never await the network while holding a lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from db.connection import to_db
from db.dialect import SQLITE

if TYPE_CHECKING:
    from db.outbox import PhoneRule, QuietRule

Params = Sequence[Any] | dict[str, Any]


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values."""
    return ",".join("?" * count)


class Tx:
    """The statements of one transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        return await self._conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def executemany_count(self, sql: str, rows: Iterable[Params]) -> int:
        """``executemany``, returning the number of rows it wrote (an ``INSERT OR IGNORE``
        counts only the rows it inserted; an upsert the rows it inserted or updated)."""
        before = self._conn.total_changes
        await self._conn.executemany(sql, rows)
        return self._conn.total_changes - before

    async def one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """The first row, in one trip to the database thread."""
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        row = await self._conn.execute_insert(sql, params)
        if row is None:  # pragma: no cover - sqlite always sets it for INSERT
            raise RuntimeError("insert without rowid")
        return int(row[0])

    async def changes(self, sql: str, params: Params = ()) -> int:
        cur = await self._conn.execute(sql, params)
        count = cur.rowcount
        await cur.close()
        return count


class DatabaseBase:
    dialect = SQLITE
    """Which SQL the database speaks (``db.dialect``): PostgreSQL's subclass says so."""

    quiet_rule: QuietRule | None = None
    """Quiet hours for messages to participants (``db.outbox.QuietRule``), set by the
    application; every enqueue passes it, inside any transaction. None: nothing is held."""
    phone_rule: PhoneRule | None = None
    """How a message for one person on a shared phone names her (``db.outbox.PhoneRule``),
    set by the application; None: messages pass as they are."""

    def __init__(
        self, conn: aiosqlite.Connection, reader: aiosqlite.Connection | None = None
    ) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._reader = reader or conn
        self._read_lock = asyncio.Lock() if reader is not None else self._lock

    async def close(self) -> None:
        if self._reader is not self._conn:
            await self._reader.close()
        await self._conn.close()

    @property
    def connection(self) -> aiosqlite.Connection:
        return self._conn

    @asynccontextmanager
    async def tx(self, *, write: bool = True) -> AsyncIterator[Tx]:
        """A transaction: ``BEGIN IMMEDIATE`` for writes (takes the write lock at once).

        Reads (``write=False``): when the write connection is free, on it, without
        BEGIN/COMMIT (the lock keeps other coroutines' statements out, and this process is
        the only writer, so they see one consistent state, in the fewest trips to the
        database thread); when a write holds it, on the read connection in a read
        transaction (one snapshot, while the write goes on beside it).
        """
        if not write:
            if not self._diverted():
                async with self._lock:
                    yield Tx(self._conn)
                return
            async with self._read_lock:
                await self._reader.execute("BEGIN")
                try:
                    yield Tx(self._reader)
                finally:
                    await self._reader.execute("COMMIT")
            return
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                try:
                    await self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise

    def _diverted(self) -> bool:
        """Whether a read goes to the read connection: a write holds the write one."""
        return self._reader is not self._conn and self._lock.locked()

    async def read_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """One read statement (see :meth:`tx`; one statement is one snapshot on its own,
        so no BEGIN/COMMIT round trips on either connection)."""
        lock, conn = (
            (self._read_lock, self._reader) if self._diverted() else (self._lock, self._conn)
        )
        async with lock:
            return list(await conn.execute_fetchall(sql, params))

    async def read_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        return next(iter(await self.read_all(sql, params)), None)

    async def write_one(self, sql: str, params: Params = ()) -> int:
        """One write statement, which SQLite applies atomically on its own: no
        BEGIN/COMMIT round trips, and one trip to the database thread. Returns the number
        of rows changed (rows written by triggers included)."""
        async with self._lock:
            before = self._conn.total_changes
            await self._conn.execute_fetchall(sql, params)
            return self._conn.total_changes - before

    async def applied_refs(self, update_id: int | None, effect: str) -> list[int] | None:
        """What ``update_id`` made when it applied ``effect`` before (see
        :func:`applied_before`), or None."""
        async with self.tx(write=False) as tx:
            return await applied_before(tx, update_id, effect)

    @property
    def clock_held(self) -> bool:
        """Whether this process holds the clock now (:meth:`hold_clock`)."""
        return True

    async def hold_clock(self) -> bool:
        """Whether this process runs the clock tick. SQLite: always (one process per
        database); PostgreSQL: the worker holding an advisory lock (``db.postgres``)."""
        return True

    async def migrate(self, target: int | None = None) -> tuple[int, int]:
        """Bring the schema up to ``target`` (default: the newest); (before, after)."""
        from db.migrate import migrate

        return await migrate(self._conn, target=target)

    async def schema_version(self) -> int:
        from db.migrate import schema_version

        return await schema_version(self._conn)

    async def integrity_ok(self) -> bool:
        async with self.tx(write=False) as tx:
            row = await tx.one("PRAGMA integrity_check")
            fk = await tx.all("PRAGMA foreign_key_check")
        return row is not None and row[0] == "ok" and not fk


APPLIED_KEEP = timedelta(days=2)
"""How long an applied update is remembered: Telegram re-delivers an unconfirmed update
for at most 24 hours."""


async def applied_before(tx: Tx, update_id: int | None, effect: str) -> list[int] | None:
    """The rows (``ref``) that the update ``update_id`` made when it applied ``effect``
    before (it is delivered again after a crash), or None if it did not. ``update_id``
    None (no update: the CLI, a test) is never a replay."""
    if update_id is None:
        return None
    rows = await tx.all(
        "SELECT ref FROM applied_updates WHERE update_id = ? AND effect = ? ORDER BY ref",
        (update_id, effect),
    )
    return [int(r["ref"]) for r in rows] if rows else None


async def record_applied(
    tx: Tx, update_id: int | None, effect: str, refs: Sequence[int], now: datetime
) -> None:
    """Record, in the transaction of the effect, that ``update_id`` applied ``effect``
    and made the rows ``refs`` (none: recorded as 0)."""
    if update_id is None:
        return
    await tx.executemany(
        "INSERT OR IGNORE INTO applied_updates (update_id, effect, ref, at) VALUES (?, ?, ?, ?)",
        [(update_id, effect, ref, to_db(now)) for ref in (refs or [0])],
    )
    await tx.execute("DELETE FROM applied_updates WHERE at < ?", (to_db(now - APPLIED_KEEP),))
