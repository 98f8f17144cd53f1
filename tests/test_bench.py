"""The benchmarks check the work they report, whatever the hour they are run at.

Tiny sizes, no timing asserted: what is checked is that a benchmark did the work its
figure stands for (reminders queued and sent), and that it exits non-zero when it did not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.common import daytime_everywhere, finish
from bot.clock import CLOCK_START_ENV, clock_from_env

REPO = Path(__file__).resolve().parent.parent


def run_bench(tmp_path: Path, *args: str) -> tuple[int, dict[str, object], str]:
    env = {"P2K2_BENCH_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout + done.stderr
    return done.returncode, json.loads(lines[-1]), done.stderr


def test_memory_bench_runs_the_bot_at_daytime_whatever_the_hour(tmp_path: Path) -> None:
    """Run at any hour (night in Indonesia included, when the first version queued nothing
    because of quiet hours), the real process queues and sends a reminder to every member,
    on a clock that is daytime in every zone."""
    code, figures, err = run_bench(
        tmp_path, "bench.memory", "--participants", "120", "--timeout", "120"
    )
    assert code == 0, err
    assert daytime_everywhere(datetime.fromisoformat(str(figures["bot_clock"])))
    expected = figures["reminders_expected"]
    assert isinstance(expected, int) and expected > 100
    assert figures["reminders_queued"] == expected
    assert figures["reminders_sent"] == expected
    assert figures["work_ok"] is True
    assert isinstance(figures["peak_rss_mb"], float) and figures["peak_rss_mb"] > 0


def test_memory_bench_at_night_measures_nothing_and_exits_non_zero(tmp_path: Path) -> None:
    """The first version's situation: 23:00 in Jakarta, quiet hours hold every reminder
    back. The figure would be an idle process's; the benchmark says so and exits 1."""
    night = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert not daytime_everywhere(night)
    code, figures, err = run_bench(
        tmp_path,
        "bench.memory",
        "--participants",
        "60",
        "--timeout",
        "8",
        "--at",
        night.isoformat(),
    )
    assert code == 1
    assert figures["work_ok"] is False
    assert "SHORT: reminders_queued" in err


def test_memory_bench_exits_non_zero_when_the_fanout_was_not_sent(tmp_path: Path) -> None:
    """No time to send anything: exit status 1."""
    code, figures, err = run_bench(
        tmp_path, "bench.memory", "--participants", "60", "--timeout", "0"
    )
    assert code == 1
    assert figures["work_ok"] is False
    assert "SHORT: reminders_sent" in err


def test_tick_bench_checks_its_reminders(tmp_path: Path) -> None:
    code, figures, err = run_bench(
        tmp_path, "bench.tick", "--participants", "150", "--ticks", "2", "--months", "2"
    )
    assert code == 0, err
    assert figures["reminders_queued"] == figures["reminders_expected"]
    assert isinstance(figures["reminders_queued"], int) and figures["reminders_queued"] > 100


def test_finish_reports_and_fails_short_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert finish({"x": 1.0}, {"sent": (5, 5)}, 0.5) == 0
    ok = json.loads(capsys.readouterr().out)
    assert ok["work"] == {"sent": {"done": 5, "expected": 5}} and ok["work_ok"] is True
    assert "load_end" in ok and ok["load_start"] == 0.5
    assert finish({"x": 1.0}, {"sent": (4, 5), "queued": (5, 5)}, 0.5) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["work_ok"] is False
    assert "SHORT: sent: 4 of 5" in out.err


def test_capacity_table_marks_a_short_benchmark_and_fails(tmp_path: Path) -> None:
    """``python -m bench table``: a benchmark that did less than it reports is shown as
    failed, the README's table between the markers is rewritten, and the status is 1."""
    from bench.__main__ import BEGIN, END, main

    results = tmp_path / "results.jsonl"
    machine = {"bench": "_machine", "date": "2026-12-01 21:00 UTC", "cores": 2}
    tick = {
        "bench": "tick",
        "args": [],
        "exit": 0,
        "participants": 300,
        "months": 2,
        "idle_tick_ms": 0.2,
        "idle_tick_ms_min": 0.1,
        "idle_tick_ms_max": 0.3,
        "ticks": 3,
        "reminders_queued": 290,
        "enqueue_province_s": 0.1,
        "work": {"reminders_queued": {"done": 290, "expected": 290}},
        "work_ok": True,
    }
    memory = {
        "bench": "memory",
        "args": ["--participants", "300"],
        "exit": 1,
        "work": {"reminders_sent": {"done": 0, "expected": 290}},
        "work_ok": False,
    }
    results.write_text("\n".join(json.dumps(r) for r in (machine, tick)) + "\n")
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{BEGIN}\nold table\n{END}\n\nafter\n")
    assert main(["table", str(results), "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "old table" not in text and "idle tick 0.2 ms (0.1-0.3)" in text
    assert text.endswith(f"{END}\n\nafter\n")

    results.write_text("\n".join(json.dumps(r) for r in (machine, tick, memory)) + "\n")
    assert main(["table", str(results), "--readme", str(readme)]) == 1
    assert "**failed**" in readme.read_text() and "reminders_sent" in readme.read_text()


def test_the_benchmark_clock_starts_at_the_given_moment_and_runs() -> None:
    assert clock_from_env({}) is None
    clock = clock_from_env({CLOCK_START_ENV: "2026-12-01T03:00:00+00:00"})
    assert clock is not None
    first = clock.now()
    assert (
        datetime(2026, 12, 1, 3, 0, tzinfo=UTC) <= first < datetime(2026, 12, 1, 3, 1, tzinfo=UTC)
    )
    assert clock.now() >= first


def test_latency_bench_drives_the_real_process_and_checks_its_work(tmp_path: Path) -> None:
    """Tiny sizes: every mother's /hadir confirmed, a chart and an export made while they
    check in, and the province's reminders queued by the real process's tick."""
    code, figures, err = run_bench(
        tmp_path,
        "bench.latency",
        *("--participants", "1500", "--rounds", "1", "--seconds", "1.5"),
        *("--facilitators", "2", "--interval", "0.3"),
    )
    assert code == 0, err
    assert figures["work_ok"] is True
    work = figures["work"]
    assert isinstance(work, dict)
    assert work["checkins_confirmed"]["done"] == work["checkins_confirmed"]["expected"] > 5
    assert work["province_reminders_queued"]["expected"] > 500
    assert isinstance(figures["charts"], int) and figures["charts"] >= 1
