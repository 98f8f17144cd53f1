"""Every query on a hot path uses an index.

A realistic scenario runs through the real handlers and the tick while SQLite's trace
hook records every statement; each one is then explained (EXPLAIN QUERY PLAN) and the
test fails on a full scan of a table that grows with the number of families. New queries
are covered without touching this file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.queries import full_scans, traced
from tests.support.sql import execute, fetch

pytestmark = pytest.mark.sqlite_only


async def scenario(h: Harness) -> None:
    """Joining, scheduling, reminders, answers, materials, lists: the daily paths."""
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    mothers = [await join(h, payload, name) for name in ("Siti", "Ani", "Dewi")]
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Sekali")
    await h.send(fac, "5/12 09.00")
    await h.press(fac, "Tempat biasa")
    await h.press(fac, "Jadwalkan")
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await h.tick()
    await h.press(mothers[0], "Saya akan hadir")
    await h.press(mothers[1], "Tidak bisa hadir")
    await h.press(mothers[1], "Sakit")
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Lihat jawaban")
    await h.send(fac, "/kelompok")
    await h.press(fac, "Mawar")
    await h.press(fac, "Anggota")
    await h.send(mothers[2], "/materi")
    await h.send(mothers[2], "/jadwal")
    await h.send(mothers[2], "/datasaya")
    for hours in (24, 48, 49, 50, 51, 52, 53):  # through the meeting and its window
        h.clock.set(datetime(2026, 12, 3, 2, 0, tzinfo=UTC) + timedelta(hours=hours))
        await h.tick()
    for command in ("/tindaklanjut", "/rekap", "/kehadiranku"):
        await h.send(fac, command)
        await h.send(mothers[0], command)


async def test_hot_queries_use_indexes(h: Harness) -> None:
    queries = await traced(h, lambda: scenario(h))
    assert len(queries) > 30
    problems = await full_scans(h, queries)
    assert not problems, "\n\n".join(problems)


async def test_resolved_alerts_are_found_without_reading_every_open_alert(h: Harness) -> None:
    """The tick's look for alerts that resolved themselves starts from the participants
    noted since the last tick (``alert_checks``), never from all open alerts: with a year
    of history a province has over 100,000 of them, and the tick runs every 20 seconds."""

    async def look() -> None:
        await h.db.alerts_resolved()

    queries = await traced(h, look)
    lookups = [q for q in queries if "FROM alerts" in q or "JOIN alerts" in q]
    assert lookups == [], lookups  # nothing noted: alerts are not read at all
    fac = await register_facilitator(h)
    await join(h, await create_group(h, fac), "Siti")
    # Leaving notes her (a trigger), so the next look reads her alerts, by index.
    await execute(h.db, "UPDATE participants SET status = 'left'")
    noted = await fetch(h.db, "SELECT participant_id FROM alert_checks")
    assert len(list(noted)) == 1
    queries = await traced(h, look)
    plans = []
    for sql in queries:
        if "JOIN alerts" not in sql:
            continue
        rows = await fetch(h.db, f"EXPLAIN QUERY PLAN {sql}")
        plans.append("\n".join(str(row[3]) for row in rows))
    assert len(plans) == 1, queries
    assert "alerts_open" not in plans[0] and "SCAN a" not in plans[0], plans[0]
    assert "alerts_participant_open" in plans[0], plans[0]
