"""The coordinator's view (issue 22): ``python -m bot report`` adds, per facilitator, the
meetings held on schedule, the attendance trend, the self-check answers and the open
follow-ups, and ``python -m bot note`` sends her a note that comes with her next guide,
once. Every meeting here is made, moved, cancelled, attended and closed through the
handlers and the tick."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.__main__ import report_command
from bot.config import TOKEN_ENV
from db.coaching import GUIDE_KIND
from db.migrate import load_migrations, migrate, schema_version
from fakeapi import FakeUser
from tests.support.harness import (
    REPO,
    TOKEN,
    Harness,
    create_group,
    join,
    open_selfcheck,
    register_facilitator,
    schedule_once,
)
from tests.support.migrations import connect_for_test
from tests.support.sql import fetch


async def code(h: Harness, when: str) -> str:
    """The code a mother types now for the meeting that starts at ``when``."""
    rows = await fetch(h.db, "SELECT id FROM meetings WHERE starts_at = ? ORDER BY id", (when,))
    return await h.checkin_code(int(next(iter(rows))[0]))


async def check_in(h: Harness, mother: FakeUser, value: str) -> None:
    await h.send(mother, "/hadir")
    await h.send(mother, value)


async def hold(
    h: Harness, starts: str, opens: datetime, closes: datetime, who: list[FakeUser]
) -> None:
    """Open the check-in of the meeting starting at ``starts`` (UTC, as stored), let ``who``
    check in with the code, and close it."""
    h.clock.set(opens)
    await h.tick()
    value = await code(h, starts)
    for mother in who:
        await check_in(h, mother, value)
    h.clock.set(closes)
    await h.tick()


async def test_report_figures_per_facilitator(h: Harness, tmp_path: Path) -> None:
    rina = await register_facilitator(h, "Rina Wati")
    mawar = await create_group(h, rina, "Mawar", "WIB")
    await create_group(h, rina, "Melati", "WITA")
    siti, ani, dewi = [await join(h, mawar, name) for name in ("Siti", "Ani", "Dewi")]
    del dewi  # she misses every meeting
    yuni = await register_facilitator(h, "Yuni Astuti")
    del yuni

    # November: Mon 30/11 10.00 WIB, Siti and Ani come.
    await schedule_once(h, rina, "30/11 10.00", group="Mawar")
    await hold(
        h,
        "2026-11-30T03:00:00+00:00",
        datetime(2026, 11, 30, 3, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 5, 30, tzinfo=UTC),
        [siti, ani],
    )
    # December: Sat 5/12 at the planned time, Siti comes; her self-check.
    await schedule_once(h, rina, "5/12 09.00", group="Mawar")
    await schedule_once(h, rina, "12/12 09.00", group="Mawar")
    await schedule_once(h, rina, "28/12 09.00", group="Mawar")  # after the report's "now"
    await schedule_once(h, rina, "5/12 10.00", group="Melati")  # cancelled below
    await h.send(rina, "/jadwal")
    await h.press(rina, "Melati")
    await h.press(rina, "Batalkan")
    await h.press(rina, "Ya, batalkan")
    await h.send(rina, "/jadwal")
    await h.press(rina, "12 Des 2026")
    await h.press(rina, "Pindah jadwal")
    await h.send(rina, "14/12 09.00")
    await hold(
        h,
        "2026-12-05T02:00:00+00:00",
        datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
        datetime(2026, 12, 5, 4, 30, tzinfo=UTC),
        [siti],
    )
    await open_selfcheck(h, rina)
    await h.press(rina, h.t("coach.a_spoke_most"))
    await h.press(rina, h.t("coach.a_obstacle_time"))
    # Mon 14/12 (moved from 12/12), Siti comes; her self-check.
    await hold(
        h,
        "2026-12-14T02:00:00+00:00",
        datetime(2026, 12, 14, 2, 0, tzinfo=UTC),
        datetime(2026, 12, 14, 4, 30, tzinfo=UTC),
        [siti],
    )
    await open_selfcheck(h, rina)
    await h.press(rina, h.t("coach.a_worked_quiz"))

    now = datetime(2026, 12, 15, 6, 0, tzinfo=UTC)
    out = io.StringIO()
    assert await report_command(h.services.settings, "2026-12", tmp_path / "out", out, now) == 0
    text = out.getvalue()
    section = text[text.index("coaching, per facilitator:") :].splitlines()
    rows = await fetch(h.db, "SELECT count(*) FROM alerts WHERE status = 'open'")
    open_alerts = next(iter(rows))[0]
    assert open_alerts == 2  # Dewi (twice in a row), then Ani (5/12 and 14/12)
    rina_id, yuni_id = (f.telegram_id for f in await h.db.all_facilitators())
    assert section[1:6] == [
        f"- Rina Wati (Telegram id {rina_id}):",
        "  meetings: 3 due, 2 held (1 at the planned time, 1 moved), 1 cancelled,"
        " 0 not closed yet",
        "  attendance: 2026-10 -, 2026-11 67%, 2026-12 33%",
        "  self-check: 2 of 2 held meetings (spoke: most 1; worked: quiz 1; obstacle: time 1)",
        f"  open follow-ups: {open_alerts}",
    ]
    assert section[6:] == [
        f"- Yuni Astuti (Telegram id {yuni_id}):",
        "  meetings: 0 due, 0 held (0 at the planned time, 0 moved), 0 cancelled,"
        " 0 not closed yet",
        "  attendance: 2026-10 -, 2026-11 -, 2026-12 -",
        "  self-check: 0 of 0 held meetings",
        "  open follow-ups: 0",
    ]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", TOKEN_ENV: TOKEN, "PTB_TIMEDELTA": "1"},
        cwd=REPO,
        timeout=60,
        check=False,
    )


async def test_a_note_goes_with_the_next_guide_once(h: Harness) -> None:
    rina = await register_facilitator(h, "Rina Wati")
    await create_group(h, rina, "Mawar", "WIB")
    config = str(h.services.settings.config_path)
    done = await asyncio.to_thread(
        cli, "note", "--config", config, "--facilitator", "rina wati", "--text", "Bagus, Bu!"
    )
    assert done.returncode == 0, done.stderr
    assert "Rina Wati" in done.stdout
    for bad, field in (
        (("--facilitator", "Nobody", "--text", "x"), "--facilitator"),
        (("--facilitator", "Rina Wati", "--text", "  "), "--text"),
        (("--facilitator", "Rina Wati", "--text", "x" * 301), "--text"),
    ):
        result = await asyncio.to_thread(cli, "note", "--config", config, *bad)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert field in result.stderr
    by_id = await asyncio.to_thread(
        cli, "note", "--config", config, "--facilitator", str(rina.id), "--text", "Kedua."
    )
    assert by_id.returncode == 0, by_id.stderr

    note = h.t("coach.section_note", items="x").split("\n")[0]
    await schedule_once(h, rina, "5/12 09.00")
    await schedule_once(h, rina, "12/12 09.00")
    h.clock.set(datetime(2026, 12, 4, 3, 0, tzinfo=UTC))
    await h.tick()
    first = h.last_text(rina)
    assert note in first and "Bagus, Bu!" in first and "Kedua." in first
    h.clock.set(datetime(2026, 12, 11, 3, 0, tzinfo=UTC))
    await h.tick()
    second = h.last_text(rina)
    assert second != first and "Panduan" in second
    assert note not in second and "Bagus" not in second
    assert len(await h.outbox(GUIDE_KIND)) == 2


async def test_the_migration_keeps_existing_meetings(tmp_path: Path) -> None:
    migrations = load_migrations()
    ours = next(m for m in migrations if m.name.endswith("_coaching.sql"))
    conn = await connect_for_test(tmp_path / "old.db")
    try:
        await migrate(conn, target=ours.version - 1)
        await conn.execute(
            "INSERT INTO facilitators (id, telegram_id, name, created_at)"
            " VALUES (1, 111, 'Rina', '2026-11-01T00:00:00+00:00')"
        )
        await conn.execute(
            "INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code,"
            " created_at) VALUES (1, 1, 'Mawar', 'Asia/Jakarta', 'Balai', 'abc',"
            " '2026-11-01T00:00:00+00:00')"
        )
        await conn.execute(
            "INSERT INTO meetings (id, group_id, starts_at, place, session_id, status,"
            " created_at, updated_at) VALUES (1, 1, '2026-11-05T02:00:00+00:00', 'Balai',"
            " 'sesi-01', 'held', '2026-11-01T00:00:00+00:00', '2026-11-05T05:00:00+00:00')"
        )
        await conn.commit()
        assert await migrate(conn) == (ours.version - 1, len(migrations))
        assert await schema_version(conn) == len(migrations)
        rows = await conn.execute_fetchall("SELECT id, status FROM meetings")
        assert [tuple(r) for r in rows] == [(1, "held")]
        await conn.execute(
            "INSERT INTO coach_selfchecks (meeting_id, spoke, answered_at, updated_at)"
            " VALUES (1, 'most', '2026-11-05T06:00:00+00:00', '2026-11-05T06:00:00+00:00')"
        )
        await conn.execute(
            "INSERT INTO coach_notes (facilitator_id, text, created_at)"
            " VALUES (1, 'x', '2026-11-05T06:00:00+00:00')"
        )
        await conn.commit()
    finally:
        await conn.close()
