"""Voice notes for mothers who read little (issue 17).

Every module summary (and, for members who choose it, every reminder) can also go out as a
Telegram voice note. A group's own recording (by its facilitator or its leader, from
``/materi``) wins; otherwise the text is spoken by eSpeak NG's Indonesian voice
(:mod:`bot.voice.tts`) after the normaliser (:mod:`bot.voice.normalise`).

A synthesized note is made once per text: the file is cached under the voice folder by a
hash of the spoken text and the voice settings, and an outbox row refers to it as
``tts:<hash>:<seconds>``; the sender uploads it once and then sends the file id Telegram
gave it (``voice_uploads``). A recording is ``id:<file_id>``: sent by id, never
re-uploaded. Synthesis runs in a worker thread, never on the event loop.

Without the engine (or with ``[voice] enabled = false``) the bot works as before, text
only, and says so once in its log. Discretion on a shared phone: the scripts say nothing
about her own attendance.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.config import VoiceSettings
from bot.content import Library, Session
from bot.i18n import Catalog
from bot.voice import tts
from bot.voice.normalise import normalise
from db.voice import DEFAULT_VOICE, VOICE_CHOICES, Recording

log = logging.getLogger(__name__)

MAX_SECONDS = 90
"""A summary note stays under about this long: a longer one is spoken faster (once)."""
FASTEST = 200
"""The fastest rate (words per minute) a note may be pushed to to stay under MAX_SECONDS."""

__all__ = ["DEFAULT_VOICE", "MAX_SECONDS", "VOICE_CHOICES", "Voice", "VoiceNote", "VoiceStore"]


class VoiceStore(Protocol):
    """The queries :class:`Voice` needs (``db/voice.py`` implements them)."""

    async def voice_choice(self, participant_id: int) -> str: ...
    async def set_voice_choice(self, participant_id: int, choice: str) -> bool: ...
    async def voice_choices(self, participant_ids: list[int]) -> dict[int, str]: ...
    async def recording(self, group_id: int, session_id: str) -> Recording | None: ...
    async def save_recording(
        self,
        group_ids: list[int],
        session_id: str,
        file_id: str,
        duration: int,
        *,
        participant_id: int | None,
        facilitator_id: int | None,
        now: datetime,
    ) -> None: ...
    async def delete_recording(self, group_ids: list[int], session_id: str) -> int: ...
    async def uploaded_voice(self, digest: str) -> str | None: ...
    async def record_voice_upload(self, digest: str, file_id: str, now: datetime) -> None: ...


@dataclass(frozen=True)
class VoiceNote:
    """A note ready to send: ``ref`` for the outbox (``tts:...`` or ``id:...``)."""

    ref: str
    seconds: int
    recorded: bool


class Voice:
    def __init__(
        self,
        store: VoiceStore,
        catalog: Catalog,
        content: Library,
        settings: VoiceSettings,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._content = content
        self._settings = settings
        self._tuning = tts.Tuning(rate=settings.rate, pitch=settings.pitch)
        self._told = False
        self._making: dict[str, asyncio.Lock] = {}

    @property
    def cache_dir(self) -> Path:
        return self._settings.cache_dir

    def available(self, *, load: bool = True) -> bool:
        """Whether synthesized notes can be made here (said once in the log if not).
        ``load=False`` (at start-up) only looks for the packages; the engine loads on the
        first synthesis."""
        if not self._settings.enabled:
            reason: str | None = "switched off in the configuration ([voice] enabled = false)"
        else:
            reason = tts.unavailable_reason() if load else tts.installed()
        if reason is not None and not self._told:
            self._told = True
            log.warning("voice: synthesized voice notes are off, text only (%s)", reason)
        return reason is None

    # -- choices ---------------------------------------------------------------------------

    async def choice(self, participant_id: int) -> str:
        return await self._store.voice_choice(participant_id)

    async def choose(self, participant_id: int, choice: str) -> bool:
        return await self._store.set_voice_choice(participant_id, choice)

    async def choices(self, participant_ids: list[int]) -> dict[int, str]:
        return await self._store.voice_choices(participant_ids)

    # -- recordings ------------------------------------------------------------------------

    async def recording(self, group_id: int, session_id: str) -> Recording | None:
        return await self._store.recording(group_id, session_id)

    async def save_recording(
        self,
        group_ids: list[int],
        session_id: str,
        file_id: str,
        duration: int,
        *,
        participant_id: int | None,
        facilitator_id: int | None,
        now: datetime,
    ) -> None:
        await self._store.save_recording(
            group_ids,
            session_id,
            file_id,
            duration,
            participant_id=participant_id,
            facilitator_id=facilitator_id,
            now=now,
        )

    async def delete_recording(self, group_ids: list[int], session_id: str) -> int:
        return await self._store.delete_recording(group_ids, session_id)

    async def uploaded(self, digest: str) -> str | None:
        """The Telegram file id of a synthesized note already uploaded, if any."""
        return await self._store.uploaded_voice(digest)

    async def remember_upload(self, digest: str, file_id: str, now: datetime) -> None:
        await self._store.record_voice_upload(digest, file_id, now)

    def file_of(self, digest: str) -> Path:
        return self.cache_dir / f"{digest}.ogg"

    # -- notes -----------------------------------------------------------------------------

    def summary_script(self, session: Session) -> str:
        """What the summary note says: the session, its summary and "Coba di rumah"."""
        return self._catalog.t(
            "voice.summary_script",
            number=session.number,
            title=session.title,
            summary=session.summary,
            try_at_home=session.try_at_home,
        )

    async def summary_note(self, group_id: int | None, session_id: str) -> VoiceNote | None:
        """The group's recording of the session, else the synthesized one; None if neither."""
        if group_id is not None:
            recorded = await self._store.recording(group_id, session_id)
            if recorded is not None:
                return VoiceNote(f"id:{recorded.file_id}", recorded.duration, True)
        session = self._content.session(session_id)
        if session is None:
            return None
        return await self.synthesized(self.summary_script(session))

    async def synthesized(self, text: str) -> VoiceNote | None:
        """The note of ``text`` spoken (made once, cached on disk); None without voice."""
        if not self.available():
            return None
        spoken = normalise(text)
        digest = self.digest(spoken)
        path = self.cache_dir / f"{digest}.ogg"
        lock = self._making.setdefault(digest, asyncio.Lock())
        async with lock:
            if not path.exists():
                try:
                    data = await asyncio.to_thread(self._make, spoken)
                    await asyncio.to_thread(_write_atomic, path, data)
                except Exception:
                    log.exception("voice: synthesis failed; text only for this message")
                    return None
        seconds = await asyncio.to_thread(_seconds_of, path)
        return VoiceNote(f"tts:{digest}:{seconds}", seconds, False)

    def is_made(self, text: str) -> bool:
        """Whether the note of ``text`` is already in the cache (no synthesis needed)."""
        return (self.cache_dir / f"{self.digest(normalise(text))}.ogg").exists()

    def digest(self, spoken: str) -> str:
        """The cache key: the spoken text and every setting that changes the sound."""
        return hashlib.sha256(f"{self._tuning.key()}\n{spoken}".encode()).hexdigest()[:32]

    def _make(self, spoken: str) -> bytes:
        engine = tts.engine()
        assert engine is not None
        samples = engine.say(spoken, self._tuning)
        seconds = len(samples) / engine.sample_rate
        if seconds > MAX_SECONDS:  # bounded: one second try, a little faster
            rate = min(FASTEST, int(self._tuning.rate * seconds / MAX_SECONDS) + 1)
            faster = replace(self._tuning, rate=rate)
            samples = engine.say(spoken, faster)
        return tts.encode_ogg_opus(samples, engine.sample_rate)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


def _seconds_of(path: Path) -> int:
    return max(1, round(tts.ogg_duration(path.read_bytes())))
