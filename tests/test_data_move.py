"""Moving a district from SQLite to PostgreSQL (issue 19, point 6): the real
``python -m bot migrate-data`` process, killed at a pinned point half-way, run again to
finish, then verified by counts and checksums (and by reading both databases here). These
tests need PostgreSQL in both passes of the suite."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.crashpoints import ENV, EXIT_STATUS
from db import Database
from db.base import record_applied
from db.bulk import BulkLoader
from db.connection import to_db
from db.outbox import NewMessage
from tests.support.backend import query_rows, server, write_row
from tests.support.harness import REPO

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
GROUPS, MEMBERS = 6, 20


async def district(path: Path) -> None:
    """A small district in a SQLite file: facilitators, groups with leaders, members, held
    meetings with marks (and their log, written by the triggers), queued messages, an
    alert and an applied update."""
    stamp = to_db(NOW - timedelta(days=30))
    db = await Database.open(path)
    try:
        loader = BulkLoader(db)
        await loader.insert("facilitators", [(1, 501, "Rina Wati", stamp), (2, 502, "Sri", stamp)])
        await loader.insert(
            "groups",
            [
                (g, 1 + g % 2, f"Kelompok {g}", "Asia/Jakarta", "Balai", f"j{g}", None, stamp)
                for g in range(1, GROUPS + 1)
            ],
        )
        members = [
            (p, 1 + (p - 1) // MEMBERS, 10_000 + p, f"Ibu {p}", None, "active", 1, stamp)
            for p in range(1, GROUPS * MEMBERS + 1)
        ]
        await loader.insert("participants", members)
        held = to_db(NOW - timedelta(days=3))
        await loader.insert(
            "meetings",
            [
                (g, g, held, "Balai", "sesi-01", "held", stamp, stamp, None, None, stamp, None)
                for g in range(1, GROUPS + 1)
            ],
        )
        async with db.tx() as tx:
            for g in range(1, GROUPS + 1):
                leader = (g - 1) * MEMBERS + 1
                await tx.execute("UPDATE groups SET leader_id = ? WHERE id = ?", (leader, g))
            await tx.executemany(
                "INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at)"
                " VALUES (?, ?, ?, 'self', ?)",
                [(m[1], m[0], "present" if m[0] % 3 else "absent", stamp) for m in members],
            )
            await record_applied(tx, 77, "wrong_code", [1], NOW)
        await db.enqueue(
            [
                NewMessage(f"k{n}", 10_000 + n, n, "announcement", f"Halo {n} é", None, NOW)
                for n in range(1, 31)
            ],
            NOW,
        )
        assert await db.create_alert(3, 1, "absence", 1, [1], NOW) is not None
    finally:
        await db.close()


@pytest.fixture
async def target() -> AsyncIterator[str]:
    pg = server()
    url = pg.new_database(migrated=False)
    try:
        yield url
    finally:
        pg.drop_database(url)


async def move(source: Path, url: str, crash_at: str | None = None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != ENV}
    if crash_at:
        env[ENV] = crash_at
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "migrate-data", "--from", str(source), "--to", url,
        "--chunk", "50",
        cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


TABLES = ("facilitators", "groups", "participants", "meetings", "attendance", "attendance_log")


async def test_a_move_killed_half_way_goes_on_and_verifies(tmp_path: Path, target: str) -> None:
    source = tmp_path / "district.db"
    await district(source)
    # Killed (os._exit, like kill -9) just after the first chunk of members is committed.
    code, _out, err = await move(source, target, crash_at="data-move:participants")
    assert code == EXIT_STATUS, err
    assert query_rows(target, "SELECT count(*) FROM participants") == [(50,)]
    progress = "SELECT last_rowid, done FROM data_move WHERE table_name = ?"
    assert query_rows(target, progress, "participants") == [(50, False)]
    code, out, err = await move(source, target)
    assert code == 0, err
    assert "going on with the move started before" in out
    assert "counts and checksums equal" in out
    for table in (*TABLES, "outbox", "alerts", "applied_updates"):
        ours = query_rows(target, f"SELECT count(*) FROM {table}")
        assert ours == query_rows(source, f"SELECT count(*) FROM {table}"), table
    # Every member once, the marks' log as it was (the triggers did not write it again),
    # the leaders set, text as written.
    assert query_rows(target, "SELECT count(DISTINCT id) FROM participants") == [(120,)]
    assert query_rows(target, "SELECT count(*) FROM attendance_log") == [(120,)]
    leaders = "SELECT id, leader_id FROM groups ORDER BY id"
    assert query_rows(target, leaders) == query_rows(source, leaders)
    assert query_rows(target, "SELECT payload FROM outbox WHERE key = 'k7'") == query_rows(
        source, "SELECT payload FROM outbox WHERE key = 'k7'"
    )
    # Run again: nothing more to copy, verified again.
    code, out, err = await move(source, target)
    assert code == 0 and "counts and checksums equal" in out, err
    assert "rows copied" not in out.replace(": 0 rows copied", "")
    # The bot opens it; new rows get ids after the copied ones.
    db = await Database.open(target)
    try:
        async with db.tx() as tx:
            new_id = await tx.insert(
                "INSERT INTO facilitators (telegram_id, name, created_at) VALUES (?, ?, ?)",
                (999, "Baru", to_db(NOW)),
            )
        assert new_id == 3
    finally:
        await db.close()


async def test_a_difference_is_found_and_the_move_is_not_complete(
    tmp_path: Path, target: str
) -> None:
    source = tmp_path / "district.db"
    await district(source)
    code, _out, err = await move(source, target)
    assert code == 0, err
    write_row(target, "UPDATE participants SET name = 'Ibu X' WHERE id = 5")
    code, _out, err = await move(source, target)
    assert code == 2
    assert "participants" in err and "checksums" in err and "Traceback" not in err


async def test_a_target_with_other_data_is_refused(tmp_path: Path, target: str) -> None:
    source = tmp_path / "district.db"
    await district(source)
    db = await Database.open(target)
    try:
        async with db.tx() as tx:
            await tx.execute(
                "INSERT INTO facilitators (telegram_id, name, created_at) VALUES (1, 'A', 'x')"
            )
    finally:
        await db.close()
    code, _out, err = await move(source, target)
    assert code == 2 and "already has rows in facilitators" in err, err
