"""Issue 12, point 8, in process: reads do not wait behind a long write; the polling offset
(what is confirmed to Telegram) never passes an update still running or not yet seen. (The
same against the running bot: ``tests/test_e2e_reliability.py``.)"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from telegram import Update

from bot.polling import Inflow
from db import Database
from fakeapi import FakeBotAPI, SimulatedDisconnect
from tests.support.backend import new_database


@pytest.mark.sqlite_only
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


class Handlers:
    """Stands in for the application (``process_update`` only): each update waits until
    the test lets it finish."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.go: dict[int, asyncio.Event] = {}

    async def process_update(self, update: Update) -> None:
        self.started.append(update.update_id)
        await self.go.setdefault(update.update_id, asyncio.Event()).wait()

    def finish(self, *update_ids: int) -> None:
        for update_id in update_ids:
            self.go.setdefault(update_id, asyncio.Event()).set()


async def until(predicate: Callable[[], bool]) -> None:
    """Until ``predicate()``, looked at every 5 ms (the updates run on this loop), 5 s at
    most."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def private(update_id: int, chat: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "Ibu"},
                "text": "/start",
            },
        },
        None,
    )


async def test_the_offset_never_passes_an_update_still_running(tmp_path: Path) -> None:
    db = await Database.open(new_database(tmp_path))
    handlers = Handlers()
    try:
        inflow = Inflow(handlers, db, None, [])  # type: ignore[arg-type]
        for update_id, chat in ((1, 100), (2, 200), (3, 100), (4, 300)):
            assert inflow.dispatch(private(update_id, chat))
        await until(lambda: len(handlers.started) == 3)
        assert handlers.started == [1, 2, 4]  # chat 100's second waits for its first
        handlers.finish(2, 4)
        await until(lambda: inflow.unfinished == 2)
        assert inflow.offset is None and inflow.unconfirmed  # 1 still runs: nothing confirmed
        assert await db.handled_above() == [2, 4]  # but 2 and 4 are recorded as handled
        assert not inflow.dispatch(private(2, 200))  # sent again: skipped
        handlers.finish(1)
        await until(lambda: inflow.unfinished == 1 and len(handlers.started) == 4)
        assert handlers.started == [1, 2, 4, 3] and inflow.offset == 3  # up to 2 confirmed
        handlers.finish(3)
        await until(lambda: inflow.unfinished == 0)
        assert inflow.offset == 5 and not inflow.unconfirmed
        assert await db.last_update_id() == 4 and await db.handled_above() == []
    finally:
        handlers.finish(*range(1, 10))
        await db.close()


async def test_after_a_restart_the_offset_waits_for_updates_not_seen_again(
    tmp_path: Path,
) -> None:
    """Before the crash 11 was running and 15 was handled; after it, Telegram sends 11 to
    15 again. Once 11 to 13 are handled, the offset must not jump over 14, which this
    process has not fetched yet, although 15 is known as handled."""
    db = await Database.open(new_database(tmp_path))
    handlers = Handlers()
    try:
        inflow = Inflow(handlers, db, 10, [15])  # type: ignore[arg-type]
        assert inflow.offset == 11
        for update_id in (11, 12, 13):
            assert inflow.dispatch(private(update_id, update_id))
        handlers.finish(11, 12, 13)
        await until(lambda: inflow.unfinished == 0)
        assert inflow.offset == 14 and await db.handled_above() == [15]
        assert inflow.dispatch(private(14, 14)) and not inflow.dispatch(private(15, 15))
        handlers.finish(14)
        await until(lambda: inflow.unfinished == 0)
        await inflow.settle()
        assert inflow.offset == 16 and not inflow.unconfirmed
    finally:
        handlers.finish(*range(10, 20))
        await db.close()


async def test_the_fake_holds_a_call_until_released_or_dropped() -> None:
    """The fake Bot API's ``hold_next``, which the end-to-end tests use for a stuck reply."""
    fake = FakeBotAPI()
    ani = fake.add_user("Ani")
    hold = fake.hold_next("sendMessage", chat_id=ani)
    call = asyncio.ensure_future(fake.handle("sendMessage", {"chat_id": ani.id, "text": "1"}))
    await hold.arrived.wait()
    assert not call.done() and fake.sent_by_bot(ani) == []
    hold.release()
    status, _ = await call
    assert status == 200 and len(fake.sent_by_bot(ani)) == 1
    dropped = fake.hold_next("sendMessage")
    call = asyncio.ensure_future(fake.handle("sendMessage", {"chat_id": ani.id, "text": "2"}))
    await dropped.arrived.wait()
    dropped.drop()
    with pytest.raises(SimulatedDisconnect):
        await call
    assert len(fake.sent_by_bot(ani)) == 1  # dropped: not applied
