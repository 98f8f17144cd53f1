"""The facilitator's session guide: the ``[guide]`` table of a session file.

Every session in ``content/modules/`` carries a short guide for the facilitator who leads
it (issue 22): its aim, its key messages, a participatory opening, a plan of about two
hours in fixed steps (:data:`PLAN_STEPS`, minutes per step), two or three discussion
questions, one small-group activity, and what to bring. The home activity and the quiz
are the session's own ``try_at_home`` and ``[[quiz]]``, so they are written once.

The guide is the project's help for the facilitator, written from the facts in
CURRICULUM.md; it is not the official Kemensos session plan.

This module parses and checks the table; the content loader (:mod:`bot.content`) calls
:func:`parse_guide` with its own text check, so every problem is a ``ContentError``
naming the file and the field (``guide.plan``, ``guide.questions[2]``...). It imports
nothing of the bot (the loader imports it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PLAN_STEPS = ("opening", "review", "messages", "discussion", "activity", "quiz", "closing")
"""The steps of every plan, in order; ``plan`` gives the minutes of each."""

PLAN_TOTAL_MIN, PLAN_TOTAL_MAX = 120, 140  # CURRICULUM.md: sessions last 120 to 140 minutes
STEP_MIN, STEP_MAX = 5, 60
AIM_MAX = 300
KEY_MESSAGES_MIN, KEY_MESSAGES_MAX = 3, 4
KEY_MESSAGE_MAX = 200
OPENING_MAX = 400
QUESTIONS_MIN, QUESTIONS_MAX = 2, 3
QUESTION_MAX = 200
ACTIVITY_MAX = 500
BRING_MIN, BRING_MAX = 1, 5
BRING_ITEM_MAX = 80

FIELDS = ("aim", "key_messages", "opening", "plan", "questions", "activity", "bring")


@dataclass(frozen=True)
class Guide:
    aim: str
    key_messages: tuple[str, ...]
    opening: str
    plan: tuple[int, ...]  # minutes per step of PLAN_STEPS
    questions: tuple[str, ...]
    activity: str
    bring: tuple[str, ...]

    @property
    def total_minutes(self) -> int:
        return sum(self.plan)


class GuideProblem(Exception):
    """A problem in the ``[guide]`` table: ``field`` (below ``guide.``) and a message."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


TextCheck = Callable[[str, object, int, bool], str]
"""``(field, value, max length, tags allowed) -> the cleaned text``; raises on a problem."""


def parse_guide(data: object, text: TextCheck, duration: int | None = None) -> Guide:
    """The guide of a session from its ``[guide]`` table. ``text`` checks one text field
    (the loader's own check, which raises its ``ContentError``); ``duration`` is the
    session's ``duration_minutes``, which widens the range the plan must add up to."""
    if not isinstance(data, Mapping):
        raise GuideProblem("guide", "must be a table ([guide])")
    for key in data:
        if key not in FIELDS:
            known = ", ".join(FIELDS)
            raise GuideProblem(f"guide.{key}", f"unknown field (known fields: {known})")
    for key in FIELDS:
        if key not in data:
            raise GuideProblem(f"guide.{key}", "required field is missing")
    aim = text("guide.aim", data["aim"], AIM_MAX, True)
    key_messages = _texts(
        data, "key_messages", text, KEY_MESSAGES_MIN, KEY_MESSAGES_MAX, KEY_MESSAGE_MAX, True
    )
    opening = text("guide.opening", data["opening"], OPENING_MAX, True)
    plan = _plan(data["plan"], duration)
    questions = _texts(data, "questions", text, QUESTIONS_MIN, QUESTIONS_MAX, QUESTION_MAX, False)
    if len(set(questions)) != len(questions):
        raise GuideProblem("guide.questions", "questions must all be different")
    activity = text("guide.activity", data["activity"], ACTIVITY_MAX, True)
    bring = _texts(data, "bring", text, BRING_MIN, BRING_MAX, BRING_ITEM_MAX, False)
    return Guide(aim, key_messages, opening, plan, questions, activity, bring)


def _items(data: Mapping[str, Any], name: str, low: int, high: int) -> list[object]:
    value = data[name]
    if not isinstance(value, list):
        raise GuideProblem(f"guide.{name}", "must be a list")
    if not low <= len(value) <= high:
        raise GuideProblem(f"guide.{name}", f"has {len(value)} items; must have {low} to {high}")
    return value


def _texts(
    data: Mapping[str, Any],
    name: str,
    text: TextCheck,
    low: int,
    high: int,
    max_len: int,
    tags: bool,
) -> tuple[str, ...]:
    return tuple(
        text(f"guide.{name}[{i}]", item, max_len, tags)
        for i, item in enumerate(_items(data, name, low, high), 1)
    )


def _plan(value: object, duration: int | None) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) != len(PLAN_STEPS):
        raise GuideProblem(
            "guide.plan",
            f"must be a list of {len(PLAN_STEPS)} whole numbers, the minutes of: "
            + ", ".join(PLAN_STEPS),
        )
    for i, minutes in enumerate(value, 1):
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise GuideProblem(f"guide.plan[{i}]", "must be a whole number of minutes")
        if not STEP_MIN <= minutes <= STEP_MAX:
            raise GuideProblem(
                f"guide.plan[{i}]", f"{minutes} minutes is out of range {STEP_MIN}..{STEP_MAX}"
            )
    total = sum(value)
    low, high = PLAN_TOTAL_MIN, PLAN_TOTAL_MAX
    if duration is not None:  # a session with its own length: the plan may use it all
        low, high = min(low, duration), max(high, duration)
    if not low <= total <= high:
        raise GuideProblem(
            "guide.plan",
            f"adds up to {total} minutes; a session lasts {low} to {high} minutes",
        )
    return tuple(value)
