"""Builds the Telegram application. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.announcements import Announcements
from bot.attendance import Attendance
from bot.clock import Clock, SystemClock
from bot.coaching import Coaching
from bot.config import Settings
from bot.content import load_library
from bot.context import BotContext, attach_menus, attach_services, services_of
from bot.dialogues import Dialogues
from bot.evidence import Evidence
from bot.flood import FloodControl, FloodGate, FloodWaitTooLong
from bot.forms import Forms
from bot.i18n import Catalog
from bot.meetings import Meetings
from bot.onboarding import Onboarding
from bot.outbox import OutboxSender
from bot.phones import PhoneWording
from bot.privacy import Privacy
from bot.quiz import Quiz
from bot.reachability import Reachability
from bot.reports import Reports
from bot.safety import HelpPhrases, Safety
from bot.schedule import quiet_hold
from bot.services import Services
from bot.siks import Siks
from bot.siks_form import load_siks_form
from bot.voice import Voice
from db import Database
from db.dialect import POSTGRESQL
from handlers import build_dispatcher, register

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    background: bool = True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AnyApplication:
    """The bot, wired. Catalog and content are validated here, before anything runs;
    the database opens in ``post_init`` and closes in ``post_shutdown``.

    ``background=False`` (handler tests) leaves out the outbox sender task and the
    clock tick job, so a test drives ``tick(now)`` and ``drain_once()`` itself; ``sleep``
    is how the sender waits (tests pass one that moves their manual clock).
    """
    catalog = Catalog.load()
    content = load_library(settings.content_dir)
    siks_form = load_siks_form(settings.reports.forms_dir, content)
    help_phrases = HelpPhrases.load()
    dispatcher = build_dispatcher()
    the_clock = clock or SystemClock()
    token = settings.require_token()

    # When Telegram says "wait", nobody sends: replies and the outbox share one gate,
    # stored in the database so that a restart during a flood wait honours it.
    store: list[Database] = []

    async def persist_flood(until: datetime) -> None:
        if store:
            await store[0].set_flood_until(until)

    flood = FloodGate(the_clock, sleep=sleep, persist=persist_flood)

    async def post_init(app: AnyApplication) -> None:
        db = await Database.open(settings.database_target)
        db.quiet_rule = functools.partial(
            quiet_hold,
            quiet_start=settings.schedule.quiet_start,
            quiet_end=settings.schedule.quiet_end,
        )
        db.phone_rule = PhoneWording(catalog)
        store[:] = [db]
        flood.restore(await db.flood_until())
        if flood.remaining() > 0:
            log.warning("flood: a pause of the last run holds for %.0f s more", flood.remaining())

        async def unreachable(participant_ids: list[int]) -> None:
            await reachability.became_unreachable(participant_ids, the_clock.now())

        sender = OutboxSender(
            db,
            app.bot,
            settings.outbox,
            the_clock,
            sleep=sleep,
            on_unreachable=unreachable,
            flood=flood,
            voice_dir=settings.voice.cache_dir,
        )
        reachability = Reachability(db, sender.wake)
        voice = Voice(db, catalog, content, settings.voice)
        coaching = Coaching(db, catalog, content, settings, on_enqueued=sender.wake)
        services = Services(
            settings=settings,
            db=db,
            catalog=catalog,
            content=content,
            clock=the_clock,
            onboarding=Onboarding(db, settings),
            meetings=Meetings(db, catalog, content, settings, on_enqueued=sender.wake),
            sender=sender,
            reachability=reachability,
            attendance=Attendance(
                db, catalog, content, settings, on_enqueued=sender.wake, reachability=reachability
            ),
            announcements=Announcements(
                db,
                catalog,
                settings.announcements.daily_quota_per_leader,
                on_enqueued=sender.wake,
            ),
            reports=Reports(db, catalog, content, settings.attendance),
            safety=Safety(db, catalog, help_phrases, on_enqueued=sender.wake),
            dialogues=Dialogues(db),
            privacy=Privacy(db),
            quiz=Quiz(db),
            voice=voice,
            forms=Forms(db, catalog, content, settings.attendance),
            coaching=coaching,
            siks=Siks(
                db,
                catalog,
                content,
                siks_form,
                meeting_length=settings.attendance.meeting_length,
                institution=settings.reports.institution,
                other_speakers=settings.reports.other_speakers,
                reflections=coaching.selfcheck_sentences,
            ),
            evidence=Evidence(db, settings.reports.evidence_dir, settings.reports.photo_max_bytes),
            bot_username=app.bot.username,
        )
        services.attendance.voice = voice
        services.meetings.voice = voice
        voice.available(load=False)  # says once in the log when voice notes are off
        reachability.reachable_listeners.append(services.announcements.offer_again)
        attach_services(app, services)
        attach_menus(app, dispatcher)
        # SQLite: this is the one process. PostgreSQL: the worker holding the clock is the
        # one sender; what is in flight is its own (from its last run) to send again.
        clock = await db.hold_clock()
        if db.dialect == POSTGRESQL:
            log.info(
                "clock: this worker runs the tick and sends"
                if clock
                else "clock: another worker runs the tick and sends; this one takes over"
                " if it stops"
            )
        if clock:
            requeued = await db.requeue_sending()
            if requeued:
                log.info("outbox: %d messages in flight at the last stop go out again", requeued)
        try:
            await dispatcher.set_default_menu(app.bot, services)
        except TelegramError as exc:
            log.warning("could not set the default command menu: %s", exc)
        if background:
            if clock:
                await sender.start()
            assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
            app.job_queue.run_repeating(
                tick_job,
                interval=settings.schedule.tick_seconds,
                first=0.0,
                name="tick",
                # A slow tick returns at once from the next run (see tick_job), instead
                # of APScheduler skipping runs with a warning each time.
                job_kwargs={"max_instances": 2, "coalesce": True},
            )
            if db.dialect == POSTGRESQL:
                # Several workers share the database: a flood pause one of them was told
                # holds for all (it is stored; every worker reads it back each tick).
                async def shared_flood(context: BotContext) -> None:
                    flood.restore(await db.flood_until())

                app.job_queue.run_repeating(
                    shared_flood, interval=settings.schedule.tick_seconds, name="flood"
                )

    async def post_stop(app: AnyApplication) -> None:
        try:
            services = services_of(app)
        except RuntimeError:
            return
        await services.sender.stop()

    async def post_shutdown(app: AnyApplication) -> None:
        try:
            services = services_of(app)
        except RuntimeError:
            return
        await services.sender.stop()
        await services.db.close()

    builder = (
        ApplicationBuilder()
        .token(token.get())
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .rate_limiter(FloodControl(flood))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(
            HTTPXRequest(connection_pool_size=32, read_timeout=15, connect_timeout=10)
        ).get_updates_request(
            HTTPXRequest(read_timeout=settings.telegram.poll_timeout + 10, connect_timeout=10)
        )
    app: AnyApplication = builder.build()
    register(app, dispatcher)
    app.add_error_handler(on_error)
    return app


async def tick_job(context: BotContext) -> None:
    """The one repeating job: everything time-driven reads the database from here.
    A tick still running (a district's fan-out being enqueued) is not doubled."""
    services = context.services
    if services.tick_lock.locked():
        return
    held = services.db.clock_held
    if not await services.db.hold_clock():
        return  # another worker on the same PostgreSQL database runs the clock
    if not held:
        # The worker that held the clock stopped: this one ticks and sends from now on,
        # and what that one had in flight goes out again (the sender requeues it).
        log.warning("clock: taken over from a worker that stopped; this one sends now")
        await services.sender.start()
    async with services.tick_lock:
        await tick(services)


async def tick(services: Services) -> None:
    """Everything time-driven, in order: reminders, then check-in windows and alerts."""
    now = services.clock.now()
    report = await services.meetings.tick(now)
    queued = await services.attendance.tick(now)
    queued += await services.coaching.tick(now)  # after the close: its self-check prompt
    if queued:
        services.sender.wake()
    if report.reminders_queued:
        log.info(
            "tick: %d reminders queued (%d slots sent, %d skipped)",
            report.reminders_queued,
            report.slots_sent,
            report.slots_skipped,
        )


async def on_error(update: object, context: BotContext) -> None:
    """Log the traceback (never the message text) and say sorry in private chats."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, RetryAfter):
        # Given up on purpose (bot.flood: the wait is longer than a reply may wait, or the
        # tries are used up): one line, and no apology, which would wait too.
        log.warning(
            "flood: the reply to update %s is dropped (%s)",
            update_id,
            "Telegram asks to wait longer than a reply may"
            if isinstance(context.error, FloodWaitTooLong)
            else "Telegram refused it again after waiting",
        )
        return
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        text = context.services.catalog.t("common.error")
        await context.bot.send_message(chat.id, text)
    except Exception:  # the apology must never raise in the error handler
        log.debug("could not send the apology", exc_info=True)
