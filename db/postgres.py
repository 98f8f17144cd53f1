"""PostgreSQL as the second backend (asyncpg): the same queries, translated by ``db.dialect``.

A process holds two connections, like SQLite's (``db.base``): one for writes, whose units
of work run one at a time under an asyncio lock (so a read-then-write unit sees no other
unit of this process in between, as under SQLite's ``BEGIN IMMEDIATE``), and one for the
reads that come while a write holds the first one (each in a read-only snapshot). Other
processes on the same database are kept apart by the database itself: row locks, unique
keys, ``FOR UPDATE SKIP LOCKED`` where a worker claims rows, advisory locks.

The database URL is ``postgresql://user@host:port/name``; the password comes from the
environment (``P2K2_DATABASE_PASSWORD``, else libpq's ``PGPASSWORD``), never from a file.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any, cast

import aiosqlite
import asyncpg

from db.base import Params, Tx
from db.dialect import POSTGRESQL, kinds_of, named_to_qmark, to_postgres

PASSWORD_ENV = "P2K2_DATABASE_PASSWORD"
CLOCK_LOCK = 0x70326B32_0002
"""The advisory lock key of the clock tick: one worker at a time runs it."""
_COUNT = re.compile(r"(\d+)$")


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without a password (for logs and ``check``)."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


class DatabaseUnavailable(Exception):
    """The PostgreSQL server cannot be reached or refuses the login."""


async def connect_pg(url: str) -> asyncpg.Connection:
    password = os.environ.get(PASSWORD_ENV) or None
    try:
        return await asyncpg.connect(url, password=password, statement_cache_size=1024)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseUnavailable(f"PostgreSQL {redacted(url)}: cannot connect ({exc})") from exc


def _params(params: Params) -> list[Any]:
    if isinstance(params, dict):
        raise TypeError("named parameters go through _bind")
    return [int(v) if isinstance(v, bool) else v for v in params]


def _bind(sql: str, params: Params) -> tuple[str, list[Any]]:
    """The statement for PostgreSQL and its positional values (``:name`` ones too)."""
    if isinstance(params, dict):
        sql, names = named_to_qmark(sql)
        params = [params[name] for name in names]
    values = _params(params)
    return to_postgres(sql, kinds_of(values)), values


def _batch(sql: str, rows: Iterable[Params]) -> tuple[str, list[list[Any]]]:
    """A statement for many rows: each parameter typed after its first non-None value."""
    batch = [_params(r) for r in rows]
    if not batch:
        return sql, batch
    kinds = ["-"] * len(batch[0])
    for row in batch:
        for i, value in enumerate(row):
            if kinds[i] == "-" and value is not None:
                kinds[i] = kinds_of([value])
    return to_postgres(sql, "".join(kinds)), batch


class PgTx(Tx):
    """The statements of one transaction on PostgreSQL (the same methods as :class:`Tx`)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._pg = conn

    async def execute(self, sql: str, params: Params = ()) -> Any:
        statement, values = _bind(sql, params)
        return await self._pg.execute(statement, *values)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        statement, batch = _batch(sql, rows)
        if batch:
            await self._pg.executemany(statement, batch)

    async def executemany_count(self, sql: str, rows: Iterable[Params]) -> int:
        statement, batch = _batch(sql + " RETURNING 1", rows)
        if not batch:
            return 0
        return len(await self._pg.fetchmany(statement, batch))

    async def one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        statement, values = _bind(sql, params)
        row = await self._pg.fetchrow(statement, *values)
        return cast(aiosqlite.Row | None, row)

    async def all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        statement, values = _bind(sql, params)
        rows = await self._pg.fetch(statement, *values)
        return cast(list[aiosqlite.Row], rows)

    async def insert(self, sql: str, params: Params = ()) -> int:
        statement, values = _bind(sql + " RETURNING id", params)
        value = await self._pg.fetchval(statement, *values)
        if value is None:  # pragma: no cover - an INSERT ... RETURNING always returns
            raise RuntimeError("insert without id")
        return int(value)

    async def changes(self, sql: str, params: Params = ()) -> int:
        statement, values = _bind(sql, params)
        return _count(await self._pg.execute(statement, *values))


def _count(status: str) -> int:
    """The row count of a command tag (``UPDATE 3``, ``INSERT 0 1``)."""
    match = _COUNT.search(status or "")
    return int(match.group(1)) if match else 0


class PostgresBackend:
    """The transaction methods of :class:`db.base.DatabaseBase` over PostgreSQL; mixed in
    before it (``db.PostgresDatabase``)."""

    dialect = POSTGRESQL

    def __init__(self, conn: asyncpg.Connection, reader: asyncpg.Connection | None) -> None:
        self._pg = conn
        self._pg_reader = reader or conn
        self._lock = asyncio.Lock()
        self._read_lock = asyncio.Lock() if reader is not None else self._lock
        self._clock_held = False

    async def close(self) -> None:
        if self._pg_reader is not self._pg:
            await self._pg_reader.close()
        await self._pg.close()

    @property
    def connection(self) -> aiosqlite.Connection:
        raise TypeError("a PostgreSQL database has no SQLite connection")

    @property
    def pg_connection(self) -> asyncpg.Connection:
        """The write connection (migrations, the data move)."""
        return self._pg

    def _diverted(self) -> bool:
        return self._pg_reader is not self._pg and self._lock.locked()

    @asynccontextmanager
    async def tx(self, *, write: bool = True) -> AsyncIterator[Tx]:
        if not write:
            if not self._diverted():
                async with self._lock:
                    yield PgTx(self._pg)
                return
            snapshot = self._pg_reader.transaction(isolation="repeatable_read", readonly=True)
            async with self._read_lock, snapshot:
                yield PgTx(self._pg_reader)
            return
        async with self._lock:
            transaction = self._pg.transaction()
            await transaction.start()
            try:
                yield PgTx(self._pg)
            except BaseException:
                if not self._pg.is_closed():
                    await transaction.rollback()
                raise
            else:
                await transaction.commit()

    async def read_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        lock, conn = (
            (self._read_lock, self._pg_reader) if self._diverted() else (self._lock, self._pg)
        )
        statement, values = _bind(sql, params)
        async with lock:
            rows = await conn.fetch(statement, *values)
        return cast(list[aiosqlite.Row], rows)

    async def read_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        return next(iter(await self.read_all(sql, params)), None)

    async def write_one(self, sql: str, params: Params = ()) -> int:
        statement, values = _bind(sql, params)
        async with self._lock:
            return _count(await self._pg.execute(statement, *values))

    @property
    def clock_held(self) -> bool:
        return self._clock_held

    async def hold_clock(self) -> bool:
        """Whether this worker runs the clock tick: it holds (or now takes) a session
        advisory lock on its write connection. The server drops the lock with the
        connection, so when the worker holding it dies, the next worker's tick takes it."""
        if self._clock_held:
            return True
        async with self._lock:
            self._clock_held = bool(
                await self._pg.fetchval("SELECT pg_try_advisory_lock($1)", CLOCK_LOCK)
            )
        return self._clock_held

    async def migrate(self, target: int | None = None) -> tuple[int, int]:
        from db.migrate import migrate

        return await migrate(self._pg, target=target)

    async def schema_version(self) -> int:
        from db.migrate import schema_version

        return await schema_version(self._pg)

    async def integrity_ok(self) -> bool:
        """PostgreSQL keeps its constraints itself; a live connection is the check."""
        return bool(await self._pg.fetchval("SELECT 1"))
