"""Queries for the /materi quiz: answers per participant and session, and group summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import aiosqlite

from db.base import DatabaseBase
from db.connection import from_db, to_db


@dataclass(frozen=True)
class QuizAnswer:
    participant_id: int
    session_id: str
    question: int  # 0-based index into the session's quiz
    chosen: int  # 0-based index into the question's options
    correct: bool
    answered_at: datetime


class QuizSummary(NamedTuple):
    """How a group did on one session's quiz (a named pair, so it also unpacks)."""

    participants: int  # active members who answered at least one question
    average_correct: float | None  # mean of their shares of correct answers, 0..1; None if none


def quiz_answer_from(row: aiosqlite.Row) -> QuizAnswer:
    return QuizAnswer(
        participant_id=row["participant_id"],
        session_id=row["session_id"],
        question=row["question"],
        chosen=row["chosen"],
        correct=bool(row["correct"]),
        answered_at=from_db(row["answered_at"]),
    )


class QuizQueries(DatabaseBase):
    async def record_quiz_answer(
        self,
        participant_id: int,
        session_id: str,
        question: int,
        chosen: int,
        correct: bool,
        now: datetime,
    ) -> None:
        """Store her answer to one question; a later answer to the same question replaces it."""
        async with self.tx() as tx:
            await tx.execute(
                "INSERT INTO quiz_answers"
                " (participant_id, session_id, question, chosen, correct, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (participant_id, session_id, question) DO UPDATE SET"
                " chosen = excluded.chosen, correct = excluded.correct,"
                " answered_at = excluded.answered_at",
                (participant_id, session_id, question, chosen, int(correct), to_db(now)),
            )

    async def quiz_results(self, participant_id: int, session_id: str) -> list[QuizAnswer]:
        """Her latest answers to one session's quiz, by question."""
        rows = await self.read_all(
            "SELECT * FROM quiz_answers WHERE participant_id = ? AND session_id = ?"
            " ORDER BY question",
            (participant_id, session_id),
        )
        return [quiz_answer_from(row) for row in rows]

    async def group_quiz_summary(self, group_id: int, session_id: str) -> QuizSummary:
        """Active members of the group who answered the session's quiz, and on average
        which share of their answers was correct."""
        row = await self.read_one(
            "SELECT COUNT(*) AS participants, AVG(share) AS average FROM ("
            " SELECT a.participant_id, AVG(a.correct) AS share"
            " FROM quiz_answers a JOIN participants p ON p.id = a.participant_id"
            " WHERE p.group_id = ? AND p.status = 'active' AND a.session_id = ?"
            " GROUP BY a.participant_id) AS shares",
            (group_id, session_id),
        )
        if row is None or not row["participants"]:
            return QuizSummary(0, None)
        return QuizSummary(int(row["participants"]), float(row["average"]))
