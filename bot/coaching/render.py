"""Texts of coaching: the session guide, the self-check and its sentences for a report.

Pure functions over the content and the catalog (no ``telegram``, no database). Content
texts that allow tags are valid Telegram HTML already (checked by the loader) and pass as
:class:`~bot.i18n.Html`; names and places are escaped like any value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.callbacks import COACH_SELFCHECK
from bot.content import Session
from bot.guide import PLAN_STEPS
from bot.i18n import Catalog, Html
from db.coaching import CoachMeeting, SelfCheck

LARGE_GROUP = 25
"""A group with more members than this gets the small-circles section (issue 22)."""

CIRCLE_SIZE = 8
"""About how many mothers sit in one circle: small enough that everyone speaks."""

PLAN_KEYS = {
    "opening": "coach.plan_opening",
    "review": "coach.plan_review",
    "messages": "coach.plan_messages",
    "discussion": "coach.plan_discussion",
    "activity": "coach.plan_activity",
    "quiz": "coach.plan_quiz",
    "closing": "coach.plan_closing",
}
assert tuple(PLAN_KEYS) == PLAN_STEPS


@dataclass(frozen=True)
class Answer:
    code: str
    button: str  # catalog key of the button label
    sentence: str  # catalog key of the sentence for the report (SIKS-NG Uraian)


@dataclass(frozen=True)
class Question:
    field: str  # column in coach_selfchecks
    text: str  # catalog key
    answers: tuple[Answer, ...]

    def answer(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.code == code), None)


SELF_CHECK = (
    Question(
        "spoke",
        "coach.q_spoke",
        (
            Answer("most", "coach.a_spoke_most", "coach.sentence_spoke_most"),
            Answer("half", "coach.a_spoke_half", "coach.sentence_spoke_half"),
            Answer("few", "coach.a_spoke_few", "coach.sentence_spoke_few"),
        ),
    ),
    Question(
        "worked",
        "coach.q_worked",
        (
            Answer("opening", "coach.a_worked_opening", "coach.sentence_worked_opening"),
            Answer("discussion", "coach.a_worked_discussion", "coach.sentence_worked_discussion"),
            Answer("activity", "coach.a_worked_activity", "coach.sentence_worked_activity"),
            Answer("quiz", "coach.a_worked_quiz", "coach.sentence_worked_quiz"),
        ),
    ),
    Question(
        "obstacle",
        "coach.q_obstacle",
        (
            Answer("none", "coach.a_obstacle_none", "coach.sentence_obstacle_none"),
            Answer("time", "coach.a_obstacle_time", "coach.sentence_obstacle_time"),
            Answer("place", "coach.a_obstacle_place", "coach.sentence_obstacle_place"),
            Answer("late", "coach.a_obstacle_late", "coach.sentence_obstacle_late"),
            Answer("tools", "coach.a_obstacle_tools", "coach.sentence_obstacle_tools"),
        ),
    ),
)
"""The three one-tap questions after a meeting, each with its answers (stored codes)."""


def question(field: str) -> Question | None:
    return next((q for q in SELF_CHECK if q.field == field), None)


@dataclass(frozen=True)
class GroupContext:
    """What the guide sent for a meeting knows of its group."""

    name: str
    when: str  # the meeting's time, worded for her zone
    place: str
    members: int
    leader: str | None


def circles(members: int) -> tuple[int, int]:
    """(number of circles, about how many in each) for a group of ``members``."""
    count = max(2, math.ceil(members / CIRCLE_SIZE))
    return count, math.ceil(members / count)


def guide_text(
    catalog: Catalog,
    session: Session,
    group: GroupContext | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The whole guide of ``session``: for a meeting of ``group`` (with the small circles
    when the group is large) and the coordinator's ``notes``, or alone (from /materi)."""
    guide = session.guide
    t = catalog.t

    def items(texts: Sequence[str], *, html: bool = True, numbered: bool = False) -> Html:
        lines = [
            t("coach.numbered_item", number=i, text=Html(x) if html else x)
            if numbered
            else t("coach.item", text=Html(x) if html else x)
            for i, x in enumerate(texts, 1)
        ]
        return Html("\n".join(lines))

    plan = [
        t(PLAN_KEYS[step], minutes=minutes, text=Html(guide.opening))
        if step == "opening"
        else t(PLAN_KEYS[step], minutes=minutes)
        for step, minutes in zip(PLAN_STEPS, guide.plan, strict=True)
    ]
    parts = [t("coach.guide_title", number=session.number, title=session.title)]
    if group is not None:
        parts.append(
            t("coach.guide_for_meeting", group=group.name, when=group.when, place=group.place)
        )
    if notes:
        parts.append(t("coach.section_note", items=items(notes, html=False)))
    parts += [
        t("coach.section_aim", text=Html(guide.aim)),
        t("coach.section_messages", items=items(guide.key_messages)),
        t(
            "coach.section_plan",
            minutes=guide.total_minutes,
            items=items(plan, numbered=True),
        ),
        t("coach.section_questions", items=items(guide.questions, html=False, numbered=True)),
        t("coach.section_activity", text=Html(guide.activity)),
    ]
    if group is not None and group.members > LARGE_GROUP:
        count, size = circles(group.members)
        leaders = (
            t("coach.circles_with_leader", leader=group.leader)
            if group.leader
            else t("coach.circles_without_leader")
        )
        per_circle = "\n".join(
            t(
                "coach.circle_item",
                number=q + 1,
                circles=", ".join(
                    str(i + 1) for i in range(count) if i % len(guide.questions) == q
                ),
            )
            for q in range(min(count, len(guide.questions)))
        )
        parts.append(
            t(
                "coach.section_circles",
                members=group.members,
                circles=count,
                size=size,
                leaders=Html(leaders),
                items=Html(per_circle),
            )
        )
    quiz = [
        t("coach.quiz_item", question=q.question, answer=q.correct_option) for q in session.quiz
    ]
    parts += [
        t("coach.section_home", text=Html(session.try_at_home)),
        t("coach.section_quiz", items=items(quiz, numbered=True)),
        t("coach.section_bring", items=items(guide.bring, html=False)),
        t("coach.disclaimer"),
    ]
    return "\n\n".join(parts)


def selfcheck_sentences(
    catalog: Catalog, spoke: str | None, worked: str | None, obstacle: str | None
) -> list[str]:
    """The facilitator's self-check of one meeting as short Indonesian sentences, one per
    question she answered (for the SIKS-NG Uraian draft); unknown codes are left out."""
    sentences = []
    for q, code in zip(SELF_CHECK, (spoke, worked, obstacle), strict=True):
        answer = q.answer(code) if code else None
        if answer is not None:
            sentences.append(catalog.t(answer.sentence))
    return sentences


Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class SelfCheckScreen:
    text: str
    buttons: Buttons
    complete: bool


def selfcheck_screen(
    catalog: Catalog, meeting: CoachMeeting, answers: SelfCheck | None, editable: timedelta
) -> SelfCheckScreen:
    """The three questions after a closed meeting, her answers so far marked, two answer
    buttons a row."""
    assert meeting.finalized_at is not None
    t = catalog.t
    chosen = {
        q.field: getattr(answers, q.field) if answers is not None else None for q in SELF_CHECK
    }
    text = t(
        "coach.selfcheck_ask",
        group=meeting.group_name,
        when=catalog.datetime(meeting.starts_at, meeting.timezone),
        until=catalog.datetime(meeting.finalized_at + editable, meeting.timezone),
        questions="\n".join(t(q.text) for q in SELF_CHECK),
    )
    buttons: Buttons = []
    for q in SELF_CHECK:
        row: list[tuple[str, str]] = []
        for a in q.answers:
            label = t(a.button)
            if chosen[q.field] == a.code:
                label = t("coach.chosen", label=label)
            row.append((label, COACH_SELFCHECK.data(meeting.meeting_id, q.field, a.code)))
            if len(row) == 2:
                buttons.append(row)
                row = []
        if row:
            buttons.append(row)
    return SelfCheckScreen(text, buttons, all(chosen.values()))
