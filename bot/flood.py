"""One flood state for the whole process: when Telegram says "wait", nobody sends.

Telegram answers 429 "Too Many Requests: retry after N" when the bot sends too fast. Before
this module the outbox paused itself, but interactive replies went on (and drew more 429s),
and a reply that got a 429 was lost: the error handler's apology, tried 20 ms later, got one
too. Now:

* :class:`FloodGate` holds the moment until which nothing may be sent (``paused_until``),
  on the injected clock, and persists it (``bot_state``), so a restart during a flood wait
  honours it;
* :class:`FloodControl` is python-telegram-bot's rate-limiter hook
  (:class:`telegram.ext.BaseRateLimiter`), through which every request of the application's
  bot passes: before a sending request it waits out the gate; on a 429 it closes the gate
  for everyone for ``retry_after``, then tries the reply again (up to ``MAX_TRIES``); a wait
  longer than ``REPLY_MAX_WAIT`` gives up at once with :class:`FloodWaitTooLong`, which the
  application's error handler logs in one line. The outbox sender marks its own requests
  (:data:`BULK`): they are not retried here, the sender puts the row back and waits at the
  same gate (``bot.outbox``).

Why not PTB's ``AIORateLimiter``: the outbox already paces bulk sends itself (its token
bucket is measured at 29.3 msg/s against a strict 30/s limiter without a 429), and
``AIORateLimiter``'s handling of a 429 sleeps whatever Telegram says, with no bound for an
interactive reply, on the real clock (tests could not drive it), and forgets the pause at a
restart. Its hook, ``BaseRateLimiter``, is what we use; the policy on top is small.
"""

from __future__ import annotations

import asyncio
import logging
import math
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.clock import Clock

log = logging.getLogger(__name__)

REPLY_MAX_WAIT = 60.0
"""Longest an interactive reply waits for a flood pause to end; past it the reply is given
up (and logged): a mother is better told nothing than an answer minutes late."""
MAX_TRIES = 3
"""Tries of one interactive request that keeps getting 429s."""
UNGATED = frozenset(
    {"getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "getFile"}
)
"""Requests that send nothing to a chat: never held at the gate."""

BULK: ContextVar[bool] = ContextVar("bulk_send", default=False)
"""Set by the outbox sender around its own requests (see the module docstring)."""

SleepFn = Callable[[float], Awaitable[Any]]
PersistFn = Callable[[datetime], Awaitable[None]]


class FloodWaitTooLong(RetryAfter):
    """Telegram asks to wait longer than an interactive reply may: the reply is dropped."""


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds, whichever type PTB gives.

    PTB 22 returns an int with a deprecation warning, or a timedelta when the environment
    has ``PTB_TIMEDELTA=1``. We accept both and silence only that warning, so the bot
    works the same before and after PTB's switch.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class FloodGate:
    """Until when nothing may be sent. One per process (per bot token)."""

    def __init__(
        self, clock: Clock, *, sleep: SleepFn = asyncio.sleep, persist: PersistFn | None = None
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._persist = persist
        self.paused_until: datetime | None = None
        self.pauses = 0

    def restore(self, until: datetime | None) -> None:
        """The pause stored by the previous run (start-up)."""
        if until is not None and (self.paused_until is None or until > self.paused_until):
            self.paused_until = until

    def remaining(self) -> float:
        """Seconds until sending may go on (0 when open)."""
        if self.paused_until is None:
            return 0.0
        return max((self.paused_until - self._clock.now()).total_seconds(), 0.0)

    async def close_for(self, seconds: float) -> datetime:
        """Telegram said "wait ``seconds``": nobody sends until then. Stored (rounded up to
        the second) so that a restart waits too. Returns the end of the pause."""
        until = self._clock.now() + timedelta(seconds=max(seconds, 0.0))
        self.pauses += 1
        if self.paused_until is not None and until <= self.paused_until:
            return self.paused_until
        self.paused_until = until
        if self._persist is not None:
            stored = until  # the database keeps seconds: round up, never end early
            if stored.microsecond:
                stored = stored.replace(microsecond=0) + timedelta(seconds=1)
            try:
                await self._persist(stored)
            except Exception:  # a database fault must not lose the reply; the pause holds
                log.warning("flood: could not store the pause until %s", until, exc_info=True)
        return until

    async def wait(self, bound: float | None = None) -> None:
        """Wait until the gate is open. If it stays closed longer than ``bound`` seconds,
        raise :class:`FloodWaitTooLong` at once instead."""
        while (remaining := self.remaining()) > 0:
            if bound is not None and remaining > bound:
                raise FloodWaitTooLong(timedelta(seconds=math.ceil(remaining)))
            await self._sleep(remaining)


class FloodControl(BaseRateLimiter[None]):
    """The application's rate-limiter hook: every request but ``getUpdates`` comes here."""

    def __init__(self, gate: FloodGate, *, max_wait: float = REPLY_MAX_WAIT) -> None:
        self.gate = gate
        self.max_wait = max_wait

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in UNGATED:
            return await callback(*args, **kwargs)
        bulk = BULK.get()
        tries = 0
        while True:
            if not bulk:  # the sender looks at the gate itself before it takes a row
                await self.gate.wait(self.max_wait)
            tries += 1
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                await self.gate.close_for(seconds)
                log.warning(
                    "flood: Telegram asks to wait %.0f s (%s); nothing is sent until then",
                    seconds,
                    endpoint,
                )
                if bulk or tries >= MAX_TRIES:
                    raise
