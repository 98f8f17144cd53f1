"""Steps of the meeting tests: a group with members, a meeting scheduled by buttons, the
reminders a member got."""

from __future__ import annotations

from datetime import date, time

from bot.auth import resolve_actor
from db.meetings import Meeting
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator


async def setup_group(
    h: Harness, zone: str = "WIB", members: tuple[str, ...] = ("Siti", "Ani")
) -> tuple[FakeUser, list[FakeUser]]:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar", zone)
    mothers = [await join(h, payload, name) for name in members]
    return fac, mothers


async def schedule(h: Harness, fac: FakeUser, day: date, at: time) -> Meeting:
    actor = await resolve_actor(h.db, fac.id)
    assert actor.facilitator is not None
    groups = await h.db.groups_of(actor.facilitator.id)
    created = await h.services.meetings.schedule_single(
        actor, [groups[0].group.id], day, at, None, None, h.clock.now()
    )
    assert created is not None
    return created[0]


async def reminders(h: Harness) -> list[dict[str, object]]:
    return await h.outbox("reminder")


async def once_on_saturday(h: Harness, fac: FakeUser) -> None:
    """The scheduling dialogue with buttons, up to its summary: once, Saturday 5 December
    09.00, at the usual place."""
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Sekali")
    await h.press(fac, "Sab 5/12")
    await h.press(fac, "09.00")
    await h.press(fac, "Tempat biasa")
