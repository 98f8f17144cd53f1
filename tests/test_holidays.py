"""National holidays and district days off: scheduling on one warns and proposes the next
working day; a monthly series moves such dates. The calendar is the ``holidays`` package."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.daysoff import DaysOff
from tests.support.harness import Harness, button_labels, make_settings, running_bot
from tests.support.meetings import setup_group
from tests.support.sql import fetch

# The moving Islamic holidays as Indonesia observes them, each within a day or two (the
# government fixes the exact day; the library marks later years as estimates).
ISLAMIC = {
    "Idul Fitri": [date(2026, 3, 20), date(2027, 3, 10), date(2028, 2, 27)],
    "Idul Adha": [date(2026, 5, 27), date(2027, 5, 17), date(2028, 5, 5)],
    "Tahun Baru Islam": [date(2026, 6, 16), date(2027, 6, 6), date(2028, 5, 26)],
    "Maulid Nabi": [date(2026, 8, 25), date(2027, 8, 15), date(2028, 8, 4)],
}


@pytest.mark.parametrize("holiday", sorted(ISLAMIC))
def test_calendar_knows_the_moving_islamic_holidays_2026_to_2028(holiday: str) -> None:
    days_off = DaysOff()
    for expected in ISLAMIC[holiday]:
        near = [expected + timedelta(days=d) for d in (-1, 0, 1)]
        names = [days_off.name(d) or "" for d in near]
        assert any(holiday in name for name in names), (holiday, expected, names)


def test_calendar_knows_fixed_holidays_and_district_days() -> None:
    days_off = DaysOff([(date(2026, 12, 24), "Cuti bersama Natal"), (date(2027, 4, 9), "")])
    assert "Natal" in (days_off.name(date(2026, 12, 25)) or "")
    assert "Kemerdekaan" in (days_off.name(date(2027, 8, 17)) or "")
    assert "Nyepi" in (days_off.name(date(2027, 3, 8)) or "")
    assert days_off.name(date(2026, 12, 24)) == "Cuti bersama Natal"
    assert days_off.name(date(2027, 4, 9)) == ""  # a district day off without a name
    assert days_off.name(date(2026, 12, 2)) is None
    # Thursday 24 and Friday 25 December are off, then the weekend: Monday 28
    assert days_off.next_working_day(date(2026, 12, 23)) == date(2026, 12, 28)


def test_days_off_config(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, '[schedule]\ndays_off = ["2026-12-24 Cuti bersama Natal", "2027-04-09"]\n'
    )
    assert settings.schedule.days_off == (
        (date(2026, 12, 24), "Cuti bersama Natal"),
        (date(2027, 4, 9), ""),
    )
    with pytest.raises(ConfigError, match="days_off"):
        make_settings(tmp_path, '[schedule]\ndays_off = ["24/12/2026"]\n')


async def test_single_meeting_on_christmas_warns_and_moves(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Sekali")
    # the date buttons mark the holidays
    labels = button_labels(h.last_with_buttons(fac))
    christmas = h.t("meeting.day_button", weekday="Jum", day=25, month=12)
    assert h.t("meeting.day_button_off", label=christmas) in labels
    assert h.t("meeting.day_button", weekday="Sab", day=5, month=12) in labels
    await h.send(fac, "25/12 09.00")
    await h.press(fac, "Tempat biasa")
    name = h.services.meetings.days_off.name(date(2026, 12, 25))
    assert name is not None and "Natal" in name
    warning = h.t(
        "meeting.holiday_warning",
        name=name,
        day="Jumat, 25 Desember 2026",
        proposed="Senin, 28 Desember 2026",
    )
    assert warning in h.last_text(fac)
    await h.press(fac, h.t("meeting.button_holiday_move", day="Senin, 28 Desember 2026"))
    assert "Senin, 28 Desember 2026 pukul 09.00 WIB" in h.last_text(fac)
    assert "⚠️" not in h.last_text(fac)
    await h.press(fac, "Jadwalkan")
    rows = list(await fetch(h.db, "SELECT starts_at FROM meetings"))
    assert [r[0] for r in rows] == ["2026-12-28T02:00:00+00:00"]


async def test_single_meeting_can_stay_on_the_holiday(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Sekali")
    await h.send(fac, "25/12 09.00")
    await h.press(fac, "Tempat biasa")
    await h.press(fac, "Jadwalkan")  # she knows her village: it is her choice
    rows = list(await fetch(h.db, "SELECT starts_at FROM meetings"))
    assert [r[0] for r in rows] == ["2026-12-25T02:00:00+00:00"]


async def test_monthly_series_moves_holidays_to_the_next_working_day(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Setiap bulan")
    await h.press(fac, "Pertama")
    await h.press(fac, "Jumat")
    await h.press(fac, "09.00")
    await h.press(fac, "Tempat biasa")
    # Friday 1 January 2027 is New Year's Day: that meeting moves to Monday 4 January.
    item = h.t(
        "meeting.holiday_series_item",
        name=h.services.meetings.days_off.name(date(2027, 1, 1)),
        old="Jumat, 1 Januari 2027",
        new="Senin, 4 Januari 2027",
    )
    assert item in h.last_text(fac)
    await h.press(fac, "Jadwalkan")
    rows = list(await fetch(h.db, "SELECT starts_at FROM meetings ORDER BY 1"))
    days = [r[0][:10] for r in rows]
    assert days[:3] == ["2026-12-04", "2027-01-04", "2027-02-05"]
    assert all(not h.services.meetings.days_off.is_off(date.fromisoformat(d)) for d in days)


async def test_district_day_off_from_config(tmp_path: Path) -> None:
    async with running_bot(
        tmp_path, '[schedule]\ndays_off = ["2026-12-08 Hari jadi kabupaten"]\n'
    ) as h:
        fac, _ = await setup_group(h)
        await h.send(fac, "/pertemuanbaru")
        await h.press(fac, "Lanjut")
        await h.press(fac, "Sekali")
        await h.send(fac, "8/12 09.00")
        await h.press(fac, "Tempat biasa")
        assert "Hari jadi kabupaten" in h.last_text(fac)
        assert "Rabu, 9 Desember 2026" in h.last_text(fac)
