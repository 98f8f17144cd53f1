"""Rows as frozen dataclasses. Services and handlers see these, never cursors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Facilitator:
    id: int
    telegram_id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class FacilitatorInvite:
    code: str
    name: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    facilitator_id: int | None


@dataclass(frozen=True)
class Group:
    id: int
    facilitator_id: int
    name: str
    timezone: str
    place: str
    join_code: str
    leader_id: int | None
    created_at: datetime
    kecamatan: str = ""  # the sub-district; empty until the facilitator sets it
    place_lat: float | None = None  # the meeting place as a location, shared once
    place_lon: float | None = None


ADDRESSES = ("ibu", "bapak")  # participants.address; the catalog words: address.<value>


@dataclass(frozen=True)
class Participant:
    id: int
    group_id: int
    telegram_id: int | None
    name: str
    phone: str | None
    status: str
    reachable: bool
    joined_at: datetime
    left_at: datetime | None
    address: str = "ibu"  # how the bot addresses her: "ibu" or "bapak" (ADDRESSES)
    voice: str = "summary"  # voice notes: "text", "summary" or "all" (db.voice.VOICE_CHOICES)

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Who:
    """Who a Telegram account is: a facilitator, or the people sharing that phone (each
    with her group, in the order they joined) and the one chosen last on it."""

    facilitator: Facilitator | None
    people: tuple[tuple[Participant, Group], ...]
    pending: bool  # a dialogue of this chat is waiting in chat_states
    chosen: int | None = None  # phone_choices: the participant chosen last
    chosen_at: datetime | None = None


@dataclass(frozen=True)
class PrivateNote:
    """A message for one person on a shared phone, shown only when she opens it."""

    id: int
    participant_id: int
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] | None
    created_at: datetime
    opened_at: datetime | None


@dataclass(frozen=True)
class ChatState:
    telegram_id: int
    kind: str
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class GroupSummary:
    group: Group
    members: int
    leader_name: str | None
