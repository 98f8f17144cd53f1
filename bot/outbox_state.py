"""The outbox sender's settings, its counters, the shared state of one drain and the
queries it needs (``bot/outbox.py`` is the sender itself)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.outbox_media import MediaStore
from db.outbox import OutboxRow

IDLE_MAX = 1.0
"""Longest wait between two looks at the queue, in case a wake-up was missed."""
IDLE_MIN = 0.05
"""Shortest wait when rows are due but none could be sent, so the loop never spins."""
ERROR_PAUSE = 5.0
FLUSH_SIZE = 32
FLUSH_AFTER = 0.1
UNRECORDED_MAX = 64
"""Deliveries are recorded in batches, once ``FLUSH_SIZE`` are waiting or the oldest has
waited ``FLUSH_AFTER`` seconds, and always before the sender waits for pacing. At 25 a
second that is each message on its own; with the limits off (a local Bot API server, the
benchmark) it saves a transaction per message. A batch is written in the background while
the workers go on sending; a worker waits for it only once ``UNRECORDED_MAX`` deliveries
are unrecorded (the database is slower than the sends). A row stays ``sending`` until
recorded, which keeps its chat's next row unclaimed, so a hard crash repeats at most one
message per recipient, and at most ``UNRECORDED_MAX`` plus two per worker in all (those
delivered and those on the wire)."""
DEFAULT_CONCURRENCY = 8
"""Requests on the wire at once. The application's HTTP pool has 32 connections; keeping
the sender well below that leaves connections free for interactive replies."""
SleepFn = Callable[[float], Awaitable[Any]]
UnreachableHook = Callable[[list[int]], Awaitable[None]]


@dataclass
class SenderStats:
    """What the sender did since it was created (for logs and benchmarks)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    pauses: int = 0
    writes: int = 0  # transactions that recorded deliveries
    voice_uploads: int = 0


@dataclass
class _Run:
    """The shared state of one drain's workers."""

    limit: int | None  # deliveries asked for (max_messages), None for all
    sent: int = 0
    started: int = 0
    exhausted: bool = False  # the last claim found everything due; nothing changed since
    freed: int = 0  # sends finished (each frees a chat, whose next row may be claimable)
    full: bool = False  # the last claim took a whole batch: more are likely due
    pacing: bool = False  # the picker is waiting for the rate or a chat to allow a send
    error: Exception | None = None
    order: itertools.count[int] = field(default_factory=itertools.count)
    claiming: asyncio.Task[None] | None = None  # the next batch, claimed ahead


class SenderStore(MediaStore, Protocol):
    """The queries this service needs (implemented in ``db/``)."""

    async def claim_due(self, now: datetime, limit: int) -> list[OutboxRow]: ...

    async def mark_blocked_chat(self, chat_id: int, error: str, now: datetime) -> list[int]: ...

    async def mark_failed(self, row_id: int, error: str) -> None: ...

    async def mark_retry(self, row_id: int, error: str, not_before: datetime) -> None: ...

    async def mark_sent_many(self, sent: Sequence[tuple[int, int | None, datetime]]) -> None: ...

    async def next_due_at(self) -> datetime | None: ...

    async def outbox_row_by_key(self, key: str) -> OutboxRow | None: ...

    async def release(self, row_ids: Sequence[int]) -> None: ...

    async def requeue_sending(self) -> int: ...
