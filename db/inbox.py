"""Webhook mode's inbox (``bot/webhook.py``): updates stored before Telegram is answered."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.base import DatabaseBase
from db.connection import to_db

INBOX_KEEP = timedelta(days=2)
"""How long a handled update's id is kept (Telegram re-posts an unanswered one for at most
24 hours): a re-post of it is then recognised and not handled again."""


class InboxQueries(DatabaseBase):
    async def store_update(
        self, update_id: int, chat_id: int, payload: str, now: datetime
    ) -> bool:
        """Keep a posted update (committed when this returns); False if it was there."""
        async with self.tx() as tx:
            return (
                await tx.changes(
                    "INSERT OR IGNORE INTO inbox (update_id, chat_id, payload, received_at)"
                    " VALUES (?, ?, ?, ?)",
                    (update_id, chat_id, payload, to_db(now)),
                )
                == 1
            )

    async def pending_updates(self, limit: int) -> list[tuple[int, int, str]]:
        """The oldest updates not handled yet: (update id, chat id, payload)."""
        rows = await self.read_all(
            "SELECT update_id, chat_id, payload FROM inbox WHERE done_at IS NULL"
            " ORDER BY update_id LIMIT ?",
            (limit,),
        )
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    async def update_done(self, update_id: int, now: datetime) -> None:
        """Handled: its text is dropped; ids older than :data:`INBOX_KEEP` are forgotten."""
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE inbox SET done_at = ?, payload = '' WHERE update_id = ?",
                (to_db(now), update_id),
            )
            await tx.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
                (to_db(now - INBOX_KEEP),),
            )
