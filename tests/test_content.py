"""The P2K2 module texts: the real files load, and broken copies fail loudly.

Every broken-copy test copies the real tree into ``tmp_path``, breaks exactly
one thing and checks that the error names the exact file and field.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.content import (
    SUMMARY_MAX,
    ContentError,
    Library,
    default_content_dir,
    load_library,
)
from bot.content_text import html_problem

# The table "Modules and sessions (2018 edition)" of the shared CURRICULUM.md.
MODULE_TITLES = {
    1: "Pengasuhan dan Pendidikan Anak",
    2: "Pengelolaan Keuangan dan Perencanaan Usaha",
    3: "Kesehatan dan Gizi",
    4: "Perlindungan Anak",
    5: "Kesejahteraan Sosial",
}
SESSIONS = {  # number -> (module number, title)
    1: (1, "Menjadi Orang Tua yang Lebih Baik"),
    2: (1, "Memahami Perkembangan dan Perilaku Anak"),
    3: (1, "Memahami Cara Anak Usia Dini Belajar"),
    4: (1, "Membantu Anak Sukses di Sekolah"),
    5: (2, "Mengelola Keuangan Keluarga"),
    6: (2, "Cermat Meminjam dan Menabung"),
    7: (2, "Memulai Usaha"),
    8: (3, "Pentingnya Gizi dan Layanan Kesehatan Ibu Hamil"),
    9: (3, "Pentingnya Gizi untuk Ibu Menyusui dan Balita"),
    10: (3, "Kesakitan pada Anak dan Kesehatan Lingkungan"),
    11: (4, "Pencegahan Kekerasan dan Perlakuan Salah pada Anak"),
    12: (4, "Penelantaran dan Eksploitasi terhadap Anak"),
    13: (5, "Pelayanan bagi Penyandang Disabilitas Berat"),
    14: (5, "Pentingnya Kesejahteraan Lanjut Usia"),
}


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(default_content_dir())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the real content tree, to be broken by one test."""
    root = tmp_path / "modules"
    shutil.copytree(default_content_dir(), root)
    return root


def edit(path: Path, old: str, new: str, *, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a file; fail if ``old`` is not there (keeps tests honest)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def edit_re(path: Path, pattern: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, lambda _: new, text, count=1, flags=re.DOTALL | re.MULTILINE)
    assert n == 1, f"{pattern!r} not found in {path}"
    path.write_text(changed, encoding="utf-8")


def expect_error(root: Path, relpath: str, field: str) -> ContentError:
    with pytest.raises(ContentError) as info:
        load_library(root)
    err = info.value
    assert err.path == root / relpath, str(err)
    assert err.field == field, str(err)
    text = str(err)
    assert "\n" not in text
    assert text.startswith(f"{root / relpath}: field '{field}': ")
    return err


# --------------------------------------------------------------------------- the real files


def test_real_content_has_five_modules_and_fourteen_sessions(library: Library) -> None:
    assert [m.number for m in library.modules] == [1, 2, 3, 4, 5]
    assert {m.number: m.title for m in library.modules} == MODULE_TITLES
    assert [s.number for s in library.sessions] == list(range(1, 15))
    assert len({s.id for s in library.sessions}) == 14


def test_real_session_titles_follow_the_curriculum(library: Library) -> None:
    for module in library.modules:
        for session in module.sessions:
            assert SESSIONS[session.number] == (module.number, session.title)
            assert session.module_id == module.id


def test_real_sessions_have_key_points_and_quizzes(library: Library) -> None:
    for session in library.sessions:
        assert 3 <= len(session.key_points) <= 5, session.id
        assert 2 <= len(session.quiz) <= 3, session.id
        assert len(session.summary) <= SUMMARY_MAX, session.id
        for question in session.quiz:
            assert 2 <= len(question.options) <= 4
            assert 0 <= question.answer < len(question.options)
            assert all(len(option) <= 60 for option in question.options)
        assert session.path.is_file()
        assert session.path.parent.parent == default_content_dir()


def test_real_modules_are_in_their_numbered_directories(library: Library) -> None:
    for module in library.modules:
        module_dir = default_content_dir() / f"{module.number:02d}-{module.id}"
        assert (module_dir / "module.toml").is_file()
        assert {s.path.parent for s in module.sessions} == {module_dir}
        assert module.description


def test_lookups(library: Library) -> None:
    first = library.session("sesi-01")
    assert first is not None
    assert first.title == "Menjadi Orang Tua yang Lebih Baik"
    assert library.session_by_number(1) is first
    assert library.session("nope") is None
    assert library.session_by_number(99) is None
    module = library.module("kesehatan")
    assert module is not None
    assert [s.number for s in module.sessions] == [8, 9, 10]
    assert library.module("nope") is None
    assert library.module_of(first) is library.module("pengasuhan")


def test_quiz_answer_is_zero_based_internally(library: Library) -> None:
    session = library.session("sesi-01")
    assert session is not None
    question = session.quiz[0]
    assert question.answer == 1  # "answer = 2" in the file
    assert question.correct_option == "Mengajak anak mengelap bersama"


def test_next_session(library: Library) -> None:
    assert library.next_session([]) is library.session("sesi-01")
    assert library.next_session(["sesi-01", "sesi-03"]) is library.session("sesi-02")
    done = [f"sesi-{n:02d}" for n in range(1, 10)] + ["unknown-id"]
    assert library.next_session(done) is library.session("sesi-10")
    assert library.next_session(iter(s.id for s in library.sessions)) is None


# --------------------------------------------------------------------------- broken copies


def test_missing_field(tree: Path) -> None:
    edit_re(tree / "01-pengasuhan/sesi-02.toml", r"^reflection = .*?\n", "")
    err = expect_error(tree, "01-pengasuhan/sesi-02.toml", "reflection")
    assert "missing" in err.message


def test_missing_module_field(tree: Path) -> None:
    edit_re(tree / "03-kesehatan/module.toml", r"^description = .*?\n", "")
    expect_error(tree, "03-kesehatan/module.toml", "description")


def test_missing_quiz_field(tree: Path) -> None:
    edit_re(tree / "03-kesehatan/sesi-09.toml", r"^explanation = .*?\n", "")
    expect_error(tree, "03-kesehatan/sesi-09.toml", "quiz[1].explanation")


@pytest.mark.parametrize(
    ("relpath", "pattern", "new", "field"),
    [
        ("02-keuangan/sesi-05.toml", r"^session = 5$", 'session = "5"', "session"),
        ("02-keuangan/sesi-05.toml", r"^session = 5$", "session = true", "session"),
        ("02-keuangan/sesi-05.toml", r'^id = "sesi-05"$', "id = 5", "id"),
        ("02-keuangan/sesi-06.toml", r"^key_points = \[.*?\]$", 'key_points = "x"', "key_points"),
        ("02-keuangan/sesi-06.toml", r"^reflection = .*?$", 'reflection = ["x"]', "reflection"),
        ("02-keuangan/sesi-06.toml", r'^summary = """.*?"""$', "summary = 1", "summary"),
        ("02-keuangan/sesi-07.toml", r"^answer = 2$", 'answer = "2"', "quiz[1].answer"),
        ("02-keuangan/sesi-07.toml", r"^session = 7$", "session = 7.0", "session"),
        ("02-keuangan/sesi-07.toml", r"^\[\[quiz\]\].*\Z", 'quiz = "x"\n', "quiz"),
        ("02-keuangan/sesi-07.toml", r"^\[\[quiz\]\].*\Z", 'quiz = ["a", "b"]\n', "quiz[1]"),
        ("02-keuangan/module.toml", r"^number = 2$", 'number = "2"', "number"),
    ],
)
def test_bad_type(tree: Path, relpath: str, pattern: str, new: str, field: str) -> None:
    edit_re(tree / relpath, pattern, new)
    expect_error(tree, relpath, field)


def test_bad_duration(tree: Path) -> None:
    edit(
        tree / "01-pengasuhan/sesi-04.toml", "session = 4\n", "session = 4\nduration_minutes = 0\n"
    )
    expect_error(tree, "01-pengasuhan/sesi-04.toml", "duration_minutes")


def test_duration_is_optional_and_loaded(tree: Path) -> None:
    edit(
        tree / "01-pengasuhan/sesi-04.toml",
        "session = 4\n",
        "session = 4\nduration_minutes = 130\n",
    )
    session = load_library(tree).session("sesi-04")
    assert session is not None
    assert session.duration_minutes == 130


def test_duplicate_session_id(tree: Path) -> None:
    edit(tree / "01-pengasuhan/sesi-03.toml", 'id = "sesi-03"', 'id = "sesi-02"')
    err = expect_error(tree, "01-pengasuhan/sesi-03.toml", "id")
    assert "sesi-02.toml" in err.message  # names the other file too


def test_duplicate_session_id_across_modules(tree: Path) -> None:
    edit(tree / "03-kesehatan/sesi-08.toml", 'id = "sesi-08"', 'id = "sesi-01"')
    expect_error(tree, "03-kesehatan/sesi-08.toml", "id")


def test_duplicate_session_number(tree: Path) -> None:
    edit(tree / "04-perlindungan/sesi-12.toml", "session = 12\n", "session = 11\n")
    expect_error(tree, "04-perlindungan/sesi-12.toml", "session")


def test_duplicate_module_id(tree: Path) -> None:
    edit(tree / "05-kesejahteraan/module.toml", 'id = "kesejahteraan"', 'id = "perlindungan"')
    expect_error(tree, "05-kesejahteraan/module.toml", "id")


def test_duplicate_module_number(tree: Path) -> None:
    edit(tree / "05-kesejahteraan/module.toml", "number = 5", "number = 4")
    expect_error(tree, "05-kesejahteraan/module.toml", "number")


@pytest.mark.parametrize("bad_id", ["Sesi-01", "sesi 01", "sesi_01", "-sesi", "a" * 17, ""])
def test_bad_id_format(tree: Path, bad_id: str) -> None:
    edit(tree / "01-pengasuhan/sesi-01.toml", 'id = "sesi-01"', f'id = "{bad_id}"')
    expect_error(tree, "01-pengasuhan/sesi-01.toml", "id")


def test_too_long_summary(tree: Path) -> None:
    long_summary = "Ibu belajar bersama. " * (SUMMARY_MAX // 21 + 1)  # just over the limit
    edit_re(
        tree / "03-kesehatan/sesi-10.toml",
        r'summary = """.*?"""',
        f'summary = """{long_summary}"""',
    )
    err = expect_error(tree, "03-kesehatan/sesi-10.toml", "summary")
    assert str(SUMMARY_MAX) in err.message


def test_summary_of_exactly_the_limit_is_fine(tree: Path) -> None:
    summary = ("Ibu belajar bersama. " * (SUMMARY_MAX // 21 + 1))[: SUMMARY_MAX - 1] + "."
    assert len(summary) == SUMMARY_MAX
    edit_re(
        tree / "03-kesehatan/sesi-10.toml", r'summary = """.*?"""', f'summary = """{summary}"""'
    )
    session = load_library(tree).session("sesi-10")
    assert session is not None
    assert len(session.summary) == SUMMARY_MAX


def test_empty_text(tree: Path) -> None:
    edit_re(tree / "01-pengasuhan/sesi-01.toml", r"^reflection = .*?$", 'reflection = "   "')
    expect_error(tree, "01-pengasuhan/sesi-01.toml", "reflection")


def test_too_long_key_point(tree: Path) -> None:
    edit(
        tree / "01-pengasuhan/sesi-04.toml",
        "key_points = [\n",
        f'key_points = [\n  "{"x" * 201}",\n',
    )
    expect_error(tree, "01-pengasuhan/sesi-04.toml", "key_points[1]")


def test_too_few_key_points(tree: Path) -> None:
    edit_re(
        tree / "01-pengasuhan/sesi-03.toml",
        r"key_points = \[.*?\]\n",
        'key_points = ["Satu.", "Dua."]\n',
    )
    expect_error(tree, "01-pengasuhan/sesi-03.toml", "key_points")


def test_too_many_key_points(tree: Path) -> None:
    edit_re(
        tree / "01-pengasuhan/sesi-03.toml",
        r"key_points = \[.*?\]\n",
        "key_points = [" + ", ".join(f'"Poin {n}."' for n in range(1, 7)) + "]\n",
    )
    expect_error(tree, "01-pengasuhan/sesi-03.toml", "key_points")


def test_too_few_quiz_questions(tree: Path) -> None:
    # sesi-04 has two questions; drop the second one.
    path = tree / "01-pengasuhan/sesi-04.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count("[[quiz]]") == 2
    path.write_text(text[: text.rindex("[[quiz]]")], encoding="utf-8")
    expect_error(tree, "01-pengasuhan/sesi-04.toml", "quiz")


def test_too_many_quiz_questions(tree: Path) -> None:
    path = tree / "01-pengasuhan/sesi-01.toml"  # has three questions
    text = path.read_text(encoding="utf-8")
    path.write_text(text + text[text.rindex("[[quiz]]") :], encoding="utf-8")
    expect_error(tree, "01-pengasuhan/sesi-01.toml", "quiz")


def test_too_many_options(tree: Path) -> None:
    edit(
        tree / "03-kesehatan/sesi-08.toml",
        '"4 kali", "6 kali"]',
        '"4 kali", "6 kali", "8 kali", "10 kali"]',
    )
    expect_error(tree, "03-kesehatan/sesi-08.toml", "quiz[2].options")


def test_too_long_option(tree: Path) -> None:
    edit(tree / "03-kesehatan/sesi-08.toml", '"4 kali"', f'"{"4 kali " * 9}"')
    expect_error(tree, "03-kesehatan/sesi-08.toml", "quiz[2].options[2]")


def test_duplicate_option(tree: Path) -> None:
    edit(tree / "03-kesehatan/sesi-08.toml", '"4 kali"', '"6 kali"')
    expect_error(tree, "03-kesehatan/sesi-08.toml", "quiz[2].options")


@pytest.mark.parametrize("answer", ["0", "4", "-1"])
def test_bad_answer_index(tree: Path, answer: str) -> None:
    # The first question of sesi-01 has three options and "answer = 2".
    edit(tree / "01-pengasuhan/sesi-01.toml", "answer = 2", f"answer = {answer}")
    err = expect_error(tree, "01-pengasuhan/sesi-01.toml", "quiz[1].answer")
    assert "1..3" in err.message


def test_unbalanced_bold(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-05.toml", "<b>anggaran</b>", "<b>anggaran")
    err = expect_error(tree, "02-keuangan/sesi-05.toml", "summary")
    assert "<b>" in err.message


def test_misnested_tags(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-05.toml", "<b>anggaran</b>", "<b><i>anggaran</b></i>")
    expect_error(tree, "02-keuangan/sesi-05.toml", "summary")


def test_unknown_tag(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-05.toml", "<b>anggaran</b>", "<u>anggaran</u>")
    err = expect_error(tree, "02-keuangan/sesi-05.toml", "summary")
    assert "<u>" in err.message


def test_tag_with_attribute(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-05.toml", "<b>anggaran</b>", '<a href="x">anggaran</a>')
    expect_error(tree, "02-keuangan/sesi-05.toml", "summary")


def test_stray_ampersand_in_key_point(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-06.toml", "bunga tidak jelas", "bunga & biaya tidak jelas")
    expect_error(tree, "02-keuangan/sesi-06.toml", "key_points[3]")


def test_stray_angle_bracket(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-06.toml", "walaupun jumlahnya kecil.", "walaupun < 1000.")
    expect_error(tree, "02-keuangan/sesi-06.toml", "key_points[5]")


def test_tags_not_allowed_in_options(tree: Path) -> None:
    edit(tree / "03-kesehatan/sesi-09.toml", '"ASI saja"', '"<b>ASI saja</b>"')
    expect_error(tree, "03-kesehatan/sesi-09.toml", "quiz[1].options[1]")


def test_unknown_field(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-07.toml", "session = 7\n", 'session = 7\nsumary = "x"\n')
    err = expect_error(tree, "02-keuangan/sesi-07.toml", "sumary")
    assert "unknown" in err.message


def test_unknown_quiz_field(tree: Path) -> None:
    edit(tree / "02-keuangan/sesi-07.toml", "answer = 1\n", "answer = 1\nanswr = 1\n")
    expect_error(tree, "02-keuangan/sesi-07.toml", "quiz[2].answr")


def test_unknown_module_field(tree: Path) -> None:
    edit(tree / "02-keuangan/module.toml", "number = 2\n", 'number = 2\ntitel = "x"\n')
    expect_error(tree, "02-keuangan/module.toml", "titel")


def test_bad_toml(tree: Path) -> None:
    edit(tree / "04-perlindungan/sesi-11.toml", 'title = "Pencegahan', 'title = "Pencegahan\n')
    err = expect_error(tree, "04-perlindungan/sesi-11.toml", "<file>")
    assert "TOML" in err.message


def test_missing_module_toml(tree: Path) -> None:
    (tree / "05-kesejahteraan/module.toml").unlink()
    expect_error(tree, "05-kesejahteraan/module.toml", "<file>")


def test_empty_module(tree: Path) -> None:
    for path in (tree / "04-perlindungan").glob("sesi-*.toml"):
        path.unlink()
    expect_error(tree, "04-perlindungan/module.toml", "sessions")


def test_missing_content_dir(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as info:
        load_library(tmp_path / "nothing")
    assert info.value.path == tmp_path / "nothing"


def test_render_budget(tree: Path) -> None:
    # Each text is within its own limit, but together they are too long for one message.
    edit_re(
        tree / "01-pengasuhan/sesi-02.toml",
        r'summary = """.*?"""',
        'summary = """' + ("😀" * 890) + '"""',  # an emoji counts twice in Telegram
    )
    edit_re(
        tree / "01-pengasuhan/sesi-02.toml",
        r"key_points = \[.*?\]\n",
        "key_points = [" + ", ".join(f'"{"😀" * 190}"' for _ in range(5)) + "]\n",
    )
    err = expect_error(tree, "01-pengasuhan/sesi-02.toml", "summary")
    assert "4096" in err.message


def test_html_problem() -> None:
    assert html_problem("<b>Ibu</b> dan <i>Bapak</i>, <b><i>anak</i></b>") is None
    assert html_problem("Rp1.000 untuk 2 anak.") is None
    assert html_problem("a & b") is not None
    assert html_problem("a < b") is not None
    assert html_problem("a > b") is not None
    assert html_problem("&amp;") is not None
    assert html_problem("<B>x</B>") is not None
    assert html_problem("</b>") is not None
    assert html_problem("<b></b>") is not None
    assert html_problem("<br/>") is not None
    assert html_problem("<!-- x -->") is not None
    assert html_problem("<b>x</b>", allow_tags=False) is not None


def test_content_error_is_one_line(tmp_path: Path) -> None:
    err = ContentError(tmp_path / "x.toml", "summary", "first line\nsecond line")
    assert str(err) == f"{tmp_path / 'x.toml'}: field 'summary': first line second line"


# --------------------------------------------------------------------------- a sixth module

STUNTING_MODULE = """\
id = "stunting"
number = 6
title = "Pencegahan dan Penanganan Stunting"
description = "Bersama mencegah stunting sejak 1.000 hari pertama kehidupan."
"""


def test_sixth_module_is_added_by_files_alone(tree: Path) -> None:
    module_dir = tree / "06-stunting"
    module_dir.mkdir()
    (module_dir / "module.toml").write_text(STUNTING_MODULE, encoding="utf-8")
    template = (tree / "03-kesehatan/sesi-08.toml").read_text(encoding="utf-8")
    for number in (15, 16):
        text = template.replace('id = "sesi-08"', f'id = "stunting-{number}"')
        text = text.replace("session = 8\n", f"session = {number}\n")
        text = re.sub(r'^title = ".*"$', f'title = "Stunting {number}"', text, flags=re.M)
        (module_dir / f"sesi-{number}.toml").write_text(text, encoding="utf-8")

    library = load_library(tree)
    assert [m.number for m in library.modules] == [1, 2, 3, 4, 5, 6]
    module = library.module("stunting")
    assert module is not None
    assert module.title == "Pencegahan dan Penanganan Stunting"
    assert [s.id for s in module.sessions] == ["stunting-15", "stunting-16"]
    assert [s.number for s in library.sessions] == list(range(1, 17))
    session = library.session_by_number(15)
    assert session is not None
    assert session.module_id == "stunting"
    assert session.title == "Stunting 15"

    done = [f"sesi-{n:02d}" for n in range(1, 15)]
    assert library.next_session(done) is library.session("stunting-15")
    assert library.next_session([*done, "stunting-15"]) is library.session("stunting-16")
    assert library.next_session([*done, "stunting-15", "stunting-16"]) is None
