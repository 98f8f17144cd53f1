"""Issue 13 end to end, against the real ``python -m bot run`` process: a reminder that
becomes due late in the quiet hours is held to their end, not sent at night; /jadwal has
buttons per meeting; "Lainnya" takes her own words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.support.e2e import Config, E2EBot, button_data, running_e2e_bot
from tests.support.e2e_steps import (
    facilitator_with_group,
    first_line,
    join_group,
    schedule_typed,
    write,
)

WIB = ZoneInfo("Asia/Jakarta")


def add_meeting(e: E2EBot, group_id: int, session: str, days: int) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    return write(
        e,
        "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at, updated_at)"
        " VALUES (?, ?, 'Balai Desa', ?, ?, ?)",
        group_id,
        (now + timedelta(days=days)).isoformat(),
        session,
        now.isoformat(),
        now.isoformat(),
    )


async def test_late_reminder_in_quiet_hours_waits_for_their_end(tmp_path: Path) -> None:
    now = datetime.now(UTC).astimezone(WIB).replace(second=0, microsecond=0)
    quiet_start = now - timedelta(hours=1)
    quiet_end = now + timedelta(minutes=5)
    start = now + timedelta(minutes=40)
    # One reminder, due before the quiet hours began: the bot "was down" through them and
    # finds it fresh (stale_after is 12 h) while it is quiet now.
    overrides: Config = {
        "schedule": {
            "tick_seconds": 0.2,
            "reminder_offsets": ["110m"],
            "quiet_start": f"{quiet_start:%H:%M}",
            "quiet_end": f"{quiet_end:%H:%M}",
        }
    }
    async with running_e2e_bot(tmp_path, overrides=overrides) as e:
        rina, payload = await facilitator_with_group(e)
        siti = await join_group(e, rina, payload, "Siti", "Siti Aminah", None)
        typed = f"{start.day}/{start.month} {start:%H.%M}"
        # interactive answers go out at once, also in the quiet hours
        summary = await schedule_typed(e, rina, typed)
        await e.press(rina, "Jadwalkan", summary)

        def decided() -> bool:
            return e.query("SELECT outcome FROM reminder_slots") == [("sent",)]

        await e.wait_until(decided, "the tick decides the reminder")
        rows = e.query(
            "SELECT status, not_before, quiet_until FROM outbox WHERE kind = 'reminder'"
        )
        assert rows == [("queued", quiet_end.astimezone(UTC).isoformat(), rows[0][2])], (
            rows
        )  # held to the end of the quiet hours, not sent at night
        assert rows[0][2] == (quiet_end + timedelta(days=1)).astimezone(UTC).isoformat()
        texts = [m.get("text", "") for m in e.fake.sent_by_bot(siti)]
        assert not any(start.strftime("%H.%M") in text for text in texts)
    assert e.returncode == 0, e.log_tail()


async def test_schedule_per_meeting_and_other_reason_in_her_words(tmp_path: Path) -> None:
    no_quiet: Config = {
        "schedule": {"tick_seconds": 0.2, "quiet_start": "00:00", "quiet_end": "00:00"}
    }
    async with running_e2e_bot(tmp_path, overrides=no_quiet) as e:
        rina, payload = await facilitator_with_group(e)
        siti = await join_group(e, rina, payload, "Siti", "Siti Aminah", None)
        group_id = e.query("SELECT id FROM groups")[0][0]
        ids = [add_meeting(e, group_id, f"sesi-0{n}", days=7 * n) for n in (1, 2)]
        # /jadwal: one message per meeting, each with its own buttons
        after = e.last_id(siti)
        await e.send(siti, "/jadwal", expect=e.t("meeting.mine_title"))

        def items_now() -> list[dict[str, object]]:
            return [
                m
                for m in e.fake.sent_by_bot(siti)
                if m["message_id"] > after and e.t("meeting.mine_ask") in str(m.get("text"))
            ]

        await e.wait_until(lambda: len(items_now()) == 2, "two meetings, two messages")
        items = items_now()
        assert [button_data(m, e.t("reminder.button_no")) for m in items] == [
            f"rn:{i}" for i in ids
        ]
        # "Tidak bisa hadir" on the second, "Lainnya", then her own words
        await e.press(siti, e.t("reminder.button_no"), items[1])
        reasons = await e.wait_message(siti, e.t("reminder.ask_reason"))
        await e.press(siti, e.t("reason.lainnya"), reasons)
        await e.wait_text(reasons, first_line(e.t("reminder.ask_note", limit=100)))
        await e.send(siti, "Ada acara di desa", expect="Izin Ibu sudah dicatat")
        assert e.query("SELECT meeting_id, answer, reason, note FROM rsvps") == [
            (ids[1], "no", "lainnya", "Ada acara di desa")
        ]
    assert e.returncode == 0, e.log_tail()
    assert "Ada acara di desa" not in e.log_text()  # her words never reach the log
