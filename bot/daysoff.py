"""Days off: Indonesia's public holidays and the district's own days off.

The national calendar comes from the ``holidays`` package (``holidays.country_holidays("ID")``,
names in Indonesian): fixed days (1 January, 17 Agustus, Natal) and the moving ones (Idul
Fitri, Idul Adha, Tahun Baru Islam, Maulid, Isra Mikraj, Nyepi, Waisak, Imlek, Easter), as
the government sets them; dates the government has not fixed yet are marked "(perkiraan)".
A district adds its own (cuti bersama, a local holiday) with ``[schedule] days_off`` in
config.toml. Pure: no Telegram, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import holidays

from bot.schedule import local_to_utc, to_local

WORKING_DAYS = range(0, 5)
"""Monday to Friday (``date.weekday()``): the days a moved meeting may land on."""


class DaysOff:
    def __init__(self, extra: Iterable[tuple[date, str]] = ()) -> None:
        self._national = holidays.country_holidays("ID", language="id")
        self._extra = dict(extra)

    def name(self, day: date) -> str | None:
        """The holiday's name ("" for a district day off without one), or None."""
        if day in self._extra:
            return self._extra[day]
        found = self._national.get(day)
        return str(found) if found is not None else None

    def is_off(self, day: date) -> bool:
        return self.name(day) is not None

    def next_working_day(self, day: date) -> date:
        """The first day after ``day`` that is a weekday and not a day off."""
        candidate = day + timedelta(days=1)
        while candidate.weekday() not in WORKING_DAYS or self.is_off(candidate):
            candidate += timedelta(days=1)
        return candidate

    def avoid(self, start: datetime, tz: str) -> datetime:
        """``start``, or the same local time on the next working day when its local day is
        a day off (a monthly series moves such dates)."""
        local = to_local(start, tz)
        if not self.is_off(local.date()):
            return start
        day = self.next_working_day(local.date())
        return local_to_utc(day, local.time().replace(tzinfo=None), tz)
