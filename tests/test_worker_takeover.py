"""Two real ``python -m bot run`` workers on one PostgreSQL database (issue 19, point 3):
the first holds the clock and is the one sender; the second waits. The first is killed
(``SIGKILL``) in the middle of a fan-out, at a moment chosen by watching the fake's
counters; the second takes the clock over, requeues what the dead one had in flight, and
finishes: every recipient served, at most one repeat each. Needs PostgreSQL in both
passes of the suite."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

from bot.outbox import DEFAULT_CONCURRENCY, FLUSH_SIZE
from db import Database
from db.outbox import NewMessage
from fakeapi import FakeBotAPI, FakeBotAPIServer
from tests.support.backend import query_rows, server
from tests.support.crash import QUIET, seed
from tests.support.e2e import TOKEN, USERNAME, Config, start_bot, stop_process, wait_while_running
from tests.support.e2e import write_config as write_e2e_config

RECIPIENTS = 400
BOUND = FLUSH_SIZE + 2 * DEFAULT_CONCURRENCY
"""Most messages delivered but not yet recorded at one moment (see tests/test_crash.py)."""
HOLDS = "clock: this worker runs the tick and sends"
WAITS = "clock: another worker runs the tick"
TAKES = "clock: taken over"
POLLS = "updates: this worker polls Telegram now"


def log_of(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


async def test_the_second_worker_takes_over_the_clock_and_the_sending(tmp_path: Path) -> None:
    pg = server()
    url = pg.new_database(migrated=True)
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME, keep_messages=False)
    overrides: Config = {
        **QUIET,
        "bot": {"database": url},
        "outbox": {"rate_per_second": 40, "per_chat_interval": 0},
    }
    try:
        async with FakeBotAPIServer(fake) as api:
            config, _ = write_e2e_config(tmp_path, api, overrides)
            _, members = await seed(url, fake, RECIPIENTS // 20, 20, now)
            db = await Database.open(url)
            try:
                await db.enqueue(
                    (
                        NewMessage(f"w:{m.participant_id}", m.user.id, m.participant_id,
                                   "announcement", "Halo Ibu", None, now)
                        for m in members
                    ),
                    now,
                )  # fmt: skip
            finally:
                await db.close()
            chats = [m.user.id for m in members]
            counts = fake.sent_by_chat

            def served() -> int:
                return sum(1 for chat in chats if counts[chat] > 0)

            first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
            first = await start_bot(config, first_log)
            second = None
            try:
                await wait_while_running(
                    fake, first, lambda: HOLDS in log_of(first_log) and served() > 0,
                    "the first worker holds the clock and sends", lambda: log_of(first_log),
                )  # fmt: skip
                second = await start_bot(config, second_log)
                await wait_while_running(
                    fake, second, lambda: WAITS in log_of(second_log),
                    "the second worker waits", lambda: log_of(second_log),
                )  # fmt: skip
                await wait_while_running(
                    fake, first, lambda: served() >= RECIPIENTS * 0.4,
                    "40 % served", lambda: log_of(first_log),
                )  # fmt: skip
                with contextlib.suppress(ProcessLookupError):
                    first.kill()
                await first.wait()
                served_at_kill = served()
                assert served_at_kill < RECIPIENTS, "the kill came too late: nothing tested"
                await wait_while_running(
                    fake, second, lambda: served() == RECIPIENTS,
                    "every recipient served after the take-over", lambda: log_of(second_log),
                )  # fmt: skip
                # It took the clock over, then (not before) began to fetch the updates.
                second_text = log_of(second_log)
                assert TAKES in second_text and POLLS in second_text
                assert second_text.index(TAKES) < second_text.index(POLLS)
                assert await stop_process(second) == 0, log_of(second_log)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    first.kill()
                if second is not None:
                    await stop_process(second)
        statuses = dict(query_rows(url, "SELECT status, count(*) FROM outbox GROUP BY status"))
        assert statuses == {"sent": RECIPIENTS}, statuses
        repeated = {chat: counts[chat] - 1 for chat in chats if counts[chat] > 1}
        assert max(repeated.values(), default=0) <= 1, "more than one repeat"
        assert sum(repeated.values()) <= BOUND, repeated
        for text in (log_of(first_log), log_of(second_log)):
            assert "Traceback" not in text and " ERROR " not in text, text
    finally:
        pg.drop_database(url)
