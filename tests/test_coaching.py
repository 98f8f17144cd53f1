"""Coaching (issue 22): the session guide the day before a meeting, from /materi and the
meeting screen, and the facilitator's self-check after the close. Meetings are made, moved
and cancelled through the handlers; time is the harness's clock, nothing sleeps.

START (tests/harness.py) is Monday 30 November 2026, 08.00 WIB. The meeting used here is
Saturday 5 December, 09.00 WIB (02.00 UTC): its guide is due on Friday 4 December at 10.00
WIB (03.00 UTC); its check-in closes at 11.30 WIB (04.30 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.coaching import NOTE_MAX, NOTES_PER_GUIDE, guide_due, guides_due_before
from bot.coaching.render import GroupContext, guide_text, selfcheck_sentences
from bot.content import default_content_dir, load_library
from bot.i18n import Catalog
from db.coaching import GUIDE_KIND
from fakeapi import FakeUser, parse_text
from fakeapi.core import MAX_MESSAGE_LENGTH
from fakeapi.formatting import utf16_len
from tests.support.harness import (
    Harness,
    button_labels,
    create_group,
    join,
    open_selfcheck,
    register_facilitator,
    running_bot,
    schedule_once,
)
from tests.support.sql import fetch

SECOND = timedelta(seconds=1)
DUE = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # Friday 10.00 WIB
CLOSED = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)  # Saturday 11.30 WIB


def guides_to(h: Harness, user: FakeUser) -> list[str]:
    title = h.t("coach.guide_title", number=1, title="x").split(":")[0]
    return [t for t in h.texts(user) if t.startswith(title)]


async def setup(h: Harness, zone: str = "WIB", members: int = 2) -> tuple[FakeUser, str]:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar", zone)
    for i in range(members):
        await join(h, payload, f"Ibu{i}")
    return fac, payload


async def test_the_guide_comes_once_the_day_before_and_not_earlier(h: Harness) -> None:
    fac, _ = await setup(h)
    await schedule_once(h, fac)
    h.clock.set(DUE - SECOND)
    await h.tick()
    assert guides_to(h, fac) == []
    h.clock.set(DUE)
    await h.tick()
    guides = guides_to(h, fac)
    assert len(guides) == 1
    assert "Menjadi Orang Tua yang Lebih Baik" in guides[0]
    assert (
        h.t("coach.guide_for_meeting", group="Mawar", when="x", place="y").split(",")[0]
        in (guides[0])
    )
    assert h.t("coach.disclaimer") in guides[0]
    for later in (DUE + timedelta(minutes=1), DUE + timedelta(hours=20)):
        h.clock.set(later)
        await h.tick()
    assert len(guides_to(h, fac)) == 1
    assert len(await h.outbox(GUIDE_KIND)) == 1


async def test_the_guide_is_not_sent_again_after_a_restart(tmp_path: Path) -> None:
    folder = tmp_path
    async with running_bot(folder) as h:
        fac, _ = await setup(h)
        await schedule_once(h, fac)
        h.clock.set(DUE)
        await h.tick()
        assert len(guides_to(h, fac)) == 1
    async with running_bot(folder) as again:
        again.clock.set(DUE + timedelta(minutes=5))
        await again.tick()
        await again.tick()
        assert [r["status"] for r in await again.outbox(GUIDE_KIND)] == ["sent"]
        assert [c for c in again.fake.calls if c.method == "sendMessage"] == []


async def test_the_guide_follows_the_group_time_zone() -> None:
    # 10.00 WITA is 02.00 UTC; 10.00 WIT is 01.00 UTC.
    saturday = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert guide_due(saturday, "Asia/Makassar") == datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    assert guide_due(saturday, "Asia/Jayapura") == datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    assert guide_due(saturday, "Asia/Jakarta") == datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


async def test_a_wita_group_gets_its_guide_at_ten_wita(h: Harness) -> None:
    fac, _ = await setup(h, "WITA")
    await schedule_once(h, fac)  # Saturday 09.00 WITA = 01.00 UTC
    h.clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC) - SECOND)
    await h.tick()
    assert guides_to(h, fac) == []
    h.clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    await h.tick()
    assert len(guides_to(h, fac)) == 1


async def test_a_meeting_scheduled_late_in_the_evening_gets_its_guide_after_quiet_hours(
    h: Harness,
) -> None:
    fac, _ = await setup(h)
    h.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Friday 22.00 WIB: quiet hours
    await schedule_once(h, fac)
    await h.tick()
    assert guides_to(h, fac) == []
    rows = await h.outbox(GUIDE_KIND)
    assert len(rows) == 1
    assert rows[0]["not_before"] == "2026-12-04T23:00:00+00:00"  # Saturday 06.00 WIB
    h.clock.set(datetime(2026, 12, 4, 23, 0, tzinfo=UTC) - SECOND)
    await h.tick()
    assert guides_to(h, fac) == []
    h.clock.set(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))
    await h.tick()
    assert len(guides_to(h, fac)) == 1


async def test_a_guide_still_queued_when_quiet_hours_begin_waits_for_their_end(
    h: Harness,
) -> None:
    fac, _ = await setup(h)
    h.clock.set(datetime(2026, 12, 4, 13, 59, 30, tzinfo=UTC))  # Friday 20.59.30 WIB
    await schedule_once(h, fac)
    await h.services.coaching.tick(h.clock.now())  # queued, not sent yet
    h.clock.set(datetime(2026, 12, 4, 14, 0, 30, tzinfo=UTC))  # 21.00.30 WIB
    await h.drain()
    assert guides_to(h, fac) == []
    h.clock.set(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))  # Saturday 06.00 WIB
    await h.drain()
    assert len(guides_to(h, fac)) == 1


async def test_no_guide_when_quiet_hours_last_until_the_meeting(h: Harness) -> None:
    fac, _ = await setup(h)
    h.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Friday 22.00 WIB
    await schedule_once(h, fac, "5/12 06.00")  # Saturday 06.00 WIB: the end of quiet hours
    await h.tick()
    assert await h.outbox(GUIDE_KIND) == []


async def test_a_moved_meeting_gets_its_guide_the_day_before_the_new_time(h: Harness) -> None:
    fac, _ = await setup(h)
    await schedule_once(h, fac)
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Pindah jadwal")
    await h.send(fac, "8/12 09.00")  # Tuesday
    h.clock.set(DUE)
    await h.tick()
    assert guides_to(h, fac) == []
    h.clock.set(datetime(2026, 12, 7, 3, 0, tzinfo=UTC) - SECOND)  # Monday 09.59.59 WIB
    await h.tick()
    assert guides_to(h, fac) == []
    h.clock.set(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    await h.tick()
    assert len(guides_to(h, fac)) == 1
    assert "Selasa, 8 Desember 2026 pukul 09.00 WIB" in guides_to(h, fac)[0]


async def test_a_guide_held_for_the_old_time_is_dropped_when_the_meeting_moves(
    h: Harness,
) -> None:
    fac, _ = await setup(h)
    h.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Friday 22.00 WIB
    await schedule_once(h, fac)
    await h.tick()  # held until 06.00
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Pindah jadwal")
    await h.send(fac, "8/12 09.00")
    await h.tick()
    h.clock.set(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))
    await h.tick()
    assert guides_to(h, fac) == []
    rows = await h.outbox(GUIDE_KIND)
    assert [(r["status"], r["last_error"]) for r in rows] == [("failed", "obsolete")]
    h.clock.set(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    await h.tick()
    assert len(guides_to(h, fac)) == 1


async def test_a_cancelled_meeting_gets_no_guide(h: Harness) -> None:
    fac, _ = await setup(h)
    await schedule_once(h, fac)
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    await h.press(fac, "Batalkan")
    await h.press(fac, "Ya, batalkan")
    h.clock.set(DUE)
    await h.tick()
    assert guides_to(h, fac) == []
    assert await h.outbox(GUIDE_KIND) == []


# --------------------------------------------------------------------------- the screens


def test_every_guide_fits_one_message_at_its_longest() -> None:
    """A group of 55 with long names and two notes of the longest kind: still one message
    (Telegram counts the text as shown, without the tags)."""
    catalog = Catalog.load()
    group = GroupContext(
        "K" * 60, "Sabtu, 30 Desember 2026 pukul 09.00 WITA", "B" * 120, 55, "L" * 60
    )
    notes = ["n" * NOTE_MAX] * NOTES_PER_GUIDE
    for session in load_library(default_content_dir()).sessions:
        shown = parse_text(guide_text(catalog, session, group, notes), "HTML")[0]
        assert utf16_len(shown) <= MAX_MESSAGE_LENGTH, session.id


async def test_materi_offers_the_guide_to_facilitators_only(h: Harness) -> None:
    fac, payload = await setup(h, members=0)
    siti = await join(h, payload, "Siti")
    for user in (fac, siti):
        await h.send(user, "/materi")
        await h.press(user, "Pengasuhan")
        await h.press(user, "Sesi 1")
    assert h.t("coach.button_guide") in button_labels(h.last_with_buttons(fac))
    assert h.t("coach.button_guide") not in button_labels(h.last_with_buttons(siti))
    screen = await h.press(fac, h.t("coach.button_guide"))
    assert screen is not None
    session = h.services.content.session("sesi-01")
    assert session is not None
    assert screen["text"] == parse_text(guide_text(h.services.catalog, session), "HTML")[0]
    back = await h.press(fac, h.t("common.button_back"))
    assert back is not None and h.t("coach.button_guide") in button_labels(back)
    # a forged press by a mother is refused and shows her nothing of the guide
    await h.press_data(siti, "cgs:sesi-01")
    assert h.answers()[-1] == h.t("auth.not_allowed")


async def test_the_meeting_screen_opens_the_guide_with_circles_for_a_large_group(
    h: Harness,
) -> None:
    fac, _ = await setup(h, members=26)
    group_id = (await h.db.groups_of((await h.facilitator(fac)).id))[0].group.id
    members = await fetch(
        h.db, "SELECT id FROM participants WHERE group_id = ? AND name = 'Ibu0'", (group_id,)
    )
    assert await h.db.set_leader(group_id, next(iter(members))[0])
    await schedule_once(h, fac)
    await h.send(fac, "/jadwal")
    await h.press(fac, "Mawar")
    screen = await h.press(fac, h.t("coach.button_guide"))
    assert screen is not None
    text = screen["text"]
    assert "Sabtu, 5 Desember 2026 pukul 09.00 WIB" in text
    heading = h.t("coach.section_circles", members=26, circles=4, size=7, leaders="", items="")
    assert heading.split("\n")[0] in text
    assert h.t("coach.circles_with_leader", leader="Ibu0") in text
    assert h.t("coach.circle_item", number=1, circles="1, 4") in text
    assert len(text) <= 4096
    await h.press(fac, h.t("common.button_back"))
    assert "Mawar" in h.last_text(fac)


async def test_a_small_group_gets_no_circles(h: Harness) -> None:
    fac, _ = await setup(h, members=3)
    await schedule_once(h, fac)
    h.clock.set(DUE)
    await h.tick()
    (guide,) = guides_to(h, fac)
    circles = h.t("coach.section_circles", members=3, circles=2, size=2, leaders="", items="")
    assert circles.split(":")[0] not in guide


async def test_another_facilitators_meeting_guide_is_refused(h: Harness) -> None:
    fac, _ = await setup(h)
    await schedule_once(h, fac)
    other = await register_facilitator(h, "Sari Dewi")
    rows = await fetch(h.db, "SELECT id FROM meetings")
    await h.send(other, "/materi")
    await h.press_data(other, f"cgm:{next(iter(rows))[0]}")
    assert h.answers()[-1] == h.t("common.stale_button")
    assert "Mawar" not in "\n".join(h.texts(other))


# --------------------------------------------------------------------------- the self-check


async def closed_meeting(h: Harness) -> tuple[FakeUser, int]:
    """A meeting closed by the tick; its facilitator has opened her self-check from the
    summary of the close."""
    fac, _ = await setup(h)
    await schedule_once(h, fac)
    h.clock.set(CLOSED)
    await h.tick()
    rows = await fetch(h.db, "SELECT id, status FROM meetings")
    ((meeting_id, status),) = [tuple(r) for r in rows]
    assert status == "held"
    await open_selfcheck(h, fac)
    return fac, meeting_id


async def stored(h: Harness, meeting_id: int) -> tuple[object, ...] | None:
    rows = await fetch(
        h.db,
        "SELECT spoke, worked, obstacle FROM coach_selfchecks WHERE meeting_id = ?",
        (meeting_id,),
    )
    found = [tuple(r) for r in rows]
    return found[0] if found else None


async def test_the_summary_of_the_close_opens_the_self_check(h: Harness) -> None:
    fac, _ = await setup(h)
    await schedule_once(h, fac)
    h.clock.set(CLOSED)
    await h.tick()
    summary = h.last_with_buttons(fac)
    assert h.t("coach.button_selfcheck") in button_labels(summary)
    count = len(h.fake.sent_by_bot(fac))
    prompt = await h.press(fac, h.t("coach.button_selfcheck"), summary)
    assert prompt is not None and prompt["message_id"] != summary["message_id"]
    assert len(h.fake.sent_by_bot(fac)) == count + 1  # a new message; the summary stays
    for key in ("coach.q_spoke", "coach.q_worked", "coach.q_obstacle"):
        assert h.t(key) in prompt["text"]
    assert "Minggu, 6 Desember 2026 pukul 11.30 WIB" in prompt["text"]  # editable until
    labels = button_labels(prompt)
    assert h.t("coach.a_spoke_most") in labels and h.t("coach.a_obstacle_tools") in labels
    assert await h.outbox(GUIDE_KIND) == []  # the bot woke after the start: no late guide


async def test_self_check_answers_are_stored_changed_and_marked(h: Harness) -> None:
    fac, meeting_id = await closed_meeting(h)
    prompt = h.last_with_buttons(fac)
    screen = await h.press(fac, h.t("coach.a_spoke_half"), prompt)
    assert screen is not None and screen["message_id"] == prompt["message_id"]
    assert h.answers()[-1] == h.t("coach.selfcheck_saved")
    assert await stored(h, meeting_id) == ("half", None, None)
    assert h.t("coach.chosen", label=h.t("coach.a_spoke_half")) in button_labels(screen)
    # the same press again (a re-delivered update) stores the same thing
    await h.press_data(fac, f"cs:{meeting_id}:spoke:half", forge=False)
    assert await stored(h, meeting_id) == ("half", None, None)
    await h.press(fac, h.t("coach.a_spoke_most"))
    await h.press(fac, h.t("coach.a_worked_activity"))
    await h.press(fac, h.t("coach.a_obstacle_time"))
    assert h.answers()[-1] == h.t("coach.selfcheck_done")
    assert await stored(h, meeting_id) == ("most", "activity", "time")
    check = await h.services.coaching.selfcheck(meeting_id)
    assert check is not None
    sentences = selfcheck_sentences(h.services.catalog, check.spoke, check.worked, check.obstacle)
    assert await h.services.coaching.selfcheck_sentences(meeting_id) == sentences
    assert await h.services.coaching.selfcheck_sentences(meeting_id + 1) == []
    assert sentences == [
        h.t("coach.sentence_spoke_most"),
        h.t("coach.sentence_worked_activity"),
        h.t("coach.sentence_obstacle_time"),
    ]


async def test_the_self_check_goes_into_the_siks_ng_uraian(h: Harness) -> None:
    """Her answers after the close become sentences of the meeting's Uraian draft."""
    fac, meeting_id = await closed_meeting(h)
    facilitator = await h.facilitator(fac)
    before = await h.services.siks.record(facilitator.id, meeting_id)
    assert before is not None
    assert h.t("coach.sentence_spoke_most") not in before.value("uraian")
    await h.press(fac, h.t("coach.a_spoke_most"), h.last_with_buttons(fac))
    after = await h.services.siks.record(facilitator.id, meeting_id)
    assert after is not None
    assert h.services.catalog.t("coach.sentence_spoke_most") in after.value("uraian")
    assert len(after.value("uraian")) <= h.services.siks.form.uraian_max


async def test_self_check_can_be_changed_for_a_day_only(h: Harness) -> None:
    fac, meeting_id = await closed_meeting(h)
    await h.press(fac, h.t("coach.a_spoke_few"))
    h.clock.set(CLOSED + timedelta(days=1) - SECOND)
    await h.press(fac, h.t("coach.a_spoke_most"))
    assert await stored(h, meeting_id) == ("most", None, None)
    h.clock.set(CLOSED + timedelta(days=1))
    await h.press(fac, h.t("coach.a_spoke_half"))
    assert h.answers()[-1] == h.t("coach.selfcheck_closed")
    assert await stored(h, meeting_id) == ("most", None, None)
    count = len(h.fake.sent_by_bot(fac))
    await open_selfcheck(h, fac)
    assert h.answers()[-1] == h.t("coach.selfcheck_closed")
    assert len(h.fake.sent_by_bot(fac)) == count


async def test_forged_self_check_answers_change_nothing(h: Harness) -> None:
    fac, meeting_id = await closed_meeting(h)
    other = await register_facilitator(h, "Sari Dewi")
    await h.send(other, "/materi")
    await h.press_data(other, f"cs:{meeting_id}:spoke:most")
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(other, f"cso:{meeting_id}")
    assert h.answers()[-1] == h.t("common.stale_button")
    assert "Mawar" not in "\n".join(h.texts(other))
    for data in (
        f"cs:{meeting_id}:spoke:lots",
        f"cs:{meeting_id}:mood:most",
        f"cs:{meeting_id + 1}:spoke:most",
        f"cs:{meeting_id}:spoke",
    ):
        await h.press_data(fac, data)
    assert await stored(h, meeting_id) is None
    payload = await create_group(h, other, "Anggrek")
    mother = await join(h, payload, "Yohana")
    await h.send(mother, "/materi")
    await h.press_data(mother, f"cs:{meeting_id}:spoke:most")
    assert h.answers()[-1] == h.t("auth.not_allowed")
    assert await stored(h, meeting_id) is None


async def test_no_self_check_before_the_close(h: Harness) -> None:
    fac, _ = await setup(h)
    await schedule_once(h, fac)
    rows = await fetch(h.db, "SELECT id FROM meetings")
    meeting_id = next(iter(rows))[0]
    h.clock.set(CLOSED - SECOND)
    await h.send(fac, "/materi")
    await h.press_data(fac, f"cso:{meeting_id}")
    assert h.answers()[-1] == h.t("coach.selfcheck_closed")
    await h.press_data(fac, f"cs:{meeting_id}:spoke:most")
    assert await stored(h, meeting_id) is None


def test_the_tick_reads_only_meetings_whose_guide_is_due() -> None:
    """The tick's bound per zone agrees with guide_due for every meeting time: a meeting
    starts before ``guides_due_before(now, tz)`` exactly when its guide is due by ``now``
    (so the idle tick of a province reads no meeting whose guide is not due yet)."""
    start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    for tz in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"):
        for hour in range(0, 48, 5):
            now = start + timedelta(hours=hour, minutes=7)
            bound = guides_due_before(now, tz)
            for step in range(1, 80):
                meeting = now + timedelta(minutes=37 * step)
                assert (meeting < bound) == (guide_due(meeting, tz) <= now), (tz, now, meeting)
