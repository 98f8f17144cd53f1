"""Issue 12 (points 3, 4, 8, 9): promises about the running process, tested against the
real ``python -m bot run`` and the HTTP fake Bot API.

* One instance per database, whichever way the path to it is spelled (symlink to the
  file, a relative path through a symlinked folder, a hard link).
* A 429 on an interactive reply: the reply arrives once the pause is over, and nobody
  sends meanwhile (the outbox in the middle of a fan-out included); a kill -9 during a
  pause and a restart: the new process sends nothing before the stored end of the pause.
* Concurrent updates: a reply held by a slow Telegram answer in one chat does not hold up
  another chat; the chat's next update waits for it (order kept); neither is confirmed to
  Telegram until handled and recorded, so a kill -9 meanwhile loses nothing and handles
  nothing twice.
* Start-up without Telegram: connection refused, then a 502, then Telegram answers: one
  log line per failed try, growing pauses, no traceback, and then the bot works; a token
  Telegram refuses: one line and exit status 2.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.polling import connect_backoff
from db import Database
from db.connection import from_db
from db.outbox import NewMessage
from fakeapi import CallRecord, FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.support.backend import query_rows
from tests.support.e2e import (
    TOKEN,
    USERNAME,
    WAIT,
    Config,
    E2EBot,
    run_cli,
    running_e2e_bot,
    start_bot,
    stop_process,
    write_config,
)

UNREACHABLE = "Telegram cannot be reached"
SENDS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
IN_FLIGHT = timedelta(seconds=0.2)
"""Requests already on their way when the 429 was answered may still arrive this late."""
QUIET: Config = {
    "schedule": {"reminder_offsets": [], "quiet_start": "00:00", "quiet_end": "00:00"},
    "outbox": {"rate_per_second": 10},
}


async def wait_for_condition(predicate: Callable[[], bool], what: str) -> None:
    """Until ``predicate()``, polled (for facts no Bot API call signals, such as a row in
    the bot's database or a line in its log), up to ``WAIT``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def enqueue_bulk(database: Path | str, users: list[FakeUser]) -> None:
    """One queued announcement per user, written before the bot starts."""
    now = datetime.now(UTC)
    db = await Database.open(database)
    try:
        await db.enqueue(
            [
                NewMessage(f"flood:{u.id}", u.id, None, "announcement", "Halo Ibu", None, now)
                for u in users
            ],
            now,
        )
    finally:
        await db.close()


def bulk_sent(fake: FakeBotAPI, users: list[FakeUser]) -> int:
    return sum(1 for u in users if fake.sent_by_chat[u.id] > 0)


def sends(calls: Iterable[CallRecord]) -> list[CallRecord]:
    return [c for c in calls if c.method in SENDS and c.status == 200]


def stored_flood_until(database: Path | str) -> datetime | None:
    rows = query_rows(database, "SELECT value FROM bot_state WHERE key = 'flood_until'")
    return from_db(rows[0][0]) if rows else None


async def wait_for_log(log_path: Path, predicate: Callable[[str], bool], what: str) -> str:
    """The bot's log once ``predicate(log)`` holds: a condition polled on the file (the
    bot cannot reach the fake, so no Bot API call can wake us), up to ``WAIT``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if predicate(text):
            return text
        if loop.time() > deadline:
            raise AssertionError(f"{what} not in the log:\n{text}")
        await asyncio.sleep(0.05)


@pytest.mark.sqlite_only
async def test_second_instance_is_refused_through_any_spelling_of_the_path(
    tmp_path: Path,
) -> None:
    (tmp_path / "main").mkdir()
    async with running_e2e_bot(tmp_path / "main") as e:
        database = Path(e.database)
        (tmp_path / "link.db").symlink_to(database)
        (tmp_path / "alias").symlink_to(database.parent, target_is_directory=True)
        os.link(database, tmp_path / "hard.db")
        spellings = {
            "symlink to the file": str(tmp_path / "link.db"),
            "relative, through a symlinked folder": "../alias/./bot.db",
            "hard link": str(tmp_path / "hard.db"),
        }
        calls_before = len(e.fake.calls)
        for number, (what, spelling) in enumerate(spellings.items()):
            folder = tmp_path / f"second{number}"
            folder.mkdir()
            config, _ = write_config(folder, e.server, {"bot": {"database": spelling}})
            result = await run_cli(config, "run")
            assert result.returncode == 2, (what, result)
            assert "already running" in result.stderr, (what, result.stderr)
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, what
        # None of them said a word to Telegram: no getMe, no getUpdates fighting the first.
        assert len(e.fake.calls) == calls_before or all(
            call.method == "getUpdates" for call in list(e.fake.calls)[calls_before:]
        )
        assert e.process.returncode is None  # the first bot is still running
        ani = e.fake.add_user("Ani")
        await e.send(ani, "/start", expect=e.t("start.stranger"))
    assert e.returncode == 0


async def test_start_up_without_telegram_waits_with_backoff_then_works(tmp_path: Path) -> None:
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    probe = FakeBotAPIServer(fake)
    await probe.start()
    port = probe.port
    config, database = write_config(tmp_path, probe)
    await probe.stop()  # nothing listens on the port now: connection refused
    log_path = tmp_path / "bot.log"
    process = await start_bot(config, log_path)
    try:
        await wait_for_log(log_path, lambda text: text.count(UNREACHABLE) >= 2, "two failed tries")
        # Telegram comes back, first answering one more try with a 502.
        fake.fail_next("getMe", status=502)
        async with FakeBotAPIServer(fake, port=port) as server:
            e = E2EBot(fake, server, process, config, database, log_path)
            await e.wait_ready()
            ani = fake.add_user("Ani")
            await e.send(ani, "/start", expect=e.t("start.stranger"))
            log = e.log_text()
            await stop_process(process)
    finally:
        await stop_process(process)
    assert process.returncode == 0
    assert "Traceback" not in log
    failures = [line for line in log.splitlines() if UNREACHABLE in line]
    assert len(failures) >= 3, log  # two refused connections and the 502
    assert "Bad Gateway" in failures[-1]
    # One line each, saying how long it waits, and the waits grow.
    for tries, line in enumerate(failures, start=1):
        assert line.endswith(f"trying again in {connect_backoff(tries):.1f} s"), line
    assert connect_backoff(1) < connect_backoff(2) < connect_backoff(3)


async def test_a_refused_token_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    wrong = "111111111:AAWrongTokenWrongTokenWrongToken_012345"
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        config, _ = write_config(tmp_path, server)
        result = await run_cli(config, "run", token=wrong)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr and wrong not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "token" in line.lower()]
    assert errors == [result.stderr.splitlines()[-1]], result.stderr
    assert errors[0].startswith("error: Telegram refused the token"), result.stderr
    assert fake.method_counts["getUpdates"] == 0


async def test_a_429_on_a_reply_pauses_every_send_and_the_reply_arrives(tmp_path: Path) -> None:
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    members = [fake.add_user(f"Ibu{i}") for i in range(40)]
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, QUIET)
        await enqueue_bulk(database, members)
        process = await start_bot(config, tmp_path / "bot.log")
        e = E2EBot(fake, server, process, config, database, tmp_path / "bot.log")
        try:
            await e.wait_ready()
            await e.wait_until(lambda: bulk_sent(fake, members) >= 5, "the fan-out going")
            ani = fake.add_user("Ani")
            fake.fail_next("sendMessage", status=429, retry_after=3, chat_id=ani)
            await e.send(ani, "/start", expect=e.t("start.stranger"))
            await e.wait_until(lambda: bulk_sent(fake, members) == 40, "the whole fan-out")
        finally:
            await stop_process(process)
        log = e.log_text()
    assert process.returncode == 0 and "Traceback" not in log
    [refused] = [c for c in fake.calls if c.status == 429]
    resume = refused.time + timedelta(seconds=3)
    sent = sends(fake.calls)
    assert not [c for c in sent if refused.time + IN_FLIGHT < c.time < resume]
    [reply] = [c for c in sent if c.params.get("chat_id") == ani.id]
    assert reply.time >= resume  # she got her answer, once the pause was over
    assert [m.get("text") for m in fake.sent_by_bot(ani)] == [e.t("start.stranger")]
    assert any(c.time < refused.time for c in sent) and any(c.time > resume for c in sent)


async def test_a_restart_during_a_flood_wait_honours_it(tmp_path: Path) -> None:
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    members = [fake.add_user(f"Ibu{i}") for i in range(30)]
    pause = 8
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, QUIET)
        await enqueue_bulk(database, members)
        first = await start_bot(config, tmp_path / "bot1.log")
        e = E2EBot(fake, server, first, config, database, tmp_path / "bot1.log")
        try:
            await e.wait_ready()
            await e.wait_until(lambda: bulk_sent(fake, members) >= 3, "the fan-out going")
            fake.fail_next("sendMessage", status=429, retry_after=pause)
            await e.wait_until(lambda: any(c.status == 429 for c in fake.calls), "the 429")
            await wait_for_condition(
                lambda: stored_flood_until(database) is not None, "the pause stored"
            )
        finally:
            first.kill()
            await first.wait()
        until = stored_flood_until(database)
        assert until is not None
        [refused] = [c for c in fake.calls if c.status == 429]
        assert until >= refused.time + timedelta(seconds=pause)
        restart = len(fake.calls)
        second = await start_bot(config, tmp_path / "bot2.log")
        e = E2EBot(fake, server, second, config, database, tmp_path / "bot2.log")
        try:
            await e.wait_until(lambda: bulk_sent(fake, members) == 30, "the rest of the fan-out")
        finally:
            await stop_process(second)
    after = list(fake.calls)[restart:]
    assert after[0].time < until, "the restart came too late to show anything"
    assert sends(after) and all(c.time >= until for c in sends(after))
    assert "pause of the last run holds" in e.log_text()


def handled_above(database: Path | str) -> set[int]:
    rows = query_rows(database, "SELECT value FROM bot_state WHERE key = 'handled_above'")
    return set(json.loads(rows[0][0])) if rows else set()


def update_ids(fake: FakeBotAPI, *users: FakeUser) -> set[int]:
    """The ids of the updates from ``users`` that the fake still holds (unconfirmed)."""
    ids = {u.id for u in users}
    return {
        int(u["update_id"])
        for u in fake.pending_updates
        if u.get("message", {}).get("from", {}).get("id") in ids
    }


def pending_ids(fake: FakeBotAPI) -> set[int]:
    """Updates Telegram (the fake) still holds: not yet confirmed by the bot."""
    return {int(u["update_id"]) for u in fake.pending_updates}


async def test_a_slow_reply_in_one_chat_does_not_hold_up_another(tmp_path: Path) -> None:
    async with running_e2e_bot(tmp_path) as e:
        rina, ani = e.fake.add_user("Rina"), e.fake.add_user("Ani")
        hold = e.fake.hold_next("sendMessage", chat_id=rina)
        first = int(e.fake.send_text(rina, "/start")["update_id"])
        await e.wait_until(hold.arrived.is_set, "Rina's reply on the wire, held")
        second = int(e.fake.send_text(rina, "/bantuan")["update_id"])
        # Ani is answered while Rina's reply hangs ...
        await e.send(ani, "/start", expect=e.t("start.stranger"))
        # ... and by then the bot has fetched Rina's second update (it came before Ani's),
        # but does not answer it before her first: one chat, one order.
        assert e.fake.sent_by_bot(rina) == []
        # Nothing from Rina's first update on is confirmed: it is not handled to the end.
        assert {first, second} <= pending_ids(e.fake)
        hold.release()
        await e.wait_until(lambda: len(e.fake.sent_by_bot(rina)) == 2, "Rina's two replies")
        texts = [m["text"] for m in e.fake.sent_by_bot(rina)]
        assert texts[0] == e.t("start.stranger") and e.t("help.stranger") in texts[1]
        # Once all are handled and recorded they are confirmed, and the bot long-polls.
        await e.wait_until(lambda: not e.fake.pending_updates, "every update confirmed")
        assert len(e.fake.sent_by_bot(ani)) == 1
    assert e.returncode == 0 and "Traceback" not in e.log_text()


async def test_a_kill_while_one_chat_hangs_loses_nothing_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server)
        process = await start_bot(config, tmp_path / "bot1.log")
        e = E2EBot(fake, server, process, config, database, tmp_path / "bot1.log")
        rina, ani, budi = fake.add_user("Rina"), fake.add_user("Ani"), fake.add_user("Budi")
        try:
            await e.wait_ready()
            hold = fake.hold_next("sendMessage", chat_id=rina)
            fake.send_text(rina, "/start")
            await e.wait_until(hold.arrived.is_set, "Rina's reply on the wire, held")
            await e.send(ani, "/start", expect=e.t("start.stranger"))
            await e.send(budi, "/bantuan", expect=e.t("help.stranger").split("\n")[0])
            later = update_ids(fake, ani, budi)
            assert len(later) == 2
            # Their replies are out; once they are also recorded as handled (a kill between
            # the two would repeat the reply, as it must: at least once), kill.
            await wait_for_condition(
                lambda: later <= handled_above(database), "Ani's and Budi's updates recorded"
            )
        finally:
            process.kill()  # kill -9 while Rina's update is still being handled
            await process.wait()
        process = await start_bot(config, tmp_path / "bot2.log")
        e = E2EBot(fake, server, process, config, database, tmp_path / "bot2.log")
        try:
            await e.wait_message(rina, e.t("start.stranger"))  # handled after all
            await e.wait_until(lambda: not fake.pending_updates, "every update confirmed")
        finally:
            await stop_process(process)
    # Ani's and Budi's updates, handled before the kill but not confirmed (Rina's came
    # first), were sent again by Telegram and skipped: recorded as handled.
    assert len(fake.sent_by_bot(ani)) == 1 and len(fake.sent_by_bot(budi)) == 1
    assert len(fake.sent_by_bot(rina)) == 1
