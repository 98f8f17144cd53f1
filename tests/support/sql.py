"""Reading and changing rows directly in tests, on either backend (``db.tx``): the
statements are SQLite's SQL with ``?``, translated for PostgreSQL by the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db import Database


async def fetch(db: Database, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """The rows of one statement (each reads by name and by position)."""
    async with db.tx(write=False) as tx:
        return list(await tx.all(sql, params))


async def execute(db: Database, sql: str, params: Sequence[Any] = ()) -> None:
    """One statement that changes rows, committed."""
    async with db.tx() as tx:
        await tx.execute(sql, params)
