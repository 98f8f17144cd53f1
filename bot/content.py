"""The P2K2 module texts: loading and validating ``content/modules/``.

Layout (one directory per module, one TOML file per session)::

    content/modules/
      01-pengasuhan/module.toml      id, number, title, description, optional siks_materi
      01-pengasuhan/sesi-01.toml     one P2K2 session (see ``_SESSION_FIELDS``)
      ...

The module of a session is the directory it sits in, so a new module (for
example stunting prevention) is added by adding a directory with files: no
code change. Every problem raises :class:`ContentError`, whose message is one
line naming the file and the field, so a broken file fails loudly at start-up
before any participant sees it.

Texts are shown with Telegram's HTML parse mode. Long texts (summary, key
points, try-at-home, reflection, quiz explanation) may use ``<b>`` and ``<i>``
only; short texts that become buttons or titles (title, description, quiz
question and options) must be plain. Nothing is escaped, so ``<``, ``>`` and
``&`` may not appear outside those tags.

This module does not import ``telegram``: it is a domain service.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content_text import html_problem, utf16_len
from bot.guide import Guide, GuideProblem, parse_guide

MODULE_FILE = "module.toml"

ID_MAX_LEN = 16
SUMMARY_MAX = 1200  # room for the danger signs and helplines a session must carry
TITLE_MAX = 100
DESCRIPTION_MAX = 300
SIKS_MATERI_MAX = 300
KEY_POINTS_MIN, KEY_POINTS_MAX = 3, 5
KEY_POINT_MAX = 200
TRY_AT_HOME_MAX = 600
REFLECTION_MAX = 300
QUIZ_MIN, QUIZ_MAX = 2, 3
OPTIONS_MIN, OPTIONS_MAX = 2, 4
OPTION_MAX = 60
QUESTION_MAX = 300  # Telegram quiz poll: question 1-300 characters
EXPLANATION_MAX = 200  # Telegram quiz poll: explanation 0-200 characters
DURATION_MIN, DURATION_MAX = 1, 600
# Telegram allows 4096 characters per message; a rendered session must fit
# with headroom for the handler's own framing (headings, buttons' captions).
RENDER_BUDGET = 3500
RENDER_OVERHEAD = 200  # headings and line breaks a renderer adds around the texts

_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_MODULE_FIELDS: dict[str, bool] = {  # name -> required
    "id": True,
    "number": True,
    "title": True,
    "description": True,
    "siks_materi": False,
}
_SESSION_FIELDS: dict[str, bool] = {
    "id": True,
    "session": True,
    "title": True,
    "duration_minutes": False,
    "summary": True,
    "key_points": True,
    "try_at_home": True,
    "reflection": True,
    "guide": True,  # the facilitator's session guide, bot/guide.py
    "quiz": True,
}
_QUIZ_FIELDS: dict[str, bool] = {
    "question": True,
    "options": True,
    "answer": True,
    "explanation": True,
}


class ContentError(Exception):
    """A problem in a content file, worded as one line naming the file and the field."""

    def __init__(self, path: Path, field: str, message: str) -> None:
        self.path = path
        self.field = field
        self.message = " ".join(message.split())  # always one line
        super().__init__(f"{path}: field '{field}': {self.message}")


@dataclass(frozen=True)
class QuizQuestion:
    question: str
    options: tuple[str, ...]
    answer: int  # 0-based index into options
    explanation: str

    @property
    def correct_option(self) -> str:
        return self.options[self.answer]


@dataclass(frozen=True)
class Session:
    id: str
    module_id: str
    number: int
    title: str
    summary: str
    key_points: tuple[str, ...]
    try_at_home: str
    reflection: str
    quiz: tuple[QuizQuestion, ...]
    duration_minutes: int | None
    path: Path
    guide: Guide  # the facilitator's session guide (bot/guide.py)


@dataclass(frozen=True)
class Module:
    id: str
    number: int
    title: str
    description: str
    sessions: tuple[Session, ...]
    siks_materi: str = ""
    """The SIKS-NG "Materi" value this module is filed under; empty: the form's default
    (``content/forms/siks_kegiatan.toml``, ``default_materi``)."""


@dataclass(frozen=True)
class Library:
    modules: tuple[Module, ...]  # sorted by number; each module's sessions sorted by number
    _by_module_id: dict[str, Module] = field(init=False, repr=False, compare=False)
    _by_session_id: dict[str, Session] = field(init=False, repr=False, compare=False)
    _by_number: dict[int, Session] = field(init=False, repr=False, compare=False)
    _sessions: tuple[Session, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sessions = tuple(sorted((s for m in self.modules for s in m.sessions), key=_number))
        object.__setattr__(self, "_sessions", sessions)
        object.__setattr__(self, "_by_module_id", {m.id: m for m in self.modules})
        object.__setattr__(self, "_by_session_id", {s.id: s for s in sessions})
        object.__setattr__(self, "_by_number", {s.number: s for s in sessions})

    @property
    def sessions(self) -> tuple[Session, ...]:
        """All sessions of all modules, by session number."""
        return self._sessions

    def module(self, module_id: str) -> Module | None:
        return self._by_module_id.get(module_id)

    def session(self, session_id: str) -> Session | None:
        return self._by_session_id.get(session_id)

    def session_by_number(self, number: int) -> Session | None:
        return self._by_number.get(number)

    def module_of(self, session: Session) -> Module | None:
        return self._by_module_id.get(session.module_id)

    def next_session(self, done: Iterable[str]) -> Session | None:
        """The lowest-numbered session whose id is not in ``done``, or None if all are done."""
        done_ids = set(done)
        return next((s for s in self._sessions if s.id not in done_ids), None)


def _number(session: Session) -> int:
    return session.number


def default_content_dir() -> Path:
    """The repository's ``content/modules`` directory."""
    return Path(__file__).resolve().parent.parent / "content" / "modules"


# --------------------------------------------------------------------------- length


def render_length(session: Session) -> int:
    """A generous estimate of the length of the session rendered as one message.

    Counts UTF-16 code units (as Telegram does), tags included, plus an allowance
    for the headings and line breaks a renderer adds.
    """
    texts = [
        session.title,
        session.summary,
        *session.key_points,
        session.try_at_home,
        session.reflection,
    ]
    return sum(utf16_len(t) for t in texts) + 4 * len(session.key_points) + RENDER_OVERHEAD


# --------------------------------------------------------------------------- loading


def load_library(root: Path) -> Library:
    """Load and validate every module under ``root``; raise ContentError on the first problem."""
    if not root.is_dir():
        raise ContentError(root, "<dir>", "content directory does not exist")
    module_dirs = sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    if not module_dirs:
        raise ContentError(root, "<dir>", "no module directories found")

    modules: list[Module] = []
    module_ids: dict[str, Path] = {}
    module_numbers: dict[int, Path] = {}
    session_ids: dict[str, Path] = {}
    session_numbers: dict[int, Path] = {}
    for module_dir in module_dirs:
        module_path = module_dir / MODULE_FILE
        if not module_path.is_file():
            raise ContentError(module_path, "<file>", f"missing {MODULE_FILE} in {module_dir}")
        data = _read_toml(module_path)
        _check_fields(module_path, "", data, _MODULE_FIELDS)
        module_id = _id(module_path, "id", data["id"])
        number = _int(module_path, "number", data["number"], 1, 1000)
        title = _text(module_path, "title", data["title"], TITLE_MAX, allow_tags=False)
        description = _text(
            module_path, "description", data["description"], DESCRIPTION_MAX, allow_tags=False
        )
        siks_materi = (
            _text(
                module_path, "siks_materi", data["siks_materi"], SIKS_MATERI_MAX, allow_tags=False
            )
            if "siks_materi" in data
            else ""
        )
        _unique(module_path, "id", module_id, module_ids, "module id")
        _unique(module_path, "number", number, module_numbers, "module number")

        session_paths = sorted(p for p in module_dir.glob("*.toml") if p.name != MODULE_FILE)
        if not session_paths:
            raise ContentError(
                module_path, "sessions", f"module has no session files (*.toml) in {module_dir}"
            )
        sessions: list[Session] = []
        for session_path in session_paths:
            session = _load_session(session_path, module_id)
            _unique(session_path, "id", session.id, session_ids, "session id")
            _unique(session_path, "session", session.number, session_numbers, "session number")
            sessions.append(session)
        sessions.sort(key=_number)
        modules.append(Module(module_id, number, title, description, tuple(sessions), siks_materi))

    modules.sort(key=lambda m: m.number)
    return Library(tuple(modules))


def _load_session(path: Path, module_id: str) -> Session:
    data = _read_toml(path)
    _check_fields(path, "", data, _SESSION_FIELDS)
    session_id = _id(path, "id", data["id"])
    number = _int(path, "session", data["session"], 1, 10_000)
    title = _text(path, "title", data["title"], TITLE_MAX, allow_tags=False)
    duration: int | None = None
    if "duration_minutes" in data:
        duration = _int(
            path, "duration_minutes", data["duration_minutes"], DURATION_MIN, DURATION_MAX
        )
    summary = _text(path, "summary", data["summary"], SUMMARY_MAX)
    key_points = tuple(
        _text(path, f"key_points[{i}]", item, KEY_POINT_MAX)
        for i, item in enumerate(
            _list(path, "key_points", data["key_points"], KEY_POINTS_MIN, KEY_POINTS_MAX), 1
        )
    )
    try_at_home = _text(path, "try_at_home", data["try_at_home"], TRY_AT_HOME_MAX)
    reflection = _text(path, "reflection", data["reflection"], REFLECTION_MAX)
    quiz = tuple(
        _quiz_question(path, f"quiz[{i}]", item)
        for i, item in enumerate(_list(path, "quiz", data["quiz"], QUIZ_MIN, QUIZ_MAX), 1)
    )
    session = Session(
        id=session_id,
        module_id=module_id,
        number=number,
        title=title,
        summary=summary,
        key_points=key_points,
        try_at_home=try_at_home,
        reflection=reflection,
        quiz=quiz,
        duration_minutes=duration,
        path=path,
        guide=_guide(path, data["guide"], duration),
    )
    length = render_length(session)
    if length > RENDER_BUDGET:
        raise ContentError(
            path,
            "summary",
            f"title, summary, key points, try_at_home and reflection together render to "
            f"about {length} characters; keep them under {RENDER_BUDGET} (Telegram's limit "
            f"is 4096)",
        )
    return session


def _guide(path: Path, data: object, duration: int | None) -> Guide:
    def text(name: str, value: object, max_len: int, tags: bool) -> str:
        return _text(path, name, value, max_len, allow_tags=tags)

    try:
        return parse_guide(data, text, duration)
    except GuideProblem as e:
        raise ContentError(path, e.field, e.message) from e


def _quiz_question(path: Path, name: str, data: object) -> QuizQuestion:
    if not isinstance(data, Mapping):
        raise ContentError(path, name, "must be a table ([[quiz]])")
    _check_fields(path, f"{name}.", data, _QUIZ_FIELDS)
    question = _text(path, f"{name}.question", data["question"], QUESTION_MAX, allow_tags=False)
    raw_options = _list(path, f"{name}.options", data["options"], OPTIONS_MIN, OPTIONS_MAX)
    options = tuple(
        _text(path, f"{name}.options[{i}]", item, OPTION_MAX, allow_tags=False)
        for i, item in enumerate(raw_options, 1)
    )
    if len(set(options)) != len(options):
        raise ContentError(path, f"{name}.options", "options must all be different")
    answer = _int(path, f"{name}.answer", data["answer"], 1, len(options))
    explanation = _text(path, f"{name}.explanation", data["explanation"], EXPLANATION_MAX)
    return QuizQuestion(question, options, answer - 1, explanation)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ContentError(path, "<file>", f"invalid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise ContentError(path, "<file>", f"not valid UTF-8: {e}") from e
    except OSError as e:
        raise ContentError(path, "<file>", f"cannot read: {e.strerror or e}") from e


def _check_fields(
    path: Path, prefix: str, data: Mapping[str, Any], fields: Mapping[str, bool]
) -> None:
    for key in data:
        if key not in fields:
            known = ", ".join(fields)
            raise ContentError(path, f"{prefix}{key}", f"unknown field (known fields: {known})")
    for key, required in fields.items():
        if required and key not in data:
            raise ContentError(path, f"{prefix}{key}", "required field is missing")


def _unique(path: Path, name: str, value: object, seen: dict[Any, Path], what: str) -> None:
    if value in seen:
        raise ContentError(path, name, f"duplicate {what} {value!r} (also in {seen[value]})")
    seen[value] = path


def _id(path: Path, name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ContentError(path, name, f"must be a string, not {_type_name(value)}")
    if len(value) > ID_MAX_LEN or not _ID_RE.match(value):
        raise ContentError(
            path,
            name,
            f"{value!r} is not a valid id: use a-z, 0-9 and '-', at most {ID_MAX_LEN} characters",
        )
    return value


def _int(path: Path, name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(path, name, f"must be a whole number, not {_type_name(value)}")
    if not low <= value <= high:
        raise ContentError(path, name, f"{value} is out of range {low}..{high}")
    return value


def _text(path: Path, name: str, value: object, max_len: int, *, allow_tags: bool = True) -> str:
    if not isinstance(value, str):
        raise ContentError(path, name, f"must be a string, not {_type_name(value)}")
    text = value.strip()
    if not text:
        raise ContentError(path, name, "must not be empty")
    if len(text) > max_len:
        raise ContentError(path, name, f"is {len(text)} characters; at most {max_len} allowed")
    problem = html_problem(text, allow_tags=allow_tags)
    if problem is not None:
        raise ContentError(path, name, problem)
    return text


def _list(path: Path, name: str, value: object, low: int, high: int) -> list[object]:
    if not isinstance(value, list):
        raise ContentError(path, name, f"must be a list, not {_type_name(value)}")
    if not low <= len(value) <= high:
        raise ContentError(path, name, f"has {len(value)} items; must have {low} to {high}")
    return value


def _type_name(value: object) -> str:
    names = {
        bool: "true/false",
        int: "a number",
        float: "a decimal number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
