"""Thin Telegram handlers, one module per role or feature.

:func:`register` is the one place that decides the order and the ``group=``
of every handler.
"""

from __future__ import annotations

import re
from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import OUTBOX_CALLBACKS
from handlers import (
    alerts,
    announcements,
    checkin,
    coaching,
    common,
    forms,
    group_place,
    groups,
    leader_marks,
    marking,
    materi,
    meetings,
    onboarding,
    phone,
    privacy,
    reminders,
    reports,
    safety,
    scheduling,
    siks,
    voice,
)
from handlers.registry import Dispatcher, Router

ROUTERS: tuple[Router, ...] = (
    common.router,
    onboarding.router,
    groups.router,
    group_place.router,
    scheduling.router,
    meetings.router,
    reminders.router,
    materi.router,
    checkin.router,
    marking.router,
    leader_marks.router,
    alerts.router,
    announcements.router,
    reports.router,
    forms.router,
    siks.router,
    phone.router,
    privacy.router,
    safety.router,
    voice.router,
    coaching.router,
)


def build_dispatcher() -> Dispatcher:
    return Dispatcher(ROUTERS)


def callback_table() -> str:
    """The table of every callback prefix (``docs/CALLBACKS.md``), from the registry."""
    lines = [
        "# Callback data",
        "",
        "Every button's `callback_data` is `prefix:field:...` (at most 64 bytes): each action",
        "has its own class (a frozen dataclass with the typed fields below), which parses it",
        "for the action registered with it (`handlers/registry.py`); buttons that services",
        "put in outbox messages are built from the classes of `bot/callbacks.py`. Generated",
        "from the registry by `handlers.callback_table()`; `tests/test_callbacks.py` checks",
        "it is current.",
        "",
        "| prefix | fields | who | handler | outbox |",
        "|---|---|---|---|---|",
    ]
    from_services = {c.prefix for c in OUTBOX_CALLBACKS}
    for router in ROUTERS:
        for act in sorted(router.actions, key=lambda a: a.prefix):
            fields = (
                ", ".join(
                    f"{name}: {kind.__name__}"
                    for name, kind in zip(act.spec.field_names(), act.arg_types, strict=True)
                )
                or "-"
            )
            who = ", ".join(sorted(role.value for role in act.roles))
            where = f"`{act.callback.__module__}.{act.callback.__name__}`"
            outbox = "yes" if act.prefix in from_services else ""
            lines.append(f"| `{act.prefix}` | {fields} | {who} | {where} | {outbox} |")
    return "\n".join(lines) + "\n"


def register(app: Application[Any, Any, Any, Any, Any, Any], dispatcher: Dispatcher) -> None:
    private = filters.ChatType.PRIVATE
    # Order matters inside group 0: commands first, then text and contacts that may
    # answer a pending question, then everything else a private chat can send.
    # PTB's own handler per command and per button prefix, so ``application.handlers``
    # shows the routes; each calls the dispatcher, which checks the role (the one place).
    # The catch-alls after them answer unknown commands and stale or forged buttons.
    for name in dispatcher.commands:
        app.add_handler(CommandHandler(name, dispatcher.on_command, filters=private))
    app.add_handler(MessageHandler(private & filters.COMMAND, dispatcher.on_command))
    for prefix in dispatcher.actions:
        pattern = rf"^{re.escape(prefix)}(:|$)"
        app.add_handler(CallbackQueryHandler(dispatcher.on_callback, pattern=pattern))
    app.add_handler(CallbackQueryHandler(dispatcher.on_callback))
    app.add_handler(MessageHandler(private & ~filters.COMMAND, dispatcher.on_message))
    # Group chats: explain once that the bot works in private chats, then stay quiet.
    app.add_handler(MessageHandler(~private, dispatcher.on_group_message))
    app.add_handler(ChatMemberHandler(dispatcher.on_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
