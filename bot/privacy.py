"""Erasing her data needs a real confirmation.

The "Ya, hapus" button carries a one-time token that the ask step ("Hapus data saya")
stored in her chat state; the yes step erases only if the token is the one she was just
asked with and the question is at most :data:`ERASE_CONFIRM_TTL` old. An old message's
button, a forged press, or a press after she asked again (a new token) erases nothing.
The token is consumed with the erasure itself (her chat state goes in the same
transaction).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar, Protocol

from bot.dialogues import Dialogue
from db.models import ChatState, Participant
from db.privacy import StoredAbout


@dataclass(frozen=True)
class EraseConfirm(Dialogue):
    """The erasure question is pending; ``token`` is the one its button carries."""

    kind: ClassVar[str] = "erase_confirm"
    token: str


ERASE_CONFIRM_TTL = timedelta(minutes=10)
"""Long enough to read the question and press; short enough that a message lying in a
shared phone's chat cannot be used later."""


def new_erase_token() -> str:
    return secrets.token_urlsafe(8)


def erase_confirmed(state: ChatState | None, token: str, now: datetime) -> bool:
    """Whether ``token`` (from the pressed button) confirms the question still pending."""
    pending = EraseConfirm.of(state)
    if pending is None or state is None:
        return False
    expected = pending.token
    if not expected or not secrets.compare_digest(expected.encode(), token.encode()):
        return False
    return timedelta(0) <= now - state.updated_at <= ERASE_CONFIRM_TTL


class EraseOutcome(StrEnum):
    ERASED = "erased"
    EXPIRED = "expired"  # not the token she was just asked with, or asked too long ago
    GONE = "gone"  # erased already (a press delivered twice)


class PrivacyStore(Protocol):
    """The queries :class:`Privacy` needs (``db/privacy.py``, ``db/onboarding.py``)."""

    async def chat_state(self, telegram_id: int) -> ChatState | None: ...

    async def stored_about(self, participant_id: int) -> StoredAbout: ...

    async def erase_participant(self, participant_id: int, now: datetime) -> bool: ...

    async def erase_participants(self, participant_ids: Sequence[int], now: datetime) -> int: ...


class Privacy:
    """What the bot stores about her, and erasing it (the check and the erasure in one)."""

    def __init__(self, db: PrivacyStore) -> None:
        self._db = db

    async def stored_about(self, participant: Participant) -> StoredAbout:
        return await self._db.stored_about(participant.id)

    async def erase(
        self, telegram_id: int, participant: Participant, token: str, now: datetime
    ) -> EraseOutcome:
        """Erase her data if ``token`` is the one of the question she was just asked."""
        if not erase_confirmed(await self._db.chat_state(telegram_id), token, now):
            return EraseOutcome.EXPIRED
        if not await self._db.erase_participant(participant.id, now):
            return EraseOutcome.GONE
        return EraseOutcome.ERASED

    async def erase_phone(
        self, telegram_id: int, people: Sequence[Participant], token: str, now: datetime
    ) -> EraseOutcome:
        """Erase everyone on a shared phone at once, with the same one-time question."""
        if not erase_confirmed(await self._db.chat_state(telegram_id), token, now):
            return EraseOutcome.EXPIRED
        if not await self._db.erase_participants([p.id for p in people], now):
            return EraseOutcome.GONE
        return EraseOutcome.ERASED
