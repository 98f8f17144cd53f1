"""Steps of the tests against the real process that crash it or fill it: a seeded database, the
processes of one scenario, reading the database read-only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.attendance.rotation import code_at
from bot.crashpoints import ENV, EXIT_STATUS
from db import Database
from db.bulk import BulkLoader
from db.connection import to_db
from fakeapi import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.support.backend import query_rows
from tests.support.e2e import (
    Config,
    E2EBot,
    start_bot,
    stop_process,
    wait_while_running,
    write_config,
)

WAIT = 60.0
"""Every wait: generous, for a loaded 2-core machine."""


PLACE = "Balai Desa Sukamaju"


QUIET: Config = {
    "schedule": {"reminder_offsets": [], "quiet_start": "00:00", "quiet_end": "00:00"},
}


@dataclass(frozen=True)
class Member:
    participant_id: int
    group_id: int
    user: FakeUser


def query(database: Path | str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read the bot's database beside it (``tests.support.backend.query_rows``)."""
    return query_rows(database, sql, *params)


async def seed(
    database: Path | str,
    fake: FakeBotAPI,
    groups: int,
    group_size: int,
    now: datetime,
    *,
    phones: bool = False,
) -> tuple[FakeUser, list[Member]]:
    """A facilitator with ``groups`` groups of ``group_size`` members, all of them users of
    the fake, written straight into a fresh database (migrated by ``Database.open``)."""
    created = to_db(now - timedelta(days=30))
    rina = fake.add_user("Rina")
    members: list[Member] = []
    for group_id in range(1, groups + 1):
        for _ in range(group_size):
            user = fake.add_user(f"Ibu{len(members) + 1}")
            members.append(Member(len(members) + 1, group_id, user))
    db = await Database.open(database)
    try:
        loader = BulkLoader(db)
        await loader.insert("facilitators", [(1, rina.id, "Rina Wati", created)])
        await loader.insert(
            "groups",
            (
                (g, 1, f"Kelompok {g}", "Asia/Jakarta", PLACE, f"crash{g:05d}", None, created)
                for g in range(1, groups + 1)
            ),
        )
        await loader.insert(
            "participants",
            (
                (
                    m.participant_id,
                    m.group_id,
                    m.user.id,
                    f"Ibu {m.participant_id}",
                    f"+62812{m.participant_id:07d}" if phones else None,
                    "active",
                    1,
                    created,
                )
                for m in members
            ),
        )
    finally:
        await db.close()
    return rina, members


class Runs:
    """The bot processes of one scenario, one after another, on the same config and
    database; each writes its own log. The last one is always stopped and awaited."""

    def __init__(self, fake: FakeBotAPI, config: Path, folder: Path) -> None:
        self.fake = fake
        self.config = config
        self.folder = folder
        self.logs: list[Path] = []
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, extra_env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
        assert self.process is None or self.process.returncode is not None
        log_path = self.folder / f"bot{len(self.logs) + 1}.log"
        self.logs.append(log_path)
        self.process = await start_bot(self.config, log_path, extra_env)
        return self.process

    async def kill(self) -> int:
        """``kill -9``, and wait for it to be gone."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        return await self.process.wait()

    async def stop(self) -> int | None:
        """SIGTERM (SIGKILL fallback), awaited; None if nothing runs."""
        if self.process is None or self.process.returncode is not None:
            return None
        return await stop_process(self.process)

    def log_tail(self, lines: int = 30) -> str:
        if not self.logs:
            return ""
        text = self.logs[-1].read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_texts(self) -> list[str]:
        return [p.read_text(encoding="utf-8", errors="replace") for p in self.logs]

    async def wait(self, predicate: Callable[[], bool], what: str) -> None:
        """Until ``predicate()`` (re-checked on every Bot API call), up to :data:`WAIT`;
        fails at once with the end of the log if the bot process ends meanwhile."""
        assert self.process is not None
        await wait_while_running(self.fake, self.process, predicate, what, self.log_tail)

    async def wait_ready(self) -> None:
        """The new process polls (its first ``getUpdates``): set-up is done."""
        polls = self.fake.method_counts["getUpdates"]
        await self.wait(
            lambda: self.fake.method_counts["getUpdates"] > polls, "the bot's first getUpdates"
        )


async def add_open_meetings(database: Path | str, groups: int, now: datetime) -> None:
    """One meeting per group an hour ahead, its window already open with its code (the
    tick does not open it again, so no invitations go out)."""
    stamp = to_db(now)
    db = await Database.open(database)
    try:
        await BulkLoader(db).insert(
            "meetings",
            (
                (
                    g,
                    g,
                    to_db(now + timedelta(hours=1)),
                    PLACE,
                    "sesi-01",
                    "scheduled",
                    stamp,
                    stamp,
                    group_code(g),
                    stamp,
                    None,  # not finalized
                    None,  # no reminders to work out: the meeting is about to start
                )
                for g in range(1, groups + 1)
            ),
        )
    finally:
        await db.close()


class Scenario:
    """One database, one fake, runs of the bot one after another (the first pinned to
    crash at a named point)."""

    def __init__(
        self,
        fake: FakeBotAPI,
        server: FakeBotAPIServer,
        tmp_path: Path,
        overrides: Config | None = None,
    ) -> None:
        self.fake = fake
        self.server = server
        self.config, self.database = write_config(tmp_path, server, {**QUIET, **(overrides or {})})
        self.runs = Runs(fake, self.config, tmp_path)
        self.tmp_path = tmp_path

    async def start(self, crash_at: str | None = None) -> E2EBot:
        process = await self.runs.start({ENV: crash_at} if crash_at else None)
        log_path = self.runs.logs[-1]
        e = E2EBot(self.fake, self.server, process, self.config, self.database, log_path)
        await self.runs.wait_ready()
        return e

    async def crashed(self) -> None:
        """The pinned crash happened (and not any other end)."""
        assert self.runs.process is not None
        code = await asyncio.wait_for(self.runs.process.wait(), WAIT)
        assert code == EXIT_STATUS, self.runs.log_tail()

    def pending_presses(self) -> int:
        return sum(1 for u in self.fake.pending_updates if "callback_query" in u)


def group_code(group_id: int) -> str:
    """The check-in secret of the group's meeting (its code is derived from it)."""
    return f"{(4821 + 137 * group_id) % 10000:04d}"


def typed_code(group_id: int) -> str:
    """The code a member types: the one code of a window whose code does not rotate
    (``code_every = "0m"`` here: the burst is about crashes, not rotation)."""
    return code_at(group_code(group_id), 0)
