"""Rendering the P2K2 modules for reading in the chat, and the rules of the quiz.

Pure functions over the loaded :class:`~bot.content.Library` and the
:class:`~bot.i18n.Catalog`: no ``telegram`` import, no database. The
``/materi`` handlers render every screen here; other features (the summary
sent to members after a meeting) call :func:`session_summary_text`.

Long content texts (summary, key points, try-at-home, reflection,
explanation) are already valid Telegram HTML (checked by the content loader),
so they are passed as :class:`~bot.i18n.Html`; short texts (titles, questions,
options) are plain and escaped like any other value.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import Module, QuizQuestion, Session
from bot.i18n import Catalog, Html

MESSAGE_LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units


@dataclass(frozen=True)
class QuizStep:
    """A validated answer: the question, her option and whether it is right."""

    session: Session
    index: int  # 0-based question index
    chosen: int  # 0-based option index
    correct: bool

    @property
    def question(self) -> QuizQuestion:
        return self.session.quiz[self.index]

    @property
    def is_last(self) -> bool:
        return self.index + 1 >= len(self.session.quiz)


def check_answer(session: Session, index: int, chosen: int) -> QuizStep | None:
    """Her answer ``chosen`` to question ``index``, or None if either does not exist."""
    if not 0 <= index < len(session.quiz):
        return None
    question = session.quiz[index]
    if not 0 <= chosen < len(question.options):
        return None
    return QuizStep(session, index, chosen, chosen == question.answer)


def valid_position(session: Session, index: int, score: int) -> bool:
    """Question ``index`` exists, and ``score`` (right answers before it) is at most ``index``."""
    return 0 <= index < len(session.quiz) and 0 <= score <= index


# --------------------------------------------------------------------------- screens


def module_list_text(catalog: Catalog) -> str:
    return catalog.t("materi.modules")


def module_button(catalog: Catalog, module: Module) -> str:
    return catalog.t("materi.module_button", number=module.number, title=module.title)


def module_text(catalog: Catalog, module: Module) -> str:
    return catalog.t(
        "materi.module", number=module.number, title=module.title, description=module.description
    )


def session_button(catalog: Catalog, session: Session) -> str:
    return catalog.t("materi.session_button", number=session.number, title=session.title)


def session_card_text(catalog: Catalog, session: Session, module: Module) -> str:
    """The session card of /materi: title, module and summary."""
    return catalog.t(
        "materi.session_card",
        number=session.number,
        title=session.title,
        module_number=module.number,
        module=module.title,
        summary=Html(session.summary),
    )


def session_summary_text(catalog: Catalog, session: Session, module: Module) -> str:
    """The compact summary sent to members after a meeting (also to those who missed it):
    title, summary, "Coba di rumah" and the reflection question."""
    return catalog.t(
        "materi.summary",
        number=session.number,
        title=session.title,
        module_number=module.number,
        module=module.title,
        summary=Html(session.summary),
        try_at_home=Html(session.try_at_home),
        reflection=Html(session.reflection),
    )


def key_points_text(catalog: Catalog, session: Session) -> str:
    points = "\n".join(
        catalog.t("materi.key_point_item", point=Html(point)) for point in session.key_points
    )
    return catalog.t(
        "materi.key_points", number=session.number, title=session.title, points=Html(points)
    )


def try_at_home_text(catalog: Catalog, session: Session) -> str:
    return catalog.t(
        "materi.try_at_home",
        number=session.number,
        title=session.title,
        try_at_home=Html(session.try_at_home),
        reflection=Html(session.reflection),
    )


def question_text(catalog: Catalog, session: Session, index: int) -> str:
    question = session.quiz[index]
    return catalog.t(
        "materi.quiz_question",
        title=session.title,
        number=index + 1,
        total=len(session.quiz),
        question=question.question,
    )


def feedback_text(catalog: Catalog, step: QuizStep) -> str:
    """Right or not yet right, the right answer, and the explanation: never shaming."""
    question = step.question
    return catalog.t(
        "materi.quiz_right" if step.correct else "materi.quiz_wrong",
        title=step.session.title,
        number=step.index + 1,
        total=len(step.session.quiz),
        question=question.question,
        chosen=question.options[step.chosen],
        answer=question.correct_option,
        explanation=Html(question.explanation),
    )


def score_text(catalog: Catalog, correct: int, total: int) -> str:
    key = "materi.quiz_score_all" if correct >= total else "materi.quiz_score"
    return catalog.t(key, correct=correct, total=total)


def final_text(catalog: Catalog, step: QuizStep, correct: int) -> str:
    """The feedback on the last question followed by the score."""
    return catalog.t(
        "materi.quiz_done",
        feedback=Html(feedback_text(catalog, step)),
        score=Html(score_text(catalog, correct, len(step.session.quiz))),
    )
