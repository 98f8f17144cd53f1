from __future__ import annotations

from pathlib import Path

import pytest

from db import Database, DatabaseTooNew, MigrationError, connect, migrate
from db.migrate import Migration, load_migrations, schema_version


async def tables(path: Path) -> set[str]:
    conn = await connect(path)
    try:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
            return {row[0] for row in await cur.fetchall()}
    finally:
        await conn.close()


def test_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


async def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    conn = await connect(path)
    try:
        before, after = await migrate(conn)
        assert (before, after) == (0, len(load_migrations()))
        assert await schema_version(conn) == after
        # Running again is a no-op.
        assert await migrate(conn) == (after, after)
    finally:
        await conn.close()
    assert {"facilitators", "groups", "participants", "facilitator_invites"} <= await tables(path)


@pytest.mark.parametrize("start", range(0, len(load_migrations())))
async def test_upgrade_from_every_older_version(tmp_path: Path, start: int) -> None:
    path = tmp_path / f"v{start}.db"
    conn = await connect(path)
    try:
        await migrate(conn, target=start)
        assert await schema_version(conn) == start
        before, after = await migrate(conn)
        assert (before, after) == (start, len(load_migrations()))
        async with conn.execute("PRAGMA foreign_key_check") as cur:
            assert await cur.fetchall() == []
    finally:
        await conn.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    conn = await connect(path)
    try:
        await conn.execute(f"PRAGMA user_version = {len(load_migrations()) + 1}")
    finally:
        await conn.close()
    with pytest.raises(DatabaseTooNew, match=r"knows only up to"):
        await Database.open(path)


async def test_failed_migration_leaves_previous_version(tmp_path: Path) -> None:
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (y INTEGER);\nINSERT INTO nope VALUES (1);")
    conn = await connect(tmp_path / "fail.db")
    try:
        with pytest.raises(MigrationError, match=r"0002_b\.sql"):
            await migrate(conn, [good, bad])
        assert await schema_version(conn) == 1
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'b'") as cur:
            assert await cur.fetchone() is None  # the half-applied step was rolled back
    finally:
        await conn.close()


async def test_connection_pragmas(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "p.db")
    try:
        for pragma, expected in (
            ("foreign_keys", 1),
            ("journal_mode", "wal"),
            ("busy_timeout", 5000),
            ("synchronous", 1),  # NORMAL
        ):
            async with conn.execute(f"PRAGMA {pragma}") as cur:
                row = await cur.fetchone()
            assert row is not None and row[0] == expected, pragma
    finally:
        await conn.close()
