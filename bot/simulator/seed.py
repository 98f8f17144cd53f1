"""The demo world: a facilitator, two groups (WIB and WITA), a leader and a dozen mothers,
and a monthly meeting for each group a few days ahead.

Everything goes through the bot's own services (invite and redeem, create the groups, join,
appoint the leader, schedule), exactly as if the people had used the bot; no SQL here. Each
person is a user of the fake Bot API whose id is her ``telegram_id`` in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from telegram import BotCommandScopeChat

from bot.app import AnyApplication
from bot.auth import Actor, Role
from bot.daysoff import WORKING_DAYS, DaysOff
from bot.schedule import MonthlyPattern, to_local
from bot.services import Services
from db.models import Group
from fakeapi import FakeBotAPI, FakeUser
from handlers import build_dispatcher

__all__ = [
    "GROUPS",
    "DemoGroup",
    "DemoWorld",
    "first_meeting_day",
    "monthly_pattern_for",
    "phone_for",
    "seed_demo",
    "set_menus",
]

FACILITATOR_NAME = ("Rina", "Wati")


@dataclass(frozen=True)
class DemoGroup:
    name: str
    timezone: str
    place: str
    days_ahead: int  # the first meeting is this many local days after the start
    at: time  # local time of the monthly meeting
    mothers: tuple[tuple[str, str | None], ...]  # (first name, last name); the first leads
    kecamatan: str = "Sukamaju"


GROUPS: tuple[DemoGroup, ...] = (
    DemoGroup(
        name="Melati",
        timezone="Asia/Jakarta",
        place="Balai Desa Sukamaju",
        days_ahead=4,
        at=time(9, 0),
        mothers=(
            ("Siti", "Aminah"),
            ("Dewi", "Lestari"),
            ("Sri", "Wahyuni"),
            ("Nur", "Hasanah"),
            ("Yuliani", None),
            ("Ani", "Suryani"),
            ("Rohmah", None),
        ),
    ),
    DemoGroup(
        name="Kenanga",
        timezone="Asia/Makassar",
        place="Posyandu Kenanga, Tamalanrea",
        kecamatan="Tamalanrea",
        days_ahead=6,
        at=time(14, 0),
        mothers=(
            ("Sitti", "Rahmawati"),
            ("Hasnah", None),
            ("Nurul", "Fitri"),
            ("Fatmawati", None),
            ("Andi", "Rosmini"),
        ),
    ),
)
FEATURED_MOTHERS = 3  # chats shown from the start: facilitator, leader and three mothers


@dataclass
class DemoWorld:
    """Who was seeded, for the page and the clock."""

    facilitator: FakeUser
    facilitator_id: int
    leader: FakeUser
    groups: list[Group] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)
    phones: dict[int, str] = field(default_factory=dict)

    @property
    def featured(self) -> list[int]:
        """The chats the page opens first: facilitator, leader, three mothers of her group."""
        others = [u.id for u in self.members if u.id != self.leader.id][:FEATURED_MOTHERS]
        return [self.facilitator.id, self.leader.id, *others]


def phone_for(user_id: int) -> str:
    """A made-up Indonesian mobile number, stable per user (08xx as +628xx)."""
    return f"+62812{user_id % 10**8:08d}"


def first_meeting_day(day: date, days_off: DaysOff) -> date:
    """``day``, or the next working day (Monday to Friday, not a holiday): the demo's
    meetings never fall on a weekend or a public holiday."""
    if day.weekday() in WORKING_DAYS and not days_off.is_off(day):
        return day
    return days_off.next_working_day(day)


def monthly_pattern_for(day: date, at: time) -> MonthlyPattern:
    """The "nth weekday of the month" pattern that falls on ``day``."""
    nth = (day.day - 1) // 7 + 1
    return MonthlyPattern(weekday=day.weekday(), nth=nth if nth <= 4 else -1, at=at)


async def seed_demo(services: Services, fake: FakeBotAPI, now: datetime) -> DemoWorld:
    """Create the demo world through the bot's services; returns who is who."""
    onboarding = services.onboarding
    fac_user = fake.add_user(*FACILITATOR_NAME)
    invite = await onboarding.invite_facilitator(" ".join(FACILITATOR_NAME), now)
    facilitator = await onboarding.redeem_invite(invite.code, fac_user.id, now)
    if facilitator is None:  # pragma: no cover - a fresh invite is always redeemable
        raise RuntimeError("could not register the demo facilitator")
    actor = Actor(fac_user.id, facilitator=facilitator)
    world: DemoWorld | None = None
    groups: list[Group] = []
    members: list[FakeUser] = []
    phones: dict[int, str] = {}
    for spec in GROUPS:
        group = await onboarding.create_group(
            actor, spec.name, spec.timezone, spec.place, now, kecamatan=spec.kecamatan
        )
        leader_pid: int | None = None
        leader_user: FakeUser | None = None
        for first, last in spec.mothers:
            user = fake.add_user(first, last)
            phone = phone_for(user.id)
            name = f"{first} {last}" if last else first
            joined = await onboarding.join(group.id, group.join_code, user.id, name, phone, now)
            if joined.participant is None:  # pragma: no cover - fresh ids are never taken
                raise RuntimeError(f"could not add {name} to {spec.name}")
            phones[user.id] = phone
            members.append(user)
            if leader_pid is None:
                leader_pid, leader_user = joined.participant.id, user
        if leader_pid is not None and spec is GROUPS[0]:
            await onboarding.appoint_leader(actor, group.id, leader_pid)
        if world is None and leader_user is not None:
            world = DemoWorld(fac_user, facilitator.id, leader_user)
        day = first_meeting_day(
            to_local(now, spec.timezone).date() + timedelta(days=spec.days_ahead),
            services.meetings.days_off,
        )
        pattern = monthly_pattern_for(day, spec.at)
        await services.meetings.schedule_monthly(actor, [group.id], pattern, None, now)
        refreshed = await services.db.group(group.id)
        groups.append(refreshed or group)
    assert world is not None
    world.groups = groups
    world.members = members
    world.phones = phones
    return world


async def set_menus(app: AnyApplication, services: Services, world: DemoWorld) -> None:
    """Give each seeded person the ``/`` menu of her role, as onboarding would have done
    (``setMyCommands`` with a chat scope, through the bot and the fake)."""
    dispatcher = build_dispatcher()
    roles = {world.facilitator.id: Role.FACILITATOR}
    for user in world.members:
        roles[user.id] = Role.LEADER if user.id == world.leader.id else Role.PARTICIPANT
    for user_id, role in roles.items():
        await app.bot.set_my_commands(
            dispatcher.menu_for(role, services), scope=BotCommandScopeChat(user_id)
        )
