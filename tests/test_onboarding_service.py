"""Onboarding rules and role resolution, on a real SQLite file, without Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.auth import FACILITATORS, MEMBERS, Actor, Role, allowed, resolve_actor
from bot.config import load_settings
from bot.onboarding import (
    JoinOutcome,
    Onboarding,
    clean_person_name,
    clean_phone,
    clean_place,
)
from db import Database
from tests.support.backend import new_database

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(new_database(tmp_path))
    yield database
    await database.close()


@pytest.fixture
def onboarding(db: Database, tmp_path: Path) -> Onboarding:
    (tmp_path / "c.toml").write_text("[bot]\ninvite_ttl_hours = 24\n")
    return Onboarding(db, load_settings(tmp_path / "c.toml", env={}))


async def facilitator_actor(db: Database, onboarding: Onboarding, tg: int) -> Actor:
    invite = await onboarding.invite_facilitator("Bu Rina", NOW)
    assert await onboarding.redeem_invite(invite.code, tg, NOW) is not None
    return await resolve_actor(db, tg)


async def test_invite_is_one_time_and_expires(db: Database, onboarding: Onboarding) -> None:
    invite = await onboarding.invite_facilitator("Bu Rina", NOW)
    assert invite.expires_at == NOW + timedelta(hours=24)
    late = await onboarding.invite_facilitator("Bu Late", NOW)
    assert await onboarding.redeem_invite(late.code, 7, NOW + timedelta(hours=24)) is None
    fac = await onboarding.redeem_invite(invite.code, 5, NOW)
    assert fac is not None and fac.name == "Bu Rina"
    assert await onboarding.redeem_invite(invite.code, 6, NOW) is None
    assert await onboarding.redeem_invite("made-up", 6, NOW) is None
    assert await db.facilitator_by_telegram(6) is None


async def test_roles_resolve(db: Database, onboarding: Onboarding) -> None:
    fac = await facilitator_actor(db, onboarding, 10)
    assert fac.roles == {Role.FACILITATOR}
    group = await onboarding.create_group(fac, "Mawar", "Asia/Makassar", "Balai Desa", NOW)
    joined = await onboarding.join(group.id, group.join_code, 20, "Siti", None, NOW)
    assert joined.outcome is JoinOutcome.JOINED and joined.participant is not None
    member = await resolve_actor(db, 20)
    assert member.roles == {Role.PARTICIPANT}
    assert allowed(member, MEMBERS) and not allowed(member, FACILITATORS)
    assert await onboarding.appoint_leader(fac, group.id, joined.participant.id) is not None
    leader = await resolve_actor(db, 20)
    assert leader.roles == {Role.PARTICIPANT, Role.LEADER}
    stranger = await resolve_actor(db, 99)
    assert stranger.roles == {Role.STRANGER} and not stranger.registered


async def test_one_group_per_person(db: Database, onboarding: Onboarding) -> None:
    fac = await facilitator_actor(db, onboarding, 10)
    a = await onboarding.create_group(fac, "A", "Asia/Jakarta", "Rumah Bu A", NOW)
    b = await onboarding.create_group(fac, "B", "Asia/Jakarta", "Rumah Bu B", NOW)
    first = await onboarding.join(a.id, a.join_code, 20, "Siti", None, NOW)
    assert first.outcome is JoinOutcome.JOINED
    second = await onboarding.join(b.id, b.join_code, 20, "Siti", None, NOW)
    assert second.outcome is JoinOutcome.ALREADY_MEMBER
    assert [m.name for m in await db.members(b.id)] == []


async def test_renewed_link_stops_old_one(db: Database, onboarding: Onboarding) -> None:
    fac = await facilitator_actor(db, onboarding, 10)
    group = await onboarding.create_group(fac, "A", "Asia/Jakarta", "Rumah Bu A", NOW)
    old = group.join_code
    renewed = await onboarding.renew_join_code(fac, group.id, NOW)
    assert renewed is not None and renewed.join_code != old
    assert await onboarding.join_target(old) is None
    late = await onboarding.join(group.id, old, 20, "Siti", None, NOW)
    assert late.outcome is JoinOutcome.LINK_CHANGED
    assert await db.members(group.id) == []


async def test_facilitator_cannot_touch_another_facilitators_group(
    db: Database, onboarding: Onboarding
) -> None:
    mine = await facilitator_actor(db, onboarding, 10)
    other = await facilitator_actor(db, onboarding, 11)
    group = await onboarding.create_group(mine, "A", "Asia/Jakarta", "Rumah Bu A", NOW)
    joined = await onboarding.join(group.id, group.join_code, 20, "Siti", None, NOW)
    assert joined.participant is not None
    pid = joined.participant.id
    assert await onboarding.owned_group(other, group.id) is None
    assert await onboarding.appoint_leader(other, group.id, pid) is None
    assert await onboarding.remove_member(other, group.id, pid, NOW) is None
    assert await onboarding.renew_join_code(other, group.id, NOW) is None
    unchanged = await db.group(group.id)
    assert unchanged == group
    assert [m.id for m in await db.members(group.id)] == [pid]


async def test_removed_member_loses_leadership_and_can_join_again(
    db: Database, onboarding: Onboarding
) -> None:
    fac = await facilitator_actor(db, onboarding, 10)
    group = await onboarding.create_group(fac, "A", "Asia/Jakarta", "Rumah Bu A", NOW)
    joined = await onboarding.join(group.id, group.join_code, 20, "Siti", "+628123", NOW)
    assert joined.participant is not None
    pid = joined.participant.id
    assert await onboarding.appoint_leader(fac, group.id, pid) is not None
    assert await onboarding.remove_member(fac, group.id, pid, NOW) is not None
    refreshed = await db.group(group.id)
    assert refreshed is not None and refreshed.leader_id is None
    assert (await resolve_actor(db, 20)).roles == {Role.STRANGER}
    # A leader must be an active member of that very group.
    assert await onboarding.appoint_leader(fac, group.id, pid) is None
    again = await onboarding.join(group.id, group.join_code, 20, "Siti", None, NOW)
    assert again.outcome is JoinOutcome.JOINED


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Siti   Aminah ", "Siti Aminah"),
        ("Bu Ani 🌸", "Bu Ani 🌸"),
        ("x", None),
        ("12345", None),
        ("/start", None),
        ("a" * 61, None),
        ("Siti\u202eAminah", None),
        ("Siti\x00", None),
    ],
)
def test_clean_person_name(raw: str, expected: str | None) -> None:
    assert clean_person_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("call me", None),
        ("123", None),
    ],
)
def test_clean_phone(raw: str, expected: str | None) -> None:
    assert clean_phone(raw) == expected


def test_clean_place() -> None:
    assert clean_place("Balai  Desa") == "Balai Desa"
    assert clean_place("ab") is None
