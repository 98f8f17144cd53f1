"""Quiz answers of /materi: a participant's answers are stored (for her data and the
facilitator's view of a group); a visitor's are not."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from db.models import Participant


class QuizStore(Protocol):
    """The query :class:`Quiz` needs (``db/quiz.py`` implements it)."""

    async def record_quiz_answer(
        self,
        participant_id: int,
        session_id: str,
        question: int,
        chosen: int,
        correct: bool,
        now: datetime,
    ) -> None: ...


class Quiz:
    def __init__(self, db: QuizStore) -> None:
        self._db = db

    async def answered(
        self,
        participant: Participant | None,
        session_id: str,
        question: int,
        chosen: int,
        correct: bool,
        now: datetime,
    ) -> bool:
        """Store her answer if she is an active participant; True if it was stored."""
        if participant is None or not participant.active:
            return False
        await self._db.record_quiz_answer(
            participant.id, session_id, question, chosen, correct, now
        )
        return True
