"""Queries for voice notes: members' choice, recorded summaries, uploaded file ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.base import DatabaseBase
from db.connection import from_db, to_db

VOICE_CHOICES = ("text", "summary", "all")
"""'text': text only; 'summary': the module summary also as a voice note (the default);
'all': the reminders too."""
DEFAULT_VOICE = "summary"


@dataclass(frozen=True)
class Recording:
    group_id: int
    session_id: str
    file_id: str
    duration: int
    recorded_by_participant: int | None
    recorded_by_facilitator: int | None
    recorded_at: datetime


class VoiceQueries(DatabaseBase):
    async def voice_choice(self, participant_id: int) -> str:
        row = await self.read_one("SELECT voice FROM participants WHERE id = ?", (participant_id,))
        return str(row["voice"]) if row else "summary"

    async def set_voice_choice(self, participant_id: int, choice: str) -> bool:
        """Her choice; False when it was already that (nothing changed)."""
        if choice not in VOICE_CHOICES:
            raise ValueError(choice)
        return (
            await self.write_one(
                "UPDATE participants SET voice = ? WHERE id = ? AND voice != ?",
                (choice, participant_id, choice),
            )
            > 0
        )

    async def voice_choices(self, participant_ids: list[int]) -> dict[int, str]:
        if not participant_ids:
            return {}
        marks = ",".join("?" * len(participant_ids))
        rows = await self.read_all(
            f"SELECT id, voice FROM participants WHERE id IN ({marks})", tuple(participant_ids)
        )
        return {int(r["id"]): str(r["voice"]) for r in rows}

    async def recording(self, group_id: int, session_id: str) -> Recording | None:
        row = await self.read_one(
            "SELECT * FROM voice_recordings WHERE group_id = ? AND session_id = ?",
            (group_id, session_id),
        )
        if row is None:
            return None
        return Recording(
            group_id=row["group_id"],
            session_id=row["session_id"],
            file_id=row["file_id"],
            duration=row["duration"],
            recorded_by_participant=row["recorded_by_participant"],
            recorded_by_facilitator=row["recorded_by_facilitator"],
            recorded_at=from_db(row["recorded_at"]),
        )

    async def save_recording(
        self,
        group_ids: list[int],
        session_id: str,
        file_id: str,
        duration: int,
        *,
        participant_id: int | None,
        facilitator_id: int | None,
        now: datetime,
    ) -> None:
        """Her groups' voice summary of a session; a new one replaces the old."""
        async with self.tx() as tx:
            await tx.executemany(
                "INSERT INTO voice_recordings (group_id, session_id, file_id, duration,"
                " recorded_by_participant, recorded_by_facilitator, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (group_id, session_id) DO UPDATE SET file_id = excluded.file_id,"
                " duration = excluded.duration,"
                " recorded_by_participant = excluded.recorded_by_participant,"
                " recorded_by_facilitator = excluded.recorded_by_facilitator,"
                " recorded_at = excluded.recorded_at",
                [
                    (g, session_id, file_id, duration, participant_id, facilitator_id, to_db(now))
                    for g in group_ids
                ],
            )

    async def delete_recording(self, group_ids: list[int], session_id: str) -> int:
        if not group_ids:
            return 0
        marks = ",".join("?" * len(group_ids))
        async with self.tx() as tx:
            return await tx.changes(
                f"DELETE FROM voice_recordings WHERE session_id = ? AND group_id IN ({marks})",
                (session_id, *group_ids),
            )

    async def uploaded_voice(self, digest: str) -> str | None:
        row = await self.read_one("SELECT file_id FROM voice_uploads WHERE hash = ?", (digest,))
        return str(row["file_id"]) if row else None

    async def record_voice_upload(self, digest: str, file_id: str, now: datetime) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "INSERT INTO voice_uploads (hash, file_id, uploaded_at) VALUES (?, ?, ?)"
                " ON CONFLICT (hash) DO NOTHING",
                (digest, file_id, to_db(now)),
            )
