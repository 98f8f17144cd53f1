"""Issue 13, through the handlers: an excuse is an answer, "Lainnya" asks for the reason, a
moved meeting asks again, one set of buttons per meeting in /jadwal, record messages stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.meetings import REASON_NOTE_LIMIT
from fakeapi import FakeUser
from tests.support.attendance import alerts, run_meeting, setup, yearly
from tests.support.harness import Harness, button_data, button_labels
from tests.support.meetings import once_on_saturday, schedule, setup_group
from tests.support.sql import fetch

# START in tests/support/harness.py is Monday 30 November 2026, 08.00 WIB; meetings on Saturday
# 5 December 09.00 WIB (02.00 UTC): the 3-day reminder is due on 2 December 02.00 UTC.
THREE_DAYS = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
ONE_DAY = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
TWO_HOURS = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
WINDOW = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)


async def rsvp(h: Harness, user: FakeUser) -> tuple[str, str | None, str | None] | None:
    rows = list(
        await fetch(
            h.db,
            "SELECT answer, reason, note FROM rsvps WHERE participant_id = ?",
            ((await h.participant(user)).id,),
        )
    )
    return (rows[0][0], rows[0][1], rows[0][2]) if rows else None


async def excuse(h: Harness, user: FakeUser, reason: str = "Sakit") -> None:
    await h.press(user, h.t("reminder.button_no"))
    await h.press(user, reason)


def message(h: Harness, user: FakeUser, message_id: int) -> dict[str, Any]:
    return next(m for m in h.fake.sent_by_bot(user) if m["message_id"] == message_id)


# -- 2. an excuse is an answer -------------------------------------------------------------


async def test_later_reminders_acknowledge_the_excuse_and_offer_a_change_once(
    h: Harness,
) -> None:
    fac, (siti, ani) = await setup_group(h)
    meeting = await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(THREE_DAYS)
    await h.tick()
    await excuse(h, siti)
    assert h.t("reminder.thanks_no", name="Siti") in h.last_text(siti)
    h.clock.set(ONE_DAY)
    await h.tick()
    got = h.fake.last_message(siti)
    assert got is not None
    assert h.t("reminder.button_yes") not in button_labels(got)
    assert "Apakah Ibu bisa hadir?" not in got["text"]  # catalog: reminder.text asks it
    assert button_labels(got) == [h.t("reminder.button_can_come")]
    assert "(Sakit)" in got["text"]
    # Ani, who has not answered, is asked as before.
    assert button_labels(h.fake.last_message(ani) or {}) == [
        h.t("reminder.button_yes"),
        h.t("reminder.button_no"),
    ]
    # The 2-hour reminder does not offer it again.
    count = len(h.texts(siti))
    h.clock.set(TWO_HOURS)
    await h.tick()
    assert len(h.texts(siti)) == count
    # She can come after all: one press on the offer.
    await h.press(siti, h.t("reminder.button_can_come"), got)
    assert await rsvp(h, siti) == ("yes", None, None)
    assert meeting.id is not None


async def test_marking_screen_shows_the_excuse_before_the_meeting(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(THREE_DAYS)
    await h.tick()
    await excuse(h, siti, "Urusan keluarga")
    h.clock.set(WINDOW)
    await h.tick()
    code_message = h.last_with_buttons(fac)
    screen = await h.press(fac, h.t("attendance.button_mark"), code_message)
    assert screen is not None
    labels = button_labels(screen)
    assert (
        h.t("attendance.mark_item_rsvp_excused", name="Siti", reason="Urusan keluarga") in labels
    )
    assert h.t("attendance.mark_item_none", name="Ani") in labels
    # 6. the message with the code stays as it was; the screen is a new message below it
    assert screen["message_id"] > code_message["message_id"]
    assert message(h, fac, code_message["message_id"])["caption"] == code_message["caption"]


# -- 3. "Lainnya" asks for the reason ------------------------------------------------------


async def test_other_reason_is_asked_stored_shown_and_erased(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(THREE_DAYS)
    await h.tick()
    await excuse(h, siti, h.t("reason.lainnya"))
    assert h.last_text(siti) == h.t("reminder.ask_note", limit=REASON_NOTE_LIMIT)
    assert await rsvp(h, siti) == ("no", "lainnya", None)  # the excuse itself is recorded
    # too long: a short answer, nothing stored
    await h.send(siti, "x" * (REASON_NOTE_LIMIT + 1))
    assert h.last_text(siti) == h.t("reminder.note_invalid", limit=REASON_NOTE_LIMIT)
    assert await rsvp(h, siti) == ("no", "lainnya", None)
    await h.send(siti, "  Mengantar   ibu ke puskesmas ")
    assert h.last_text(siti) == h.t("reminder.thanks_no", name="Siti")
    assert await rsvp(h, siti) == ("no", "lainnya", "Mengantar ibu ke puskesmas")
    # what she types next is no longer taken as the reason
    await h.send(siti, "halo")
    assert await rsvp(h, siti) == ("no", "lainnya", "Mengantar ibu ke puskesmas")
    # her facilitator sees it
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Lihat jawaban")
    assert "Siti (Mengantar ibu ke puskesmas)" in h.last_text(fac)
    # and it goes with her data
    await h.send(siti, "/datasaya")
    await h.press(siti, "Hapus data saya")
    await h.press(siti, "Ya, hapus")
    rows = list(await fetch(h.db, "SELECT reason, note FROM rsvps"))
    assert [tuple(r) for r in rows] == [(None, None)]


async def test_other_reason_can_be_skipped_and_stale_skip_is_refused(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(THREE_DAYS)
    await h.tick()
    await excuse(h, siti, h.t("reason.lainnya"))
    asked = h.last_with_buttons(siti)
    skip = button_data(asked, h.t("reminder.button_skip_note"))
    await h.press(siti, h.t("reminder.button_skip_note"), asked)
    assert h.last_text(siti) == h.t("reminder.thanks_no", name="Siti")
    await h.process(h.fake.press_button(siti, asked["message_id"], skip, forge=True))
    assert h.answers()[-1] == h.t("common.stale_button")
    assert await rsvp(h, siti) == ("no", "lainnya", None)


# -- 4. a moved meeting asks again ----------------------------------------------------------


async def test_move_clears_answers_and_the_notice_asks_again(h: Harness) -> None:
    fac, (siti, ani) = await setup_group(h)
    meeting = await schedule(h, fac, date(2026, 12, 5), time(9, 0))
    h.clock.set(THREE_DAYS)
    await h.tick()
    await excuse(h, siti)
    await h.press(ani, h.t("reminder.button_yes"))
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Pindah jadwal")
    await h.send(fac, "12/12 09.00")
    await h.drain()
    assert await rsvp(h, siti) is None and await rsvp(h, ani) is None
    notice = h.fake.last_message(siti)
    assert notice is not None and h.t("meeting.moved_ask_again") in notice["text"]
    assert button_labels(notice) == [h.t("reminder.button_yes"), h.t("reminder.button_no")]
    # the facilitator's view counts afresh
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    assert "Belum menjawab: 2" in h.last_text(fac)
    # Ani answers on the notice, for the new time; Siti does not answer again
    await h.press(ani, h.t("reminder.button_yes"), h.fake.last_message(ani))
    assert await rsvp(h, ani) == ("yes", None, None)
    # at the new time Siti, excused only for the old one, gets her "Catat kehadiran saya" button
    h.clock.set(datetime(2026, 12, 12, 1, 30, tzinfo=UTC))
    await h.tick()
    assert h.t("attendance.button_checkin") in button_labels(h.last_with_buttons(siti))
    # and at the close she is not recorded as excused for a day she never excused
    h.clock.set(h.services.attendance.window((await h.db.meeting(meeting.id)) or meeting).closes)
    await h.tick()
    marks = list(
        await fetch(
            h.db,
            "SELECT status FROM attendance WHERE participant_id = ?",
            ((await h.participant(siti)).id,),
        )
    )
    assert [m[0] for m in marks] == ["absent"]


# -- 5. one meeting, one set of buttons -----------------------------------------------------


async def test_my_schedule_has_buttons_per_meeting(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    meetings = [await schedule(h, fac, date(2026, 12, day), time(9, 0)) for day in (5, 12, 19)]
    before = len(h.fake.sent_by_bot(siti))
    await h.send(siti, "/jadwal")
    sent = h.fake.sent_by_bot(siti)[before:]
    assert sent[0]["text"] == h.t("meeting.mine_title")
    items = sent[1:]
    assert len(items) == 3
    for item, m, day in zip(items, meetings, (5, 12, 19), strict=True):
        assert f"{day} Desember 2026" in item["text"]
        assert button_data(item, h.t("reminder.button_no")) == f"rn:{m.id}"
        assert button_data(item, h.t("reminder.button_yes")) == f"ry:{m.id}"
    # she answers the second one; /jadwal then shows it answered, the others still asked
    await h.press(siti, h.t("reminder.button_yes"), items[1])
    before = len(h.fake.sent_by_bot(siti))
    await h.send(siti, "/jadwal")
    items = h.fake.sent_by_bot(siti)[before + 1 :]
    assert h.t("meeting.mine_coming") in items[1]["text"]
    assert (
        h.t("meeting.mine_ask") in items[0]["text"] and h.t("meeting.mine_ask") in items[2]["text"]
    )


# -- 6. record messages stay -----------------------------------------------------------------


async def test_scheduling_confirmation_stays_and_the_list_follows(h: Harness) -> None:
    fac, _ = await setup_group(h)
    await once_on_saturday(h, fac)
    confirm = h.last_with_buttons(fac)
    await h.press(fac, "Jadwalkan", confirm)
    assert message(h, fac, confirm["message_id"])["text"] == h.t("meeting.scheduled", count=1)
    listing = h.fake.last_message(fac)
    assert listing is not None and listing["message_id"] > confirm["message_id"]
    assert listing["text"].startswith("Pertemuan yang akan datang")


# -- 7. alerts a facilitator with 300 families can read --------------------------------------


async def test_one_digest_per_close_and_follow_ups_readable_in_the_list(h: Harness) -> None:
    names = ("Siti", "Ani", "Dewi", "Euis", "Lina")
    fac, mothers = await setup(h, names)
    meetings = await yearly(h, fac, 3)
    for meeting in meetings[:2]:
        await run_meeting(h, meeting, [(m, "A") for m in mothers])
    # Five alerts crossed at the second close: one message, a line and a button each.
    assert len(await alerts(h)) == 5
    assert await h.outbox("alert") == []
    digests = await h.outbox("alert_digest")
    assert [d["key"] for d in digests] == [f"alert_digest:{meetings[1].id}"]
    digest = next(m for m in h.fake.sent_by_bot(fac) if "kvn:" in str(m))
    assert len(button_labels(digest)) == 5
    for name in names:
        assert h.t("attendance.digest_button", name=name) in button_labels(digest)
    # Her follow-ups: what has been done shows in the list.
    detail = await h.press(fac, "Siti", digest)
    assert detail is not None and "Ibu Siti" in detail["text"]
    assert message(h, fac, digest["message_id"])["text"] == digest["text"]  # the digest stays
    await h.press(fac, h.t("attendance.button_contacted"), detail)
    await h.press(fac, h.t("attendance.button_skip"))
    await h.press(fac, h.t("attendance.button_visit_scheduled"), detail)
    await h.press(fac, h.t("attendance.button_skip"))
    await h.send(fac, "/tindaklanjut")
    labels = button_labels(h.last_with_buttons(fac))
    siti = next(label for label in labels if "Siti" in label)
    assert h.t("attendance.done_contacted") in siti
    assert h.t("attendance.done_visit_scheduled") in siti
    ani = next(label for label in labels if "Ani" in label)
    assert h.t("attendance.done_contacted") not in ani
    # Seven days on: brought back only where nothing was recorded.
    h.clock.set(h.clock.now() + timedelta(days=7, hours=1))
    await h.tick()
    reminded = {r["key"] for r in await h.outbox("alert_remind")}
    rows = await alerts(h)
    siti_id = (await h.participant(mothers[0])).id
    assert reminded == {f"alert_remind:{a['id']}" for a in rows if a["participant_id"] != siti_id}
