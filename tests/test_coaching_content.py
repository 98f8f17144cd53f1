"""The facilitator's session guide as content: every session has one, and a broken or
missing guide fails the loader (so ``python -m bot check`` and start-up) with one line
naming the file and the field."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import TOKEN_ENV
from bot.content import ContentError, default_content_dir, load_library
from bot.guide import PLAN_STEPS, PLAN_TOTAL_MAX, PLAN_TOTAL_MIN
from tests.support.harness import REPO, TOKEN, write_config

SESSION = "03-kesehatan/sesi-09.toml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "modules"
    shutil.copytree(default_content_dir(), root)
    return root


def replace_line(root: Path, pattern: str, new: str) -> None:
    path = root / SESSION
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, lambda _: new, text, count=1, flags=re.M | re.S)
    assert n == 1, pattern
    path.write_text(changed, encoding="utf-8")


def field_error(root: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_library(root)
    assert info.value.path == root / SESSION
    assert "\n" not in str(info.value)
    return info.value.field


def test_every_real_session_has_a_complete_guide() -> None:
    library = load_library(default_content_dir())
    assert len(library.sessions) == 14
    for session in library.sessions:
        guide = session.guide
        assert len(guide.plan) == len(PLAN_STEPS)
        assert PLAN_TOTAL_MIN <= guide.total_minutes <= PLAN_TOTAL_MAX, session.id
        assert 2 <= len(guide.questions) <= 3
        assert 3 <= len(guide.key_messages) <= 4
        assert guide.aim and guide.opening and guide.activity and guide.bring


def test_a_missing_guide_is_named(tree: Path) -> None:
    path = tree / SESSION
    text = path.read_text(encoding="utf-8")
    start = text.index("# The facilitator's guide")
    end = text.index("[[quiz]]")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert field_error(tree) == "guide"


@pytest.mark.parametrize(
    ("pattern", "new", "field"),
    [
        (r"^guide\.aim = .*?$", 'guide.aim = ""', "guide.aim"),
        (r"^guide\.aim = .*?$", "guide.aim = 3", "guide.aim"),
        (r"^guide\.opening = .*?$", 'guide.opening = "<a>x</a>"', "guide.opening"),
        (r"^guide\.plan = .*?$", "guide.plan = [15, 10, 25]", "guide.plan"),
        (r"^guide\.plan = .*?$", "guide.plan = [15, 10, 25, 25, 25, 10, 2]", "guide.plan[7]"),
        (r"^guide\.plan = .*?$", "guide.plan = [10, 10, 10, 10, 10, 10, 10]", "guide.plan"),
        (r"^guide\.plan = .*?$", "guide.plan = [30, 30, 30, 30, 30, 10, 10]", "guide.plan"),
        (r"^guide\.plan = .*?$", 'guide.plan = [15, 10, 25, 25, 25, 10, "10"]', "guide.plan[7]"),
        (r"^guide\.questions = \[.*?\]$", 'guide.questions = ["Satu?"]', "guide.questions"),
        (r"^guide\.questions = \[.*?\]$", 'guide.questions = ["A?", "A?"]', "guide.questions"),
        (
            r"^guide\.questions = \[.*?\]$",
            'guide.questions = ["<b>A</b>?", "B?"]',
            "guide.questions[1]",
        ),
        (r"^guide\.bring = \[.*?\]$", "guide.bring = []", "guide.bring"),
        (r"^guide\.activity = .*?$", 'guide.activity = "' + "a" * 501 + '"', "guide.activity"),
        (r"^guide\.activity = .*?$", 'guide.activty = "x"', "guide.activty"),
        (r"^guide\.key_messages = \[.*?\]$", 'guide.key_messages = "x"', "guide.key_messages"),
    ],
)
def test_broken_guide_fields_are_named(tree: Path, pattern: str, new: str, field: str) -> None:
    replace_line(tree, pattern, new)
    assert field_error(tree) == field


def test_a_guide_that_is_not_a_table(tree: Path) -> None:
    path = tree / SESSION
    text = path.read_text(encoding="utf-8")
    start = text.index("# The facilitator's guide")
    end = text.index("[[quiz]]")
    path.write_text(text[:start] + 'guide = "x"\n\n' + text[end:], encoding="utf-8")
    assert field_error(tree) == "guide"


def test_check_command_fails_on_a_broken_guide(tree: Path, tmp_path: Path) -> None:
    replace_line(tree, r"^guide\.plan = .*?$", "guide.plan = [1]")
    config = write_config(tmp_path, content=tree)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", TOKEN_ENV: TOKEN},
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"{tree / SESSION}: field 'guide.plan'" in result.stderr
