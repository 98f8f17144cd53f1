"""/materi: modules, sessions, the session card, key points, "Coba di rumah" and the quiz,
through the real handlers against the in-process fake Bot API."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bot import materi as render
from bot.content import Session, default_content_dir, load_library
from bot.content_text import strip_tags
from bot.i18n import Catalog, Html
from fakeapi import FakeUser, parse_text
from fakeapi.core import MAX_MESSAGE_LENGTH
from fakeapi.formatting import utf16_len
from tests.support.harness import (
    SAMPLE_GUIDE,
    Harness,
    button_labels,
    create_group,
    join,
    register_facilitator,
    running_bot,
)
from tests.support.sql import fetch

STALE = "common.stale_button"


def seen(html: str) -> str:
    """An HTML text as the user sees it (as :meth:`Harness.t` does for catalog keys)."""
    return parse_text(html, "HTML")[0].strip()


def session(h: Harness, session_id: str) -> Session:
    found = h.services.content.session(session_id)
    assert found is not None
    return found


async def stored(h: Harness) -> list[tuple[Any, ...]]:
    rows = await fetch(
        h.db,
        "SELECT participant_id, session_id, question, chosen, correct FROM quiz_answers"
        " ORDER BY participant_id, session_id, question",
    )
    return [tuple(row) for row in rows]


class Screen:
    """Tracks one /materi message: every press must edit it, never send a new one."""

    def __init__(self, h: Harness, user: FakeUser) -> None:
        self.h = h
        self.user = user
        message = h.fake.last_message(user)
        assert message is not None
        self.message_id = message["message_id"]
        self.count = len(h.fake.sent_by_bot(user))
        self.text = str(message["text"])

    async def press(self, label: str) -> dict[str, Any]:
        message = await self.h.press(self.user, label)
        assert message is not None
        assert len(self.h.fake.sent_by_bot(self.user)) == self.count, "a new message was sent"
        assert message["message_id"] == self.message_id
        assert message["text"] != self.text, f"pressing {label!r} did not change the text"
        self.text = str(message["text"])
        return message


async def member(h: Harness, first_name: str = "Siti") -> FakeUser:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    return await join(h, payload, first_name)


async def test_participant_reads_a_session_and_takes_the_quiz(h: Harness) -> None:
    siti = await member(h)
    catalog = h.services.catalog
    library = h.services.content
    assert "materi" in h.menu(siti)

    await h.send(siti, "/materi")
    first = h.fake.last_message(siti)
    assert first is not None and first["text"] == h.t("materi.modules")
    assert button_labels(first) == [f"{m.number}. {m.title}" for m in library.modules]
    assert "1. Pengasuhan dan Pendidikan Anak" in button_labels(first)
    screen = Screen(h, siti)

    keuangan = library.module("keuangan")
    assert keuangan is not None
    message = await screen.press("2. Pengelolaan Keuangan")
    assert message["text"] == seen(render.module_text(catalog, keuangan))
    assert button_labels(message) == [
        *(f"Sesi {s.number}: {s.title}" for s in keuangan.sessions),
        h.t("common.button_back"),
    ]

    sesi = session(h, "sesi-05")
    message = await screen.press("Sesi 5: Mengelola Keuangan Keluarga")
    card = seen(render.session_card_text(catalog, sesi, keuangan))
    assert message["text"] == card
    assert "Mengelola Keuangan Keluarga" in card and keuangan.title in card
    assert button_labels(message) == [
        "Poin penting",
        "Coba di rumah",
        "Kuis",
        h.t("voice.button_listen"),
        h.t("common.button_back"),
    ]

    message = await screen.press("Poin penting")
    for point in sesi.key_points:
        assert strip_tags(point) in message["text"]
    message = await screen.press("Kembali")
    assert message["text"] == card

    message = await screen.press("Coba di rumah")
    assert strip_tags(sesi.try_at_home) in message["text"]
    assert strip_tags(sesi.reflection) in message["text"]
    message = await screen.press("Kembali")
    assert message["text"] == card

    # The quiz: the first answer wrong, the others right.
    message = await screen.press("Kuis")
    assert message["text"] == seen(render.question_text(catalog, sesi, 0))
    first_q = sesi.quiz[0]
    assert button_labels(message) == [*first_q.options, h.t("common.button_back")]
    wrong = (first_q.answer + 1) % len(first_q.options)
    message = await screen.press(first_q.options[wrong])
    feedback = message["text"]
    assert "Belum tepat" in feedback
    assert f"Jawaban yang benar: {first_q.correct_option}." in feedback
    assert strip_tags(first_q.explanation) in feedback
    assert feedback == h.t(
        "materi.quiz_wrong",
        title=sesi.title,
        number=1,
        total=3,
        question=first_q.question,
        chosen=first_q.options[wrong],
        answer=first_q.correct_option,
        explanation=Html(first_q.explanation),
    )
    for index in range(1, len(sesi.quiz)):
        message = await screen.press("Pertanyaan berikutnya")
        assert message["text"] == seen(render.question_text(catalog, sesi, index))
        question = sesi.quiz[index]
        message = await screen.press(question.correct_option)
        assert "Benar!" in message["text"]
        assert strip_tags(question.explanation) in message["text"]
    assert h.t("materi.quiz_score", correct=2, total=3) in message["text"]
    assert button_labels(message) == ["Ulangi kuis", h.t("common.button_back")]

    participant = await h.participant(siti)
    results = await h.db.quiz_results(participant.id, "sesi-05")
    assert [(r.question, r.chosen, r.correct) for r in results] == [
        (0, wrong, False),
        (1, sesi.quiz[1].answer, True),
        (2, sesi.quiz[2].answer, True),
    ]
    assert all(r.answered_at == h.clock.now() for r in results)

    # Again, all right this time: the latest answers win.
    await screen.press("Ulangi kuis")
    for index, question in enumerate(sesi.quiz):
        if index:
            await screen.press("Pertanyaan berikutnya")
        message = await screen.press(question.correct_option)
    assert h.t("materi.quiz_score_all", correct=3, total=3) in message["text"]
    results = await h.db.quiz_results(participant.id, "sesi-05")
    assert [(r.question, r.chosen, r.correct) for r in results] == [
        (i, q.answer, True) for i, q in enumerate(sesi.quiz)
    ]
    assert len(await stored(h)) == 3
    summary = await h.db.group_quiz_summary(participant.group_id, "sesi-05")
    assert summary == (1, 1.0)

    message = await screen.press("Kembali")
    assert message["text"] == card
    message = await screen.press("Kembali")
    assert message["text"] == seen(render.module_text(catalog, keuangan))
    message = await screen.press("Kembali")
    assert message["text"] == h.t("materi.modules")


async def test_stale_and_forged_buttons_change_nothing(h: Harness) -> None:
    siti = await member(h)
    await h.send(siti, "/materi")
    await h.press(siti, "2. Pengelolaan Keuangan")
    await h.press(siti, "Sesi 5")
    await h.press(siti, "Kuis")
    before = h.last_text(siti)
    sesi = session(h, "sesi-05")
    assert len(sesi.quiz) == 3 and len(sesi.quiz[0].options) == 3
    forged = [
        "mats:sesi-99",  # unknown session
        "matm:stunting",  # unknown module
        "matp:" + "s" * 20,  # a 20-character session id
        "matr:sesi-5",
        "matq:sesi-05:3:0",  # question out of range
        "matq:sesi-05:1:2",  # more right answers than questions so far
        "mata:sesi-05:3:0:0",  # question out of range
        "mata:sesi-05:0:3:0",  # option out of range
        "mata:sesi-05:0:99999:0",
        "mata:sesi-05:-1:0:0",  # negative: not a number for the parser
        "mata:sesi-05:x:0:0",  # wrong type
        "mata:sesi-05:0:0",  # too few arguments
        "mata:sesi-05:0:0:0:0",  # too many
        "mata:sesi-99:0:0:0",
        "mata:" + "s" * 20 + ":0:0:0",
        "mata:sesi-05:1:0:2",  # forged running score
        "matm:",
        "mat:x",
    ]
    toasts = len(h.answers())
    for data in forged:
        await h.press_data(siti, data)
    answers = h.answers()[toasts:]
    assert answers == [h.t(STALE)] * len(forged)
    assert await stored(h) == []
    assert h.last_text(siti) == before
    assert len(h.fake.sent_by_bot(siti)) == len(h.texts(siti))


async def test_a_stranger_reads_and_answers_but_nothing_is_stored(h: Harness) -> None:
    ani = h.fake.add_user("Ani")
    await h.send(ani, "/materi")
    screen = Screen(h, ani)
    await screen.press("3. Kesehatan")
    await screen.press("Sesi 8")
    await screen.press("Kuis")
    sesi = session(h, "sesi-08")
    message = await screen.press(sesi.quiz[0].correct_option)
    assert "Benar!" in message["text"]
    assert await stored(h) == []
    # A facilitator may read and try the quiz too; she is not a participant.
    fac = await register_facilitator(h, "Sari Dewi")
    await h.send(fac, "/materi")
    await h.press(fac, "3. Kesehatan")
    await h.press(fac, "Sesi 8")
    await h.press(fac, "Kuis")
    await h.press(fac, sesi.quiz[0].options[(sesi.quiz[0].answer + 1) % 2])
    assert "Belum tepat" in h.last_text(fac)
    assert await stored(h) == []


async def test_group_quiz_summary_counts_active_members(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")
    ani = await join(h, payload, "Ani")
    siti_p = await h.participant(siti)
    ani_p = await h.participant(ani)
    now = h.clock.now()
    assert await h.db.group_quiz_summary(siti_p.group_id, "sesi-05") == (0, None)
    for question, correct in enumerate((True, False, True)):
        await h.db.record_quiz_answer(siti_p.id, "sesi-05", question, 0, correct, now)
    for question in range(2):
        await h.db.record_quiz_answer(ani_p.id, "sesi-05", question, 1, True, now)
    await h.db.record_quiz_answer(ani_p.id, "sesi-06", 0, 1, False, now)
    participants, average = await h.db.group_quiz_summary(siti_p.group_id, "sesi-05")
    assert participants == 2
    assert average is not None and abs(average - (2 / 3 + 1) / 2) < 1e-9
    summary = await h.db.group_quiz_summary(siti_p.group_id, "sesi-06")
    assert summary.participants == 1 and summary.average_correct == 0.0
    assert await h.db.quiz_results(ani_p.id, "sesi-07") == []


def test_every_screen_fits_in_one_message() -> None:
    catalog = Catalog.load()
    library = load_library(default_content_dir())
    texts = [render.module_list_text(catalog)]
    for module in library.modules:
        texts.append(render.module_text(catalog, module))
        for sesi in module.sessions:
            texts += [
                render.session_card_text(catalog, sesi, module),
                render.session_summary_text(catalog, sesi, module),
                render.key_points_text(catalog, sesi),
                render.try_at_home_text(catalog, sesi),
            ]
            for index, question in enumerate(sesi.quiz):
                texts.append(render.question_text(catalog, sesi, index))
                for chosen in range(len(question.options)):
                    step = render.check_answer(sesi, index, chosen)
                    assert step is not None and step.correct == (chosen == question.answer)
                    texts.append(render.feedback_text(catalog, step))
                    texts.append(render.final_text(catalog, step, len(sesi.quiz)))
            assert render.check_answer(sesi, len(sesi.quiz), 0) is None
            assert render.check_answer(sesi, 0, len(sesi.quiz[0].options)) is None
    for text in texts:
        assert 0 < utf16_len(seen(text)) <= MAX_MESSAGE_LENGTH  # also: the HTML parses


def test_session_summary_text_for_after_a_meeting() -> None:
    catalog = Catalog.load()
    library = load_library(default_content_dir())
    sesi = library.session("sesi-05")
    assert sesi is not None
    module = library.module_of(sesi)
    assert module is not None
    text = seen(render.session_summary_text(catalog, sesi, module))
    assert sesi.title in text and module.title in text
    for part in (sesi.summary, sesi.try_at_home, sesi.reflection):
        assert strip_tags(part) in text
    assert "Coba di rumah" in text and "/materi" in text


# ----------------------------------------------------------------------- a sixth module

MODULE_6 = """\
id = "stunting"
number = 6
title = "Pencegahan Stunting"
description = "Belajar bersama mencegah anak tumbuh pendek karena kurang gizi."
"""

SESSION_15 = """\
id = "sesi-15"
session = 15
title = "Seribu Hari Pertama Kehidupan"
summary = "Seribu hari pertama sangat penting. Beri anak <b>ASI</b> dan makanan bergizi."
key_points = [
  "Periksa kehamilan secara rutin.",
  "Beri ASI saja sampai bayi berumur 6 bulan.",
  "Timbang anak setiap bulan di posyandu.",
]
try_at_home = "Catat berat badan anak setiap bulan di buku KIA."
reflection = "Kapan terakhir kali anak Ibu ditimbang?"

{guide}[[quiz]]
question = "Sampai umur berapa bayi diberi ASI saja?"
options = ["3 bulan", "6 bulan"]
answer = 2
explanation = "Bayi cukup diberi ASI saja sampai umur 6 bulan."

[[quiz]]
question = "Di mana anak ditimbang setiap bulan?"
options = ["Di posyandu", "Di pasar"]
answer = 1
explanation = "Posyandu menimbang anak setiap bulan."
"""


async def test_a_sixth_module_appears_without_code_changes(tmp_path: Path) -> None:
    content = tmp_path / "modules"
    shutil.copytree(default_content_dir(), content)
    (content / "06-stunting").mkdir()
    (content / "06-stunting" / "module.toml").write_text(MODULE_6, encoding="utf-8")
    (content / "06-stunting" / "sesi-15.toml").write_text(
        SESSION_15.replace("{guide}", SAMPLE_GUIDE), encoding="utf-8"
    )
    async with running_bot(tmp_path, content=content) as h:
        ani = h.fake.add_user("Ani")
        await h.send(ani, "/materi")
        first = h.fake.last_message(ani)
        assert first is not None
        assert button_labels(first)[-1] == "6. Pencegahan Stunting"
        screen = Screen(h, ani)
        message = await screen.press("6. Pencegahan Stunting")
        assert "mencegah anak tumbuh pendek" in message["text"]
        message = await screen.press("Sesi 15: Seribu Hari Pertama Kehidupan")
        assert "Seribu hari pertama sangat penting" in message["text"]
        assert "Modul 6: Pencegahan Stunting" in message["text"]
        await screen.press("Kuis")
        message = await screen.press("6 bulan")
        assert "Benar!" in message["text"]
        await screen.press("Pertanyaan berikutnya")
        message = await screen.press("Di pasar")
        assert h.t("materi.quiz_score", correct=1, total=2) in message["text"]
