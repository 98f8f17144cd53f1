"""Numbered SQL migrations, tracked by ``PRAGMA user_version``.

``db/migrations/NNNN_name.sql`` are applied in order; each one runs in its own
transaction together with the new ``user_version``, so a failure leaves the
database at the previous version. A database newer than this code is refused.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

import aiosqlite

_NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


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


def load_migrations() -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files("db").joinpath("migrations").iterdir():
        match = _NAME_RE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {migration.name} breaks the numbering 1, 2, 3, ...")
    return found


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(
    conn: aiosqlite.Connection,
    migrations: list[Migration] | None = None,
    target: int | None = None,
) -> tuple[int, int]:
    """Bring the schema up to ``target`` (default: the newest). Returns (before, after)."""
    migrations = load_migrations() if migrations is None else migrations
    known = len(migrations)
    target = known if target is None else target
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
