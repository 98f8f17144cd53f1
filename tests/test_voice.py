"""Voice notes (issue 17): the normaliser, the synthesized OGG/Opus, one upload per text
then the file id, a group's recording winning over the synthesized note, and members who
chose text only getting none. Real engine (eSpeak NG from the espeakng-loader wheel), real
encoder (libsndfile), real SQLite, the fake Bot API; time is the harness's manual clock."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import soundfile

from bot.voice import MAX_SECONDS
from bot.voice.normalise import Lexicon, normalise, number_words
from bot.voice.tts import engine, ogg_duration
from db.meetings import Meeting, NewMeeting
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator, running_bot

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # Saturday 09.00 WIB
AFTER_CLOSE = START + timedelta(hours=2, minutes=31)


# ------------------------------------------------------------------------- the normaliser


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (7, "tujuh"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (15, "lima belas"),
        (24, "dua puluh empat"),
        (100, "seratus"),
        (129, "seratus dua puluh sembilan"),
        (270, "dua ratus tujuh puluh"),
        (1000, "seribu"),
        (1500, "seribu lima ratus"),
        (50000, "lima puluh ribu"),
        (2026, "dua ribu dua puluh enam"),
        (1_000_000, "satu juta"),
        (2_500_000, "dua juta lima ratus ribu"),
    ],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # times (the zone after a time goes with it)
        ("09.00 WIB", "jam sembilan pagi."),
        ("pukul 13.30 WITA", "jam satu lewat tiga puluh menit siang."),
        ("jam 16:15", "jam empat lewat lima belas menit sore."),
        ("19.00 WIT", "jam tujuh malam."),
        ("Mulai 08.00.", "Mulai jam delapan pagi."),
        (
            "pukul 09.00 - 11.30 WIB",
            "jam sembilan pagi sampai jam sebelas lewat tiga puluh menit siang.",
        ),
        (
            "Selasa, 8 Desember 2026 pukul 09.00 WIB",
            "Selasa, delapan Desember dua ribu dua puluh enam jam sembilan pagi.",
        ),
        # money
        ("Rp50.000", "lima puluh ribu rupiah."),
        ("Rp 1.500.000,-", "satu juta lima ratus ribu rupiah."),
        ("Rp2,5 juta", "dua koma lima juta rupiah."),
        ("Rp750", "tujuh ratus lima puluh rupiah."),
        # dates
        ("5/12/2026", "lima Desember dua ribu dua puluh enam."),
        ("2026-12-05", "lima Desember dua ribu dua puluh enam."),
        ("Sabtu, 5/12", "Sabtu, lima Desember."),
        ("Sabtu, 5 Desember 2026", "Sabtu, lima Desember dua ribu dua puluh enam."),
        # numbers, ranges, ordinals, percent, decimals
        ("1.000 hari pertama", "seribu hari pertama."),
        ("anak 6-24 bulan", "anak enam sampai dua puluh empat bulan."),
        ("0–6 bulan", "nol sampai enam bulan."),
        ("sesi 1-4.", "sesi satu sampai empat."),
        ("anak ke-2", "anak kedua."),
        ("ke-1", "pertama."),
        ("50%", "lima puluh persen."),
        ("2,5 kg", "dua koma lima kilogram."),
        # phone numbers digit by digit
        ("08111-129-129", "nol delapan satu satu satu, satu dua sembilan, satu dua sembilan."),
        # abbreviations of the lexicon
        ("ASI eksklusif", "asi eksklusif."),
        ("MP-ASI", "em pe asi."),
        ("KPM PKH", "ka pe em pe ka ha."),
        ("P2K2", "pe dua ka dua."),
        ("minum TTD", "minum tablet tambah darah."),
        ("ke Posyandu atau Puskesmas", "ke posyandu atau puskesmas."),
        ("WIB", "waktu Indonesia barat."),
        ("dll", "dan lain-lain."),
        ("Rumah Bu RT 03/RW 02", "Rumah Bu erte tiga, erwe dua."),
        ("telur - ikan - ayam", "telur, ikan, ayam."),
        # markup and emoji go; a line without punctuation ends with a pause
        ("📘 <b>Ringkasan</b>\n• telur &amp; ikan", "Ringkasan.\ntelur dan ikan."),
    ],
)
def test_normalise(text: str, spoken: str) -> None:
    assert normalise(text) == spoken


def test_lexicon_is_a_data_file_with_the_content_abbreviations(tmp_path: Path) -> None:
    lexicon = Lexicon.load()
    for word in ("ASI", "MP-ASI", "KPM", "P2K2", "PKH", "TTD", "Posyandu", "Puskesmas"):
        assert word in lexicon.abbreviations
    own = tmp_path / "lexicon.toml"
    own.write_text('[abbreviations]\nBKB = "be ka be"\n', encoding="utf-8")
    assert normalise("ikut BKB", Lexicon.load(own)) == "ikut be ka be."


# ------------------------------------------------------------------------- the audio


def test_the_engine_loads_from_the_wheel() -> None:
    loaded = engine()
    assert loaded is not None, "eSpeak NG (espeakng-loader) should load"
    assert loaded.sample_rate > 0


async def test_summary_note_is_small_mono_ogg_opus_of_the_spoken_length(tmp_path: Path) -> None:
    async with running_bot(tmp_path, voice=True) as h:
        voice = h.services.voice
        for session_id in ("sesi-08", "sesi-12"):  # the two longest summaries
            note = await voice.summary_note(None, session_id)
            assert note is not None and note.ref.startswith("tts:") and not note.recorded
            digest = note.ref.split(":")[1]
            data = (voice.cache_dir / f"{digest}.ogg").read_bytes()
            info = soundfile.info(io.BytesIO(data))
            assert (info.format, info.subtype, info.channels) == ("OGG", "OPUS", 1)
            decoded, rate = soundfile.read(io.BytesIO(data), dtype="int16")
            assert abs(len(decoded) / rate - ogg_duration(data)) < 0.1
            # The words take time: roughly 2.2 to 3.5 words a second at 165 per minute.
            session = h.services.content.session(session_id)
            assert session is not None
            words = len(normalise(voice.summary_script(session)).split())
            seconds = len(decoded) / rate
            assert words / 3.5 < seconds <= MAX_SECONDS + 1
            assert len(data) <= 150_000
            assert abs(note.seconds - seconds) <= 1
            # Made once: asking again finds the file and makes nothing new.
            before = sorted(voice.cache_dir.iterdir())
            again = await voice.summary_note(None, session_id)
            assert again == note and sorted(voice.cache_dir.iterdir()) == before


# ------------------------------------------------------------------- after the meeting


async def _meeting(h: Harness, group_id: int, session: str = "sesi-01") -> Meeting:
    created = await h.db.create_meetings(
        [NewMeeting(group_id, START, "Balai Desa Sukamaju", session)], h.clock.now()
    )
    return created[0]


def _voices(h: Harness, user: FakeUser) -> list[dict]:
    return [m for m in h.fake.sent_by_bot(user) if "voice" in m]


def _send_voice_calls(h: Harness) -> list:
    return [c for c in h.fake.calls if c.method == "sendVoice" and c.status == 200]


async def test_summary_voice_one_upload_then_file_id_and_text_only_gets_none(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, voice=True) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        siti, ani, dewi = [await join(h, payload, n) for n in ("Siti", "Ani", "Dewi")]
        await h.services.voice.choose((await h.participant(dewi)).id, "text")
        meeting = await _meeting(h, (await h.participant(siti)).group_id)
        h.clock.set(AFTER_CLOSE)
        await h.tick()

        calls = _send_voice_calls(h)
        assert len(calls) == 2
        uploads = [c for c in calls if c.files]
        assert len(uploads) == 1, "the note is uploaded once"
        file_id = _voices(h, siti)[0]["voice"]["file_id"]
        assert [m["voice"]["file_id"] for m in _voices(h, ani)] == [file_id]
        assert _voices(h, dewi) == [], "text only: no voice"
        # Each member got the text summary first, then the voice note.
        for user in (siti, ani):
            texts = [m for m in h.fake.sent_by_bot(user) if "voice" not in m]
            assert h.fake.sent_by_bot(user)[-1] == _voices(h, user)[0]
            assert "Sesi 1" in texts[-1]["text"]
        data = h.fake.file(file_id).data
        assert data.startswith(b"OggS")
        assert ogg_duration(data) > 10

        # Another group has the same session later: no new upload, the same file id.
        payload2 = await create_group(h, fac, "Melati")
        rina = await join(h, payload2, "Rina2")
        group2 = (await h.participant(rina)).group_id
        await h.db.create_meetings(
            [NewMeeting(group2, START + timedelta(days=7), "Balai", "sesi-01")], h.clock.now()
        )
        h.clock.set(AFTER_CLOSE + timedelta(days=7))
        await h.tick()
        later = _send_voice_calls(h)[2:]
        assert len(later) == 1 and not later[0].files
        assert _voices(h, rina)[0]["voice"]["file_id"] == file_id
        assert meeting.id > 0


async def test_a_recorded_note_wins_over_the_synthesized_one(tmp_path: Path) -> None:
    async with running_bot(tmp_path, voice=True) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        siti = await join(h, payload, "Siti")
        group_id = (await h.participant(siti)).group_id
        recorded = h.fake.send_voice(fac, b"OggS" + b"\0" * 100, duration=42)
        file_id = recorded["message"]["voice"]["file_id"]
        await h.services.voice.save_recording(
            [group_id],
            "sesi-01",
            file_id,
            42,
            participant_id=None,
            facilitator_id=(await h.facilitator(fac)).id,
            now=h.clock.now(),
        )
        await _meeting(h, group_id)
        h.clock.set(AFTER_CLOSE)
        await h.tick()
        calls = _send_voice_calls(h)
        assert len(calls) == 1 and not calls[0].files
        assert _voices(h, siti)[0]["voice"]["file_id"] == file_id
        assert not h.services.voice.cache_dir.exists() or not any(
            h.services.voice.cache_dir.iterdir()
        ), "nothing synthesized when the group has its own recording"


async def test_without_voice_the_bot_sends_text_only_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.voice")
    async with running_bot(tmp_path, voice=False) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        siti = await join(h, payload, "Siti")
        await _meeting(h, (await h.participant(siti)).group_id)
        h.clock.set(AFTER_CLOSE)
        await h.tick()
        assert _voices(h, siti) == []
        assert "Sesi 1" in h.fake.sent_by_bot(siti)[-1]["text"]
        assert await h.services.voice.summary_note(None, "sesi-02") is None
    notices = [r for r in caplog.records if "voice notes are off" in r.getMessage()]
    assert len(notices) == 1


async def test_a_recording_telegram_no_longer_knows_gets_a_short_answer(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the fuzz test: "Dengarkan ringkasan" on a recording whose file id Telegram
    refuses (deleted, or from another bot) answers briefly instead of failing."""
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar")
    siti = await join(h, payload, "Siti")
    await h.services.voice.save_recording(
        [(await h.participant(siti)).group_id],
        "sesi-01",
        "AwACnotAFileTelegramKnows",
        30,
        participant_id=None,
        facilitator_id=(await h.facilitator(fac)).id,
        now=h.clock.now(),
    )
    caplog.set_level(logging.ERROR)
    await h.press_data(siti, "svp:sesi-01")
    assert h.last_text(siti) == h.t("voice.unavailable")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
