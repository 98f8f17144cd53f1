"""End-to-end helpers: the real ``python -m bot run`` process against the HTTP fake Bot API.

:func:`running_e2e_bot` starts :class:`~fakeapi.FakeBotAPIServer` on the test's own loop,
writes a config in ``tmp_path`` pointing the bot at it, launches the bot as a subprocess with
a fake token, and waits until it polls (its first ``getUpdates``), never for a fixed time::

    async with running_e2e_bot(tmp_path) as e:
        ani = e.fake.add_user("Ani")
        reply = await e.send(ani, "/start", expect=e.t("start.stranger"))
    assert "Traceback" not in e.log_text()

On exit the bot gets SIGTERM (SIGKILL if it does not stop in time) and is awaited; its
stdout and stderr are in :attr:`E2EBot.log_path` for inspection. Every wait races the bot
process: if it dies, the wait fails at once with the end of its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import TOKEN_ENV
from bot.i18n import Catalog
from fakeapi import FakeBotAPI, FakeBotAPIServer, FakeUser, parse_text
from tests.support.backend import POSTGRES, new_database, query_rows

REPO = Path(__file__).resolve().parents[2]
TOKEN = "987654321:AAE2eOnlyFakeToken_NeverReal_0123456789xyz"
USERNAME = "p2k2_e2e_bot"
WAIT = 20.0
"""Generous timeout for every wait: the suite must hold on a loaded 2-core machine."""
STOP_WAIT = 15.0

JSON = dict[str, Any]
ConfigValue = str | int | float | bool | list[str]
Config = Mapping[str, Mapping[str, ConfigValue]]


# --------------------------------------------------------------------------- config


def _toml_value(value: ConfigValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)  # strings and lists of strings


def write_config(
    folder: Path, server: FakeBotAPIServer, overrides: Config | None = None
) -> tuple[Path, Path | str]:
    """Write ``folder/config.toml`` for the bot under test; returns (config, database).
    ``overrides`` maps sections (``"schedule"``, ``"telegram.webhook"``) to keys to set."""
    found = new_database(folder)
    database: Path | str = found if POSTGRES else Path(found)
    sections: dict[str, dict[str, ConfigValue]] = {
        "bot": {
            "database": str(database),
            "content_dir": str(REPO / "content" / "modules"),
            "log_level": "INFO",
        },
        "telegram": {
            "base_url": server.base_url,
            "base_file_url": server.base_file_url,
            "poll_timeout": 10,
        },
        "schedule": {"tick_seconds": 0.2},
        # Off unless a test turns it on: the other tests count messages.
        "voice": {"enabled": False, "cache_dir": str(folder / "voice")},
    }
    for section, values in (overrides or {}).items():
        sections.setdefault(section, {}).update(values)
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
        lines.append("")
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, database


def bot_env(token: str = TOKEN) -> dict[str, str]:
    env = dict(os.environ)
    env[TOKEN_ENV] = token
    env["PTB_TIMEDELTA"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --------------------------------------------------------------------------- processes


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


async def run_cli(
    config: Path, *args: str, timeout: float = WAIT, token: str = TOKEN
) -> CliResult:
    """Run ``python -m bot <args> --config <config>`` to the end (the fake keeps serving
    meanwhile, since this only awaits)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        "--config",
        str(config),
        cwd=REPO,
        env=bot_env(token),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        raise AssertionError(
            f"python -m bot {' '.join(args)} did not finish in {timeout}s:\n"
            f"{out.decode(errors='replace')}{err.decode(errors='replace')}"
        ) from None
    assert process.returncode is not None
    return CliResult(
        process.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    )


async def start_bot(
    config: Path, log_path: Path, extra_env: Mapping[str, str] | None = None
) -> asyncio.subprocess.Process:
    """Launch ``python -m bot run``; its stdout and stderr go to ``log_path``. ``extra_env``
    adds variables (e.g. ``P2K2_CRASH_AT``, a pinned crash point: ``bot/crashpoints.py``)."""
    with log_path.open("wb") as log_file:  # the child keeps its own descriptor
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            cwd=REPO,
            env={**bot_env(), **(extra_env or {})},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )


async def stop_process(process: asyncio.subprocess.Process, timeout: float = STOP_WAIT) -> int:
    """SIGTERM, then SIGKILL if it is still running after ``timeout``; always awaited."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode


# --------------------------------------------------------------------------- the harness


class E2EBot:
    """The running bot process, the fake it talks to, and helpers to play its users."""

    def __init__(
        self,
        fake: FakeBotAPI,
        server: FakeBotAPIServer,
        process: asyncio.subprocess.Process,
        config: Path,
        database: Path | str,
        log_path: Path,
    ) -> None:
        self.fake = fake
        self.server = server
        self.process = process
        self.config = config
        self.database = database
        self.log_path = log_path
        self.catalog = Catalog.load()
        self.returncode: int | None = None
        """The bot's exit status, once stopped."""

    # -- observing ------------------------------------------------------------

    def log_text(self) -> str:
        """Everything the bot wrote to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def t(self, key: str, **values: Any) -> str:
        """The catalog text for ``key`` as the user sees it (HTML parsed away)."""
        return parse_text(self.catalog.t(key, **values), "HTML")[0].strip()

    def last_id(self, chat: FakeUser | int) -> int:
        last = self.fake.last_message(chat)
        return int(last["message_id"]) if last is not None else 0

    def answer(self, query_id: str) -> JSON:
        """The ``answerCallbackQuery`` parameters for a pressed button."""
        return self.fake.callback_answers[query_id]

    def menu(self, user: FakeUser) -> list[str]:
        """The commands of the user's own ``/`` menu (chat scope)."""
        return [c["command"] for c in self.fake.commands.get(("chat", user.id, None, ""), [])]

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Read the bot's database beside it (``tests.support.backend.query_rows``)."""
        return query_rows(self.database, sql, *params)

    # -- waiting --------------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], bool], description: str) -> None:
        """Wait (up to :data:`WAIT`) until ``predicate()``, re-checked on every Bot API call;
        fails at once, with the end of the bot's log, if the bot process ends."""
        await wait_while_running(self.fake, self.process, predicate, description, self.log_tail)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    async def wait_ready(self) -> None:
        """The bot polls: its first ``getUpdates`` arrived (set-up calls are done)."""
        await self.wait_until(
            lambda: self.fake.method_counts["getUpdates"] > 0, "the bot's first getUpdates"
        )

    async def wait_message(
        self, chat: FakeUser | int, containing: str | None = None, *, after: int = 0
    ) -> JSON:
        """A bot message in ``chat`` newer than ``after`` whose text contains ``containing``."""
        chat_id = chat.id if isinstance(chat, FakeUser) else chat
        found: list[JSON] = []

        def match() -> bool:
            for message in self.fake.sent_by_bot(chat_id):
                text = message.get("text") or message.get("caption") or ""
                if message["message_id"] > after and (containing is None or containing in text):
                    found.append(message)
                    return True
            return False

        what = f"a bot message in chat {chat_id} after #{after}"
        if containing is not None:
            what += f" containing {containing!r}"
        await self.wait_until(match, what)
        return found[0]

    async def wait_text(self, message: JSON, containing: str) -> JSON:
        """Wait until the (edited) ``message`` contains ``containing``; returns it."""
        chat_id = int(message["chat"]["id"])
        message_id = int(message["message_id"])
        current: list[JSON] = []

        def match() -> bool:
            for stored in self.fake.sent_by_bot(chat_id):
                if stored["message_id"] == message_id and containing in stored.get("text", ""):
                    current.append(stored)
                    return True
            return False

        await self.wait_until(match, f"message #{message_id} to contain {containing!r}")
        return current[0]

    # -- playing users --------------------------------------------------------

    async def send(self, user: FakeUser, text: str, *, expect: str | None = None) -> JSON:
        """She types ``text``; returns the bot's first newer message containing ``expect``."""
        after = self.last_id(user)
        self.fake.send_text(user, text)
        return await self.wait_message(user, expect, after=after)

    async def group_place(self, user: FakeUser, place: str, kecamatan: str = "Sukamaju") -> JSON:
        """The last steps of a new group: she types its place, then its kecamatan; returns
        the message that says it is made (with the join link)."""
        await self.send(user, place, expect=self.t("group.ask_kecamatan").split("?")[0])
        return await self.send(user, kecamatan, expect="start=g_")

    async def contact(self, user: FakeUser, phone: str, *, expect: str | None = None) -> JSON:
        """She shares her own phone number with the contact button."""
        after = self.last_id(user)
        self.fake.send_contact(user, phone, own=True)
        return await self.wait_message(user, expect, after=after)

    async def press(self, user: FakeUser, label: str, message: JSON | None = None) -> JSON:
        """Press the inline button labelled ``label`` (exactly, else containing it) on
        ``message`` (default: her latest bot message with buttons); returns the
        ``answerCallbackQuery`` parameters once the bot answered it."""
        message = message or self.last_with_buttons(user)
        data = button_data(message, label)
        return await self._press(user, int(message["message_id"]), data, forge=False)

    async def forge(self, user: FakeUser, data: str) -> JSON:
        """A button press with made-up ``data`` (a tampered client) on her latest message."""
        return await self._press(user, self.last_id(user), data, forge=True)

    async def _press(self, user: FakeUser, message_id: int, data: str, *, forge: bool) -> JSON:
        update = self.fake.press_button(user, message_id, data, forge=forge)
        query_id = str(update["callback_query"]["id"])
        await self.wait_until(
            lambda: query_id in self.fake.callback_answers,
            f"the answer to button {data!r} pressed by {user.first_name}",
        )
        return self.answer(query_id)

    def last_with_buttons(self, user: FakeUser) -> JSON:
        for message in reversed(self.fake.sent_by_bot(user)):
            if message.get("reply_markup", {}).get("inline_keyboard"):
                return message
        raise AssertionError(f"no bot message with buttons for {user.first_name}")


def button_labels(message: JSON) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [str(button["text"]) for row in rows for button in row]


def button_data(message: JSON, label: str) -> str:
    """Callback data of the button labelled exactly ``label``, else the first containing it."""
    buttons = [
        b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row
    ]
    for match in (lambda text: text == label, lambda text: label in text):
        for button in buttons:
            if match(str(button["text"])) and "callback_data" in button:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {button_labels(message)}")


async def wait_while_running(
    fake: FakeBotAPI,
    process: asyncio.subprocess.Process,
    predicate: Callable[[], bool],
    description: str,
    log_tail: Callable[[], str],
) -> None:
    """Until ``predicate()`` (re-checked on every Bot API call), up to :data:`WAIT`; fails
    at once, with the end of the bot's log, if the bot process ends meanwhile."""
    waiting = asyncio.ensure_future(fake.wait_for(predicate, WAIT, description=description))
    exited = asyncio.ensure_future(process.wait())
    try:
        await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiting, exited):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if waiting.done() and not waiting.cancelled():
        try:
            waiting.result()
            return
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n--- bot log (end) ---\n{log_tail()}") from None
    raise AssertionError(
        f"the bot exited with status {process.returncode} while waiting for "
        f"{description}\n--- bot log (end) ---\n{log_tail()}"
    )


@asynccontextmanager
async def running_e2e_bot(
    tmp_path: Path, *, overrides: Config | None = None, username: str = USERNAME
) -> AsyncIterator[E2EBot]:
    """The fake over HTTP plus the real bot process, ready (polling). On exit the bot is
    stopped (SIGTERM, SIGKILL fallback) and awaited before the fake stops; its exit status
    is in :attr:`E2EBot.returncode`."""
    fake = FakeBotAPI(token=TOKEN, username=username)
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, overrides)
        log_path = tmp_path / "bot.log"
        process = await start_bot(config, log_path)
        bot = E2EBot(fake, server, process, config, database, log_path)
        try:
            await bot.wait_ready()
            yield bot
        finally:
            bot.returncode = await stop_process(process)
