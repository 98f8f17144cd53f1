"""Issue 16, point 5: one mother's month at a glance, a member x meeting matrix in the
XLSX, read back with openpyxl and compared with the marks made through the bot."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl

from db.meetings import NewMeeting
from tests.support.attendance import run_meeting
from tests.support.harness import (
    Harness,
    create_group,
    erase_own_data,
    join,
    register_facilitator,
)
from tests.support.sql import fetch


async def test_member_by_meeting_matrix(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar")
    siti, ani, dewi = [await join(h, payload, n) for n in ("Siti", "Ani", "Dewi")]
    group_id = (await h.participant(siti)).group_id
    created = await h.db.create_meetings(
        [
            NewMeeting(group_id, datetime(2026, 12, 2, 2, tzinfo=UTC), "Balai RW 03", "sesi-01"),
            NewMeeting(group_id, datetime(2026, 12, 16, 2, tzinfo=UTC), "Balai RW 03", "sesi-02"),
        ],
        h.clock.now(),
    )
    await run_meeting(h, created[0], [(siti, "P"), (ani, "E"), (dewi, "A")])
    euis = await join(h, payload, "Euis")  # joins between the two meetings
    await run_meeting(h, created[1], [(siti, "A"), (ani, "P"), (dewi, "A"), (euis, "P")])
    await erase_own_data(h, dewi)

    await h.press_data(fac, "repx:202612")
    document = [m for m in h.fake.sent_by_bot(fac) if "document" in m][-1]["document"]
    book = openpyxl.load_workbook(io.BytesIO(h.fake.file(document["file_id"]).data))
    sheet = book["Per anggota"]
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if any(r)]
    assert rows[0][0] == "Mawar"
    assert rows[1] == (
        "No",
        "Kelompok",
        "Nama",
        "2 Des\nS1",
        "16 Des\nS2",
        "Hadir",
        "Izin",
        "Tidak hadir",
    )
    body = rows[2:]
    word = {
        "present": h.t("report.status_present"),
        "excused": h.t("report.status_excused"),
        "absent": h.t("report.status_absent"),
    }
    erased = h.t("report.erased_member")
    assert [r[2] for r in body] == ["Ani", "Euis", "Siti", erased]
    ids = {"Ani": ani, "Euis": euis, "Siti": siti}
    for r in body:
        if r[2] == erased:
            found = await fetch(h.db, "SELECT id FROM participants WHERE name = ''")
            participant_id = next(iter(found))[0]
        else:
            participant_id = (await h.participant(ids[str(r[2])])).id
        stored = {
            row[0]: row[1]
            for row in await fetch(
                h.db,
                "SELECT meeting_id, status FROM attendance WHERE participant_id = ?",
                (participant_id,),
            )
        }
        expected = [
            word[stored[m.id]] if m.id in stored else h.t("report.status_none") for m in created
        ]
        assert list(r[3:5]) == expected, r
        assert r[5:8] == tuple(list(stored.values()).count(s) for s in word)
    assert body[1][3] == h.t("report.status_none")  # Euis was not a member yet
    assert [r[0] for r in body] == [1, 2, 3, 4]
