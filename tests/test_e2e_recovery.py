"""Issue 12, points 5, 6 and 7 against the real ``python -m bot run`` process (the HTTP fake
Bot API, a real SQLite file seeded before the start). The offline versions, with a manual
clock for the time-bound parts, are in ``tests/test_replay.py``.

5. A mother the bot could not reach writes again: she is reachable, the follow-up closes
   with a note to her facilitator, and the announcement she missed reaches her.
6. The erase button erases only with the confirmation just issued: a forged or old press
   erases nothing.
7. A meeting whose window closed three days before the bot came back still sends the
   facilitator's summary and the members' module summary, marked late.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from db import Database
from db.bulk import BulkLoader
from db.connection import to_db
from fakeapi import FakeBotAPI, FakeBotAPIServer
from tests.support.crash import PLACE, Scenario, query, seed
from tests.support.e2e import TOKEN, USERNAME, E2EBot
from tests.support.e2e_steps import first_line


async def test_a_message_from_an_unreachable_mother_clears_it(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        s = Scenario(fake, server, tmp_path)
        rina, members = await seed(s.database, fake, 1, 3, now)
        siti = members[0]
        db = await Database.open(s.database)
        try:  # what the sender does on 400 "chat not found", an hour ago
            an_hour_ago = now - timedelta(hours=1)
            ids = await db.mark_blocked_chat(siti.user.id, "chat not found", an_hour_ago)
            assert ids == [siti.participant_id]
            alert = await db.create_alert(
                siti.participant_id, 1, "unreachable", None, (), an_hour_ago
            )
            assert alert is not None
        finally:
            await db.close()
        try:
            e: E2EBot = await s.start()
            # While she cannot be reached, Rina announces to the group.
            await e.send(rina, "/umumkan")
            text = "Besok bawa buku KIA, Bu"
            confirm = e.t("announce.confirm", count=2, groups="Kelompok 1", group_count=1)
            await e.send(rina, text, expect=first_line(confirm))
            await e.press(rina, e.t("announce.button_send"))
            for m in members[1:]:
                await e.wait_message(m.user, text)
            assert not any(text in str(x.get("text")) for x in fake.sent_by_bot(siti.user))
            # She writes to the bot.
            await e.send(siti.user, "/jadwal")
            note = e.t(
                "attendance.alert_reachable", name=f"Ibu {siti.participant_id}", group="Kelompok 1"
            )
            await e.wait_message(rina, first_line(note))
            await e.wait_message(siti.user, text)
            assert await s.runs.stop() == 0, s.runs.log_tail()
        finally:
            await s.runs.stop()
    reachable = query(
        s.database, "SELECT reachable FROM participants WHERE id = ?", siti.participant_id
    )
    assert reachable == [(1,)]
    statuses = query(s.database, "SELECT status, closed_reason FROM alerts")
    assert statuses == [("closed", "reachable")]


async def test_erasing_needs_the_confirmation_just_issued(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        s = Scenario(fake, server, tmp_path)
        _rina, members = await seed(s.database, fake, 1, 2, now)
        siti = members[0].user
        try:
            e = await s.start()
            await e.send(siti, "/datasaya")
            await e.press(siti, e.t("privacy.button_erase"))
            # A forged "yes", and the payload the old version used: nothing is erased.
            assert (await e.forge(siti, "pey:not-the-token")).get("text") == e.t(
                "privacy.erase_expired"
            )
            assert (await e.forge(siti, "pey")).get("text") == e.t("common.stale_button")
            assert query(s.database, "SELECT name FROM participants WHERE id = 1") == [("Ibu 1",)]
            # The real button, just issued: erased.
            await e.press(siti, e.t("privacy.button_erase_yes"))
            await e.wait_message(siti, first_line(e.t("privacy.erased")))
            assert await s.runs.stop() == 0, s.runs.log_tail()
        finally:
            await s.runs.stop()
    assert query(s.database, "SELECT name, telegram_id FROM participants WHERE id = 1") == [
        ("", None)
    ]


async def test_a_meeting_finalised_days_late_sends_its_summaries(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        s = Scenario(fake, server, tmp_path)
        rina, members = await seed(s.database, fake, 1, 2, now)
        starts = now - timedelta(days=3)
        stamp = to_db(starts - timedelta(days=7))
        db = await Database.open(s.database)
        try:  # held three days ago while the bot was down: never finalized
            await BulkLoader(db).insert(
                "meetings",
                [
                    (
                        1,
                        1,
                        to_db(starts),
                        PLACE,
                        "sesi-01",
                        "scheduled",
                        stamp,
                        stamp,
                        "1234",  # its code
                        to_db(starts - timedelta(minutes=30)),  # window opened
                        None,  # not finalized
                        None,  # no reminders to work out
                    )
                ],
            )
        finally:
            await db.close()
        try:
            e = await s.start()
            late = e.t("attendance.late_note", when="")
            marker = late[: late.index(".") + 1]  # its first sentence
            summary = await e.wait_message(rina, marker)
            assert "Kelompok 1" in summary["text"]
            for m in members:
                after = await e.wait_message(m.user, marker)
                assert "Sesi 1" in after["text"]
            assert await s.runs.stop() == 0, s.runs.log_tail()
        finally:
            await s.runs.stop()
    rows = query(s.database, "SELECT status, finalized_at IS NOT NULL FROM meetings")
    assert rows == [("held", 1)]
