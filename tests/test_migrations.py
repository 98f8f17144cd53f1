from __future__ import annotations

from pathlib import Path

import pytest

from db import Database, DatabaseTooNew, MigrationError, migrate
from db.migrate import Migration, load_migrations, schema_version
from tests.support.migrations import (
    A_GROUP,
    A_MEMBER,
    NOW,
    before_migration,
    connect_for_test,
    database_at,
)


async def tables(path: Path) -> set[str]:
    conn = await connect_for_test(path)
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
    conn = await connect_for_test(path)
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
    conn = await connect_for_test(path)
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
    conn = await connect_for_test(path)
    try:
        await conn.execute(f"PRAGMA user_version = {len(load_migrations()) + 1}")
    finally:
        await conn.close()
    with pytest.raises(DatabaseTooNew, match=r"knows only up to"):
        await Database.open(database_at(path))


async def test_failed_migration_leaves_previous_version(tmp_path: Path) -> None:
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (y INTEGER);\nINSERT INTO nope VALUES (1);")
    conn = await connect_for_test(tmp_path / "fail.db")
    try:
        with pytest.raises(MigrationError, match=r"0002_b\.sql"):
            await migrate(conn, [good, bad])
        assert await schema_version(conn) == 1
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'b'") as cur:
            assert await cur.fetchone() is None  # the half-applied step was rolled back
    finally:
        await conn.close()


@pytest.mark.sqlite_only
async def test_connection_pragmas(tmp_path: Path) -> None:
    conn = await connect_for_test(tmp_path / "p.db")
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


async def test_mothers_month_migration_keeps_existing_rows(tmp_path: Path) -> None:
    """The issue-13 step (quiet-hours columns on the outbox, a reason note on RSVPs) on a
    database with data: rows stay, the new columns are empty. Found by name, not number."""
    now = NOW
    rows = (
        A_MEMBER
        + f"""
        INSERT INTO meetings (id, group_id, starts_at, place, session_id, created_at,
            updated_at) VALUES (1, 1, '{now}', 'Balai', 'sesi-01', '{now}', '{now}');
        INSERT INTO rsvps (meeting_id, participant_id, answer, reason, answered_at)
            VALUES (1, 1, 'no', 'lainnya', '{now}');
        INSERT INTO outbox (key, chat_id, participant_id, kind, payload, not_before,
            created_at) VALUES ('k', 20, 1, 'reminder', '{{"text":"x"}}', '{now}', '{now}');
        """
    )
    async with before_migration(tmp_path, "mothers_month", rows) as (conn, _step):
        await migrate(conn)
        async with conn.execute(
            "SELECT key, status, quiet_from, quiet_until, expires_at FROM outbox"
        ) as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("k", "queued", None, None, None)]
        async with conn.execute("SELECT answer, reason, note FROM rsvps") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("no", "lainnya", None)]


async def test_voice_migration_keeps_members_and_gives_them_the_default(tmp_path: Path) -> None:
    """The issue-17 step (voice choice, recordings, uploads) on a database with members:
    they stay, with text and voice for the summary. Found by name, not number."""
    async with before_migration(tmp_path, "voice", A_MEMBER) as (conn, step):
        await migrate(conn, target=step)
        async with conn.execute("SELECT name, voice FROM participants") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("Siti", "summary")]
        with pytest.raises(Exception, match=r"(?i)check"):
            await conn.execute("UPDATE participants SET voice = 'loud'")
        async with conn.execute("SELECT count(*) FROM voice_recordings") as cur:
            assert (await cur.fetchone())[0] == 0


async def test_forms_migration_keeps_existing_groups(tmp_path: Path) -> None:
    """The issue-16 step (a kecamatan per group, knowledge levels, semester ratings) on a
    database with a group: it stays, with an empty kecamatan. Found by name, not number."""
    async with before_migration(tmp_path, "forms", A_GROUP) as (conn, _step):
        await migrate(conn)
        async with conn.execute("SELECT name, place, kecamatan FROM groups") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("Mawar", "Balai", "")]
        for table in ("knowledge_levels", "semester_ratings"):
            async with conn.execute(f"SELECT count(*) FROM {table}") as cur:
                assert (await cur.fetchone() or [None])[0] == 0


async def test_checkin_trust_migration_keeps_marks_and_open_codes(tmp_path: Path) -> None:
    """The issue-21 step (place location, how a self check-in came, its flags, the sign-off,
    old codes) on a database with data: a window already open keeps its stored code as its
    secret, marks and wrong-code counts stay, the new columns are empty."""
    now = NOW
    rows = (
        A_MEMBER
        + f"""
        INSERT INTO meetings (id, group_id, starts_at, place, session_id, created_at,
            updated_at, checkin_code, window_opened_at)
            VALUES (1, 1, '{now}', 'Balai', 'sesi-01', '{now}', '{now}', '4821', '{now}');
        INSERT INTO attendance (meeting_id, participant_id, status, source, checked_in_at,
            updated_at) VALUES (1, 1, 'present', 'self', '{now}', '{now}');
        INSERT INTO checkin_attempts (meeting_id, participant_id, wrong) VALUES (1, 1, 2);
        """
    )
    async with before_migration(tmp_path, "checkin_trust", rows) as (conn, _step):
        await migrate(conn)
        async with conn.execute("SELECT checkin_code FROM meetings") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("4821",)]
        async with conn.execute(
            "SELECT status, source, checkin_via, checkin_flags, distance_m, confirmed_by"
            " FROM attendance"
        ) as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [
                ("present", "self", None, None, None, None)
            ]
        async with conn.execute("SELECT wrong, old_codes FROM checkin_attempts") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [(2, 0)]
        async with conn.execute("SELECT place_lat, place_lon FROM groups") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [(None, None)]


async def test_shared_phones_keep_marks_and_log_and_allow_a_second_person(tmp_path: Path) -> None:
    rows = (
        A_MEMBER
        + f"""
        INSERT INTO meetings (id, group_id, starts_at, place, session_id, created_at,
            updated_at, checkin_code, window_opened_at)
            VALUES (1, 1, '{NOW}', 'Balai', 'sesi-01', '{NOW}', '{NOW}', 's3cret', '{NOW}');
        INSERT INTO attendance (meeting_id, participant_id, status, source, checked_in_at,
            updated_at, checkin_via, checkin_flags, distance_m)
            VALUES (1, 1, 'present', 'self', '{NOW}', '{NOW}', 'link', 'far', 900);
        """
    )
    async with before_migration(tmp_path, "shared_phones", rows) as (conn, _step):
        await migrate(conn)
        async with conn.execute(
            "SELECT status, source, checkin_via, checkin_flags, distance_m, marked_by_leader"
            " FROM attendance"
        ) as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [
                ("present", "self", "link", "far", 900, None)
            ]
        async with conn.execute("SELECT COUNT(*) FROM attendance_log") as cur:
            logged = (await cur.fetchone() or [0])[0]
        # A second person on Siti's phone (Telegram 20), and a leader's mark: both allowed
        # now, and the log, rebuilt with its triggers, records who marked.
        await conn.execute(
            "INSERT INTO participants (id, group_id, telegram_id, name, joined_at)"
            f" VALUES (2, 1, 20, 'Ani', '{NOW}')"
        )
        await conn.execute(
            "INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at,"
            f" marked_by_leader) VALUES (1, 2, 'present', 'leader', '{NOW}', 1)"
        )
        async with conn.execute(
            "SELECT participant_id, source, by_leader_id FROM attendance_log ORDER BY id"
        ) as cur:
            log = [tuple(r) for r in await cur.fetchall()]
        assert len(log) == logged + 1 and log[-1] == (2, "leader", 1)
        async with conn.execute("SELECT name FROM participants WHERE telegram_id = 20") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["Siti", "Ani"]


async def test_inbox_migration_keeps_existing_rows(tmp_path: Path) -> None:
    """The issue-19 step (webhook mode's inbox) on a database with a member: she stays, the
    inbox starts empty and keeps one row per update id. Found by name, not number."""
    async with before_migration(tmp_path, "inbox", A_MEMBER) as (conn, _step):
        await migrate(conn)
        async with conn.execute("SELECT name FROM participants") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("Siti",)]
        for _ in range(2):
            await conn.execute(
                "INSERT OR IGNORE INTO inbox (update_id, chat_id, payload, received_at)"
                " VALUES (7, 20, '{}', ?)",
                (NOW,),
            )
        async with conn.execute("SELECT update_id, done_at FROM inbox") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [(7, None)]
