"""The services a running bot holds, reached from handlers through ``BotContext``."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.content import Library
from bot.i18n import Catalog
from bot.onboarding import Onboarding
from db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: Catalog
    content: Library
    clock: Clock
    onboarding: Onboarding
    bot_username: str = ""
    extras: dict[str, object] = field(default_factory=dict)
