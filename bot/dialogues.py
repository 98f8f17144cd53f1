"""Half-finished dialogues (typing a name, a code, a reason): rows in ``chat_states``, so a
restart loses nothing. Handlers read and change them only through :class:`Dialogues`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from db.models import ChatState


class DialogueStore(Protocol):
    """The queries :class:`Dialogues` needs (``db/onboarding.py`` implements them)."""

    async def chat_state(self, telegram_id: int) -> ChatState | None: ...

    async def set_chat_state(
        self, telegram_id: int, kind: str, data: Mapping[str, Any], now: datetime
    ) -> None: ...

    async def clear_chat_state(self, telegram_id: int) -> bool: ...


class Dialogues:
    def __init__(self, db: DialogueStore) -> None:
        self._db = db

    async def state(self, telegram_id: int) -> ChatState | None:
        """Her pending dialogue, if any."""
        return await self._db.chat_state(telegram_id)

    async def start(
        self, telegram_id: int, kind: str, data: Mapping[str, Any], now: datetime
    ) -> None:
        """Set (or replace) her pending dialogue."""
        await self._db.set_chat_state(telegram_id, kind, data, now)

    async def clear(self, telegram_id: int) -> bool:
        """End her pending dialogue; False if there was none."""
        return await self._db.clear_chat_state(telegram_id)
