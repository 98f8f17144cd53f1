"""The attendance paths (check-in, marking, finalization, alerts, follow-up, history) use
indexes only on the tables that grow (same rule as tests/test_query_plans.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.support.attendance import (
    CLOSES,
    OPENS,
    check_in,
    code_of,
    open_window,
    run_meeting,
    setup,
    yearly,
)
from tests.support.harness import Harness
from tests.support.queries import full_scans, traced


async def scenario(h: Harness) -> None:
    fac, (siti, ani, dewi) = await setup(h)
    meeting, code = await open_window(h, fac, OPENS)
    await check_in(h, siti, code)
    await h.send(ani, "/hadir")
    await h.send(ani, await h.wrong_code(meeting.id))
    await h.press(dewi, h.t("attendance.button_checkin"))
    await h.send(fac, "/kehadiran")
    await h.press(fac, "Mawar")
    await h.press(fac, "Ani")
    h.clock.set(CLOSES)
    await h.tick()
    assert await code_of(h, meeting)
    for later in await yearly(h, fac, 2):
        await run_meeting(h, later, [(siti, "A"), (ani, "P")])
    await h.send(fac, "/tindaklanjut")
    await h.press(fac, "Siti")
    await h.press(fac, "Sudah dihubungi")
    await h.send(fac, "Catatan")
    h.clock.set(h.clock.now() + timedelta(days=8))
    await h.tick()
    await h.process(h.fake.block_bot(dewi))
    await h.process(h.fake.unblock_bot(dewi))
    await h.tick()
    await h.send(siti, "/kehadiranku")
    await h.send(siti, "/hadir")


@pytest.mark.sqlite_only
async def test_attendance_queries_use_indexes(h: Harness) -> None:
    queries = {
        sql
        for sql in await traced(h, lambda: scenario(h))
        if re.search(
            r"\b(attendance|alerts|alert_actions|checkin_attempts)\b|checkin_code"
            r"|window_opened_at|finalized_at",
            sql,
        )
    }
    assert len(queries) > 20
    problems = await full_scans(h, queries)
    assert not problems, "\n\n".join(problems)
