"""The command line: help, check, migrate, invite, one-line errors, one instance per database."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import InstanceLock, main
from bot.config import TOKEN_ENV
from tests.support.backend import POSTGRES
from tests.support.harness import REPO, TOKEN, write_config


def run(
    *args: str, env_token: str | None = TOKEN, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PTB_TIMEDELTA": "1"}
    if env_token is not None:
        env[TOKEN_ENV] = env_token
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "check", "invite-facilitator"):
        assert command in result.stdout


def test_check_reports_content_and_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, voice=True, migrated=False)
    result = run("check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "content: 5 modules, 14 sessions" in result.stdout
    assert "voice: available (eSpeak NG Indonesian" in result.stdout
    # PostgreSQL's database exists (empty, schema 0); SQLite's file does not yet.
    assert ("connected, schema 0/" if POSTGRES else "not created yet") in result.stdout
    migrated = run("migrate", "--config", str(config))
    assert migrated.returncode == 0 and re.search(r"schema version 0 -> \d+", migrated.stdout)
    again = run("check", "--config", str(config))
    assert again.returncode == 0 and "schema" in again.stdout
    (tmp_path / "off").mkdir()
    off = run("check", "--config", str(write_config(tmp_path / "off", voice=False)))
    assert "voice: off" in off.stdout


def test_invite_prints_a_one_time_link(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = run("invite-facilitator", "--name", "Rina Wati", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert re.match(r"https://t\.me/p2k2_test_bot\?start=f_[A-Za-z0-9_-]{16}\n", result.stdout)
    bad = run("invite-facilitator", "--name", "1", "--config", str(config))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--name" in bad.stderr


@pytest.mark.parametrize(
    ("config_text", "expected"),
    [
        ('[telegram]\nmode = "pigeon"\n', "[telegram] mode"),
        ("[bot\n", "syntax"),
        ('[bot]\ncontent_dir = "/nonexistent"\n', "nonexistent"),
    ],
)
def test_errors_are_one_line_without_traceback(
    tmp_path: Path, config_text: str, expected: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(config_text, encoding="utf-8")
    result = run("check", "--config", str(config))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr


def test_run_without_token_names_the_variable(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = run("run", "--config", str(config), env_token=None)
    assert result.returncode == 2
    assert TOKEN_ENV in result.stderr and "Traceback" not in result.stderr


@pytest.mark.sqlite_only
def test_second_instance_on_the_same_database_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    lock = InstanceLock(tmp_path / "bot.db")
    lock.acquire()
    try:
        result = run("run", "--config", str(config))
    finally:
        lock.release()
    assert result.returncode == 2
    assert "already running" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.sqlite_only
def test_newer_database_is_refused_by_migrate(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("PRAGMA user_version = 999")
    assert main(["migrate", "--config", str(config)]) == 2
