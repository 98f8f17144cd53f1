"""The SIKS-NG activity record of a meeting: the form file, the Uraian draft, the
facilitator's note, the activity photos, the chat copy ("Salin untuk SIKS-NG"), the
XLSX sheets and the CSV for an Excel set to Indonesian. Marks are made through the
handlers (a reminder's "Tidak bisa hadir", the check-in code, the facilitator's marking
screen) and every file is read back.

The meeting starts Saturday 5 December 2026, 09.00 WIB (02.00 UTC); its check-in window
opens at 08.30 WIB and closes at 11.30 WIB (04.30 UTC).
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image

from bot.config import TOKEN_ENV, ConfigError
from bot.content import ContentError, load_library
from bot.evidence import PhotoSize, choose_size
from bot.siks import UraianFacts, activity_name, draft_uraian, load_siks_form
from db import connect, migrate
from db.meetings import NewMeeting
from db.migrate import load_migrations
from db.quiz import QuizSummary
from fakeapi import FakeUser
from tests.harness import (
    REPO,
    TOKEN,
    Harness,
    button_data,
    button_labels,
    create_group,
    join,
    make_settings,
    register_facilitator,
    running_bot,
    write_config,
)

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
    rows = await h.db.connection.execute_fetchall(
        "SELECT checkin_code FROM meetings WHERE id = ?", (meeting_id,)
    )
    code = str(next(iter(rows))[0])
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
    rows = await h.db.connection.execute_fetchall(
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


# -- the form file ----------------------------------------------------------------------


def test_the_form_file_maps_every_module_and_status() -> None:
    library = load_library(REPO / "content" / "modules")
    form = load_siks_form(REPO / "content" / "forms", library)
    assert form.module_materi["keuangan"] == MATERI_KEUANGAN
    assert form.module_materi["kesehatan"] == "Kesehatan dan Gizi"
    assert form.module_materi["kesejahteraan"] == "Kesejahteraan Sosial"
    assert form.module_materi["pengasuhan"] == form.default_materi  # no siks_materi
    assert form.allowed == ("HADIR", "SAKIT", "ALFA")
    assert form.kehadiran("present", None) == "HADIR"
    assert form.kehadiran("excused", "sakit") == "SAKIT"
    assert form.kehadiran("excused", "keluarga") == "ALFA"
    assert form.kehadiran("excused", None) == "ALFA"
    assert form.kehadiran("absent", None) == "ALFA"
    assert form.fields["nama_kegiatan"] == "Nama Kegiatan" and form.name_max == 100
    assert form.participants["nik"] == "NIK" and form.participants["no_kk"] == "No. KK"


def test_a_module_with_a_materi_the_form_does_not_know_is_refused(tmp_path: Path) -> None:
    content = tmp_path / "modules"
    shutil.copytree(REPO / "content" / "modules", content)
    module = content / "02-keuangan" / "module.toml"
    text = module.read_text(encoding="utf-8").replace(
        f'siks_materi = "{MATERI_KEUANGAN}"', 'siks_materi = "Keuangan Keluarga"'
    )
    module.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=r"02-keuangan/module\.toml: field 'siks_materi'"):
        load_siks_form(REPO / "content" / "forms", load_library(content))
    forms = tmp_path / "forms"
    shutil.copytree(REPO / "content" / "forms", forms)
    form_file = forms / "siks_kegiatan.toml"
    form_file.write_text(
        form_file.read_text(encoding="utf-8").replace('absent = "ALFA"', 'absent = "ALPA"'),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"kehadiran\.absent"):
        load_siks_form(forms, load_library(REPO / "content" / "modules"))


# -- the Uraian -------------------------------------------------------------------------


def facts(**changes: Any) -> UraianFacts:
    base: dict[str, Any] = dict(
        group="Mawar",
        date="Sabtu, 5 Desember 2026",
        start="09.00",
        end="11.00 WIB",
        place="Balai RW 03",
        facilitator="Rina Wati",
        module="Pengelolaan Keuangan dan Perencanaan Usaha",
        session="Sesi 5: Mengelola Keuangan Keluarga",
        key_points=("Catat pemasukan", "Pisahkan uang kebutuhan", "Menabung sedikit-sedikit"),
        total=5,
        present=2,
        sick=1,
        excused=1,
        absent=1,
        quiz=QuizSummary(1, 0.5),
        followups=2,
        note="Ibu-ibu aktif bertanya.",
    )
    base.update(changes)
    return UraianFacts(**base)


def test_the_uraian_covers_the_five_aspects(h: Harness) -> None:
    t = h.services.catalog.t
    text = draft_uraian(t, facts(), 1000)
    assert len(text) <= 1000
    assert text.startswith(
        h.t(
            "siks.uraian_process",
            group="Mawar",
            date="Sabtu, 5 Desember 2026",
            start="09.00",
            end="11.00 WIB",
            place="Balai RW 03",
            facilitator="Rina Wati",
        )
    )
    for part in (
        h.t("siks.uraian_participation", total=5, present=2, sick=1, excused=1, absent=1),
        h.t("siks.uraian_quiz", count=1, score=50),
        h.t("siks.uraian_followups", count=2),
        h.t("siks.uraian_note", note="Ibu-ibu aktif bertanya."),
        "Catat pemasukan; Pisahkan uang kebutuhan; Menabung sedikit-sedikit",
    ):
        assert part in text
    quiet = draft_uraian(t, facts(quiz=QuizSummary(0, None), followups=0, note=None), 1000)
    assert h.t("siks.uraian_no_quiz") in quiet and h.t("siks.uraian_no_followups") in quiet
    assert "Catatan" not in quiet
    # The extra sentences of another feature come last.
    assert draft_uraian(t, facts(), 1000, ["Refleksi pendamping: baik."]).endswith(
        "Refleksi pendamping: baik."
    )


@pytest.mark.parametrize("limit", [1000, 400, 120])
def test_the_uraian_always_fits_the_limit(h: Harness, limit: int) -> None:
    t = h.services.catalog.t
    long_name = "Kelompok " + "Sangat Panjang " * 12
    many = tuple(f"Pokok bahasan nomor {i} yang cukup panjang untuk diuji" for i in range(5))
    for variant in (
        facts(),
        facts(group=long_name, place="Balai " * 40, key_points=many),
        facts(note="catatan " * 70, key_points=many),
        facts(note="x" * 500, followups=999),
    ):
        for extra in ((), ["Kalimat tambahan yang panjang sekali. " * 12] * 5):
            text = draft_uraian(t, variant, limit, extra)
            assert len(text) <= limit, (len(text), limit)
            assert text.strip() and "&amp;" not in text
    # With room to spare the process, participation and results stay whole.
    text = draft_uraian(t, facts(note="catatan " * 70, key_points=many), 1000)
    assert (
        h.t("siks.uraian_participation", total=5, present=2, sick=1, excused=1, absent=1) in text
    )
    assert h.t("siks.uraian_followups", count=2) in text


# -- the record, through the bot --------------------------------------------------------


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
    rows = await h.db.connection.execute_fetchall("SELECT note FROM meeting_notes")
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
        await h.db.connection.execute_fetchall(
            "SELECT local_path, size_bytes, latitude, longitude, file_id FROM meeting_photos"
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
    assert book.sheetnames == ["Kegiatan", "Ringkasan", "SIKS 05-12 Mawar"]
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


def test_the_largest_size_within_the_limit_is_copied() -> None:
    sizes = [
        PhotoSize("a", "ua", 90, 68, 2_000),
        PhotoSize("b", "ub", 800, 600, 80_000),
        PhotoSize("c", "uc", 1280, 960, 300_000),
    ]
    assert choose_size(sizes, 100_000) == sizes[1]
    assert choose_size(sizes, 1_000_000) == sizes[2]
    assert choose_size(sizes, 1_000) is None
    assert choose_size(sizes, 0) is None


# -- the CSV for Excel in Indonesia -----------------------------------------------------


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


# -- the migration, the check and the settings --------------------------------------------


async def test_the_evidence_migration_keeps_existing_rows(tmp_path: Path) -> None:
    """The step that adds meeting_notes and meeting_photos, on a database with data: the
    rows stay, the new tables start empty and take rows. Found by name, not number."""
    migrations = load_migrations()
    step = next(m.version for m in migrations if m.name.endswith("_meeting_evidence.sql"))
    conn = await connect(tmp_path / "data.db")
    try:
        await migrate(conn, target=step - 1)
        now = "2026-12-01T01:00:00+00:00"
        await conn.executescript(
            f"""
            INSERT INTO facilitators (id, telegram_id, name, created_at)
                VALUES (1, 10, 'R', '{now}');
            INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code, created_at)
                VALUES (1, 1, 'Mawar', 'Asia/Jakarta', 'Balai', 'abc', '{now}');
            INSERT INTO participants (id, group_id, telegram_id, name, joined_at)
                VALUES (1, 1, 20, 'Siti', '{now}');
            INSERT INTO meetings (id, group_id, starts_at, place, session_id, created_at,
                updated_at) VALUES (1, 1, '{now}', 'Balai', 'sesi-01', '{now}', '{now}');
            INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at)
                VALUES (1, 1, 'present', 'self', '{now}');
            """
        )
        await conn.commit()
        await migrate(conn)
        async with conn.execute("SELECT meeting_id, participant_id, status FROM attendance") as c:
            assert [tuple(r) for r in await c.fetchall()] == [(1, 1, "present")]
        for table in ("meeting_notes", "meeting_photos"):
            async with conn.execute(f"SELECT count(*) FROM {table}") as c:
                assert tuple(await c.fetchone() or ()) == (0,)
        await conn.execute(
            "INSERT INTO meeting_photos (meeting_id, facilitator_id, file_id, file_unique_id,"
            " width, height, received_at) VALUES (1, 1, 'f', 'u', 800, 600, ?)",
            (now,),
        )
        with pytest.raises(sqlite3.IntegrityError):  # the same photo twice for one meeting
            await conn.execute(
                "INSERT INTO meeting_photos (meeting_id, facilitator_id, file_id,"
                " file_unique_id, width, height, received_at) VALUES (1, 1, 'g', 'u', 1, 1, ?)",
                (now,),
            )
    finally:
        await conn.close()


def test_the_check_names_a_broken_form_file(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(REPO / "content" / "forms", forms)
    form_file = forms / "siks_kegiatan.toml"
    text = form_file.read_text(encoding="utf-8")
    form_file.write_text(text.replace('default_materi = "P2K2', 'default_materi = "X'), "utf-8")
    config = write_config(tmp_path, f'[reports]\nforms_dir = "{forms}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", TOKEN_ENV: TOKEN},
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "siks_kegiatan.toml" in result.stderr
    assert "default_materi" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "ok").mkdir()
    ok = write_config(tmp_path / "ok")
    good = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(ok)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", TOKEN_ENV: TOKEN},
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert good.returncode == 0 and "forms: SIKS-NG activity record, 6 Materi values" in (
        good.stdout
    )


def test_report_settings_are_read_and_checked(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        '[reports]\ninstitution = "Dinas Sosial Kota Bandung"\n'
        'other_speakers = ["Bidan Sari | Puskesmas Sukamaju"]\nphoto_max_kb = 300\n'
        'evidence_dir = "bukti"\n',
    )
    assert settings.reports.institution == "Dinas Sosial Kota Bandung"
    assert settings.reports.other_speakers == (("Bidan Sari", "Puskesmas Sukamaju"),)
    assert settings.reports.photo_max_bytes == 300_000
    assert settings.reports.evidence_dir == tmp_path / "bukti"
    for bad, key in (
        ('other_speakers = ["Bidan Sari"]', "other_speakers"),
        ('other_speakers = ["a | b", "c | d", "e | f"]', "other_speakers"),
        ("photo_max_kb = -1", "photo_max_kb"),
        ('foto = "x"', "foto"),
    ):
        with pytest.raises(ConfigError, match=rf"\[reports\] {key}"):
            make_settings(tmp_path, f"[reports]\n{bad}\n")


async def test_other_speakers_are_named_on_the_record(tmp_path: Path) -> None:
    extra = '[reports]\nother_speakers = ["Bidan Sari | Puskesmas Sukamaju"]\n'
    async with running_bot(tmp_path, extra) as h:
        fac, _, meeting_id = await held_meeting(h)
        record = await h.services.siks.record((await h.facilitator(fac)).id, meeting_id)
        assert record is not None
        assert record.value("pemateri_nama") == "Rina Wati; Bidan Sari"
        assert record.value("pemateri_instansi") == "Kementerian Sosial RI; Puskesmas Sukamaju"


def test_the_activity_name_follows_the_pattern_within_100_characters() -> None:
    library = load_library(REPO / "content" / "modules")
    form = load_siks_form(REPO / "content" / "forms", library)
    assert (
        activity_name(form, "Mawar", "Kesehatan dan Gizi", 8) == "P2K2 Mawar - Kesehatan dan Gizi"
    )
    long = activity_name(form, "Kelompok " * 10, "Pengelolaan Keuangan dan Perencanaan Usaha", 5)
    assert len(long) <= 100 and long.startswith("P2K2 Kelompok Kelompok") and long.endswith("…")


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
