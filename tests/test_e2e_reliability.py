"""Issue 12 (points 3, 4, 8, 9): promises about the running process, tested against the
real ``python -m bot run`` and the HTTP fake Bot API.

* One instance per database, whichever way the path to it is spelled (symlink to the
  file, a relative path through a symlinked folder, a hard link).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e import run_cli, running_e2e_bot, write_config


async def test_second_instance_is_refused_through_any_spelling_of_the_path(
    tmp_path: Path,
) -> None:
    (tmp_path / "main").mkdir()
    async with running_e2e_bot(tmp_path / "main") as e:
        database = e.database
        (tmp_path / "link.db").symlink_to(database)
        (tmp_path / "alias").symlink_to(database.parent, target_is_directory=True)
        os.link(database, tmp_path / "hard.db")
        spellings = {
            "symlink to the file": str(tmp_path / "link.db"),
            "relative, through a symlinked folder": "../alias/./bot.db",
            "hard link": str(tmp_path / "hard.db"),
        }
        calls_before = len(e.fake.calls)
        for number, (what, spelling) in enumerate(spellings.items()):
            folder = tmp_path / f"second{number}"
            folder.mkdir()
            config, _ = write_config(folder, e.server, {"bot": {"database": spelling}})
            result = await run_cli(config, "run")
            assert result.returncode == 2, (what, result)
            assert "already running" in result.stderr, (what, result.stderr)
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, what
        # None of them said a word to Telegram: no getMe, no getUpdates fighting the first.
        assert len(e.fake.calls) == calls_before or all(
            call.method == "getUpdates" for call in list(e.fake.calls)[calls_before:]
        )
        assert e.process.returncode is None  # the first bot is still running
        ani = e.fake.add_user("Ani")
        await e.send(ani, "/start", expect=e.t("start.stranger"))
    assert e.returncode == 0
