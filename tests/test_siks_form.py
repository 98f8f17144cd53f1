"""The SIKS-NG form as data, the Uraian draft, the photo size rule, the evidence migration,
the check of a broken form file and the report settings: the parts of the SIKS-NG record
that need no running bot (the record through the bot: tests/test_siks.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import TOKEN_ENV, ConfigError
from bot.content import ContentError, load_library
from bot.evidence import PhotoSize, choose_size
from bot.siks_form import activity_name, load_siks_form
from bot.uraian import UraianFacts, draft_uraian
from db import migrate
from db.quiz import QuizSummary
from tests.support.backend import INTEGRITY_ERRORS
from tests.support.harness import REPO, TOKEN, Harness, make_settings, write_config
from tests.support.migrations import A_MEMBER, NOW, before_migration

MATERI_KEUANGAN = "Pengelolaan Keuangan dan Perencanaan Usaha"


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


async def test_the_evidence_migration_keeps_existing_rows(tmp_path: Path) -> None:
    """The step that adds meeting_notes and meeting_photos, on a database with data: the
    rows stay, the new tables start empty and take rows. Found by name, not number."""
    now = NOW
    rows = (
        A_MEMBER
        + f"""
        INSERT INTO meetings (id, group_id, starts_at, place, session_id, created_at,
            updated_at) VALUES (1, 1, '{now}', 'Balai', 'sesi-01', '{now}', '{now}');
        INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at)
            VALUES (1, 1, 'present', 'self', '{now}');
        """
    )
    async with before_migration(tmp_path, "meeting_evidence", rows) as (conn, _step):
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
        with pytest.raises(INTEGRITY_ERRORS):  # the same photo twice for one meeting
            await conn.execute(
                "INSERT INTO meeting_photos (meeting_id, facilitator_id, file_id,"
                " file_unique_id, width, height, received_at) VALUES (1, 1, 'g', 'u', 1, 1, ?)",
                (now,),
            )


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


def test_the_activity_name_follows_the_pattern_within_100_characters() -> None:
    library = load_library(REPO / "content" / "modules")
    form = load_siks_form(REPO / "content" / "forms", library)
    assert (
        activity_name(form, "Mawar", "Kesehatan dan Gizi", 8) == "P2K2 Mawar - Kesehatan dan Gizi"
    )
    long = activity_name(form, "Kelompok " * 10, "Pengelolaan Keuangan dan Perencanaan Usaha", 5)
    assert len(long) <= 100 and long.startswith("P2K2 Kelompok Kelompok") and long.endswith("…")
