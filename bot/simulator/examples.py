"""Examples of the facilitator's forms, made from the simulator's demo data (README,
"Forms a facilitator files").

Run by hand::

    .venv/bin/python -m bot.simulator.examples --out docs/examples

Starts the simulator without its web page on Monday 30 November 2026, 08.00 WIB, lives
three months of both demo groups' meetings through the bot (most mothers check in with the
code, some answer the session's quiz; the others are marked by the close), confirms the
knowledge levels of one meeting of the last month with the facilitator's buttons, then
rates three mothers for the semester form with her buttons, asks the bot for her workbook
of that month, the Daftar Hadir of that meeting and the chart, and runs
``python -m bot report`` for the sub-district recap. Writes ``daftar-hadir.pdf`` and
``grafik-kehadiran.png`` to ``--out`` and prints the README's tables (Markdown).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from bot.simulator.core import ClockAction, Simulator
from fakeapi import FakeUser
from handlers import forms, materi, reports

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 08.00 WIB
WAIT = 20.0
MEETINGS = 6  # three months of both groups' monthly meetings
ABSENT_EVERY = 4  # every fourth mother does not come (which one changes by turn)
QUIZ = ("CCC", "CCW", "CWW", "")  # her answers to the session's quiz, by turn (C correct)

JSON = dict[str, Any]


async def _until(what: str, found: Callable[[], Any]) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while loop.time() < deadline:
        value = found()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def _last_id(sim: Simulator, user: FakeUser) -> int:
    sent = sim.fake.sent_by_bot(user)
    return int(sent[-1]["message_id"]) if sent else 0


async def _say(sim: Simulator, user: FakeUser, text: str) -> JSON:
    before = _last_id(sim, user)
    sim.send_text(user.id, text)
    found: JSON = await _until(
        f"an answer to {text!r}",
        lambda: next((m for m in sim.fake.sent_by_bot(user) if m["message_id"] > before), None),
    )
    return found


async def _press(sim: Simulator, user: FakeUser, data: str) -> None:
    """Press ``data`` under her latest message (the button is there, or it is a press of
    a button shown earlier) and wait until the bot answered it."""
    message = sim.fake.last_message(user)
    assert message is not None
    update = sim.fake.press_button(user, message["message_id"], data, forge=True)
    query = str(update["callback_query"]["id"])
    await _until(
        f"the answer to {data!r}",
        lambda: any(
            c.method == "answerCallbackQuery" and str(c.params.get("callback_query_id")) == query
            for c in list(sim.fake.calls)
        ),
    )


def _buttons(message: JSON) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def _document(sim: Simulator, user: FakeUser, data: str, kind: str) -> bytes:
    before = len([m for m in sim.fake.sent_by_bot(user) if kind in m])
    await _press(sim, user, data)
    sent: list[JSON] = await _until(
        f"the {kind} of {data!r}",
        lambda: [m for m in sim.fake.sent_by_bot(user) if kind in m][before:],
    )
    found = sent[-1][kind]
    file_id = found[-1]["file_id"] if isinstance(found, list) else found["file_id"]
    return sim.fake.file(file_id).data


async def _live_meeting(sim: Simulator, turn: int) -> int:
    """The next meeting's check-in window, the mothers' check-ins and quizzes, the close."""
    await sim.advance(ClockAction.MEETING)
    services = sim.services
    world = sim.world
    assert world is not None
    opened = None
    for group in world.groups:
        for m in await services.db.markable_meetings(
            [group.id], START, sim.clock.now() + timedelta(days=1)
        ):
            if m.checkin_code and m.finalized_at is None:
                opened = m
    assert opened is not None and opened.checkin_code is not None
    meeting = opened.meeting
    code = await services.attendance.current_code(meeting.id, sim.clock.now())
    assert code is not None
    members = await services.db.members(meeting.group_id)
    for n, member in enumerate(m for m in members if m.telegram_id is not None):
        user = sim.user(int(member.telegram_id or 0))
        if (n + turn) % ABSENT_EVERY == ABSENT_EVERY - 1:
            continue
        await _say(sim, user, "/hadir")
        await _say(sim, user, code)
        session = services.content.session(meeting.session_id)
        answers = QUIZ[(n + turn) % len(QUIZ)]
        if session is not None:
            score = 0
            for q, (question, mark) in enumerate(zip(session.quiz, answers, strict=False)):
                chosen = (
                    question.answer
                    if mark == "C"
                    else (question.answer + 1) % len(question.options)
                )
                await _press(sim, user, materi.answer.data(session.id, q, chosen, score))
                score += mark == "C"
    await sim.advance(ClockAction.AFTER_MEETING)
    return meeting.id


def _table(rows: Sequence[Sequence[object]]) -> str:
    def cell(v: object) -> str:
        text = "" if v is None else f"{v:.0%}" if isinstance(v, float) else str(v)
        return text.replace("\n", " ").replace("|", "/")

    head, *body = rows
    lines = ["| " + " | ".join(cell(v) for v in head) + " |"]
    lines.append("|" + "---|" * len(head))
    lines.extend("| " + " | ".join(cell(v) for v in r) + " |" for r in body)
    return "\n".join(lines)


def _rows(sheet: Any, first: int, width: int, limit: int = 40) -> list[list[object]]:
    found = []
    for row in sheet.iter_rows(min_row=first, values_only=True):
        if any(v is not None for v in row):
            found.append(list(row[:width]))
    return found[:limit]


async def build(out: Path) -> str:
    from bot.__main__ import report_command

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sim = Simulator(Path(tmp) / "sim", start=START, tick_seconds=600.0, serve=False)
        async with sim:
            world = sim.world
            assert world is not None
            fac = world.facilitator
            held = [await _live_meeting(sim, turn) for turn in range(MEETINGS)]
            first = held[-2]  # the last month's meeting of one group
            # The facilitator confirms the proposed levels of the first meeting.
            await _press(sim, fac, forms.level_screen.data(first, 0))
            screen = sim.fake.last_message(fac)
            assert screen is not None
            confirm = next(d for _, d in _buttons(screen) if d.startswith("lva:"))
            await _press(sim, fac, confirm)
            # ... and rates three mothers of that group for the semester form.
            meeting = await sim.services.db.meeting(first)
            assert meeting is not None
            members = await sim.services.db.members(meeting.group_id)
            for n, member in enumerate(members[:3]):
                for aspect in (0, 1):
                    data = forms.semester_set.data(
                        meeting.group_id, member.id, aspect, (n + aspect) % 3, 0
                    )
                    await _press(sim, fac, data)
            local = sim.clock.now()
            code = f"{local.year:04d}{local.month:02d}"
            book_bytes = await _document(sim, fac, reports.export_xlsx.data(code), "document")
            (out / "daftar-hadir.pdf").write_bytes(
                await _document(sim, fac, forms.attendance_sheet.data(first), "document")
            )
            (out / "grafik-kehadiran.png").write_bytes(await _document(sim, fac, "repg", "photo"))
            assert sim.settings is not None
            folder = Path(tmp) / "laporan"
            await report_command(
                sim.settings, f"{local.year:04d}-{local.month:02d}", folder, io.StringIO()
            )
            recap_book = openpyxl.load_workbook(
                folder / f"rekap-kecamatan-{local.year:04d}-{local.month:02d}.xlsx"
            )
    book = openpyxl.load_workbook(io.BytesIO(book_bytes))
    parts = []
    block = _rows(book["Per anggota"], 6, 8)
    block = block[: next((i for i, r in enumerate(block) if r[1] is None), len(block))]
    parts.append("Per anggota (member x meeting):\n\n" + _table(block))
    name = next(n for n in book.sheetnames if n.startswith("Pemantauan ") and "Semester" not in n)
    rows = _rows(book[name], 1, 5, 16)
    header = [f"{r[0]}: {r[2]}" for r in rows[1:6]]
    parts.append(
        f"{name}:\n\n" + "  \n".join(header) + "\n\n" + _table([r for r in rows[6:] if r[1]])
    )
    semester = book["Pemantauan Semester"]
    parts.append("Pemantauan semester:\n\n" + _table(_rows(semester, 4, 5, 5)))
    recap = recap_book.active
    assert recap is not None
    parts.append("Rekap kecamatan:\n\n" + _table(_rows(recap, 3, 17, 5)))
    return "\n\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.simulator.examples")
    parser.add_argument("--out", type=Path, default=Path("docs/examples"))
    args = parser.parse_args(argv)
    sys.stdout.write(asyncio.run(build(args.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
