"""Long polling that never loses an update to a crash, and never makes one chat wait for
another.

python-telegram-bot's ``Updater`` confirms a batch to Telegram (the next ``getUpdates``
offset) as soon as it is queued in memory, before it is handled, so a kill -9 loses every
update fetched but not yet handled. Here each update is handled to the end, then its id is
written to the database, and only then is it confirmed by the next ``getUpdates``. After a
crash Telegram sends the unconfirmed updates again; those already handled (recorded) are
skipped, so none is handled twice and none is lost.

Updates of different chats are handled concurrently (a facilitator's chart, an export or a
reply stuck on a slow network does not hold up a mother's check-in), those of one chat in
the order they came (:class:`Inflow`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.context import services_of
from bot.flood import retry_after_seconds
from db import Database

log = logging.getLogger(__name__)
STANDBY_CHECK = 0.5
"""Seconds between two looks of a standing-by worker at whether it holds the clock."""

RETRY_PAUSE = 5.0
BUSY_POLL = 0.1
"""Seconds between two looks for new updates while fetched ones are still running."""
MAX_CONCURRENT = 16
"""Updates handled at once (of different chats). The HTTP pool has 32 connections and the
outbox uses 8 of them."""
STOP_WAIT = 10.0
CONNECT_BACKOFF_FIRST = 0.5
CONNECT_BACKOFF_CAP = 60.0
"""Start-up without Telegram: wait 0.5 s, 1 s, 2 s, ... at most a minute between tries."""
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def poll(
    app: AnyApplication,
    *,
    timeout: int,
    allowed_updates: list[str],
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``app`` (post_init, JobQueue, handlers) fed by durable long polling until
    ``stop`` is set or SIGINT/SIGTERM arrives; then shut everything down cleanly."""
    stop = stop_on_signals(stop or asyncio.Event())
    if not await connect(app.bot, stop):
        return
    async with running(app, before_start=app.bot.delete_webhook):
        if await _until_clock(app, stop):
            await _fetch_and_handle(app, timeout, allowed_updates, stop)


def stop_on_signals(stop: asyncio.Event) -> asyncio.Event:
    """``stop`` is set by SIGINT or SIGTERM (where the loop can take signal handlers)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


@contextlib.asynccontextmanager
async def running(
    app: AnyApplication, before_start: Callable[[], Awaitable[Any]] | None = None
) -> AsyncIterator[None]:
    """The application's life around what feeds it updates (polling, the webhook):
    initialize, post_init, then ``before_start``, start; afterwards stop, post_stop,
    shutdown, post_shutdown, also after a failure."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        if before_start is not None:
            await before_start()
        await app.start()
        try:
            yield
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def _until_clock(app: AnyApplication, stop: asyncio.Event) -> bool:
    """Several workers on one PostgreSQL database: Telegram gives a token's updates to one
    poller, the worker holding the clock. Another one stands by until its tick takes the
    clock over (``bot.app.tick_job``). False: stopped meanwhile. SQLite: at once."""
    db = services_of(app).db
    if db.clock_held:
        return True
    while not db.clock_held:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), STANDBY_CHECK)
        if stop.is_set():
            return False
    log.warning("updates: this worker polls Telegram now")
    return True


async def _fetch_and_handle(
    app: AnyApplication, timeout: int, allowed_updates: list[str], stop: asyncio.Event
) -> None:
    db = services_of(app).db
    updates_in = Inflow(app, db, await db.last_update_id(), await db.handled_above())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            busy = updates_in.unconfirmed
            updates_in.watch()
            fetch = asyncio.ensure_future(
                app.bot.get_updates(
                    offset=updates_in.offset,
                    # Telegram answers at once while fetched updates are unconfirmed: look
                    # again shortly instead of long polling (see Inflow).
                    timeout=0 if busy else timeout,
                    allowed_updates=allowed_updates,
                )
            )
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            try:
                updates = fetch.result()
            except RetryAfter as exc:
                await _pause(stop, retry_after_seconds(exc))
                continue
            except (TimedOut, NetworkError, Conflict) as exc:
                # Conflict: another poller on the same token (a second instance elsewhere).
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, RETRY_PAUSE)
                await _pause(stop, RETRY_PAUSE)
                continue
            except InvalidToken:
                log.error("Telegram refused the token; stopping")
                raise
            fresh = sum(updates_in.dispatch(update) for update in updates)
            await updates_in.settle()
            if updates_in.unconfirmed and not fresh:
                await updates_in.wait_for_idle(stop, BUSY_POLL)
    finally:
        stopping.cancel()
        await updates_in.finish(STOP_WAIT)


def chat_key(update: Update) -> int:
    """Updates of one chat (else of one user) are handled in order; 0: no chat, no user."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class Inflow:
    """The fetched updates: handled concurrently, in order within a chat, each confirmed
    to Telegram only once it is handled and recorded.

    Telegram confirms by offset: every update below the next ``getUpdates`` offset is
    gone. So the offset is one past ``done``, the highest id up to which *every* fetched
    update is handled and recorded; updates handled out of order above it are recorded
    too (``handled_above``), so that after a crash, when Telegram sends them again with
    the unfinished ones, they are skipped. While some fetched update is unconfirmed
    Telegram answers ``getUpdates`` at once (it has updates to give), so the poller looks
    again every ``BUSY_POLL`` seconds, or as soon as none runs, instead of long
    polling. Only ``getUpdates``' window of 100 updates is visible: if 100 updates behind
    one that is still running are waiting, newer ones wait for it too.
    """

    def __init__(
        self, app: AnyApplication, db: Database, done: int | None, above: list[int]
    ) -> None:
        self._app = app
        self._db = db
        self.done = done
        self._recorded: int | None = done
        self._above = set(above)
        self._running: set[int] = set()
        self._highest: int | None = None  # the highest id fetched by this process
        self._dirty = False
        self._written: tuple[int | None, frozenset[int]] = (done, frozenset(above))
        self._tails: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        self._lock = asyncio.Lock()
        self._idle = asyncio.Event()

    @property
    def offset(self) -> int | None:
        return self._recorded + 1 if self._recorded is not None else None

    @property
    def unfinished(self) -> int:
        """Updates dispatched whose handling and recording have not finished."""
        return len(self._tasks)

    @property
    def unconfirmed(self) -> bool:
        """Fetched updates that the next offset does not confirm yet."""
        if self._running or self._dirty:
            return True
        return self._highest is not None and (
            self._recorded is None or self._recorded < self._highest
        )

    def _seen(self, update_id: int) -> bool:
        return (
            (self.done is not None and update_id <= self.done)
            or update_id in self._above
            or update_id in self._running
        )

    def dispatch(self, update: Update) -> bool:
        """Start handling ``update`` after the previous one of its chat; False if it is
        handled or running already."""
        update_id = update.update_id
        if self._highest is None or update_id > self._highest:
            self._highest = update_id
        if self._seen(update_id):
            return False
        self._running.add(update_id)
        key = chat_key(update)
        task = asyncio.create_task(self._handle(self._tails.get(key), update))
        self._tails[key] = task
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._forget, key))
        return True

    def _forget(self, key: int, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _handle(self, before: asyncio.Task[None] | None, update: Update) -> None:
        if before is not None:
            await asyncio.wait({before})  # her previous update first, whatever its outcome
        try:
            async with self._slots:
                await self._app.process_update(update)
        except Exception:  # PTB reports handler errors itself; this is a bug of ours
            log.exception("update %s could not be handled", update.update_id)
        async with self._lock:
            self._running.discard(update.update_id)
            self._above.add(update.update_id)
            await self._record()
        if not self._running:
            self._idle.set()

    async def settle(self) -> None:
        """Record the state if a fetch moved it (updates skipped as handled already)."""
        async with self._lock:
            await self._record()

    async def _record(self) -> None:
        """Move ``done`` up over the handled updates and write it (caller holds the lock).
        ``done`` never passes a running update nor the highest id fetched (above it there
        may be updates this process has not seen yet)."""
        low = min(self._running) if self._running else None
        ceiling = self._highest
        below = [
            i
            for i in self._above
            if (low is None or i < low) and ceiling is not None and i <= ceiling
        ]
        if below:
            self.done = max(below)
            self._above = {i for i in self._above if i > self.done}
        state = (self.done, frozenset(self._above))
        if state == self._written:
            return
        try:
            await self._db.set_polling_state(self.done, sorted(self._above))
        except Exception:
            # Not confirmed to Telegram, so nothing is lost; written with the next one.
            log.warning("polling: could not record handled updates", exc_info=True)
            self._dirty = True
            return
        self._dirty = False
        self._recorded = self.done
        self._written = state

    def watch(self) -> None:
        """From now on, :meth:`wait_for_idle` returns at once when the last running update
        finishes."""
        self._idle.clear()

    async def wait_for_idle(self, stop: asyncio.Event, seconds: float) -> None:
        """Until no update runs any more (since :meth:`watch`; then the next ``getUpdates``
        confirms them all and long-polls again), ``stop`` is set, or ``seconds`` pass.
        Not at every finished update: in a burst that would be one ``getUpdates`` (with up
        to 100 updates seen already) per update."""
        waiters = {
            asyncio.ensure_future(self._idle.wait()),
            asyncio.ensure_future(stop.wait()),
        }
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def finish(self, timeout: float) -> None:
        """At a stop: let the running updates finish (up to ``timeout``); those still
        running then are cancelled, unconfirmed, and come again at the next start."""
        tasks = set(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning(
                "polling: %d updates still running at the stop; they come again", len(pending)
            )
            await asyncio.wait(pending)


def connect_backoff(failed_tries: int) -> float:
    """Seconds to wait after ``failed_tries`` failed tries to reach Telegram at start-up."""
    return min(CONNECT_BACKOFF_CAP, CONNECT_BACKOFF_FIRST * 2 ** min(failed_tries - 1, 32))


async def connect(bot: Bot, stop: asyncio.Event | None = None) -> bool:
    """Initialize ``bot`` (its ``getMe``), trying again with backoff while Telegram cannot
    be reached (network down, DNS, timeouts, 5xx, 429), one log line per try, no traceback.
    Returns False if ``stop`` was set meanwhile. A refused token raises ``InvalidToken`` at
    once: trying again cannot help."""
    stop = stop or asyncio.Event()
    failed = 0
    while not stop.is_set():
        try:
            await bot.initialize()
        except InvalidToken:
            raise
        except (RetryAfter, NetworkError) as exc:  # TimedOut and 5xx are NetworkErrors
            failed += 1
            pause = connect_backoff(failed)
            if isinstance(exc, RetryAfter):
                pause = max(pause, retry_after_seconds(exc))
            log.warning(
                "Telegram cannot be reached (%s: %s); trying again in %.1f s",
                type(exc).__name__,
                exc,
                pause,
            )
        else:
            if failed:
                log.info("Telegram answers again after %d failed tries", failed)
            return True
        await _pause(stop, pause)
    return False


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
