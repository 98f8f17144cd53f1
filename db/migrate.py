"""Numbered SQL migrations, tracked by ``PRAGMA user_version`` (SQLite) or the one-row
table ``schema_version`` (PostgreSQL).

``db/migrations/NNNN_name.sql`` are applied in order; each one runs in its own
transaction together with the new version, so a failure leaves the database at the
previous version. A database newer than this code is refused. The same files serve both
backends: PostgreSQL runs them through ``db.dialect.ddl_to_postgres``, or runs
``NNNN_name.postgresql.sql`` instead where one exists (what cannot be translated).
Several processes may start at once on one PostgreSQL database: an advisory lock lets one
of them migrate while the others wait, then find the work done.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiosqlite

from db.dialect import ddl_to_postgres

_NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_PG_SUFFIX = ".postgresql.sql"
MIGRATE_LOCK = 0x70326B32_0001
"""The advisory lock key (PostgreSQL) under which one process migrates."""


class MigrationError(Exception):
    pass


class DatabaseTooNew(MigrationError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database is at schema version {found}, but this code knows only up to "
            f"{known}; run a newer version of the bot or restore a matching backup"
        )
        self.found = found
        self.known = known


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    postgresql: str | None = None
    """The script PostgreSQL runs instead of ``sql`` (``NNNN_name.postgresql.sql``)."""

    def script_for_postgres(self) -> str:
        return ddl_to_postgres(self.postgresql if self.postgresql is not None else self.sql)


def load_migrations() -> list[Migration]:
    found: list[Migration] = []
    folder = resources.files("db").joinpath("migrations")
    for entry in folder.iterdir():
        match = _NAME_RE.match(entry.name)
        if match:
            override = folder.joinpath(entry.name.removesuffix(".sql") + _PG_SUFFIX)
            found.append(
                Migration(
                    int(match.group(1)),
                    entry.name,
                    entry.read_text("utf-8"),
                    override.read_text("utf-8") if override.is_file() else None,
                )
            )
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {migration.name} breaks the numbering 1, 2, 3, ...")
    return found


async def schema_version(conn: Any) -> int:
    """The schema version of a SQLite or PostgreSQL (asyncpg) connection."""
    if not isinstance(conn, aiosqlite.Connection):
        return await _pg_version(getattr(conn, "raw_pg", conn))
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(
    conn: Any,
    migrations: list[Migration] | None = None,
    target: int | None = None,
) -> tuple[int, int]:
    """Bring the schema up to ``target`` (default: the newest). Returns (before, after).
    ``conn``: a SQLite connection or a PostgreSQL (asyncpg) one."""
    migrations = load_migrations() if migrations is None else migrations
    known = len(migrations)
    target = known if target is None else target
    if not isinstance(conn, aiosqlite.Connection):
        # an asyncpg connection, or a test's wrapper of one (``raw_pg``)
        return await _pg_migrate(getattr(conn, "raw_pg", conn), migrations, target)
    before = await schema_version(conn)
    if before > known:
        raise DatabaseTooNew(before, known)
    for migration in migrations[before:target]:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            # executescript would commit first; run statements one by one instead.
            for statement in _split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {migration.version}")
            await conn.execute("COMMIT")
        except Exception as exc:
            await conn.execute("ROLLBACK")
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
    return before, await schema_version(conn)


async def _pg_version(conn: Any) -> int:
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
    value = await conn.fetchval("SELECT max(version) FROM schema_version")
    return int(value or 0)


async def _pg_migrate(conn: Any, migrations: list[Migration], target: int) -> tuple[int, int]:
    known = len(migrations)
    before = await _pg_version(conn)
    if before > known:
        raise DatabaseTooNew(before, known)
    for migration in migrations[before:target]:
        try:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATE_LOCK)
                if await _pg_version(conn) >= migration.version:
                    continue  # another process applied it while this one waited
                await conn.execute(migration.script_for_postgres())
                await conn.execute("DELETE FROM schema_version")
                await conn.execute(
                    "INSERT INTO schema_version (version) VALUES ($1)", migration.version
                )
        except Exception as exc:
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
    return before, await _pg_version(conn)


def _split_statements(sql: str) -> list[str]:
    """Split a migration into statements with sqlite's own completeness test."""

    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise MigrationError(f"unterminated statement: {buffer.strip()[:60]}")
    return statements
