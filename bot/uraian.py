"""The Uraian of a meeting's SIKS-NG record: drafted from what the bot knows, in plain
Indonesian, always within the form's limit.

No Telegram here. The draft is built from parts (the process, the material, participation,
results, problems and follow-up, the facilitator's note, then any ``extra`` sentences of
another feature) and fits the limit: the key points are dropped one by one from the end,
then the note and the extra sentences are shortened at a word, and as a last resort the
text is cut at a word with an ellipsis.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from db.quiz import QuizSummary

ELLIPSIS = "…"
_TAG_RE = re.compile(r"</?[a-z]+>")


def strip_tags(text: str) -> str:
    """Content text without its ``<b>``/``<i>`` tags."""
    return _TAG_RE.sub("", text)


@dataclass(frozen=True)
class UraianFacts:
    """What the bot knows about a meeting, for its Uraian."""

    group: str
    date: str
    start: str
    end: str
    place: str
    facilitator: str
    module: str
    session: str
    key_points: tuple[str, ...]
    total: int
    present: int
    sick: int
    excused: int
    absent: int
    quiz: QuizSummary
    followups: int
    note: str | None


Text = Callable[..., str]


def plain(t: Text, key: str, **values: Any) -> str:
    """A catalog text as plain text (the catalog escapes values for Telegram HTML)."""
    return html.unescape(_TAG_RE.sub("", t(key, **values)))


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters at a word, with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ""
    cut = text[: limit - len(ELLIPSIS)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + ELLIPSIS


def draft_uraian(t: Text, facts: UraianFacts, limit: int, extra: Sequence[str] = ()) -> str:
    """The Uraian: process, material, participation, results, problems and follow-up, her
    note, then ``extra`` sentences; at most ``limit`` characters, always."""
    process = plain(
        t,
        "siks.uraian_process",
        group=facts.group,
        date=facts.date,
        start=facts.start,
        end=facts.end,
        place=facts.place,
        facilitator=facts.facilitator,
    )
    attended = plain(
        t,
        "siks.uraian_participation",
        total=facts.total,
        present=facts.present,
        sick=facts.sick,
        excused=facts.excused,
        absent=facts.absent,
    )
    if facts.quiz.participants and facts.quiz.average_correct is not None:
        results = plain(
            t,
            "siks.uraian_quiz",
            count=facts.quiz.participants,
            score=round(facts.quiz.average_correct * 100),
        )
    else:
        results = plain(t, "siks.uraian_no_quiz")
    followup = (
        plain(t, "siks.uraian_followups", count=facts.followups)
        if facts.followups
        else plain(t, "siks.uraian_no_followups")
    )
    note = plain(t, "siks.uraian_note", note=facts.note) if facts.note else ""
    points = list(facts.key_points)

    def material() -> str:
        if points:
            return plain(
                t,
                "siks.uraian_material_points",
                module=facts.module,
                session=facts.session,
                points="; ".join(p.rstrip(".") for p in points),
            )
        return plain(t, "siks.uraian_material", module=facts.module, session=facts.session)

    def joined(note_text: str, extras: Sequence[str]) -> str:
        parts = [process, material(), attended, results, followup, note_text, *extras]
        return " ".join(p.strip() for p in parts if p.strip())

    extras = [e.strip() for e in extra if e.strip()]
    text = joined(note, extras)
    while len(text) > limit and points:
        points.pop()
        text = joined(note, extras)
    if len(text) > limit and (note or extras):
        fixed = len(joined("", ()))
        room = max(0, limit - fixed - 1)
        note_room = room if not extras else room // 2
        note = cut(note, note_room) if note else ""
        room -= len(note) + (1 if note else 0)
        kept: list[str] = []
        for sentence in extras:
            piece = cut(sentence, room)
            if not piece:
                break
            kept.append(piece)
            room -= len(piece) + 1
        text = joined(note, kept)
    return cut(text, limit)
