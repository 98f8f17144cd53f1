"""Steps of the announcement tests: a facilitator with two groups and their leaders, and what a
member got."""

from __future__ import annotations

from typing import Any

from fakeapi import FakeUser
from tests.support.harness import (
    Harness,
    create_group,
    join,
    register_facilitator,
)


class World:
    def __init__(self, fac: FakeUser, mawar: list[FakeUser], melati: list[FakeUser]) -> None:
        self.fac = fac
        self.leader = mawar[0]
        self.mawar = mawar
        self.melati = melati


async def setup_world(h: Harness) -> World:
    fac = await register_facilitator(h)
    mawar_link = await create_group(h, fac, "Mawar")
    melati_link = await create_group(h, fac, "Melati", "WITA")
    mawar = [await join(h, mawar_link, name) for name in ("Siti", "Ani", "Dewi")]
    melati = [await join(h, melati_link, name) for name in ("Budi", "Euis")]
    await make_leader(h, mawar[0])
    await make_leader(h, melati[0])
    return World(fac, mawar, melati)


def announcements_to(h: Harness, user: FakeUser) -> list[dict[str, Any]]:
    return [
        m
        for m in h.fake.sent_by_bot(user)
        if "Pengumuman untuk kelompok" in (m.get("text") or m.get("caption") or "")
    ]


async def make_leader(h: Harness, user: FakeUser) -> None:
    member = await h.participant(user)
    assert await h.db.set_leader(member.group_id, member.id)
