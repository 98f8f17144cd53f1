"""Issue 22: the guide goes out once per meeting time, also across a crash and restarts of
the real ``python -m bot run`` (against the HTTP fake Bot API, its clock started at a
chosen moment with ``P2K2_CLOCK_START``).

1. The process dies right after the guide's row is committed, before it is sent (the
   pinned crash point ``guide-queued``): the next process sends it, once.
2. A later process, whose tick finds a second meeting's guide due, sends that one and not
   the first again (the first meeting starts earlier, so a repeated guide would be queued,
   and sent, before the second one: seeing the second proves the tick looked at both).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.clock import CLOCK_START_ENV
from bot.crashpoints import ENV as CRASH_ENV
from bot.crashpoints import EXIT_STATUS
from db import Database
from db.connection import to_db
from fakeapi import FakeBotAPI, FakeBotAPIServer
from tests.support.backend import query_rows, write_row
from tests.support.e2e import TOKEN, USERNAME, E2EBot, start_bot, stop_process, write_config

DUE = datetime(2026, 12, 4, 3, 0, 5, tzinfo=UTC)  # Friday 10.00.05 WIB
SATURDAY = "2026-12-05T02:00:00+00:00"  # 09.00 WIB


async def seed(database: Path | str, facilitator_chat: int) -> None:
    db = await Database.open(database)
    try:
        stamp = to_db(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
        async with db.tx() as conn:
            await conn.execute(
                "INSERT INTO facilitators (id, telegram_id, name, created_at) VALUES (1, ?, ?, ?)",
                (facilitator_chat, "Rina Wati", stamp),
            )
            for group, name in ((1, "Mawar"), (2, "Melati")):
                await conn.execute(
                    "INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code,"
                    " created_at) VALUES (?, 1, ?, 'Asia/Jakarta', 'Balai Desa', ?, ?)",
                    (group, name, f"code{group}", stamp),
                )
            await conn.execute(
                "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at,"
                " updated_at, next_reminder_at) VALUES (1, ?, 'Balai Desa', 'sesi-01', ?, ?, ?)",
                (SATURDAY, stamp, stamp, stamp),
            )
    finally:
        await db.close()


def guides(database: Path | str) -> list[tuple[str, str]]:
    return [
        (str(key), str(status))
        for key, status in query_rows(
            database, "SELECT key, status FROM outbox WHERE kind = 'coach_guide' ORDER BY id"
        )
    ]


async def test_the_guide_goes_out_once_across_a_crash_and_restarts(tmp_path: Path) -> None:
    fake = FakeBotAPI(token=TOKEN, username=USERNAME)
    rina = fake.add_user("Rina")
    title = "Panduan sesi"

    def guide_texts() -> list[str]:
        return [
            str(m.get("text", "")) for m in fake.sent_by_bot(rina) if title in m.get("text", "")
        ]

    async with FakeBotAPIServer(fake) as server:
        config, database = write_config(tmp_path, server, {"schedule": {"reminder_offsets": []}})
        await seed(database, rina.id)
        clock = {CLOCK_START_ENV: DUE.isoformat()}

        first = await start_bot(
            config, tmp_path / "bot1.log", {**clock, CRASH_ENV: "guide-queued"}
        )
        assert await first.wait() == EXIT_STATUS
        assert guides(database) == [("guide:1:v1", "queued")]
        assert guide_texts() == []

        second = await start_bot(config, tmp_path / "bot2.log", clock)
        e = E2EBot(fake, server, second, config, database, tmp_path / "bot2.log")
        try:
            await e.wait_until(lambda: len(guide_texts()) == 1, "the guide after the crash")
        finally:
            assert await stop_process(second) == 0, e.log_tail()
        assert guides(database) == [("guide:1:v1", "sent")]
        assert "Menjadi Orang Tua yang Lebih Baik" in guide_texts()[0]

        # A second meeting tomorrow, scheduled now: its guide is due at once.
        write_row(
            database,
            "INSERT INTO meetings (group_id, starts_at, place, session_id, created_at,"
            " updated_at, next_reminder_at) VALUES (2, ?, 'Balai Desa', 'sesi-02', ?, ?, ?)",
            SATURDAY.replace("02:00", "03:00"),
            to_db(DUE),
            to_db(DUE),
            to_db(DUE),
        )
        third = await start_bot(config, tmp_path / "bot3.log", clock)
        e = E2EBot(fake, server, third, config, database, tmp_path / "bot3.log")
        try:
            await e.wait_until(
                lambda: any("Memahami Perkembangan" in t for t in guide_texts()),
                "the second meeting's guide",
            )
        finally:
            assert await stop_process(third) == 0, e.log_tail()
        texts = guide_texts()
        assert len(texts) == 2
        assert sum("Menjadi Orang Tua" in t for t in texts) == 1
        assert [status for _, status in guides(database)] == ["sent", "sent"]
        for log in ("bot2.log", "bot3.log"):
            assert "Traceback" not in (tmp_path / log).read_text(encoding="utf-8")
