"""Moving a district: every row of a SQLite database into a PostgreSQL one, resumable, then
verified by counts and checksums (``python -m bot migrate-data --from FILE --to URL``).

The target is migrated to the same schema version first. Tables are copied parent before
child (a nullable reference to a table copied later, such as ``groups.leader_id``, is set
once that table is in), in chunks by rowid: each chunk is one target transaction that also
records how far the table has come (table ``data_move``), so a move stopped anywhere (a
killed process, a lost connection) goes on from the last committed chunk when run again,
and never copies a row twice. Triggers do not fire for copied rows (the attendance log is
copied as it is, not written again). Then, per table, the row count and an order-independent
checksum of every value are compared on both sides, the identity columns continue after
the copied ids, and the planner's statistics are gathered (``ANALYZE``).

The bot must not run on the SQLite file meanwhile (the CLI holds its instance lock).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from db.connection import connect
from db.migrate import load_migrations, migrate, schema_version
from db.postgres import connect_pg

CHUNK = 5000
_MOD = 1 << 128


class MoveError(Exception):
    pass


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rowid: bool
    """Whether SQLite numbers its rows (all but ``WITHOUT ROWID`` tables)."""
    late: tuple[tuple[str, str], ...] = ()
    """(column, table) references set after that table is copied."""


@dataclass(frozen=True)
class Verified:
    table: str
    rows: int
    checksum: str


async def _tables(src: aiosqlite.Connection) -> list[Table]:
    """The source's tables, in an order that copies a referenced table first."""
    names = [
        r[0]
        for r in await src.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    info: dict[str, tuple[tuple[str, ...], dict[str, bool], dict[str, str], bool]] = {}
    for name in names:
        cols = await src.execute_fetchall(f"PRAGMA table_info({name})")
        columns = tuple(str(c[1]) for c in cols)
        nullable = {str(c[1]): not c[3] and not c[5] for c in cols}
        refs = {
            str(f[3]): str(f[2])
            for f in await src.execute_fetchall(f"PRAGMA foreign_key_list({name})")
            if str(f[2]) != name
        }
        found = await src.execute_fetchall("SELECT sql FROM sqlite_master WHERE name = ?", (name,))
        sql = next(iter(found))[0]
        info[name] = (columns, nullable, refs, "WITHOUT ROWID" not in str(sql).upper())
    ordered: list[Table] = []
    done: set[str] = set()
    strict = True
    while len(ordered) < len(names):
        progress = False
        for name in names:
            if name in done:
                continue
            columns, nullable, refs, rowid = info[name]
            waiting = {c: t for c, t in refs.items() if t not in done}
            # A reference is held back only to break a cycle (groups <-> participants).
            if (strict and waiting) or any(not nullable[c] for c in waiting):
                continue
            if waiting and "id" not in columns:  # pragma: no cover - not in this schema
                raise MoveError(f"{name}: a reference to set later needs an id column")
            ordered.append(Table(name, columns, rowid, tuple(sorted(waiting.items()))))
            done.add(name)
            progress = True
            if not strict:
                break
        if not progress and not strict:  # pragma: no cover - no cycle of required columns
            raise MoveError("tables refer to each other through required columns")
        strict = progress
    return ordered


def _kinds(types: dict[str, str], table: Table) -> list[Callable[[Any], Any]]:
    def convert(kind: str) -> Callable[[Any], Any]:
        if kind in ("bigint", "integer", "smallint"):
            return lambda v: None if v is None else int(v)
        if kind in ("double precision", "real", "numeric"):
            return lambda v: None if v is None else float(v)
        return lambda v: None if v is None else str(v)

    return [convert(types[c]) for c in table.columns]


def _row_hash(values: Sequence[Any]) -> int:
    parts = []
    for v in values:
        if v is None:
            parts.append("n")
        elif isinstance(v, bool | int):
            parts.append(f"i{int(v)}")
        elif isinstance(v, float):
            parts.append(f"f{v!r}")
        else:
            parts.append(f"s{v}")
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:16], "big")


async def move_data(
    source: Path,
    target: str,
    *,
    chunk: int = CHUNK,
    say: Callable[[str], None] = lambda line: None,
    after_chunk: Callable[[str], None] = lambda table: None,
) -> list[Verified]:
    """Copy ``source`` (SQLite) into ``target`` (a PostgreSQL URL), go on where a previous
    run stopped, verify, and return what was verified per table."""
    if not source.exists():
        raise MoveError(f"{source}: no such database")
    src = await connect(source, read_only=True)
    try:
        known = len(load_migrations())
        version = await schema_version(src)
        if version != known:
            raise MoveError(f"{source}: schema {version}/{known}; run migrate on it first")
        dst = await connect_pg(target)
        try:
            await migrate(dst)
            tables = await _tables(src)
            await _copy(src, dst, tables, chunk, say, after_chunk)
            verified = await _verify(src, dst, tables, say)
            # Fresh planner statistics: without them the first queries on millions of
            # copied rows are planned blind (scans where a partial index serves).
            await dst.execute("ANALYZE")
            return verified
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy(
    src: aiosqlite.Connection,
    dst: asyncpg.Connection,
    tables: list[Table],
    chunk: int,
    say: Callable[[str], None],
    after_chunk: Callable[[str], None],
) -> None:
    await dst.execute(
        "CREATE TABLE IF NOT EXISTS data_move (table_name TEXT PRIMARY KEY,"
        " last_rowid BIGINT NOT NULL DEFAULT 0, done BOOLEAN NOT NULL DEFAULT false)"
    )
    started = await dst.fetchval("SELECT count(*) FROM data_move")
    if not started:
        for table in tables:
            if await dst.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table.name})"):
                raise MoveError(f"the target already has rows in {table.name}: use an empty one")
    else:
        say("going on with the move started before")
    for table in tables:
        state = await dst.fetchrow(
            "SELECT last_rowid, done FROM data_move WHERE table_name = $1", table.name
        )
        if state is not None and state["done"]:
            continue
        last = int(state["last_rowid"]) if state is not None else 0
        types = {
            r["column_name"]: r["data_type"]
            for r in await dst.fetch(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = $1",
                table.name,
            )
        }
        converters = _kinds(types, table)
        late = {c for c, _ in table.late}
        columns = ", ".join(table.columns)
        copied = 0
        while True:
            if table.rowid:
                rows = list(
                    await src.execute_fetchall(
                        f"SELECT rowid, {columns} FROM {table.name} WHERE rowid > ?"
                        " ORDER BY rowid LIMIT ?",
                        (last, chunk),
                    )
                )
            else:  # small bookkeeping tables (applied_updates): in one chunk
                rows = list(await src.execute_fetchall(f"SELECT 0, {columns} FROM {table.name}"))
            records = [
                tuple(
                    None if name in late else convert(value)
                    for name, convert, value in zip(
                        table.columns, converters, tuple(row)[1:], strict=True
                    )
                )
                for row in rows
            ]
            next_last = int(rows[-1][0]) if rows and table.rowid else last
            finished = not table.rowid or len(rows) < chunk
            async with dst.transaction():
                await dst.execute(f"ALTER TABLE {table.name} DISABLE TRIGGER USER")
                if records:
                    await dst.copy_records_to_table(
                        table.name, records=records, columns=list(table.columns)
                    )
                await dst.execute(f"ALTER TABLE {table.name} ENABLE TRIGGER USER")
                await dst.execute(
                    "INSERT INTO data_move (table_name, last_rowid, done) VALUES ($1, $2, $3)"
                    " ON CONFLICT (table_name) DO UPDATE SET last_rowid = EXCLUDED.last_rowid,"
                    " done = EXCLUDED.done",
                    table.name,
                    next_last,
                    finished and not late,
                )
            copied += len(records)
            last = next_last
            after_chunk(table.name)
            if finished:
                break
        say(f"{table.name}: {copied} rows copied")
    for table in tables:
        if table.late:  # every table is in now: the references held back
            await _set_late(src, dst, table, chunk)


async def _set_late(
    src: aiosqlite.Connection, dst: asyncpg.Connection, table: Table, chunk: int
) -> None:
    """The references held back (their table is in now), in one transaction."""
    async with dst.transaction():
        for column, _ in table.late:
            rows = list(
                await src.execute_fetchall(
                    f"SELECT id, {column} FROM {table.name} WHERE {column} IS NOT NULL"
                )
            )
            for start in range(0, len(rows), chunk):
                await dst.executemany(
                    f"UPDATE {table.name} SET {column} = $2 WHERE id = $1",
                    [(int(r[0]), int(r[1])) for r in rows[start : start + chunk]],
                )
        await dst.execute("UPDATE data_move SET done = true WHERE table_name = $1", table.name)


async def _checksum_src(src: aiosqlite.Connection, table: Table) -> tuple[int, int]:
    count, total = 0, 0
    async with src.execute(f"SELECT {', '.join(table.columns)} FROM {table.name}") as cur:
        while batch := await cur.fetchmany(CHUNK):
            for row in batch:
                count += 1
                total = (total + _row_hash(tuple(row))) % _MOD
    return count, total


async def _checksum_dst(dst: asyncpg.Connection, table: Table) -> tuple[int, int]:
    count, total = 0, 0
    async with dst.transaction(readonly=True):
        async for row in dst.cursor(
            f"SELECT {', '.join(table.columns)} FROM {table.name}", prefetch=CHUNK
        ):
            count += 1
            total = (total + _row_hash(tuple(row))) % _MOD
    return count, total


async def _verify(
    src: aiosqlite.Connection,
    dst: asyncpg.Connection,
    tables: list[Table],
    say: Callable[[str], None],
) -> list[Verified]:
    found: list[Verified] = []
    for table in tables:
        theirs, ours = await _checksum_src(src, table), await _checksum_dst(dst, table)
        if theirs != ours:
            raise MoveError(
                f"{table.name}: {theirs[0]} rows in the SQLite file, {ours[0]} in PostgreSQL,"
                " or their values differ (checksums); the move is not complete"
            )
        found.append(Verified(table.name, ours[0], f"{ours[1]:032x}"))
        say(f"{table.name}: {ours[0]} rows, checksum {ours[1]:032x} on both sides")
        if "id" in table.columns and table.rowid:
            identity = await dst.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table.name)
            if identity:
                await dst.execute(
                    f"SELECT setval($1, (SELECT COALESCE(max(id), 0) + 1 FROM {table.name}),"
                    " false)",
                    identity,
                )
    return found
