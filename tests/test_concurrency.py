"""Issue 12, point 8, at the database: reads do not wait behind a long write. (Updates of
different chats handled concurrently, in order within a chat, against the running bot:
``tests/test_e2e_reliability.py``.)"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from db import Database


async def test_a_read_does_not_wait_behind_a_write_stuck_on_the_lock(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:
        await db.set_last_update_id(4)
        # Another writer (a backup, the report CLI, a crashed tool) holds SQLite's write
        # lock: the bot's next write waits up to busy_timeout (5 s) for it.
        with contextlib.closing(sqlite3.connect(tmp_path / "bot.db")) as other:
            other.execute("BEGIN IMMEDIATE")
            write = asyncio.create_task(db.set_last_update_id(5))
            while not db._lock.locked():  # the write is under way, waiting for SQLite
                await asyncio.sleep(0)
            # A read meanwhile answers at once, from the last committed state.
            assert await asyncio.wait_for(db.last_update_id(), timeout=1.0) == 4
            assert not write.done()
            other.rollback()
        await write
        assert await db.last_update_id() == 5
    finally:
        await db.close()
