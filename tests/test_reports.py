"""Recap, CSV and XLSX exports, the chart and the coordinator's CLI, checked against the
database. Attendance rows are fixture data written here with SQL (the attendance feature
owns the real writes)."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from bot.__main__ import report_command
from bot.exports import CHART_SIZE
from bot.report_format import month_window, pack, percent, table_row
from bot.reports import below_policy
from db.meetings import NewMeeting
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.sql import execute, fetch

# START (tests/support/harness.py) is Monday 30 November 2026, 08.00 WIB: the chooser offers
# November and October 2026.


async def held_meeting(
    h: Harness, group_id: int, when: datetime, session: str, marks: dict[int, str]
) -> int:
    created = await h.db.create_meetings(
        [NewMeeting(group_id, when, "Balai RW 03", session)], h.clock.now()
    )
    meeting_id = created[0].id
    async with h.db.tx() as conn:
        await conn.execute(
            "UPDATE meetings SET status = 'held', finalized_at = ? WHERE id = ?",
            ((when + timedelta(hours=3)).isoformat(), meeting_id),
        )
        for participant_id, status in marks.items():
            await conn.execute(
                "INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at)"
                " VALUES (?, ?, ?, 'final', ?)",
                (meeting_id, participant_id, status, when.isoformat()),
            )
    return meeting_id


class Data:
    def __init__(self, fac: FakeUser, groups: dict[str, int], people: dict[str, int]) -> None:
        self.fac = fac
        self.groups = groups
        self.people = people


async def seed(h: Harness) -> Data:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    melati = await create_group(h, fac, "Melati", "WIT")
    names = {"Mawar": ["Siti", "Ani", "Dewi", "=HYPERLINK(x)"], "Melati": ["Budi", "Euis"]}
    people: dict[str, int] = {}
    for payload, group in ((mawar, "Mawar"), (melati, "Melati")):
        for name in names[group]:
            first = name if name.isalpha() else "Eva"
            user = await join(h, payload, first, name=name if name.isalpha() else "Eva Sari")
            people[name] = (await h.participant(user)).id
    groups = {}
    for name in ("Mawar", "Melati"):
        groups[name] = next(
            s.group.id
            for s in await h.db.groups_of((await h.facilitator(fac)).id)
            if s.group.name == name
        )
    p = people
    mw, ml = groups["Mawar"], groups["Melati"]
    eva = p["=HYPERLINK(x)"]
    # Mawar: September, October (2), November (2). Ani misses three in a row.
    await held_meeting(
        h,
        mw,
        datetime(2026, 9, 8, 2, tzinfo=UTC),
        "sesi-01",
        {p["Siti"]: "present", p["Ani"]: "present", p["Dewi"]: "present"},
    )
    await held_meeting(
        h,
        mw,
        datetime(2026, 10, 6, 2, tzinfo=UTC),
        "sesi-02",
        {p["Siti"]: "present", p["Ani"]: "absent", p["Dewi"]: "excused"},
    )
    await held_meeting(
        h,
        mw,
        datetime(2026, 10, 20, 2, tzinfo=UTC),
        "sesi-03",
        {p["Siti"]: "present", p["Ani"]: "absent", p["Dewi"]: "present"},
    )
    await held_meeting(
        h,
        mw,
        datetime(2026, 11, 3, 2, tzinfo=UTC),
        "sesi-04",
        {p["Siti"]: "present", p["Ani"]: "absent", p["Dewi"]: "present", eva: "present"},
    )
    await held_meeting(
        h,
        mw,
        datetime(2026, 11, 17, 2, tzinfo=UTC),
        "sesi-05",
        {p["Siti"]: "excused", p["Ani"]: "present", p["Dewi"]: "absent", eva: "present"},
    )
    # Melati (WIT, UTC+9): 1 November 07.00 WIT is 31 October 22.00 UTC: a November meeting.
    await held_meeting(
        h,
        ml,
        datetime(2026, 10, 31, 22, tzinfo=UTC),
        "sesi-01",
        {p["Budi"]: "present", p["Euis"]: "absent"},
    )
    # Not finalized, or cancelled: never counted.
    created = await h.db.create_meetings(
        [NewMeeting(mw, datetime(2026, 11, 24, 2, tzinfo=UTC), "Balai", "sesi-06")],
        h.clock.now(),
    )
    await execute(h.db, "UPDATE meetings SET status = 'held' WHERE id = ?", (created[0].id,))
    await execute(
        h.db,
        "INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at)"
        " VALUES (?, ?, 'present', 'self', ?)",
        (created[0].id, p["Siti"], h.clock.now().isoformat()),
    )
    await execute(
        h.db,
        "INSERT INTO alerts (participant_id, group_id, kind, opened_at) VALUES (?, ?, ?, ?)",
        (p["Ani"], mw, "absence", datetime(2026, 11, 4, tzinfo=UTC).isoformat()),
    )
    return Data(fac, groups, people)


async def db_counts(h: Harness, group_id: int, start: datetime, end: datetime) -> list[Any]:
    """Per finalized meeting in the window: (date, present, excused, absent), from SQL."""
    rows = await fetch(
        h.db,
        "SELECT m.starts_at,"
        " SUM(a.status = 'present'), SUM(a.status = 'excused'), SUM(a.status = 'absent')"
        " FROM meetings m JOIN attendance a ON a.meeting_id = m.id"
        " WHERE m.group_id = ? AND m.status = 'held' AND m.finalized_at IS NOT NULL"
        " AND m.starts_at >= ? AND m.starts_at < ? GROUP BY m.id ORDER BY m.starts_at",
        (group_id, start.isoformat(), end.isoformat()),
    )
    return [tuple(r) for r in rows]


def last_document(h: Harness, user: FakeUser) -> tuple[str, bytes]:
    message = [m for m in h.fake.sent_by_bot(user) if "document" in m][-1]
    document = message["document"]
    return document["file_name"], h.fake.file(document["file_id"]).data


# -- the recap -----------------------------------------------------------------------------


async def test_recap_on_a_phone(h: Harness) -> None:
    d = await seed(h)
    await h.send(d.fac, "/rekap")
    text = h.last_text(d.fac)
    assert "Mawar (4 anggota)" in text and "Melati (2 anggota)" in text
    table = text.split("Mawar (4 anggota)", 1)[1].split("H = hadir", 1)[0].strip().splitlines()
    assert table[0] == "Tgl    Sesi  H  I  A     %"
    # newest first; counts and rate per meeting
    assert table[1] == table_row("17 Nov", "S5", 2, 1, 1, 50)
    assert table[2] == table_row("3 Nov", "S4", 3, 0, 1, 75)
    assert table[5] == table_row("8 Sep", "S1", 3, 0, 0, 100)
    assert len(table) == 6  # 5 finalized meetings; the unfinalized one is left out
    assert all(len(line) <= 32 for line in table)
    assert "S5: " in text
    # Ani missed three in a row, then came back at the latest meeting: by the alert rule
    # (one rule for both) her crossing closed, so nobody is below the policy now.
    assert "Perlu perhatian" not in text
    assert "Ani: 3 kali" not in text
    assert "Dewi: 1 kali, 1 berturut-turut" not in text
    assert "Euis: 1 kali, 1 berturut-turut" not in text
    assert "Tindak lanjut yang masih terbuka: 1" in text
    assert "Ani: sering tidak hadir" in text
    assert "Unduh laporan" in str(h.last_with_buttons(d.fac)["reply_markup"])


def test_policy_rule() -> None:
    from bot.attendance import Mark, Policy

    def marks(newest_first: list[str]) -> list[Mark]:
        return [Mark(i, st) for i, st in enumerate(reversed(newest_first), start=1)]

    s = Policy(in_a_row=2, m=3, k=6)
    assert below_policy(marks(["absent", "absent"]), s) is not None  # two in a row
    # she came back after two misses (the crossing closed); one miss since
    assert below_policy(marks(["absent", "present", "absent", "excused", "absent"]), s) is None
    got = below_policy(marks(["absent", "present", "absent", "present", "absent"]), s)
    assert got is not None and (got.misses, got.in_a_row) == (3, 1)  # 3 of the last 6
    assert below_policy(marks(["absent", "present", "absent", "excused"]), s) is None
    assert below_policy(marks(["excused", "excused", "excused"]), s) is None  # no miss
    got = below_policy(marks(["absent", "excused", "absent"]), s)  # excused breaks no row
    assert got is not None and (got.misses, got.in_a_row) == (2, 2)
    assert percent(2, 3) == 67 and percent(1, 2) == 50 and percent(0, 0) is None
    assert pack(["a" * 10, "b" * 10, "c" * 10], 25) == ["a" * 10 + "\n\n" + "b" * 10, "c" * 10]


# -- exports -------------------------------------------------------------------------------


async def test_csv_export_matches_the_database(h: Harness) -> None:
    d = await seed(h)
    await h.send(d.fac, "/ekspor")
    labels = [
        b["text"] for r in h.last_with_buttons(d.fac)["reply_markup"]["inline_keyboard"] for b in r
    ]
    assert labels == [
        "CSV November 2026",
        "Excel November 2026",
        h.t("report.button_csv_id", month="November 2026"),
        "CSV Oktober 2026",
        "Excel Oktober 2026",
        h.t("report.button_csv_id", month="Oktober 2026"),
    ]
    await h.press(d.fac, "CSV November 2026")
    name, data = last_document(h, d.fac)
    assert name == "laporan-p2k2-2026-11.csv"
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Kelompok", "Tanggal", "Jam"]
    body = rows[1:]
    assert [(r[0], r[1]) for r in body] == [
        ("Mawar", "2026-11-03"),
        ("Mawar", "2026-11-17"),
        ("Melati", "2026-11-01"),  # its own local month (WIT)
    ]
    for group, rows_of in (("Mawar", body[:2]), ("Melati", body[2:])):
        start, end = month_window(
            2026, 11, "Asia/Jakarta" if group == "Mawar" else "Asia/Jayapura"
        )
        expected = await db_counts(h, d.groups[group], start, end)
        got = [(int(r[7]), int(r[8]), int(r[9])) for r in rows_of]
        assert got == [(e[1], e[2], e[3]) for e in expected]
        for r in rows_of:
            assert int(r[10]) == int(r[7]) + int(r[8]) + int(r[9])
            assert int(r[11]) == percent(int(r[7]), int(r[10]))
    assert body[1][5].startswith("Mengelola Keuangan")  # session title
    assert body[1][12] == "Ani, Eva Sari" and body[1][13] == "Siti" and body[1][14] == "Dewi"
    assert body[0][3] == "Balai RW 03" and body[0][2] == "09.00 WIB"


async def test_xlsx_export_matches_the_database(h: Harness) -> None:
    d = await seed(h)
    await h.send(d.fac, "/ekspor")
    await h.press(d.fac, "Excel Oktober 2026")
    name, data = last_document(h, d.fac)
    assert name == "laporan-p2k2-2026-10.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[:3] == ["Kegiatan", "Ringkasan", "Per anggota"]
    # then the forms' sheets, and one SIKS-NG sheet per meeting (tests/test_siks.py)
    assert [n for n in book.sheetnames if n.startswith("SIKS")] == [
        "SIKS 06-10 Mawar",
        "SIKS 20-10 Mawar",
    ]
    sheet = book["Kegiatan"]
    assert sheet["A1"].value == "Laporan Kegiatan P2K2"
    assert sheet["B2"].value == "Rina Wati" and sheet["B3"].value == "Oktober 2026"
    rows = [r for r in sheet.iter_rows(min_row=6, values_only=True) if r[0]]
    start, end = month_window(2026, 10, "Asia/Jakarta")
    expected = await db_counts(h, d.groups["Mawar"], start, end)
    assert [(r[7], r[8], r[9]) for r in rows] == [(e[1], e[2], e[3]) for e in expected]
    assert [r[1] for r in rows] == [datetime(2026, 10, 6), datetime(2026, 10, 20)]  # noqa: DTZ001
    assert rows[0][4] == 2 and rows[0][6]  # session number and module title
    assert rows[0][13] == "Dewi" and rows[0][14] == "Ani"
    summary = book["Ringkasan"]
    srows = [r for r in summary.iter_rows(min_row=6, values_only=True) if r[0]]
    sums = tuple(sum(e[i] for e in expected) for i in (1, 2, 3))
    assert sums == (3, 1, 2)
    assert srows[0][:6] == ("Mawar", 4, 2, *sums)
    assert srows[1][:6] == ("Melati", 2, 0, 0, 0, 0)  # its only meeting is in November
    assert srows[-1][0] == "Jumlah" and srows[-1][3:6] == sums
    assert srows[-1][6] == 0.5


async def test_export_refuses_forged_months_and_other_roles(h: Harness) -> None:
    d = await seed(h)
    other = await register_facilitator(h, "Yuni Astuti")
    for data in ("repc:202001", "repx:209912", "repc:2026-11", "repx:abc"):
        await h.press_data(d.fac, data)
        assert h.answers()[-1] == h.t("common.stale_button"), data
    mothers = [u for u in h.fake.users.values() if u.id not in (d.fac.id, other.id)]
    for data in ("repc:202611", "repx:202611", "repg", "repe"):
        await h.press_data(mothers[0], data)
        assert h.answers()[-1] == h.t("auth.not_allowed"), data
    await h.send(mothers[0], "/rekap")
    assert h.last_text(mothers[0]) == h.t("auth.not_allowed")
    # Another facilitator's files hold only her own (no) groups.
    await h.press_data(other, "repc:202611")
    _, empty = last_document(h, other)
    assert empty.decode("utf-8-sig").count("\r\n") == 1  # the header only
    await h.send(other, "/rekap")
    assert h.last_text(other) == h.t("report.no_groups")


async def test_formula_like_names_stay_text(h: Harness) -> None:
    d = await seed(h)
    await execute(h.db, "UPDATE participants SET name = '=1+2' WHERE id = ?", (d.people["Siti"],))
    await h.press_data(d.fac, "repc:202611", forge=True)
    _, data = last_document(h, d.fac)
    assert "'=1+2" in data.decode("utf-8-sig")
    await h.press_data(d.fac, "repx:202611", forge=True)
    _, data = last_document(h, d.fac)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Kegiatan"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+2"]
    assert cells and all(c.data_type == "s" for c in cells)


# -- the chart -----------------------------------------------------------------------------


async def test_chart_is_a_png_of_the_expected_size(h: Harness) -> None:
    d = await seed(h)
    await h.send(d.fac, "/rekap")
    await h.press(d.fac, "Grafik kehadiran")
    message = [m for m in h.fake.sent_by_bot(d.fac) if "photo" in m][-1]
    png = h.fake.file(message["photo"][-1]["file_id"]).data
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == CHART_SIZE
    assert "6 bulan" in message["caption"]


async def test_chart_without_data(h: Harness) -> None:
    fac = await register_facilitator(h)
    await create_group(h, fac, "Kenanga 🌸")
    await h.press_data(fac, "repg")
    assert h.last_text(fac) == h.t("report.chart_empty")


# -- the coordinator's CLI -------------------------------------------------------------------


async def test_cli_report_writes_every_facilitator_and_totals(h: Harness, tmp_path: Path) -> None:
    d = await seed(h)
    await register_facilitator(h, "Yuni Astuti")
    out = io.StringIO()
    folder = tmp_path / "laporan"
    assert await report_command(h.services.settings, "2026-11", folder, out) == 0
    files = sorted(p.name for p in folder.iterdir())
    assert files == [
        "pendamping-1-rina-wati-2026-11.csv",
        "pendamping-1-rina-wati-2026-11.xlsx",
        "pendamping-2-yuni-astuti-2026-11.csv",
        "pendamping-2-yuni-astuti-2026-11.xlsx",
        "rekap-kecamatan-2026-11.xlsx",
        "total-2026-11.xlsx",
    ]
    totals = openpyxl.load_workbook(folder / "total-2026-11.xlsx")["Total"]
    rows = [r for r in totals.iter_rows(min_row=5, values_only=True) if r[0]]
    assert rows[0][:7] == ("Rina Wati", "Mawar", 4, 2, 5, 1, 2)
    assert rows[1][:7] == ("Rina Wati", "Melati", 2, 1, 1, 0, 1)
    assert rows[-1][0] == "Jumlah" and rows[-1][3:7] == (3, 6, 1, 3)
    sql = await fetch(
        h.db,
        "SELECT COUNT(*) FROM attendance a JOIN meetings m ON m.id = a.meeting_id"
        " WHERE m.finalized_at IS NOT NULL AND m.starts_at >= '2026-10-31T17:00:00'"
        " AND m.starts_at < '2026-11-30T17:00:00' AND a.status = 'present'",
    )
    assert rows[-1][4] == next(iter(sql))[0]
    assert "pendamping-1-rina-wati-2026-11: 3 meetings" in out.getvalue()
    assert d.fac is not None
