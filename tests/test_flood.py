"""Issue 12, point 3, in process: a 429 on an interactive reply. The reply waits out
``retry_after`` and arrives; the pause is the process's one flood state, so the outbox
waits too; a pause longer than a reply may wait drops the reply with one log line; the
pause is stored for the next run. (The same against the real process, with a restart
during the pause: ``tests/test_e2e_reliability.py``.)"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.flood import MAX_TRIES, REPLY_MAX_WAIT
from db.outbox import NewMessage
from tests.support.harness import Harness


async def test_a_reply_that_gets_a_429_waits_it_out_and_arrives(h: Harness) -> None:
    ani = h.fake.add_user("Ani")
    h.fake.fail_next("sendMessage", status=429, retry_after=5, chat_id=ani)
    start = h.clock.now()
    await h.send(ani, "/start")
    assert h.texts(ani) == [h.t("start.stranger")]  # the reply, no apology
    tries = [c for c in h.fake.calls if c.method == "sendMessage"]
    assert [c.status for c in tries] == [429, 200]
    assert h.clock.now() >= start + timedelta(seconds=5)  # it waited the pause out
    stored = await h.db.flood_until()
    assert stored is not None and stored >= start + timedelta(seconds=5)


async def test_a_pause_longer_than_a_reply_may_wait_drops_it_and_holds_the_outbox(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ani, budi = h.fake.add_user("Ani"), h.fake.add_user("Budi")
    await h.db.enqueue(
        [NewMessage("flood:test", budi.id, None, "announcement", "Halo", None, h.clock.now())],
        h.clock.now(),
    )
    wait = int(REPLY_MAX_WAIT * 10)
    h.fake.fail_next("sendMessage", status=429, retry_after=wait, chat_id=ani)
    start = h.clock.now()
    with caplog.at_level(logging.WARNING):
        await h.send(ani, "/start")  # gets the 429: the reply waits for nothing ...
        await h.send(ani, "/bantuan")  # ... and neither does the next one
    assert h.texts(ani) == []
    assert h.clock.now() == start  # given up at once, not after minutes
    dropped = [r for r in caplog.records if "is dropped" in r.getMessage()]
    assert len(dropped) == 2 and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [c.status for c in h.fake.calls if c.method == "sendMessage"] == [429]
    # The outbox shares the pause: its message goes only once Telegram allows it.
    await h.drain()
    [row] = await h.outbox("announcement")
    assert row["status"] == "sent"
    assert h.clock.now() >= start + timedelta(seconds=wait)
    await h.send(ani, "/start")  # and replies go again
    assert h.texts(ani) == [h.t("start.stranger")]


async def test_a_reply_refused_at_every_try_is_dropped_with_one_line(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ani = h.fake.add_user("Ani")
    h.fake.fail_next("sendMessage", status=429, retry_after=2, chat_id=ani, count=MAX_TRIES)
    start = h.clock.now()
    with caplog.at_level(logging.WARNING):
        await h.send(ani, "/start")
    assert h.texts(ani) == []
    tries = [c.status for c in h.fake.calls if c.method == "sendMessage"]
    assert tries == [429] * MAX_TRIES  # and no apology after them
    assert h.clock.now() >= start + timedelta(seconds=2 * (MAX_TRIES - 1))
    assert len([r for r in caplog.records if "is dropped" in r.getMessage()]) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
