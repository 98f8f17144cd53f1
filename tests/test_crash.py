"""Issue 7, point 4: ``kill -9`` the real bot process in the middle of the work, restart it.

Both scenarios run the real ``python -m bot run`` process against the HTTP fake Bot API
(:class:`~fakeapi.FakeBotAPIServer` on the test's loop). The database is seeded directly
(``db.bulk.BulkLoader`` and ``Database.enqueue``) before the first start, with the Telegram ids
of users the fake knows. The process is killed with ``SIGKILL`` (no clean-up at all: no
flush, no ``release``, no ``getUpdates`` confirmation) at a moment chosen by watching the
fake's counters, then started again on the same database.

1. Fan-out (:func:`test_fanout_survives_two_kills`): 2,000 queued outbox rows, one per
   member, sent with the limits off (``rate_per_second = 0``, ``per_chat_interval = 0``: the
   sender's fastest mode, where it records deliveries in batches, so the worst case for
   repeats). Killed at ~30 % and again at ~65 % of the recipients served; after the last
   restart every recipient has the message and every row is ``sent``.

   The bound on repeats. A message is repeated only if the fake got it but its row was
   still ``sending`` at the kill (requeued at the next start by ``requeue_sending``). The
   sender has at most ``DEFAULT_CONCURRENCY`` (8) requests on the wire and records
   deliveries in batches of ``FLUSH_SIZE`` (32) or after ``FLUSH_AFTER`` (0.1 s), in the
   background; a worker waits for the write once ``UNRECORDED_MAX`` (64) are unrecorded,
   and the other requests on the wire may finish meanwhile (8 in all), while up to 8 more
   may have reached the fake without their answer being back; so at any moment at most
   ``UNRECORDED_MAX + 2 * DEFAULT_CONCURRENCY`` (80) messages the fake got are not yet
   recorded.
   Asserted: duplicates <= 80 per crash, no recipient gets more than one repeat per crash,
   and every repeated recipient had her row ``sending`` at a kill.

2. Check-in burst (:func:`test_checkin_burst_survives_kill`): 240 members of 8 groups, each
   group with a meeting whose check-in window is open (written into SQLite with its code,
   as ``test_e2e_attendance.py`` does). Half of them send ``/hadir <code>``, the other half
   ``/hadir`` and then the code, all at once. The bot is killed once ~40 % have been
   acknowledged. Asserted at the kill, before any restart: every member who got the
   "…sudah tercatat…" reply has a ``present`` row (the check-in is written before the
   reply). After the restart the bot gets again the updates it had fetched but not
   confirmed (like Telegram): the bot confirms an update only once it is handled and its
   id is in the database (``bot/polling.py``), so no update was confirmed unhandled, none
   is lost, the ones already handled are not handled twice, and nobody has to check in
   again; everyone is present, exactly once, and no right code was counted as wrong.
   Updates of different chats are handled concurrently, so several may be half-way at the
   kill: one whose check-in was written but whose confirmation was still on the wire is
   handled again after the restart. If it was the code of a two-step ``/hadir`` whose
   dialogue was already closed, the code alone still answers "already recorded" (a bare
   code counts while her window is open), so she is told without doing anything.
   (python-telegram-bot's own ``Updater`` confirms a batch as soon as it is queued in
   memory; with it, this kill lost about 60 % of the burst.)

Each test prints one ``CRASH ...`` summary line (run with ``-s``) and stores its figures in
:data:`FIGURES`; the last test prints them all.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bot.i18n import Catalog
from bot.outbox import DEFAULT_CONCURRENCY, UNRECORDED_MAX
from db import Database
from db.outbox import NewMessage
from fakeapi import FakeBotAPI, FakeBotAPIServer, parse_text
from tests.support.crash import QUIET, Member, Runs, add_open_meetings, query, seed, typed_code
from tests.support.e2e import (
    TOKEN,
    USERNAME,
    Config,
    write_config,
)

FANOUT = 2000
GROUP_SIZE = 25
CRASH_AT = (0.30, 0.65)
"""Fractions of the fan-out's recipients served at which the process is killed."""
DUPLICATE_BOUND = UNRECORDED_MAX + 2 * DEFAULT_CONCURRENCY
"""Most messages delivered but not yet recorded at one moment (see the module docstring)."""
CHECKIN_GROUPS = 8
CHECKIN_GROUP_SIZE = 30
CHECKIN_CRASH_AT = 0.40
TEXT = (
    "Pengumuman untuk Ibu <b>{name}</b>: pertemuan P2K2 berikutnya di Balai Desa. "
    "Mohon bawa buku catatan. Terima kasih."
)

FIGURES: dict[str, dict[str, int | float]] = {}
"""Figures of each scenario, for the README (printed by the last test)."""


# ------------------------------------------------------------------------------ helpers


async def enqueue_fanout(database: Path | str, members: Iterable[Member], now: datetime) -> int:
    db = await Database.open(database)
    try:
        return await db.enqueue(
            (
                NewMessage(
                    key=f"announcement:crash:{m.participant_id}",
                    chat_id=m.user.id,
                    participant_id=m.participant_id,
                    kind="announcement",
                    text=TEXT.format(name=f"Ibu {m.participant_id}"),
                    buttons=None,
                    not_before=now,
                )
                for m in members
            ),
            now,
        )
    finally:
        await db.close()


def assert_clean_logs(runs: Runs) -> None:
    for number, text in enumerate(runs.log_texts(), start=1):
        assert "Traceback" not in text and " ERROR " not in text, f"run {number}:\n{text}"


def summary(name: str, figures: dict[str, int | float]) -> str:
    FIGURES[name] = figures
    return f"CRASH {name}: " + ", ".join(f"{key}={value}" for key, value in figures.items())


# ----------------------------------------------------------------------- 1. the fan-out


async def test_fanout_survives_two_kills(tmp_path: Path) -> None:
    started = time.perf_counter()
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME, keep_messages=False)
    overrides: Config = {**QUIET, "outbox": {"rate_per_second": 0, "per_chat_interval": 0}}
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, overrides)
        _, members = await seed(database, fake, FANOUT // GROUP_SIZE, GROUP_SIZE, now)
        assert await enqueue_fanout(database, members, now) == FANOUT
        chats = [m.user.id for m in members]
        counts = fake.sent_by_chat

        def served() -> int:
            return sum(1 for chat in chats if counts[chat] > 0)

        runs = Runs(fake, config, tmp_path)
        at_kill: list[dict[str, int]] = []
        sending_chats: set[int] = set()
        try:
            for fraction in CRASH_AT:
                target = int(FANOUT * fraction)
                await runs.start()

                def reached(target: int = target) -> bool:
                    return served() >= target

                await runs.wait(reached, f"{target} recipients served")
                await runs.kill()
                # Dead: what the fake has now is all it got from this run.
                served_now = served()
                sending = query(database, "SELECT chat_id FROM outbox WHERE status = 'sending'")
                sending_now = {int(chat) for (chat,) in sending}
                unrecorded = sum(1 for chat in sending_now if counts[chat] > 0)
                sending_chats |= sending_now
                at_kill.append(
                    {"served": served_now, "sending": len(sending_now), "unrecorded": unrecorded}
                )
                assert served_now < FANOUT, "the kill came after the fan-out: nothing tested"
                assert unrecorded <= DUPLICATE_BOUND, at_kill
            await runs.start()
            await runs.wait(lambda: served() == FANOUT, f"all {FANOUT} recipients served")
            assert await runs.stop() == 0, runs.log_tail()
        finally:
            await runs.stop()

    statuses = dict(query(database, "SELECT status, count(*) FROM outbox GROUP BY status"))
    assert statuses == {"sent": FANOUT}, statuses
    missing = [chat for chat in chats if counts[chat] == 0]
    assert not missing, f"{len(missing)} recipients never got the message"
    crashes = len(CRASH_AT)
    repeated = {chat: counts[chat] - 1 for chat in chats if counts[chat] > 1}
    duplicates = sum(repeated.values())
    assert max(repeated.values(), default=0) <= crashes, "more than one repeat per crash"
    assert set(repeated) <= sending_chats, "a repeat of a message that was not in flight"
    assert duplicates <= crashes * DUPLICATE_BOUND, (duplicates, at_kill)
    # What was delivered but unrecorded at a kill does go out again (the row was requeued).
    # Not "==": a request already in the fake's socket buffer at the kill may be counted
    # just after the snapshot.
    assert duplicates >= sum(k["unrecorded"] for k in at_kill), (duplicates, at_kill)
    assert sum(counts[chat] for chat in chats) == FANOUT + duplicates
    assert_clean_logs(runs)
    figures: dict[str, int | float] = {
        "messages": FANOUT,
        "crashes": crashes,
        "delivered": sum(1 for chat in chats if counts[chat] > 0),
        "duplicates": duplicates,
        "bound_per_crash": DUPLICATE_BOUND,
        "seconds": round(time.perf_counter() - started, 1),
    }
    for number, kill in enumerate(at_kill, start=1):
        figures[f"served_at_kill{number}"] = kill["served"]
        figures[f"sending_at_kill{number}"] = kill["sending"]
        figures[f"unrecorded_at_kill{number}"] = kill["unrecorded"]
    print("\n" + summary("fanout", figures))


async def test_paced_fanout_repeats_at_most_the_message_in_flight(tmp_path: Path) -> None:
    """With the default pacing (25 messages a second), each outcome is written before the
    sender waits for its next slot, so a kill repeats at most the one message that was on
    the wire."""
    count = 250
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME, keep_messages=False)
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, QUIET)  # [outbox] defaults
        _, members = await seed(database, fake, count // GROUP_SIZE, GROUP_SIZE, now)
        assert await enqueue_fanout(database, members, now) == count
        chats = [m.user.id for m in members]
        counts = fake.sent_by_chat

        def served() -> int:
            return sum(1 for chat in chats if counts[chat] > 0)

        runs = Runs(fake, config, tmp_path)
        try:
            await runs.start()
            await runs.wait(lambda: served() >= count * 2 // 5, "40 % of the recipients")
            await runs.kill()
            served_at_kill = served()
            assert served_at_kill < count
            await runs.start()
            await runs.wait(lambda: served() == count, f"all {count} recipients served")
            assert await runs.stop() == 0, runs.log_tail()
        finally:
            await runs.stop()
    duplicates = sum(counts[chat] - 1 for chat in chats if counts[chat] > 1)
    assert duplicates <= 1, duplicates
    assert query(database, "SELECT status, count(*) FROM outbox GROUP BY status") == [
        ("sent", count)
    ]
    assert_clean_logs(runs)
    FIGURES["paced_fanout"] = {
        "messages": count,
        "crashes": 1,
        "served_at_kill": served_at_kill,
        "duplicates": duplicates,
    }
    print("\n" + summary("paced_fanout", FIGURES["paced_fanout"]))


# ------------------------------------------------------------------ 2. the check-in burst


def acknowledgment_markers() -> tuple[str, str]:
    """The fixed parts of the two replies that say "your check-in is recorded": the end
    of ``attendance.checkin_ok`` (after the meeting's date) and ``attendance.already``."""
    catalog = Catalog.load()
    mark = "\u2042"

    def plain(key: str, **values: str) -> str:
        return parse_text(catalog.t(key, **values), "HTML")[0].strip()

    ok = plain("attendance.checkin_ok", name=mark, when=mark).split(mark)[-1].strip()
    already = plain("attendance.already")
    assert "tercatat" in ok and "tercatat" in already, (ok, already)
    return ok, already


async def test_checkin_burst_survives_kill(tmp_path: Path) -> None:
    started = time.perf_counter()
    now = datetime.now(UTC)
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    overrides: Config = {
        **QUIET,
        "attendance": {
            "open_before": "1d",
            "meeting_length": "0m",
            "close_after": "0m",
            "code_every": "0m",
        },
    }
    ok_marker, already_marker = acknowledgment_markers()
    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, overrides)
        rina, members = await seed(
            database, fake, CHECKIN_GROUPS, CHECKIN_GROUP_SIZE, now, phones=True
        )
        await add_open_meetings(database, CHECKIN_GROUPS, now)

        def acknowledged() -> set[int]:
            """Participants who were told their check-in is recorded."""
            found: set[int] = set()
            for m in members:
                for message in fake.sent_by_bot(m.user):
                    text = str(message.get("text", ""))
                    if ok_marker in text or already_marker in text:
                        found.add(m.participant_id)
                        break
            return found

        def present() -> set[int]:
            rows = query(
                database,
                "SELECT participant_id FROM attendance WHERE status = 'present'"
                " AND source = 'self'",
            )
            return {int(pid) for (pid,) in rows}

        runs = Runs(fake, config, tmp_path)
        try:
            await runs.start()
            await runs.wait_ready()
            # The burst: everyone at once, in a shuffled order; half in one message.
            order = list(members)
            random.Random(7).shuffle(order)
            for index, m in enumerate(order):
                code = typed_code(m.group_id)
                if index % 2:
                    fake.send_text(m.user, f"/hadir {code}")
                else:
                    fake.send_text(m.user, "/hadir")
                    fake.send_text(m.user, code)
            updates = len(fake.pending_updates)
            target = int(len(members) * CHECKIN_CRASH_AT)
            await runs.wait(lambda: len(acknowledged()) >= target, f"{target} acknowledgments")
            await runs.kill()
            acked_at_kill = acknowledged()
            recorded_at_kill = present()
            pending_at_kill = len(fake.pending_updates)
            # One reply per handled update here (ask for the code, or recorded). Updates no
            # longer pending at the fake were confirmed by the bot's getUpdates offset.
            replies_at_kill = sum(len(fake.sent_by_bot(m.user)) for m in members)
            confirmed_unhandled = updates - pending_at_kill - replies_at_kill
            assert len(acked_at_kill) < len(members), "the kill came after the burst"
            missing = acked_at_kill - recorded_at_kill
            assert not missing, f"acknowledged but not in the database: {sorted(missing)}"

            # Restart; the facilitator's /bantuan goes after everything still pending.
            # Updates of different chats are handled concurrently, so its answer alone says
            # nothing of the others; but an update is confirmed only once it is handled and
            # recorded, so nothing pending at the fake means every update was handled.
            help_after = len(fake.sent_by_bot(rina))
            fake.send_text(rina, "/bantuan")
            await runs.start()
            await runs.wait(
                lambda: len(fake.sent_by_bot(rina)) > help_after and not fake.pending_updates,
                "the answer to /bantuan and every update confirmed",
            )
            acked_after_restart = acknowledged()
            lost = [m for m in members if m.participant_id not in acked_after_restart]
            # Those never acknowledged (their update was confirmed but not handled before the
            # kill) simply check in again.
            for m in lost:
                fake.send_text(m.user, f"/hadir {typed_code(m.group_id)}")
            await runs.wait(
                lambda: len(acknowledged()) == len(members), "every member acknowledged"
            )
            assert await runs.stop() == 0, runs.log_tail()
        finally:
            await runs.stop()

    recorded = present()
    assert recorded == {m.participant_id for m in members}
    rows = query(database, "SELECT status, source, count(*) FROM attendance GROUP BY 1, 2")
    assert rows == [("present", "self", len(members))], rows
    wrong = int(query(database, "SELECT coalesce(sum(wrong), 0) FROM checkin_attempts")[0][0])
    assert wrong == 0, "a right code was counted as wrong"
    assert_clean_logs(runs)
    figures: dict[str, int | float] = {
        "members": len(members),
        "updates": updates,
        "crashes": 1,
        "acknowledged_at_kill": len(acked_at_kill),
        "recorded_at_kill": len(recorded_at_kill),
        "recorded_not_acknowledged_at_kill": len(recorded_at_kill - acked_at_kill),
        "pending_updates_at_kill": pending_at_kill,
        "replies_at_kill": replies_at_kill,
        "confirmed_unhandled_at_kill": confirmed_unhandled,
        "acknowledged_after_restart": len(acked_after_restart),
        "checked_in_again": len(lost),
        "recorded": len(recorded),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print("\n" + summary("checkin", figures))
    # Nothing was confirmed to Telegram before it was handled, so nothing was lost: those
    # asked again had their check-in written at the kill, only its confirmation was lost.
    assert confirmed_unhandled <= 0, figures
    assert not lost, figures


def test_zz_summary() -> None:
    """The figures of both scenarios, together (for the README)."""
    for name, figures in FIGURES.items():
        print(f"\nCRASH SUMMARY {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
