"""Onboarding rules: invites, groups, joining, leaders, removal.

No Telegram here: the handlers parse updates and render replies; this module
decides and writes. Every method that acts on a group checks that the acting
facilitator owns it, so a forged or stale button cannot reach another group.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.auth import Actor, ActorStore, owns_group, resolve_actor
from bot.codes import new_code
from bot.config import TIMEZONES, Settings
from db.models import (
    ADDRESSES,
    Facilitator,
    FacilitatorInvite,
    Group,
    GroupSummary,
    Participant,
    PrivateNote,
)
from db.onboarding import PHONE_LIMIT

NAME_LIMITS = (2, 60)
PLACE_LIMITS = (3, 120)
_SPACES = re.compile(r"\s+")
_PHONE_RE = re.compile(r"^\+?\d{8,15}$")


def _clean_text(text: str, low: int, high: int) -> str | None:
    """Trim and fold spaces; None when empty, too long, a command or not text-like."""
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in text if ch != "\n"):
        return None
    cleaned = _SPACES.sub(" ", text).strip()
    if not low <= len(cleaned) <= high or cleaned.startswith("/"):
        return None
    if not any(ch.isalpha() for ch in cleaned):
        return None
    return cleaned


def clean_person_name(text: str) -> str | None:
    return _clean_text(text, *NAME_LIMITS)


def clean_group_name(text: str) -> str | None:
    return _clean_text(text, *NAME_LIMITS)


def clean_place(text: str) -> str | None:
    return _clean_text(text, *PLACE_LIMITS)


KECAMATAN_LIMITS = (3, 60)


def clean_kecamatan(text: str) -> str | None:
    """A kecamatan as typed ("Kec. Sukamaju" and "kecamatan sukamaju" are "Sukamaju")."""
    cleaned = _clean_text(text, *KECAMATAN_LIMITS)
    if cleaned is None:
        return None
    bare = re.sub(r"^(kecamatan|kec\.?)\s*", "", cleaned, flags=re.IGNORECASE).strip()
    if len(bare) < KECAMATAN_LIMITS[0]:
        return None
    return bare[:1].upper() + bare[1:]


def clean_phone(text: str) -> str | None:
    digits = re.sub(r"[\s()-]", "", text)
    if not _PHONE_RE.match(digits):
        return None
    if digits.startswith("0"):
        digits = "+62" + digits[1:]
    elif not digits.startswith("+"):
        digits = "+" + digits
    return digits


class JoinOutcome(StrEnum):
    JOINED = "joined"
    ALREADY_MEMBER = "already_member"  # she is on this phone already (the same name)
    PHONE_FULL = "phone_full"  # this phone holds PHONE_LIMIT people already
    LINK_CHANGED = "link_changed"


@dataclass(frozen=True)
class JoinResult:
    outcome: JoinOutcome
    participant: Participant | None = None
    group: Group | None = None


class OnboardingStore(ActorStore, Protocol):
    """The queries this service needs (implemented in ``db/``)."""

    async def add_participant(
        self,
        group_id: int,
        telegram_id: int | None,
        name: str,
        phone: str | None,
        now: datetime,
        address: str = ...,
        *,
        update_id: int | None = ...,
    ) -> Participant | None: ...

    async def choose_person(
        self, telegram_id: int, participant_id: int, now: datetime
    ) -> bool: ...

    async def create_facilitator_invite(
        self, code: str, name: str, now: datetime, expires_at: datetime
    ) -> FacilitatorInvite: ...

    async def private_note(self, note_id: int) -> PrivateNote | None: ...

    async def open_private_note(self, note_id: int, now: datetime) -> None: ...

    async def create_group(
        self,
        facilitator_id: int,
        name: str,
        timezone: str,
        place: str,
        join_code: str,
        now: datetime,
        *,
        kecamatan: str = ...,
        update_id: int | None = ...,
    ) -> Group: ...

    async def facilitator(self, facilitator_id: int) -> Facilitator | None: ...

    async def facilitator_invite(self, code: str) -> FacilitatorInvite | None: ...

    async def group(self, group_id: int) -> Group | None: ...

    async def group_by_join_code(self, join_code: str) -> Group | None: ...

    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]: ...

    async def kecamatans_of(self, facilitator_id: int) -> list[str]: ...

    async def mark_group_chat_notified(self, chat_id: int, now: datetime) -> bool: ...

    async def members(self, group_id: int) -> list[Participant]: ...

    async def participant(self, participant_id: int) -> Participant | None: ...

    async def redeem_facilitator_invite(
        self, code: str, telegram_id: int, now: datetime
    ) -> Facilitator | None: ...

    async def remove_participant(
        self, participant_id: int, group_id: int, now: datetime
    ) -> bool: ...

    async def renew_join_code(
        self, group_id: int, join_code: str, now: datetime, *, update_id: int | None = ...
    ) -> Group | None: ...

    async def set_kecamatan(self, group_id: int, facilitator_id: int, kecamatan: str) -> bool: ...

    async def set_leader(self, group_id: int, participant_id: int) -> bool: ...

    async def set_place_location(self, group_id: int, lat: float, lon: float) -> bool: ...


class Onboarding:
    def __init__(self, db: OnboardingStore, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    async def invite_facilitator(self, name: str, now: datetime) -> FacilitatorInvite:
        cleaned = clean_person_name(name)
        if cleaned is None:
            raise ValueError(f"not a usable name: {name!r}")
        return await self._db.create_facilitator_invite(
            new_code(), cleaned, now, now + self._settings.invite_ttl
        )

    async def redeem_invite(
        self, code: str, telegram_id: int, now: datetime
    ) -> Facilitator | None:
        return await self._db.redeem_facilitator_invite(code, telegram_id, now)

    async def create_group(
        self,
        actor: Actor,
        name: str,
        timezone: str,
        place: str,
        now: datetime,
        *,
        kecamatan: str = "",
        update_id: int | None = None,
    ) -> Group:
        if actor.facilitator is None:
            raise PermissionError("only a facilitator creates groups")
        if timezone not in TIMEZONES:
            raise ValueError(timezone)
        return await self._db.create_group(
            actor.facilitator.id,
            name,
            timezone,
            place,
            new_code(),
            now,
            kecamatan=kecamatan,
            update_id=update_id,
        )

    async def kecamatans(self, actor: Actor) -> list[str]:
        """The kecamatans of her groups, most used first (offered as buttons)."""
        if actor.facilitator is None:
            return []
        return await self._db.kecamatans_of(actor.facilitator.id)

    async def set_kecamatan(self, actor: Actor, group_id: int, kecamatan: str) -> Group | None:
        """Her group's kecamatan set; None when the group is not hers."""
        group = await self.owned_group(actor, group_id)
        if group is None or actor.facilitator is None:
            return None
        await self._db.set_kecamatan(group.id, actor.facilitator.id, kecamatan)
        return await self._db.group(group.id)

    async def actor(self, telegram_id: int) -> Actor:
        """Who sent an update: facilitator, participant (leader) or stranger."""
        return await resolve_actor(self._db, telegram_id)

    async def group(self, group_id: int) -> Group | None:
        return await self._db.group(group_id)

    async def facilitator(self, facilitator_id: int) -> Facilitator | None:
        return await self._db.facilitator(facilitator_id)

    async def participant(self, participant_id: int) -> Participant | None:
        return await self._db.participant(participant_id)

    async def facilitator_invite(self, code: str) -> FacilitatorInvite | None:
        """The invite of ``code`` (to tell an unknown, used or expired one apart)."""
        return await self._db.facilitator_invite(code)

    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]:
        return await self._db.groups_of(facilitator_id)

    async def members(self, group_id: int) -> list[Participant]:
        """Active members, by name."""
        return await self._db.members(group_id)

    async def add_offline(
        self,
        actor: Actor,
        group_id: int,
        name: str,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> Group | None:
        """A mother without a phone, added by name to a group of hers; None if the group
        is not hers. The same update delivered again adds her once."""
        group = await self.owned_group(actor, group_id)
        if group is None:
            return None
        await self._db.add_participant(group.id, None, name, None, now, update_id=update_id)
        return group

    async def group_chat_notified(self, chat_id: int, now: datetime) -> bool:
        """True the first time for a group chat (the bot explains itself once there)."""
        return await self._db.mark_group_chat_notified(chat_id, now)

    async def owned_group(self, actor: Actor, group_id: int) -> Group | None:
        group = await self._db.group(group_id)
        return group if owns_group(actor, group) else None

    async def set_place_location(
        self, actor: Actor, group_id: int, lat: float, lon: float
    ) -> Group | None:
        """Her group's meeting place as a location (shared from Telegram); None if the
        group is not hers or the point is not one on Earth."""
        group = await self.owned_group(actor, group_id)
        if group is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        await self._db.set_place_location(group.id, lat, lon)
        return await self._db.group(group.id)

    async def owned_member(
        self, actor: Actor, group_id: int, participant_id: int
    ) -> tuple[Group, Participant] | None:
        group = await self.owned_group(actor, group_id)
        if group is None:
            return None
        member = await self._db.participant(participant_id)
        if member is None or not member.active or member.group_id != group.id:
            return None
        return group, member

    async def join_target(self, code: str) -> Group | None:
        return await self._db.group_by_join_code(code)

    async def join(
        self,
        group_id: int,
        code: str,
        telegram_id: int,
        name: str,
        phone: str | None,
        now: datetime,
        address: str = "ibu",
    ) -> JoinResult:
        group = await self._db.group(group_id)
        if group is None or group.join_code != code:
            return JoinResult(JoinOutcome.LINK_CHANGED)
        if address not in ADDRESSES:
            address = "ibu"
        participant = await self._db.add_participant(
            group.id, telegram_id, name, phone, now, address
        )
        if participant is None:
            full = len((await self._db.who(telegram_id)).people) >= PHONE_LIMIT
            outcome = JoinOutcome.PHONE_FULL if full else JoinOutcome.ALREADY_MEMBER
            return JoinResult(outcome, group=group)
        await self._db.choose_person(telegram_id, participant.id, now)  # she holds the phone
        return JoinResult(JoinOutcome.JOINED, participant, group)

    async def choose_person(self, telegram_id: int, participant_id: int, now: datetime) -> bool:
        """Who uses a shared phone now (only someone on that phone)."""
        return await self._db.choose_person(telegram_id, participant_id, now)

    async def note_for(self, actor: Actor, note_id: int) -> PrivateNote | None:
        """A private note, only for a phone its person is on (a forged id gets nothing)."""
        note = await self._db.private_note(note_id)
        if note is None or actor.as_person(note.participant_id) is None:
            return None
        return note

    async def opened(self, note: PrivateNote, now: datetime) -> None:
        await self._db.open_private_note(note.id, now)

    async def appoint_leader(
        self, actor: Actor, group_id: int, participant_id: int
    ) -> tuple[Group, Participant] | None:
        found = await self.owned_member(actor, group_id, participant_id)
        if found is None or not await self._db.set_leader(group_id, participant_id):
            return None
        return found

    async def remove_member(
        self, actor: Actor, group_id: int, participant_id: int, now: datetime
    ) -> tuple[Group, Participant] | None:
        found = await self.owned_member(actor, group_id, participant_id)
        if found is None or not await self._db.remove_participant(participant_id, group_id, now):
            return None
        return found

    async def renew_join_code(
        self, actor: Actor, group_id: int, now: datetime, *, update_id: int | None = None
    ) -> Group | None:
        if await self.owned_group(actor, group_id) is None:
            return None
        return await self._db.renew_join_code(group_id, new_code(), now, update_id=update_id)
