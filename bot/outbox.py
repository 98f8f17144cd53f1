"""The outbox sender: the one place that delivers bulk messages to Telegram.

Services write rows (``db.enqueue``); :class:`OutboxSender` drains them within Telegram's
limits (docs/DECISIONS.md, "Every bulk message goes through an outbox"): a global rate
(``[outbox] rate_per_second``, 25, leaving room under ~30 a second for the replies handlers
send directly); one message per ``per_chat_interval`` to a chat; several requests on the
wire, never two for one chat (its messages stay in order); ``RetryAfter`` pauses the
sender and the replies (the process's :class:`bot.flood.FloodGate`, stored for a
restart); network errors and 5xx retried with backoff up to ``max_attempts``; 403 and
"chat not found" mark the participant unreachable and call ``on_unreachable`` once a spell.
The rules are pure functions in ``bot/sending.py``; the settings and a drain's state in
``bot/outbox_state.py``. This module is the transport edge: it may import ``telegram``.

Crash safety: a claimed row is ``sending`` until its outcome is written, and rows left
``sending`` go back to the queue at start-up, so a crash loses nothing and repeats at most
the messages that were on the wire, one per recipient.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode

from bot.clock import Clock
from bot.config import OutboxSettings
from bot.crashpoints import crash_point
from bot.flood import BULK, FloodGate
from bot.outbox_media import Media
from bot.outbox_state import (
    DEFAULT_CONCURRENCY,
    ERROR_PAUSE,
    FLUSH_AFTER,
    FLUSH_SIZE,
    IDLE_MAX,
    IDLE_MIN,
    UNRECORDED_MAX,
    SenderStats,
    SenderStore,
    SleepFn,
    UnreachableHook,
    _Run,
)
from bot.sending import (
    Action,
    TokenBucket,
    Verdict,
    backoff,
    chat_ready_at,
    classify,
    markup_of,
)
from db.outbox import OutboxRow

log = logging.getLogger(__name__)


class OutboxSender:
    """Drains the outbox within Telegram's limits. One per bot token.

    Args:
        db: the database.
        bot: the bot to send with (the application's, so requests share its HTTP pool).
        settings: rate, per-chat interval, attempts and claim batch size.
        clock: where "now" comes from; pacing, backoff and pauses are computed on it.
        sleep: how to wait (tests pass one that advances a ``ManualClock``).
        on_unreachable: called with the ids of participants who just became unreachable,
            once per spell (see ``db.mark_blocked_chat``); the app tells their facilitators.
        concurrency: requests on the wire at once (never two for one chat).
        flood: the process's flood state, shared with the interactive replies (the app's);
            by default the sender has its own.
    """

    def __init__(
        self,
        db: SenderStore,
        bot: Bot,
        settings: OutboxSettings,
        clock: Clock,
        *,
        sleep: SleepFn = asyncio.sleep,
        on_unreachable: UnreachableHook | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        flood: FloodGate | None = None,
        voice_dir: Path | None = None,
    ) -> None:
        self._db = db
        self._media = Media(bot, db, clock, voice_dir)
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._on_unreachable = on_unreachable
        self._concurrency = max(1, concurrency)
        self._claim_ahead = max(2 * self._concurrency, settings.batch_size // 2)
        """When this few claimed rows are left, the next batch is claimed ahead."""
        self._bucket = TokenBucket(settings.rate_per_second)
        self._chat_interval = timedelta(seconds=settings.per_chat_interval)
        self._last_sent: dict[int, datetime] = {}
        self._flood = flood or FloodGate(clock, sleep=sleep)
        self._paused_until: datetime | None = None  # the sender's own pauses (a bad token)
        self._delivered: list[tuple[int, int | None, datetime]] = []
        self._delivered_since = 0.0
        self._flushing = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None  # the batch written in the background
        self._draining = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stats = SenderStats()

    # -- the background task ----------------------------------------------------------

    def wake(self) -> None:
        """New rows were enqueued: look at the queue now rather than at the next timeout."""
        self._wake.set()

    async def start(self) -> None:
        """Put rows left ``sending`` by a crash back in the queue and run in the background."""
        if self._task is not None and not self._task.done():
            return
        requeued = await self._db.requeue_sending()
        if requeued:
            log.info("outbox: %d rows left sending go out again", requeued)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.run(self._stop), name="outbox-sender")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking new rows, let the requests on the wire finish (their outcome is
        recorded), put claimed but unsent rows back, and end the task."""
        self._stop.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            log.warning("outbox: sender did not stop within %.0f s; cancelling", timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        except Exception:
            log.exception("outbox: sender ended with an error")

    async def run(self, stop: asyncio.Event) -> None:
        """Drain, then wait until woken or until the next row is due (at most ``IDLE_MAX``),
        until ``stop`` is set. An error is logged and the loop carries on after a pause: a
        database hiccup must not silence the bot for good."""
        self._stop = stop
        failed = False
        while not stop.is_set():
            self._wake.clear()
            try:
                if failed:
                    await self.recover()
                    failed = False
                sent = await self.drain_once()
                delay = await self._idle_delay(sent)
            except Exception:
                log.exception("outbox: draining failed; trying again in %.0f s", ERROR_PAUSE)
                failed = True
                delay = ERROR_PAUSE
            if stop.is_set():
                break
            await self._wait(delay, (self._wake, stop))

    async def _idle_delay(self, sent: int) -> float:
        due = await self._db.next_due_at()
        if due is None:
            return IDLE_MAX
        seconds = (due - self._clock.now()).total_seconds()
        return min(IDLE_MAX, max(seconds, 0.0 if sent else IDLE_MIN))

    async def _wait(self, delay: float, events: tuple[asyncio.Event, ...] = ()) -> None:
        """Wait ``delay`` seconds (on the injected sleep), or less if one of ``events`` is
        set or the sender is asked to stop."""
        own: set[asyncio.Future[Any]] = {
            asyncio.ensure_future(event.wait()) for event in (*events, self._stop)
        }
        own.add(asyncio.ensure_future(self._sleep(delay)))
        try:
            await asyncio.wait(own, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in own:
                waiter.cancel()

    # -- draining -----------------------------------------------------------------------

    async def drain_once(self, max_messages: int | None = None) -> int:
        """Send what is due now (and what becomes due while sending), within the pacing;
        return how many messages were delivered. Returns when nothing due is left that the
        sender may send, or after ``max_messages`` deliveries."""
        async with self._draining:
            return await self._drain(max_messages)

    async def _drain(self, max_messages: int | None) -> int:
        """A fixed set of workers, like a plain sending loop: each takes the next row the
        pacing allows (one worker at a time picks) and sends it. The database work runs
        beside them, so that they keep their requests on the wire: the next batch of rows is
        claimed ahead while the last ones of this batch go out, and outcomes are written in
        small batches in the background (:meth:`_write`)."""
        held: list[tuple[datetime, int, OutboxRow]] = []
        run = _Run(max_messages)
        picking = asyncio.Lock()

        async def next_row() -> OutboxRow | None:
            async with picking:
                return await self._next_row(held, run)

        async def worker() -> None:
            while run.error is None and (row := await next_row()) is not None:
                try:
                    delivered = await self._deliver(row)  # not "+= await": others add too
                    run.sent += delivered
                finally:
                    run.exhausted = False  # her chat is free: its next row may be claimable
                    run.freed += 1
                if self._flush_due(run):
                    await self._write(run)

        async def guarded() -> None:
            try:
                await worker()
            except Exception as exc:  # stop the others; raised once all have finished
                if run.error is None:
                    run.error = exc

        try:
            await asyncio.gather(*(guarded() for _ in range(self._concurrency)))
        finally:
            # Done, stopping, failed or cancelled: write what was delivered and put claimed
            # rows that never went out back in the queue. (Rows on the wire when a stop is
            # cancelled stay ``sending`` and go out again at the next start.)
            if run.claiming is not None:
                await run.claiming  # never raises: its error is the run's; its rows are held
            if self._writer is not None:
                writer, self._writer = self._writer, None
                await writer  # never raises: its error is the run's
            await self._flush()
            if held:
                await self._db.release([row.id for _, _, row in held])
        if run.error is not None:
            raise run.error
        return run.sent

    async def _next_row(
        self, held: list[tuple[datetime, int, OutboxRow]], run: _Run
    ) -> OutboxRow | None:
        """The next row to send, once its chat and the global rate allow it; None when
        nothing the sender may send is left (or it is asked to stop)."""
        while True:
            if self._stop.is_set() or run.error is not None:
                return None
            if run.limit is not None and run.started >= run.limit:
                return None
            now = self._clock.now()
            if not held and run.claiming is not None:
                await run.claiming  # the batch claimed ahead is not in yet
                continue
            if not held and not run.exhausted:
                await self._flush()  # frees the chats of recorded rows for this claim
                await self._claim(held, run)
                now = self._clock.now()  # the claim took time
            elif (
                run.full
                and run.claiming is None
                and len(held) <= self._claim_ahead
                and (self._db_free() or len(held) <= self._concurrency)
                and self._claim_limit(held, run) > 0
            ):
                run.claiming = asyncio.create_task(self._claim_ahead_of(held, run))
            if not held:
                return None  # a worker that finishes a send looks again (run.exhausted)
            ready = max(held[0][0], self._bucket.ready_at(now))
            for paused_until in (self._flood.paused_until, self._paused_until):
                if paused_until is not None:
                    ready = max(ready, paused_until)
            if ready > now:
                if self._delivered:
                    await self._flush()
                    continue  # writing took time: look at the clock again
                run.pacing = True
                try:
                    await self._wait((ready - now).total_seconds())
                finally:
                    run.pacing = False
                run.exhausted = False  # time moved: more rows may be due
                continue
            _, _, row = heapq.heappop(held)
            self._bucket.take(now)
            if self._chat_interval > timedelta(0):
                self._last_sent[row.chat_id] = now
            run.started += 1
            return row

    def _db_free(self) -> bool:
        """Whether a claim now would not hold up a write of outcomes: none is on its way
        or due soon. (A claim takes a few turns of the event loop; a write due meanwhile
        would wait for it while deliveries pile up towards ``UNRECORDED_MAX``.)"""
        idle = self._writer is None or self._writer.done()
        return idle and len(self._delivered) < FLUSH_SIZE // 2

    def _claim_limit(self, held: list[tuple[datetime, int, OutboxRow]], run: _Run) -> int:
        if run.limit is None:
            return self._settings.batch_size
        return min(self._settings.batch_size, run.limit - run.started - len(held))

    async def _claim(self, held: list[tuple[datetime, int, OutboxRow]], run: _Run) -> None:
        """Claim the next batch of due rows and hold them, each ready when its chat is."""
        limit = self._claim_limit(held, run)
        if limit <= 0:
            return
        now = self._clock.now()
        freed = run.freed
        rows = await self._db.claim_due(now, limit)
        # everything due was claimed, unless a send finished meanwhile (a chat it freed
        # may have its next row due, and nothing else would make a worker look again)
        run.exhausted = len(rows) < limit and run.freed == freed
        run.full = len(rows) == limit
        self._forget_old_chats(now)
        for row in rows:
            ready = chat_ready_at(self._last_sent.get(row.chat_id), self._chat_interval, now)
            heapq.heappush(held, (ready, next(run.order), row))

    async def _claim_ahead_of(
        self, held: list[tuple[datetime, int, OutboxRow]], run: _Run
    ) -> None:
        """Claim the next batch while the workers send the last rows of this one, so that
        none of them waits for the database (like the writes). What was delivered is
        written first: the claim takes several trips to the database thread, and a write
        that fell due meanwhile would wait for them all while deliveries pile up (and it
        frees those chats for this claim)."""
        try:
            await self._flush()
            await self._claim(held, run)
        except Exception as exc:  # the workers stop and the drain raises it
            if run.error is None:
                run.error = exc
        finally:
            run.claiming = None

    def _forget_old_chats(self, now: datetime) -> None:
        """Keep the per-chat pacing memory small: only chats still inside their interval."""
        if len(self._last_sent) > 10_000:
            self._last_sent = {
                chat: at for chat, at in self._last_sent.items() if at + self._chat_interval > now
            }

    async def _deliver(self, row: OutboxRow) -> bool:
        """Send one row and record the outcome; True if delivered."""
        bulk = BULK.set(True)  # FloodControl leaves a 429 of ours to _settle
        try:
            if row.edit_of is not None:
                message_id = await self._edit(row)
                if message_id is None:
                    return False
                crash_point("outbox-edit-sent")  # delivered, not yet recorded
            elif row.qr:
                message_id = (await self._media.qr_photo(row)).message_id
            elif row.voice:
                message, uploaded = await self._media.voice(row)
                message_id = message.message_id
                self.stats.voice_uploads += uploaded
            elif row.photo:
                message = await self._bot.send_photo(
                    row.chat_id,
                    row.photo,
                    caption=row.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup_of(row.buttons),
                )
                message_id = message.message_id
            else:
                message = await self._bot.send_message(
                    row.chat_id,
                    row.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup_of(row.buttons),
                )
                message_id = message.message_id
        except Exception as exc:  # every failure is classified; one row must not stop all
            await self._settle(row, classify(exc))
            return False
        finally:
            BULK.reset(bulk)
        if not self._delivered:
            self._delivered_since = asyncio.get_running_loop().time()
        self._delivered.append((row.id, message_id, self._clock.now()))
        self.stats.sent += 1
        return True

    async def _edit(self, row: OutboxRow) -> int | None:
        """Edit the message of the row ``row.edit_of`` in place; its message id, or None if
        there is nothing to edit (that message was never sent: this row fails)."""
        await self._flush()  # the message to edit may have been sent just now
        target = await self._db.outbox_row_by_key(row.edit_of or "")
        if target is None or target.message_id is None or target.chat_id != row.chat_id:
            self.stats.failed += 1
            await self._db.mark_failed(row.id, "the message to edit was not sent")
            return None
        await self._media.edit(row, target.message_id)
        return target.message_id

    def _flush_due(self, run: _Run) -> bool:
        """Whether the deliveries remembered should be written now: the picker waits for a
        slot (write now, not later), a batch is full, or the oldest has waited long enough."""
        return bool(self._delivered) and (
            run.pacing
            or len(self._delivered) >= FLUSH_SIZE
            or asyncio.get_running_loop().time() - self._delivered_since >= FLUSH_AFTER
        )

    async def _write(self, run: _Run) -> None:
        """A worker's delivery made a write due: start it in the background (unless one is
        on its way; what was delivered meanwhile waits for the next) and go on sending, as
        a plain sending loop would. Only when ``UNRECORDED_MAX`` are unrecorded does the
        worker wait for the write, which bounds what a crash repeats."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_in_background(run))
        if len(self._delivered) >= UNRECORDED_MAX:
            await self._flush()

    async def _write_in_background(self, run: _Run) -> None:
        try:
            await self._flush(run)
        except Exception as exc:  # the workers stop and the drain raises it
            if run.error is None:
                run.error = exc

    async def _flush(self, run: _Run | None = None) -> None:
        """Record the deliveries not yet written, in one transaction (one writer at a
        time). If the database refuses (read-only, disk full), they stay remembered and are
        written later. ``run``: a worker's flush when one fell due; it is skipped if another
        worker's write has just taken care of it."""
        async with self._flushing:
            if run is not None and not self._flush_due(run):
                return
            if self._delivered:
                delivered = list(self._delivered)
                await self._db.mark_sent_many(delivered)
                self.stats.writes += 1
                del self._delivered[: len(delivered)]
                # Deliveries made while this one was written start their own wait: without
                # this, the first one's age made every later delivery write at once, one
                # transaction per message or two.
                self._delivered_since = asyncio.get_running_loop().time()

    async def recover(self) -> int:
        """After a failed drain: record the deliveries still remembered, then put back in
        the queue the rows left ``sending`` (nothing is in flight between drains), so a
        database fault loses nothing and sends nothing twice once it clears. Returns how
        many rows went back to the queue."""
        await self._flush()
        return await self._db.requeue_sending()

    async def _settle(self, row: OutboxRow, verdict: Verdict) -> None:
        now = self._clock.now()
        if verdict.action is Action.PAUSE:
            if verdict.flood:
                await self._flood.close_for(verdict.pause)
            else:
                until = now + timedelta(seconds=verdict.pause)
                if self._paused_until is None or until > self._paused_until:
                    self._paused_until = until
            self.stats.pauses += 1
            log.warning("outbox: %s; pausing all sends for %.0f s", verdict.error, verdict.pause)
            await self._db.release([row.id])
        elif verdict.action is Action.RETRY:
            tries = row.attempts + 1
            if tries >= self._settings.max_attempts:
                self.stats.failed += 1
                log.warning(
                    "outbox: row %d failed after %d tries: %s", row.id, tries, verdict.error
                )
                await self._db.mark_failed(row.id, verdict.error)
            else:
                self.stats.retried += 1
                await self._db.mark_retry(
                    row.id, verdict.error, now + timedelta(seconds=backoff(tries))
                )
        elif verdict.action is Action.BLOCKED:
            self.stats.blocked += 1
            newly = await self._db.mark_blocked_chat(row.chat_id, verdict.error, now)
            log.info("outbox: chat of row %d unreachable: %s", row.id, verdict.error)
            if newly and self._on_unreachable is not None:
                try:
                    await self._on_unreachable(newly)
                except Exception:
                    log.exception("outbox: telling the facilitator failed for %s", newly)
        else:
            self.stats.failed += 1
            log.warning("outbox: row %d refused: %s", row.id, verdict.error)
            await self._db.mark_failed(row.id, verdict.error)
