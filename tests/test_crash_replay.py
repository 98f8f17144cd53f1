"""Issue 12, points 1 and 2: a crash right after an effect is committed, then the replay.

The real ``python -m bot run`` process against the HTTP fake Bot API. The crash is pinned
with ``P2K2_CRASH_AT`` (``bot/crashpoints.py``): the process ends with ``os._exit`` right
after the transaction of the effect commits, before the reply and before the update is
confirmed to Telegram. The restarted process therefore gets the same update again (the
fake, like Telegram, re-delivers what was not confirmed) and must not apply it twice, and
must complete what the first run began.

1. ``announce-committed``: the leader's "✅ Kirim" is stored; after the restart every
   member gets the announcement exactly once and the author is told the real count.
2. ``attendance-marked``: the facilitator's attendance button set "hadir"; the replayed
   press leaves "hadir" (the button carries its target, not "next").
3. ``followup-recorded``: "Sudah dihubungi" is recorded once, though the press
   arrives twice (the update id is recorded in the transaction of the action).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db import Database
from fakeapi import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.support.crash import (
    Member,
    Scenario,
    add_open_meetings,
    query,
    seed,
)
from tests.support.e2e import (
    TOKEN,
    USERNAME,
    E2EBot,
    button_data,
    button_labels,
)
from tests.support.e2e_steps import first_line

JSON = dict[str, Any]
TEXT = "Besok kerja bakti jam 7 pagi, bawa sapu"


def press(fake: FakeBotAPI, user: FakeUser, message: JSON, label: str) -> None:
    """Press a button and do not wait for an answer (the bot is about to crash)."""
    fake.press_button(user, int(message["message_id"]), button_data(message, label))


async def test_announcement_survives_a_crash_after_kirim(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        s = Scenario(fake, server, tmp_path)
        rina, members = await seed(s.database, fake, 1, 6, now)
        try:
            e = await s.start(crash_at="announce-committed")
            await e.send(rina, "/umumkan")
            confirm_text = e.t("announce.confirm", count=6, groups="Kelompok 1", group_count=1)
            confirm = await e.send(rina, TEXT, expect=first_line(confirm_text))
            press(fake, rina, confirm, e.t("announce.button_send"))
            await s.crashed()
            assert s.pending_presses() == 1, "the press was confirmed before it was handled"

            e = await s.start()
            await e.wait_text(confirm, e.t("announce.sent", count=6))
            for m in members:
                await e.wait_message(m.user, TEXT)
            assert await s.runs.stop() == 0, s.runs.log_tail()
        finally:
            await s.runs.stop()
    for m in members:
        got = [x for x in fake.sent_by_bot(m.user) if TEXT in str(x.get("text", ""))]
        assert len(got) == 1, (m, got)
    assert query(s.database, "SELECT recipients, skipped FROM announcements") == [(6, 0)]
    rows = query(s.database, "SELECT status, count(*) FROM outbox GROUP BY status")
    assert rows == [("sent", 6)], rows


async def open_marking_screen(e: E2EBot, rina: FakeUser) -> JSON:
    listing = await e.send(rina, "/kehadiran", expect=e.t("attendance.mark_list_title"))
    label = next(
        str(b["text"])
        for row in listing["reply_markup"]["inline_keyboard"]
        for b in row
        if "Kelompok 1" in str(b["text"])
    )
    await e.press(rina, label, listing)
    return await e.wait_text(listing, "Kelompok 1")


async def test_attendance_button_replayed_after_a_crash_keeps_its_target(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        s = Scenario(fake, server, tmp_path, {"attendance": {"open_before": "1d"}})
        rina, members = await seed(s.database, fake, 1, 3, now)
        await add_open_meetings(s.database, 1, now)
        first: Member = members[0]
        try:
            e = await s.start(crash_at="attendance-marked")
            screen = await open_marking_screen(e, rina)
            press(fake, rina, screen, f"Ibu {first.participant_id}")
            await s.crashed()
            assert query(s.database, "SELECT status FROM attendance") == [("present",)]
            assert s.pending_presses() == 1

            answered = len(fake.callback_answers)
            e = await s.start()
            await e.wait_until(
                lambda: len(fake.callback_answers) > answered, "the answer to the replayed press"
            )
            told = e.t(
                "attendance.marked",
                name=f"Ibu {first.participant_id}",
                status=e.t("attendance.status_present"),
            )
            toast = list(fake.callback_answers.values())[-1]
            assert toast.get("text") == told, toast
            assert await s.runs.stop() == 0, s.runs.log_tail()
        finally:
            await s.runs.stop()
    rows = query(s.database, "SELECT participant_id, status, source FROM attendance")
    assert rows == [(first.participant_id, "present", "facilitator")], rows


async def seed_alert(
    database: Path | str, participant_id: int, group_id: int, now: datetime
) -> int:
    db = await Database.open(database)
    try:
        alert = await db.create_alert(participant_id, group_id, "unreachable", None, (), now)
        assert alert is not None
        return alert.id
    finally:
        await db.close()


async def test_follow_up_replayed_after_a_crash_is_recorded_once(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        s = Scenario(fake, server, tmp_path)
        rina, members = await seed(s.database, fake, 1, 2, now)
        await seed_alert(s.database, members[0].participant_id, 1, now)
        try:
            e = await s.start(crash_at="followup-recorded")
            listing = await e.send(rina, "/tindaklanjut")
            await e.press(rina, f"Ibu {members[0].participant_id}", listing)
            contacted = e.t("attendance.button_contacted")
            await e.wait_until(
                lambda: contacted in button_labels(e.last_with_buttons(rina)),
                "the follow-up buttons",
            )
            press(fake, rina, e.last_with_buttons(rina), contacted)
            await s.crashed()
            assert len(query(s.database, "SELECT id FROM alert_actions")) == 1
            assert s.pending_presses() == 1

            e = await s.start()
            ask = e.t(
                "attendance.ask_note",
                action=e.t("attendance.action_contacted"),
                name=f"Ibu {members[0].participant_id}",
            )
            await e.wait_message(rina, first_line(ask))
            assert await s.runs.stop() == 0, s.runs.log_tail()
        finally:
            await s.runs.stop()
    rows = query(s.database, "SELECT action FROM alert_actions")
    assert rows == [("contacted",)], rows
