"""Voice notes end to end (issue 17): the real ``python -m bot run`` process against the
HTTP fake. A meeting closes; each member who keeps the default gets the module summary and
then its voice note: synthesized by the process, uploaded once over multipart HTTP, sent to
the second member by the file id Telegram (the fake) gave it; the member who chose text only
gets none. The group, its members and the meeting are fixture rows in the bot's SQLite file
(the bot reads the database on every tick); the window closes at the meeting's start."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import soundfile

from tests.support.backend import write_row
from tests.support.e2e import Config, E2EBot, running_e2e_bot

OVERRIDES: Config = {
    "schedule": {"reminder_offsets": [], "quiet_start": "00:00", "quiet_end": "00:00"},
    "attendance": {"open_before": "1d", "meeting_length": "0m", "close_after": "0m"},
    "voice": {"enabled": True},
}


def write(e: E2EBot, sql: str, *params: object) -> int:
    return write_row(e.database, sql, *params)


async def test_summary_voice_note_uploaded_once_over_http(tmp_path: Path) -> None:
    async with running_e2e_bot(tmp_path, overrides=OVERRIDES) as e:
        now = datetime.now(UTC).replace(microsecond=0)
        stamp = (now - timedelta(days=1)).isoformat()  # everyone joined before the meeting
        rina = e.fake.add_user("Rina")
        siti, ani, dewi = (e.fake.add_user(n) for n in ("Siti", "Ani", "Dewi"))
        fac = write(
            e,
            "INSERT INTO facilitators (telegram_id, name, created_at) VALUES (?, ?, ?)",
            rina.id,
            "Rina Wati",
            stamp,
        )
        group = write(
            e,
            "INSERT INTO groups (facilitator_id, name, timezone, place, join_code, created_at)"
            " VALUES (?, 'Mawar', 'Asia/Jakarta', 'Balai', 'abcdefgh', ?)",
            fac,
            stamp,
        )
        for user, choice in ((siti, "summary"), (ani, "all"), (dewi, "text")):
            write(
                e,
                "INSERT INTO participants (group_id, telegram_id, name, joined_at, voice)"
                " VALUES (?, ?, ?, ?, ?)",
                group,
                user.id,
                user.first_name,
                stamp,
                choice,
            )
        write(
            e,
            "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at,"
            " updated_at) VALUES (?, ?, 'Balai', 'sesi-03', ?, ?)",
            group,
            (now - timedelta(minutes=1)).isoformat(),
            stamp,
            stamp,
        )

        def voices(user_id: int) -> list[dict]:
            return [m for m in e.fake.sent_by_bot(user_id) if "voice" in m]

        await e.wait_until(lambda: bool(voices(siti.id)) and bool(voices(ani.id)), "two notes")
        calls = [c for c in e.fake.calls if c.method == "sendVoice" and c.status == 200]
        assert len(calls) == 2
        assert [bool(c.files) for c in calls] == [True, False], "uploaded once, then by id"
        file_id = voices(siti.id)[0]["voice"]["file_id"]
        assert voices(ani.id)[0]["voice"]["file_id"] == file_id
        data = e.fake.file(file_id).data
        info = soundfile.info(io.BytesIO(data))
        assert (info.format, info.subtype, info.channels) == ("OGG", "OPUS", 1)
        assert 20 < info.frames / info.samplerate <= 91
        assert voices(siti.id)[0]["voice"]["duration"] == round(info.frames / info.samplerate)
        # The text summary came first; the member who chose text only has it and no voice.
        for user in (siti, ani):
            assert "voice" not in e.fake.sent_by_bot(user.id)[0]
        await e.wait_until(lambda: bool(e.fake.sent_by_bot(dewi.id)), "Dewi's summary")
        assert voices(dewi.id) == []
        assert (tmp_path / "voice").is_dir() and len(list((tmp_path / "voice").iterdir())) == 1
