"""Speech synthesis with eSpeak NG's Indonesian voice, and OGG/Opus encoding.

The engine is the ``libespeak-ng`` shipped inside the ``espeakng-loader`` wheel (with its
``espeak-ng-data``, Indonesian included), driven through ``ctypes``: nothing is
downloaded at run time and nothing else needs installing. eSpeak keeps global state and
is not thread-safe, so one lock serialises every synthesis; callers run :meth:`Engine.say`
in a worker thread (``asyncio.to_thread``), never on the event loop.

Encoding: libsndfile (through ``soundfile``, whose wheel bundles it with Opus) writes
mono OGG/Opus at 16 kHz (wideband, enough for speech), at the lowest bitrate setting
(about 7 kbit/s): a 90-second note is about 80 KB.
"""

from __future__ import annotations

import ctypes
import io
import logging
import threading
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

OPUS_RATE = 16_000
"""Opus takes 8, 12, 16, 24 or 48 kHz; eSpeak speaks at 22.05 kHz, resampled to 16 kHz."""
COMPRESSION = 1.0
"""libsndfile's compression level for Opus: 1.0 is its lowest bitrate (about 7 kbit/s at
16 kHz mono), which keeps speech intelligible and a 90-second note near 80 KB."""

_SYNCHRONOUS = 0x02  # AUDIO_OUTPUT_SYNCHRONOUS: samples come back through the callback
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _VOLUME, _PITCH, _RANGE, _WORDGAP = 1, 2, 3, 4, 7
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass(frozen=True)
class Tuning:
    """How the voice speaks; part of the cache key, so a change makes new notes."""

    voice: str = "id"
    rate: int = 150
    pitch: int = 40
    pitch_range: int = 60
    word_gap: int = 1

    def key(self) -> str:
        return (
            f"espeak-ng:{self.voice}:r{self.rate}:p{self.pitch}:g{self.pitch_range}"
            f":w{self.word_gap}:opus{OPUS_RATE}:c{COMPRESSION}"
        )


class VoiceUnavailable(RuntimeError):
    """The engine or the encoder cannot be loaded on this machine."""


class Engine:
    """The loaded eSpeak NG library. One per process (see :func:`engine`)."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
            import numpy  # noqa: F401
            import soundfile

            if "OPUS" not in soundfile.available_subtypes("OGG"):
                raise VoiceUnavailable("libsndfile has no Opus encoder")
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = espeakng_loader.get_data_path().encode()
        except (ImportError, OSError, RuntimeError) as exc:
            raise VoiceUnavailable(str(exc)) from exc
        lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise VoiceUnavailable("espeak_Initialize failed")
        self.sample_rate = int(rate)
        self._lib = lib
        self._lock = threading.Lock()
        self._chunks: list[Any] = []
        self._callback = _CALLBACK(self._collect)  # kept alive as long as the engine
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        import numpy as np

        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def say(self, text: str, tuning: Tuning) -> Any:
        """The samples (int16 numpy array at :attr:`sample_rate`) of ``text`` spoken."""
        import numpy as np

        with self._lock:
            if self._voice != tuning.voice:
                if self._lib.espeak_SetVoiceByName(tuning.voice.encode()) != 0:
                    raise VoiceUnavailable(f"eSpeak NG has no voice {tuning.voice!r}")
                self._voice = tuning.voice
            for parameter, value in (
                (_RATE, tuning.rate),
                (_PITCH, tuning.pitch),
                (_RANGE, tuning.pitch_range),
                (_WORDGAP, tuning.word_gap),
                (_VOLUME, 100),
            ):
                self._lib.espeak_SetParameter(parameter, value, 0)
            self._chunks = []
            raw = text.encode("utf-8")
            self._lib.espeak_Synth(
                raw, len(raw) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(chunks)


def encode_ogg_opus(samples: Any, rate: int) -> bytes:
    """Mono OGG/Opus bytes of int16 ``samples`` at ``rate`` Hz (resampled to 16 kHz)."""
    import numpy as np
    import soundfile

    signal = np.asarray(samples, dtype=np.float32) / 32768.0
    if rate != OPUS_RATE and len(signal):
        count = max(1, round(len(signal) * OPUS_RATE / rate))
        positions = np.arange(count, dtype=np.float64) * (rate / OPUS_RATE)
        signal = np.interp(positions, np.arange(len(signal)), signal).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(
        buffer, signal, OPUS_RATE, format="OGG", subtype="OPUS", compression_level=COMPRESSION
    )
    return buffer.getvalue()


def ogg_duration(data: bytes) -> float:
    """Seconds of audio in OGG bytes (read back by libsndfile)."""
    import soundfile

    info = soundfile.info(io.BytesIO(data))
    return float(info.frames) / float(info.samplerate)


def installed() -> str | None:
    """Why voice cannot work here, without loading anything (None if the packages are
    there): the start-up check; the engine itself loads on the first synthesis."""
    import importlib.util
    from pathlib import Path

    for name in ("espeakng_loader", "soundfile", "numpy"):
        if importlib.util.find_spec(name) is None:
            return f"the package {name} is not installed"
    spec = importlib.util.find_spec("espeakng_loader")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    if folder is None or not (folder / "espeak-ng-data" / "id_dict").exists():
        return "eSpeak NG's Indonesian data is missing"
    return None


_ENGINE: Engine | None = None
_ENGINE_ERROR: str | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> Engine | None:
    """The process's engine, loaded on first use; None (with the reason in
    :func:`unavailable_reason`) when voice cannot work here."""
    global _ENGINE, _ENGINE_ERROR
    with _ENGINE_LOCK:
        if _ENGINE is None and _ENGINE_ERROR is None:
            try:
                _ENGINE = Engine()
            except VoiceUnavailable as exc:
                _ENGINE_ERROR = str(exc) or type(exc).__name__
        return _ENGINE


def unavailable_reason() -> str | None:
    engine()
    return _ENGINE_ERROR
