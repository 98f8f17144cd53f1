"""Tests for bot.schedule: parsing typed dates, monthly patterns, reminders, quiet hours."""

from __future__ import annotations

import calendar
import itertools
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders import ReminderDecision, ReminderSlot, decide, next_due, reminder_slots
from bot.schedule import (
    COMMON_TIMES,
    ORDINALS_ID,
    WEEKDAYS_ID,
    MonthlyPattern,
    WhenError,
    calendar_days,
    checkin_window,
    local_to_utc,
    parse_date,
    parse_time,
    parse_when,
    shift_out_of_quiet,
    to_local,
)

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"
WIT = "Asia/Jayapura"
ZONES = (WIB, WITA, WIT)
UTC_OFFSET_HOURS = {WIB: 7, WITA: 8, WIT: 9}

QUIET_START = time(21, 0)
QUIET_END = time(6, 0)
OFFSETS = (timedelta(days=3), timedelta(days=1), timedelta(hours=2))
STALE = timedelta(hours=12)


def local(
    tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An aware UTC datetime from local wall-clock fields in ``tz``."""
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def wall(moment: datetime, tz: str) -> tuple[date, time]:
    here = moment.astimezone(ZoneInfo(tz))
    return here.date(), here.time()


# 30 Nov 2026, 10:00 WIB
NOW = local(WIB, 2026, 11, 30, 10, 0)


# ------------------------------------------------------------------------ parse_when


@pytest.mark.parametrize(
    "text",
    [
        "5/12 09.00",
        "5/12 9:00",
        "05-12 09.00",
        "5.12 09.00",
        "5/12/2026 09.00",
        "5/12/26 9.00",
        "5 Des 09.00",
        "5 des 9.00",
        "5 DESEMBER 09:00",
        "5 Desember 2026 pukul 09.00",
        "5 Desember 2026, pukul 09.00",
        "5/12 jam 9",
        "5/12 jm 9",
        "5/12 pkl. 09.00",
        "  5/12    09.00  ",
        "tanggal 5/12 jam 9",
        "tgl 5 des jam 9 pagi",
        "Sabtu, 5/12 09.00",
        "hari Sabtu 5 Desember pukul 09.00",
        "5/12 09.00 WIB",
        "5-des-2026 09.00",
    ],
)
def test_parse_when_accepts_the_usual_ways_of_typing(text: str) -> None:
    result = parse_when(text, NOW, WIB)
    assert result == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09:00 WIB
    assert isinstance(result, datetime)
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("januari", 1),
        ("jan", 1),
        ("februari", 2),
        ("feb", 2),
        ("peb", 2),
        ("maret", 3),
        ("mar", 3),
        ("april", 4),
        ("apr", 4),
        ("mei", 5),
        ("juni", 6),
        ("jun", 6),
        ("juli", 7),
        ("jul", 7),
        ("agustus", 8),
        ("agu", 8),
        ("agt", 8),
        ("september", 9),
        ("sep", 9),
        ("oktober", 10),
        ("okt", 10),
        ("november", 11),
        ("nov", 11),
        ("nop", 11),
        ("desember", 12),
        ("des", 12),
    ],
)
def test_parse_when_month_names(name: str, month: int) -> None:
    now = local(WIB, 2026, 1, 1, 0, 30)
    result = parse_when(f"10 {name.capitalize()} 2026 jam 9", now, WIB)
    assert result == local(WIB, 2026, month, 10, 9, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/12 jam 2 siang", time(14, 0)),
        ("5/12 12 siang", time(12, 0)),
        ("5/12 jam 4 sore", time(16, 0)),
        ("5/12 7.30 malam", time(19, 30)),
        ("5/12 8 pagi", time(8, 0)),
        ("5/12 13.00 siang", time(13, 0)),
        ("5/12 0:05", time(0, 5)),
        ("5/12 23.59", time(23, 59)),
    ],
)
def test_parse_when_times_of_day(text: str, expected: time) -> None:
    result = parse_when(text, NOW, WIB)
    assert isinstance(result, datetime)
    assert wall(result, WIB) == (date(2026, 12, 5), expected)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("besok", WhenError.FORMAT),
        ("besok jam 9", WhenError.FORMAT),
        ("", WhenError.FORMAT),
        ("5/12", WhenError.FORMAT),  # no time
        ("09.00", WhenError.FORMAT),  # no date
        ("5/12 25:00", WhenError.FORMAT),
        ("5/12 24.00", WhenError.FORMAT),
        ("5/12 9.60", WhenError.FORMAT),
        ("5/12 9.5", WhenError.FORMAT),
        ("5/12 13 pagi", WhenError.FORMAT),
        ("5/12 12 malam", WhenError.FORMAT),
        ("5 Desembr 09.00", WhenError.FORMAT),
        ("2026-12-05 09:00", WhenError.FORMAT),  # day first always
        ("5/12 09.00 EST", WhenError.FORMAT),
        ("Kemarin 5/12 09.00", WhenError.FORMAT),
        ("31/2 09.00", WhenError.IMPOSSIBLE),
        ("30/2/2027 09.00", WhenError.IMPOSSIBLE),
        ("29/2/2027 09.00", WhenError.IMPOSSIBLE),  # 2027 is not a leap year
        ("31/4 09.00", WhenError.IMPOSSIBLE),
        ("5/13 09.00", WhenError.IMPOSSIBLE),
        ("0/12 09.00", WhenError.IMPOSSIBLE),
        ("32/12 09.00", WhenError.IMPOSSIBLE),
        ("5/0 09.00", WhenError.IMPOSSIBLE),
        ("Senin 5/12/2026 09.00", WhenError.WEEKDAY),  # 5 Dec 2026 is a Saturday
        ("29/11 09.00", WhenError.PAST),  # yesterday
        ("29/11/2026 09.00", WhenError.PAST),
        ("30/11 09.00", WhenError.PAST),  # today, an hour ago
        ("30/11 10.00", WhenError.PAST),  # exactly now
        ("5/12/2025 09.00", WhenError.PAST),
        ("5/12/2027 09.00", WhenError.TOO_FAR),
        ("5/12/2030 09.00", WhenError.TOO_FAR),
    ],
)
def test_parse_when_errors(text: str, error: WhenError) -> None:
    assert parse_when(text, NOW, WIB) is error


def test_parse_when_later_today_is_accepted() -> None:
    assert parse_when("30/11 10.01", NOW, WIB) == NOW + timedelta(minutes=1)


def test_parse_when_too_far_boundary_is_366_days() -> None:
    # NOW is 30 Nov 2026 10:00 WIB; 366 days later is 1 Dec 2027 10:00 WIB.
    assert parse_when("1/12/2027 10.00", NOW, WIB) == NOW + timedelta(days=366)
    assert parse_when("1/12/2027 10.01", NOW, WIB) is WhenError.TOO_FAR


def test_parse_when_year_rolls_over_when_the_date_is_early_next_year() -> None:
    assert parse_when("5/1 09.00", NOW, WIB) == local(WIB, 2027, 1, 5, 9, 0)
    assert parse_when("5 Jan jam 9", NOW, WIB) == local(WIB, 2027, 1, 5, 9, 0)
    assert parse_when("28/2 09.00", NOW, WIB) == local(WIB, 2027, 2, 28, 9, 0)
    # Typed on New Year's Eve, after New Year's Day 08:00 local
    eve = local(WIB, 2026, 12, 31, 20, 0)
    assert parse_when("1/1 08.00", eve, WIB) == local(WIB, 2027, 1, 1, 8, 0)
    # and in January, late December is last year (past), not next December
    january = local(WIB, 2027, 1, 2, 8, 0)
    assert parse_when("31/12 09.00", january, WIB) is WhenError.PAST


def test_parse_when_without_year_means_the_nearest_occurrence() -> None:
    # 1 March: 91 days ahead vs 274 days back -> next year
    assert parse_when("1/3 09.00", NOW, WIB) == local(WIB, 2027, 3, 1, 9, 0)
    # 1 July: 152 days back vs 213 days ahead -> this year, which has passed
    assert parse_when("1/7 09.00", NOW, WIB) is WhenError.PAST
    # an explicit year always wins
    assert parse_when("1/7/2027 09.00", NOW, WIB) == local(WIB, 2027, 7, 1, 9, 0)


def test_parse_when_29_february() -> None:
    in_2026 = local(WIB, 2026, 6, 1, 8, 0)
    # no 29 Feb in 2025, 2026 or 2027
    assert parse_when("29/2 09.00", in_2026, WIB) is WhenError.IMPOSSIBLE
    late_2027 = local(WIB, 2027, 12, 1, 8, 0)
    assert parse_when("29/2 09.00", late_2027, WIB) == local(WIB, 2028, 2, 29, 9, 0)
    assert parse_when("29/2/2028 09.00", late_2027, WIB) == local(WIB, 2028, 2, 29, 9, 0)
    assert parse_when("29/2/28 09.00", late_2027, WIB) == local(WIB, 2028, 2, 29, 9, 0)


def test_parse_when_in_each_zone() -> None:
    expected_utc_hour = {WIB: 2, WITA: 1, WIT: 0}
    for tz in ZONES:
        result = parse_when("5/12 09.00", NOW, tz)
        assert result == datetime(2026, 12, 5, expected_utc_hour[tz], 0, tzinfo=UTC)
        assert isinstance(result, datetime)
        assert wall(result, tz) == (date(2026, 12, 5), time(9, 0))


def test_parse_when_past_depends_on_the_zone() -> None:
    now = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)  # 08:30 WIB, 09:30 WITA, 10:30 WIT
    assert parse_when("5/12 09.00", now, WIB) == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    assert parse_when("5/12 09.00", now, WITA) is WhenError.PAST
    assert parse_when("5/12 09.00", now, WIT) is WhenError.PAST


def test_parse_when_typed_zone_is_honoured() -> None:
    # a WIB group, but the facilitator typed the time in WIT
    assert parse_when("5/12 09.00 WIT", NOW, WIB) == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    assert parse_when("5/12 09.00 wita", NOW, WIB) == datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert parse_when("5/12 09.00 WIB", NOW, WIT) == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def test_parse_when_needs_an_aware_now() -> None:
    with pytest.raises(ValueError):
        parse_when("5/12 09.00", NOW.replace(tzinfo=None), WIB)


def test_when_error_values_are_strings() -> None:
    assert {e.value for e in WhenError} == {"format", "impossible", "weekday", "past", "too_far"}
    assert WhenError.PAST == "past"


# ----------------------------------------------------------------- parse_time / date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09.00", time(9, 0)),
        ("9.00", time(9, 0)),
        ("9:30", time(9, 30)),
        ("9", time(9, 0)),
        ("09", time(9, 0)),
        ("0", time(0, 0)),
        ("23.59", time(23, 59)),
        ("jam 9", time(9, 0)),
        ("Pukul 09.00", time(9, 0)),
        ("pkl. 13.30", time(13, 30)),
        ("jm 10", time(10, 0)),
        ("2 siang", time(14, 0)),
        ("jam 3 sore", time(15, 0)),
        ("7 malam", time(19, 0)),
        ("8 pagi", time(8, 0)),
        (" 9:30 ", time(9, 30)),
    ],
)
def test_parse_time_accepts(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "besok", "25:00", "24.00", "9:60", "9.5", "9:5", "930", "-1", "13 pagi", "9 x", "jam"],
)
def test_parse_time_rejects(text: str) -> None:
    assert parse_time(text) is None


def test_parse_time_zone_suffix_only_for_the_groups_zone() -> None:
    assert parse_time("09.00 WIB", WIB) == time(9, 0)
    assert parse_time("09.00 WIB") is None
    assert parse_time("09.00 WIB", WITA) is None
    assert parse_time("09.00 WIT", WIT) == time(9, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/12", date(2026, 12, 5)),
        ("05-12-2026", date(2026, 12, 5)),
        ("5 Des", date(2026, 12, 5)),
        ("Sabtu 5 Desember 2026", date(2026, 12, 5)),
        ("30/11", date(2026, 11, 30)),  # today is fine for a day
        ("5/1", date(2027, 1, 5)),
        ("1/12/2027", date(2027, 12, 1)),  # exactly 366 days ahead
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text, NOW, WIB) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("besok", WhenError.FORMAT),
        ("5/12 09.00", WhenError.FORMAT),
        ("31/2", WhenError.IMPOSSIBLE),
        ("5/13", WhenError.IMPOSSIBLE),
        ("29/2/2027", WhenError.IMPOSSIBLE),
        ("Jumat 5/12/2026", WhenError.WEEKDAY),
        ("29/11", WhenError.PAST),
        ("2/12/2027", WhenError.TOO_FAR),
    ],
)
def test_parse_date_errors(text: str, error: WhenError) -> None:
    assert parse_date(text, NOW, WIB) is error


def test_parse_date_today_depends_on_the_zone() -> None:
    now = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 23:30 WIB on 4 Dec, 01:30 WIT on 5 Dec
    assert parse_date("4/12", now, WIB) == date(2026, 12, 4)
    assert parse_date("4/12", now, WITA) is WhenError.PAST  # 00:30 WITA on 5 Dec
    assert parse_date("4/12", now, WIT) is WhenError.PAST


# ------------------------------------------------------------------ monthly patterns


def nth_weekday_brute_force(year: int, month: int, weekday: int, nth: int) -> date:
    """An independent way to find the day: list them all, pick by index."""
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return days[-1] if nth == -1 else days[nth - 1]


SECOND_TUESDAYS_2026 = [13, 10, 10, 14, 12, 9, 14, 11, 8, 13, 10, 8]
LAST_FRIDAYS_2026 = [30, 27, 27, 24, 29, 26, 31, 28, 25, 30, 27, 25]
FOURTH_MONDAYS_2026 = [26, 23, 23, 27, 25, 22, 27, 24, 28, 26, 23, 28]


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(
    ("weekday", "nth", "days"),
    [(1, 2, SECOND_TUESDAYS_2026), (4, -1, LAST_FRIDAYS_2026), (0, 4, FOURTH_MONDAYS_2026)],
)
def test_monthly_pattern_over_a_whole_year(
    tz: str, weekday: int, nth: int, days: list[int]
) -> None:
    pattern = MonthlyPattern(weekday=weekday, nth=nth, at=time(9, 0))
    start = local(tz, 2026, 1, 1, 0, 0)
    found = pattern.occurrences(tz, start, 12)
    assert len(found) == 12
    for month, (moment, day) in enumerate(zip(found, days, strict=True), start=1):
        assert moment.tzinfo is UTC
        local_day, local_time = wall(moment, tz)
        assert local_day == date(2026, month, day)
        assert local_day == nth_weekday_brute_force(2026, month, weekday, nth)
        assert local_day.weekday() == weekday
        assert local_time == time(9, 0)
        assert moment.hour == 9 - UTC_OFFSET_HOURS[tz]
    assert found == sorted(found)


@pytest.mark.parametrize("tz", ZONES)
def test_monthly_pattern_all_combinations_for_three_years(tz: str) -> None:
    for weekday in range(7):
        for nth in ORDINALS_ID:
            pattern = MonthlyPattern(weekday=weekday, nth=nth, at=time(13, 30))
            found = pattern.occurrences(tz, local(tz, 2026, 1, 1, 0, 0), 36)
            expected = [
                local_to_utc(nth_weekday_brute_force(y, m, weekday, nth), time(13, 30), tz)
                for y in (2026, 2027, 2028)
                for m in range(1, 13)
            ]
            assert found == expected


def test_monthly_pattern_december_to_january() -> None:
    pattern = MonthlyPattern(weekday=1, nth=2, at=time(9, 0))
    december = local(WIB, 2026, 12, 8, 9, 0)
    # strictly after: the December meeting itself is not repeated
    assert pattern.occurrences(WIB, december, 2) == [
        local(WIB, 2027, 1, 12, 9, 0),
        local(WIB, 2027, 2, 9, 9, 0),
    ]
    just_before = december - timedelta(seconds=1)
    assert pattern.occurrences(WIB, just_before, 2) == [december, local(WIB, 2027, 1, 12, 9, 0)]


def test_monthly_pattern_after_the_meeting_this_month_gives_next_month() -> None:
    pattern = MonthlyPattern(weekday=4, nth=-1, at=time(9, 0))
    assert pattern.occurrences(WIT, local(WIT, 2026, 5, 29, 10, 0), 1) == [
        local(WIT, 2026, 6, 26, 9, 0)
    ]
    assert pattern.occurrences(WIT, local(WIT, 2026, 5, 29, 8, 0), 1) == [
        local(WIT, 2026, 5, 29, 9, 0)
    ]


def test_monthly_pattern_early_morning_in_wit_is_the_previous_utc_day() -> None:
    # First Friday of May 2026 is 1 May; 06:00 WIT is 21:00 UTC on 30 April.
    pattern = MonthlyPattern(weekday=4, nth=1, at=time(6, 0))
    after = datetime(2026, 4, 30, 20, 0, tzinfo=UTC)  # 05:00 WIT on 1 May
    assert pattern.occurrences(WIT, after, 1) == [datetime(2026, 4, 30, 21, 0, tzinfo=UTC)]
    # The same UTC moment is still April in WIB, so WIB's first Friday of May is later.
    assert pattern.occurrences(WIB, after, 1) == [local(WIB, 2026, 5, 1, 6, 0)]


def test_monthly_pattern_count_zero() -> None:
    assert MonthlyPattern(0, 1, time(9, 0)).occurrences(WIB, NOW, 0) == []


def test_monthly_pattern_encode_decode() -> None:
    pattern = MonthlyPattern(weekday=1, nth=2, at=time(9, 0))
    assert pattern.encode() == "1:2:09:00"
    assert MonthlyPattern.decode("1:2:09:00") == pattern
    assert MonthlyPattern(4, -1, time(15, 30)).encode() == "4:-1:15:30"
    for weekday in range(7):
        for nth in ORDINALS_ID:
            for at in (time(0, 0), time(9, 5), time(23, 59)):
                p = MonthlyPattern(weekday, nth, at)
                assert MonthlyPattern.decode(p.encode()) == p


@pytest.mark.parametrize(
    "text",
    ["", "1:2", "7:2:09:00", "1:5:09:00", "1:0:09:00", "1:-2:09:00", "1:2:24:00", "1:2:9:00"],
)
def test_monthly_pattern_decode_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        MonthlyPattern.decode(text)


@pytest.mark.parametrize(
    ("weekday", "nth", "at"),
    [(7, 1, time(9)), (-1, 1, time(9)), (0, 5, time(9)), (0, 0, time(9)), (0, 1, time(9, 0, 30))],
)
def test_monthly_pattern_validates(weekday: int, nth: int, at: time) -> None:
    with pytest.raises(ValueError):
        MonthlyPattern(weekday, nth, at)


def test_indonesian_names() -> None:
    assert WEEKDAYS_ID[1] == "Selasa" and WEEKDAYS_ID[6] == "Minggu"
    assert len(WEEKDAYS_ID) == 7
    assert ORDINALS_ID[2] == "kedua" and ORDINALS_ID[-1] == "terakhir"


# ------------------------------------------------------------------------ quiet hours


def shift(tz: str, *fields: int, qs: time = QUIET_START, qe: time = QUIET_END) -> datetime:
    return shift_out_of_quiet(local(tz, *fields), tz, qs, qe)


def test_shift_wrapping_window() -> None:
    # early morning: to 06:00 the same day
    assert shift(WIB, 2026, 12, 5, 4, 0) == local(WIB, 2026, 12, 5, 6, 0)
    assert shift(WIB, 2026, 12, 5, 0, 0) == local(WIB, 2026, 12, 5, 6, 0)
    assert shift(WIB, 2026, 12, 5, 5, 59) == local(WIB, 2026, 12, 5, 6, 0)
    # late evening: to 06:00 the next day (also across a month and a year)
    assert shift(WIB, 2026, 12, 5, 21, 0) == local(WIB, 2026, 12, 6, 6, 0)
    assert shift(WIB, 2026, 12, 5, 23, 30) == local(WIB, 2026, 12, 6, 6, 0)
    assert shift(WIB, 2026, 12, 31, 22, 0) == local(WIB, 2027, 1, 1, 6, 0)
    # outside: unchanged (the end is not quiet, the start is)
    for fields in ((2026, 12, 5, 6, 0), (2026, 12, 5, 12, 0), (2026, 12, 5, 20, 59)):
        assert shift(WIB, *fields) == local(WIB, *fields)


def test_shift_keeps_seconds_outside_and_drops_them_inside() -> None:
    moment = local(WIB, 2026, 12, 5, 20, 59, 59)
    assert shift_out_of_quiet(moment, WIB, QUIET_START, QUIET_END) == moment
    inside = local(WIB, 2026, 12, 5, 5, 59, 59)
    assert shift_out_of_quiet(inside, WIB, QUIET_START, QUIET_END) == local(WIB, 2026, 12, 5, 6)


def test_shift_non_wrapping_window() -> None:
    qs, qe = time(13, 0), time(14, 0)
    assert shift(WIB, 2026, 12, 5, 13, 0, qs=qs, qe=qe) == local(WIB, 2026, 12, 5, 14, 0)
    assert shift(WIB, 2026, 12, 5, 13, 45, qs=qs, qe=qe) == local(WIB, 2026, 12, 5, 14, 0)
    for fields in ((2026, 12, 5, 12, 59), (2026, 12, 5, 14, 0), (2026, 12, 5, 23, 0)):
        assert shift(WIB, *fields, qs=qs, qe=qe) == local(WIB, *fields)
    assert shift(WIB, 2026, 12, 5, 3, 0, qs=qs, qe=qe) == local(WIB, 2026, 12, 5, 3, 0)


def test_shift_empty_window() -> None:
    for hour in range(24):
        moment = local(WIB, 2026, 12, 5, hour, 0)
        assert shift_out_of_quiet(moment, WIB, time(6, 0), time(6, 0)) == moment


def test_shift_uses_the_groups_zone() -> None:
    moment = datetime(2026, 12, 5, 13, 30, tzinfo=UTC)  # 20:30 WIB, 21:30 WITA, 22:30 WIT
    assert shift_out_of_quiet(moment, WIB, QUIET_START, QUIET_END) == moment
    assert shift_out_of_quiet(moment, WITA, QUIET_START, QUIET_END) == local(
        WITA, 2026, 12, 6, 6, 0
    )
    assert shift_out_of_quiet(moment, WIT, QUIET_START, QUIET_END) == local(WIT, 2026, 12, 6, 6, 0)
    assert local(WITA, 2026, 12, 6, 6, 0) == datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
    assert local(WIT, 2026, 12, 6, 6, 0) == datetime(2026, 12, 5, 21, 0, tzinfo=UTC)


def slots_for(start: datetime, tz: str = WIB, offsets: tuple[timedelta, ...] = OFFSETS):
    return reminder_slots(start, tz, offsets, QUIET_START, QUIET_END)


def test_reminder_slots_plain() -> None:
    start = local(WIB, 2026, 12, 8, 9, 0)
    assert slots_for(start) == [
        ReminderSlot(timedelta(days=3), local(WIB, 2026, 12, 5, 9, 0)),
        ReminderSlot(timedelta(days=1), local(WIB, 2026, 12, 7, 9, 0)),
        ReminderSlot(timedelta(hours=2), local(WIB, 2026, 12, 8, 7, 0)),
    ]


def test_reminder_slots_order_does_not_depend_on_the_offsets_order() -> None:
    start = local(WIB, 2026, 12, 8, 9, 0)
    assert slots_for(start, offsets=tuple(reversed(OFFSETS))) == slots_for(start)
    assert slots_for(start, offsets=(*OFFSETS, timedelta(days=1))) == slots_for(start)


def test_reminder_3_days_ahead_landing_at_0400_moves_to_0600() -> None:
    # The 3-day reminder lands at 04:00 local when the meeting starts at 04:00 + 3 days:
    # for a 07:00 meeting that is an offset of 3 days and 3 hours.
    start = local(WIB, 2026, 12, 8, 7, 0)
    slots = slots_for(start, offsets=(timedelta(days=3, hours=3),))
    assert slots == [ReminderSlot(timedelta(days=3, hours=3), local(WIB, 2026, 12, 5, 6, 0))]
    # and a plain 3-day reminder of a 07:00 meeting is at 07:00, not quiet
    assert slots_for(start, offsets=(timedelta(days=3),))[0].due == local(WIB, 2026, 12, 5, 7)


def test_reminder_2h_before_0730_moves_to_0600_still_before_start() -> None:
    start = local(WIB, 2026, 12, 8, 7, 30)
    assert slots_for(start)[-1] == ReminderSlot(timedelta(hours=2), local(WIB, 2026, 12, 8, 6))


def test_reminder_2h_before_0630_moves_to_0600_and_is_kept() -> None:
    start = local(WIB, 2026, 12, 8, 6, 30)
    slots = slots_for(start)
    assert [s.offset for s in slots] == list(OFFSETS)
    assert slots[-1].due == local(WIB, 2026, 12, 8, 6, 0)
    assert slots[-1].due < start


def test_reminder_2h_before_0600_would_land_at_start_and_is_dropped() -> None:
    start = local(WIB, 2026, 12, 8, 6, 0)
    slots = slots_for(start)
    assert [s.offset for s in slots] == [timedelta(days=3), timedelta(days=1)]
    assert all(s.due < start for s in slots)


def test_reminder_evening_slot_moves_to_next_morning() -> None:
    # A 1-day reminder for a 22:00 meeting is at 22:00 the day before -> 06:00 the meeting day
    start = local(WIB, 2026, 12, 8, 22, 0)
    slots = slots_for(start, offsets=(timedelta(days=1),))
    assert slots == [ReminderSlot(timedelta(days=1), local(WIB, 2026, 12, 8, 6, 0))]


def test_reminders_shifted_to_the_same_moment_keep_the_smaller_offset() -> None:
    start = local(WIB, 2026, 12, 8, 7, 0)
    offsets = (timedelta(hours=3), timedelta(hours=2))  # 04:00 and 05:00 -> both 06:00
    assert slots_for(start, offsets=offsets) == [
        ReminderSlot(timedelta(hours=2), local(WIB, 2026, 12, 8, 6, 0))
    ]
    assert slots_for(start, offsets=tuple(reversed(offsets))) == slots_for(start, offsets=offsets)


def test_reminder_zero_or_negative_offsets_are_dropped() -> None:
    start = local(WIB, 2026, 12, 8, 9, 0)
    assert slots_for(start, offsets=(timedelta(0), timedelta(hours=-1))) == []


def test_reminder_slots_differ_by_zone() -> None:
    # The same 2-hour reminder of a 07:30 meeting: 05:30 local is quiet in every zone,
    # and shifts to 06:00 local, which is a different UTC moment in each.
    expected_utc = {WIB: 23, WITA: 22, WIT: 21}
    for tz in ZONES:
        start = local(tz, 2026, 12, 8, 7, 30)
        slot = slots_for(start, tz, offsets=(timedelta(hours=2),))[0]
        assert wall(slot.due, tz) == (date(2026, 12, 8), time(6, 0))
        assert slot.due == datetime(2026, 12, 7, expected_utc[tz], 0, tzinfo=UTC)
    # One UTC start: 14:00 UTC is 21:00 WIB, 22:00 WITA, 23:00 WIT. The 1-hour
    # reminder (20:00 WIB, 21:00 WITA, 22:00 WIT) is only outside quiet hours in WIB.
    start = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
    one_hour = (timedelta(hours=1),)
    assert [s.due for s in slots_for(start, WIB, one_hour)] == [start - timedelta(hours=1)]
    assert slots_for(start, WITA, one_hour) == []  # shifted to next morning, after the start
    assert slots_for(start, WIT, one_hour) == []


# ----------------------------------------------------------------------------- decide

START = local(WIB, 2026, 12, 8, 9, 0)
SLOTS = slots_for(START)
S3D, S1D, S2H = SLOTS


def at(*fields: int) -> datetime:
    return local(WIB, *fields)


def test_decide_nothing_due() -> None:
    assert decide(SLOTS, set(), START, at(2026, 12, 1, 9, 0), STALE) == ReminderDecision(None, ())
    assert decide(SLOTS, set(), START, S3D.due - timedelta(seconds=1), STALE).send is None


def test_decide_sends_a_slot_the_moment_it_is_due() -> None:
    assert decide(SLOTS, set(), START, S3D.due, STALE) == ReminderDecision(S3D, ())
    assert decide(SLOTS, {S3D.offset}, START, S1D.due, STALE) == ReminderDecision(S1D, ())
    sent = {S3D.offset, S1D.offset}
    assert decide(SLOTS, sent, START, S2H.due, STALE) == ReminderDecision(S2H, ())


def test_decide_down_across_two_slots_sends_only_the_latest() -> None:
    # down from before the 3-day slot until an hour after the 1-day slot
    now = at(2026, 12, 7, 10, 0)
    assert decide(SLOTS, set(), START, now, STALE) == ReminderDecision(S1D, (S3D,))


def test_decide_down_across_all_slots_sends_the_last_one_if_fresh() -> None:
    now = at(2026, 12, 8, 8, 0)  # an hour after the 2-hour slot, an hour before the start
    assert decide(SLOTS, set(), START, now, STALE) == ReminderDecision(S2H, (S3D, S1D))


def test_decide_down_past_the_start_skips_everything() -> None:
    for now in (START, START + timedelta(minutes=1), at(2026, 12, 9, 9, 0)):
        decision = decide(SLOTS, set(), START, now, STALE)
        assert decision == ReminderDecision(None, (S3D, S1D, S2H))
    # only the ones not handled yet are skipped
    decision = decide(SLOTS, {S3D.offset, S1D.offset}, START, START, STALE)
    assert decision == ReminderDecision(None, (S2H,))


def test_decide_stale_slot_is_skipped() -> None:
    # 13 hours after the 1-day slot, 12 hours is the limit
    now = S1D.due + timedelta(hours=13)
    assert decide(SLOTS, {S3D.offset}, START, now, STALE) == ReminderDecision(None, (S1D,))
    # exactly at the limit it is still sent; one second later it is not
    limit = S1D.due + STALE
    assert decide(SLOTS, {S3D.offset}, START, limit, STALE).send == S1D
    late = limit + timedelta(seconds=1)
    assert decide(SLOTS, {S3D.offset}, START, late, STALE).send is None


def test_decide_never_returns_a_sent_offset() -> None:
    now = at(2026, 12, 7, 10, 0)
    assert decide(SLOTS, {S1D.offset}, START, now, STALE) == ReminderDecision(None, (S3D,))
    both = {S3D.offset, S1D.offset}
    assert decide(SLOTS, both, START, now, STALE) == ReminderDecision(None, ())
    every = {s.offset for s in SLOTS}
    for now in (S3D.due, S1D.due, S2H.due, START, START + timedelta(days=3)):
        assert decide(SLOTS, every, START, now, STALE) == ReminderDecision(None, ())


def test_decide_never_sends_an_earlier_slot_after_a_later_one() -> None:
    # the skip of the 3-day slot was lost, the 1-day slot was sent: 3-day stays skipped
    # (a generous stale_after, so freshness alone would not stop the 3-day slot)
    now = S1D.due + timedelta(minutes=5)
    decision = decide(SLOTS, {S1D.offset}, START, now, timedelta(days=7))
    assert decision.send is None
    assert decision.skip == (S3D,)


def test_decide_stale_latest_does_not_resurrect_an_earlier_one() -> None:
    # 2h stale? Not possible before start with 12h; use a short stale_after instead
    short = timedelta(minutes=30)
    now = S1D.due + timedelta(hours=1)
    assert decide(SLOTS, set(), START, now, short) == ReminderDecision(None, (S3D, S1D))


def test_decide_needs_aware_now() -> None:
    with pytest.raises(ValueError):
        decide(SLOTS, set(), START, S3D.due.replace(tzinfo=None), STALE)


def test_next_due() -> None:
    before = at(2026, 12, 1, 9, 0)
    assert next_due(SLOTS, set(), before) == S3D.due
    assert next_due(SLOTS, {S3D.offset}, before) == S1D.due
    assert next_due(SLOTS, {S3D.offset, S1D.offset}, before) == S2H.due
    assert next_due(SLOTS, {s.offset for s in SLOTS}, before) is None
    assert next_due([], set(), before) is None
    # something already due and not handled: now
    overdue = S1D.due + timedelta(hours=1)
    assert next_due(SLOTS, {S3D.offset}, overdue) == overdue


def run_ticks(
    slots: list[ReminderSlot],
    start: datetime,
    ticks: list[datetime],
    stale_after: timedelta = STALE,
) -> list[tuple[datetime, ReminderSlot]]:
    """Drive decide() like the tick does, recording sent and skipped offsets."""
    handled: set[timedelta] = set()
    sent: list[tuple[datetime, ReminderSlot]] = []
    for now in ticks:
        decision = decide(slots, handled, start, now, stale_after)
        for slot in decision.skip:
            assert slot.offset not in handled
            assert slot.due <= now
            handled.add(slot.offset)
        if decision.send is not None:
            slot = decision.send
            assert slot.offset not in handled
            assert slot.due <= now < start
            assert now - slot.due <= stale_after
            handled.add(slot.offset)
            sent.append((now, slot))
    return sent


def minutes(first: datetime, last: datetime, step: timedelta = timedelta(minutes=1)):
    moment = first
    while moment <= last:
        yield moment
        moment += step


@pytest.mark.parametrize("tz", ZONES)
def test_ticking_every_minute_over_four_days_sends_each_slot_exactly_once(tz: str) -> None:
    start = local(tz, 2026, 12, 8, 7, 30)  # the 2-hour slot shifts to 06:00
    slots = slots_for(start, tz)
    assert len(slots) == 3
    ticks = list(minutes(start - timedelta(days=4), start + timedelta(hours=6)))
    assert len(ticks) > 4 * 24 * 60
    sent = run_ticks(slots, start, ticks)
    assert [slot for _, slot in sent] == slots
    assert [when for when, _ in sent] == [slot.due for slot in slots]  # on time, to the minute


def test_ticking_at_an_odd_interval_sends_each_slot_once_at_the_first_tick_after() -> None:
    step = timedelta(minutes=7, seconds=13)
    ticks = list(minutes(START - timedelta(days=4), START + timedelta(hours=1), step))
    sent = run_ticks(SLOTS, START, ticks)
    assert [slot for _, slot in sent] == SLOTS
    for when, slot in sent:
        assert slot.due <= when < slot.due + step


def test_random_downtime_never_sends_twice_late_or_out_of_order() -> None:
    rng = random.Random(20261208)
    for _ in range(300):
        tz = rng.choice(ZONES)
        start = local(tz, 2026, 12, 8, rng.randrange(5, 22), rng.choice((0, 15, 30, 45)))
        offsets = tuple(
            rng.sample(
                [timedelta(days=3), timedelta(days=1), timedelta(hours=2), timedelta(hours=6)],
                k=rng.randrange(1, 5),
            )
        )
        slots = reminder_slots(start, tz, offsets, QUIET_START, QUIET_END)
        stale_after = timedelta(hours=rng.choice((1, 6, 12)))
        ticks: list[datetime] = []
        moment = start - timedelta(days=4)
        while moment < start + timedelta(hours=2):
            if rng.random() < 0.9:  # up: tick every 20 s to 30 min; down: a gap of hours
                moment += timedelta(seconds=rng.randrange(20, 1800))
            else:
                moment += timedelta(hours=rng.randrange(1, 40))
            ticks.append(moment)
        sent = run_ticks(slots, start, ticks, stale_after)
        offsets_sent = [slot.offset for _, slot in sent]
        assert len(offsets_sent) == len(set(offsets_sent))
        dues = [slot.due for _, slot in sent]
        assert dues == sorted(dues)
        for when, slot in sent:
            # the one sent is the latest slot due at that moment
            assert slot == max((s for s in slots if s.due <= when), key=lambda s: s.due)


def test_restart_scenario_with_stored_state() -> None:
    """Bot sent the 3-day slot, was down for the 1-day one, came back 3 hours later."""
    handled = {S3D.offset}
    now = S1D.due + timedelta(hours=3)
    decision = decide(SLOTS, handled, START, now, STALE)
    assert decision == ReminderDecision(S1D, ())
    handled.add(S1D.offset)
    # the next tick a minute later does nothing
    assert decide(SLOTS, handled, START, now + timedelta(minutes=1), STALE) == ReminderDecision(
        None, ()
    )
    assert next_due(SLOTS, handled, now) == S2H.due


# ---------------------------------------------------------------------------- helpers


def test_checkin_window() -> None:
    start = local(WIB, 2026, 12, 8, 9, 0)
    opens, closes = checkin_window(
        start, timedelta(minutes=30), timedelta(hours=2), timedelta(minutes=30)
    )
    assert opens == local(WIB, 2026, 12, 8, 8, 30)
    assert closes == local(WIB, 2026, 12, 8, 11, 30)
    assert checkin_window(start, timedelta(0), timedelta(0), timedelta(0)) == (start, start)
    with pytest.raises(ValueError):
        checkin_window(start, timedelta(minutes=-1), timedelta(hours=2), timedelta(0))


def test_calendar_days_start_today_in_the_groups_zone() -> None:
    now = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 23:30 WIB on 4 Dec, 01:30 WIT on 5 Dec
    wib_days = calendar_days(now, WIB)
    assert len(wib_days) == 28
    assert wib_days[0] == date(2026, 12, 4)
    assert wib_days[-1] == date(2026, 12, 31)
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(wib_days))
    assert calendar_days(now, WIT)[0] == date(2026, 12, 5)
    assert calendar_days(now, WITA, days=3) == [
        date(2026, 12, 5),
        date(2026, 12, 6),
        date(2026, 12, 7),
    ]
    assert calendar_days(now, WIB, days=0) == []


def test_local_to_utc_and_to_local() -> None:
    d, t = date(2026, 12, 5), time(9, 0)
    assert local_to_utc(d, t, WIB) == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    assert local_to_utc(d, t, WITA) == datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert local_to_utc(d, t, WIT) == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    assert local_to_utc(d, time(6, 0), WIT) == datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert local_to_utc(d, t, WIB).tzinfo is UTC
    back = to_local(local_to_utc(d, t, WITA), WITA)
    assert (back.date(), back.time()) == (d, t)
    with pytest.raises(ValueError):
        local_to_utc(d, time(9, 0, tzinfo=UTC), WIB)


def test_common_times_are_sorted_wall_clock_times() -> None:
    assert list(COMMON_TIMES) == sorted(COMMON_TIMES)
    assert all(t.tzinfo is None for t in COMMON_TIMES)
    assert time(9, 0) in COMMON_TIMES
    for t in COMMON_TIMES:
        assert parse_time(t.strftime("%H.%M")) == t
