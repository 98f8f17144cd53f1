"""The simulator's set-up: its fixed names (token, bot, files), the first moment of its
clock, and the config file it writes on every start."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

TOKEN = "123456:SIMULATOR_not_a_real_token_0123456789"
BOT_USERNAME = "p2k2_simulator_bot"
BOT_NAME = "Bot P2K2 (simulasi)"
DB_NAME = "simulator.db"
CONFIG_NAME = "simulator.toml"
WIB = "Asia/Jakarta"


def default_start(now: datetime | None = None) -> datetime:
    """Today (in WIB) at 08.00 WIB: a calm morning to begin the demo."""
    return start_on((now or datetime.now(UTC)).astimezone(ZoneInfo(WIB)).date())


def start_on(day: date) -> datetime:
    """``day`` at 08.00 WIB, as UTC: the simulated clock's first moment."""
    return datetime.combine(day, time(8, 0), tzinfo=ZoneInfo(WIB)).astimezone(UTC)


def write_config(folder: Path, content_dir: Path, tick_seconds: float) -> Path:
    """The simulator's config file: database in ``folder``, the repo's content, a fast
    outbox (no pacing) and a short tick."""
    path = folder / CONFIG_NAME
    path.write_text(
        "# Written by the simulator on every start; edits are overwritten.\n"
        "[bot]\n"
        f"database = {_toml_str(str(folder / DB_NAME))}\n"
        f"content_dir = {_toml_str(str(content_dir))}\n"
        'log_level = "INFO"\n'
        "[telegram]\n"
        "# Not used: the bot talks to the built-in fake in-process.\n"
        'base_url = "http://127.0.0.1:9/bot"\n'
        'base_file_url = "http://127.0.0.1:9/file/bot"\n'
        f'bot_username = "{BOT_USERNAME}"\n'
        "poll_timeout = 10\n"
        "[schedule]\n"
        f"tick_seconds = {tick_seconds!r}\n"
        "[outbox]\n"
        "rate_per_second = 0\n"
        "per_chat_interval = 0\n"
        "[voice]\n"
        f"cache_dir = {_toml_str(str(folder / 'voice'))}\n",
        encoding="utf-8",
    )
    return path


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
