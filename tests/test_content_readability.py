"""The real module texts are easy to read, never threatening, and carry the key facts.

Readability: in each session's summary and key points together, the average
sentence has at most 18 words and no sentence has more than 30; no sentence of a
summary has more than 16.

Safety (CURRICULUM.md, "Safety and referral facts"): every session that names a
health problem tells where to go at once, the helplines are written in one format
and appear where a life can depend on them, and summaries are true for members
who missed the meeting.
"""

from __future__ import annotations

import re

import pytest

from bot.content import Library, Session, default_content_dir, load_library
from bot.content_text import sentences, strip_tags, words

MAX_AVERAGE_WORDS = 18
MAX_SENTENCE_WORDS = 30
MAX_SUMMARY_SENTENCE_WORDS = 16  # the summary is what every member gets after a meeting

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
    assert re.search(r"(paling sedikit|minimal|sedikitnya) 6 kali", text)
    assert re.search(r"\b2 kali\b.*\bdokter\b", text)
    # The tablet is changing (TTD, MMS): one a day as the bidan gives them, no fixed count.
    assert "1 tablet setiap hari sesuai petunjuk bidan" in text
    assert not re.search(r"\d+ tablet tambah darah", plain(all_texts(by_number(8))))


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


def test_session_9_stunting_and_the_exceptions_to_exclusive_breastfeeding() -> None:
    text = plain(readable_texts(by_number(9)))
    assert "stunting" in text
    assert "lebih pendek" in text
    assert "obat, vitamin, dan oralit dari petugas kesehatan" in text
    for drink in ["air putih", "madu", "air tajin", "pisang", "susu formula"]:
        assert drink in text, drink


def test_session_10_diarrhoea_and_its_unconditional_referral() -> None:
    session = by_number(10)
    text = plain([session.summary])
    for fact in ["3 kali atau lebih", "oralit", "teruskan asi dan makan", "zinc", "10 hari"]:
        assert fact in text, fact
    assert "jangan beri obat anti-diare tanpa petugas kesehatan" in text
    assert "segera ke puskesmas" in text
    for sign in ["lemas", "mengantuk", "tidak mau minum", "haus", "muntah", "cekung", "darah"]:
        assert sign in text, sign
    assert "khawatir" not in plain(all_texts(session))  # the referral does not wait for worry


def test_session_10_hand_washing_faeces_and_footwear() -> None:
    text = plain(readable_texts(by_number(10)))
    assert "popok" in text  # hand washing after cleaning a child's bottom
    assert "tinja bayi juga dibuang ke jamban" in text
    assert "cacing tidak masuk lewat kaki" in text  # footwear keeps out some worms, not all
    assert "supaya tidak cacingan" not in plain(all_texts(by_number(10)))


def test_session_8_danger_signs_and_referral() -> None:
    text = plain([by_number(8).summary])
    for sign in [
        "keluar darah dari jalan lahir",
        "bengkak",
        "sakit kepala",
        "kejang",
        "demam tinggi",
        "air ketuban",
        "gerak bayi berkurang",
        "muntah",
    ]:
        assert sign in text, sign
    assert "segera ke bidan atau puskesmas" in text
    assert "bersalinlah di fasilitas kesehatan" in text


def test_session_6_safe_places_and_illegal_lender_signs() -> None:
    text = plain([by_number(6).summary])
    for place in ["bank", "koperasi", "pegadaian"]:
        assert place in text, place
    for sign in ["kontak", "foto", "bunga", "alamat", "sms", "whatsapp"]:
        assert sign in text, sign


def test_session_5_wants_wait_for_the_needs() -> None:
    text = plain(all_texts(by_number(5)))
    assert "bisa menunggu kalau uang masih ada" not in text
    assert "kalau kebutuhan sudah terpenuhi" in text


def test_session_12_child_marriage_and_the_line_of_exploitation() -> None:
    text = plain(readable_texts(by_number(12)))
    assert "19 tahun" in text
    assert "perempuan dan laki-laki" in text
    assert "membantu pekerjaan rumah" in text


def test_session_13_disability_definition_and_pasung() -> None:
    text = plain(readable_texts(by_number(13)))
    assert "lingkungan" in text  # UU 8/2016: the barrier comes from the surroundings
    assert "memasung atau mengurung seseorang dilarang" in text
    assert "pendamping pkh atau puskesmas" in text


def test_session_3_kitchen_safety_and_session_14_posyandu_lansia() -> None:
    assert "kompor" in plain(readable_texts(by_number(3)))
    assert "posyandu lansia" in plain(readable_texts(by_number(14)))


@pytest.mark.parametrize("number", [8, 9, 13])
def test_home_activity_has_an_alternative_for_every_household(number: int) -> None:
    # These sessions assume a pregnant woman, a baby or a person with a disability at home.
    assert "kalau tidak ada" in by_number(number).try_at_home.lower()


# --------------------------------------------------------------------------- safety and referral

SAPA = "SAPA 129 (telepon 129 atau WhatsApp 08111-129-129)"
OJK = "OJK 157 (telepon 157 atau WhatsApp 081-157-157-157)"
# Where a helpline must be in the summary (the text every member gets, present or not).
HELPLINE_SESSIONS = {1: SAPA, 6: OJK, 11: SAPA, 12: SAPA}
# Anything that looks like an Indonesian phone number (08..., with or without dashes or
# spaces), and the short numbers the helplines are known by.
PHONE_RE = re.compile(r"(?<![\w.-])0\d(?:[\d -]*\d)?(?![\w-])")
SHORT_NUMBER_RE = re.compile(r"\b(sapa|ojk)(\s*[^\s.,:;?!)]*)", re.IGNORECASE)
# Words that name a health problem, and what a referral looks like: "segera" with a
# place of care in the same sentence.
HEALTH_PROBLEMS = ["diare", "demam", "muntah", "kejang", "keluar darah", "tanda bahaya"]
REFERRAL_RE = re.compile(r"\bsegera\b[^.?!]*\b(puskesmas|bidan|dokter)\b")


def phone_numbers(text: str) -> list[str]:
    return [n for n in PHONE_RE.findall(text) if sum(c.isdigit() for c in n) >= 6]


def plain_text(session: Session) -> str:
    return " ".join(strip_tags(t) for t in all_texts(session))


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_summary_sentences_have_at_most_16_words(session: Session) -> None:
    long = [s for s in sentences(session.summary) if len(words(s)) > MAX_SUMMARY_SENTENCE_WORDS]
    assert long == []


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_every_health_problem_named_has_its_referral(session: Session) -> None:
    named = [w for w in HEALTH_PROBLEMS if w in plain(all_texts(session))]
    if named:
        assert REFERRAL_RE.search(plain([session.summary])), (session.id, named)


def test_health_problem_check_catches_a_missing_referral() -> None:
    text = plain(["Anak diare perlu minum. Kalau Ibu khawatir, bawa ke bidan."])
    assert "diare" in text
    assert not REFERRAL_RE.search(text)
    assert REFERRAL_RE.search(plain(["Segera ke <b>Puskesmas</b> kalau anak lemas."]))


@pytest.mark.parametrize(("number", "helpline"), sorted(HELPLINE_SESSIONS.items()))
def test_helplines_are_in_the_summaries_where_listed(number: int, helpline: str) -> None:
    assert helpline in strip_tags(by_number(number).summary)


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_helpline_numbers_are_written_in_one_format(session: Session) -> None:
    text = plain_text(session)
    for number in phone_numbers(text):
        assert number in ("08111-129-129", "081-157-157-157"), number
    for name, rest in SHORT_NUMBER_RE.findall(text):
        assert name + rest in ("SAPA 129", "OJK 157"), name + rest
    for helpline in (SAPA, OJK):
        number = helpline.split()[-1].rstrip(")")
        if number in text:
            assert helpline in text, helpline  # never the WhatsApp number without the rest


def test_helpline_format_check_catches_other_spellings() -> None:
    assert phone_numbers("WhatsApp 0811 1129 129 atau 08111129129.") == [
        "0811 1129 129",
        "08111129129",
    ]
    assert phone_numbers("umur 0-6 bulan, 1.000 hari, 081-157-157-157") == ["081-157-157-157"]
    found = SHORT_NUMBER_RE.findall("SAPA129, Sapa 129 atau OJK 157?")
    assert [name + rest for name, rest in found] == ["SAPA129", "Sapa 129", "OJK 157"]


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_summary_is_true_for_members_who_were_not_there(session: Session) -> None:
    text = plain([session.summary])
    assert not re.search(r"\bdi pertemuan\b|\bibu (sudah )?belajar\b|\btadi\b", text)


# --------------------------------------------------------------------------- quizzes that teach

YES_NO_WORDS = {"ya", "tidak", "benar", "tidak benar", "salah", "bisa", "tidak bisa"}
# Wrong answers nobody holds (straw men), and questions that hurt single mothers or widows.
STRAW_MEN = {
    "memukul tangannya",
    "membentaknya dengan keras",
    "dengan pukulan",
    "diam saja",
    "tidak memedulikannya",
    "supaya terlihat banyak",
    "supaya terlihat rapi saja",
    "dibiarkan sendirian",
    "berbaring seharian",
    "anak jadi lebih sehat",
    "memeluk anak",
}
HURTFUL_QUESTIONS = ["siapa yang mengasuh anak"]


def is_yes_no(options: tuple[str, ...]) -> bool:
    first_words = {o.lower().split(",")[0].strip() for o in options}
    return len(options) == 2 and bool(first_words & YES_NO_WORDS)


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_at_most_one_yes_no_question(session: Session) -> None:
    assert sum(is_yes_no(q.options) for q in session.quiz) <= 1


def test_yes_no_detection() -> None:
    assert is_yes_no(("Ya, haknya sama", "Tidak"))
    assert is_yes_no(("Benar", "Tidak benar"))
    assert is_yes_no(("Bisa, sambil bermain", "Tidak bisa"))
    assert not is_yes_no(("Di jamban", "Di sungai"))
    assert not is_yes_no(("Ya", "Tidak", "Kadang"))


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_no_straw_man_answers_or_hurtful_questions(session: Session) -> None:
    options = {o.lower() for q in session.quiz for o in q.options}
    assert options & STRAW_MEN == set()
    questions = " ".join(q.question.lower() for q in session.quiz)
    assert [q for q in HURTFUL_QUESTIONS if q in questions] == []


# --------------------------------------------------------------------------- facilitator guides

# The session guides (bot/guide.py) are read by facilitators, not by the members, so they
# are held to the same ceiling per sentence (30 words) and the same words rules (nothing
# threatening, nothing unverified), with a slightly looser average: instructions for a
# trained reader name a step and its purpose in one sentence.
MAX_GUIDE_AVERAGE_WORDS = 20


def guide_texts(session: Session) -> list[str]:
    guide = session.guide
    return [
        guide.aim,
        *guide.key_messages,
        guide.opening,
        *guide.questions,
        guide.activity,
        *guide.bring,
    ]


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_guides_are_readable_and_never_threaten(session: Session) -> None:
    found = [s for text in guide_texts(session) for s in sentences(text)]
    counts = [len(words(s)) for s in found]
    assert max(counts) <= MAX_SENTENCE_WORDS, found[counts.index(max(counts))]
    assert sum(counts) / len(counts) <= MAX_GUIDE_AVERAGE_WORDS
    text = plain(guide_texts(session))
    assert [w for w in FORBIDDEN if w in text] == []
    assert [w for w in UNVERIFIED if re.search(rf"\b{w}\b", text)] == []


def test_guides_carry_the_helplines_where_the_session_needs_them() -> None:
    assert "SAPA 129" in plain(guide_texts(by_number(11))).upper()
    assert "157" in plain(guide_texts(by_number(6)))
    assert "puskesmas" in plain(guide_texts(by_number(8)))
    assert "puskesmas" in plain(guide_texts(by_number(10)))
    assert "dilarang" in plain(guide_texts(by_number(13)))
    # CURRICULUM.md: the tablet count is not fixed any more; say "as the midwife says"
    assert "90 tablet" not in plain(guide_texts(by_number(8)))
