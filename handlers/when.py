"""Choosing when a meeting is: the typed states of the dialogue (``meet_*``, one class per
step) and its screens: the calendar, the times, and the lines of the confirmation (with
public holidays and district days off marked). The dialogue itself, the actions that
move from one state to the next, is ``handlers/scheduling.py``; the screens' buttons are
the typed callbacks ``MEETING_DAY`` and ``MEETING_TIME`` of ``bot/callbacks.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import ClassVar

from telegram import InlineKeyboardMarkup

from bot.callbacks import MEETING_DAY, MEETING_TIME
from bot.dialogues import Dialogue
from bot.meetings import MONTHLY_COUNT
from bot.schedule import (
    COMMON_TIMES,
    ORDINALS_ID,
    WEEKDAYS_ID,
    MonthlyPattern,
    WhenError,
    calendar_days,
    to_local,
)
from db.models import Group
from handlers.registry import Call, keyboard

CALENDAR_DAYS = 28


@dataclass(frozen=True)
class Draft(Dialogue):
    """A meeting being planned: each step's state carries what the earlier steps chose."""

    groups: tuple[int, ...] = ()
    mode: str = ""  # "once" or "monthly"
    day: str | None = None  # once: the ISO date
    nth: int | None = None  # monthly: 1-4, or -1 for the last
    weekday: int | None = None  # monthly: 0 = Monday
    at: str | None = None  # "HH:MM", the group's local time
    place: str | None = None  # None: each group's usual place
    session: str | None = None  # once: a topic chosen instead of the proposed one

    @property
    def once(self) -> bool:
        return self.mode == "once"

    def pattern(self) -> MonthlyPattern:
        assert self.weekday is not None and self.nth is not None and self.at is not None
        return MonthlyPattern(self.weekday, self.nth, clock_time(self.at))


@dataclass(frozen=True)
class ChooseGroups(Draft):
    kind: ClassVar[str] = "meet_groups"


@dataclass(frozen=True)
class ChooseMode(Draft):
    kind: ClassVar[str] = "meet_mode"


@dataclass(frozen=True)
class ChooseDate(Draft):
    kind: ClassVar[str] = "meet_date"


@dataclass(frozen=True)
class ChooseNth(Draft):
    kind: ClassVar[str] = "meet_nth"


@dataclass(frozen=True)
class ChooseWeekday(Draft):
    kind: ClassVar[str] = "meet_weekday"


@dataclass(frozen=True)
class ChooseTime(Draft):
    kind: ClassVar[str] = "meet_time"


@dataclass(frozen=True)
class ChoosePlace(Draft):
    kind: ClassVar[str] = "meet_place"


@dataclass(frozen=True)
class Confirm(Draft):
    kind: ClassVar[str] = "meet_confirm"


@dataclass(frozen=True)
class MoveDate(Dialogue):
    """Moving ``meeting``: a day button, or a typed date and time."""

    kind: ClassVar[str] = "meet_move"
    meeting: int


@dataclass(frozen=True)
class MoveTime(Dialogue):
    """Moving ``meeting`` to ``day``: a time button or a typed time."""

    kind: ClassVar[str] = "meet_move_time"
    meeting: int
    day: str


def clock_time(at: str) -> time:
    """A stored "HH:MM" as a time."""
    hour, minute = (int(x) for x in at.split(":"))
    return time(hour, minute)


def calendar(call: Call, tz: str) -> InlineKeyboardMarkup:
    """The coming four weeks as day buttons, four to a row, in the group's zone; public
    holidays and district days off are marked."""
    days = calendar_days(call.now, tz, CALENDAR_DAYS)
    days_off = call.services.meetings.days_off

    def label(d: date) -> str:
        text = call.t(
            "meeting.day_button", weekday=WEEKDAYS_ID[d.weekday()][:3], day=d.day, month=d.month
        )
        return call.t("meeting.day_button_off", label=text) if days_off.is_off(d) else text

    return keyboard(
        *(
            [(label(d), MEETING_DAY.data(d.strftime("%Y%m%d"))) for d in days[week : week + 4]]
            for week in range(0, len(days), 4)
        )
    )


def times(call: Call) -> InlineKeyboardMarkup:
    """The usual meeting times, three to a row."""
    rows = [
        [
            (t.strftime("%H.%M"), MEETING_TIME.data(t.strftime("%H%M")))
            for t in COMMON_TIMES[i : i + 3]
        ]
        for i in range(0, len(COMMON_TIMES), 3)
    ]
    return keyboard(*rows)


def error_text(call: Call, error: WhenError) -> str:
    return call.t(f"meeting.when_{error.value}")


def long_date(call: Call, day: date) -> str:
    # 05.00 UTC is midday on the same calendar day in every Indonesian zone
    return call.services.catalog.date(datetime.combine(day, time(5, 0), tzinfo=UTC), "UTC")


def _holiday_name(call: Call, day: date) -> str | None:
    name = call.services.meetings.days_off.name(day)
    if name is None:
        return None
    return name or call.t("meeting.holiday_district")


def holiday_warning(call: Call, day: date) -> tuple[str, date] | None:
    """The warning for a meeting on a day off, and the next working day it offers."""
    name = _holiday_name(call, day)
    if name is None:
        return None
    next_day = call.services.meetings.days_off.next_working_day(day)
    text = call.t(
        "meeting.holiday_warning",
        name=name,
        day=long_date(call, day),
        proposed=long_date(call, next_day),
    )
    return text, next_day


def series_moves(call: Call, pattern: MonthlyPattern, group: Group) -> list[str]:
    """The dates of the coming series that fall on a day off, and where each moves."""
    meetings, catalog = call.services.meetings, call.services.catalog
    moves = []
    for start in pattern.occurrences(group.timezone, call.now, MONTHLY_COUNT):
        name = _holiday_name(call, to_local(start, group.timezone).date())
        if name is not None:
            moved = meetings.days_off.avoid(start, group.timezone)
            moves.append(
                call.t(
                    "meeting.holiday_series_item",
                    name=name,
                    old=catalog.date(start, group.timezone),
                    new=catalog.date(moved, group.timezone),
                )
            )
    return moves


def once_line(call: Call, group: Group, start: datetime, place: str, session: str) -> str:
    return call.t(
        "meeting.confirm_line",
        group=group.name,
        when=call.services.catalog.datetime(start, group.timezone),
        place=place,
        topic=call.services.meetings.topic(session),
    )


def monthly_line(call: Call, group: Group, pattern: MonthlyPattern, place: str) -> str:
    meetings = call.services.meetings
    first = meetings.series_dates(pattern, group.timezone, call.now, 1)[0]
    return call.t(
        "meeting.confirm_monthly_line",
        group=group.name,
        first=call.services.catalog.datetime(first, group.timezone),
        place=place,
    )


def monthly_head(call: Call, pattern: MonthlyPattern) -> str:
    return call.t(
        "meeting.confirm_monthly",
        nth=ORDINALS_ID[pattern.nth],
        weekday=WEEKDAYS_ID[pattern.weekday],
        at=pattern.at.strftime("%H.%M"),
    )
