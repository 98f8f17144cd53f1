"""Issue 12, points 1, 2, 5, 6 and 7 in the offline harness: a database error between two
steps, replayed updates (the same update id handled twice), a mother who was unreachable
writing again, the erase confirmation, and a meeting finalised late.

The real-process versions of points 1 and 2 (a crash pinned right after the commit, then
Telegram's re-delivery) are in ``tests/test_crash_replay.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.harness import Harness
from tests.test_announcements import announcements_to, setup_world


async def fail_outbox_inserts(h: Harness) -> None:
    """Every new outbox row fails like a full disk (on the bot's own connection only)."""
    await h.db.connection.execute(
        "CREATE TEMP TRIGGER outbox_full BEFORE INSERT ON outbox"
        " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )


async def heal_outbox(h: Harness) -> None:
    await h.db.connection.execute("DROP TRIGGER outbox_full")


async def count(h: Harness, sql: str, *params: Any) -> int:
    rows = await h.db.connection.execute_fetchall(sql, params)
    return int(next(iter(rows))[0])


# ------------------------------------------------------- 1. the announcement is whole


async def test_a_database_error_while_queueing_keeps_the_announcement_whole(
    h: Harness, tmp_path: Path
) -> None:
    world = await setup_world(h)
    await h.send(world.leader, "/umumkan")
    await h.send(world.leader, "Kerja bakti hari Minggu")
    confirm = h.last_with_buttons(world.leader)
    await fail_outbox_inserts(h)
    await h.press(world.leader, "Kirim", confirm)
    assert h.last_text(world.leader) == h.t("common.error")
    assert await count(h, "SELECT count(*) FROM announcements") == 0, "stored without messages"
    await heal_outbox(h)

    await h.press(world.leader, "Kirim", confirm)  # she tries again: it goes out, whole
    await h.drain()
    for member in world.mawar[1:]:
        assert len(announcements_to(h, member)) == 1
    assert await count(h, "SELECT recipients FROM announcements") == len(world.mawar) - 1
    assert not any(announcements_to(h, m) for m in world.melati)
