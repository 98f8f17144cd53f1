"""The sender's rules, pure and tested without a bot: what a failed send means
(:func:`classify`), how long to wait before the next try (:func:`backoff`), and the pacing
(the global rate as a :class:`TokenBucket`, one chat's interval in :func:`chat_ready_at`).
:class:`bot.outbox.OutboxSender` applies them. A transport edge: it reads Telegram's errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.flood import retry_after_seconds
from db.outbox import Buttons

BACKOFF_BASE = 2.0
BACKOFF_CAP = 300.0
TOKEN_PAUSE = 60.0
"""Seconds to pause when Telegram refuses the token: nothing can be sent, so rows keep
their attempts and wait instead of being burnt to ``failed``."""
MAX_ERROR_LENGTH = 500

# Wordings of 400 answers that mean the chat does not exist for the bot (like a 403).
_CHAT_GONE = ("chat not found", "peer_id_invalid", "user is deactivated", "bot was blocked")


class Action(Enum):
    PAUSE = "pause"
    """Telegram asks us to slow down: the whole sender waits, the row keeps its place."""
    RETRY = "retry"
    """A transient failure: try again later, counting an attempt."""
    BLOCKED = "blocked"
    """The chat cannot receive messages: block it and tell the facilitator."""
    FAILED = "failed"
    """Telegram refuses this message: give up on it, keep the error."""


@dataclass(frozen=True)
class Verdict:
    action: Action
    error: str
    pause: float = 0.0
    """Seconds the whole sender waits (``Action.PAUSE`` only)."""
    flood: bool = False
    """The pause is Telegram's flood control (429): the replies wait too (``bot.flood``)."""


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR_LENGTH]


def classify(exc: BaseException) -> Verdict:
    """What to do with a row whose send raised ``exc``.

    The order matters: in PTB, ``BadRequest`` and ``TimedOut`` are subclasses of
    ``NetworkError``. Anything that is not a Telegram error is a bug on our side for this
    row (e.g. a payload PTB cannot send): the row fails with the error kept, and the sender
    carries on with the others.
    """
    error = _describe(exc)
    if isinstance(exc, RetryAfter):
        return Verdict(Action.PAUSE, error, max(retry_after_seconds(exc), 0.0), flood=True)
    if isinstance(exc, InvalidToken):
        return Verdict(Action.PAUSE, error, TOKEN_PAUSE)
    if isinstance(exc, Forbidden):
        return Verdict(Action.BLOCKED, error)
    if isinstance(exc, BadRequest):
        lowered = exc.message.lower()
        if any(marker in lowered for marker in _CHAT_GONE):
            return Verdict(Action.BLOCKED, error)
        return Verdict(Action.FAILED, error)
    if isinstance(exc, ChatMigrated):
        return Verdict(Action.FAILED, error)
    if isinstance(exc, NetworkError | TelegramError):
        return Verdict(Action.RETRY, error)
    return Verdict(Action.FAILED, error)


def backoff(failed_tries: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after ``failed_tries`` failed tries: 2, 4, 8, ... capped at 5 minutes.

    Deterministic (no jitter): one sender drains the outbox, so there is no herd to spread,
    and tests can compute the schedule.
    """
    if failed_tries <= 0:
        return 0.0
    return min(cap, base ** min(failed_tries, 64))


def chat_ready_at(last_sent: datetime | None, interval: timedelta, now: datetime) -> datetime:
    """When the next message to a chat may go, given when the last one went."""
    if last_sent is None:
        return now
    return max(now, last_sent + interval)


class TokenBucket:
    """The global rate as a token bucket (in its GCRA form: one "theoretical arrival time").

    ``rate`` sends a second, up to ``burst`` at once; ``rate <= 0`` means unlimited. With the
    default ``burst=1`` sends are spaced evenly (40 ms at 25/s), so no one-second window of
    Telegram's ever sees more than ``rate + 1``. Pure: the caller passes ``now``.
    """

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._tat: datetime | None = None

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0

    def ready_at(self, now: datetime) -> datetime:
        """The earliest moment the next send may start."""
        if self.unlimited or self._tat is None:
            return now
        tolerance = timedelta(seconds=(self.burst - 1) / self.rate)
        return max(now, self._tat - tolerance)

    def take(self, now: datetime) -> None:
        """Record a send starting at ``now`` (call only when ``ready_at(now) <= now``).

        A late start pushes the grid back rather than catching up: two sends never start
        closer than ``1 / rate`` (with ``burst=1``), so a strict one-second window sees at
        most ``rate`` of them. Catching up would win back the few percent lost to late
        wake-ups, but packs sends together and drew 429s from a strict limiter at 30/s.
        """
        if self.unlimited:
            return
        start = now if self._tat is None else max(self._tat, now)
        self._tat = start + timedelta(seconds=1 / self.rate)


def markup_of(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    """A stored row's buttons as Telegram's inline keyboard (None: no buttons)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )
