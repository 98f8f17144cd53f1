"""Steps of the attendance tests: a group with a meeting, its check-in window and code, a
check-in, the marks and their log."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.auth import resolve_actor
from bot.schedule import MonthlyPattern
from db.meetings import Meeting, NewMeeting
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.sql import fetch

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


OPENS = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)


CLOSES = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)


async def setup(
    h: Harness, members: tuple[str, ...] = ("Siti", "Ani", "Dewi"), group: str = "Mawar"
) -> tuple[FakeUser, list[FakeUser]]:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, group)
    return fac, [await join(h, payload, name) for name in members]


async def group_id_of(h: Harness, fac: FakeUser) -> int:
    groups = await h.db.groups_of((await h.facilitator(fac)).id)
    return groups[0].group.id


async def add_meeting(
    h: Harness, group_id: int, start: datetime = START, session: str = "sesi-01"
) -> Meeting:
    created = await h.db.create_meetings(
        [NewMeeting(group_id, start, "Balai Desa Sukamaju", session)], h.clock.now()
    )
    return created[0]


async def code_of(h: Harness, meeting: Meeting) -> str:
    return await h.checkin_code(meeting.id)


async def marks(h: Harness, meeting: Meeting) -> dict[str, tuple[str, str]]:
    rows = await fetch(
        h.db,
        "SELECT p.name, a.status, a.source FROM attendance a"
        " JOIN participants p ON p.id = a.participant_id WHERE a.meeting_id = ?",
        (meeting.id,),
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def log_rows(h: Harness, meeting: Meeting) -> list[tuple[str, str, str, int | None, str]]:
    rows = await fetch(
        h.db,
        "SELECT p.name, l.status, l.source, l.by_facilitator_id, l.at FROM attendance_log l"
        " JOIN participants p ON p.id = l.participant_id WHERE l.meeting_id = ? ORDER BY l.id",
        (meeting.id,),
    )
    return [tuple(r) for r in rows]


async def open_window(h: Harness, fac: FakeUser, at: datetime = OPENS) -> tuple[Meeting, str]:
    meeting = await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(at)
    await h.tick()
    return meeting, await code_of(h, meeting)


async def check_in(h: Harness, mother: FakeUser, code: str) -> str:
    await h.send(mother, "/hadir")
    await h.send(mother, code)
    return h.last_text(mother)


async def alerts(h: Harness) -> list[dict[str, Any]]:
    rows = await fetch(h.db, "SELECT * FROM alerts ORDER BY id")
    return [dict(r) for r in rows]


async def yearly(h: Harness, fac: FakeUser, count: int = 12) -> list[Meeting]:
    actor = await resolve_actor(h.db, fac.id)
    created = await h.services.meetings.schedule_monthly(
        actor,
        [await group_id_of(h, fac)],
        MonthlyPattern(weekday=5, nth=1, at=time(9, 0)),  # first Saturday, 09.00
        None,
        h.clock.now(),
        count=count,
    )
    assert created is not None and len(created) == count
    return created


async def run_meeting(h: Harness, meeting: Meeting, script: list[tuple[FakeUser, str]]) -> None:
    """Before: excuses by RSVP. In the window: present ones check in. Then the close."""
    window = h.services.attendance.window(meeting)
    h.clock.set(meeting.starts_at - timedelta(days=1))
    for user, status in script:
        if status == "E":
            participant = await h.participant(user)
            await h.services.meetings.rsvp(
                participant, meeting.id, "no", "keluarga", h.clock.now()
            )
    h.clock.set(window.opens + timedelta(minutes=5))
    await h.tick()
    code = await code_of(h, meeting)
    for user, status in script:
        if status == "P":
            assert (await check_in(h, user, code)).startswith("✅")
    h.clock.set(window.closes)
    await h.tick()
