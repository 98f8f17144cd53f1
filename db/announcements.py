"""Queries for announcements: the row, its groups, the daily quota and the fan-out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.base import DatabaseBase, Tx, placeholders
from db.connection import from_db, to_db
from db.models import Participant
from db.onboarding import participant_from
from db.outbox import NewMessage, enqueue_again_in, enqueue_in


@dataclass(frozen=True)
class Announcement:
    id: int
    draft: str
    author_kind: str  # "leader" or "facilitator"
    author_telegram_id: int
    author_participant_id: int | None
    author_facilitator_id: int | None
    author_name: str
    text: str
    photo_file_id: str | None
    recipients: int  # messages queued to members
    skipped: int  # active members the bot could not write to (no Telegram, or unreachable)
    created_at: datetime
    group_ids: tuple[int, ...]


@dataclass(frozen=True)
class NewAnnouncement:
    draft: str
    author_kind: str
    author_telegram_id: int
    author_participant_id: int | None
    author_facilitator_id: int | None
    author_name: str
    text: str
    photo_file_id: str | None
    group_ids: tuple[int, ...]


@dataclass(frozen=True)
class FanOut:
    """An announcement's messages, made once its id is known, and its recipient counts."""

    messages: Callable[[int], Iterable[NewMessage]]
    recipients: int  # messages to members
    skipped: int  # active members the bot cannot write to


@dataclass(frozen=True)
class QuotaWindow:
    """At most ``limit`` announcements by the author created in ``[start, end)``."""

    start: datetime
    end: datetime
    limit: int


async def _announcement(tx: Tx, announcement_id: int) -> Announcement | None:
    row = await tx.one("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
    if row is None:
        return None
    groups = await tx.all(
        "SELECT group_id FROM announcement_groups WHERE announcement_id = ? ORDER BY group_id",
        (announcement_id,),
    )
    return _from_row(row, tuple(int(g[0]) for g in groups))


def _from_row(row: aiosqlite.Row, group_ids: tuple[int, ...]) -> Announcement:
    return Announcement(
        id=row["id"],
        draft=row["draft"],
        author_kind=row["author_kind"],
        author_telegram_id=row["author_telegram_id"],
        author_participant_id=row["author_participant_id"],
        author_facilitator_id=row["author_facilitator_id"],
        author_name=row["author_name"],
        text=row["text"],
        photo_file_id=row["photo_file_id"],
        recipients=row["recipients"],
        skipped=row["skipped"],
        created_at=from_db(row["created_at"]),
        group_ids=group_ids,
    )


async def _count_in(tx: Tx, author_telegram_id: int, kind: str, window: QuotaWindow) -> int:
    row = await tx.one(
        "SELECT COUNT(*) FROM announcements WHERE author_telegram_id = ? AND author_kind = ?"
        " AND created_at >= ? AND created_at < ?",
        (author_telegram_id, kind, to_db(window.start), to_db(window.end)),
    )
    return int(row[0]) if row is not None else 0


class AnnouncementQueries(DatabaseBase):
    async def announcements_in(
        self, author_telegram_id: int, author_kind: str, window: QuotaWindow
    ) -> int:
        """How many announcements she created inside the window."""
        async with self.tx(write=False) as tx:
            return await _count_in(tx, author_telegram_id, author_kind, window)

    async def create_announcement(
        self,
        item: NewAnnouncement,
        quota: QuotaWindow | None,
        now: datetime,
        fan_out: FanOut | None = None,
    ) -> tuple[Announcement | None, bool]:
        """Store the announcement and queue its messages, unless the quota is used up; one
        transaction, so a crash or a database error leaves either all of it or nothing.

        ``fan_out`` gives the messages once the announcement's id is known (their keys hold
        it), and the recipient counts stored with it. Returns ``(announcement, created)``:
        the existing row (``created`` False) when this draft was already confirmed;
        ``(None, False)`` when the quota is used up. The count and the insert happen under
        the write lock, so two confirmations cannot both slip under the limit.
        """
        async with self.tx() as tx:
            row = await tx.one("SELECT id FROM announcements WHERE draft = ?", (item.draft,))
            if row is not None:
                return await _announcement(tx, int(row[0])), False
            if quota is not None and (
                await _count_in(tx, item.author_telegram_id, item.author_kind, quota)
                >= quota.limit
            ):
                return None, False
            announcement_id = await tx.insert(
                "INSERT INTO announcements (draft, author_kind, author_telegram_id,"
                " author_participant_id, author_facilitator_id, author_name, text,"
                " photo_file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.draft,
                    item.author_kind,
                    item.author_telegram_id,
                    item.author_participant_id,
                    item.author_facilitator_id,
                    item.author_name,
                    item.text,
                    item.photo_file_id,
                    to_db(now),
                ),
            )
            await tx.executemany(
                "INSERT INTO announcement_groups (announcement_id, group_id) VALUES (?, ?)",
                [(announcement_id, g) for g in item.group_ids],
            )
            if fan_out is not None:
                await tx.execute(
                    "UPDATE announcements SET recipients = ?, skipped = ? WHERE id = ?",
                    (fan_out.recipients, fan_out.skipped, announcement_id),
                )
                await enqueue_in(
                    tx,
                    fan_out.messages(announcement_id),
                    now,
                    rule=self.quiet_rule,
                    phone=self.phone_rule,
                )
            return await _announcement(tx, announcement_id), True

    async def active_members(self, group_ids: Sequence[int]) -> list[Participant]:
        """Active members of the groups, with or without Telegram, by group and id."""
        if not group_ids:
            return []
        marks = placeholders(len(group_ids))
        rows = await self.read_all(
            f"SELECT * FROM participants WHERE group_id IN ({marks})"
            " AND status = 'active' ORDER BY group_id, id",
            list(group_ids),
        )
        return [participant_from(r) for r in rows]

    async def offer_announcements_again(
        self, offers: Sequence[tuple[int, NewMessage]], now: datetime
    ) -> int:
        """Queue each ``(announcement id, message)`` for a member who can be reached again
        (``enqueue_again_in``): a blocked row goes back to the queue; a new row (she was
        skipped when it was sent) moves her from the announcement's ``skipped`` to its
        ``recipients``, so its delivery counts still add up. Returns the rows queued."""
        queued = 0
        async with self.tx() as tx:
            for announcement_id, message in offers:
                existed = await tx.one("SELECT 1 FROM outbox WHERE key = ?", (message.key,))
                count = await enqueue_again_in(
                    tx, [message], now, rule=self.quiet_rule, phone=self.phone_rule
                )
                if count and existed is None:
                    await tx.execute(
                        "UPDATE announcements SET recipients = recipients + 1,"
                        " skipped = max(skipped - 1, 0) WHERE id = ?",
                        (announcement_id,),
                    )
                queued += count
        return queued

    async def announcements_to_group_since(
        self, group_id: int, since: datetime
    ) -> list[Announcement]:
        """Announcements that went to the group at or after ``since``, oldest first."""
        async with self.tx(write=False) as tx:
            rows = await tx.all(
                "SELECT a.id FROM announcements a JOIN announcement_groups g"
                " ON g.announcement_id = a.id WHERE g.group_id = ? AND a.created_at >= ?"
                " ORDER BY a.id",
                (group_id, to_db(since)),
            )
            found = [await _announcement(tx, int(r["id"])) for r in rows]
        return [a for a in found if a is not None]

    async def announcement(self, announcement_id: int) -> Announcement | None:
        async with self.tx(write=False) as tx:
            return await _announcement(tx, announcement_id)
