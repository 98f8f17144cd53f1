"""Issue 12 (points 3, 4, 8, 9): promises about the running process, tested against the
real ``python -m bot run`` and the HTTP fake Bot API.

* One instance per database, whichever way the path to it is spelled (symlink to the
  file, a relative path through a symlinked folder, a hard link).
* Start-up without Telegram: connection refused, then a 502, then Telegram answers: one
  log line per failed try, growing pauses, no traceback, and then the bot works; a token
  Telegram refuses: one line and exit status 2.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from bot.fakeapi import FakeBotAPI, FakeBotAPIServer
from bot.polling import connect_backoff
from tests.e2e import (
    TOKEN,
    USERNAME,
    WAIT,
    E2EBot,
    run_cli,
    running_e2e_bot,
    start_bot,
    stop_process,
    write_config,
)

UNREACHABLE = "Telegram cannot be reached"


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


async def test_second_instance_is_refused_through_any_spelling_of_the_path(
    tmp_path: Path,
) -> None:
    (tmp_path / "main").mkdir()
    async with running_e2e_bot(tmp_path / "main") as e:
        database = e.database
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
