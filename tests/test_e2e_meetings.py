"""Issue 4, end to end: the real bot process schedules a meeting a few minutes ahead,
the clock tick queues the reminder, the outbox delivers it, a mother answers "Tidak bisa
hadir" with a reason, and the facilitator sees it on her side."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fakeapi import FakeUser
from tests.e2e import JSON, Config, E2EBot, run_cli, running_e2e_bot
from tests.test_e2e_onboarding import GROUP, PLACE, first_line, join_group

WIB = ZoneInfo("Asia/Jakarta")
OVERRIDES: Config = {
    # Short offsets so a meeting a few minutes ahead has a reminder due at once; the
    # quiet-hours window is empty so the test passes at any hour.
    "schedule": {
        "tick_seconds": 0.2,
        "reminder_offsets": ["1d", "10m"],
        "quiet_start": "00:00",
        "quiet_end": "00:00",
    },
}


async def facilitator_with_group(e: E2EBot) -> tuple[FakeUser, str]:
    result = await run_cli(e.config, "invite-facilitator", "--name", "Rina Wati")
    assert result.returncode == 0, result.stderr
    match = re.search(r"start=(f_[A-Za-z0-9_-]+)", result.stdout)
    assert match is not None, result.stdout
    rina = e.fake.add_user("Rina")
    await e.send(rina, f"/start {match.group(1)}", expect="Rina Wati")
    await e.send(rina, "/kelompokbaru", expect=e.t("group.ask_name"))
    asked = await e.send(rina, GROUP, expect=e.t("group.ask_timezone", name=GROUP))
    await e.press(rina, "WIB", asked)
    await e.wait_text(asked, first_line(e.t("group.ask_place", zone="WIB")))
    created = await e.group_place(rina, PLACE)
    link = re.search(r"start=(g_[A-Za-z0-9_-]+)", created["text"])
    assert link is not None
    return rina, link.group(1)


async def schedule_typed(e: E2EBot, rina: FakeUser, typed: str) -> JSON:
    """Schedule one meeting at a typed time ("5/12 09.00") at the usual place, as far as
    the summary to check; the caller presses "Jadwalkan" on it. Every step is an
    interactive answer, so it goes out at once, also in the quiet hours."""
    await e.send(rina, "/pertemuanbaru", expect="Untuk kelompok mana")
    await e.press(rina, "Lanjut")
    await e.wait_message(rina, e.t("meeting.choose_mode"))
    await e.press(rina, "Sekali")
    await e.wait_message(rina, "Pilih tanggal")
    await e.send(rina, typed, expect=e.t("meeting.choose_place"))
    await e.press(rina, "Tempat biasa")
    return await e.wait_message(rina, "Periksa dulu")


async def test_reminder_rsvp_and_facilitator_view(tmp_path: Path) -> None:
    async with running_e2e_bot(tmp_path, overrides=OVERRIDES) as e:
        rina, payload = await facilitator_with_group(e)
        siti = await join_group(e, rina, payload, "Siti", "Siti Aminah", None)
        ani = await join_group(e, rina, payload, "Ani", "Ani Rahmawati", None)

        # A meeting about five minutes ahead, typed as the facilitator would.
        start = (datetime.now(UTC) + timedelta(minutes=6)).astimezone(WIB)
        start = start.replace(second=0, microsecond=0)
        typed = f"{start.day}/{start.month} {start:%H.%M}"
        summary = await schedule_typed(e, rina, typed)
        assert f"pukul {start:%H.%M} WIB" in summary["text"]
        await e.press(rina, "Jadwalkan", summary)

        # The tick queues the 10-minute reminder (the 1-day one is past: skipped) and the
        # outbox delivers it to both mothers.
        when = f"pukul {start:%H.%M} WIB"
        for mother in (siti, ani):
            reminder = await e.wait_message(mother, when)
            assert "Apakah Ibu bisa hadir?" in reminder["text"]
            assert PLACE in reminder["text"]
            assert "Sesi 1: Menjadi Orang Tua yang Lebih Baik" in reminder["text"]

        # Ani cannot come: she gives a reason.
        reminder = await e.wait_message(ani, when)
        await e.press(ani, e.t("reminder.button_no"), reminder)
        reasons = await e.wait_message(ani, e.t("reminder.ask_reason"))
        await e.press(ani, e.t("reason.bekerja"), reasons)
        await e.wait_text(reasons, "Izin Ibu sudah dicatat")
        # Siti will come.
        await e.press(siti, e.t("reminder.button_yes"), await e.wait_message(siti, when))
        await e.wait_message(siti, "Sampai jumpa")

        # The facilitator's view of the meeting.
        listing = await e.send(rina, "/jadwal", expect="Pertemuan yang akan datang")
        await e.press(rina, GROUP, listing)
        detail = await e.wait_text(listing, "Akan hadir: 1")
        assert "Izin: 1" in detail["text"] and "Belum menjawab: 0" in detail["text"]
        await e.press(rina, "Lihat jawaban", detail)
        answers = await e.wait_text(listing, "Ani Rahmawati (Bekerja)")
        assert "Akan hadir: Siti Aminah" in answers["text"]

        # Exactly one reminder per mother went out (the 1-day slot was skipped, not sent).
        sent = e.query("SELECT status, count(*) FROM outbox WHERE kind = 'reminder' GROUP BY 1")
        assert sent == [("sent", 2)]
        slots = e.query("SELECT offset_minutes, outcome FROM reminder_slots ORDER BY 1")
        assert slots == [(10, "sent"), (1440, "skipped")]
    assert e.returncode == 0, e.log_tail()
