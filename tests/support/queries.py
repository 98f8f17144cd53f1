"""Reading the database in tests: every row (to look for a mother's words), and the query plans
of a traced scenario."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from db.dialect import SQLITE
from tests.support.harness import Harness
from tests.support.sql import fetch


async def dump_database(h: Harness) -> str:
    """Every value of every table, as text: to search for what must be gone."""
    catalog = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if h.db.dialect == SQLITE
        else "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema()"
    )
    parts = []
    for (table,) in await fetch(h.db, catalog):
        for row in await fetch(h.db, f"SELECT * FROM {table}"):
            parts.append(" | ".join(str(v) for v in tuple(row)))
    return "\n".join(parts)


async def traced(h: Harness, run: Callable[[], Awaitable[None]]) -> set[str]:
    """The data statements SQLite ran while ``run()`` ran."""
    statements: list[str] = []
    await h.db.connection.set_trace_callback(statements.append)
    try:
        await run()
    finally:
        await h.db.connection.set_trace_callback(None)  # type: ignore[arg-type]
    return {
        s.strip()
        for s in statements
        if re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\b", s, re.IGNORECASE)
        and "sqlite_master" not in s
    }


async def full_scans(h: Harness, queries: set[str]) -> list[str]:
    """Each query whose plan scans a large table, with its plan."""
    problems = []
    for sql in sorted(queries):
        rows = await h.db.connection.execute_fetchall(f"EXPLAIN QUERY PLAN {sql}")
        plan = "\n".join(str(row[3]) for row in rows)
        for pattern in (SCAN, FULL_INDEX_SCAN):
            for table in pattern.findall(plan):
                if table in LARGE:
                    problems.append(f"{table}: {plan}\n  in: {sql[:300]}")
    return problems


# Tables that grow with families, meetings or messages. Small tables (facilitators,
# invites, module content) may be scanned.
LARGE = {
    "participants",
    "groups",
    "meetings",
    "attendance",
    "attendance_log",
    "rsvps",
    "outbox",
    "alerts",
    "alert_actions",
    "quiz_answers",
    "reminder_slots",
    "checkin_attempts",
    "chat_states",
    "announcements",
}


SCAN = re.compile(r"\bSCAN (\w+)(?! USING (?:COVERING )?INDEX)")


FULL_INDEX_SCAN = re.compile(r"\bSCAN (\w+) USING (?:COVERING )?INDEX")
