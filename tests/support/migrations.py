"""Migration tests: a database migrated up to the step before a given migration, with
the rows a test puts in it, to check that the step keeps existing data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Generator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from db.connection import connect
from db.dialect import kinds_of, to_postgres
from db.migrate import load_migrations, migrate, schema_version
from tests.support.backend import POSTGRES, new_database

NOW = "2026-12-01T01:00:00+00:00"
A_GROUP = f"""
    INSERT INTO facilitators (id, telegram_id, name, created_at) VALUES (1, 10, 'R', '{NOW}');
    INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code, created_at)
        VALUES (1, 1, 'Mawar', 'Asia/Jakarta', 'Balai', 'abc', '{NOW}');
"""
"""Facilitator 1 (Telegram 10) with group 1, Mawar, meeting at Balai."""
A_MEMBER = (
    A_GROUP
    + f"""
    INSERT INTO participants (id, group_id, telegram_id, name, joined_at)
        VALUES (1, 1, 20, 'Siti', '{NOW}');
"""
)
"""The same, with member 1, Siti (Telegram 20)."""


@asynccontextmanager
async def before_migration(tmp_path: Path, name: str, rows: str) -> AsyncIterator[tuple[Any, int]]:
    """A database at the step before the migration ``NNNN_<name>.sql`` (found by name,
    never by number) holding ``rows``; yields its connection (:func:`connect_for_test`) and
    that migration's number."""
    step = next(m.version for m in load_migrations() if m.name.endswith(f"_{name}.sql"))
    conn = await connect_for_test(tmp_path / "data.db")
    try:
        await migrate(conn, target=step - 1)
        await conn.executescript(rows)
        await conn.commit()
        yield conn, step
    finally:
        await conn.close()


_URLS: dict[Path, str] = {}


def database_at(path: Path) -> Path | str:
    """What ``Database.open`` opens for a test database named ``path``: the file itself, or
    (PostgreSQL) the database made for it by :func:`connect_for_test`."""
    return _URLS[path] if POSTGRES else path


async def connect_for_test(path: Path) -> Any:
    """A bare connection for migration tests: SQLite's to the file ``path``; on PostgreSQL a
    fresh, empty database (the same one again for the same ``path``) through
    :class:`PgConnection`, which answers the few aiosqlite calls these tests make."""
    if not POSTGRES:
        return await connect(path)
    if path not in _URLS:
        _URLS[path] = new_database(path.parent, migrated=False)
    return PgConnection(await asyncpg.connect(_URLS[path]))


class PgCursor:
    """The result of :meth:`PgConnection.execute`: awaited, or used with ``async with``."""

    def __init__(self, run: Awaitable[list[Any]]) -> None:
        self._run = run
        self._rows: list[Any] = []

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._load().__await__()

    async def _load(self) -> PgCursor:
        self._rows = await self._run
        return self

    async def __aenter__(self) -> PgCursor:
        return await self._load()

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def fetchall(self) -> list[Any]:
        return self._rows

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None


class PgConnection:
    """An asyncpg connection (autocommit) with aiosqlite's ``execute``, ``execute_fetchall``,
    ``executescript``, ``commit`` and ``close``; SQLite's catalog questions asked of
    PostgreSQL's. ``db.migrate`` migrates the connection inside (``raw_pg``)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.raw_pg = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        return PgCursor(self._fetch(sql, params))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return await self._fetch(sql, params)

    async def executescript(self, script: str) -> None:
        await self.raw_pg.execute(script)

    async def commit(self) -> None:
        return None

    async def close(self) -> None:
        await self.raw_pg.close()

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        text = " ".join(sql.split())
        if text == "PRAGMA foreign_key_check":
            return []  # PostgreSQL checks every foreign key as it is written
        if match := re.fullmatch(r"PRAGMA user_version = (\d+)", text):
            await schema_version(self.raw_pg)  # creates its table
            await self.raw_pg.execute("DELETE FROM schema_version")
            await self.raw_pg.execute(
                "INSERT INTO schema_version (version) VALUES ($1)", int(match.group(1))
            )
            return []
        if text.startswith("SELECT name FROM sqlite_master"):
            where = re.search(r"name = '(\w+)'", text)
            sql = "SELECT table_name AS name FROM information_schema.tables" + (
                " WHERE table_schema = 'public'"
                + (f" AND table_name = '{where.group(1)}'" if where else "")
            )
        values = list(params)
        return list(await self.raw_pg.fetch(to_postgres(sql, kinds_of(values)), *values))
