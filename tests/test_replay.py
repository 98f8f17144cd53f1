"""Issue 12, points 1, 2, 5, 6 and 7 in the offline harness: a database error between two
steps, replayed updates (the same update id handled twice), a mother who was unreachable
writing again, the erase confirmation, and a meeting finalised late.

The real-process versions of points 1 and 2 (a crash pinned right after the commit, then
Telegram's re-delivery) are in ``tests/test_crash_replay.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.attendance import LATE_SUMMARY_LIMIT
from bot.auth import Actor, resolve_actor
from bot.meetings import MONTHLY_COUNT
from bot.privacy import ERASE_CONFIRM_TTL
from db import migrate
from db.dialect import SQLITE
from db.migrate import load_migrations
from fakeapi import FakeUser
from tests.support.announcements import announcements_to, setup_world
from tests.support.attendance import (
    CLOSES,
    START,
    add_meeting,
    group_id_of,
    log_rows,
    marks,
    open_window,
    setup,
)
from tests.support.harness import Harness, button_data, create_group, register_facilitator
from tests.support.migrations import connect_for_test
from tests.support.sql import execute, fetch


async def fail_outbox_inserts(h: Harness) -> None:
    """Every new outbox row fails like a full disk (on the bot's own connection only, on
    SQLite; PostgreSQL's test database serves this bot alone)."""
    if h.db.dialect == SQLITE:
        await execute(
            h.db,
            "CREATE TEMP TRIGGER outbox_full BEFORE INSERT ON outbox"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
        )
        return
    await execute(
        h.db,
        "CREATE FUNCTION outbox_full() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'database or disk is full'; END $$",
    )
    await execute(
        h.db,
        "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox"
        " FOR EACH ROW EXECUTE FUNCTION outbox_full()",
    )


async def heal_outbox(h: Harness) -> None:
    on = "" if h.db.dialect == SQLITE else " ON outbox"
    await execute(h.db, f"DROP TRIGGER outbox_full{on}")


async def count(h: Harness, sql: str, *params: Any) -> int:
    rows = await fetch(h.db, sql, params)
    return int(next(iter(rows))[0])


# ------------------------------------------------------- 1. the announcement is whole


async def test_a_database_error_while_queueing_keeps_the_announcement_whole(
    h: Harness, tmp_path: Path
) -> None:
    world = await setup_world(h)
    await h.send(world.leader, "/umumkan")
    await h.send(world.leader, "Kerja bakti hari Minggu")
    confirm = h.last_with_buttons(world.leader)
    await fail_outbox_inserts(h)
    await h.press(world.leader, "Kirim", confirm)
    assert h.last_text(world.leader) == h.t("common.error")
    assert await count(h, "SELECT count(*) FROM announcements") == 0, "stored without messages"
    await heal_outbox(h)

    await h.press(world.leader, "Kirim", confirm)  # she tries again: it goes out, whole
    await h.drain()
    for member in world.mawar[1:]:
        assert len(announcements_to(h, member)) == 1
    assert await count(h, "SELECT recipients FROM announcements") == len(world.mawar) - 1
    assert not any(announcements_to(h, m) for m in world.melati)


# ------------------------------------------- 2. the same update handled twice (a replay)


async def twice(h: Harness, update: dict[str, Any]) -> None:
    """Handle one update, then the very same update again (same update id), as after a
    crash between its effect and its confirmation to Telegram."""
    await h.process(update)
    await h.process(update)


def pressed(h: Harness, user: FakeUser, label: str) -> dict[str, Any]:
    message = h.last_with_buttons(user)
    return h.fake.press_button(user, message["message_id"], button_data(message, label))


async def test_a_replayed_attendance_button_sets_its_target_again(h: Harness) -> None:
    fac, _mothers = await setup(h)
    meeting, _code = await open_window(h, fac)
    await h.send(fac, "/kehadiran")
    await h.press(fac, "Mawar")
    await twice(h, pressed(h, fac, "Siti"))
    assert await marks(h, meeting) == {"Siti": ("present", "facilitator")}
    assert [row[1] for row in await log_rows(h, meeting)] == ["present"]  # logged once
    # The screen now offers the next mark; pressing it (once) moves on, as before.
    await h.press(fac, "Siti")
    assert await marks(h, meeting) == {"Siti": ("excused", "facilitator")}


async def test_a_replayed_follow_up_is_recorded_once(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    member = await h.participant(siti)
    alert = await h.db.create_alert(member.id, member.group_id, "unreachable", None, (), START)
    assert alert is not None
    await h.send(fac, "/tindaklanjut")
    await h.press(fac, "Siti")
    await twice(h, pressed(h, fac, h.t("attendance.button_visit_done")))
    assert await count(h, "SELECT count(*) FROM alert_actions") == 1
    closed = await h.db.alert(alert.id)
    assert closed is not None and not closed.open
    # Both deliveries were answered as the first (she is asked for her note).
    ask = h.t(
        "attendance.ask_note_closed", action=h.t("attendance.action_visit_done"), name="Siti"
    )
    assert h.texts(fac)[-2:] == [ask, ask]


async def test_a_replayed_wrong_code_counts_once(h: Harness) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    meeting, _code = await open_window(h, fac)
    wrong = await h.wrong_code(meeting.id)
    await twice(h, h.fake.send_text(siti, f"/hadir {wrong}"))
    assert (
        await count(h, "SELECT wrong FROM checkin_attempts WHERE meeting_id = ?", meeting.id) == 1
    )


async def test_replayed_creations_make_one_row(h: Harness) -> None:
    fac = await register_facilitator(h)
    # A group: the typed kecamatan is the update that creates it.
    await h.send(fac, "/kelompokbaru")
    await h.send(fac, "Mawar")
    await h.press(fac, "WIB")
    await h.send(fac, "Balai Desa")
    await twice(h, h.fake.send_text(fac, "Sukamaju"))
    assert await count(h, "SELECT count(*) FROM groups") == 1
    group = (await h.db.groups_of((await h.facilitator(fac)).id))[0].group
    # A member without a phone.
    await h.press_data(fac, f"ga:{group.id}")
    await twice(h, h.fake.send_text(fac, "Ibu Tanpa HP"))
    assert await count(h, "SELECT count(*) FROM participants") == 1
    # A renewed join link: the link shown after the replay is the one that works.
    await h.press_data(fac, f"gr:{group.id}")
    await twice(h, pressed(h, fac, h.t("group.button_renew_yes")))
    renewed = await h.db.group(group.id)
    assert renewed is not None and renewed.join_code != group.join_code
    assert (
        await count(h, "SELECT count(*) FROM applied_updates WHERE effect LIKE 'join_code:%'") == 1
    )
    # Meetings, once and monthly.
    steps = {
        "once": ("Sekali", "Sab 5/12", "09.00", "Tempat biasa"),
        "monthly": ("Setiap bulan", "Kedua", "Selasa", "09.00", "Tempat biasa"),
    }
    for mode, labels in steps.items():
        before = await count(h, "SELECT count(*) FROM meetings")
        await h.send(fac, "/pertemuanbaru")
        await h.press(fac, "Lanjut")
        for label in labels:
            await h.press(fac, label)
        await twice(h, pressed(h, fac, "Jadwalkan"))
        made = await count(h, "SELECT count(*) FROM meetings") - before
        assert made == (1 if mode == "once" else MONTHLY_COUNT), mode
    assert await count(h, "SELECT count(*) FROM meeting_series") == 1


async def test_the_applied_updates_migration_keeps_existing_data(tmp_path: Path) -> None:
    """From the schema just before it, with data in it (its number is derived, not fixed)."""
    version = next(m.version for m in load_migrations() if "applied_updates" in m.name)
    conn = await connect_for_test(tmp_path / "old.db")
    try:
        await migrate(conn, target=version - 1)
        await conn.execute(
            "INSERT INTO facilitators (id, telegram_id, name, created_at) VALUES (1, 5, 'R', 'x')"
        )
        await conn.execute(
            "INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code,"
            " created_at) VALUES (1, 1, 'Mawar', 'Asia/Jakarta', 'Balai', 'abc', 'x')"
        )
        await conn.commit()
        before, after = await migrate(conn)
        assert (before, after) == (version - 1, len(load_migrations()))
        rows = await conn.execute_fetchall("SELECT name, join_code FROM groups")
        assert [tuple(r) for r in rows] == [("Mawar", "abc")]
        assert list(await conn.execute_fetchall("SELECT * FROM applied_updates")) == []
    finally:
        await conn.close()


# ------------------------------------------------------- 6. erasing needs a confirmation


async def ask_erase(h: Harness, mother: FakeUser) -> dict[str, Any]:
    await h.send(mother, "/datasaya")
    await h.press(mother, h.t("privacy.button_erase"))
    return h.last_with_buttons(mother)


async def still_there(h: Harness, mother: FakeUser) -> bool:
    return await h.db.participant_by_telegram(mother.id) is not None


async def test_erase_needs_the_pending_confirmation(h: Harness) -> None:
    _fac, (siti, _ani, _dewi) = await setup(h)
    yes = h.t("privacy.button_erase_yes")
    # A forged "yes" without ever being asked, and the old payload without a token.
    for data in ("pey:forged-token", "pey"):
        await h.press_data(siti, data)
        assert await still_there(h, siti), data
    # Asked once, then asked again: the first question's button no longer erases.
    first = await ask_erase(h, siti)
    await ask_erase(h, siti)
    await h.press(siti, yes, first)
    assert h.answers()[-1] == h.t("privacy.erase_expired")
    assert await still_there(h, siti)
    # "Keep" ends the question: its "yes" no longer erases either.
    asked = await ask_erase(h, siti)
    stale_yes = button_data(asked, yes)
    await h.press(siti, h.t("privacy.button_keep"), asked)
    await h.press_data(siti, stale_yes)
    assert h.answers()[-1] == h.t("privacy.erase_expired")
    assert await still_there(h, siti)


async def test_erase_confirmation_expires(h: Harness) -> None:
    _fac, (siti, _ani, _dewi) = await setup(h)
    asked = await ask_erase(h, siti)
    h.clock.advance(ERASE_CONFIRM_TTL + timedelta(seconds=1))
    await h.press(siti, h.t("privacy.button_erase_yes"), asked)
    assert h.answers()[-1] == h.t("privacy.erase_expired")
    assert await still_there(h, siti)
    # Asked again and pressed in time: erased, once.
    asked = await ask_erase(h, siti)
    h.clock.advance(ERASE_CONFIRM_TTL - timedelta(seconds=1))
    await twice(h, pressed(h, siti, h.t("privacy.button_erase_yes")))
    assert not await still_there(h, siti)
    assert h.texts(siti).count(h.t("privacy.erased")) == 1


# ------------------------------------------------------ 7. a meeting finalised late


async def test_a_meeting_finalised_days_late_still_sends_its_summaries(h: Harness) -> None:
    fac, (siti, ani, _dewi) = await setup(h)
    meeting = await add_meeting(h, await group_id_of(h, fac))
    await h.tick()
    # The bot was down from before the window until three days after the close, and
    # comes back at 03.00 WIB: inside the quiet hours.
    late = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # 03.00 WIB, more than 2 days late
    assert late - CLOSES > timedelta(days=2)
    h.clock.set(late)
    await h.tick()
    when = "Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    note = h.t("attendance.late_note", when=when)
    assert await marks(h, meeting) == {
        "Siti": ("absent", "final"),
        "Ani": ("absent", "final"),
        "Dewi": ("absent", "final"),
    }
    assert not any(note in text for text in h.texts(siti)), "sent in the quiet hours"
    h.clock.set(datetime(2026, 12, 7, 23, 0, tzinfo=UTC))  # 06.00 WIB
    await h.tick()
    summary = h.last_text(fac)
    assert summary.startswith(note) and "Tidak hadir (3)" in summary
    module_title = "Sesi 1: Menjadi Orang Tua yang Lebih Baik"
    for mother in (siti, ani):
        text = h.last_text(mother)
        assert text.startswith(note) and module_title in text
    assert len(await h.outbox("attendance_after")) == 3


async def test_a_meeting_finalised_past_the_cut_off_sends_nothing(h: Harness) -> None:
    fac, (_siti, _ani, _dewi) = await setup(h)
    meeting = await add_meeting(h, await group_id_of(h, fac))
    await h.tick()
    h.clock.set(CLOSES + LATE_SUMMARY_LIMIT + timedelta(minutes=1))
    await h.tick()
    assert (await marks(h, meeting))["Siti"] == ("absent", "final")
    assert await h.outbox("attendance_after") == []
    assert await h.outbox("attendance_summary") == []


# ------------------------------------------- 5. unreachable, until she writes again


async def unreachable(h: Harness, mother: FakeUser) -> None:
    """What the sender does on 400 "chat not found" (or 403) for her chat."""
    now = h.clock.now()
    ids = await h.db.mark_blocked_chat(mother.id, "Bad Request: chat not found", now)
    await h.services.reachability.became_unreachable(ids, now)
    await h.drain()
    assert not (await h.participant(mother)).reachable


async def facilitator_actor(h: Harness, fac: FakeUser) -> Actor:
    return await resolve_actor(h.db, fac.id)


async def test_a_message_from_her_clears_unreachable(h: Harness) -> None:
    fac, (siti, ani, _dewi) = await setup(h)
    await add_meeting(h, await group_id_of(h, fac))  # Saturday 5/12, 09.00 WIB
    await h.tick()
    siti_id = (await h.participant(siti)).id
    await unreachable(h, siti)
    attendance = h.services.attendance
    open_kinds = [
        a.alert.kind for a in await attendance.open_alerts(await facilitator_actor(h, fac))
    ]
    assert open_kinds == ["unreachable"]
    # While she cannot be reached: an announcement, and the 3-day reminder.
    await h.send(fac, "/umumkan")
    await h.send(fac, "Bawa buku KIA ya, Bu")
    await h.press(fac, "Kirim")
    rows = await fetch(h.db, "SELECT recipients, skipped FROM announcements")
    assert [tuple(r) for r in rows] == [(2, 1)]
    h.clock.set(START - timedelta(days=3))
    await h.tick()
    assert len(announcements_to(h, ani)) == 1 and announcements_to(h, siti) == []

    def reminders_to_siti(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if r["participant_id"] == siti_id]

    assert reminders_to_siti(await h.outbox("reminder")) == []
    # An hour later she writes to the bot.
    h.clock.advance(timedelta(hours=1))
    await h.send(siti, "/jadwal")
    await h.drain()
    assert (await h.participant(siti)).reachable
    assert await attendance.open_alerts(await facilitator_actor(h, fac)) == []
    assert h.t("attendance.alert_reachable", name="Siti", group="Mawar") in h.texts(fac)
    assert len(announcements_to(h, siti)) == 1  # what she missed, still relevant
    rows = await fetch(h.db, "SELECT recipients, skipped FROM announcements")
    assert [tuple(r) for r in rows] == [(3, 0)]  # the delivery counts still add up
    assert reminders_to_siti(await h.outbox("reminder")) == [], "a reminder sent late"
    # The next reminder reaches her as usual; nothing is offered twice.
    h.clock.set(START - timedelta(days=1))
    await h.tick()
    assert len(reminders_to_siti(await h.outbox("reminder"))) == 1
    await h.send(siti, "Halo")
    await h.drain()
    assert len(announcements_to(h, siti)) == 1


async def test_a_button_from_her_clears_unreachable_and_brings_the_module_summary(
    h: Harness,
) -> None:
    fac, (siti, _ani, _dewi) = await setup(h)
    meeting = await add_meeting(h, await group_id_of(h, fac))
    await h.tick()
    await unreachable(h, siti)
    h.clock.set(CLOSES)
    await h.tick()  # held and finalized while she could not be reached
    assert (await marks(h, meeting))["Siti"] == ("absent", "final")
    assert len(await h.outbox("attendance_after")) == 2  # Ani and Dewi
    # The next day she presses a button of an old message ("Materi").
    h.clock.advance(timedelta(days=1))
    await h.press_data(siti, "mat")
    await h.drain()
    assert (await h.participant(siti)).reachable
    note = h.t("attendance.late_note", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB")
    summaries = [t for t in h.texts(siti) if "Sesi 1: Menjadi Orang Tua" in t and note in t]
    assert len(summaries) == 1
    # Pressing again offers nothing again.
    await h.press_data(siti, "mat")
    await h.drain()
    assert len(await h.outbox("attendance_after")) == 3


async def test_a_replayed_group_choice_does_not_undo_itself(h: Harness) -> None:
    fac = await register_facilitator(h)
    await create_group(h, fac, "Mawar")
    await create_group(h, fac, "Melati")
    await h.send(fac, "/pertemuanbaru")
    await twice(h, pressed(h, fac, "Melati"))
    state = await h.db.chat_state(fac.id)
    melati = (await h.db.groups_of((await h.facilitator(fac)).id))[1].group
    assert state is not None and state.data["groups"] == [melati.id]
    await twice(h, pressed(h, fac, "Melati"))  # and off again, twice: off
    state = await h.db.chat_state(fac.id)
    assert state is not None and state.data["groups"] == []


async def test_a_replayed_move_or_cancel_tells_the_members_once(h: Harness) -> None:
    fac, (siti, ani, _dewi) = await setup(h)
    meeting = await add_meeting(h, await group_id_of(h, fac))  # Saturday 5/12 09.00 WIB
    await h.press_data(fac, f"mm:{meeting.id}")
    await twice(h, h.fake.send_text(fac, "6/12 10.00"))
    moved = await h.db.meeting(meeting.id)
    assert moved is not None and moved.version == meeting.version + 1
    assert len(await h.outbox("moved")) == 3  # one per member, once
    await h.press_data(fac, f"mxc:{meeting.id}")
    await twice(h, pressed(h, fac, h.t("meeting.button_cancel_yes")))
    assert len(await h.outbox("cancelled")) == 3
    before = {m.id: len(h.texts(m)) for m in (siti, ani)}
    await h.drain()
    for mother in (siti, ani):  # the move and the cancellation, each once
        assert len(h.texts(mother)) - before[mother.id] == 2
