"""The activity photo, end to end: the real ``python -m bot run`` process against the HTTP
fake. The facilitator sends a photo of a meeting and then her location; the bot downloads
the photo from the fake's file URL (``getFile``, then ``/file/bot<token>/<path>``) and keeps
a copy under the data folder, and "Salin untuk SIKS-NG" sends the record field by field
with the photo again. The meeting is a fixture row in the bot's SQLite file.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from tests.support.backend import POSTGRES, write_row
from tests.support.e2e import E2EBot, run_cli, running_e2e_bot

PLACE = "Balai Desa Sukamaju"


def add_meeting(e: E2EBot, group_id: int) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    return write_row(
        e.database,
        "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at,"
        " updated_at) VALUES (?, ?, ?, 'sesi-08', ?, ?)",
        group_id,
        (now - timedelta(minutes=30)).isoformat(),
        PLACE,
        now.isoformat(),
        now.isoformat(),
    )


async def test_an_activity_photo_is_downloaded_kept_and_sent_with_the_record(
    tmp_path: Path,
) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(picture, format="JPEG")
    data = picture.getvalue()
    async with running_e2e_bot(tmp_path) as e:
        result = await run_cli(e.config, "invite-facilitator", "--name", "Rina Wati")
        match = re.search(r"start=(f_[A-Za-z0-9_-]+)", result.stdout)
        assert match is not None, result.stdout
        rina = e.fake.add_user("Rina")
        await e.send(rina, f"/start {match.group(1)}")
        await e.send(rina, "/kelompokbaru", expect=e.t("group.ask_name"))
        asked = await e.send(rina, "Mawar", expect="Mawar")
        await e.press(rina, "WIB", asked)
        await e.wait_text(asked, "WIB")
        await e.group_place(rina, PLACE)
        group_id = int(e.query("SELECT id FROM groups")[0][0])
        meeting_id = add_meeting(e, group_id)

        listed = await e.send(rina, "/kegiatan", expect=e.t("siks.choose_meeting"))
        await e.press(rina, "Mawar", listed)
        screen = await e.wait_text(listed, e.t("siks.no_photo"))  # the list became the record
        await e.press(rina, e.t("siks.button_photo"), screen)
        await e.wait_message(rina, e.t("siks.ask_photo"), after=screen["message_id"])
        after = e.last_id(rina)
        e.fake.send_photo(rina, data=data)
        await e.wait_message(rina, e.t("siks.photo_saved", count=1), after=after)
        after = e.last_id(rina)
        e.fake.send_location(rina, -5.135399, 119.423790)
        await e.wait_message(rina, e.t("siks.location_saved"), after=after)

        rows = e.query(
            "SELECT meeting_id, local_path, size_bytes, latitude, longitude FROM meeting_photos"
        )
        assert len(rows) == 1
        meeting, local_path, size, lat, lon = rows[0]
        assert (meeting, size, lat, lon) == (meeting_id, len(data), -5.135399, 119.42379)
        # next to the SQLite file; with PostgreSQL in data/ next to the config
        evidence = tmp_path / ("data/evidence" if POSTGRES else "evidence")
        assert (evidence / local_path).read_bytes() == data

        await e.send(rina, "/batal")
        listed = await e.send(rina, "/kegiatan", expect=e.t("siks.choose_meeting"))
        await e.press(rina, "Mawar", listed)
        screen = await e.wait_text(listed, e.t("siks.photos", count=1))
        await e.press(rina, e.t("siks.button_copy"), screen)
        sent = await e.wait_message(
            rina, e.t("siks.copy_photo", no=1, count=1), after=screen["message_id"]
        )
        assert "photo" in sent
        texts = [
            m.get("text", "")
            for m in e.fake.sent_by_bot(rina)
            if m["message_id"] > screen["message_id"]
        ]
        assert e.t("siks.copy_field", label="Materi", value="Kesehatan dan Gizi") in texts
        assert e.t("siks.copy_field", label="Tempat", value=PLACE) in texts
