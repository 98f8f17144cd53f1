"""Benchmark of the voice notes: synthesizing the 14 module summaries.

Run by hand (not by the tests)::

    .venv/bin/python -m bench.voice [--rounds 3]

For each session of the content: the script the bot speaks (``voice.summary_script``),
normalised, spoken by eSpeak NG's Indonesian voice and encoded to OGG/Opus, exactly as
:class:`bot.voice.Voice` makes a note (into a fresh cache folder each round, so every round
synthesizes all 14). Figures: ``synth_s`` (seconds for all 14, median over rounds, with
``_min``/``_max``), ``bytes_max`` / ``bytes_mean`` per summary, ``seconds_max`` /
``seconds_mean`` of audio per summary. Checked: 14 notes made each round, every one a valid
mono OGG/Opus file (decoded back) of at most ``MAX_SECONDS`` + 1 s and 150 KB; exit status
1 otherwise. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import soundfile

from bench.common import finish, load_average, spread
from bot.config import VoiceSettings
from bot.content import load_library
from bot.i18n import Catalog
from bot.voice import MAX_SECONDS, Voice
from bot.voice.tts import unavailable_reason
from db import Database

REPO = Path(__file__).resolve().parent.parent
SIZE_LIMIT = 150_000


async def one_round(folder: Path) -> tuple[float, list[tuple[int, float]]]:
    library = load_library(REPO / "content" / "modules")
    db = await Database.open(":memory:")
    try:
        voice = Voice(db, Catalog.load(), library, replace(VoiceSettings(), cache_dir=folder))
        started = time.perf_counter()
        notes = [await voice.summary_note(None, s.id) for s in library.sessions]
        seconds = time.perf_counter() - started
    finally:
        await db.close()
    found: list[tuple[int, float]] = []
    for note in notes:
        if note is None:
            continue
        data = (folder / f"{note.ref.split(':')[1]}.ogg").read_bytes()
        info = soundfile.info(io.BytesIO(data))
        if (info.format, info.subtype, info.channels) != ("OGG", "OPUS", 1):
            continue
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16")
        found.append((len(data), len(samples) / rate))
    return seconds, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.voice", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    load_start = load_average()
    reason = unavailable_reason()
    if reason is not None:
        print(f"voice unavailable: {reason}", file=sys.stderr)
    times: list[float] = []
    sizes: list[tuple[int, float]] = []
    made = good = 0
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-voice-") as tmp:
            seconds, found = asyncio.run(one_round(Path(tmp)))
        times.append(seconds)
        made += len(found)
        good += sum(1 for b, s in found if b <= SIZE_LIMIT and s <= MAX_SECONDS + 1)
        sizes = found
    figures = {
        "summaries": len(sizes),
        "rounds": args.rounds,
        **spread("synth_s", times, 2),
        "bytes_max": max((b for b, _ in sizes), default=0),
        "bytes_mean": round(statistics.mean(b for b, _ in sizes)) if sizes else 0,
        "seconds_max": round(max((s for _, s in sizes), default=0.0), 1),
        "seconds_mean": round(statistics.mean(s for _, s in sizes), 1) if sizes else 0.0,
    }
    expected = 14 * args.rounds
    return finish(
        figures, {"notes": (made, expected), "within_limits": (good, expected)}, load_start
    )


if __name__ == "__main__":
    sys.exit(main())
