"""The SIKS-NG activity record of a meeting through the bot: the Uraian in the record, the
facilitator's note, the activity photos, the chat copy ("Salin untuk SIKS-NG"), the
XLSX sheets and the CSV for an Excel set to Indonesian. Marks are made through the
handlers (a reminder's "Tidak bisa hadir", the check-in code, the facilitator's marking
screen) and every file is read back. The parts without a running bot (the form file, the
Uraian rule, the migration, the settings): tests/test_siks_form.py.

The meeting starts Saturday 5 December 2026, 09.00 WIB (02.00 UTC); its check-in window
opens at 08.30 WIB and closes at 11.30 WIB (04.30 UTC).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image

from db.meetings import NewMeeting
from fakeapi import FakeUser
from tests.support.harness import (
    Harness,
    button_data,
    button_labels,
    create_group,
    join,
    register_facilitator,
    running_bot,
)
from tests.support.sql import fetch

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
REMINDED = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # the 3-day reminder
OPENS = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
CLOSES = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)
MATERI_KEUANGAN = "Pengelolaan Keuangan dan Perencanaan Usaha"


def jpeg(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def last_document(h: Harness, user: FakeUser) -> tuple[str, bytes]:
    message = [m for m in h.fake.sent_by_bot(user) if "document" in m][-1]
    return message["document"]["file_name"], h.fake.file(message["document"]["file_id"]).data


async def held_meeting(h: Harness) -> tuple[FakeUser, dict[str, FakeUser], int]:
    """Mawar's meeting on sesi-05, marked through the handlers: Siti checks in with the
    code, Ani is excused (sick), Euis excused (family), Dewi does not come, Rukmini (no
    phone) is marked present by her pendamping."""
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar", place="Balai RW 03 & Posyandu")
    people = {n: await join(h, payload, n) for n in ("Siti", "Ani", "Dewi", "Euis")}
    group_id = (await h.participant(people["Siti"])).group_id
    await h.db.add_participant(group_id, None, "Rukmini", None, h.clock.now())
    created = await h.db.create_meetings(
        [NewMeeting(group_id, START, "Balai RW 03 & Posyandu", "sesi-05")], h.clock.now()
    )
    meeting_id = created[0].id
    h.clock.set(REMINDED)
    await h.tick()
    for name, reason in (("Ani", "reason.sakit"), ("Euis", "reason.keluarga")):
        await h.press(people[name], h.t("reminder.button_no"))
        await h.press(people[name], h.t(reason))
    h.clock.set(OPENS)
    await h.tick()
    code = await h.checkin_code(meeting_id)
    await h.send(people["Siti"], "/hadir")
    await h.send(people["Siti"], code)
    await h.send(fac, "/kehadiran")
    await h.press(fac, "Mawar")
    await h.press(fac, "Rukmini")
    siti_id = (await h.participant(people["Siti"])).id
    for question, correct in ((0, True), (1, False)):
        await h.db.record_quiz_answer(siti_id, "sesi-05", question, 0, correct, h.clock.now())
    h.clock.set(CLOSES)
    await h.tick()
    return fac, people, meeting_id


async def db_marks(h: Harness, meeting_id: int) -> dict[str, tuple[str, str | None]]:
    rows = await fetch(
        h.db,
        "SELECT p.name, a.status, a.reason FROM attendance a"
        " JOIN participants p ON p.id = a.participant_id WHERE a.meeting_id = ?",
        (meeting_id,),
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def open_record(h: Harness, fac: FakeUser) -> dict[str, Any]:
    await h.send(fac, "/kegiatan")
    message = await h.press(fac, "Mawar")
    assert message is not None
    return message


def screen_text(h: Harness, present: int, total: int, photos: str, note: str) -> str:
    """The record screen of the test's meeting (Mawar, sesi-05, Saturday 09.00 WIB)."""
    session = h.services.content.session("sesi-05")
    assert session is not None
    return h.t(
        "siks.meeting",
        group="Mawar",
        when=h.services.catalog.datetime(START, "Asia/Jakarta"),
        session=h.t("siks.session", number=session.number, title=session.title),
        present=present,
        total=total,
        photos=photos,
        note=note,
    )


def copied(h: Harness, fac: FakeUser, before: int) -> list[str]:
    return [m.get("text", "") for m in h.fake.sent_by_bot(fac)[before:] if "text" in m]


async def test_copy_for_siks_ng_matches_the_marks(h: Harness) -> None:
    fac, _, meeting_id = await held_meeting(h)
    assert await db_marks(h, meeting_id) == {
        "Siti": ("present", None),
        "Rukmini": ("present", None),
        "Ani": ("excused", "sakit"),
        "Euis": ("excused", "keluarga"),
        "Dewi": ("absent", None),
    }
    record_screen = await open_record(h, fac)
    assert record_screen["text"] == screen_text(h, 2, 5, h.t("siks.no_photo"), h.t("siks.no_note"))
    before = len(h.fake.sent_by_bot(fac))
    await h.press(fac, h.t("siks.button_copy"), record_screen)
    texts = copied(h, fac, before)
    form = h.services.siks.form
    field = {
        "nama_kegiatan": "P2K2 Mawar - Pengelolaan Keuangan dan Perencanaan Usaha",
        "materi": MATERI_KEUANGAN,
        "modul": "Pengelolaan Keuangan dan Perencanaan Usaha",
        "tanggal": "05/12/2026",
        "jam_mulai": "09:00",
        "jam_selesai": "11:00",
        "tempat": "Balai RW 03 & Posyandu",
        "pemateri_nama": "Rina Wati",
        "pemateri_instansi": "Kementerian Sosial RI",
    }
    for key, value in field.items():
        assert h.t("siks.copy_field", label=form.fields[key], value=value) in texts, key
    assert h.t("siks.copy_field_empty", label=form.fields["periode_salur"]) in texts
    head = form.fields["uraian"] + "\n"
    uraian = next(t for t in texts if t.startswith(head))
    assert len(uraian.removeprefix(head)) <= 1000
    assert h.t("siks.uraian_participation", total=5, present=2, sick=1, excused=1, absent=1) in (
        uraian
    )
    assert h.t("siks.uraian_quiz", count=1, score=50) in uraian
    intro = h.t(
        "siks.copy_participants",
        label=form.participants["kehadiran"],
        nik=form.participants["nik"],
        kk=form.participants["no_kk"],
        count=5,
    )
    people = next(t for t in texts if t.startswith(intro))
    excused = h.t("siks.status_excused")

    def line(no: int, name: str, value: str, note: str) -> str:
        return h.t("siks.copy_participant", no=no, name=name, kehadiran=value, note=note)

    assert people.splitlines()[1:] == [
        line(
            1,
            "Ani",
            "SAKIT",
            h.t("siks.status_reason", status=excused, reason=h.t("reason.sakit")),
        ),
        line(2, "Dewi", "ALFA", h.t("siks.status_absent")),
        line(
            3,
            "Euis",
            "ALFA",
            h.t("siks.status_reason", status=excused, reason=h.t("reason.keluarga")),
        ),
        line(4, "Rukmini", "HADIR", h.t("siks.status_present")),
        line(5, "Siti", "HADIR", h.t("siks.status_present")),
    ]
    # One message per field, each value a tap-to-copy <code>.
    raw = [m for m in h.fake.sent_by_bot(fac)[before:] if "text" in m]
    assert sum(1 for m in raw if any(e["type"] == "code" for e in m.get("entities", []))) >= 10


async def test_a_note_goes_into_the_uraian_and_bad_notes_change_nothing(h: Harness) -> None:
    fac, _, meeting_id = await held_meeting(h)
    screen = await open_record(h, fac)
    await h.press(fac, h.t("siks.button_note"), screen)
    await h.send(fac, "x" * 501)
    assert h.last_text(fac) == h.t("siks.note_invalid", max=500)
    assert await h.services.siks.note(meeting_id) is None
    await h.send(fac, "  Ibu-ibu   antusias; dua KPM minta   kunjungan. ")
    assert h.last_text(fac) == h.t("siks.note_saved")
    assert await h.services.siks.note(meeting_id) == "Ibu-ibu antusias; dua KPM minta kunjungan."
    before = len(h.fake.sent_by_bot(fac))
    await h.press(fac, h.t("siks.button_copy"))
    head = h.services.siks.form.fields["uraian"] + "\n"
    uraian = next(t for t in copied(h, fac, before) if t.startswith(head))
    assert uraian.endswith(
        h.t("siks.uraian_note", note="Ibu-ibu antusias; dua KPM minta kunjungan.")
    )
    # A replaced note replaces, once.
    screen = await open_record(h, fac)
    await h.press(fac, h.t("siks.button_note"), screen)
    assert "Ibu-ibu antusias" in h.last_text(fac)
    await h.send(fac, "Catatan baru.")
    rows = await fetch(h.db, "SELECT note FROM meeting_notes")
    assert [r[0] for r in rows] == ["Catatan baru."]


async def test_another_facilitator_cannot_open_or_note_the_meeting(h: Harness) -> None:
    fac, _, meeting_id = await held_meeting(h)
    other = await register_facilitator(h, "Sari Dewi")
    await create_group(h, other, "Anggrek")
    for prefix in ("so", "sc", "sn", "sf"):
        await h.press_data(other, f"{prefix}:{meeting_id}")
        assert h.answers()[-1] == h.t("common.stale_button")
    await h.send(other, "catatan palsu")
    assert await h.services.siks.note(meeting_id) is None
    await h.press_data(fac, "so:999999")
    assert h.answers()[-1] == h.t("common.stale_button")


async def test_photos_are_kept_with_location_listed_and_exported(h: Harness) -> None:
    fac, people, meeting_id = await held_meeting(h)
    screen = await open_record(h, fac)
    await h.press(fac, h.t("siks.button_photo"), screen)
    assert h.last_text(fac) == h.t("siks.ask_photo")
    await h.process(h.fake.send_location(fac, -6.2, 106.8))  # before any photo
    assert h.last_text(fac) == h.t("siks.location_first")
    await h.send(fac, "ini fotonya")
    assert h.last_text(fac) == h.t("siks.photo_hint")
    data = jpeg()
    update = h.fake.send_photo(fac, data=data)
    await h.process(update)
    assert h.last_text(fac) == h.t("siks.photo_saved", count=1)
    shown = h.fake.reply_keyboard(fac)
    assert shown is not None and shown["keyboard"][0][0]["request_location"] is True
    await h.process(h.fake.send_location(fac, -6.914744, 107.609810))
    assert h.last_text(fac) == h.t("siks.location_saved")
    await h.process(update)  # the same update delivered again: kept once
    rows = list(
        await fetch(
            h.db, "SELECT local_path, size_bytes, latitude, longitude, file_id FROM meeting_photos"
        )
    )
    assert len(rows) == 1
    local_path, size, lat, lon, file_id = rows[0]
    assert (lat, lon) == (-6.914744, 107.60981) and size == len(data)
    folder = h.services.evidence.folder
    assert (folder / local_path).read_bytes() == data
    assert folder == h.services.settings.database.parent / "evidence"
    assert file_id == update["message"]["photo"][-1]["file_id"]
    await h.send(fac, "/batal")
    # Listed on the record, sent again under the copy.
    screen = await open_record(h, fac)
    assert h.t("siks.photos", count=1) in screen["text"]
    await h.press(fac, h.t("siks.button_copy"), screen)
    photo = h.fake.last_message(fac)
    assert photo is not None and photo["caption"] == h.t("siks.copy_photo", no=1, count=1)
    # In the XLSX: a SIKS-NG sheet with the fields, the participants, the photo.
    await h.send(fac, "/ekspor")
    await h.press(fac, h.t("report.button_xlsx", month="Desember 2026"))
    name, book_bytes = last_document(h, fac)
    assert name == "laporan-p2k2-2026-12.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(book_bytes))
    assert book.sheetnames[:2] == ["Kegiatan", "Ringkasan"]
    assert [n for n in book.sheetnames if n.startswith("SIKS")] == ["SIKS 05-12 Mawar"]
    sheet = book["SIKS 05-12 Mawar"]
    assert isinstance(sheet, Worksheet)
    values = {r[0]: r[1] for r in sheet.iter_rows(min_row=3, max_row=14, values_only=True)}
    assert values["Nama Kegiatan"] == "P2K2 Mawar - Pengelolaan Keuangan dan Perencanaan Usaha"
    assert values["Materi"] == MATERI_KEUANGAN and values["Tanggal"] == "05/12/2026"
    assert values["Foto Kegiatan"] == h.t("siks.photos", count=1)
    assert len(str(values["Uraian"])) <= 1000
    all_rows = list(sheet.iter_rows(values_only=True))
    header = all_rows.index(
        ("No", "Nama KPM", "NIK", "No. KK", "Kehadiran", "Keterangan (dari bot)")
    )
    table = [r for r in all_rows[header + 1 : header + 6]]
    marks = await db_marks(h, meeting_id)
    form = h.services.siks.form
    assert [(r[1], r[4]) for r in table] == [
        (n, form.kehadiran(*marks[n])) for n in ("Ani", "Dewi", "Euis", "Rukmini", "Siti")
    ]
    assert all(r[2] is None and r[3] is None for r in table)  # NIK and No. KK stay empty
    assert len(sheet._images) == 1  # type: ignore[attr-defined]  # the embedded photo
    # A member's erasure leaves the group's evidence.
    await h.send(people["Siti"], "/datasaya")
    await h.press(people["Siti"], "Hapus data saya")
    await h.press(people["Siti"], "Ya, hapus")
    assert h.last_text(people["Siti"]) == h.t("privacy.erased")
    assert len(await h.db.meeting_photos([meeting_id])) == 1
    assert (folder / local_path).read_bytes() == data
    record = await h.services.siks.record((await h.facilitator(fac)).id, meeting_id)
    assert record is not None and len(record.participants) == 5  # she is still counted
    erased = [p for p in record.participants if p.name == h.t("siks.name_erased")]
    assert [(p.kehadiran, p.note) for p in erased] == [("HADIR", h.t("siks.status_present"))]


async def test_a_photo_over_the_limit_keeps_only_its_file_id(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "[reports]\nphoto_max_kb = 1\n") as h:
        fac, _, meeting_id = await held_meeting(h)
        screen = await open_record(h, fac)
        await h.press(fac, h.t("siks.button_photo"), screen)
        await h.process(h.fake.send_photo(fac, data=jpeg(1600, 1200)))
        assert h.last_text(fac) == h.t("siks.photo_saved_remote", count=1)
        photos = await h.db.meeting_photos([meeting_id])
        assert [(p.local_path, p.size_bytes) for p in photos] == [(None, None)]
        assert not (h.services.evidence.folder).exists()


async def test_the_csv_for_indonesian_excel_uses_semicolons(h: Harness) -> None:
    fac, _, meeting_id = await held_meeting(h)
    await h.send(fac, "/ekspor")
    await h.press(fac, h.t("report.button_csv_id", month="Desember 2026"))
    name, data = last_document(h, fac)
    assert name == "laporan-p2k2-2026-12.excel-id.csv"
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == h.services.catalog.t("report.columns").split("|")
    assert len(rows) == 2 and len(rows[1]) == len(rows[0])
    marks = await db_marks(h, meeting_id)
    counts = [
        sum(1 for s, _ in marks.values() if s == k) for k in ("present", "excused", "absent")
    ]
    assert [int(v) for v in rows[1][7:10]] == counts
    assert rows[1][3] == "Balai RW 03 & Posyandu"
    assert ", " in rows[1][12] and ";" not in rows[1][12]  # the names list stays one cell
    # The comma CSV is still offered.
    await h.send(fac, "/ekspor")
    labels = [
        b["text"] for r in h.last_with_buttons(fac)["reply_markup"]["inline_keyboard"] for b in r
    ]
    assert h.t("report.button_csv", month="Desember 2026") in labels
    assert button_data(
        h.last_with_buttons(fac), h.t("report.button_csv_id", month="Desember 2026")
    )


async def test_the_recap_leads_to_the_records(h: Harness) -> None:
    fac, _, _ = await held_meeting(h)
    await h.send(fac, "/rekap")
    await h.press(fac, h.t("siks.button_open"))
    assert h.last_text(fac) == h.t("siks.choose_meeting")
    h.clock.set(CLOSES + timedelta(days=70))
    await h.send(fac, "/kegiatan")
    assert h.last_text(fac) == h.t("siks.no_meetings")


async def test_other_speakers_are_named_on_the_record(tmp_path: Path) -> None:
    extra = '[reports]\nother_speakers = ["Bidan Sari | Puskesmas Sukamaju"]\n'
    async with running_bot(tmp_path, extra) as h:
        fac, _, meeting_id = await held_meeting(h)
        record = await h.services.siks.record((await h.facilitator(fac)).id, meeting_id)
        assert record is not None
        assert record.value("pemateri_nama") == "Rina Wati; Bidan Sari"
        assert record.value("pemateri_instansi") == "Kementerian Sosial RI; Puskesmas Sukamaju"


async def test_a_photo_sent_without_a_meeting_asks_which_meeting(h: Harness) -> None:
    fac, people, meeting_id = await held_meeting(h)
    data = jpeg()
    await h.process(h.fake.send_photo(fac, data=data))
    assert h.last_text(fac) == h.t("siks.which_meeting")
    assert await h.db.meeting_photos([meeting_id]) == []
    pressed = h.last_with_buttons(fac)
    await h.press(fac, "Mawar", pressed)
    assert h.last_text(fac) == h.t("siks.photo_saved", count=1)
    await h.press(fac, "Mawar", pressed)  # pressed again: nothing more
    assert h.answers()[-1] == h.t("common.stale_button")
    photos = await h.db.meeting_photos([meeting_id])
    assert len(photos) == 1 and photos[0].local_path is not None
    assert (h.services.evidence.folder / photos[0].local_path).read_bytes() == data
    await h.process(h.fake.send_location(fac, -6.2, 106.8))
    assert h.last_text(fac) == h.t("siks.location_saved")
    # A mother's photo is not evidence: she is told the bot reads text.
    await h.process(h.fake.send_photo(people["Siti"], data=data))
    assert h.last_text(people["Siti"]) == h.t("common.text_only")
    assert len(await h.db.meeting_photos([meeting_id])) == 1


async def test_the_close_summary_leads_to_the_record_as_a_new_message(h: Harness) -> None:
    fac, _, meeting_id = await held_meeting(h)
    summary = next(
        m
        for m in reversed(h.fake.sent_by_bot(fac))
        if h.t("siks.button_record") in button_labels(m)
    )
    assert button_data(summary, h.t("siks.button_record")) == f"sr:{meeting_id}"
    before = len(h.fake.sent_by_bot(fac))
    await h.press(fac, h.t("siks.button_record"), summary)
    screen = h.fake.sent_by_bot(fac)[before]
    assert screen["text"] == screen_text(h, 2, 5, h.t("siks.no_photo"), h.t("siks.no_note"))
    assert h.t("siks.button_copy") in button_labels(screen)
    unchanged = next(
        m for m in h.fake.sent_by_bot(fac) if m["message_id"] == summary["message_id"]
    )
    assert unchanged["text"] == summary["text"]
