"""Issue 14, point 12: a mother who writes about violence at home or against a child.

She gets SAPA 129 at once; her facilitator gets a private note without her words; nothing
of her text reaches a log, the database or any other person.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.logs import LIBRARY_FLOORS, quiet_libraries
from bot.safety import HelpPhrases, PhrasesError, normalize
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.queries import dump_database

SAPA_WHATSAPP = "08111-129-129"
CRY = "Bu, suami saya tadi malam memukul saya lagi, saya takut pulang xq7"
MARKER = "xq7"  # a word of hers that must appear nowhere but in her own update


@pytest.fixture(scope="module")
def phrases() -> HelpPhrases:
    return HelpPhrases.load()


@pytest.mark.parametrize(
    "text",
    [
        "suami saya memukul saya",
        "Anak saya DIPUKULI ayahnya!!",
        "saya di pukul",
        "ada kdrt di rumah",
        "anak saya dilecehkan tetangga",
        "saya tidak aman di rumah",
    ],
)
def test_phrases_that_ask_for_help(phrases: HelpPhrases, text: str) -> None:
    assert phrases.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "Terima kasih, materinya bagus",
        "Disiplin positif itu mendidik tanpa kekerasan, ya Bu",
        "Saya sudah memukul kasur supaya bersih",  # "memukul" alone is everyday speech
        "pukul berapa pertemuannya?",
        "",
    ],
)
def test_everyday_text_does_not(phrases: HelpPhrases, text: str) -> None:
    assert not phrases.matches(text)


def test_normalize() -> None:
    assert normalize("  Saya DI-pukul,  lagi!! ") == "saya dipukul lagi"


def test_a_broken_phrases_file_fails_loudly(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text('phrases = "kekerasan"\n', encoding="utf-8")
    with pytest.raises(PhrasesError, match="phrases"):
        HelpPhrases.load(bad)
    bad.write_text("phrases = []\n", encoding="utf-8")
    with pytest.raises(PhrasesError, match="empty"):
        HelpPhrases.load(bad)


async def test_she_gets_sapa_and_her_facilitator_a_note_without_her_words(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")
    ani = await join(h, payload, "Ani")
    other_fac = await register_facilitator(h, "Budi Santoso")
    group = await h.group_of(siti)
    calls_before = len(h.fake.calls)

    quiet_libraries(logging.DEBUG)  # what setup_logging("DEBUG", ...) does to libraries
    try:
        with caplog.at_level(logging.DEBUG):
            await h.send(siti, CRY)
            await h.drain()
            # She writes again the same day: an answer each time, one note to the facilitator.
            await h.send(siti, "saya dipukuli")
            await h.drain()
    finally:
        for name in LIBRARY_FLOORS:
            logging.getLogger(name).setLevel(logging.NOTSET)

    # She: SAPA 129 at once, twice.
    answer = h.t("safety.answer", name="Siti")
    assert h.texts(siti)[-2:] == [answer, answer]
    assert SAPA_WHATSAPP in answer
    # Her facilitator: exactly one private note, with her name and group, not her words.
    note = h.t("safety.facilitator_notice", name="Siti", group=group.name)
    notes = [t for t in h.texts(fac) if t == note]
    assert len(notes) == 1
    # Nothing of her text went to anyone but herself, in any call to the Bot API.
    for record in list(h.fake.calls)[calls_before:]:
        params = json.dumps(record.params, ensure_ascii=False, default=str)
        if MARKER in params or "memukul saya" in params:
            assert record.method == "getUpdates" or str(siti.id) in params, record.method
            assert record.method != "sendMessage", params
    for user in (fac, ani, other_fac):
        assert all(MARKER not in t and "memukul" not in t for t in h.texts(user))
    assert h.texts(other_fac)[-1] != note
    # Nothing of it in the logs (everything at DEBUG) or the database.
    logged = "\n".join(caplog.handler.format(r) for r in caplog.records) + caplog.text
    assert MARKER not in logged and "memukul" not in logged and "dipukuli" not in logged
    stored = await dump_database(h)
    assert MARKER not in stored and "memukul saya" not in stored and "dipukuli" not in stored
    # The delivered note keeps no text in the outbox either.
    rows = await h.outbox("help_notice")
    assert len(rows) == 1 and rows[0]["status"] == "sent"


async def test_the_next_day_brings_a_new_note(h: Harness) -> None:
    fac = await register_facilitator(h)
    siti = await join(h, await create_group(h, fac), "Siti")
    await h.send(siti, "saya dipukul")
    await h.drain()
    h.clock.advance(timedelta(hours=24))
    await h.send(siti, "saya dipukul")
    await h.drain()
    assert len(await h.outbox("help_notice")) == 2


async def test_a_stranger_gets_sapa_and_nobody_is_told(h: Harness) -> None:
    fac = await register_facilitator(h)
    stranger = h.fake.add_user("Wati")
    await h.send(stranger, "tolong saya dipukuli suami")
    assert h.last_text(stranger) == h.t("safety.answer_stranger")
    await h.drain()
    assert await h.outbox("help_notice") == []
    assert all("dipukuli" not in t for t in h.texts(fac))


async def test_a_facilitator_and_a_dialogue_are_not_taken_for_a_call_for_help(h: Harness) -> None:
    fac = await register_facilitator(h)
    await h.send(fac, "materi kekerasan seksual minggu depan")
    assert h.last_text(fac) == h.t("common.not_understood")
    siti = await join(h, await create_group(h, fac), "Siti")
    await h.send(siti, "Terima kasih banyak")
    assert h.last_text(siti) == h.t("common.not_understood")
    assert await h.outbox("help_notice") == []


async def test_a_call_for_help_during_a_check_in_is_answered_and_the_dialogue_stays(
    h: Harness,
) -> None:
    fac = await register_facilitator(h)
    siti = await join(h, await create_group(h, fac), "Siti")
    me = await h.participant(siti)
    await h.services.db.set_chat_state(siti.id, "att_code", {"meeting": 1}, h.clock.now())
    await h.send(siti, "saya dipukuli")
    assert h.last_text(siti) == h.t("safety.answer", name="Siti")
    state = await h.db.chat_state(siti.id)
    assert state is not None and state.kind == "att_code"
    await h.drain()
    assert len(await h.outbox("help_notice")) == 1
    # A leader writing an announcement about the lesson is not taken for a call for help.
    assert await h.db.set_leader(me.group_id, me.id)
    await h.send(siti, "/umumkan")
    await h.send(siti, "Bulan depan materi kekerasan pada anak, Ibu-ibu: anak dipukul itu salah")
    assert h.last_text(siti) != h.t("safety.answer", name="Siti")
    assert len(await h.outbox("help_notice")) == 1
