"""The small rules of the reports: a calendar month in a group's zone, the previous
month, reading "2026-12", a month's name, whole percentages, file names, and the recap's
text table packed into messages; an erased member's place in a list of names."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.i18n import LOCALE


def without_empty_names(names: Sequence[str], erased: str) -> tuple[str, ...]:
    """The names of a list, each member who erased her data (stored with an empty name)
    shown as ``erased`` after the others (so she is still counted), never as an empty
    entry."""
    named = tuple(n for n in names if n)
    return (*named, *([erased] * (len(names) - len(named))))


def month_window(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    """The local calendar month in ``tz`` as a UTC window ``[start, end)``."""
    zone = ZoneInfo(tz)
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    start = datetime.combine(first, time(0, 0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(following, time(0, 0), tzinfo=zone).astimezone(UTC)
    return start, end


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def parse_month(text: str) -> tuple[int, int] | None:
    """``2026-12`` or ``202612`` → (2026, 12); None when it is not a month."""
    match = re.fullmatch(r"(\d{4})-?(\d{2})", text.strip())
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        return None
    return year, month


def percent(part: int, whole: int) -> int | None:
    """A whole-number percentage, rounded half up; None without a whole."""
    if whole <= 0:
        return None
    return (part * 200 + whole) // (whole * 2)


def month_name(year: int, month: int) -> str:
    """``Desember 2026``"""
    return format_date(date(year, month, 1), "MMMM y", locale=LOCALE)


def safe_filename(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:40] or "pendamping"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def table_row(day: str, session: str, h: int, i: int, a: int, rate: int | None) -> str:
    """One line of the recap's <pre> table: 27 characters, fits a phone screen."""
    shown = "-" if rate is None else f"{rate}%"
    return f"{day:<6} {session:<4}{h:>3}{i:>3}{a:>3}{shown:>6}"


def pack(blocks: Iterable[str], limit: int, sep: str = "\n\n") -> list[str]:
    """Join blocks (by default with blank lines between them) into as few messages as fit
    under ``limit``."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{sep}{block}" if current else block
        if current and len(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages
