"""The real module texts are easy to read, never threatening, and carry the key facts.

Readability: in each session's summary and key points together, the average
sentence has at most 18 words and no sentence has more than 30.
"""

from __future__ import annotations

import re

import pytest

from bot.content import (
    Library,
    Session,
    default_content_dir,
    load_library,
    sentences,
    strip_tags,
    words,
)

MAX_AVERAGE_WORDS = 18
MAX_SENTENCE_WORDS = 30

# Content never threatens or mentions sanctions or losing aid (DESIGN.md; CURRICULUM.md:
# "The bot never decides or threatens sanctions").
FORBIDDEN = [
    "sanksi",
    "dicabut",
    "pencabutan",
    "dicoret",
    "dikeluarkan dari pkh",
    "dihentikan",
    "diputus",
    "kehilangan bantuan",
    "tidak dapat bantuan",
    "tidak akan dapat",
    "bansos",
    "graduasi paksa",
    "ancam",
    "hukuman",
    "denda",
    "bodoh",
    "malas",
]
# Facts marked [U] in CURRICULUM.md that content must not state.
UNVERIFIED = ["trimester", "februari", "agustus", "rotavirus", "ipv"]

LIBRARY: Library = load_library(default_content_dir())
SESSIONS = LIBRARY.sessions


def readable_texts(session: Session) -> list[str]:
    return [session.summary, *session.key_points]


def all_texts(session: Session) -> list[str]:
    texts = [session.title, *readable_texts(session), session.try_at_home, session.reflection]
    for question in session.quiz:
        texts += [question.question, *question.options, question.explanation]
    return texts


def plain(texts: list[str]) -> str:
    """The texts as one lower-case string without tags and with single spaces."""
    return " ".join(" ".join(strip_tags(t) for t in texts).lower().split())


def readability_problems(texts: list[str]) -> list[str]:
    found = [s for text in texts for s in sentences(text)]
    if not found:
        return ["no sentences"]
    counts = [len(words(s)) for s in found]
    problems = [
        f"{n} words (max {MAX_SENTENCE_WORDS}): {s!r}"
        for s, n in zip(found, counts, strict=True)
        if n > MAX_SENTENCE_WORDS
    ]
    average = sum(counts) / len(counts)
    if average > MAX_AVERAGE_WORDS:
        problems.append(f"average {average:.1f} words per sentence (max {MAX_AVERAGE_WORDS})")
    return problems


def by_number(number: int) -> Session:
    session = LIBRARY.session_by_number(number)
    assert session is not None
    return session


# --------------------------------------------------------------------------- the helpers


def test_sentences_split_on_end_marks_and_lines_not_on_numbers() -> None:
    text = "<b>1.000 hari</b> itu penting. Ayo, Bu!\nMinum 90 tablet? Ya, dll. juga"
    assert sentences(text) == [
        "1.000 hari itu penting.",
        "Ayo, Bu!",
        "Minum 90 tablet?",
        "Ya, dll. juga",
    ]
    assert sentences("Harga Rp2.500.000, ya.") == ["Harga Rp2.500.000, ya."]
    assert sentences("  \n ... ") == []


def test_words_count_numbers_and_hyphenated_words_once() -> None:
    assert words("<i>MP-ASI</i> untuk umur 0-6 bulan, 1.000 hari.") == [
        "MP-ASI",
        "untuk",
        "umur",
        "0-6",
        "bulan",
        "1.000",
        "hari",
    ]


def test_readability_check_catches_long_sentences() -> None:
    long_sentence = " ".join(["kata"] * 31) + "."
    assert readability_problems([long_sentence])
    medium = " ".join(["kata"] * 19) + "."
    assert readability_problems([medium, medium])  # average 19 > 18
    assert not readability_problems(["Ibu hebat.", medium])


# --------------------------------------------------------------------------- the real texts


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_summary_and_key_points_are_readable(session: Session) -> None:
    assert readability_problems(readable_texts(session)) == []


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_other_texts_have_no_very_long_sentence(session: Session) -> None:
    for text in all_texts(session):
        for sentence in sentences(text):
            assert len(words(sentence)) <= MAX_SENTENCE_WORDS, sentence


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_no_threats_or_shaming(session: Session) -> None:
    text = plain(all_texts(session))
    assert [w for w in FORBIDDEN if w in text] == []


def test_module_descriptions_have_no_threats() -> None:
    text = plain([f"{m.title} {m.description}" for m in LIBRARY.modules])
    assert [w for w in FORBIDDEN if w in text] == []


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_no_unverified_facts(session: Session) -> None:
    text = plain(all_texts(session))
    assert [w for w in UNVERIFIED if re.search(rf"\b{w}\b", text)] == []


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_addresses_the_mother_politely(session: Session) -> None:
    assert "Ibu" in " ".join(all_texts(session))
    text = plain(all_texts(session))
    assert not re.search(r"\b(kamu|kau|engkau|lu|lo)\b", text)


def test_session_8_pregnancy_facts() -> None:
    text = plain(readable_texts(by_number(8)))
    assert "1.000 hari" in text
    assert "270 hari" in text
    assert "730 hari" in text
    assert "90 tablet tambah darah" in text
    assert re.search(r"(paling sedikit|minimal|sedikitnya) 6 kali", text)
    assert re.search(r"\b2 kali\b.*\bdokter\b", text)


def test_session_9_breastfeeding_and_child_nutrition_facts() -> None:
    text = plain(readable_texts(by_number(9)))
    assert "asi eksklusif" in text
    assert "6 bulan" in text
    assert "2 tahun" in text
    assert "mp-asi" in text
    assert "posyandu" in text
    assert "isi piringku" in text
    assert "separuh piring sayur dan buah" in text
    assert "buku kia" in text  # the schedule of immunisation and vitamin A: follow the Buku KIA


def test_session_10_handwashing_fact() -> None:
    text = plain(readable_texts(by_number(10)))
    assert "cuci tangan pakai sabun" in text
    assert "air mengalir" in text
    assert "jamban" in text


def test_money_sessions_warn_about_loan_sharks() -> None:
    text = plain(readable_texts(by_number(6)))
    assert "rentenir" in text
    assert "pinjaman online ilegal" in text


def test_child_is_under_18() -> None:
    assert "di bawah 18 tahun" in plain(readable_texts(by_number(11)))
