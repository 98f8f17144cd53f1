"""When a participant can no longer be reached (she blocked the bot, her account is gone),
and when she can be again.

Two ways in: the outbox sender meets a 403 / chat-not-found, or Telegram tells us with a
``my_chat_member`` update before any send fails. Either way her queued messages stop and
she is marked unreachable; the listeners react once per spell (the attendance service
raises a follow-up for her facilitator: call or visit her in person).

Two ways back: she unblocks the bot (``my_chat_member``), or any update comes from her (a
message, a command, a button): that proves the bot can reach her. She is marked reachable,
and the ``reachable_listeners`` react (the follow-up is closed with a note to her
facilitator; what she missed and is still relevant is offered again: the open check-in,
the latest module summary, recent announcements; never a reminder whose moment passed).
Each listener is idempotent: offering again what she already got is a no-op.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from db.models import Participant

BLOCKED_ERROR = "Forbidden: bot was blocked by the user (my_chat_member)"


class ReachabilityStore(Protocol):
    """The queries this service needs (implemented in ``db/``)."""

    async def mark_blocked_chat(self, chat_id: int, error: str, now: datetime) -> list[int]: ...

    async def set_reachable(self, telegram_id: int, reachable: bool) -> list[Participant]: ...


class Reachability:
    def __init__(self, db: ReachabilityStore, wake_sender: Callable[[], None]) -> None:
        self._db = db
        self._wake = wake_sender
        # Further reactions (e.g. an attendance follow-up alert) register here.
        self.listeners: list[Callable[[Sequence[int], datetime], Awaitable[None]]] = []
        self.reachable_listeners: list[Callable[[Participant, datetime], Awaitable[int]]] = []

    async def became_unreachable(self, participant_ids: Sequence[int], now: datetime) -> None:
        if not participant_ids:
            return
        for listener in self.listeners:
            await listener(participant_ids, now)
        self._wake()

    async def blocked(self, telegram_id: int, now: datetime) -> None:
        ids = await self._db.mark_blocked_chat(telegram_id, BLOCKED_ERROR, now)
        await self.became_unreachable(ids, now)

    async def unblocked(self, telegram_id: int, now: datetime) -> None:
        await self.reached(telegram_id, now)

    async def reached(self, telegram_id: int, now: datetime) -> None:
        """An update came from her (or she unblocked the bot): she can be reached."""
        queued = 0
        for participant in await self._db.set_reachable(telegram_id, True):  # all on the phone
            for listener in self.reachable_listeners:
                queued += await listener(participant, now)
        if queued:
            self._wake()
