"""PTB shows the routing: ``application.handlers`` holds a ``CommandHandler`` per command
and a ``CallbackQueryHandler`` per button prefix (each still goes through the registry's
role check), then the catch-alls for unknown commands and stale buttons."""

from __future__ import annotations

import re

from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

from handlers import build_dispatcher, register


def test_application_handlers_name_every_command_and_prefix() -> None:
    app = ApplicationBuilder().token("123456:TEST-token-for-routing-only").build()
    dispatcher = build_dispatcher()
    register(app, dispatcher)
    handlers = app.handlers[0]
    commands = {c for h in handlers if isinstance(h, CommandHandler) for c in h.commands}
    assert commands == set(dispatcher.commands)
    patterns = [
        h.pattern.pattern
        for h in handlers
        if isinstance(h, CallbackQueryHandler) and isinstance(h.pattern, re.Pattern)
    ]
    assert len(patterns) == len(dispatcher.actions)
    assert "^kh(:|$)" in patterns
    catch_all = [h for h in handlers if isinstance(h, CallbackQueryHandler) and h.pattern is None]
    assert len(catch_all) == 1
    last_callback = [h for h in handlers if isinstance(h, CallbackQueryHandler)][-1]
    assert last_callback.pattern is None  # after every prefix: the stale-button answer
