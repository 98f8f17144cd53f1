"""Issue 5, end to end: the real ``python -m bot run`` process against the HTTP fake.

A group of five mothers (four with Telegram, one added by the facilitator without a phone)
has three meetings. Meeting 1: three check in (Siti after a wrong code), the facilitator
marks Rukmini (no phone), Lina is absent. Meeting 2: Lina is absent again, and her
facilitator gets exactly one alert; she records a follow-up with a note. Meeting 3: Lina
checks in, and the alert closes by itself.

Time is real here. The config makes every check-in window open at once (``open_before`` of
a day) and close at the meeting's start (``meeting_length`` and ``close_after`` of 0), and
the test puts the meetings straight into the bot's SQLite file (a fixture; the bot reads
the database on every tick): first an hour ahead (window open), then, to end the meeting,
moved back to the moment it was put in. Everything else goes through the bot's real UI.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fakeapi import FakeUser
from tests.support.e2e import Config, E2EBot, run_cli, running_e2e_bot
from tests.support.e2e_steps import GROUP, PLACE, first_line, join_group, write
from tests.support.harness import wrong_code

OVERRIDES: Config = {
    "schedule": {"reminder_offsets": [], "quiet_start": "00:00", "quiet_end": "00:00"},
    "attendance": {"open_before": "1d", "meeting_length": "0m", "close_after": "0m"},
}
CODE_RE = re.compile(r"Kode hadir: (\d{4})")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def add_meeting(e: E2EBot, group_id: int, session: str) -> int:
    now = datetime.now(UTC)
    return write(
        e,
        "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        group_id,
        iso(now + timedelta(hours=1)),
        PLACE,
        session,
        iso(now),
        iso(now),
    )


def end_meeting(e: E2EBot, meeting_id: int) -> None:
    """The meeting "happened" when it was put in (everyone had joined by then), so its
    window, which closes at the start here, is over."""
    write(e, "UPDATE meetings SET starts_at = created_at WHERE id = ?", meeting_id)


async def opened(e: E2EBot, rina: FakeUser, after: int) -> tuple[str, dict[str, object]]:
    """The facilitator's code message for the window that just opened, and the code."""
    message = await e.wait_message(rina, "Kode hadir:", after=after)
    text = str(message.get("text") or message.get("caption"))  # the QR code's caption
    match = CODE_RE.search(text)
    assert match is not None, text
    return match.group(1), message


async def check_in(e: E2EBot, mother: FakeUser, code: str) -> None:
    await e.send(mother, "/hadir", expect="kode hadir")
    await e.send(mother, code, expect="sudah tercatat")


async def mark(e: E2EBot, rina: FakeUser, name: str) -> None:
    """``/kehadiran`` -> the newest meeting -> mark ``name`` present."""
    listing = await e.send(rina, "/kehadiran", expect="Pilih pertemuan")
    await e.press(rina, GROUP, listing)
    screen = await e.wait_text(listing, "Tekan nama")
    answer = await e.press(rina, name, screen)
    assert answer.get("text") == f"{name}: hadir", answer


async def test_attendance_alert_and_follow_up(tmp_path: Path) -> None:
    async with running_e2e_bot(tmp_path, overrides=OVERRIDES) as e:
        result = await run_cli(e.config, "invite-facilitator", "--name", "Rina Wati")
        assert result.returncode == 0, result.stderr
        payload = re.search(r"start=(f_[A-Za-z0-9_-]+)", result.stdout)
        assert payload is not None
        rina = e.fake.add_user("Rina")
        await e.send(rina, f"/start {payload.group(1)}", expect="Rina Wati")
        await e.send(rina, "/kelompokbaru", expect=e.t("group.ask_name"))
        asked = await e.send(rina, GROUP, expect=e.t("group.ask_timezone", name=GROUP))
        await e.press(rina, "WIB", asked)
        await e.wait_text(asked, first_line(e.t("group.ask_place", zone="WIB")))
        created = await e.group_place(rina, PLACE)
        join = re.search(r"start=(g_[A-Za-z0-9_-]+)", str(created["text"]))
        assert join is not None
        mothers = {
            first: await join_group(e, rina, join.group(1), first, name, phone)
            for first, name, phone in (
                ("Siti", "Siti", "6281234567890"),
                ("Ani", "Ani", None),
                ("Dewi", "Dewi", None),
                ("Lina", "Lina", "6285700001111"),
            )
        }
        siti, ani, dewi, lina = (mothers[n] for n in ("Siti", "Ani", "Dewi", "Lina"))
        assert "hadir" in e.menu(siti) and "kehadiranku" in e.menu(siti)
        assert "tindaklanjut" in e.menu(rina)
        group_id = e.query("SELECT id FROM groups")[0][0]

        # -- meeting 1 ------------------------------------------------------------------
        meeting1 = add_meeting(e, group_id, "sesi-01")
        code, code_message = await opened(e, rina, e.last_id(rina))
        # Rukmini has no phone: her pendamping adds her from the marking screen.
        await e.press(rina, e.t("attendance.button_mark"), code_message)
        # The screen opens below the message with the code, which stays as it was.
        screen = await e.wait_message(
            rina, f"Kode hadir: {code}", after=int(str(code_message["message_id"]))
        )
        kept = [
            m for m in e.fake.sent_by_bot(rina) if m["message_id"] == code_message["message_id"]
        ]
        assert kept[0]["caption"] == code_message["caption"]
        await e.press(rina, e.t("attendance.button_add_offline"), screen)
        await e.wait_message(rina, "Siapa namanya?")
        await e.send(rina, "Rukmini", expect="Rukmini sudah ditambahkan")
        await mark(e, rina, "Rukmini")
        # Siti uses the button she got, types a wrong code first.
        invite = await e.wait_message(siti, "pencatatan kehadiran pertemuan P2K2")
        await e.press(siti, e.t("attendance.button_checkin"), invite)
        await e.wait_message(siti, "kode hadir")
        secret = e.query("SELECT checkin_code FROM meetings WHERE id = ?", meeting1)[0][0]
        await e.send(siti, wrong_code(str(secret)), expect="Kode belum cocok")
        await e.send(siti, code, expect="sudah tercatat")
        await check_in(e, ani, code)
        await e.send(dewi, f"/hadir {code}", expect="sudah tercatat")
        before = e.last_id(rina)
        end_meeting(e, meeting1)
        summary = await e.wait_message(rina, "Hadir: 4 dari 5", after=before)
        assert "Tidak hadir (1): Lina" in str(summary["text"])
        await e.wait_message(lina, "ini ringkasan materi pertemuan P2K2")
        await e.wait_message(siti, "Terima kasih sudah hadir")

        # -- meeting 2: Lina is absent again ----------------------------------------------
        meeting2 = add_meeting(e, group_id, "sesi-02")
        code, _ = await opened(e, rina, summary["message_id"])
        for mother in (siti, ani, dewi):
            await check_in(e, mother, code)
        await mark(e, rina, "Rukmini")
        before = e.last_id(rina)
        end_meeting(e, meeting2)
        # One digest for the close, a line and a button per mother; her button opens the
        # follow-up below it.
        digest = await e.wait_message(rina, "Perlu ditindaklanjuti: Mawar 1", after=before)
        assert "Lina" in str(digest["text"]) and "+6285700001111" in str(digest["text"])
        await e.press(rina, "Lina", digest)
        alert = await e.wait_message(
            rina, "Perlu perhatian: Ibu Lina", after=int(str(digest["message_id"]))
        )
        text = str(alert["text"])
        assert "HP: +6285700001111" in text and "Kelompok Mawar 1" in text
        await e.wait_message(rina, "Hadir: 4 dari 5", after=before)
        # She follows it up, with a note.
        await e.press(rina, e.t("attendance.button_contacted"), alert)
        await e.wait_message(rina, "Catatan singkat?")
        await e.send(rina, "Anaknya sakit", expect=e.t("attendance.note_saved"))
        listing = await e.send(rina, "/tindaklanjut", expect="masih terbuka: 1")
        assert "Lina" in str(listing["reply_markup"])
        # what was done shows in the list itself
        assert e.t("attendance.done_contacted") in str(listing["reply_markup"])

        # -- meeting 3: Lina comes back ----------------------------------------------------
        meeting3 = add_meeting(e, group_id, "sesi-03")
        code, _ = await opened(e, rina, e.last_id(rina))
        await check_in(e, lina, code)
        before = e.last_id(rina)
        end_meeting(e, meeting3)
        await e.wait_message(rina, "Kabar baik: Ibu Lina", after=before)
        await e.send(rina, "/tindaklanjut", expect=e.t("attendance.followups_empty"))
        history = await e.send(lina, "/kehadiranku", expect="Riwayat kehadiran")
        assert "Hadir 1 dari 3 pertemuan" in str(history["text"])

        alerts = e.query("SELECT kind, status, closed_reason FROM alerts")
        assert alerts == [("absence", "closed", "attended")]
        notes = e.query("SELECT action, note FROM alert_actions")
        assert notes == [("contacted", "Anaknya sakit")]
        alert_messages = [
            m for m in e.fake.sent_by_bot(rina) if "Perlu perhatian" in str(m.get("text"))
        ]
        assert len(alert_messages) == 1
        assert e.query("SELECT count(*) FROM attendance WHERE source = 'self'") == [(7,)]
        assert e.query(
            "SELECT count(*) FROM attendance_log WHERE source = 'facilitator'"
            " AND by_facilitator_id IS NOT NULL"
        ) == [(2,)]

    assert e.returncode == 0, e.log_tail()
    log = e.log_text()
    assert "Traceback" not in log and " ERROR " not in log, log
    assert code not in log and "Anaknya sakit" not in log
