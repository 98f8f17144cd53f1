"""Absence alerts over a year of monthly meetings, the 7-day reminder, follow-up buttons with
notes, and the follow-up for a participant who became unreachable. Time is a ManualClock.

Policy (defaults): 2 unexcused misses in a row, or 3 among the last 6 meetings.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.attendance import Crossing, Mark, Policy, evaluate
from fakeapi import FakeUser
from tests.support.attendance import (
    alerts,
    run_meeting,
    setup,
    yearly,
)
from tests.support.harness import Harness, register_facilitator
from tests.support.sql import execute

POLICY = Policy(in_a_row=2, m=3, k=6)


def marks(pattern: str) -> list[Mark]:
    """ "PAAE..." -> marks for meetings 1, 2, 3, ... (P present, A absent, E excused)."""
    status = {"P": "present", "A": "absent", "E": "excused"}
    return [Mark(i, status[c]) for i, c in enumerate(pattern, start=1)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", None),
        ("P", None),
        ("PA", None),
        ("PAA", Crossing(3, (2, 3))),
        ("AA", Crossing(2, (1, 2))),
        ("AAA", Crossing(2, (1, 2, 3))),  # a further miss joins the open alert
        ("AAE", Crossing(2, (1, 2))),
        ("AEA", Crossing(3, (1, 3))),  # excused neither counts nor breaks the row
        ("AAP", None),  # she came back: closed
        ("AAPA", None),  # after the close only later misses count
        ("AAPAA", Crossing(5, (4, 5))),
        ("APAPA", Crossing(5, (1, 3, 5))),  # 3 of the last 6
        ("APPPPAPA", None),  # the first miss has left the last 6
        ("APAPPPPA", None),
        ("EEEEEE", None),  # excused is never a miss
        ("PAPAEEPA", None),  # 2 has left the last 6; 4 and 8 are only two
        ("PAPAPEA", Crossing(7, (2, 4, 7))),
        ("PAPAPAEA", Crossing(6, (2, 4, 6, 8))),
    ],
)
def test_policy(pattern: str, expected: Crossing | None) -> None:
    assert evaluate(marks(pattern), POLICY) == expected


def test_policy_settings_vary() -> None:
    three_in_a_row = Policy(in_a_row=3, m=6, k=6)
    assert evaluate(marks("PAA"), three_in_a_row) is None
    assert evaluate(marks("PAAA"), three_in_a_row) == Crossing(4, (2, 3, 4))
    assert evaluate(marks("AEAPA"), Policy(in_a_row=9, m=3, k=5)) == Crossing(5, (1, 3, 5))
    assert evaluate(marks("AEAPPPA"), Policy(in_a_row=9, m=3, k=5)) is None


# --------------------------------------------------------------------- the year, in the bot


async def open_from_digest(h: Harness, fac: FakeUser, name: str) -> dict[str, Any]:
    """Her follow-up, opened with her button on the latest digest of a close."""
    digest = [m for m in h.fake.sent_by_bot(fac) if "kvn:" in str(m)]
    detail = await h.press(fac, name, digest[-1])
    assert detail is not None and f"Ibu {name}" in detail["text"]
    return detail


async def test_a_year_of_meetings(h: Harness) -> None:
    fac, (siti, ani, dewi) = await setup(h)
    meetings = await yearly(h, fac)
    ids = [m.id for m in meetings]
    siti_script = "PAAAPAPAPAEP"
    expected_alerts = {  # after meeting n (1-based): (trigger index, missed indexes, status)
        1: [],
        2: [],
        3: [(3, (2, 3), "open")],
        4: [(3, (2, 3, 4), "open")],
        5: [(3, (2, 3, 4), "closed")],
        6: [(3, (2, 3, 4), "closed")],
        7: [(3, (2, 3, 4), "closed")],
        8: [(3, (2, 3, 4), "closed")],
        9: [(3, (2, 3, 4), "closed")],
        10: [(3, (2, 3, 4), "closed"), (10, (6, 8, 10), "open")],
        11: [(3, (2, 3, 4), "closed"), (10, (6, 8, 10), "open")],
        12: [(3, (2, 3, 4), "closed"), (10, (6, 8, 10), "closed")],
    }
    for n, meeting in enumerate(meetings, start=1):
        # Ani always comes; Dewi is always excused (never an alert).
        script = [(siti, siti_script[n - 1]), (ani, "P"), (dewi, "E")]
        await run_meeting(h, meeting, script)
        found = [
            (
                ids.index(a["trigger_meeting_id"]) + 1,
                tuple(ids.index(m) + 1 for m in json.loads(a["missed"])),
                a["status"],
            )
            for a in await alerts(h)
        ]
        assert found == expected_alerts[n], f"after meeting {n}"
        if n == 3:
            # The 7-day reminder, exactly once.
            opened = h.clock.now()
            h.clock.set(opened + timedelta(days=7) - timedelta(seconds=1))
            await h.tick()
            assert await h.outbox("alert_remind") == []
            h.clock.set(opened + timedelta(days=7))
            await h.tick()
            h.clock.set(opened + timedelta(days=8))
            await h.tick()
            reminders = await h.outbox("alert_remind")
            assert len(reminders) == 1 and "Pengingat" in h.texts(fac)[-1]
            assert "Siti" in h.texts(fac)[-1]
    rows = await alerts(h)
    siti_id = (await h.participant(siti)).id
    assert all(a["participant_id"] == siti_id for a in rows)
    assert [a["closed_reason"] for a in rows] == ["attended", "attended"]
    # Exactly one digest per crossing (one close each), one "good news" per return; the
    # full alert comes back once with its 7-day reminder.
    assert await h.outbox("alert") == []
    digests = [r["key"] for r in await h.outbox("alert_digest")]
    assert digests == [f"alert_digest:{a['trigger_meeting_id']}" for a in rows]
    assert len(await h.outbox("alert_closed")) == 2
    digest_messages = [m for m in h.fake.sent_by_bot(fac) if "kvn:" in str(m)]
    assert len(digest_messages) == 2
    alert_texts = []
    for digest in digest_messages:
        assert "Siti" in digest["text"]
        detail = await h.press(fac, "Siti", digest)
        assert detail is not None
        alert_texts.append(str(detail["text"]))
    first = alert_texts[0]
    assert "Ibu Siti" in first and "Kelompok Mawar" in first
    # the missed meetings (the series moved Saturday 6 Feb 2027, Imlek, to Monday 8 Feb)
    assert "2 Jan 2027" in first and "8 Feb 2027" in first
    assert "Terakhir hadir:" in first  # opened at the end of the year: her latest meeting
    assert "Nomor HP tidak dibagikan" in first
    assert "Kabar baik: Ibu Siti (Mawar) hadir lagi" in "\n".join(h.texts(fac))
    assert "Ibu Siti" in alert_texts[1]
    # as it read when it was brought back, 7 days after it was raised (before her excuse)
    second = [t for t in h.texts(fac) if t.startswith("⏰")][1]
    assert "Izin yang pernah disampaikan: tidak ada" in second
    # The second alert got one reminder too (brought back at a later tick), never more.
    keys = [r["key"] for r in await h.outbox("alert_remind")]
    assert sorted(keys) == sorted(f"alert_remind:{a['id']}" for a in rows)


async def test_excuses_and_phone_are_shown(h: Harness) -> None:
    fac, (siti,) = await setup(h, ("Siti",))
    await execute(
        h.db, "UPDATE participants SET phone = '+6281234567890' WHERE telegram_id = ?", (siti.id,)
    )
    meetings = await yearly(h, fac, 3)
    for meeting, status in zip(meetings, "AEA", strict=True):
        await run_meeting(h, meeting, [(siti, status)])
    detail = await open_from_digest(h, fac, "Siti")
    text = detail["text"]
    reason = h.t("reason.keluarga")
    assert f"Izin yang pernah disampaikan: 2 Jan 2027 ({reason})" in text
    assert "HP: +6281234567890" in text
    assert "Terakhir hadir: belum tercatat hadir" in text


async def test_correction_closes_or_raises(h: Harness) -> None:
    fac, (siti, ani) = await setup(h, ("Siti", "Ani"))
    meetings = await yearly(h, fac, 2)
    for meeting in meetings:
        await run_meeting(h, meeting, [(siti, "A"), (ani, "P")])
    assert [a["status"] for a in await alerts(h)] == ["open"]
    # She was there after all: the facilitator corrects the second meeting.
    h.clock.set(h.clock.now() + timedelta(hours=1))
    summary = [m for m in h.fake.sent_by_bot(fac) if "Ubah kehadiran" in str(m)][-1]
    screen = await h.press(fac, "Ubah kehadiran", summary)  # on the latest meeting's summary
    kept = next(m for m in h.fake.sent_by_bot(fac) if m["message_id"] == summary["message_id"])
    assert kept["text"] == summary["text"]  # the summary stays; the screen is a new message
    assert screen is not None and screen["message_id"] > summary["message_id"]
    await h.press(fac, "Siti", screen)
    rows = await alerts(h)
    assert [(a["status"], a["closed_reason"]) for a in rows] == [("closed", "attended")]
    await h.drain()
    assert h.last_text(fac) == h.t("attendance.alert_corrected", name="Siti", group="Mawar")


async def test_follow_up_buttons_with_notes(h: Harness) -> None:
    fac, (siti, ani) = await setup(h, ("Siti", "Ani"))
    meetings = await yearly(h, fac, 3)
    for meeting in meetings[:2]:
        await run_meeting(h, meeting, [(siti, "A"), (ani, "A")])
    rows = await alerts(h)
    assert len(rows) == 2
    siti_id = (await h.participant(siti)).id
    siti_alert = next(a for a in rows if a["participant_id"] == siti_id)
    alert_message = await open_from_digest(h, fac, "Siti")
    # Contacted, with a note.
    await h.press(fac, "Sudah dihubungi", alert_message)
    assert h.last_text(fac).endswith("Catatan singkat? (atau tekan Lewati)")
    await h.send(fac, "  Anak sakit,   akan datang bulan depan ")
    assert h.last_text(fac) == h.t("attendance.note_saved")
    # Visit scheduled, no note ("Lewati").
    await h.press(fac, "Kunjungan rumah dijadwalkan", alert_message)
    await h.press(fac, "Lewati")
    assert h.last_text(fac) == h.t("attendance.note_skipped")
    # A too long note is refused and changes nothing.
    await h.press(fac, "Sudah dihubungi", alert_message)
    await h.send(fac, "x" * 201)
    assert h.last_text(fac) == h.t("attendance.note_invalid")
    await h.send(fac, "Ditelepon lagi")
    actions = await h.db.alert_actions(siti_alert["id"])
    assert [(a.action, a.note) for a in actions] == [
        ("contacted", "Anak sakit, akan datang bulan depan"),
        ("visit_scheduled", None),
        ("contacted", "Ditelepon lagi"),
    ]
    # The list of open follow-ups, and one alert's detail with what was done.
    await h.send(fac, "/tindaklanjut")
    listing = h.fake.last_message(fac)
    assert listing is not None and "Tindak lanjut yang masih terbuka: 2" in listing["text"]
    await h.press(fac, "Siti")
    detail = h.last_text(fac)
    assert "Yang sudah dilakukan" in detail and "“Anak sakit, akan datang bulan depan”" in detail
    # Visit done closes it; buttons on the old message are then refused.
    await h.press(fac, "Kunjungan rumah selesai", alert_message)
    assert "ditutup" in h.last_text(fac)
    await h.send(fac, "Sudah bertemu, sehat")
    closed = await h.db.alert(siti_alert["id"])
    assert closed is not None and (closed.status, closed.closed_reason) == ("closed", "visit_done")
    await h.press(fac, "Sudah dihubungi", alert_message)
    assert h.answers()[-1] == h.t("attendance.alert_already_closed")
    await h.send(fac, "/tindaklanjut")
    assert "Tindak lanjut yang masih terbuka: 1" in h.last_text(fac)
    # Another facilitator, or a member, cannot act on it.
    other = await register_facilitator(h, "Wati Susanti")
    ani_alert = next(a for a in rows if a["id"] != siti_alert["id"])
    await h.press_data(other, f"kf:{ani_alert['id']}:c")
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(other, f"kv:{ani_alert['id']}")
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(siti, f"kf:{ani_alert['id']}:d")
    assert h.answers()[-1] == h.t("auth.not_allowed")
    await h.press_data(fac, f"kf:{ani_alert['id']}:z")
    assert h.answers()[-1] == h.t("common.stale_button")
    assert len(await h.db.alert_actions(ani_alert["id"])) == 0
    # After the visit, a new crossing needs two new misses.
    await run_meeting(h, meetings[2], [(siti, "A"), (ani, "A")])
    assert len(await alerts(h)) == 2


async def test_unreachable_follow_up(h: Harness) -> None:
    fac, (siti, _ani) = await setup(h, ("Siti", "Ani"))
    await h.process(h.fake.block_bot(siti))
    rows = await alerts(h)
    assert [(a["kind"], a["status"]) for a in rows] == [("unreachable", "open")]
    await h.drain()
    text = h.last_text(fac)
    assert text.startswith("📵 Perlu perhatian: Ibu Siti") and "Kelompok Mawar" in text
    assert "Kunjungan rumah selesai" in str(h.fake.last_message(fac))
    # A second report of the same spell raises nothing new.
    await h.services.reachability.became_unreachable(
        [(await h.participant(siti)).id], h.clock.now()
    )
    assert len(await alerts(h)) == 1
    await h.send(fac, "/tindaklanjut")
    assert h.t("attendance.followup_item_unreachable", name="Siti", group="Mawar") in str(
        h.fake.last_message(fac)
    )
    # She unblocks: the next tick closes the follow-up and says so.
    await h.process(h.fake.unblock_bot(siti))
    await h.tick()
    rows = await alerts(h)
    assert [(a["status"], a["closed_reason"]) for a in rows] == [("closed", "reachable")]
    assert "sudah bisa menerima pesan dari bot lagi" in h.last_text(fac)
    # Blocking again: a new follow-up; this time the home visit closes it.
    await h.process(h.fake.block_bot(siti))
    await h.drain()
    rows = await alerts(h)
    assert [a["status"] for a in rows] == ["closed", "open"]
    await h.press(fac, "Kunjungan rumah selesai")
    await h.press(fac, "Lewati")
    assert [a["closed_reason"] for a in await alerts(h)] == ["reachable", "visit_done"]
