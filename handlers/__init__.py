"""Thin Telegram handlers, one module per role or feature.

:func:`register` is the one place that decides the order and the ``group=``
of every handler.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from handlers import (
    alerts,
    announcements,
    checkin,
    common,
    groups,
    marking,
    materi,
    meetings,
    onboarding,
    privacy,
    reminders,
    reports,
    safety,
)
from handlers.registry import Dispatcher, Router

ROUTERS: tuple[Router, ...] = (
    common.router,
    onboarding.router,
    groups.router,
    meetings.router,
    reminders.router,
    materi.router,
    checkin.router,
    marking.router,
    alerts.router,
    announcements.router,
    reports.router,
    privacy.router,
    safety.router,
)


def build_dispatcher() -> Dispatcher:
    return Dispatcher(ROUTERS)


def register(app: Application[Any, Any, Any, Any, Any, Any], dispatcher: Dispatcher) -> None:
    private = filters.ChatType.PRIVATE
    # Order matters inside group 0: commands first, then text and contacts that may
    # answer a pending question, then everything else a private chat can send.
    app.add_handler(MessageHandler(private & filters.COMMAND, dispatcher.on_command))
    app.add_handler(CallbackQueryHandler(dispatcher.on_callback))
    app.add_handler(MessageHandler(private & ~filters.COMMAND, dispatcher.on_message))
    # Group chats: explain once that the bot works in private chats, then stay quiet.
    app.add_handler(MessageHandler(~private, dispatcher.on_group_message))
    app.add_handler(ChatMemberHandler(dispatcher.on_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
