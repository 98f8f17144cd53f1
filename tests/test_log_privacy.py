"""The logs of a full scenario never contain the token nor what participants typed.

Everything at DEBUG level, from every logger (ours, python-telegram-bot, httpx), is
captured while a month runs: onboarding, scheduling, reminders and answers, check-in,
the summary, an announcement, an erasure. Then the captured text is searched.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Secret
from bot.logs import LIBRARY_FLOORS, RedactFilter, quiet_libraries
from tests.support.harness import TOKEN, Harness, create_group, join, register_facilitator
from tests.support.sql import fetch

TYPED = (
    "Siti Nurjanah",  # names she types
    "Ani Kusumawati",
    "081377778888",  # the phone she shares
    "Besok bawa Buku KIA ya Ibu-ibu",  # the leader's announcement
    "Rumah Bu RT Gang Kenari",  # a place the facilitator types
    "anak saya demam tinggi",  # a note the facilitator types on a follow-up
)


async def scenario(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Kenari", "WIB", "Rumah Bu RT Gang Kenari")
    siti = await join(h, payload, "Siti", "Siti Nurjanah", phone="081377778888")
    ani = await join(h, payload, "Ani", "Ani Kusumawati")
    me = await h.participant(siti)
    assert await h.db.set_leader(me.group_id, me.id)
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Sekali")
    await h.send(fac, "5/12 09.00")
    await h.press(fac, "Tempat biasa")
    await h.press(fac, "Jadwalkan")
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await h.tick()
    await h.press(ani, "Tidak bisa hadir")
    await h.press(ani, "Sakit")
    await h.send(siti, "/umumkan")
    await h.send(siti, "Besok bawa Buku KIA ya Ibu-ibu")
    await h.press(siti, "Kirim")
    h.clock.set(datetime(2026, 12, 5, 1, 40, tzinfo=UTC))  # the check-in window is open
    await h.tick()
    meeting_id = next(iter(await fetch(h.db, "SELECT id FROM meetings")))[0]
    code = await h.checkin_code(int(meeting_id))
    await h.send(siti, "/hadir")
    await h.send(siti, await h.wrong_code(int(meeting_id)))  # a wrong code first
    await h.send(siti, str(code))
    for _ in range(8):  # through the end of the window: summaries go out
        h.clock.advance(timedelta(hours=1))
        await h.tick()
    await h.send(fac, "/tindaklanjut")
    await h.send(ani, "/kehadiranku")
    await h.send(ani, "/datasaya")
    await h.press(ani, "Hapus data saya")
    await h.press(ani, "Ya, hapus")


async def test_logs_of_a_full_scenario_keep_secrets_out(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # The production set-up puts this filter on the root handler (bot.logs.setup_logging);
    # here it sits on pytest's capturing handler, and everything is logged at DEBUG.
    redact = RedactFilter([TOKEN])
    caplog.handler.addFilter(redact)
    quiet_libraries(logging.DEBUG)  # what setup_logging("DEBUG", ...) does to libraries
    try:
        with caplog.at_level(logging.DEBUG):
            await scenario(h)
    finally:
        caplog.handler.removeFilter(redact)
        floors = {name: logging.getLogger(name).level for name in LIBRARY_FLOORS}
        for name in LIBRARY_FLOORS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    # Libraries that log parameters at DEBUG stayed above their floors during the run.
    assert floors["aiosqlite"] == logging.WARNING and floors["telegram"] == logging.INFO
    text = "\n".join(caplog.handler.format(record) for record in caplog.records) + caplog.text
    assert len(caplog.records) >= 5  # our own INFO lines: registered, reminders, erasure...
    assert TOKEN not in text and TOKEN.split(":", 1)[1] not in text
    for typed in TYPED:
        assert typed not in text, f"{typed!r} is in the logs"


def test_redact_filter_scrubs_tracebacks_too() -> None:
    secret = Secret("123456789:AAHsecretTokenValueXXXXXXXXXXXXXXX")
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST https://x/bot%s/getMe", (secret.get(),), None
    )
    try:
        raise RuntimeError(f"failed at https://x/bot{secret.get()}/sendMessage")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert RedactFilter([secret.get()]).filter(record)
    formatted = logging.Formatter().format(record)
    assert secret.get() not in formatted and "***" in formatted
