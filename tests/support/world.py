"""The world of the authorization matrix: one person of each role, with groups, a meeting and
an alert; one member's phone (group B's Yohana) is shared with a second member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot.auth import resolve_actor
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.phones import join_same_phone


@dataclass
class World:
    fac_a: FakeUser
    fac_b: FakeUser
    member_a: FakeUser
    leader_a: FakeUser
    member_b: FakeUser
    leader_b: FakeUser
    stranger: FakeUser
    group_a: int
    meeting_a: int
    member_a_id: int
    secrets_a: tuple[str, ...]
    secrets_b: tuple[str, ...]


async def build_world(h: Harness) -> World:
    fac_a = await register_facilitator(h, "Rina Wati")
    fac_b = await register_facilitator(h, "Sari Dewi")
    link_a = await create_group(h, fac_a, "Kenanga", "WIB", "Balai Kenanga")
    link_b = await create_group(h, fac_b, "Anggrek", "WIT", "Balai Anggrek")
    member_a = await join(h, link_a, "Wulandari", phone="081211112222")
    leader_a = await join(h, link_a, "Kartika")
    member_b = await join(h, link_b, "Yohana", phone="081233334444")
    # Yohana's phone is shared: her neighbour Ursula, also of group B, joined from it.
    await join_same_phone(h, member_b, link_b, "Ursula")
    leader_b = await join(h, link_b, "Margaretha")
    for leader in (leader_a, leader_b):
        me = await h.participant(leader)
        assert await h.db.set_leader(me.group_id, me.id)
    group_a = (await h.participant(member_a)).group_id
    group_b = (await h.participant(member_b)).group_id
    meetings = {}
    for fac, group in ((fac_a, group_a), (fac_b, group_b)):
        actor = await resolve_actor(h.db, fac.id)
        created = await h.services.meetings.schedule_single(
            actor, [group], date(2026, 12, 5), time(9, 0), None, None, h.clock.now()
        )
        assert created
        meetings[group] = created[0].id
    # Group A has its own voice summary of a session: only its people may change it.
    await h.services.voice.save_recording(
        [group_a],
        "sesi-01",
        "AwACvoiceOfGroupA",
        30,
        participant_id=None,
        facilitator_id=(await h.facilitator(fac_a)).id,
        now=h.clock.now(),
    )
    await h.tick()
    stranger = h.fake.add_user("Budi")
    await h.send(stranger, "/start")
    return World(
        fac_a=fac_a,
        fac_b=fac_b,
        member_a=member_a,
        leader_a=leader_a,
        member_b=member_b,
        leader_b=leader_b,
        stranger=stranger,
        group_a=group_a,
        meeting_a=meetings[group_a],
        member_a_id=(await h.participant(member_a)).id,
        secrets_a=(
            "Kenanga",
            "Wulandari",
            "Kartika",
            "Balai Kenanga",
            "6281211112222",
            link_a.removeprefix("g_"),
        ),
        secrets_b=(
            "Anggrek",
            "Yohana",
            "Margaretha",
            "Ursula",
            "Balai Anggrek",
            "6281233334444",
            link_b.removeprefix("g_"),
        ),
    )
