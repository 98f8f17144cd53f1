"""What the bot stores about a participant, and erasing it.

Erasing keeps the rows that statistics need (attendance marks, the membership row)
but removes everything that identifies her: name, phone, Telegram id, excuse reasons,
quiz answers, pending dialogue, follow-ups about her, the texts of announcements she
wrote, and messages still waiting to go to her or about her (delivered messages keep no
text at all: ``db.outbox.SPENT``). On a shared phone the others keep their chat: only
what is hers goes, unless she was the last person on it. Her attendance then counts
only as anonymous numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.base import DatabaseBase, Tx
from db.connection import to_db
from db.outbox import SPENT, prefix_upper_bound

ERASED_NAME = ""


@dataclass(frozen=True)
class StoredAbout:
    """Counts of what is kept about one participant (shown to her by /datasaya)."""

    attendance: int
    rsvps: int
    quiz_answers: int
    messages: int


async def _erase_in(tx: Tx, participant_id: int, now: datetime) -> bool:
    """Anonymise her inside ``tx``. False when there is no such member."""
    row = await tx.one(
        "SELECT telegram_id FROM participants WHERE id = ? AND name != ?",
        (participant_id, ERASED_NAME),
    )
    if row is None:
        return False
    telegram_id = row["telegram_id"]
    await tx.execute(
        "UPDATE participants SET name = ?, phone = NULL, telegram_id = NULL,"
        " status = 'left', left_at = COALESCE(left_at, ?), reachable = 0,"
        " unreachable_since = NULL, address = 'ibu' WHERE id = ?",
        (ERASED_NAME, to_db(now), participant_id),
    )
    for sql in (
        "UPDATE groups SET leader_id = NULL WHERE leader_id = ?",
        "UPDATE rsvps SET reason = NULL, note = NULL WHERE participant_id = ?",
        "UPDATE attendance SET reason = NULL, checked_in_at = NULL WHERE participant_id = ?",
        "DELETE FROM quiz_answers WHERE participant_id = ?",
        "DELETE FROM knowledge_levels WHERE participant_id = ?",
        "DELETE FROM semester_ratings WHERE participant_id = ?",
        "DELETE FROM checkin_attempts WHERE participant_id = ?",
        # Voice summaries she recorded as a leader: her voice is her data; notes
        # of hers still waiting to go out to the group are dropped first.
        "DELETE FROM outbox WHERE status IN ('queued', 'sending') AND kind ="
        " 'voice_summary' AND json_extract(payload, '$.voice') IN (SELECT 'id:' ||"
        " file_id FROM voice_recordings WHERE recorded_by_participant = ?)",
        "DELETE FROM voice_recordings WHERE recorded_by_participant = ?",
    ):
        await tx.execute(sql, (participant_id,))
    # Messages to her or about her that are still waiting are dropped (sent ones
    # already lost their text: see db.outbox.SPENT).
    alerts = [
        r["id"]
        for r in await tx.all("SELECT id FROM alerts WHERE participant_id = ?", (participant_id,))
    ]
    await tx.execute(
        "DELETE FROM outbox WHERE status IN ('queued', 'sending') AND participant_id = ?",
        (participant_id,),
    )
    for alert_id in alerts:
        for prefix in ("alert", "alert_remind", "alert_closed"):
            await tx.execute(
                "DELETE FROM outbox WHERE key = ? AND status IN ('queued', 'sending')",
                (f"{prefix}:{alert_id}",),
            )
    await tx.execute("DELETE FROM alerts WHERE participant_id = ?", (participant_id,))
    # Announcements she wrote as a leader: the text and her name go, the counts stay.
    written = await tx.all(
        "SELECT id FROM announcements WHERE author_participant_id = ?", (participant_id,)
    )
    await tx.execute(
        "UPDATE announcements SET author_name = ?, text = '', photo_file_id = NULL,"
        " author_telegram_id = 0 WHERE author_participant_id = ?",
        (ERASED_NAME, participant_id),
    )
    for announcement in written:
        for prefix in ("announce", "announce-copy"):
            low = f"{prefix}:{announcement['id']}:"
            await tx.execute(
                "DELETE FROM outbox WHERE key >= ? AND key < ?"
                " AND status IN ('queued', 'sending')",
                (low, prefix_upper_bound(low)),
            )
    await tx.execute("DELETE FROM private_notes WHERE participant_id = ?", (participant_id,))
    await tx.execute("DELETE FROM phone_choices WHERE participant_id = ?", (participant_id,))
    if telegram_id is not None:
        await tx.execute("DELETE FROM chat_states WHERE telegram_id = ?", (telegram_id,))
        others = await tx.one(
            "SELECT 1 FROM participants WHERE telegram_id = ? AND status = 'active'",
            (telegram_id,),
        )
        if others is None:  # the last person on that phone: the chat itself goes
            await tx.execute(
                "DELETE FROM outbox WHERE chat_id = ? AND status IN ('queued', 'sending')",
                (telegram_id,),
            )
            await tx.execute(
                "UPDATE outbox SET payload = ?, chat_id = 0 WHERE chat_id = ?",
                (SPENT, telegram_id),
            )
        else:  # a shared phone: only her messages lose their chat
            await tx.execute(
                "UPDATE outbox SET payload = ?, chat_id = 0 WHERE participant_id = ?",
                (SPENT, participant_id),
            )
    return True


class PrivacyQueries(DatabaseBase):
    async def stored_about(self, participant_id: int) -> StoredAbout:
        async with self.tx(write=False) as tx:
            counts = []
            for sql in (
                "SELECT count(*) FROM attendance WHERE participant_id = ?",
                "SELECT count(*) FROM rsvps WHERE participant_id = ?",
                "SELECT count(*) FROM quiz_answers WHERE participant_id = ?",
                "SELECT count(*) FROM outbox WHERE participant_id = ?",
            ):
                row = await tx.one(sql, (participant_id,))
                counts.append(int(row[0]) if row else 0)
        return StoredAbout(*counts)

    async def erase_participant(self, participant_id: int, now: datetime) -> bool:
        """Anonymise her, in one transaction. False when there is no such member."""
        async with self.tx() as tx:
            return await _erase_in(tx, participant_id, now)

    async def erase_participants(self, participant_ids: Sequence[int], now: datetime) -> int:
        """Anonymise everyone of a shared phone in one transaction; how many were left."""
        async with self.tx() as tx:
            return sum([await _erase_in(tx, pid, now) for pid in participant_ids])
