"""The capacity table in one command.

    python -m bench all [--preset quick|field] [--out bench-results.jsonl] [--readme README.md]
    python -m bench table bench-results.jsonl [--readme README.md]

``all`` runs every benchmark in turn (each in its own process, its progress on stderr),
writes their JSON lines to ``--out`` (first a line describing the machine), prints the
table and, with ``--readme``, rewrites the README's capacity table (between the
``capacity:begin`` and ``capacity:end`` markers) from it. ``table`` does the last two
from a file written earlier. The exit status is 1 when any benchmark failed or did less
work than it reports.

Presets: ``quick`` fits in about a quarter of an hour on the 2-core build machine (a
300,000-member province, 50,000 of its fan-out sent, 5,000 recipients per fan-out
round); ``field`` has the issue's sizes (a tick at 3,000,000 participants, the whole
300,000 fan-out sent, 10,000 recipients per round, 100,000 through the outbox's memory
child) and takes much longer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import REPO

JSON = dict[str, Any]
BEGIN = "<!-- capacity:begin (python -m bench all --readme README.md) -->"
END = "<!-- capacity:end -->"

PRESETS: dict[str, list[tuple[str, list[str]]]] = {
    "tiny": [  # a smoke test of the whole chain, a minute or two; the figures mean little
        ("reports", ["--rounds", "2"]),
        ("checkins", ["--checkins", "200", "--rounds", "2", "--warmup", "20"]),
        ("fanout", ["--recipients", "500", "--rounds", "2", "--big", "0", "--quick"]),
        ("tick", ["--participants", "2000", "--months", "2"]),
        ("memory", ["--participants", "2000"]),
        (
            "latency",
            ["--participants", "3000", "--rounds", "2", "--seconds", "3", "--facilitators", "2"],
        ),
        ("voice", ["--rounds", "1"]),
    ],
    "quick": [
        ("reports", ["--rounds", "5"]),
        ("checkins", ["--checkins", "2000", "--rounds", "5"]),
        ("fanout", ["--recipients", "5000", "--rounds", "9", "--big", "0"]),
        ("tick", ["--participants", "20000", "300000"]),
        ("memory", ["--participants", "300000", "--send", "50000"]),
        ("latency", ["--participants", "300000", "--rounds", "5", "--seconds", "10"]),
        ("voice", ["--rounds", "3"]),
    ],
    "field": [
        ("reports", ["--rounds", "5"]),
        ("checkins", ["--checkins", "5000", "--rounds", "5"]),
        ("fanout", ["--recipients", "10000", "--rounds", "5", "--big", "100000"]),
        ("tick", ["--participants", "300000"]),
        ("tick", ["--participants", "3000000"]),  # seeding a year of it: ~15 min
        ("memory", ["--participants", "300000"]),
        ("latency", ["--participants", "300000", "--rounds", "5", "--seconds", "10"]),
        ("voice", ["--rounds", "3"]),
    ],
}


def machine() -> JSON:
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "bench": "_machine",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "commit": commit,
    }


def run_one(name: str, args: list[str]) -> list[JSON]:
    """Run ``python -m bench.<name> <args>``; its JSON lines, tagged."""
    print(f"== bench.{name} {' '.join(args)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    found: list[JSON] = []
    for line in process.stdout:
        if line.startswith("{"):
            found.append(json.loads(line))
        else:
            print(f"   {line.rstrip()}", file=sys.stderr, flush=True)
    code = process.wait()
    seconds = round(time.perf_counter() - started, 1)
    if not found:
        found.append({"work_ok": False})
    return [
        {"bench": name, "args": args, "exit": code, "wall_s": seconds, **figures}
        for figures in found
    ]


# ------------------------------------------------------------------------------ the table


def _n(value: Any) -> str:
    if isinstance(value, float) and value >= 1000:
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _s(r: JSON, key: str, unit: str = "") -> str:
    """The median and its spread over the rounds: ``0.93 (0.90-0.97)``."""
    if f"{key}_min" in r:
        return f"{_n(r[key])}{unit} ({_n(r[key + '_min'])}-{_n(r[key + '_max'])})"
    return f"{_n(r.get(key))}{unit}"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


Row = tuple[str, str, str, str]


def rows_reports(r: JSON) -> Iterable[Row]:
    yield (
        f"`bench.reports` ({r['families']} families, {r['months']} months, 12 groups;"
        f" {r['rounds']} rounds)",
        f"recap {_s(r, 'recap_s', ' s')}, CSV {_s(r, 'csv_s', ' s')}, XLSX"
        f" {_s(r, 'xlsx_s', ' s')}, chart {_s(r, 'chart_s', ' s')}"
        f" (+{r['chart_import_s']} s for matplotlib's first import)",
        "< 1 s each",
        _yes(max(r["recap_s"], r["csv_s"], r["xlsx_s"], r["chart_s"]) < 1),
    )


def rows_checkins(r: JSON) -> Iterable[Row]:
    yield (
        f"`bench.checkins` ({r['checkins']:,} `/hadir <code>` per mode and round through"
        f" handlers, database and reply; {r['rounds']} alternating rounds with a bare PTB"
        " echo on the same fake)",
        f"{_s(r, 'checkins_per_s', '/s')} ({r['mode']}); bare PTB"
        f" {_s(r, 'bare_ptb_per_s', '/s')}; ratio {_s(r, 'ratio_vs_bare')}",
        ">= 1,000/s and >= 0.3 of bare PTB",
        _yes(r["checkins_per_s"] >= 1000 and r["ratio_vs_bare"] >= 0.3),
    )


def rows_fanout(r: JSON) -> Iterable[Row]:
    yield (
        f"`bench.fanout` ({r['raw_recipients']:,} recipients per round, limits off, fake in"
        f" another process, {r['concurrency']} requests in flight; {r['raw_rounds']}"
        " alternating rounds with a bare PTB `send_message` loop)",
        f"{_s(r, 'raw_msgs_per_s', ' msg/s')}; bare PTB {_s(r, 'bare_ptb_msgs_per_s', ' msg/s')};"
        f" ratio {_s(r, 'ratio_vs_bare')}",
        ">= 0.95 of bare PTB",
        _yes(r["ratio_vs_bare"] >= 0.95),
    )
    yield (
        f"`bench.fanout`, limit {r['limit']:.0f}/s, {r['limited_sent']:,} messages",
        f"{r['limited_rate']} msg/s ({r['limited_rate'] / r['limit']:.1%} of the limit, in"
        f" {r['limited_seconds']} s),"
        f" {r['limited_429s']} `429`s from a fake that enforces Telegram's limits",
        ">= 97 % of the limit, 0 `429`s",
        _yes(r["limited_rate"] >= 0.97 * r["limit"] and r["limited_429s"] == 0),
    )
    yield (
        "`bench.fanout`, a participant's command during a fan-out",
        f"p95 {r['reply_p95_s']} s (limits off, {r['reply_samples']} replies),"
        f" {r['reply_paced_p95_s']} s (paced at 25/s)",
        "< 0.5 s",
        _yes(r["reply_p95_s"] < 0.5 and r["reply_paced_p95_s"] < 0.5),
    )
    if "peak_rss_mb" in r:
        yield (
            f"`bench.fanout`, {r['recipients']:,} recipients through the outbox (a child process)",
            f"peak RSS {r['peak_rss_mb']} MB (after start-up: {r['baseline_rss_mb']} MB)",
            "< 150 MB",
            _yes(r["peak_rss_mb"] < 150),
        )


def rows_tick(r: JSON) -> Iterable[Row]:
    yield (
        f"`bench.tick`, {r['participants']:,} participants ({r['months']} months of history)",
        f"idle tick {_s(r, 'idle_tick_ms', ' ms')} over {r['ticks']} ticks;"
        f" {r['reminders_queued']:,} reminders enqueued in one tick in"
        f" {r['enqueue_province_s']} s",
        "idle < 20 ms at 3,000,000",
        _yes(r["idle_tick_ms"] < 20),
    )


def rows_memory(r: JSON) -> Iterable[Row]:
    yield (
        f"`bench.memory` (the real process, {r['participants']:,} participants, a reminder"
        " for everyone due at once, limits off)",
        f"peak RSS {r['peak_rss_mb']} MB; {r['reminders_queued']:,} queued (all in"
        f" {r['all_queued_s']} s), {r['reminders_sent']:,} sent in {r['seconds']} s",
        "< 200 MB",
        _yes(r["peak_rss_mb"] < 200),
    )


def rows_latency(r: JSON) -> Iterable[Row]:
    what = (
        f"`bench.latency` (the real process, {r['participants']:,} participants; a mother's"
        f" `/hadir` every {r['interval_s']} s"
    )
    yield (
        f"{what}; {r['quiet_samples']} replies in {r.get('rounds', '?')} quiet rounds)",
        f"p95 {_s(r, 'quiet_p95_s', ' s')}",
        "(context)",
        "",
    )
    yield (
        f"{what}, while a facilitator renders charts and XLSX exports in a loop;"
        f" alternating with the quiet rounds)",
        f"p95 {_s(r, 'reports_p95_s', ' s')}; {r['charts']} charts and {r['exports']}"
        " exports made",
        "< 0.5 s",
        _yes(r["reports_p95_s"] < 0.5),
    )
    if "tick_p95_s" in r:
        yield (
            f"{what}, while the tick enqueues the province's reminders)",
            f"p95 {r['tick_p95_s']} s ({r['tick_samples']} replies);"
            f" {r['province_reminders']:,} reminders queued in {r['province_enqueue_s']} s",
            "< 0.5 s",
            _yes(r["tick_p95_s"] < 0.5),
        )


def rows_voice(r: JSON) -> Iterable[Row]:
    yield (
        f"`bench.voice` (the {r['summaries']} module summaries, eSpeak NG Indonesian ->"
        f" OGG/Opus; {r['rounds']} rounds)",
        f"{_s(r, 'synth_s', ' s')} for all {r['summaries']}; per summary up to"
        f" {r['bytes_max']:,} bytes (mean {r['bytes_mean']:,}) and {r['seconds_max']} s"
        f" of audio (mean {r['seconds_mean']} s)",
        "<= 150 KB and about 90 s each",
        _yes(r["bytes_max"] <= 150_000 and r["seconds_max"] <= 91),
    )


ROWS: dict[str, Callable[[JSON], Iterable[Row]]] = {
    "reports": rows_reports,
    "checkins": rows_checkins,
    "fanout": rows_fanout,
    "tick": rows_tick,
    "memory": rows_memory,
    "latency": rows_latency,
    "voice": rows_voice,
}


def table(results: list[JSON]) -> str:
    head = next((r for r in results if r.get("bench") == "_machine"), {})
    lines = [
        f"Measured {head.get('date', '?')} at commit `{head.get('commit', '?')}` on"
        f" {head.get('cores', '?')} cores ({head.get('cpu', '?')}), {head.get('memory_gib', '?')}"
        f" GiB, Python {head.get('python', '?')}, SQLite {head.get('sqlite', '?')}, shared"
        " with other work: absolute figures are noisy, which is why comparisons alternate"
        " rounds and give the median with (minimum-maximum). Load average (1 min) at the"
        " start and end of each benchmark in the last column.",
        "",
        "| benchmark | figure | target | met | load |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        name = r.get("bench", "")
        if name == "_machine":
            continue
        load = f"{r.get('load_start', '?')}-{r.get('load_end', '?')}"
        if r.get("exit") != 0 or not r.get("work_ok"):
            short = {
                k: v for k, v in r.get("work", {}).items() if v.get("done", 0) < v.get("expected")
            }
            lines.append(
                f"| `bench.{name}` {' '.join(r.get('args', []))} | **failed** (exit"
                f" {r.get('exit')}; short: {json.dumps(short)}) | | **no** | {load} |"
            )
            continue
        for label, figure, target, met in ROWS[name](r):
            lines.append(f"| {label} | {figure} | {target} | {met} | {load} |")
    return "\n".join(lines)


def write_readme(readme: Path, text: str) -> None:
    content = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(content):
        raise SystemExit(f"{readme}: no {BEGIN!r} ... {END!r} markers")
    readme.write_text(pattern.sub(lambda _: f"{BEGIN}\n{text}\n{END}", content), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("command", choices=("all", "table"))
    parser.add_argument("results", nargs="?", type=Path, help="table: the JSON lines file")
    parser.add_argument("--preset", choices=tuple(PRESETS), default="quick")
    parser.add_argument("--out", type=Path, default=Path("bench-results.jsonl"))
    parser.add_argument("--readme", type=Path, help="rewrite its capacity table")
    args = parser.parse_args(argv)
    if args.command == "all":
        results = [machine()]
        args.out.write_text(json.dumps(results[0]) + "\n", encoding="utf-8")
        for name, bench_args in PRESETS[args.preset]:
            found = run_one(name, bench_args)
            results.extend(found)
            with args.out.open("a", encoding="utf-8") as out:
                out.writelines(json.dumps(r) + "\n" for r in found)
    else:
        source = args.results or args.out
        results = [
            json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line
        ]
    text = table(results)
    print(text)
    if args.readme is not None:
        write_readme(args.readme, text)
    failed = [r for r in results if r.get("bench") != "_machine" and not r.get("work_ok")]
    failed += [r for r in results if r.get("bench") != "_machine" and r.get("exit") != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
