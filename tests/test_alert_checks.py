"""Alerts that resolve themselves (she left, or can be reached again) are found from the
participants noted in ``alert_checks``: migration ``alert_checks`` notes, from the schema
before it, every participant whose open alert had already resolved, and from then on the
triggers note each change that can resolve one."""

from __future__ import annotations

from pathlib import Path

from db import Database, migrate
from db.migrate import load_migrations
from tests.support.migrations import connect_for_test, database_at
from tests.support.sql import execute

AT = "2026-12-01T00:00:00+00:00"


async def test_the_migration_notes_alerts_that_already_resolved(tmp_path: Path) -> None:
    version = next(m.version for m in load_migrations() if "alert_checks" in m.name)
    path = tmp_path / "old.db"
    conn = await connect_for_test(path)
    try:
        await migrate(conn, target=version - 1)
        await conn.executescript(
            "INSERT INTO facilitators (id, telegram_id, name, created_at) VALUES (1, 5, 'R', 'x');"
            "INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code,"
            " created_at) VALUES (1, 1, 'Mawar', 'Asia/Jakarta', 'Balai', 'abc', 'x');"
            "INSERT INTO participants (id, group_id, telegram_id, name, status, reachable,"
            " joined_at) VALUES (1, 1, 11, 'Siti', 'left', 1, 'x'),"
            " (2, 1, 12, 'Ani', 'active', 1, 'x'), (3, 1, 13, 'Dewi', 'active', 0, 'x'),"
            " (4, 1, 14, 'Rina', 'active', 1, 'x');"
            "INSERT INTO alerts (id, participant_id, group_id, kind, opened_at) VALUES"
            f" (1, 1, 1, 'absence', '{AT}'), (2, 2, 1, 'unreachable', '{AT}'),"
            f" (3, 3, 1, 'unreachable', '{AT}'), (4, 4, 1, 'absence', '{AT}');"
        )
        await conn.commit()
        await migrate(conn)
    finally:
        await conn.close()
    db = await Database.open(database_at(path))
    try:
        resolved, upto = await db.alerts_resolved()
        assert sorted((a.id, why) for a, why in resolved) == [(1, "left"), (2, "reachable")]
        await db.alert_checks_done(upto)
        assert await db.alerts_resolved() == ([], 0)
        # From now on, a change that can resolve an alert is noted by a trigger.
        await execute(db, "UPDATE participants SET reachable = 1 WHERE id = 3")
        await execute(db, "UPDATE participants SET status = 'left' WHERE id = 4")
        resolved, _ = await db.alerts_resolved()
        assert sorted((a.id, why) for a, why in resolved) == [(3, "reachable"), (4, "left")]
    finally:
        await db.close()
