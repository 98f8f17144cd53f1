"""Steps of the shared-phone tests: a second KPM joins from a phone already in use, the
people on a phone, and answering "Untuk siapa?"."""

from __future__ import annotations

from db.models import Participant
from fakeapi import FakeUser
from tests.support.harness import Harness


async def join_same_phone(h: Harness, user: FakeUser, payload: str, name: str) -> Participant:
    """Another KPM on ``user``'s phone joins the group of ``payload`` as ``name``."""
    await h.send(user, f"/start {payload}")
    await h.press(user, h.t("phone.button_join_another"))
    await h.send(user, name)
    await h.send(user, h.t("join.button_skip_phone"))
    await h.press(user, h.t("join.button_yes"))
    return next(p for p in await people_on(h, user) if p.name == name)


async def people_on(h: Harness, user: FakeUser) -> list[Participant]:
    return [p for p, _ in (await h.db.who(user.id)).people]


async def choose(h: Harness, user: FakeUser, person: Participant) -> None:
    """Answer "Untuk siapa?" (the last message with buttons) with ``person``."""
    label = h.t(
        "phone.button_person", name=person.name, sapaan=h.services.catalog.address(person.address)
    )
    await h.press(user, label)
