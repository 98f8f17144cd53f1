"""Where, if she agrees, and the facilitator's sign-off (issue 21, points 3, 4 and 5).

The meeting starts Saturday 5 December 2026, 09.00 WIB (02.00 UTC); its window opens 08.30
WIB and closes 11.30 WIB (04.30 UTC); codes change every five minutes. Time is the
harness's ManualClock; nothing sleeps.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from bot.attendance import distance_m
from db.meetings import Meeting, NewMeeting
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.sql import fetch

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
OPENS = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
CLOSES = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)
BALAI = (-6.2000, 106.8166)  # the meeting place
NEAR = (-6.2005, 106.8170)  # about 70 m away
FAR = (-6.2100, 106.8166)  # about 1.1 km away


@pytest.mark.parametrize(
    ("a", "b", "metres", "tolerance"),
    [
        (BALAI, BALAI, 0, 0.001),
        ((0.0, 0.0), (0.0, 1.0), 111_195, 1),  # a degree of longitude on the equator
        ((0.0, 0.0), (1.0, 0.0), 111_195, 1),  # a degree of latitude
        (BALAI, FAR, 1_112, 1),
        (BALAI, NEAR, 71, 1),
        ((-6.1754, 106.8272), (-6.1702, 106.8310), 714, 2),  # Monas to Istiqlal
        ((0.0, 179.9995), (0.0, -179.9995), 111, 1),  # across the date line
    ],
)
def test_distance_by_table(
    a: tuple[float, float], b: tuple[float, float], metres: float, tolerance: float
) -> None:
    assert abs(distance_m(*a, *b) - metres) <= tolerance
    assert abs(distance_m(*b, *a) - metres) <= tolerance


# --------------------------------------------------------------------- helpers


async def setup(h: Harness) -> tuple[FakeUser, list[FakeUser], Meeting]:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar")
    mothers = [await join(h, payload, name) for name in ("Siti", "Ani", "Dewi", "Rina")]
    group_id = (await h.db.groups_of((await h.facilitator(fac)).id))[0].group.id
    created = await h.db.create_meetings(
        [NewMeeting(group_id, START, "Balai Desa Sukamaju", "sesi-01")], h.clock.now()
    )
    return fac, mothers, created[0]


async def share_place(h: Harness, fac: FakeUser) -> None:
    """The facilitator saves the meeting place from her group's screen."""
    await h.send(fac, "/kelompok")
    await h.press(fac, "Mawar")
    await h.press(fac, h.t("group.button_location"))
    keyboard = h.fake.reply_keyboard(fac)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_location"] is True
    await h.process(h.fake.send_location(fac, *BALAI))
    assert h.last_text(fac) == h.t("group.location_saved", group="Mawar")


async def check_in(h: Harness, mother: FakeUser, meeting: Meeting) -> None:
    await h.send(mother, f"/hadir {await h.checkin_code(meeting.id)}")


async def row(h: Harness, meeting: Meeting, mother: FakeUser) -> tuple[object, ...]:
    rows = await fetch(
        h.db,
        "SELECT status, source, checkin_flags, distance_m, confirmed_by FROM attendance"
        " WHERE meeting_id = ? AND participant_id = ?",
        (meeting.id, (await h.participant(mother)).id),
    )
    found = list(rows)
    return tuple(found[0]) if found else ()


# --------------------------------------------------------------------- location


async def place_of(h: Harness, meeting: Meeting) -> tuple[float | None, float | None]:
    group = await h.db.group(meeting.group_id)
    assert group is not None
    return group.place_lat, group.place_lon


async def test_the_place_is_saved_once_and_shown_on_the_group_screen(h: Harness) -> None:
    fac, _mothers, meeting = await setup(h)
    await h.send(fac, "/kelompok")
    screen = await h.press(fac, "Mawar")
    assert screen is not None and h.t("group.location_none") in str(screen["text"])
    await share_place(h, fac)
    assert await place_of(h, meeting) == BALAI
    await h.send(fac, "/kelompok")
    screen = await h.press(fac, "Mawar")
    assert screen is not None and h.t("group.location_set") in str(screen["text"])
    # Cancelling with text changes nothing.
    await h.press(fac, h.t("group.button_location"))
    await h.send(fac, h.t("group.button_location_cancel"))
    assert h.last_text(fac) == h.t("group.location_cancelled")
    assert await place_of(h, meeting) == BALAI


async def test_her_location_is_optional_and_far_is_flagged_not_refused(h: Harness) -> None:
    fac, (siti, ani, dewi, _rina), meeting = await setup(h)
    await share_place(h, fac)
    h.clock.set(START)
    await h.tick()
    # Siti checks in and shares her location: 1.1 km away. Recorded, and flagged.
    await check_in(h, siti, meeting)
    when = "Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    assert h.last_text(siti).startswith(h.t("attendance.checkin_ok", name="Siti", when=when))
    keyboard = h.fake.reply_keyboard(siti)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_location"] is True
    await h.process(h.fake.send_location(siti, *FAR))
    assert h.last_text(siti) == h.t("attendance.location_thanks")
    assert await row(h, meeting, siti) == ("present", "self", "far", 1112, None)
    # Ani shares hers from the hall: the distance is noted, no flag.
    await check_in(h, ani, meeting)
    await h.process(h.fake.send_location(ani, *NEAR))
    assert await row(h, meeting, ani) == ("present", "self", None, 71, None)
    # Dewi skips it: still recorded, nothing more asked.
    await check_in(h, dewi, meeting)
    await h.send(dewi, h.t("attendance.button_skip_location"))
    assert h.last_text(dewi) == h.t("attendance.location_skipped")
    assert await row(h, meeting, dewi) == ("present", "self", None, None, None)
    assert await h.db.chat_state(dewi.id) is None
    # A location sent later, out of any dialogue, changes nothing.
    await h.process(h.fake.send_location(dewi, *FAR))
    assert await row(h, meeting, dewi) == ("present", "self", None, None, None)


async def test_without_a_saved_place_no_location_is_asked(h: Harness) -> None:
    _fac, (siti, *_), meeting = await setup(h)
    h.clock.set(START)
    await h.tick()
    await check_in(h, siti, meeting)
    assert h.last_text(siti) == h.t(
        "attendance.checkin_ok", name="Siti", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    )
    assert await h.db.chat_state(siti.id) is None


# --------------------------------------------------------------------- the sign-off


async def flagged_meeting(h: Harness) -> tuple[FakeUser, list[FakeUser], Meeting]:
    """Siti far away, Ani after an old code, Dewi very late, Rina with nothing to flag."""
    fac, mothers, meeting = await setup(h)
    siti, ani, dewi, rina = mothers
    await share_place(h, fac)
    h.clock.set(OPENS)
    await h.tick()
    old = await h.checkin_code(meeting.id)
    h.clock.set(START)
    await h.tick()
    await check_in(h, siti, meeting)
    await h.process(h.fake.send_location(siti, *FAR))
    await h.send(ani, f"/hadir {old}")
    assert h.last_text(ani) == h.t("attendance.old_code")
    await check_in(h, ani, meeting)
    await h.send(ani, h.t("attendance.button_skip_location"))
    await check_in(h, rina, meeting)
    await h.process(h.fake.send_location(rina, *NEAR))
    h.clock.set(START + timedelta(minutes=90))  # after start + very_late_after (60 min)
    await h.tick()
    await check_in(h, dewi, meeting)
    await h.send(dewi, h.t("attendance.button_skip_location"))
    h.clock.set(CLOSES)
    await h.tick()
    return fac, mothers, meeting


async def test_the_summary_lists_flagged_check_ins_and_one_tap_signs_off(h: Harness) -> None:
    fac, (siti, ani, dewi, rina), meeting = await flagged_meeting(h)
    summary = next(m for m in reversed(h.fake.sent_by_bot(fac)) if "reply_markup" in m)
    text = str(summary["text"])
    assert h.t("attendance.signoff_title", count=3) in text
    for name, flag in (("Siti", "far"), ("Ani", "old_code"), ("Dewi", "very_late")):
        key = f"attendance.flag_{flag}"
        why = h.t(key, meters="1.112") if flag == "far" else h.t(key)
        assert h.t("attendance.signoff_item", name=name, why=why) in text, name
    assert "Rina:" not in text  # unflagged: nothing to do
    labels = [b["text"] for r in summary["reply_markup"]["inline_keyboard"] for b in r]
    assert labels.count(h.t("attendance.button_signoff_no")) == 3
    # Confirm Siti; correct Ani (she was not there).
    await h.press(fac, h.t("attendance.button_signoff_ok", name="Siti"), summary)
    assert h.answers()[-1] == h.t("attendance.signoff_confirmed", name="Siti")
    facilitator_id = (await h.facilitator(fac)).id
    assert await row(h, meeting, siti) == ("present", "self", "far", 1112, facilitator_id)
    edited = next(m for m in h.fake.sent_by_bot(fac) if m["message_id"] == summary["message_id"])
    labels = [b["text"] for r in edited["reply_markup"]["inline_keyboard"] for b in r]
    assert h.t("attendance.button_signoff_ok", name="Siti") not in labels
    ani_row = next(
        r
        for r in edited["reply_markup"]["inline_keyboard"]
        if r[0]["text"] == h.t("attendance.button_signoff_ok", name="Ani")
    )
    await h.press_data(fac, ani_row[1]["callback_data"], forge=False)
    assert h.answers()[-1] == h.t("attendance.signoff_corrected", name="Ani")
    assert (await row(h, meeting, ani))[:2] == ("absent", "facilitator")
    # Pressed again (a double tap on an old keyboard, a replayed update): told, no change.
    await h.press_data(fac, ani_row[1]["callback_data"])
    assert h.answers()[-1] == h.t("attendance.signoff_already", name="Ani")
    siti_id = (await h.participant(siti)).id
    await h.press_data(fac, f"ks:{meeting.id}:{siti_id}:no")
    assert h.answers()[-1] == h.t("attendance.signoff_already", name="Siti")
    assert await row(h, meeting, siti) == ("present", "self", "far", 1112, facilitator_id)
    log = await h.db.attendance_log(meeting.id, (await h.participant(ani)).id)
    assert [e.status for e in log] == ["present", "absent"]
    # Rina's and Dewi's marks are untouched.
    assert (await row(h, meeting, rina))[:3] == ("present", "self", None)
    assert (await row(h, meeting, dewi))[:4] == ("present", "self", "very_late", None)


async def test_sign_off_buttons_refuse_other_facilitators_and_forged_values(h: Harness) -> None:
    fac, (siti, *_), meeting = await flagged_meeting(h)
    siti_id = (await h.participant(siti)).id
    other = await register_facilitator(h, "Dina Sari")
    for data in (f"ks:{meeting.id}:{siti_id}:ok", f"ks:{meeting.id}:{siti_id}:no"):
        await h.press_data(other, data)
        assert h.answers()[-1] == h.t("common.stale_button")
    for data in (f"ks:{meeting.id}:{siti_id}:maybe", f"ks:{meeting.id}:999999:ok"):
        await h.press_data(fac, data)
        assert h.answers()[-1] == h.t("common.stale_button")
    assert await row(h, meeting, siti) == ("present", "self", "far", 1112, None)


async def test_exports_tell_how_each_present_mark_was_made(h: Harness) -> None:
    fac, _mothers, _meeting = await flagged_meeting(h)
    summary = next(m for m in reversed(h.fake.sent_by_bot(fac)) if "reply_markup" in m)
    await h.press(fac, h.t("attendance.button_signoff_ok", name="Siti"), summary)
    await h.send(fac, "/ekspor")
    await h.press(fac, "Excel Desember 2026")
    document = next(m for m in reversed(h.fake.sent_by_bot(fac)) if "document" in m)
    data = h.fake.file(document["document"]["file_id"]).data
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Kegiatan"]
    header = [c.value for c in sheet[5]]
    column = header.index("Cara kehadiran dicatat")
    line = next(r for r in sheet.iter_rows(min_row=6, values_only=True) if r[0])
    how = str(line[column])
    assert how == ", ".join(
        h.t("report.how_item", name=name, how=h.t(key))
        for name, key in (
            ("Ani", "report.how_self"),
            ("Dewi", "report.how_self"),
            ("Rina", "report.how_self"),
            ("Siti", "report.how_self_confirmed"),
        )
    )
