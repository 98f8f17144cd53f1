"""Reading one table of ``config.toml`` with its checks: the error naming the file and
the key, the typed readers, durations ("30m", "7d"), times ("21:00") and days off.
``bot/config.py`` builds the settings with them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

_DURATION_RE = re.compile(r"^(\d+)\s*([dhms])$")
_HHMM_RE = re.compile(r"^([01]\d|2[0-3])[:.]([0-5]\d)$")


class ConfigError(Exception):
    """A configuration problem, worded as one line for the person running the bot."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        super().__init__(f"{self.path}: {key}: {message}")


class Reader:
    """Reads one TOML table, remembering which keys were used, to name bad keys."""

    def __init__(self, path: Path, section: str, data: Mapping[str, Any]) -> None:
        self.path = path
        self.section = section
        self.data = data
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"[{self.section}] {name}" if self.section else name

    def fail(self, name: str, message: str) -> ConfigError:
        return ConfigError(self.path, self.key(name), message)

    def _get(self, name: str, default: Any) -> Any:
        self.used.add(name)
        return self.data.get(name, default)

    def str_(self, name: str, default: str, *, choices: tuple[str, ...] = ()) -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string, got {type(value).__name__}")
        if choices and value not in choices:
            raise self.fail(name, f"must be one of {', '.join(repr(c) for c in choices)}")
        return value

    def int_(self, name: str, default: int, *, low: int, high: int) -> int:
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise self.fail(name, f"must be between {low} and {high}, got {value}")
        return value

    def float_(self, name: str, default: float, *, low: float, high: float) -> float:
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, f"must be a number, got {value!r}")
        if not low <= value <= high:
            raise self.fail(name, f"must be between {low} and {high}, got {value}")
        return float(value)

    def bool_(self, name: str, default: bool) -> bool:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def table(self, name: str) -> Reader:
        value = self._get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table")
        section = f"{self.section}.{name}" if self.section else name
        return Reader(self.path, section, value)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], "unknown key (check the spelling)")


def parse_duration(text: str) -> timedelta:
    """``"3d"``, ``"2h"``, ``"30m"``, ``"45s"`` -> timedelta; ValueError otherwise."""
    match = _DURATION_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    amount, unit = int(match.group(1)), match.group(2)
    return {
        "d": timedelta(days=amount),
        "h": timedelta(hours=amount),
        "s": timedelta(seconds=amount),
    }.get(unit, timedelta(minutes=amount))


def read_duration(reader: Reader, name: str, default: str) -> timedelta:
    text = reader.str_(name, default)
    try:
        return parse_duration(text)
    except ValueError:
        raise reader.fail(
            name, f'must be a duration like "30m", "2h" or "7d", got {text!r}'
        ) from None


def read_days_off(reader: Reader) -> tuple[tuple[date, str], ...]:
    """``days_off = ["2026-12-24 Cuti bersama Natal", "2027-04-10"]``: a date, then an
    optional name."""
    raw = reader._get("days_off", [])
    example = 'must be a list like ["2026-12-24 Cuti bersama", "2027-04-10"]'
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise reader.fail("days_off", example)
    found: list[tuple[date, str]] = []
    for item in raw:
        head, _, name = item.strip().partition(" ")
        try:
            day = date.fromisoformat(head)
        except ValueError:
            raise reader.fail("days_off", f"{item!r}: {example}") from None
        found.append((day, name.strip()))
    return tuple(sorted(found))


def read_hhmm(reader: Reader, name: str, default: str) -> time:
    text = reader.str_(name, default)
    match = _HHMM_RE.match(text)
    if not match:
        raise reader.fail(name, f'must be a time like "21:00", got {text!r}')
    return time(int(match.group(1)), int(match.group(2)))
