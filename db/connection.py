"""Opening SQLite connections with the project's pragmas, and the time format in storage."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

BUSY_TIMEOUT_MS = 5000


async def connect(path: Path | str) -> aiosqlite.Connection:
    """Open ``path`` (creating its folder) in autocommit mode with our pragmas.

    journal_mode=WAL lets readers work while the bot writes; synchronous=FULL
    because attendance and outbox rows must survive a power cut, and the bot
    writes little enough that the extra fsync does not matter (see README).
    Transactions are explicit (``BEGIN IMMEDIATE`` ... ``COMMIT``), see
    :class:`db.Database`.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = FULL")
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
