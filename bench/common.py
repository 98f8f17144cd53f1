"""Shared set-up for the benchmarks: the real application on a seeded database,
talking to the in-process fake Bot API, with a manual clock."""

from __future__ import annotations

import os
import resource
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from bot.app import AnyApplication, build_application
from bot.clock import ManualClock
from bot.config import TOKEN_ENV, load_settings
from fakeapi import FakeBotAPI, FakeRequest

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH_not_a_real_token_x"


def write_config(folder: Path, database: Path, extra: str = "") -> Path:
    path = folder / "bench-config.toml"
    path.write_text(
        f'[bot]\ndatabase = "{database}"\ncontent_dir = "{REPO / "content" / "modules"}"\n'
        'log_level = "WARNING"\n[telegram]\nbot_username = "p2k2_bench_bot"\n'
        f"[outbox]\nrate_per_second = 0\nper_chat_interval = 0\n{extra}",
        encoding="utf-8",
    )
    return path


@asynccontextmanager
async def bench_app(
    database: Path, clock: ManualClock, fake: FakeBotAPI | None = None
) -> AsyncIterator[AnyApplication]:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    fake = fake or FakeBotAPI(token=TOKEN, keep_messages=False, call_log_limit=1000)
    settings = load_settings(write_config(database.parent, database), env={TOKEN_ENV: TOKEN})
    app = build_application(settings, request=FakeRequest(fake), clock=clock, background=False)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        yield app
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
