"""Several workers on one PostgreSQL database (issue 19, point 3): outbox rows claimed with
``FOR UPDATE SKIP LOCKED`` (never twice, never waited for), and the clock tick held by one
worker at a time through an advisory lock that another worker takes over when the first
one's connection dies. These tests need PostgreSQL in both passes of the suite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from db import Database
from db.outbox import _CLAIM_SQL_POSTGRES, NewMessage
from tests.support.backend import server

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
async def url() -> AsyncIterator[str]:
    pg = server()
    found = pg.new_database(migrated=True)
    try:
        yield found
    finally:
        pg.drop_database(found)


def messages(chats: int, each: int) -> list[NewMessage]:
    return [
        NewMessage(f"w:{chat}:{n}", 1000 + chat, None, "announcement", f"pesan {n}", None, NOW)
        for chat in range(chats)
        for n in range(each)
    ]


async def test_a_row_another_worker_is_claiming_is_skipped_not_waited_for(url: str) -> None:
    first, second = await Database.open(url), await Database.open(url)
    try:
        assert await first.enqueue(messages(6, 2), NOW) == 12
        async with first.tx() as tx:
            # The first worker's claim is under way: the heads of its chats are locked.
            taken = await tx.all(_CLAIM_SQL_POSTGRES, {"now": NOW.isoformat(), "limit": 3})
            assert len(taken) == 3
            claimed = await asyncio.wait_for(second.claim_due(NOW, 10), timeout=10)
        locked = {r["id"] for r in taken}
        # The second worker took the other chats' heads at once, none of the locked rows,
        # and no second row of a chat whose head was locked.
        assert len(claimed) == 3 and not locked & {r.id for r in claimed}
        assert len({r.chat_id for r in claimed}) == 3
        again = await first.claim_due(NOW, 10)
        assert {r.id for r in again} == locked  # the first worker's heads, once each
        assert await second.claim_due(NOW, 10) == []  # every chat has one row in flight
    finally:
        await first.close()
        await second.close()


async def test_two_workers_claiming_together_never_share_a_row(url: str) -> None:
    workers = [await Database.open(url) for _ in range(3)]
    try:
        await workers[0].enqueue(messages(40, 3), NOW)
        seen: list[int] = []

        async def drain(db: Database) -> None:
            while rows := await db.claim_due(NOW, 7):
                seen.extend(r.id for r in rows)
                for row in rows:
                    await db.mark_sent(row.id, 1, NOW)

        await asyncio.gather(*(drain(db) for db in workers))
        assert len(seen) == 120 and len(set(seen)) == 120
    finally:
        for db in workers:
            await db.close()


async def test_one_worker_runs_the_clock_and_another_takes_over_when_it_dies(url: str) -> None:
    first, second = await Database.open(url), await Database.open(url)
    try:
        assert await first.hold_clock()
        assert await first.hold_clock()  # still its own
        assert not await second.hold_clock()
        await first.close()  # the worker dies: the server drops its session's lock
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not await second.hold_clock():
            assert loop.time() < deadline, "the clock was not taken over"
            await asyncio.sleep(0.05)
    finally:
        await second.close()
