"""Fan-out benchmark of the outbox sender, against the fake Bot API over HTTP.

Run by hand (not by the tests)::

    .venv/bin/python -m bench.fanout            # full run, a few minutes on 2 cores
    .venv/bin/python -m bench.fanout --quick    # the 30/s run lasts 5 s instead of 30 s

It measures, each part with a fresh SQLite file and the fake in *another* process (so the
figures are those of our process, not of the fake):

a. raw throughput with the limits off: enqueue and drain 10,000 recipients through
   :class:`bot.outbox.OutboxSender`, against a bare python-telegram-bot loop sending the
   same number with the same concurrency, in ``--rounds`` alternating rounds (ours, bare,
   ours, bare, ..., after an untimed round of each); ``ratio_vs_bare`` (the price of the
   outbox: a database row per message, claimed, and its outcome written) is the median of
   the rounds' ratios, with ``_min`` and ``_max``;
b. the achieved rate with the limit at 30/s (and whether the fake, with Telegram's flood
   limits on, answered any 429);
c. the p95 latency of an interactive reply (a database lookup and a direct
   ``send_message``, as a handler does) while a 10,000-recipient fan-out drains unlimited,
   the worst case for contention in our process;
d. the peak resident memory of a child process that enqueues and drains 100,000
   recipients with the limits off (the enqueue streams from a generator; the sender holds
   at most a batch).

The last line printed is one JSON object with the figures, the load average at start and
end, and the work done (messages sent by each part against the number it set out to send);
the exit status is 1 when any part sent fewer.

Internal sub-commands: ``serve`` runs the fake with N users already created (the
``/_fake/add_user`` control API would take minutes for 100,000), ``memory`` is part (d)'s
child.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bench.common import finish, load_average, spread
from bot.clock import SystemClock
from bot.config import OutboxSettings
from bot.outbox import DEFAULT_CONCURRENCY, OutboxSender
from bot.sending import markup_of
from db import Database
from db.outbox import NewMessage

TOKEN = "123456:BENCH_not_a_real_token_y"
FIRST_USER = 1_000_000_001  # FakeBotAPI numbers users from here
WARMUP = 500
"""Messages of each side's untimed round before the timed rounds of part (a)."""
TEXT = "Pengingat: pertemuan P2K2 <b>Selasa, 8 Desember 2026</b> pukul 09.00 WIB di Balai Desa."


# ------------------------------------------------------------------------- the fake server


async def serve(users: int, flood_limit: bool) -> None:
    """Child process: serve a fake with ``users`` users until stdin closes."""
    from fakeapi import FakeBotAPI, FakeBotAPIServer

    api = FakeBotAPI(keep_messages=False, recent_messages=1, flood_limit=flood_limit)
    for i in range(users):
        api.add_user(f"U{i}")
    async with FakeBotAPIServer(api) as server:
        print(f"base_url {server.base_url}", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # the parent closes it to stop us


@contextlib.asynccontextmanager
async def fake_server(users: int, *, flood_limit: bool = False) -> AsyncIterator[str]:
    args = [sys.executable, "-m", "bench.fanout", "serve", "--users", str(users)]
    if flood_limit:
        args.append("--flood-limit")
    proc = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 300)).decode().strip()
        if not line.startswith("base_url "):
            raise RuntimeError(f"the fake did not start: {line!r}")
        yield line.split(" ", 1)[1]
    finally:
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.terminate()
            await proc.wait()


def make_bot(base_url: str, pool: int) -> Bot:
    return Bot(
        TOKEN,
        base_url=base_url,
        request=HTTPXRequest(connection_pool_size=pool, read_timeout=30, pool_timeout=30),
    )


def recipients(count: int, prefix: str, offset: int = 0) -> Iterator[NewMessage]:
    now = datetime.now(UTC)
    for i in range(count):
        yield NewMessage(
            key=f"{prefix}:{i}",
            chat_id=FIRST_USER + offset + i,
            participant_id=None,
            kind="bench",
            text=TEXT,
            buttons=[[("Hadir", f"rsvp:y:{i}"), ("Izin", f"rsvp:n:{i}")]],
            not_before=now,
        )


def settings(rate: float, per_chat: float) -> OutboxSettings:
    return OutboxSettings(
        rate_per_second=rate, per_chat_interval=per_chat, max_attempts=6, batch_size=200
    )


async def drain(sender: OutboxSender, db: Database) -> int:
    sent = 0
    while True:
        sent += await sender.drain_once()
        if await db.next_due_at() is None:
            return sent


# ---------------------------------------------------------------------------------- parts


async def ours_once(
    bot: Bot, db_path: Path, count: int, concurrency: int, prefix: str
) -> tuple[float, float, int]:
    """One round of ours: enqueue and drain ``count``; (seconds in all, enqueue s, sent)."""
    db = await Database.open(db_path)
    try:
        started = time.perf_counter()
        await db.enqueue(recipients(count, prefix), datetime.now(UTC))
        enqueued = time.perf_counter()
        sender = OutboxSender(db, bot, settings(0, 0), SystemClock(), concurrency=concurrency)
        sent = await drain(sender, db)
        done = time.perf_counter()
    finally:
        await db.close()
    return done - started, enqueued - started, sent


async def bare_once(bot: Bot, count: int, concurrency: int) -> tuple[float, int]:
    """One round of a bare PTB loop sending the same messages; (seconds, sent)."""
    chats = iter(range(count))
    sent = 0

    async def worker() -> None:
        nonlocal sent
        for i in chats:  # the same text and buttons, as the outbox sends them
            markup = markup_of(((("Hadir", f"rsvp:y:{i}"), ("Izin", f"rsvp:n:{i}")),))
            await bot.send_message(FIRST_USER + i, TEXT, parse_mode="HTML", reply_markup=markup)
            sent += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, sent


async def part_raw(
    base_url: str, count: int, concurrency: int, folder: Path, rounds: int
) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    """(a) outbox vs bare PTB, limits off, same concurrency, in alternating rounds (ours,
    bare, ours, bare, ...) so a change in the machine's load hits both sides alike; the
    ratio is worked out per round (each with its neighbour) and reported as the median
    with its minimum and maximum."""
    bot = make_bot(base_url, concurrency + 4)
    ours: list[float] = []
    bare: list[float] = []
    ratios: list[float] = []
    enqueue: list[float] = []
    sent_ours = sent_bare = 0
    async with bot:
        # An untimed round of each side first: the first round in a process pays for
        # opening connections and for first-time code paths, and it would be ours.
        warmup = min(count, WARMUP)
        await ours_once(bot, folder / "warmup.db", warmup, concurrency, "warmup")
        await bare_once(bot, warmup, concurrency)
        for r in range(rounds):
            seconds, enqueue_s, sent = await ours_once(
                bot, folder / f"raw-{r}.db", count, concurrency, f"raw{r}"
            )
            sent_ours += sent
            bare_s, sent = await bare_once(bot, count, concurrency)
            sent_bare += sent
            ours.append(count / seconds)
            bare.append(count / bare_s)
            enqueue.append(enqueue_s)
            ratios.append(ours[-1] / bare[-1])
            print(f"    round {r + 1}: ours {ours[-1]:.0f}/s, bare {bare[-1]:.0f}/s", flush=True)
    figures = {
        **spread("raw_msgs_per_s", ours, 1),
        **spread("bare_ptb_msgs_per_s", bare, 1),
        **spread("ratio_vs_bare", ratios, 3),
        "raw_enqueue_s": round(statistics.median(enqueue), 3),
        "raw_rounds": rounds,
        "raw_recipients": count,
    }
    work = {
        "raw_sent": (sent_ours, rounds * count),
        "bare_sent": (sent_bare, rounds * count),
    }
    return figures, work


async def part_limited(
    base_url: str, limit: float, seconds: float, concurrency: int, folder: Path
) -> dict[str, Any]:
    """(b) the rate achieved with the limit on, against a fake with flood limits on."""
    db = await Database.open(folder / "limited.db")
    count = int(limit * seconds)
    bot = make_bot(base_url, concurrency + 4)
    async with bot:
        await db.enqueue(recipients(count, "lim"), datetime.now(UTC))
        sender = OutboxSender(
            db, bot, settings(limit, 1.0), SystemClock(), concurrency=concurrency
        )
        started = time.perf_counter()
        sent = await drain(sender, db)
        elapsed = time.perf_counter() - started
    await db.close()
    return {
        "limit": limit,
        "limited_sent": sent,
        "limited_expected": count,
        "limited_rate": round(sent / elapsed, 2),
        "limited_seconds": round(elapsed, 2),
        "limited_429s": sender.stats.pauses,
    }


async def part_replies(
    base_url: str,
    count: int,
    concurrency: int,
    folder: Path,
    *,
    rate: float = 0.0,
    seconds: float | None = None,
) -> dict[str, Any]:
    """(c) interactive replies while a fan-out drains in the background, sharing the bot,
    its HTTP pool and the database with it, as in the application. With ``rate=0`` until
    the fan-out is done; otherwise for ``seconds`` of a paced fan-out."""
    db = await Database.open(folder / f"replies-{rate:g}.db")
    bot = make_bot(base_url, 32)  # the application's pool size
    latencies: list[float] = []
    async with bot:
        await db.enqueue(recipients(count, "rep"), datetime.now(UTC))
        sender = OutboxSender(
            db, bot, settings(rate, 1.0 if rate else 0.0), SystemClock(), concurrency=concurrency
        )
        started = time.perf_counter()
        await sender.start()
        deadline = started + seconds if seconds is not None else None
        i = 0
        while True:
            if deadline is not None and time.perf_counter() >= deadline:
                break
            if deadline is None and sender.stats.sent >= count:
                break
            t0 = time.perf_counter()
            await db.participant_by_telegram(FIRST_USER + i)  # what a handler looks up
            await bot.send_message(FIRST_USER + i, "Balasan langsung", parse_mode="HTML")
            latencies.append(time.perf_counter() - t0)
            i += 1
            await asyncio.sleep(0.02)
        await sender.stop()
        elapsed = time.perf_counter() - started
    await db.close()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    return {
        "p95_s": round(p95, 4),
        "median_s": round(statistics.median(latencies), 4) if latencies else 0.0,
        "samples": len(latencies),
        "fanout_sent": sender.stats.sent,
        "fanout_msgs_per_s": round(sender.stats.sent / elapsed, 1),
    }


async def memory_child(base_url: str, count: int, concurrency: int) -> dict[str, Any]:
    """(d) child process: enqueue and drain ``count`` recipients, report peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "memory.db")
        bot = make_bot(base_url, concurrency + 4)
        async with bot:
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            await db.enqueue(recipients(count, "mem"), datetime.now(UTC))
            enqueued = time.perf_counter()
            sender = OutboxSender(db, bot, settings(0, 0), SystemClock(), concurrency=concurrency)
            sent = await drain(sender, db)
            done = time.perf_counter()
        await db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "peak_rss_mb": round(peak / 1024, 1),
        "baseline_rss_mb": round(baseline / 1024, 1),
        "recipients": count,
        "memory_sent": sent,
        "memory_enqueue_s": round(enqueued - started, 2),
        "memory_drain_msgs_per_s": round(sent / (done - enqueued), 1),
    }


async def part_memory(base_url: str, count: int, concurrency: int) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fanout",
        "memory",
        "--base-url",
        base_url,
        "--recipients",
        str(count),
        "--concurrency",
        str(concurrency),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed with {proc.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------------------- the run


async def main(args: argparse.Namespace) -> int:
    if args.command == "serve":
        await serve(args.users, args.flood_limit)
        return 0
    if args.command == "memory":
        print(json.dumps(await memory_child(args.base_url, args.recipients, args.concurrency)))
        return 0

    load = load_average()
    seconds = 5.0 if args.quick else 30.0
    limit = 30.0
    figures: dict[str, Any] = {"concurrency": args.concurrency}
    work: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with fake_server(max(args.recipients, args.big)) as base_url:
            print(
                f"(a) {args.recipients} recipients, limits off, {args.rounds} rounds each ...",
                flush=True,
            )
            raw, raw_work = await part_raw(
                base_url, args.recipients, args.concurrency, folder, args.rounds
            )
            figures.update(raw)
            work.update(raw_work)
            print(f"    {raw}", flush=True)
            print(f"(c) replies during a {args.recipients}-recipient fan-out ...", flush=True)
            unlimited = await part_replies(base_url, args.recipients, args.concurrency, folder)
            figures.update({f"reply_{k}": v for k, v in unlimited.items()})
            work["reply_fanout_sent"] = (unlimited["fanout_sent"], args.recipients)
            work["reply_samples"] = (unlimited["samples"], 20)
            print(f"    paced at 25/s for {seconds:.0f} s ...", flush=True)
            paced = await part_replies(
                base_url, args.recipients, args.concurrency, folder, rate=25, seconds=seconds
            )
            figures.update({f"reply_paced_{k}": v for k, v in paced.items()})
            work["reply_paced_samples"] = (paced["samples"], 20)
            if args.big:
                print(f"(d) peak memory, {args.big} recipients, in a child process ...")
                memory = await part_memory(base_url, args.big, args.concurrency)
                figures.update(memory)
                work["memory_sent"] = (memory["memory_sent"], args.big)
        async with fake_server(int(limit * seconds) + 10, flood_limit=True) as base_url:
            print(f"(b) limit {limit:.0f}/s for {seconds:.0f} s ...", flush=True)
            limited = await part_limited(base_url, limit, seconds, args.concurrency, folder)
            figures.update(limited)
            work["limited_sent"] = (limited["limited_sent"], limited["limited_expected"])
    first = ("raw_msgs_per_s", "bare_ptb_msgs_per_s", "ratio_vs_bare", "limit", "limited_rate")
    ordered = {key: figures.pop(key) for key in (*first, "reply_p95_s") if key in figures}
    return finish({**ordered, **figures}, work, load)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("command", nargs="?", default="run", choices=("run", "serve", "memory"))
    parser.add_argument("--quick", action="store_true", help="the 30/s part lasts 5 s")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="recipients for (d), 0: skip")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds for (a)")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--users", type=int, default=0, help="serve: users to create")
    parser.add_argument("--flood-limit", action="store_true", help="serve: 429 like Telegram")
    parser.add_argument("--base-url", default="", help="memory: the fake's base_url")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
