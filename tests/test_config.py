from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.config import TOKEN_ENV, ConfigError, Secret, load_settings

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAAbbbCCCdddEEEfffGGGhhhIIIjjjKKKlll"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_runs_as_it_is() -> None:
    settings = load_settings(REPO / "config.toml", env={TOKEN_ENV: TOKEN})
    assert settings.telegram.mode == "polling"
    assert settings.telegram.base_url == "https://api.telegram.org/bot"
    assert settings.schedule.reminder_offsets == (
        timedelta(days=3),
        timedelta(days=1),
        timedelta(hours=2),
    )
    assert settings.schedule.quiet_start == time(21, 0)
    assert settings.outbox.rate_per_second == 25
    assert settings.database == REPO / "data" / "p2k2.db"
    assert settings.token == Secret(TOKEN)


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), env={})
    assert settings.token is None
    assert settings.database == tmp_path / "data" / "p2k2.db"
    assert settings.invite_ttl == timedelta(hours=72)


def test_token_never_shows_in_repr_or_str(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), env={TOKEN_ENV: TOKEN})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert settings.require_token().get() == TOKEN


def test_missing_token_names_the_variable_and_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), env={})
    with pytest.raises(ConfigError) as err:
        settings.require_token()
    assert TOKEN_ENV in str(err.value)
    assert "config.toml" in str(err.value)


def test_malformed_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        load_settings(write(tmp_path, ""), env={TOKEN_ENV: "not a token"})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[telegram]\nmode = "carrier-pigeon"\n', "[telegram] mode"),
        ("[telegram]\npoll_timeout = -1\n", "[telegram] poll_timeout"),
        ('[telegram]\nbase_url = "ftp://x"\n', "[telegram] base_url"),
        ('[telegram]\nmode = "webhook"\n', "[telegram.webhook] public_url"),
        ("[telegram.webhook]\nport = 70000\n", "[telegram.webhook] port"),
        ('[bot]\ndefault_timezone = "Europe/Paris"\n', "[bot] default_timezone"),
        ('[bot]\ninvite_ttl_hours = "soon"\n', "[bot] invite_ttl_hours"),
        ('[bot]\ndatabse = "x.db"\n', "[bot] databse"),
        ('[schedule]\nreminder_offsets = ["3 days"]\n', "[schedule] reminder_offsets"),
        ('[schedule]\nquiet_start = "25:00"\n', "[schedule] quiet_start"),
        ("[outbox]\nrate_per_second = true\n", "[outbox] rate_per_second"),
        ("unknown_section = 1\n", "unknown_section"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    message = str(err.value)
    assert message.startswith(f"{path}: {key}:"), message
    assert "\n" not in message


def test_syntax_error_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[bot\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(err.value).startswith(f"{path}: syntax:")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_webhook_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[telegram]\nmode = "webhook"\n[telegram.webhook]\n'
        'public_url = "https://bot.example.org"\nport = 9000\n',
    )
    settings = load_settings(path, env={})
    assert settings.telegram.webhook.public_url == "https://bot.example.org"
    assert settings.telegram.webhook.port == 9000
