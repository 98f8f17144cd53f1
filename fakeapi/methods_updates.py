"""The fake Bot API's methods: getMe, getUpdates and the webhook methods.

Each is ``(api, params, files)`` on the state of :class:`fakeapi.core.FakeBotAPI`,
which dispatches to them by method name."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from fakeapi.models import (
    DEFAULT_ALLOWED_UPDATES,
    JSON,
    ApiError,
    Files,
    _Params,
)

if TYPE_CHECKING:
    from fakeapi.core import FakeBotAPI


async def true(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    return True


async def get_me(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    return {
        **api._bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": not api.group_privacy,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(api: FakeBotAPI, p: _Params, files: Files) -> list[JSON]:
    if api.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use "
            "deleteWebhook to delete the webhook first",
        )
    offset = p.integer("offset", 0) or 0
    limit = min(max(p.integer("limit", 100) or 100, 1), 100)
    timeout = max(p.number("timeout", 0.0), 0.0)
    allowed = p.obj("allowed_updates")
    if isinstance(allowed, list):
        api._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
    if offset > 0:
        while api._updates and api._updates[0]["update_id"] < offset:
            api._updates.popleft()
    elif offset < 0:
        while len(api._updates) > -offset:
            api._updates.popleft()
    # A newer getUpdates terminates the one still waiting, as Telegram does.
    api._poll_generation += 1
    generation = api._poll_generation
    api._updates_event.set()
    api._updates_event = asyncio.Event()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    api._polling += 1
    try:
        while True:
            if generation != api._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = deliverable(api, limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            event = api._updates_event
            api._notify()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
    finally:
        api._polling -= 1


def deliverable(api: FakeBotAPI, limit: int) -> list[JSON]:
    batch: list[JSON] = []
    for update in list(api._updates):
        kind = next(k for k in update if k != "update_id")
        if kind not in api._allowed_updates:
            api._updates.remove(update)
            continue
        batch.append(update)
        if len(batch) >= limit:
            break
    return batch


async def set_webhook(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    url = p.string("url", "") or ""
    if url and not url.lower().startswith("https://"):
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    api.webhook_url = url
    if p.flag("drop_pending_updates"):
        api._updates.clear()
    allowed = p.obj("allowed_updates")
    if isinstance(allowed, list):
        api._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
    return True


async def delete_webhook(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    api.webhook_url = ""
    if p.flag("drop_pending_updates"):
        api._updates.clear()
    return True


async def get_webhook_info(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    info: JSON = {
        "url": api.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(api._updates),
    }
    if api.webhook_url:
        info["max_connections"] = 40
        info["allowed_updates"] = sorted(api._allowed_updates)
    return info
