"""Faults: the database turns read-only or fills up, Telegram storms with 429s, 5xx,
timeouts and dropped connections. The bot keeps running, says so in its log, answers
users with a short apology, and loses nothing once the fault clears."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.app import tick
from bot.auth import resolve_actor
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator

pytestmark = pytest.mark.sqlite_only


@asynccontextmanager
async def read_only(h: Harness) -> AsyncIterator[None]:
    """Every write fails with "attempt to write a readonly database"."""
    async with h.db.connection.execute("PRAGMA query_only = 1"):
        pass
    try:
        yield
    finally:
        async with h.db.connection.execute("PRAGMA query_only = 0"):
            pass


@asynccontextmanager
async def disk_full(h: Harness) -> AsyncIterator[None]:
    """Every write that needs a new page fails with "database or disk is full"."""
    conn = h.db.connection

    async def run(sql: str) -> None:
        async with conn.execute(sql):
            pass

    await run("CREATE TABLE filler (x BLOB)")
    async with conn.execute("PRAGMA page_count") as cur:
        row = await cur.fetchone()
    assert row is not None
    await run(f"PRAGMA max_page_count = {row[0]}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        for _ in range(10_000):  # use up the free pages too
            await run("INSERT INTO filler VALUES (zeroblob(1000))")
    try:
        yield
    finally:
        await run("PRAGMA max_page_count = 1073741823")
        await run("DROP TABLE filler")


async def group_with_meeting(
    h: Harness, extra_members: int = 0
) -> tuple[FakeUser, list[FakeUser], str]:
    """Three mothers who joined through the bot, ``extra_members`` more added directly."""
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    mothers = [await join(h, payload, name) for name in ("Siti", "Ani", "Dewi")]
    actor = await resolve_actor(h.db, fac.id)
    group_id = (await h.participant(mothers[0])).group_id
    for i in range(extra_members):
        user = h.fake.add_user(f"Ibu{i}")
        await h.db.add_participant(group_id, user.id, f"Ibu Nomor {i}", None, h.clock.now())
        mothers.append(user)
    created = await h.services.meetings.schedule_single(
        actor, [group_id], date(2026, 12, 5), time(9, 0), None, None, h.clock.now()
    )
    assert created
    return fac, mothers, payload


async def test_a_failed_write_apologises_and_changes_nothing(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    mother = h.fake.add_user("Wati")
    with caplog.at_level(logging.ERROR):
        async with read_only(h):
            await h.send(mother, f"/start {payload}")
    assert h.last_text(mother) == h.t("common.error")
    assert any("error while handling update" in r.getMessage() for r in caplog.records)
    assert await h.db.chat_state(mother.id) is None
    # Once the fault clears she simply tries again.
    await h.send(mother, f"/start {payload}")
    await h.send(mother, "Wati")
    await h.send(mother, h.t("join.button_skip_phone"))
    await h.press(mother, "Ya")
    assert (await h.participant(mother)).name == "Wati"


@pytest.mark.parametrize("fault", [read_only, disk_full])
async def test_the_tick_catches_up_after_a_fault(h: Harness, fault: object) -> None:
    _, mothers, _ = await group_with_meeting(h, extra_members=40)  # rows need new pages
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # the 3-day reminder is due
    async with fault(h):  # type: ignore[operator]
        with pytest.raises(sqlite3.OperationalError):
            await tick(h.services)
    assert await h.outbox("reminder") == []
    await h.tick()
    await h.tick()
    for mother in mothers:
        assert len([t for t in h.texts(mother) if "3 hari lagi" in t]) == 1


@pytest.mark.parametrize("fault", [read_only, disk_full])
async def test_the_outbox_loses_nothing_across_a_fault(h: Harness, fault: object) -> None:
    _, mothers, _ = await group_with_meeting(h)
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await tick(h.services)  # queued, not yet sent
    async with fault(h):  # type: ignore[operator]
        # Read-only: claiming fails. Disk full: in-place updates may still go through.
        with contextlib.suppress(sqlite3.OperationalError):
            await h.services.sender.drain_once()
    await h.services.sender.recover()
    await h.drain()
    for mother in mothers:
        assert len([t for t in h.texts(mother) if "3 hari lagi" in t]) == 1
    statuses = {r["status"] for r in await h.outbox("reminder")}
    assert statuses == {"sent"}


async def test_recording_a_delivery_fails_then_recovers(h: Harness) -> None:
    """Sent, but the database refused to record it: the delivery is remembered and
    written once the fault clears, so nothing is sent twice."""
    _, mothers, _ = await group_with_meeting(h)
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await tick(h.services)
    sender = h.services.sender
    original = h.db.mark_sent_many
    calls = 0

    async def refuse_once(sent: Sequence[tuple[int, int | None, datetime]]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise sqlite3.OperationalError("database or disk is full")
        await original(sent)

    h.db.mark_sent_many = refuse_once  # type: ignore[method-assign]
    try:
        with pytest.raises(sqlite3.OperationalError):
            await sender.drain_once()
        await sender.recover()
        await h.drain()
    finally:
        h.db.mark_sent_many = original  # type: ignore[method-assign]
    for mother in mothers:
        assert len([t for t in h.texts(mother) if "3 hari lagi" in t]) == 1
    assert {r["status"] for r in await h.outbox("reminder")} == {"sent"}


async def test_telegram_storms_lose_nothing(h: Harness) -> None:
    """429 storms, 5xx, timeouts and dropped connections against the fake: every
    reminder arrives exactly once once the storm passes."""
    _, mothers, _ = await group_with_meeting(h)
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await tick(h.services)
    fake = h.fake
    fake.fail_next("sendMessage", status=429, retry_after=3, count=4)
    fake.fail_next("sendMessage", status=502, count=2)
    fake.timeout_next("sendMessage", count=2)
    fake.drop_next("sendMessage", count=2)
    for _ in range(20):  # retries wait for their backoff: move the clock along
        await h.services.sender.drain_once()
        h.clock.advance(timedelta(seconds=30))
    for mother in mothers:
        assert len([t for t in h.texts(mother) if "3 hari lagi" in t]) == 1
    assert {r["status"] for r in await h.outbox("reminder")} == {"sent"}
