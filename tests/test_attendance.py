"""Attendance: check-in windows and codes, late delivery, facilitator marks and their log,
finalization messages. Time is the harness's ManualClock; nothing sleeps.

The meeting used here starts Saturday 5 December 2026, 09.00 WIB (02.00 UTC). With the
default settings its check-in window opens at 08.30 WIB (01.30 UTC) and closes at 11.30 WIB
(04.30 UTC, 120 minutes + 30 minutes after the start); late check-ins count until 13.30 WIB.
"""

from __future__ import annotations

from datetime import timedelta

from bot.attendance import (
    CheckinResult,
    Window,
    WindowState,
    checkin_state,
    next_status,
    normalise_code,
    window_for,
    window_state,
)
from bot.auth import resolve_actor
from tests.support.attendance import (
    CLOSES,
    OPENS,
    START,
    add_meeting,
    check_in,
    code_of,
    group_id_of,
    log_rows,
    marks,
    open_window,
    setup,
)
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.sql import fetch

SECOND = timedelta(seconds=1)


def code_label(h: Harness) -> str:
    """ "Kode hadir:" as the catalog words it, without the emoji and the code."""
    return h.t("attendance.mark_code", code="0000").split(" ", 1)[1].removesuffix(" 0000")


# --------------------------------------------------------------------- shared helpers


# --------------------------------------------------------------------- pure rules


def test_window_edges() -> None:
    window = Window(OPENS, CLOSES)
    assert window_state(window, OPENS - SECOND) is WindowState.BEFORE
    assert window_state(window, OPENS) is WindowState.OPEN
    assert window_state(window, CLOSES - SECOND) is WindowState.OPEN
    assert window_state(window, CLOSES) is WindowState.CLOSED
    assert window_state(window, CLOSES + SECOND) is WindowState.CLOSED


def test_late_delivery_rule() -> None:
    window = Window(OPENS, CLOSES)
    grace = timedelta(hours=2)
    written = CLOSES - timedelta(minutes=5)
    assert checkin_state(window, written, CLOSES + timedelta(hours=1), grace) is WindowState.OPEN
    assert checkin_state(window, written, CLOSES + grace - SECOND, grace) is WindowState.OPEN
    assert checkin_state(window, written, CLOSES + grace, grace) is WindowState.CLOSED
    # written before the window opened, or after it closed: never late-valid
    early = OPENS - SECOND
    assert checkin_state(window, early, CLOSES + SECOND, grace) is WindowState.CLOSED
    assert checkin_state(window, CLOSES, CLOSES + SECOND, grace) is WindowState.CLOSED
    # received in the window: it counts whatever the message date says
    assert checkin_state(window, early, OPENS, grace) is WindowState.OPEN
    assert checkin_state(window, early, OPENS - SECOND, grace) is WindowState.BEFORE


def test_toggle_cycle_and_codes() -> None:
    assert next_status(None) == "present"
    assert next_status("present") == "excused"
    assert next_status("excused") == "absent"
    assert next_status("absent") == "present"
    assert normalise_code(" 12 34 ") == "1234"
    assert normalise_code("0042") == "0042"
    for bad in ("123", "12345", "abcd", "١٢٣٤", "", "12a4"):
        assert normalise_code(bad) is None, bad


def test_window_from_settings(h: Harness) -> None:
    window = window_for(START, h.services.settings.attendance)
    assert (window.opens, window.closes) == (OPENS, CLOSES)


# --------------------------------------------------------------------- opening the window


async def test_window_opens_exactly_on_time_and_code_goes_to_facilitator(h: Harness) -> None:
    fac, (siti, ani, dewi) = await setup(h)
    meeting = await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(OPENS - SECOND)
    await h.tick()
    assert await h.outbox("checkin_code") == []
    # One second before the window: she is told when it opens, nothing is recorded.
    await h.send(siti, "/hadir")
    assert h.last_text(siti) == h.t(
        "attendance.not_open",
        when="Sabtu, 5 Desember 2026 pukul 09.00 WIB",
        place="Balai Desa Sukamaju",
        opens="Sabtu, 5 Desember 2026 pukul 08.30 WIB",
    )
    assert await h.db.chat_state(siti.id) is None
    h.clock.set(OPENS)
    await h.tick()
    await h.tick()
    code = await code_of(h, meeting)
    assert len(code) == 4 and code.isdigit()
    codes = await h.outbox("checkin_code")
    assert len(codes) == 1 and codes[0]["chat_id"] == fac.id
    assert f"{code_label(h)} {code}" in h.last_text(fac)
    assert "Tandai kehadiran" in str(h.fake.last_message(fac))
    # Every member with Telegram gets the check-in button, once.
    assert len(await h.outbox("checkin_open")) == 3
    for mother in (siti, ani, dewi):
        assert h.t("attendance.button_checkin") in str(h.last_with_buttons(mother)["reply_markup"])
    # At opening she can check in.
    assert await check_in(h, siti, code) == h.t(
        "attendance.checkin_ok", name="Siti", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    )
    assert await marks(h, meeting) == {"Siti": ("present", "self")}
    # The check-in button starts the same dialogue.
    await h.press(ani, h.t("attendance.button_checkin"))
    assert h.last_text(ani) == h.t("attendance.ask_code", name="Ani")
    await h.send(ani, code)
    assert (await marks(h, meeting))["Ani"] == ("present", "self")
    # "/hadir 1234" in one message works too.
    await h.send(dewi, f"/hadir {code}")
    assert (await marks(h, meeting))["Dewi"] == ("present", "self")


async def test_window_edges_at_closing(h: Harness) -> None:
    fac, (siti, ani, _dewi) = await setup(h)
    meeting, code = await open_window(h, fac)
    h.clock.set(CLOSES - SECOND)
    code = await code_of(h, meeting)  # the code shown now (it changes every five minutes)
    assert (await check_in(h, siti, code)).startswith("✅")
    h.clock.set(CLOSES)
    await h.send(ani, "/hadir")
    closed = h.t("attendance.closed", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB")
    assert h.last_text(ani) == closed
    assert await h.db.chat_state(ani.id) is None
    await h.send(ani, f"/hadir {code}")
    assert h.last_text(ani) == closed
    assert "Ani" not in await marks(h, meeting)
    # Long after, with no next meeting: nothing scheduled.
    h.clock.set(CLOSES + timedelta(days=3))
    await h.send(ani, "/hadir")
    assert h.last_text(ani) == h.t("attendance.no_meeting")


async def test_wrong_codes_then_blocked_and_right_code_after_some_wrong(h: Harness) -> None:
    fac, (siti, ani, _dewi) = await setup(h)
    meeting, code = await open_window(h, fac, OPENS + timedelta(minutes=10))
    wrong = await h.wrong_code(meeting.id)
    await h.send(siti, "/hadir")
    for left in (4, 3, 2, 1):
        await h.send(siti, wrong)
        assert h.last_text(siti) == h.t("attendance.wrong_code", left=left)
    await h.send(siti, "kode?")  # not a code: a hint, not counted
    assert h.last_text(siti) == h.t("attendance.code_format")
    await h.send(siti, wrong)
    assert h.last_text(siti) == h.t("attendance.blocked")
    assert await h.db.chat_state(siti.id) is None
    # Blocked: even the right code is refused now, and nothing is recorded.
    await h.send(siti, f"/hadir {code}")
    assert h.last_text(siti) == h.t("attendance.blocked")
    await h.press(siti, h.t("attendance.button_checkin"))
    assert h.last_text(siti) == h.t("attendance.blocked")
    assert "Siti" not in await marks(h, meeting)
    # Ani: two wrong codes, then the right one.
    await h.send(ani, "/hadir")
    await h.send(ani, wrong)
    await h.send(ani, wrong)
    assert h.last_text(ani) == h.t("attendance.wrong_code", left=3)
    await h.send(ani, code)
    assert h.last_text(ani).startswith("✅")
    assert await marks(h, meeting) == {"Ani": ("present", "self")}
    # The facilitator can still mark Siti.
    await h.send(fac, "/kehadiran")
    await h.press(fac, "Mawar")
    await h.press(fac, "Siti")
    assert (await marks(h, meeting))["Siti"] == ("present", "facilitator")


async def test_late_delivery_within_and_outside_grace(h: Harness) -> None:
    fac, (siti, ani, dewi) = await setup(h)
    meeting, code = await open_window(h, fac)
    h.clock.set(CLOSES - timedelta(minutes=20))
    for mother in (siti, ani, dewi):
        await h.send(mother, "/hadir")  # each is asked for the code, inside the window
    written = CLOSES - timedelta(minutes=5)
    code = await h.checkin_code(meeting.id, written)  # the code shown when she wrote it
    # The window closes; the tick makes everyone without a mark absent.
    h.clock.set(CLOSES)
    await h.tick()
    assert await marks(h, meeting) == {n: ("absent", "final") for n in ("Siti", "Ani", "Dewi")}
    # Siti's code, written in the window, arrives an hour late: it counts.
    h.clock.set(CLOSES + timedelta(hours=1))
    await h.process(h.fake.send_text(siti, code, date=written))
    assert h.last_text(siti).startswith("✅")
    checked = await h.db.attendance_mark(meeting.id, (await h.participant(siti)).id)
    assert checked is not None and checked.checked_in_at == written
    # Ani's arrives after the grace period: refused, nothing changes.
    h.clock.set(CLOSES + timedelta(hours=2))
    await h.process(h.fake.send_text(ani, code, date=written))
    assert h.last_text(ani) == h.t(
        "attendance.closed", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    )
    # Dewi's was written after the close: refused even within the grace period.
    h.clock.set(CLOSES + timedelta(minutes=30))
    await h.process(h.fake.send_text(dewi, code, date=CLOSES + timedelta(minutes=1)))
    assert h.last_text(dewi) == h.t(
        "attendance.closed", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    )
    assert await marks(h, meeting) == {
        "Siti": ("present", "self"),
        "Ani": ("absent", "final"),
        "Dewi": ("absent", "final"),
    }


async def test_facilitator_mark_wins_and_every_change_is_logged(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    meeting, code = await open_window(h, fac)
    facilitator = await h.facilitator(fac)
    h.clock.set(START)
    code = await code_of(h, meeting)
    await check_in(h, siti, code)
    # She marks Siti: present (self) -> excused (facilitator).
    await h.send(fac, "/kehadiran")
    await h.press(fac, "Mawar")
    assert h.t("attendance.mark_item_self", name="Siti") in str(
        h.last_with_buttons(fac)["reply_markup"]
    )
    h.clock.set(START + timedelta(minutes=5))
    await h.press(fac, "Siti")
    assert h.answers()[-1] == "Siti: izin"
    assert "🙏 Siti" in str(h.last_with_buttons(fac)["reply_markup"])
    # Siti checks in again: the facilitator's mark stays.
    h.clock.set(START + timedelta(minutes=6))
    await h.send(siti, "/hadir")
    assert h.last_text(siti) == h.t("attendance.by_facilitator")
    await h.send(siti, f"/hadir {code}")
    assert h.last_text(siti) == h.t("attendance.by_facilitator")
    # Ani: none -> present -> excused -> absent -> present.
    for minute, status in ((10, "hadir"), (11, "izin"), (12, "tidak hadir"), (13, "hadir")):
        h.clock.set(START + timedelta(minutes=minute))
        await h.press(fac, "Ani")
        assert h.answers()[-1] == f"Ani: {status}"
    assert await marks(h, meeting) == {
        "Siti": ("excused", "facilitator"),
        "Ani": ("present", "facilitator"),
    }
    at = (START + timedelta(minutes=5)).isoformat()
    assert await log_rows(h, meeting) == [
        ("Siti", "present", "self", None, START.isoformat()),
        ("Siti", "excused", "facilitator", facilitator.id, at),
        *[
            ("Ani", s, "facilitator", facilitator.id, (START + timedelta(minutes=m)).isoformat())
            for m, s in ((10, "present"), (11, "excused"), (12, "absent"), (13, "present"))
        ],
    ]


async def test_duplicate_checkins_are_idempotent(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    meeting, code = await open_window(h, fac)
    await check_in(h, siti, code)
    await h.send(siti, "/hadir")
    assert h.last_text(siti) == h.t("attendance.already")
    await h.send(siti, f"/hadir {code}")
    assert h.last_text(siti) == h.t("attendance.already")
    await h.press(siti, h.t("attendance.button_checkin"))
    assert h.last_text(siti) == h.t("attendance.already")
    assert len(await log_rows(h, meeting)) == 1


async def test_other_groups_meeting_is_refused(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    other_fac = await register_facilitator(h, "Wati Susanti")
    other_payload = await create_group(h, other_fac, "Melati")
    budi = await join(h, other_payload, "Budi")
    mine, code = await open_window(h, fac)
    theirs = await add_meeting(h, await group_id_of(h, other_fac))
    await h.tick()
    their_code = await code_of(h, theirs)
    # Siti forges the other group's check-in button.
    await h.press_data(siti, f"kh:{theirs.id}")
    assert h.answers()[-1] == h.t("common.stale_button")
    assert await h.db.chat_state(siti.id) is None
    # Through the service with the other meeting's right code: refused.
    participant = await h.participant(siti)
    outcome = await h.services.attendance.submit_code(
        participant, theirs.id, their_code, h.clock.now(), h.clock.now()
    )
    assert outcome.result is CheckinResult.NOT_YOURS
    # The other facilitator cannot mark Siti, nor open my marking screen.
    await h.press_data(other_fac, f"kt:{mine.id}:{participant.id}:p:0")
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(other_fac, f"kl:{mine.id}:0")
    assert h.answers()[-1] == h.t("common.stale_button")
    budi_id = (await h.participant(budi)).id
    await h.press_data(fac, f"kt:{mine.id}:{budi_id}:p:0")  # not a member of my group
    assert h.answers()[-1] == h.t("common.stale_button")
    # A member cannot mark anyone; bad payloads change nothing.
    await h.press_data(siti, f"kt:{mine.id}:{participant.id}:p:0")
    assert h.answers()[-1] == h.t("auth.not_allowed")
    for data in ("kh:abc", "kh:", f"kh:{mine.id}:1", "kt:1:2", "kf:1:x"):
        await h.press_data(siti, data)
    assert await marks(h, mine) == {} and await marks(h, theirs) == {}
    # Her own group's meeting still works.
    assert (await check_in(h, siti, code)).startswith("✅")


async def test_marking_before_the_window_is_refused(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    meeting = await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(OPENS - timedelta(hours=1))
    participant = await h.participant(siti)
    await h.press_data(fac, f"kt:{meeting.id}:{participant.id}:p:0")
    assert h.answers()[-1] == h.t(
        "attendance.mark_not_yet", opens="Sabtu, 5 Desember 2026 pukul 08.30 WIB"
    )
    assert await marks(h, meeting) == {}


# --------------------------------------------------------------------- finalization


async def test_finalization_messages_once(h: Harness) -> None:
    fac, (siti, ani, dewi) = await setup(h)
    group_id = await group_id_of(h, fac)
    actor = await resolve_actor(h.db, fac.id)
    siti_id = (await h.participant(siti)).id
    assert await h.services.onboarding.appoint_leader(actor, group_id, siti_id) is not None
    await h.db.add_participant(group_id, None, "Rukmini", None, h.clock.now())  # no phone
    meeting = await add_meeting(h, group_id)
    await h.tick()
    # Ani answers a reminder: she cannot come (sick).
    await h.services.meetings.rsvp(
        await h.participant(ani), meeting.id, "no", "sakit", h.clock.now()
    )
    h.clock.set(OPENS)
    await h.tick()
    code = await code_of(h, meeting)
    assert len(await h.outbox("checkin_open")) == 2  # not Ani (excused), not Rukmini (no phone)
    await check_in(h, siti, code)
    await h.send(fac, "/kehadiran")
    await h.press(fac, "Mawar")
    await h.press(fac, "Rukmini")  # marked present by her pendamping
    h.clock.set(CLOSES - SECOND)
    await h.tick()
    assert await h.outbox("attendance_summary") == []
    h.clock.set(CLOSES)
    await h.tick()
    assert await marks(h, meeting) == {
        "Siti": ("present", "self"),
        "Rukmini": ("present", "facilitator"),
        "Ani": ("excused", "rsvp"),
        "Dewi": ("absent", "final"),
    }
    row = next(
        iter(
            await fetch(
                h.db, "SELECT status, finalized_at FROM meetings WHERE id = ?", (meeting.id,)
            )
        )
    )
    assert tuple(row) == ("held", CLOSES.isoformat())
    when = "Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    summary = h.last_text(fac)
    assert "Hadir: 2 dari 4" in summary
    assert "Izin (1): Ani (Sakit)" in summary
    assert "Tidak hadir (1): Dewi" in summary
    assert "Ubah kehadiran" in str(h.fake.last_message(fac))
    module_title = "Sesi 1: Menjadi Orang Tua yang Lebih Baik"
    siti_texts = h.texts(siti)
    assert any(t.startswith("Terima kasih sudah hadir") and module_title in t for t in siti_texts)
    leader = [t for t in siti_texts if "Hadir 2 dari 4 anggota" in t]
    assert len(leader) == 1 and "Izin 1" in leader[0] and "Tidak hadir 1" in leader[0]
    # Those who missed it get the same summary, worded so as not to say that they missed it.
    opening = h.t("attendance.after_excused", name="Ani", when=when, summary="")
    assert h.last_text(ani).startswith(opening)
    assert module_title in h.last_text(ani) and when in h.last_text(ani)
    assert h.last_text(dewi).startswith(
        h.t("attendance.after_absent", name="Dewi", when=when, summary="")
    )
    assert module_title in h.last_text(dewi)
    # Nothing is sent to Rukmini (no Telegram) and nothing twice, however often the tick runs.
    counts = {
        kind: len(await h.outbox(kind))
        for kind in ("attendance_summary", "attendance_after", "attendance_leader")
    }
    assert counts == {"attendance_summary": 1, "attendance_after": 3, "attendance_leader": 1}
    total = len(await h.outbox())
    sent = h.fake.method_counts["sendMessage"]
    for _ in range(3):
        await h.tick()
    h.clock.set(CLOSES + timedelta(hours=5))
    await h.tick()
    assert len(await h.outbox()) == total
    assert h.fake.method_counts["sendMessage"] == sent


async def test_finalization_survives_a_crash_between_steps(h: Harness) -> None:
    """Marks made final but the process died before messages: the next tick finishes."""
    fac, (siti, _ani, _dewi) = await setup(h)
    meeting = await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(CLOSES)
    await h.db.finalize_marks(meeting.id, h.clock.now())  # step one only, then "crash"
    await h.tick()
    assert len(await h.outbox("attendance_after")) == 3
    assert len(await h.outbox("attendance_summary")) == 1
    await h.tick()
    assert len(await h.outbox("attendance_after")) == 3
    when = "Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    opening = h.t("attendance.after_absent", name="Siti", when=when, summary="")
    assert h.last_text(siti).startswith(opening)


async def test_correction_after_finalization_is_logged(h: Harness) -> None:
    fac, (_siti, _ani, _dewi) = await setup(h)
    meeting, _code = await open_window(h, fac)
    h.clock.set(CLOSES)
    await h.tick()
    assert (await marks(h, meeting))["Siti"] == ("absent", "final")
    h.clock.set(CLOSES + timedelta(days=1))
    await h.press(fac, "Ubah kehadiran")
    text = h.last_text(fac)
    assert h.t("attendance.mark_final") in text and code_label(h) not in text
    await h.press(fac, "Siti")
    assert (await marks(h, meeting))["Siti"] == ("present", "facilitator")
    assert [r[1:3] for r in await log_rows(h, meeting) if r[0] == "Siti"] == [
        ("absent", "final"),
        ("present", "facilitator"),
    ]


async def test_my_history(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    await h.send(siti, "/kehadiranku")
    assert h.last_text(siti) == h.t("attendance.history_empty", name="Siti")
    group_id = await group_id_of(h, fac)
    first = await add_meeting(h, group_id)
    await add_meeting(h, group_id, START + timedelta(days=31), "sesi-02")
    h.clock.set(OPENS)
    await h.tick()
    await check_in(h, siti, await code_of(h, first))
    h.clock.set(START + timedelta(days=40))
    await h.tick()
    await h.send(siti, "/kehadiranku")
    text = h.last_text(siti)
    assert "✅ 5 Des 2026 – Sesi 1: Menjadi Orang Tua yang Lebih Baik: hadir" in text
    assert "▫️ 5 Jan 2027 – Sesi 2:" in text and ": tidak hadir" in text
    assert "Hadir 1 dari 2 pertemuan" in text and "/materi" in text
    assert text.index("5 Jan 2027") < text.index("5 Des 2026")  # newest first
    assert "hadir" in h.menu(siti) and "kehadiranku" in h.menu(siti)
    assert "kehadiran" in h.menu(fac) and "tindaklanjut" in h.menu(fac)
    assert "hadir" not in h.menu(fac)


async def test_meeting_detail_leads_to_marking(h: Harness) -> None:
    fac, _mothers = await setup(h)
    await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(OPENS - timedelta(hours=1))
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    assert "Tandai kehadiran" not in str(h.last_with_buttons(fac)["reply_markup"])
    h.clock.set(OPENS)
    await h.tick()
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Tandai kehadiran")
    assert "Tekan nama untuk mengubah" in h.last_text(fac)
    assert code_label(h) in h.last_text(fac)


async def test_moving_an_opened_meeting_reopens_its_window_with_a_new_code(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    meeting, code = await open_window(h, fac)
    # The facilitator moves it a week later: the old code is gone, a new one comes then.
    actor = await resolve_actor(h.db, fac.id)
    moved = await h.services.meetings.move(
        actor, meeting.id, meeting.starts_at + timedelta(days=7), h.clock.now()
    )
    assert moved is not None
    rows = await fetch(
        h.db, "SELECT checkin_code, window_opened_at FROM meetings WHERE id = ?", (meeting.id,)
    )
    assert [tuple(r) for r in rows] == [(None, None)]
    h.clock.set(moved.starts_at - timedelta(minutes=30))
    await h.tick()
    codes = [t for t in h.texts(fac) if code_label(h) in t]
    assert len(codes) == 2  # the first window's code, then the new one
    new_code = await code_of(h, meeting)
    assert "tercatat" in await check_in(h, siti, new_code)
    assert (await marks(h, meeting))["Siti"] == ("present", "self")
    assert code  # the first window had its own code


async def test_a_bare_code_checks_her_in_while_the_window_is_open(h: Harness) -> None:
    """The code typed alone (no /hadir first, or her /hadir step answered before a restart
    re-delivered the code) counts as "/hadir <code>" while her window is open; outside
    it, a number is just not understood and changes nothing."""
    fac, (siti, ani, _dewi) = await setup(h)
    meeting, code = await open_window(h, fac)
    await h.send(siti, code)
    assert h.last_text(siti) == h.t(
        "attendance.checkin_ok", name="Siti", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    )
    assert await marks(h, meeting) == {"Siti": ("present", "self")}
    # The same code again (a replayed update, or typed twice): already recorded, once.
    await h.send(siti, code)
    assert h.last_text(siti) == h.t("attendance.already")
    assert len([r for r in await log_rows(h, meeting) if r[0] == "Siti"]) == 1
    # A wrong bare code is counted like a wrong code after /hadir.
    wrong = await h.wrong_code(meeting.id)
    await h.send(ani, wrong)
    assert h.last_text(ani) == h.t("attendance.wrong_code", left=4)
    # After the window, a number is not a check-in.
    h.clock.set(CLOSES + timedelta(days=3))
    await h.send(ani, code)
    assert h.last_text(ani) == h.t("common.not_understood")
    assert "Ani" not in await marks(h, meeting)
