"""What every attendance feature shares: the mark statuses, the callback prefixes of the
buttons the outbox sends, and the service's state and small helpers.

No Telegram here (docs/DECISIONS.md, "Services never import telegram").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.config import AttendanceSettings, Settings
from bot.content import Library
from bot.i18n import Catalog
from bot.schedule import checkin_window
from db.attendance import ABSENT, EXCUSED, PRESENT
from db.meetings import Meeting
from db.models import Facilitator, Group, Participant
from db.outbox import NewMessage

if TYPE_CHECKING:
    from bot.voice import Voice

STATUSES = (PRESENT, EXCUSED, ABSENT)
STATUS_CODES = {PRESENT: "p", EXCUSED: "e", ABSENT: "a"}
"""A mark's short code in callback data."""


class WindowState(StrEnum):
    BEFORE = "before"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime


def window_for(start: datetime, settings: AttendanceSettings) -> Window:
    opens, closes = checkin_window(
        start, settings.open_before, settings.meeting_length, settings.close_after
    )
    return Window(opens, closes)


def window_state(window: Window, now: datetime) -> WindowState:
    """Open at ``opens <= now < closes``."""
    if now < window.opens:
        return WindowState.BEFORE
    if now < window.closes:
        return WindowState.OPEN
    return WindowState.CLOSED


class BaseStore(Protocol):
    """The queries every attendance feature uses (``db/onboarding.py``, ``db/outbox.py``)."""

    async def enqueue(
        self, rows: Iterable[NewMessage], now: datetime, *, chunk_size: int = ...
    ) -> int: ...

    async def facilitator(self, facilitator_id: int) -> Facilitator | None: ...

    async def group(self, group_id: int) -> Group | None: ...


class Listeners(Protocol):
    listeners: list[Callable[[Sequence[int], datetime], Awaitable[None]]]
    reachable_listeners: list[Callable[[Participant, datetime], Awaitable[int]]]


class AttendanceBase:
    """The state the feature parts of :class:`bot.attendance.Attendance` share, and the
    steps one part calls in another (declared here, defined in the part that owns them)."""

    def __init__(
        self,
        db: BaseStore,
        catalog: Catalog,
        content: Library,
        settings: Settings,
        on_enqueued: Callable[[], Awaitable[None] | None] | None = None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._content = content
        self._settings = settings
        self._rules = settings.attendance
        self._on_enqueued = on_enqueued
        self._rotated: dict[int, tuple[int, int]] = {}
        """Meeting -> (version, slot) whose code edit this process has queued already."""

    voice: Voice | None = None
    """Voice notes (set by the application when it has them): the module summary also as a
    voice note for members who chose it."""

    def window(self, meeting: Meeting) -> Window:
        return window_for(meeting.starts_at, self._rules)

    def when(self, meeting: Meeting, group: Group) -> str:
        return self._catalog.datetime(meeting.starts_at, group.timezone)

    def topic(self, session_id: str) -> str:
        session = self._content.session(session_id)
        if session is None:
            return session_id
        return self._catalog.t("meeting.topic", number=session.number, title=session.title)

    async def _enqueue(self, messages: Sequence[NewMessage], now: datetime) -> int:
        if not messages:
            return 0
        count = await self._db.enqueue(messages, now)
        if count and self._on_enqueued is not None:
            result = self._on_enqueued()
            if result is not None:
                await result
        return count

    async def _facilitator_chat(self, group: Group) -> int | None:
        facilitator = await self._db.facilitator(group.facilitator_id)
        return facilitator.telegram_id if facilitator is not None else None

    async def _group(self, group_id: int) -> Group:
        group = await self._db.group(group_id)
        if group is None:  # pragma: no cover - foreign keys
            raise LookupError(f"group {group_id}")
        return group

    def _reason(self, reason: str | None) -> str:
        key = f"reason.{reason or 'lainnya'}"
        return self._catalog.t(key if self._catalog.has(key) else "reason.lainnya")

    # -- steps owned by one part, called from another (see bot/attendance/alerts.py) --

    async def _review(
        self,
        participant: Participant,
        now: datetime,
        *,
        trigger: int | None = None,
        corrected: bool = False,
        digest: list[int] | None = None,
    ) -> int:
        raise NotImplementedError  # pragma: no cover - defined in AbsenceAlerts

    async def _digest(
        self, meeting: Meeting, group: Group, alert_ids: Sequence[int], now: datetime
    ) -> int:
        raise NotImplementedError  # pragma: no cover - defined in AbsenceAlerts

    async def _sign_off_part(self, meeting_id: int) -> tuple[str, list[list[tuple[str, str]]]]:
        raise NotImplementedError  # pragma: no cover - defined in SignOff
