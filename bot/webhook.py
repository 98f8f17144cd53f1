"""Webhook mode that loses nothing: the endpoint stores each update in the inbox
(``db/inbox.py``, idempotent on its update id) and answers Telegram only after the commit;
the inbox worker then handles the stored updates, those of one chat in order, different
chats concurrently, and marks each one done once handled.

python-telegram-bot's own webhook server answers Telegram before the update is handled, so
an update in progress at a crash is lost. Here an update is either committed before
Telegram hears "200" (and handled after a restart if the process dies first), or not
answered (and posted again by Telegram). An update handled but not yet marked done at a
crash is handled again at the restart; its effects are recorded once (``applied_updates``),
as for a polled update delivered again. Several processes may serve the endpoint behind
one proxy (on PostgreSQL): each stores what it receives; the clock holder handles.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.config import Settings
from bot.context import services_of
from bot.crashpoints import crash_point
from bot.polling import MAX_CONCURRENT, AnyApplication, connect, running, stop_on_signals

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
IDLE_LOOK = 1.0
"""Seconds between two looks at the inbox when nothing wakes the worker."""


def chat_of(data: dict[str, Any]) -> int:
    """The chat an update belongs to (its order key): the chat, else the user, else 0."""
    for key, value in data.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        user = value.get("from") or value.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return int(user["id"])
    return 0


class Inbox:
    """The endpoint's store and the worker that handles what it stored."""

    def __init__(self, app: AnyApplication, secret: str | None) -> None:
        self.app = app
        self.secret = secret
        self._wake = asyncio.Event()

    @property
    def services(self) -> Any:
        return services_of(self.app)

    async def receive(self, body: bytes, secret: str) -> int:
        """One POST from Telegram: the HTTP status to answer, after the commit."""
        if self.secret and not hmac.compare_digest(secret, self.secret):
            return 403
        try:
            data = json.loads(body)
            update_id = int(data["update_id"])
        except (ValueError, KeyError, TypeError):
            return 400
        services = self.services
        await services.db.store_update(
            update_id, chat_of(data), body.decode("utf-8"), services.clock.now()
        )
        crash_point("inbox-stored")
        self._wake.set()
        return 200

    async def run(self, stop: asyncio.Event) -> None:
        """Handle the stored updates until ``stop``: per chat in order, chats at once."""
        running: dict[int, asyncio.Task[None]] = {}  # chat -> its update being handled
        in_flight: set[int] = set()
        while not stop.is_set():
            if self.services.db.clock_held:
                busy = set(running)
                for update_id, chat, payload in await self.services.db.pending_updates(200):
                    if len(running) >= MAX_CONCURRENT:
                        break
                    if chat in busy or update_id in in_flight:
                        busy.add(chat)  # a later update of a chat waits for the earlier
                        continue
                    busy.add(chat)
                    in_flight.add(update_id)
                    running[chat] = asyncio.create_task(
                        self._handle(update_id, payload, chat, running, in_flight)
                    )
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_LOOK)
        if running:
            await asyncio.wait(list(running.values()), timeout=10)

    async def _handle(
        self,
        update_id: int,
        payload: str,
        chat: int,
        running: dict[int, asyncio.Task[None]],
        in_flight: set[int],
    ) -> None:
        try:
            try:
                update = Update.de_json(json.loads(payload), self.app.bot)
                await self.app.process_update(update)
            except Exception:  # logged; the update is done (as in polling), not retried
                log.exception("inbox: update %s failed", update_id)
            crash_point("inbox-handled")
            await self.services.db.update_done(update_id, self.services.clock.now())
        finally:
            running.pop(chat, None)
            in_flight.discard(update_id)
            self._wake.set()


class _Endpoint(RequestHandler):
    def initialize(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def post(self) -> None:
        status = await self.inbox.receive(
            self.request.body, self.request.headers.get(SECRET_HEADER, "")
        )
        self.set_status(status)
        self.finish()


async def serve(
    app: AnyApplication, settings: Settings, secret: str | None, allowed_updates: list[str]
) -> None:
    """Run ``app`` fed by the webhook and its inbox until SIGINT/SIGTERM."""
    stop = stop_on_signals(asyncio.Event())
    if not await connect(app.bot, stop):
        return
    hook = settings.telegram.webhook
    async with running(app):
        inbox = Inbox(app, secret)
        web = WebApplication([(rf"/{hook.url_path}", _Endpoint, {"inbox": inbox})])
        server = HTTPServer(web)
        server.listen(hook.port, hook.listen)
        try:
            await app.bot.set_webhook(
                url=f"{hook.public_url.rstrip('/')}/{hook.url_path}",
                secret_token=secret,
                allowed_updates=allowed_updates,
            )
            log.info("webhook: listening on %s:%d/%s", hook.listen, hook.port, hook.url_path)
            await inbox.run(stop)
        finally:
            server.stop()
