"""Attendance: check-in windows and codes, facilitator marks, finalizing a meeting,
the module summary afterwards, and absence alerts with follow-up.

No Telegram here (see DESIGN.md principle 4)."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.content import Library
from bot.i18n import Catalog
from db import Database


class Attendance:
    def __init__(
        self, db: Database, catalog: Catalog, content: Library, settings: Settings
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._content = content
        self._settings = settings

    async def tick(self, now: datetime) -> int:
        """Open due check-in windows, finalize closed ones, raise and re-raise alerts.
        Returns how many outbox rows were queued."""
        return 0
