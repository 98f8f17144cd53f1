"""Issue 21, end to end: a mother checks in by scanning the QR code, against the real
``python -m bot run`` process and the HTTP fake.

The facilitator's check-in message is a photo; the test reads the photo the bot uploaded
to the fake, decodes it with an independent QR reader (zxing-cpp), and the mother opens
the decoded deep link (``/start c_...``) three times: she is checked in once. Time is
real; the window opens at once (``open_before`` of a day), and the meeting is put straight
into the bot's SQLite file (a fixture; the bot reads it on every tick).
"""

from __future__ import annotations

import contextlib
import io
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zxingcpp
from PIL import Image

from fakeapi import FakeUser
from tests.e2e import WAIT, Config, E2EBot, run_cli, running_e2e_bot

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
    with contextlib.closing(sqlite3.connect(e.database, timeout=WAIT)) as conn, conn:
        cursor = conn.execute(
            "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at,"
            " updated_at) VALUES (?, ?, ?, 'sesi-01', ?, ?)",
            (group_id, iso(now + timedelta(hours=1)), PLACE, iso(now), iso(now)),
        )
        return int(cursor.lastrowid or 0)


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
    created = await e.send(rina, PLACE, expect="start=g_")
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
