"""The services a running bot holds, reached from handlers through ``BotContext``.

Handlers use the services only; ``db`` is here for the application's own wiring (the
tick, the sender, the CLI), and ``tests/test_layers.py`` checks that no handler reads it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.announcements import Announcements
from bot.attendance import Attendance
from bot.clock import Clock
from bot.coaching import Coaching
from bot.config import Settings
from bot.content import Library
from bot.dialogues import Dialogues
from bot.evidence import Evidence
from bot.forms import Forms
from bot.i18n import Catalog
from bot.meetings import Meetings
from bot.onboarding import Onboarding
from bot.outbox import OutboxSender
from bot.privacy import Privacy
from bot.quiz import Quiz
from bot.reachability import Reachability
from bot.reports import Reports
from bot.safety import Safety
from bot.siks import Siks
from bot.voice import Voice
from db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: Catalog
    content: Library
    clock: Clock
    onboarding: Onboarding
    meetings: Meetings
    sender: OutboxSender
    reachability: Reachability
    attendance: Attendance
    announcements: Announcements
    reports: Reports
    safety: Safety
    dialogues: Dialogues
    privacy: Privacy
    quiz: Quiz
    voice: Voice
    forms: Forms
    siks: Siks
    evidence: Evidence
    coaching: Coaching
    bot_username: str = ""
    tick_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
