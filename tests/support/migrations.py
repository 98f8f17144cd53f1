"""Migration tests: a database migrated up to the step before a given migration, with
the rows a test puts in it, to check that the step keeps existing data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from db.connection import connect
from db.migrate import load_migrations, migrate

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
async def before_migration(
    tmp_path: Path, name: str, rows: str
) -> AsyncIterator[tuple[aiosqlite.Connection, int]]:
    """A database at the step before the migration ``NNNN_<name>.sql`` (found by name,
    never by number) holding ``rows``; yields its connection and that migration's number."""
    step = next(m.version for m in load_migrations() if m.name.endswith(f"_{name}.sql"))
    conn = await connect(tmp_path / "data.db")
    try:
        await migrate(conn, target=step - 1)
        await conn.executescript(rows)
        await conn.commit()
        yield conn, step
    finally:
        await conn.close()
