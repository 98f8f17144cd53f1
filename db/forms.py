"""Queries for the forms a facilitator files (issue 16): knowledge levels of the monthly
monitoring form, the semester ratings, the quiz scores a level is proposed from, and the
meetings a sub-district recap counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.base import DatabaseBase, placeholders
from db.connection import to_db


@dataclass(frozen=True)
class QuizScore:
    participant_id: int
    session_id: str
    answered: int
    correct: int


@dataclass(frozen=True)
class MeetingMark:
    """A mark at a finalized meeting, with what the monitoring form needs."""

    meeting_id: int
    participant_id: int
    name: str  # empty: she erased her data
    status: str


class FormQueries(DatabaseBase):
    async def final_marks(self, meeting_ids: Sequence[int]) -> list[MeetingMark]:
        """Every mark of the finalized meetings among ``meeting_ids``, by meeting, then name
        (erased members last)."""
        found: list[MeetingMark] = []
        ids = list(meeting_ids)
        async with self.tx(write=False) as tx:
            for i in range(0, len(ids), 500):  # SQLite's parameter limit
                chunk = ids[i : i + 500]
                rows = await tx.all(
                    "SELECT a.meeting_id, a.participant_id, p.name, a.status"
                    " FROM attendance a JOIN participants p ON p.id = a.participant_id"
                    " JOIN meetings m ON m.id = a.meeting_id"
                    f" WHERE a.meeting_id IN ({placeholders(len(chunk))})"
                    " AND m.status = 'held' AND m.finalized_at IS NOT NULL"
                    " ORDER BY m.starts_at, m.id, p.name = '', p.name COLLATE NOCASE, p.id",
                    chunk,
                )
                found.extend(
                    MeetingMark(r["meeting_id"], r["participant_id"], r["name"], r["status"])
                    for r in rows
                )
        return found

    async def quiz_scores(self, participant_ids: Sequence[int]) -> list[QuizScore]:
        """Their stored answers (the latest per question), counted per session's quiz."""
        found: list[QuizScore] = []
        ids = sorted(set(participant_ids))
        async with self.tx(write=False) as tx:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                rows = await tx.all(
                    "SELECT participant_id, session_id, count(*) AS answered,"
                    " sum(correct) AS correct FROM quiz_answers"
                    f" WHERE participant_id IN ({placeholders(len(chunk))})"
                    " GROUP BY participant_id, session_id",
                    chunk,
                )
                found.extend(
                    QuizScore(r["participant_id"], r["session_id"], r["answered"], r["correct"])
                    for r in rows
                )
        return found

    async def knowledge_levels(self, meeting_ids: Sequence[int]) -> dict[tuple[int, int], str]:
        """Confirmed levels by (meeting, participant)."""
        if not meeting_ids:
            return {}
        rows = await self.read_all(
            "SELECT meeting_id, participant_id, level FROM knowledge_levels"
            f" WHERE meeting_id IN ({placeholders(len(meeting_ids))})",
            list(meeting_ids),
        )
        return {(r["meeting_id"], r["participant_id"]): r["level"] for r in rows}

    async def set_knowledge_levels(
        self, meeting_id: int, levels: Sequence[tuple[int, str]], now: datetime, *, keep: bool
    ) -> int:
        """Set (participant, level) at a meeting, only for those marked there. ``keep``:
        leave a level already confirmed as it is. Returns the rows written."""
        written = 0
        async with self.tx() as tx:
            for participant_id, level in levels:
                conflict = "DO NOTHING" if keep else "DO UPDATE SET level = excluded.level,"
                if not keep:
                    conflict += " set_at = excluded.set_at"
                written += await tx.changes(
                    "INSERT INTO knowledge_levels (meeting_id, participant_id, level, set_at)"
                    " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM attendance"
                    "  WHERE meeting_id = ? AND participant_id = ?)"
                    f" ON CONFLICT (meeting_id, participant_id) {conflict}",
                    (meeting_id, participant_id, level, to_db(now), meeting_id, participant_id),
                )
        return written

    async def semester_ratings(
        self, participant_ids: Sequence[int], semester: str
    ) -> dict[tuple[int, str], str]:
        """Ratings by (participant, aspect) for one semester."""
        if not participant_ids:
            return {}
        rows = await self.read_all(
            "SELECT participant_id, aspect, level FROM semester_ratings WHERE semester = ?"
            f" AND participant_id IN ({placeholders(len(participant_ids))})",
            (semester, *participant_ids),
        )
        return {(r["participant_id"], r["aspect"]): r["level"] for r in rows}

    async def set_semester_rating(
        self, participant_id: int, semester: str, aspect: str, level: str, now: datetime
    ) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "INSERT INTO semester_ratings (participant_id, semester, aspect, level, set_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (participant_id, semester, aspect)"
                " DO UPDATE SET level = excluded.level, set_at = excluded.set_at",
                (participant_id, semester, aspect, level, to_db(now)),
            )

    async def cancelled_groups(
        self, group_ids: Sequence[int], start: datetime, end: datetime
    ) -> set[int]:
        """Groups with a cancelled meeting starting in ``[start, end)``."""
        if not group_ids:
            return set()
        rows = await self.read_all(
            f"SELECT DISTINCT group_id FROM meetings WHERE group_id IN"
            f" ({placeholders(len(group_ids))}) AND status = 'cancelled'"
            " AND starts_at >= ? AND starts_at < ?",
            (*group_ids, to_db(start), to_db(end)),
        )
        return {r["group_id"] for r in rows}
