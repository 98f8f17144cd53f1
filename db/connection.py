"""Opening SQLite connections with the project's pragmas, and the time format in storage."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

BUSY_TIMEOUT_MS = 5000


async def connect(path: Path | str, *, read_only: bool = False) -> aiosqlite.Connection:
    """Open ``path`` (creating its folder) in autocommit mode with our pragmas.

    journal_mode=WAL lets readers work while the bot writes. synchronous=NORMAL:
    in WAL mode a commit is durable against a crash or kill of the process (the
    kill -9 tests show every acknowledged check-in kept); only a power cut or OS
    crash can lose the last commits before a checkpoint. FULL would cost one fsync
    per commit, which caps a burst of check-ins at a few hundred a second on
    ordinary disks (see README, "Capacity").
    Transactions are explicit (``BEGIN IMMEDIATE`` ... ``COMMIT``), see
    :class:`db.Database`. ``read_only``: the process's read connection (``query_only``, so
    a write through it is refused rather than racing the write connection).
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    if read_only:
        await conn.execute("PRAGMA query_only = 1")
    return conn


def to_db(moment: datetime) -> str:
    """An aware datetime as stored: ISO-8601 in UTC, second precision."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the database")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def from_db(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:  # pragma: no cover - we never write naive times
        moment = moment.replace(tzinfo=UTC)
    return moment
