"""Scheduling, reminders (time zones, quiet hours, downtime, edits) and RSVPs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.meetings import once_on_saturday, reminders, schedule, setup_group
from tests.support.sql import fetch

# START in tests/support/harness.py is Monday 30 November 2026, 08.00 WIB.


async def test_schedule_once_with_buttons(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await once_on_saturday(h, fac)
    summary = h.last_text(fac)
    assert "Sabtu, 5 Desember 2026 pukul 09.00 WIB" in summary
    assert "Sesi 1: Menjadi Orang Tua yang Lebih Baik" in summary
    assert "Balai Desa Sukamaju" in summary
    await h.press(fac, "Jadwalkan")
    rows = list(await fetch(h.db, "SELECT starts_at, session_id FROM meetings"))
    assert [tuple(r) for r in rows] == [("2026-12-05T02:00:00+00:00", "sesi-01")]


async def test_typed_dates_and_corrections(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Sekali")
    for typed, key in (
        ("31/2 09.00", "meeting.when_impossible"),
        ("besok pagi", "meeting.when_format"),
        ("29/11/2026 09.00", "meeting.when_past"),
        ("🌸", "meeting.when_format"),
    ):
        await h.send(fac, typed)
        assert h.last_text(fac) == h.t(key), typed
    await h.process(h.fake.send_sticker(fac))
    assert h.last_text(fac) == h.t("common.type_text")
    await h.send(fac, "5/12")  # a date alone asks for the time
    assert h.last_text(fac) == h.t("meeting.choose_time")
    await h.send(fac, "jam sembilan")
    assert h.last_text(fac) == h.t("meeting.when_time_format")
    await h.send(fac, "13.30")
    await h.send(fac, "Rumah Bu RT, Gang Melati")
    assert "Sabtu, 5 Desember 2026 pukul 13.30 WIB" in h.last_text(fac)
    assert not list(await fetch(h.db, "SELECT * FROM meetings"))
    await h.press(fac, "Ganti materi")
    await h.press(fac, "Sesi 5:")
    assert "Sesi 5: Mengelola Keuangan Keluarga" in h.last_text(fac)
    await h.press(fac, "Jadwalkan")
    rows = list(await fetch(h.db, "SELECT place, session_id FROM meetings"))
    assert [tuple(r) for r in rows] == [("Rumah Bu RT, Gang Melati", "sesi-05")]


async def test_monthly_pattern(h: Harness) -> None:
    fac, _ = await setup_group(h, "WITA")
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Setiap bulan")
    await h.press(fac, "Kedua")
    await h.press(fac, "Selasa")
    await h.press(fac, "09.00")
    await h.press(fac, "Tempat biasa")
    assert "Selasa, 8 Desember 2026 pukul 09.00 WITA" in h.last_text(fac)
    await h.press(fac, "Jadwalkan")
    rows = list(await fetch(h.db, "SELECT starts_at, session_id FROM meetings ORDER BY 1"))
    assert [r[1] for r in rows] == [f"sesi-0{i}" for i in range(1, 7)]
    assert [r[0][:10] for r in rows] == [
        "2026-12-08",
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
        "2027-04-13",
        "2027-05-11",
    ]
    assert all(r[0][11:16] == "01:00" for r in rows)  # 09.00 WITA = 01.00 UTC
    # The next single meeting proposes the session after those six.
    group_id = (await h.db.groups_of((await h.facilitator(fac)).id))[0].group.id
    proposed = await h.services.meetings.propose_session(group_id)
    assert proposed is not None and proposed.id == "sesi-07"


async def test_participant_cannot_schedule(h: Harness) -> None:
    _, (siti, _ani) = await setup_group(h)
    await h.send(siti, "/pertemuanbaru")
    assert h.last_text(siti) == h.t("auth.not_allowed")
    await h.press_data(siti, "mc")
    assert h.answers()[-1] == h.t("auth.not_allowed")


async def test_reminders_at_each_offset_in_wita(h: Harness) -> None:
    fac, mothers = await setup_group(h, "WITA")
    meeting = await schedule(h, fac, date(2026, 12, 5), time(9, 0))  # 01.00 UTC
    await h.tick()
    assert await reminders(h) == []
    due = [
        datetime(2026, 12, 2, 1, 0, tzinfo=UTC),  # 3 days before
        datetime(2026, 12, 4, 1, 0, tzinfo=UTC),  # 1 day before
        datetime(2026, 12, 4, 23, 0, tzinfo=UTC),  # 2 hours before: 07.00 WITA
    ]
    for i, moment in enumerate(due, start=1):
        h.clock.set(moment - timedelta(minutes=1))
        await h.tick()
        assert len(await reminders(h)) == 2 * (i - 1)
        h.clock.set(moment)
        await h.tick()
        await h.tick()  # a second tick at the same moment adds nothing
        assert len(await reminders(h)) == 2 * i
    for mother in mothers:
        texts = [t for t in h.texts(mother) if "Sabtu, 5 Desember 2026 pukul 09.00 WITA" in t]
        assert len(texts) == 3
        assert "3 hari lagi" in texts[0] and "Balai Desa Sukamaju" in texts[0]
        assert "Sesi 1: Menjadi Orang Tua yang Lebih Baik" in texts[0]
        assert "2 jam lagi" in texts[2]
    assert {r["status"] for r in await reminders(h)} == {"sent"}
    assert meeting.version == 1


async def test_quiet_hours_move_a_reminder_to_the_morning(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h, "WIT")
    await schedule(h, fac, date(2026, 12, 5), time(7, 0))  # 07.00 WIT = 22.00 UTC the day before
    # The 2-hour reminder falls at 05.00 WIT, inside 21.00-06.00: it goes at 06.00 WIT.
    h.clock.set(datetime(2026, 12, 4, 20, 0, tzinfo=UTC))  # 05.00 WIT
    await h.tick()
    two_hour = [r for r in await reminders(h) if str(r["key"]).endswith(":120")]
    assert two_hour == []
    h.clock.set(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))  # 06.00 WIT
    await h.tick()
    two_hour = [r for r in await reminders(h) if str(r["key"]).endswith(":120")]
    assert len(two_hour) == 2
    assert "1 jam lagi" in h.last_text(siti)  # the time actually left, not the offset


async def test_downtime_sends_only_the_latest_due_reminder(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))  # 02.00 UTC
    # The bot was down from Monday until Friday 10.00 WIB: the 3-day reminder is skipped,
    # the 1-day one (due Friday 09.00) goes out once.
    h.clock.set(datetime(2026, 12, 4, 3, 0, tzinfo=UTC))
    await h.tick()
    keys = sorted(str(r["key"]).rsplit(":", 1)[1] for r in await reminders(h))
    assert keys == ["1440", "1440"]
    slots = list(
        await fetch(h.db, "SELECT offset_minutes, outcome FROM reminder_slots ORDER BY 1")
    )
    assert [tuple(s) for s in slots] == [(1440, "sent"), (4320, "skipped")]


async def test_down_past_the_meeting_sends_nothing(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(datetime(2026, 12, 5, 3, 0, tzinfo=UTC))
    await h.tick()
    assert await reminders(h) == []


async def test_move_restarts_reminders_and_tells_members(h: Harness) -> None:
    fac, (siti, ani) = await setup_group(h)
    meeting = await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await h.tick()
    assert len(await reminders(h)) == 2
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Pindah jadwal")
    await h.send(fac, "12/12 10.00")
    assert "Sabtu, 12 Desember 2026 pukul 10.00 WIB" in h.last_text(fac)
    await h.drain()
    for mother in (siti, ani):
        assert "berubah" in h.last_text(mother)
    moved = await h.db.meeting(meeting.id)
    assert moved is not None and moved.version == 2
    # The 3-day reminder of the new time goes out on 9 December, once.
    h.clock.set(datetime(2026, 12, 9, 3, 0, tzinfo=UTC))
    await h.tick()
    await h.tick()
    assert len([r for r in await reminders(h) if ":v2:" in str(r["key"])]) == 2


async def test_cancel_tells_members_and_stops_reminders(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Batalkan")
    await h.press(fac, "Ya, batalkan")
    await h.drain()
    assert "dibatalkan" in h.last_text(siti)
    h.clock.set(datetime(2026, 12, 4, 3, 0, tzinfo=UTC))
    await h.tick()
    assert await reminders(h) == []


async def test_rsvp_no_with_reason_shows_on_facilitator_side(h: Harness) -> None:
    fac, (siti, ani) = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await h.tick()
    await h.press(siti, "Tidak bisa hadir")
    await h.press(siti, "Sakit")
    assert "Izin Ibu sudah dicatat" in h.last_text(siti)
    await h.press(ani, "Saya akan hadir")
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    detail = h.last_text(fac)
    assert "Akan hadir: 1" in detail and "Izin: 1" in detail and "Belum menjawab: 0" in detail
    await h.press(fac, "Lihat jawaban")
    answers = h.last_text(fac)
    assert "Siti (Sakit)" in answers and "Akan hadir: Ani" in answers


async def test_rsvp_forged_or_late_is_refused(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    meeting = await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    other_fac = await register_facilitator(h, "Sari Dewi")
    other_payload = await create_group(h, other_fac, "Melati")
    outsider = await join(h, other_payload, "Dewi")
    await h.press_data(outsider, f"ry:{meeting.id}")
    await h.press_data(outsider, f"rr:{meeting.id}:sakit")
    assert h.answers()[-2:] == [h.t("common.stale_button")] * 2
    await h.press_data(siti, f"rr:{meeting.id}:mabuk")
    assert h.answers()[-1] == h.t("common.stale_button")
    h.clock.set(datetime(2026, 12, 5, 2, 30, tzinfo=UTC))  # the meeting has begun
    await h.press_data(siti, f"ry:{meeting.id}")
    assert h.answers()[-1] == h.t("reminder.closed")
    assert not list(await fetch(h.db, "SELECT * FROM rsvps"))


async def test_unreachable_member_gets_no_reminder(h: Harness) -> None:
    fac, (siti, ani) = await setup_group(h)
    await h.process(h.fake.block_bot(ani))
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await h.tick()
    assert [r["participant_id"] for r in await reminders(h)] == [(await h.participant(siti)).id]


async def test_member_sees_her_schedule(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    await h.send(siti, "/jadwal")
    assert "Sabtu, 5 Desember 2026 pukul 09.00 WIB" in h.last_text(siti)


async def test_monthly_series_is_kept_five_months_ahead(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await h.send(fac, "/pertemuanbaru")
    await h.press(fac, "Lanjut")
    await h.press(fac, "Setiap bulan")
    await h.press(fac, "Kedua")
    await h.press(fac, "Selasa")
    await h.press(fac, "09.00")
    await h.press(fac, "Tempat biasa")
    await h.press(fac, "Jadwalkan")

    async def starts() -> list[tuple[str, str]]:
        rows = await fetch(
            h.db, "SELECT substr(starts_at, 1, 10), session_id FROM meetings ORDER BY starts_at"
        )
        return [tuple(r) for r in rows]

    assert len(await starts()) == 6  # December to May
    h.clock.set(datetime(2027, 1, 13, 2, 0, tzinfo=UTC))  # after the January meeting
    await h.tick()
    await h.tick()  # the same hour: nothing more
    h.clock.advance(timedelta(hours=2))
    await h.tick()  # already far enough ahead: nothing more
    found = await starts()
    # Second Tuesdays of June and July (past 13 June, five months ahead), next sessions.
    assert found[6:] == [("2027-06-08", "sesi-07"), ("2027-07-13", "sesi-08")]
