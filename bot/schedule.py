"""The pure time rules of meetings and reminders.

No Telegram, no database, no wall clock: every function that needs the present
takes ``now`` (an aware datetime) as an argument, so tests control time exactly.
Moments are exchanged as aware UTC datetimes; local dates and times are always
those of the group's zone (``Asia/Jakarta`` WIB, ``Asia/Makassar`` WITA,
``Asia/Jayapura`` WIT).

Contents:

* :func:`parse_when`, :func:`parse_date`, :func:`parse_time`: what a facilitator
  types ("5/12 09.00", "5 Des jam 9", "Selasa, 5 Desember 2026 pukul 09.00").
* :class:`MonthlyPattern`: "Selasa kedua setiap bulan, pukul 09.00".
* :func:`shift_out_of_quiet`, :func:`reminder_slots`, :func:`decide`,
  :func:`next_due`: when reminders are due and which one to send after downtime.
* :func:`checkin_window`, :func:`calendar_days`, :data:`COMMON_TIMES`,
  :func:`local_to_utc`: small helpers for the check-in window and date buttons.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "COMMON_TIMES",
    "MAX_AHEAD",
    "ORDINALS_ID",
    "WEEKDAYS_ID",
    "MonthlyPattern",
    "QuietHold",
    "WhenError",
    "calendar_days",
    "checkin_window",
    "local_to_utc",
    "parse_date",
    "parse_time",
    "parse_when",
    "quiet_hold",
    "shift_out_of_quiet",
    "to_local",
]

WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
"""Indonesian weekday names, index 0 = Monday (as :meth:`date.weekday`)."""

ORDINALS_ID = {1: "pertama", 2: "kedua", 3: "ketiga", 4: "keempat", -1: "terakhir"}
"""Indonesian ordinals for :attr:`MonthlyPattern.nth`."""

COMMON_TIMES = (time(8, 0), time(9, 0), time(10, 0), time(13, 0), time(14, 0), time(15, 30))
"""Usual P2K2 meeting times, offered as buttons (morning, or after midday prayer)."""

MAX_AHEAD = timedelta(days=366)
"""How far ahead a typed date may lie."""

ZONE_ABBREVIATIONS = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}


class WhenError(StrEnum):
    """Why a typed date or time was not accepted (the value doubles as a message key)."""

    FORMAT = "format"
    """Not a date/time this module understands ("besok", "25:00", no time given)."""
    IMPOSSIBLE = "impossible"
    """Shaped like a date, but no such day exists ("31/2", "5/13", "29/2/2027")."""
    WEEKDAY = "weekday"
    """A weekday was typed with the date and it does not match ("Senin 5/12/2026")."""
    PAST = "past"
    """The moment (or day) has already passed."""
    TOO_FAR = "too_far"
    """More than :data:`MAX_AHEAD` ahead."""


# --------------------------------------------------------------------------- zones


def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {moment!r}")


def to_local(moment: datetime, tz: str) -> datetime:
    """``moment`` (aware) as a local datetime in the zone ``tz``."""
    _require_aware(moment, "moment")
    return moment.astimezone(_zone(tz))


def local_to_utc(d: date, t: time, tz: str) -> datetime:
    """The local wall-clock ``d`` ``t`` in ``tz`` as an aware UTC datetime.

    ``t`` must be naive (a wall-clock time). Indonesian zones have no daylight
    saving time, so every local time exists exactly once.
    """
    if t.tzinfo is not None:
        raise ValueError("local_to_utc needs a naive wall-clock time")
    return datetime.combine(d, t, tzinfo=_zone(tz)).astimezone(UTC)


# ------------------------------------------------------------------------- parsing

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("januari", "jan"),
        ("februari", "pebruari", "feb", "peb"),
        ("maret", "mar"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "jun"),
        ("juli", "jul"),
        ("agustus", "agu", "agt", "ags", "agus", "aug"),
        ("september", "sep", "sept"),
        ("oktober", "okt", "oct"),
        ("november", "nopember", "nov", "nop"),
        ("desember", "des", "dec"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_WEEKDAY_NAMES = {name.lower(): index for index, name in enumerate(WEEKDAYS_ID)}
_WEEKDAY_NAMES.update({"jum'at": 4, "ahad": 6})

# Hours a day period may mean, as a 24-hour range: "2 siang" is 14, "7 malam" is 19.
_PERIODS = {"pagi": (0, 11), "siang": (11, 15), "sore": (15, 18), "malam": (18, 23)}

_WEEKDAY_RE = (
    r"(?:(?:hari\s*)?(?P<weekday>"
    + "|".join(sorted(map(re.escape, _WEEKDAY_NAMES), key=len, reverse=True))
    + r")\s+)?"
)
_DATE_RE = (
    r"(?:(?:tanggal|tgl)\.?\s*)?"
    r"(?:"
    r"(?P<day>\d{1,2})\s*[/.-]\s*(?P<month>\d{1,2})(?:\s*[/.-]\s*(?P<year>\d{4}|\d{2}))?"
    r"|"
    r"(?P<nday>\d{1,2})\s*[\s/-]\s*(?P<mname>[a-z]+)\.?(?:\s*[\s/-]\s*(?P<nyear>\d{4}))?"
    r")"
)
_TIME_RE = (
    r"(?:(?:pukul|pkl|jam|jm)\.?\s*)?"
    r"(?P<hour>\d{1,2})(?:\s*[.:]\s*(?P<minute>\d{2}))?"
    r"(?:\s*(?P<period>pagi|siang|sore|malam))?"
    r"(?:\s*(?P<zone>wita|wib|wit))?"
)
_WHEN = re.compile(rf"{_WEEKDAY_RE}{_DATE_RE}\s+{_TIME_RE}")
_DATE_ONLY = re.compile(rf"{_WEEKDAY_RE}{_DATE_RE}")
_TIME_ONLY = re.compile(_TIME_RE)


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace(",", " ").split())


@dataclass(frozen=True)
class _TypedDate:
    day: int
    month: int
    year: int | None
    weekday: int | None


def _date_fields(match: re.Match[str]) -> _TypedDate | WhenError:
    weekday: int | None = None
    if match["weekday"] is not None:
        if match["weekday"] not in _WEEKDAY_NAMES:
            return WhenError.FORMAT
        weekday = _WEEKDAY_NAMES[match["weekday"]]
    if match["day"] is not None:
        day, month = int(match["day"]), int(match["month"])
        year_text = match["year"]
    else:
        if match["mname"] not in _MONTHS:
            return WhenError.FORMAT
        day, month = int(match["nday"]), _MONTHS[match["mname"]]
        year_text = match["nyear"]
    year: int | None = None
    if year_text is not None:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    return _TypedDate(day, month, year, weekday)


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve_date(typed: _TypedDate, today: date) -> date | WhenError:
    """The calendar day meant by ``typed``, seen from the local ``today``.

    Without a year, the occurrence nearest to today is meant (on a tie, the
    future one): "5/1" typed on 30 Nov 2026 is 5 Jan 2027, while yesterday's
    date stays yesterday (and is then refused as past) instead of silently
    becoming a date almost a year away.
    """
    if typed.year is not None:
        resolved = _valid_date(typed.year, typed.month, typed.day)
        if resolved is None:
            return WhenError.IMPOSSIBLE
    else:
        candidates = [
            found
            for year in (today.year - 1, today.year, today.year + 1)
            if (found := _valid_date(year, typed.month, typed.day)) is not None
        ]
        if not candidates:
            return WhenError.IMPOSSIBLE
        resolved = min(candidates, key=lambda c: (abs((c - today).days), c < today))
    if typed.weekday is not None and resolved.weekday() != typed.weekday:
        return WhenError.WEEKDAY
    return resolved


def _time_fields(match: re.Match[str]) -> time | None:
    hour = int(match["hour"])
    minute = int(match["minute"]) if match["minute"] is not None else 0
    period = match["period"]
    if period is not None:
        low, high = _PERIODS[period]
        if not low <= hour <= high:
            if hour < 12 and low <= hour + 12 <= high:
                hour += 12
            else:
                return None
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_time(text: str, tz: str | None = None) -> time | None:
    """A typed time of day ("09.00", "9:30", "9", "jam 2 siang") or ``None``.

    Accepts "." or ":" between hours and minutes, an optional "pukul"/"jam"/"jm"
    before, and an optional day period (pagi, siang, sore, malam) after. A zone
    suffix ("WIB") is accepted only when ``tz`` is given and it names that zone,
    because a bare time cannot be moved between zones meaningfully here.
    """
    match = _TIME_ONLY.fullmatch(_normalise(text))
    if match is None:
        return None
    if match["zone"] is not None and (tz is None or ZONE_ABBREVIATIONS[match["zone"]] != tz):
        return None
    return _time_fields(match)


def parse_date(text: str, now: datetime, tz: str) -> date | WhenError:
    """A typed day ("5/12", "05-12-2026", "5 Des", "Selasa 5 Desember 2026").

    Day first always. Without a year the occurrence nearest to the local today is
    meant (see :func:`parse_when`). Today is accepted; an earlier day is
    :attr:`WhenError.PAST`, a day more than :data:`MAX_AHEAD` ahead is
    :attr:`WhenError.TOO_FAR`.
    """
    _require_aware(now, "now")
    match = _DATE_ONLY.fullmatch(_normalise(text))
    if match is None:
        return WhenError.FORMAT
    typed = _date_fields(match)
    if isinstance(typed, WhenError):
        return typed
    today = to_local(now, tz).date()
    resolved = _resolve_date(typed, today)
    if isinstance(resolved, WhenError):
        return resolved
    if resolved < today:
        return WhenError.PAST
    if resolved - today > MAX_AHEAD:
        return WhenError.TOO_FAR
    return resolved


def parse_when(text: str, now: datetime, tz: str) -> datetime | WhenError:
    """A typed date and time, as a facilitator types it, as an aware UTC datetime.

    Understood: "5/12 09.00", "5/12 9:00", "05-12 09.00", "5.12 09.00",
    "5/12/2026 09.00", "5/12/26 9.00", "5 Des 09.00", "5 Desember 2026 pukul 09.00",
    "5/12 jam 9", "Selasa, 5/12 jam 2 siang" (case-insensitive; Indonesian month
    names and abbreviations; day first always; "pukul"/"jam"/"jm" optional). The
    time is in the group's zone ``tz`` unless a zone is typed after it ("09.00 WIT").

    Without a year the occurrence nearest to the local today is meant, so "5/1"
    typed on 30 Nov 2026 is 5 Jan 2027, and yesterday's date is
    :attr:`WhenError.PAST` rather than next year. Errors, in the order they are
    checked: FORMAT, IMPOSSIBLE, WEEKDAY, PAST (at or before ``now``), TOO_FAR
    (more than :data:`MAX_AHEAD` after ``now``).
    """
    _require_aware(now, "now")
    match = _WHEN.fullmatch(_normalise(text))
    if match is None:
        return WhenError.FORMAT
    typed = _date_fields(match)
    if isinstance(typed, WhenError):
        return typed
    at = _time_fields(match)
    if at is None:
        return WhenError.FORMAT
    zone_name = ZONE_ABBREVIATIONS[match["zone"]] if match["zone"] is not None else tz
    resolved = _resolve_date(typed, to_local(now, zone_name).date())
    if isinstance(resolved, WhenError):
        return resolved
    moment = local_to_utc(resolved, at, zone_name)
    if moment <= now:
        return WhenError.PAST
    if moment - now > MAX_AHEAD:
        return WhenError.TOO_FAR
    return moment


# ----------------------------------------------------------------- monthly patterns


@dataclass(frozen=True)
class MonthlyPattern:
    """A meeting held every month on the ``nth`` ``weekday`` at local time ``at``.

    ``weekday`` is 0 (Monday, Senin) to 6 (Sunday, Minggu); ``nth`` is 1 to 4, or
    -1 for the last such weekday of the month; ``at`` is a naive wall-clock time
    in the group's zone. "Selasa kedua setiap bulan, pukul 09.00" is
    ``MonthlyPattern(weekday=1, nth=2, at=time(9, 0))``.
    """

    weekday: int
    nth: int
    at: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if self.nth not in ORDINALS_ID:
            raise ValueError(f"nth must be 1..4 or -1, got {self.nth}")
        if self.at.tzinfo is not None:
            raise ValueError("at must be a naive wall-clock time")
        if self.at.second or self.at.microsecond:
            raise ValueError("at must be whole minutes")

    def day_in(self, year: int, month: int) -> date:
        """The local day of this pattern in the given month."""
        if self.nth == -1:
            last = date(year, month, calendar.monthrange(year, month)[1])
            return last - timedelta(days=(last.weekday() - self.weekday) % 7)
        first = date(year, month, 1)
        return first + timedelta(days=(self.weekday - first.weekday()) % 7 + 7 * (self.nth - 1))

    def occurrences(self, tz: str, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` meetings strictly after ``after``, as UTC datetimes, in order."""
        _require_aware(after, "after")
        if count < 0:
            raise ValueError(f"count must not be negative, got {count}")
        local = to_local(after, tz)
        year, month = local.year, local.month
        found: list[datetime] = []
        while len(found) < count:
            moment = local_to_utc(self.day_in(year, month), self.at, tz)
            if moment > after:
                found.append(moment)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def encode(self) -> str:
        """A compact form for storage, e.g. ``"1:2:09:00"`` (weekday:nth:HH:MM)."""
        return f"{self.weekday}:{self.nth}:{self.at:%H:%M}"

    @classmethod
    def decode(cls, text: str) -> MonthlyPattern:
        """The inverse of :meth:`encode`; ``ValueError`` on anything else."""
        match = re.fullmatch(r"([0-6]):(-1|[1-4]):([01]\d|2[0-3]):([0-5]\d)", text)
        if match is None:
            raise ValueError(f"not a monthly pattern: {text!r}")
        weekday, nth, hour, minute = (int(part) for part in match.groups())
        return cls(weekday=weekday, nth=nth, at=time(hour, minute))


# ---------------------------------------------------------------------- quiet hours


def _in_quiet(t: time, quiet_start: time, quiet_end: time) -> bool:
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= t < quiet_end
    return t >= quiet_start or t < quiet_end


def shift_out_of_quiet(moment: datetime, tz: str, quiet_start: time, quiet_end: time) -> datetime:
    """``moment``, or the end of the quiet window it falls in, as UTC.

    The window is local to ``tz``, includes ``quiet_start`` and excludes
    ``quiet_end``. It may wrap midnight (21:00-06:00: 23:30 moves to 06:00 the next
    day, 04:00 to 06:00 the same day), lie within one day (13:00-14:00), or be
    empty (start == end). Outside the window ``moment`` is returned unchanged.
    """
    local = to_local(moment, tz)
    clock = local.time().replace(tzinfo=None)
    if not _in_quiet(clock, quiet_start, quiet_end):
        return moment
    end_day = local.date()
    if quiet_start > quiet_end and clock >= quiet_start:
        end_day += timedelta(days=1)
    return local_to_utc(end_day, quiet_end, tz)


@dataclass(frozen=True)
class QuietHold:
    """When a bulk message to a mother may go out: ``not_before`` (the moment asked for, or
    the end of the quiet window it falls in), and the next quiet window after it
    (``quiet_from`` to ``quiet_until``, both None when there are no quiet hours): a message
    not sent by ``quiet_from`` waits until ``quiet_until``."""

    not_before: datetime
    quiet_from: datetime | None
    quiet_until: datetime | None


def quiet_hold(moment: datetime, tz: str, quiet_start: time, quiet_end: time) -> QuietHold:
    """The one rule for every bulk message to a mother, whatever made it due: never in the
    quiet hours of her group's zone ``tz``. See :class:`QuietHold`."""
    not_before = shift_out_of_quiet(moment, tz, quiet_start, quiet_end)
    if quiet_start == quiet_end:
        return QuietHold(not_before, None, None)
    local = to_local(not_before, tz)
    day = local.date()
    if local.time().replace(tzinfo=None) >= quiet_start:  # only for a window within one day
        day += timedelta(days=1)
    end_day = day + timedelta(days=1) if quiet_start > quiet_end else day
    return QuietHold(
        not_before, local_to_utc(day, quiet_start, tz), local_to_utc(end_day, quiet_end, tz)
    )


# -------------------------------------------------------------------------- helpers


def checkin_window(
    start: datetime,
    open_before: timedelta,
    length: timedelta,
    close_after: timedelta,
) -> tuple[datetime, datetime]:
    """When check-in opens and closes: ``start - open_before`` to
    ``start + length + close_after`` (``length`` is the meeting's planned duration).
    Check-in is possible at ``opens <= now < closes``."""
    _require_aware(start, "start")
    for name, value in (
        ("open_before", open_before),
        ("length", length),
        ("close_after", close_after),
    ):
        if value < timedelta(0):
            raise ValueError(f"{name} must not be negative, got {value}")
    return start - open_before, start + length + close_after


def calendar_days(now: datetime, tz: str, days: int = 28) -> list[date]:
    """``days`` consecutive local dates for date buttons, starting with today in ``tz``.

    Today is included: a meeting later today is still useful to schedule.
    """
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    today = to_local(now, tz).date()
    return [today + timedelta(days=i) for i in range(days)]
