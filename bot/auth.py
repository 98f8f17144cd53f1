"""Who is asking, and what their role allows. The one place that decides.

Every command, button action and text input declares the roles it admits
(see ``handlers.registry``); the dispatcher resolves the sender with
:func:`resolve_actor` and checks :func:`allowed` before any handler runs.
Object-level checks (this group is hers, this member is in her group) are
the ``owns_*`` functions below, used by the services.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from db.models import Facilitator, Group, Participant, Who


class Role(StrEnum):
    STRANGER = "stranger"
    PARTICIPANT = "participant"
    LEADER = "leader"
    FACILITATOR = "facilitator"


EVERYONE = frozenset(Role)
MEMBERS = frozenset({Role.PARTICIPANT, Role.LEADER})
LEADERS = frozenset({Role.LEADER})
FACILITATORS = frozenset({Role.FACILITATOR})
REGISTERED = frozenset({Role.PARTICIPANT, Role.LEADER, Role.FACILITATOR})


@dataclass(frozen=True)
class Actor:
    telegram_id: int
    facilitator: Facilitator | None = None
    participant: Participant | None = None
    group: Group | None = None  # the participant's group
    pending: bool = False  # a dialogue of hers is waiting in chat_states
    # Everyone on this phone with her group (a shared phone holds several KPM); the
    # participant above is the one chosen on it now.
    people: tuple[tuple[Participant, Group], ...] = ()
    chosen_at: datetime | None = None  # when the participant above was chosen on it

    @property
    def shared(self) -> bool:
        """Several people use this Telegram account."""
        return len(self.people) > 1

    def as_person(self, participant_id: int) -> Actor | None:
        """This phone acting as one of its people (None: nobody of that id is on it)."""
        for participant, group in self.people:
            if participant.id == participant_id:
                return replace(self, participant=participant, group=group)
        return None

    @property
    def roles(self) -> frozenset[Role]:
        if self.facilitator is not None:
            return frozenset({Role.FACILITATOR})
        if self.participant is not None:
            if self.group is not None and self.group.leader_id == self.participant.id:
                return frozenset({Role.PARTICIPANT, Role.LEADER})
            return frozenset({Role.PARTICIPANT})
        return frozenset({Role.STRANGER})

    @property
    def main_role(self) -> Role:
        roles = self.roles
        for role in (Role.FACILITATOR, Role.LEADER, Role.PARTICIPANT):
            if role in roles:
                return role
        return Role.STRANGER

    @property
    def registered(self) -> bool:
        return self.facilitator is not None or self.participant is not None


def allowed(actor: Actor, roles: frozenset[Role]) -> bool:
    return bool(actor.roles & roles)


class ActorStore(Protocol):
    """The query that tells who a Telegram account is (``db/onboarding.py``)."""

    async def who(self, telegram_id: int) -> Who: ...


async def resolve_actor(db: ActorStore, telegram_id: int) -> Actor:
    who = await db.who(telegram_id)
    if who.facilitator is not None:
        return Actor(telegram_id, facilitator=who.facilitator, pending=who.pending)
    if who.people:
        chosen = next((person for person in who.people if person[0].id == who.chosen), None)
        participant, group = chosen or who.people[0]
        return Actor(
            telegram_id,
            participant=participant,
            group=group,
            pending=who.pending,
            people=who.people,
            chosen_at=who.chosen_at if chosen else None,
        )
    return Actor(telegram_id, pending=who.pending)


def owns_group(actor: Actor, group: Group | None) -> bool:
    return (
        group is not None
        and actor.facilitator is not None
        and group.facilitator_id == actor.facilitator.id
    )
