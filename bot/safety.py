"""A member who asks for help: violence at home or against a child.

When a member's free text contains one of the reviewed phrases of
``locale/id/help_phrases.toml``, the bot answers her at once, discreetly, with SAPA 129,
and queues a private note to her facilitator that she may need a careful personal
contact (at most one a day per member). Her words are never stored, logged, quoted or
forwarded: only the fact that she asked, in the facilitator's note.

This module does not import ``telegram``: it is a domain service.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.i18n import Catalog, default_catalog_dir
from db.models import Facilitator, Group, Participant
from db.outbox import NewMessage

NOTICE_KIND = "help_notice"
_NOT_WORD_RE = re.compile(r"[^\w]+|_+")
_DI_RE = re.compile(r"\bdi (?=\w)")


class PhrasesError(Exception):
    pass


def default_phrases_file() -> Path:
    return default_catalog_dir().parent / "help_phrases.toml"


def normalize(text: str) -> str:
    """Lower case, words separated by single spaces, "di pukul" joined to "dipukul"."""
    words = " ".join(_NOT_WORD_RE.sub(" ", text.lower()).split())
    return _DI_RE.sub("di", words)


@dataclass(frozen=True)
class HelpPhrases:
    phrases: tuple[str, ...]
    ignore: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path | None = None) -> HelpPhrases:
        path = path or default_phrases_file()
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PhrasesError(f"{path}: cannot be read: {exc}") from None
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("phrases", "ignore"):
            value = data.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise PhrasesError(f"{path}: field '{name}' must be a list of strings")
            lists[name] = tuple(p for p in (normalize(v) for v in value) if p)
        if not lists["phrases"]:
            raise PhrasesError(f"{path}: field 'phrases' is empty")
        return cls(lists["phrases"], lists["ignore"])

    def matches(self, text: str) -> bool:
        padded = f" {normalize(text)} "
        for phrase in self.ignore:
            padded = padded.replace(f" {phrase} ", " ")
        return any(f" {phrase} " in padded for phrase in self.phrases)


class SafetyStore(Protocol):
    """The queries this service needs (implemented in ``db/``)."""

    async def enqueue(
        self, rows: Iterable[NewMessage], now: datetime, *, chunk_size: int = ...
    ) -> int: ...

    async def facilitator(self, facilitator_id: int) -> Facilitator | None: ...


class Safety:
    def __init__(
        self,
        db: SafetyStore,
        catalog: Catalog,
        phrases: HelpPhrases,
        *,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self.phrases = phrases
        self._on_enqueued = on_enqueued

    def asks_for_help(self, text: str) -> bool:
        return self.phrases.matches(text)

    async def tell_facilitator(
        self, participant: Participant, group: Group, now: datetime
    ) -> bool:
        """Queue the private note to her facilitator; False if one went out today already."""
        facilitator = await self._db.facilitator(group.facilitator_id)
        if facilitator is None:
            return False
        day = now.astimezone(ZoneInfo(group.timezone)).date().isoformat()
        text = self._catalog.t(
            "safety.facilitator_notice",
            name=participant.name,
            group=group.name,
            sapaan=self._catalog.address(participant.address),
        )
        message = NewMessage(
            f"help:{participant.id}:{day}",
            facilitator.telegram_id,
            None,
            NOTICE_KIND,
            text,
            None,
            now,
        )
        queued = await self._db.enqueue([message], now) > 0
        if queued:
            self._on_enqueued()
        return queued
