"""User-facing text by key, from a gettext catalog read with Babel.

``locale/id/LC_MESSAGES/*.po`` (one file per key prefix) map keys (msgid, e.g. ``start.stranger``)
to Indonesian text (msgstr) with ``{placeholders}``. The catalog is read and
validated at start-up: a missing or empty text, a fuzzy entry or a broken
placeholder stops the bot before any user sees it.

Texts are Telegram HTML. Values passed to :meth:`Catalog.t` are HTML-escaped,
so a name like ``<b>Ani</b>`` is shown as typed and never as formatting; pass
:class:`Html` for a value that is already safe markup.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from bot.config import TIMEZONES

LOCALE = "id"
# The placeholder for how a member is addressed ("Ibu" or "Bapak", chosen at joining).
# A call that does not know the member leaves it out and gets the default, "Ibu".
ADDRESS_PLACEHOLDER = "sapaan"
DEFAULT_ADDRESS = "ibu"
_FORMATTER = string.Formatter()


class CatalogError(Exception):
    pass


class Html(str):
    """A value that is already valid Telegram HTML and must not be escaped."""

    __slots__ = ()


def escape(value: object) -> str:
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


def default_catalog_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "locale" / LOCALE / "LC_MESSAGES"


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in _FORMATTER.parse(text) if field}


def _read_po(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as handle:
            po = read_po(handle, locale=LOCALE)
    except Exception as exc:
        raise CatalogError(f"{path}: cannot be read: {exc}") from None
    messages: dict[str, str] = {}
    for message in po:
        key = message.id
        if not key:
            continue
        if not isinstance(key, str) or not isinstance(message.string, str):
            raise CatalogError(f"{path}: {key!r}: plural forms are not used here")
        if message.fuzzy:
            raise CatalogError(f"{path}: {key}: marked fuzzy, review the text first")
        if not message.string.strip():
            raise CatalogError(f"{path}: {key}: the text is empty")
        try:
            placeholders(message.string)
        except ValueError as exc:
            raise CatalogError(f"{path}: {key}: broken placeholder: {exc}") from None
        messages[key] = message.string
    return messages


class Catalog:
    def __init__(self, messages: Mapping[str, str], locale: str = LOCALE) -> None:
        self._messages = dict(messages)
        self.locale = Locale.parse(locale)

    @classmethod
    def load(cls, folder: Path | None = None) -> Catalog:
        """Read every ``*.po`` file of ``folder`` (one per key prefix); a key may appear once."""
        folder = folder or default_catalog_dir()
        files = sorted(folder.glob("*.po"))
        if not files:
            raise CatalogError(f"{folder}: no .po files")
        messages: dict[str, str] = {}
        for path in files:
            for key, text in _read_po(path).items():
                if key in messages:
                    raise CatalogError(f"{path}: {key}: defined in another .po file too")
                messages[key] = text
        return cls(messages)

    def keys(self) -> set[str]:
        return set(self._messages)

    def has(self, key: str) -> bool:
        return key in self._messages

    def t(self, key: str, /, **values: Any) -> str:
        """The text for ``key`` with escaped ``values`` filled in."""
        try:
            template = self._messages[key]
        except KeyError:
            raise KeyError(f"no text for key {key!r} in the catalog") from None
        filled = {name: escape(value) for name, value in values.items()}
        if ADDRESS_PLACEHOLDER not in filled and "{" + ADDRESS_PLACEHOLDER + "}" in template:
            filled[ADDRESS_PLACEHOLDER] = self.address(DEFAULT_ADDRESS)
        return template.format_map(filled)

    def address(self, address: str) -> str:
        """How a member is addressed: ``address.ibu`` ("Ibu") or ``address.bapak`` ("Bapak")."""
        key = f"address.{address}"
        return escape(self._messages.get(key) or self._messages[f"address.{DEFAULT_ADDRESS}"])

    def names(self, names: Sequence[str]) -> str:
        """Names as one phrase ("Siti dan Ani", "Siti, Ani, dan Dewi")."""
        return format_list(list(names), locale=self.locale) if names else ""

    # -- numbers, dates and times in the group's zone -----------------------------

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    def date(self, moment: datetime, tz: str) -> str:
        """``Sabtu, 5 Desember 2026``"""
        local = moment.astimezone(ZoneInfo(tz))
        return format_date(local.date(), "EEEE, d MMMM y", locale=self.locale)

    def short_date(self, moment: datetime, tz: str) -> str:
        """``5 Des 2026``"""
        local = moment.astimezone(ZoneInfo(tz))
        return format_date(local.date(), "d MMM y", locale=self.locale)

    def time(self, moment: datetime, tz: str) -> str:
        """``09.00 WIB``"""
        local = moment.astimezone(ZoneInfo(tz))
        return f"{format_time(local.time(), 'HH.mm', locale=self.locale)} {zone_label(tz)}"

    def datetime(self, moment: datetime, tz: str) -> str:
        """``Sabtu, 5 Desember 2026 pukul 09.00 WIB``"""
        local = moment.astimezone(ZoneInfo(tz))
        text = format_datetime(local, "EEEE, d MMMM y 'pukul' HH.mm", locale=self.locale)
        return f"{text} {zone_label(tz)}"


def zone_label(tz: str) -> str:
    return TIMEZONES.get(tz, tz)
