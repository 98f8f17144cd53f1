"""Issue 21, end to end: a mother checks in by scanning the QR code, against the real
``python -m bot run`` process and the HTTP fake.

The facilitator's check-in message is a photo; the test reads the photo the bot uploaded
to the fake, decodes it with an independent QR reader (zxing-cpp), and the mother opens
the decoded deep link (``/start c_...``) three times: she is checked in once. Time is
real; the window opens at once (``open_before`` of a day), and the meeting is put straight
into the bot's SQLite file (a fixture; the bot reads it on every tick).
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zxingcpp
from PIL import Image

from bot.crashpoints import ENV, EXIT_STATUS
from fakeapi import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.support.backend import write_row
from tests.support.e2e import (
    TOKEN,
    USERNAME,
    WAIT,
    Config,
    E2EBot,
    run_cli,
    running_e2e_bot,
    start_bot,
    stop_process,
    write_config,
)

OVERRIDES: Config = {
    "schedule": {"reminder_offsets": [], "quiet_start": "00:00", "quiet_end": "00:00"},
    "attendance": {"open_before": "1d"},
}
GROUP, PLACE = "Mawar", "Balai Desa Sukamaju"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def add_meeting(e: E2EBot, group_id: int) -> int:
    """A meeting an hour ahead, written into the bot's database (WAL: it keeps running)."""
    now = datetime.now(UTC)
    return write_row(
        e.database,
        "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at,"
        " updated_at) VALUES (?, ?, ?, 'sesi-01', ?, ?)",
        group_id,
        iso(now + timedelta(hours=1)),
        PLACE,
        iso(now),
        iso(now),
    )


async def facilitator_and_mother(e: E2EBot) -> tuple[FakeUser, FakeUser]:
    result = await run_cli(e.config, "invite-facilitator", "--name", "Rina Wati")
    assert result.returncode == 0, result.stderr
    invite = re.search(r"start=(f_[A-Za-z0-9_-]+)", result.stdout)
    assert invite is not None
    rina = e.fake.add_user("Rina")
    await e.send(rina, f"/start {invite.group(1)}", expect="Rina Wati")
    await e.send(rina, "/kelompokbaru", expect=e.t("group.ask_name"))
    asked = await e.send(rina, GROUP, expect=e.t("group.ask_timezone", name=GROUP))
    await e.press(rina, "WIB", asked)
    created = await e.group_place(rina, PLACE)
    join = re.search(r"start=(g_[A-Za-z0-9_-]+)", str(created["text"]))
    assert join is not None
    siti = e.fake.add_user("Siti")
    await e.send(siti, f"/start {join.group(1)}", expect=e.t("join.welcome", group=GROUP))
    await e.send(siti, "Siti", expect=e.t("join.ask_phone", name="Siti"))
    confirm = await e.send(siti, e.t("join.button_skip_phone"), expect="Siti")
    await e.press(siti, e.t("join.button_yes"), confirm)
    await e.wait_message(rina, e.t("join.facilitator_notice", name="Siti", group=GROUP))
    return rina, siti


async def test_check_in_by_scanning_the_qr_code(tmp_path: Path) -> None:
    async with running_e2e_bot(tmp_path, overrides=OVERRIDES) as e:
        rina, siti = await facilitator_and_mother(e)
        group_id = e.query("SELECT id FROM groups")[0][0]
        meeting = add_meeting(e, group_id)
        panel = await e.wait_message(rina, "Kode hadir:")
        assert "photo" in panel, "the check-in message carries the QR code"
        photo = e.fake.file(str(panel["photo"][-1]["file_id"]))
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo.data)))
        assert len(found) == 1
        link = str(found[0].text)
        assert link.startswith(f"https://t.me/{e.fake.username}?start=c_{meeting}_"), link
        payload = link.split("?start=", 1)[1]
        ok = e.t("attendance.checkin_ok", name="Siti", when="x").split("x")[-1].strip()
        await e.send(siti, f"/start {payload}", expect=ok)
        for _ in range(2):  # opened again: already recorded, nothing more
            await e.send(siti, f"/start {payload}", expect=e.t("attendance.already"))
        rows = e.query(
            "SELECT status, source, checkin_via FROM attendance WHERE meeting_id = ?", meeting
        )
        assert rows == [("present", "self", "link")]
        log = e.query("SELECT count(*) FROM attendance_log WHERE meeting_id = ?", meeting)
        assert log == [(1,)]
    assert e.returncode == 0, e.log_tail()


async def test_a_crash_after_an_edit_sends_no_second_message(tmp_path: Path) -> None:
    """The code changes every 5 s here. The process dies (pinned crash point) right after
    Telegram took an edit of the facilitator's message and before the bot wrote it down.
    After the restart that edit is either repeated (harmless: same message) or dropped
    (its slot is over); the facilitator still has one check-in message, edited in place,
    and its current QR code checks the mother in."""
    overrides: Config = {
        **OVERRIDES,
        "attendance": {"open_before": "1d", "code_every": "5s"},
    }
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, overrides)
        log_path = tmp_path / "bot.log"
        process = await start_bot(config, log_path, {ENV: "outbox-edit-sent"})
        e = E2EBot(fake, server, process, config, database, log_path)
        try:
            await e.wait_ready()
            rina, siti = await facilitator_and_mother(e)
            add_meeting(e, e.query("SELECT id FROM groups")[0][0])
            panel = await e.wait_message(rina, "Kode hadir:")
            assert await asyncio.wait_for(process.wait(), WAIT) == EXIT_STATUS, e.log_tail()
            assert fake.method_counts["editMessageMedia"] == 1
            edits_at_crash = fake.method_counts["editMessageMedia"]
            # Restart without the crash point; wait for the next change of the code.
            process = await start_bot(config, tmp_path / "bot2.log")
            e = E2EBot(fake, server, process, config, database, tmp_path / "bot2.log")
            await e.wait_ready()
            await e.wait_until(
                lambda: fake.method_counts["editMessageMedia"] > edits_at_crash + 1,
                "the code to change again after the restart",
            )
            photos = [m for m in fake.sent_by_bot(rina) if "photo" in m]
            assert [m["message_id"] for m in photos] == [panel["message_id"]]
            assert fake.method_counts["sendPhoto"] == 1
            # The edit on the wire at the crash went back to the queue and was settled:
            # repeated (sent) or dropped as stale (failed). Only the newest may be in flight.
            statuses = e.query("SELECT status FROM outbox WHERE kind = 'checkin_code' ORDER BY id")
            assert all(s in {"sent", "failed"} for (s,) in statuses[:2]), statuses
            shown = next(
                m for m in fake.sent_by_bot(rina) if m["message_id"] == panel["message_id"]
            )
            photo = fake.file(str(shown["photo"][-1]["file_id"]))
            link = str(zxingcpp.read_barcodes(Image.open(io.BytesIO(photo.data)))[0].text)
            ok = e.t("attendance.checkin_ok", name="Siti", when="x").split("x")[-1].strip()
            await e.send(siti, f"/start {link.split('?start=', 1)[1]}", expect=ok)
        finally:
            await stop_process(process)
