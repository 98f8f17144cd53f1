"""Long polling that never loses an update to a crash.

python-telegram-bot's ``Updater`` confirms a batch to Telegram (the next ``getUpdates``
offset) as soon as it is queued in memory, before it is handled, so a kill -9 loses every
update fetched but not yet handled. Here each update is handled to the end, then its id is
written to the database, and only then is it confirmed by the next ``getUpdates``. After a
crash Telegram sends the unconfirmed updates again; those already handled (id not above the
stored one) are skipped, so none is handled twice and none is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.context import services_of
from bot.outbox import retry_after_seconds

log = logging.getLogger(__name__)

RETRY_PAUSE = 5.0
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
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if not await connect(app.bot, stop):
        return
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.bot.delete_webhook()
        await app.start()
        try:
            await _fetch_and_handle(app, timeout, allowed_updates, stop)
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def _fetch_and_handle(
    app: AnyApplication, timeout: int, allowed_updates: list[str], stop: asyncio.Event
) -> None:
    db = services_of(app).db
    done = await db.last_update_id()
    offset = done + 1 if done is not None else None
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            fetch = asyncio.ensure_future(
                app.bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=allowed_updates
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
            for update in updates:
                if done is None or update.update_id > done:
                    await app.process_update(update)
                    await db.set_last_update_id(update.update_id)
                    done = update.update_id
                offset = update.update_id + 1
    finally:
        stopping.cancel()


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
