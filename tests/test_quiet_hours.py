"""Never at night: every bulk message to a mother passes one quiet-hours gate (the outbox
enqueue), whatever made it due; it is held to the end of the quiet hours if still useful
then, otherwise dropped. Facilitators' messages and interactive replies are not held."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.schedule import quiet_hold
from db.outbox import NewMessage
from tests.support.harness import Harness
from tests.support.meetings import reminders, schedule, setup_group

QUIET = (time(21, 0), time(6, 0))


def test_quiet_hold_rule() -> None:
    wib = "Asia/Jakarta"
    # 22.00 WIB (15.00 UTC) is held to 06.00 WIB; its next quiet window is the next evening
    hold = quiet_hold(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), wib, *QUIET)
    assert hold.not_before == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert hold.quiet_from == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert hold.quiet_until == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
    # 10.00 WIB passes; its window is the same evening
    hold = quiet_hold(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), wib, *QUIET)
    assert hold.not_before == datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert hold.quiet_from == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    # 21.30 WITA (13.30 UTC) is held to 06.00 WITA (22.00 UTC)
    hold = quiet_hold(datetime(2026, 12, 1, 13, 30, tzinfo=UTC), "Asia/Makassar", *QUIET)
    assert hold.not_before == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    # no quiet hours configured
    hold = quiet_hold(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), wib, time(0, 0), time(0, 0))
    assert hold.quiet_from is None and hold.not_before.hour == 15


async def test_reminder_due_late_at_night_waits_for_the_morning(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    await schedule(h, fac, date(2026, 12, 5), time(15, 0))  # Saturday 15.00 WIB
    # The bot is down from Monday; it comes back on Friday 22.00 WIB, 17 hours before the
    # meeting. The 1-day reminder (due Friday 15.00) is still fresh, but it is night.
    h.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    before = len(h.texts(siti))
    await h.tick()
    assert len(h.texts(siti)) == before  # nothing at 22.00
    rows = await reminders(h)
    assert {r["not_before"] for r in rows} == {"2026-12-04T23:00:00+00:00"}  # 06.00 WIB
    h.clock.set(datetime(2026, 12, 4, 22, 59, tzinfo=UTC))
    await h.tick()
    assert len(h.texts(siti)) == before
    h.clock.set(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))
    await h.tick()
    assert len(h.texts(siti)) == before + 1
    # the time actually left when she reads it, not "17 jam lagi"
    assert h.t("reminder.lead_hours", hours=9) in h.last_text(siti)


async def test_scheduled_in_the_evening_does_not_wake_anyone(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h, "WITA")
    # 21.30 WITA on Tuesday: a meeting for Wednesday 10.00 WITA. Its 1-day reminder is due at
    # once; it goes at 06.00 WITA, and the 2-hour one at 08.00.
    h.clock.set(datetime(2026, 12, 1, 13, 30, tzinfo=UTC))
    before = len(h.texts(siti))
    await schedule(h, fac, date(2026, 12, 2), time(10, 0))
    await h.tick()
    assert len(h.texts(siti)) == before
    h.clock.set(datetime(2026, 12, 1, 22, 0, tzinfo=UTC))  # 06.00 WITA
    await h.tick()
    assert len(h.texts(siti)) == before + 1
    h.clock.set(datetime(2026, 12, 2, 0, 0, tzinfo=UTC))  # 08.00 WITA
    await h.tick()
    assert len(h.texts(siti)) == before + 2
    assert h.t("reminder.lead_hours", hours=2) in h.last_text(siti)


async def test_late_reminder_superseded_by_the_morning_one_is_skipped(h: Harness) -> None:
    fac, (siti, _) = await setup_group(h)
    # Back at 22.00 WIB before an 08.00 meeting: the 1-day reminder would wait until 06.00,
    # when the 2-hour reminder is due anyway: only that one goes, once.
    await schedule(h, fac, date(2026, 12, 5), time(8, 0))
    h.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    await h.tick()
    assert await reminders(h) == []
    h.clock.set(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))
    await h.tick()
    keys = [str(r["key"]).rsplit(":", 1)[1] for r in await reminders(h)]
    assert keys == ["120", "120"]
    assert h.t("reminder.lead_hours", hours=2) in h.last_text(siti)


async def test_row_not_sent_before_quiet_hours_waits_and_stale_one_is_dropped(
    h: Harness,
) -> None:
    _, (siti, ani) = await setup_group(h)
    sp, ap = await h.participant(siti), await h.participant(ani)
    evening = datetime(2026, 12, 1, 13, 55, tzinfo=UTC)  # 20.55 WIB
    assert siti.id is not None and ani.id is not None
    await h.db.enqueue(
        [
            NewMessage("t:1", siti.id, sp.id, "test", "a", None, evening),
            # useful only until 23.00 WIB: it cannot wait until the morning
            NewMessage(
                "t:2",
                ani.id,
                ap.id,
                "test",
                "b",
                None,
                evening,
                useful_until=evening + timedelta(hours=2),
            ),
        ],
        evening,
    )
    h.clock.set(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))  # 21.30 WIB: the queue was slow
    before = (len(h.texts(siti)), len(h.texts(ani)))
    await h.drain()
    assert (len(h.texts(siti)), len(h.texts(ani))) == before
    held = await h.db.outbox_row_by_key("t:1")
    stale = await h.db.outbox_row_by_key("t:2")
    assert held is not None and held.status == "queued"
    assert held.not_before == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert stale is not None and (stale.status, stale.last_error) == ("failed", "stale")
    h.clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    await h.drain()
    assert h.texts(siti)[-1] == "a"


async def test_facilitator_messages_are_not_held(h: Harness) -> None:
    fac, _ = await setup_group(h)
    night = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 23.00 WIB
    h.clock.set(night)
    await h.db.enqueue([NewMessage("f:1", fac.id, None, "test", "x", None, night)], night)
    await h.drain()
    assert h.texts(fac)[-1] == "x"
    # and an interactive reply at night goes at once
    await h.send(fac, "/bantuan")
    assert h.fake.last_message(fac) is not None and h.texts(fac)[-1] != "x"


async def test_announcement_at_night_is_held_and_the_sender_told(h: Harness) -> None:
    fac, (siti, ani) = await setup_group(h)
    h.clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # 22.00 WIB
    before = len(h.texts(siti))
    await h.send(fac, "/umumkan")  # her only group
    await h.send(fac, "Besok bawa buku KIA")
    when = h.services.catalog.datetime(datetime(2026, 12, 1, 23, 0, tzinfo=UTC), "Asia/Jakarta")
    assert h.t("announce.held_quiet_preview", when=when) in h.last_text(fac)  # before sending
    await h.press(fac, "Kirim")
    assert h.t("announce.held_quiet", when=when) in h.last_text(fac)
    await h.drain()
    assert len(h.texts(siti)) == before
    h.clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    await h.drain()
    assert len(h.texts(siti)) == before + 1
    assert "Besok bawa buku KIA" in h.texts(siti)[-1] and "Besok bawa buku KIA" in h.texts(ani)[-1]
