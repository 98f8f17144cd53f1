"""One incoming update in a private chat, its sender and the moment it is handled: what
every handler gets (``call.reply``, ``call.show``, ``call.t``, its dialogue state)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest

from bot.auth import Actor
from bot.context import BotContext
from bot.dialogues import D, Dialogue
from bot.i18n import ADDRESS_PLACEHOLDER
from bot.services import Services

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


class Call:
    """One incoming update, its sender and the moment it is handled."""

    def __init__(self, update: Update, context: BotContext, actor: Actor, now: datetime) -> None:
        self.update = update
        self.context = context
        self.actor = actor
        self.now = now
        self._answered = False
        self._pending = actor.pending  # whether chat_states may hold a row for her

    @property
    def services(self) -> Services:
        return self.context.services

    def t(self, key: str, /, **values: Any) -> str:
        """The text for ``key``; ``{sapaan}`` is the writing member's own address unless
        given (texts about another member pass hers)."""
        participant = self.actor.participant
        if participant is not None and ADDRESS_PLACEHOLDER not in values:
            values[ADDRESS_PLACEHOLDER] = self.services.catalog.address(participant.address)
        return self.services.catalog.t(key, **values)

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        assert chat is not None
        return chat.id

    @property
    def update_id(self) -> int:
        """The Telegram update being handled: a non-idempotent effect is recorded with it,
        in its own transaction, so the same update delivered again changes nothing more."""
        return self.update.update_id

    @property
    def message(self) -> Message | None:
        return self.update.effective_message

    @property
    def query(self) -> CallbackQuery | None:
        return self.update.callback_query

    async def reply(self, text: str, markup: Markup = None) -> Message:
        return await self.context.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was pressed, or send a new one (also when that
        message is a photo, e.g. the check-in QR code: its caption stays as it is)."""
        query = self.query
        shown = query.message if query is not None else None
        if query is not None and shown is not None and not _has_media(shown):
            try:
                await query.edit_message_text(text, reply_markup=markup)
                return
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return
                if "not found" not in str(exc).lower() and "can't be edited" not in str(exc):
                    raise
        await self.reply(text, markup)

    async def set_buttons(self, markup: InlineKeyboardMarkup | None) -> None:
        """New buttons under the message whose button was pressed; its text stays."""
        query = self.query
        if query is None or query.message is None:
            return
        try:
            await query.edit_message_reply_markup(reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.info("could not change the buttons: %s", exc)

    async def toast(self, text: str | None = None, *, alert: bool = False) -> None:
        query = self.query
        if query is None or self._answered:
            return
        self._answered = True
        try:
            await query.answer(text, show_alert=alert)
        except BadRequest as exc:  # the query is too old: nothing to answer any more
            log.info("callback answer failed: %s", exc)

    async def act_as(self, participant_id: int) -> bool:
        """On a shared phone: from now on this is that person (chosen, and remembered for
        the dialogue that may follow). False when she is not on this phone."""
        actor = self.actor.as_person(participant_id)
        if actor is None:
            return False
        await self.services.onboarding.choose_person(
            self.actor.telegram_id, participant_id, self.now
        )
        self.actor = actor
        return True

    async def set_state(self, dialogue: Dialogue) -> None:
        await self.services.dialogues.start(self.actor.telegram_id, dialogue, self.now)
        self._pending = True

    async def dialogue(self, *kinds: type[D]) -> D | None:
        """Her pending dialogue if it is one of ``kinds``, else None."""
        return await self.services.dialogues.current(self.actor.telegram_id, *kinds)

    async def clear_state(self) -> None:
        if self._pending:  # most updates have no dialogue to clear: spare the write
            await self.services.dialogues.clear(self.actor.telegram_id)
            self._pending = False


def _has_media(message: object) -> bool:
    return any(getattr(message, kind, None) for kind in ("photo", "document", "caption"))
