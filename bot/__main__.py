"""Command line: ``python -m bot run | migrate | check | invite-facilitator | report | note``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bot.cli_base import CliError, InstanceLock
from bot.clock import CLOCK_START_ENV, SystemClock, clock_from_env
from bot.codes import FACILITATOR_PREFIX, deep_link
from bot.config import TOKEN_ENV, ConfigError, Settings, load_settings
from bot.content import ContentError, load_library
from bot.crashpoints import crash_point
from bot.i18n import Catalog, CatalogError
from bot.logs import setup_logging
from bot.safety import HelpPhrases, PhrasesError
from bot.siks_form import load_siks_form
from db import Database, DatabaseTooNew, DatabaseUnavailable, MigrationError
from db.migrate import load_migrations
from db.move import MoveError

if TYPE_CHECKING:
    from collections.abc import Callable

    from openpyxl import Workbook

    from bot.content import Library
    from bot.reports import Reports
    from db.models import Facilitator

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="P2K2 companion bot for PKH family groups."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument(
            "--config", default="config.toml", type=Path, help="config file (default: %(default)s)"
        )
        return cmd

    add("run", "run the bot (polling or webhook, as configured)")
    add("migrate", "create or upgrade the database schema")
    add("check", "validate config, database and content, then exit")
    invite = add("invite-facilitator", "print a one-time invite link for a facilitator")
    invite.add_argument("--name", required=True, help="the facilitator's name")
    report = add(
        "report",
        "write the monthly CSV and XLSX of every facilitator, and a totals workbook",
    )
    report.add_argument("--month", required=True, help="the month, YYYY-MM")
    report.add_argument("--out", required=True, type=Path, help="folder to write the files to")
    note = add("note", "send a facilitator a short coaching note, shown with her next guide")
    note.add_argument(
        "--facilitator", required=True, help="her Telegram id, or her name as in her invite"
    )
    note.add_argument("--text", required=True, help="the note, at most 300 characters")
    move = sub.add_parser(
        "migrate-data",
        help="copy a SQLite database into PostgreSQL (resumable), then verify it",
        description="Copy every row of a SQLite database into a PostgreSQL one (migrated "
        "first), going on where a stopped run left off, then compare row counts and "
        "checksums of every table. Stop the bot on the SQLite file first.",
    )
    move.add_argument("--from", dest="source", required=True, type=Path, help="SQLite file")
    move.add_argument("--to", dest="target", required=True, help="postgresql:// URL")
    move.add_argument("--chunk", type=int, default=5000, help="rows per transaction")
    simulate = sub.add_parser(
        "simulate",
        help="try the bot without Telegram: a local simulator in the browser",
        description="Run the real bot against a built-in Bot API emulator with a demo "
        "database, and play it from a web page on 127.0.0.1.",
    )
    simulate.add_argument("--port", type=int, default=8080, help="(default: %(default)s)")
    simulate.add_argument("--workdir", type=Path, help="keep the demo files here")
    simulate.add_argument("--open", action="store_true", help="open the page in a browser")
    simulate.add_argument(
        "--start", type=start_date, help="the demo's first day, YYYY-MM-DD (default: today)"
    )
    return parser


def start_date(text: str) -> date:
    """``simulate --start``: a calendar day written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-07") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "simulate":
        from bot.simulator import run_simulator

        return run_simulator(
            port=args.port, workdir=args.workdir, open_browser=args.open, start=args.start
        )
    try:
        if args.command == "migrate-data":
            return asyncio.run(move_command(args.source, args.target, args.chunk, sys.stdout))
        settings = load_settings(args.config)
        if args.command == "run":
            return run(settings)
        if args.command == "migrate":
            return asyncio.run(migrate_command(settings, sys.stdout))
        if args.command == "check":
            return asyncio.run(check_command(settings, sys.stdout))
        if args.command == "invite-facilitator":
            return asyncio.run(invite_command(settings, args.name, sys.stdout))
        if args.command == "report":
            return asyncio.run(report_command(settings, args.month, args.out, sys.stdout))
        if args.command == "note":
            return asyncio.run(note_command(settings, args.facilitator, args.text, sys.stdout))
    except (
        ConfigError,
        ContentError,
        CatalogError,
        PhrasesError,
        CliError,
        MigrationError,
        DatabaseUnavailable,
        MoveError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1  # pragma: no cover - argparse requires a command


async def migrate_command(settings: Settings, out: IO[str]) -> int:
    db = await Database.open(settings.database_target, apply_migrations=False)
    try:
        before, after = await db.migrate()
    finally:
        await db.close()
    print(f"database {settings.database_label}: schema version {before} -> {after}", file=out)
    return 0


async def check_command(settings: Settings, out: IO[str]) -> int:
    catalog = Catalog.load()
    library = load_library(settings.content_dir)
    form = load_siks_form(settings.reports.forms_dir, library)
    HelpPhrases.load()
    from bot.formdefs import FORMS_DIR, check_forms

    problems = check_forms()
    if problems:
        raise CliError(problems[0])
    known = len(load_migrations())
    version = 0
    exists = settings.database_url is not None or settings.database.exists()
    if exists:
        db = await Database.open(settings.database_target, apply_migrations=False)
        try:
            version = await db.schema_version()
            if version > known:
                raise DatabaseTooNew(version, known)
            if not await db.integrity_ok():
                raise CliError(f"{settings.database_label}: integrity check failed")
        finally:
            await db.close()
    sessions = sum(len(m.sessions) for m in library.modules)
    print(f"config {settings.config_path}: ok", file=out)
    print(f"texts: {len(catalog.keys())} messages", file=out)
    print(f"content: {len(library.modules)} modules, {sessions} sessions", file=out)
    print(f"forms {FORMS_DIR}: ok", file=out)
    print(f"forms: SIKS-NG activity record, {len(form.materi)} Materi values", file=out)
    state = "not created yet" if not exists else f"schema {version}/{known}"
    if settings.database_url is not None:
        print(f"database PostgreSQL {settings.database_label}: connected, {state}", file=out)
    else:
        print(f"database SQLite {settings.database_label}: {state}", file=out)
    print(f"voice: {voice_status(settings)}", file=out)
    return 0


def voice_status(settings: Settings) -> str:
    """Whether synthesized voice notes work here (recordings go by file id regardless)."""
    if not settings.voice.enabled:
        return "off ([voice] enabled = false): text only, recordings still sent"
    from bot.voice import tts

    reason = tts.unavailable_reason()
    if reason is not None:
        return f"unavailable ({reason}): text only, recordings still sent"
    engine = tts.engine()
    assert engine is not None
    note = tts.encode_ogg_opus(engine.say("Selamat pagi.", tts.Tuning()), engine.sample_rate)
    return (
        f"available (eSpeak NG Indonesian, OGG/Opus {tts.OPUS_RATE} Hz mono,"
        f" {len(note)} bytes for a test phrase; cache {settings.voice.cache_dir})"
    )


async def _bot_username(settings: Settings) -> str:
    if settings.telegram.bot_username:
        return settings.telegram.bot_username
    from telegram import Bot
    from telegram.error import TelegramError

    token = settings.require_token()
    try:
        async with Bot(token.get(), base_url=settings.telegram.base_url) as bot:
            return bot.username
    except TelegramError as exc:
        raise CliError(
            f"could not ask Telegram for the bot's name ({exc}); "
            f"set [telegram] bot_username in {settings.config_path}"
        ) from None


async def invite_command(settings: Settings, name: str, out: IO[str]) -> int:
    from bot.onboarding import Onboarding

    username = await _bot_username(settings)
    db = await Database.open(settings.database_target)
    try:
        try:
            invite = await Onboarding(db, settings).invite_facilitator(name, SystemClock().now())
        except ValueError:
            raise CliError(f"--name: {name!r} is not a usable name (2-60 letters)") from None
    finally:
        await db.close()
    print(deep_link(username, FACILITATOR_PREFIX + invite.code), file=out)
    print(f"valid until {invite.expires_at.isoformat()} (one use)", file=out)
    return 0


async def report_command(
    settings: Settings,
    month_text: str,
    out_dir: Path,
    out: IO[str],
    now: datetime | None = None,
) -> int:
    """Per facilitator ``pendamping-<id>-<name>-YYYY-MM.csv`` and ``.xlsx`` (the same files
    the bot sends her), plus ``total-YYYY-MM.xlsx`` with one row per facilitator and group
    and the grand total. Reads the database only; safe while the bot runs (WAL)."""
    from bot.exports import csv_bytes, totals_xlsx_bytes
    from bot.exports import xlsx_bytes as workbook_bytes
    from bot.report_format import parse_month, safe_filename
    from bot.reports import Reports

    month = parse_month(month_text)
    if month is None:
        raise CliError(f"--month: {month_text!r} is not a month like 2026-12")
    _require_database(settings)
    catalog = Catalog.load()
    library = load_library(settings.content_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--out: cannot create {out_dir}: {exc.strerror}") from None
    db = await Database.open(settings.database_target, apply_migrations=False)
    try:
        version = await db.schema_version()
        if version != len(load_migrations()):
            raise CliError(
                f"{settings.database_label}: schema {version} is not current; run migrate"
            )
        reports = Reports(db, catalog, library, settings.attendance)
        labels = reports.labels(*month)
        tag = f"{month[0]:04d}-{month[1]:02d}"
        done = []
        for facilitator in await db.all_facilitators():
            report = await reports.month_report(facilitator, *month)
            stem = f"pendamping-{facilitator.id}-{safe_filename(facilitator.name)}-{tag}"
            csv_data = await asyncio.to_thread(csv_bytes, report, labels)
            xlsx_data = await asyncio.to_thread(
                workbook_bytes,
                report,
                labels,
                await monitoring_for(db, reports, facilitator, month),
            )
            (out_dir / f"{stem}.csv").write_bytes(csv_data)
            (out_dir / f"{stem}.xlsx").write_bytes(xlsx_data)
            done.append(report)
            print(f"{stem}: {len(report.meetings)} meetings", file=out)
        totals = await asyncio.to_thread(totals_xlsx_bytes, done, labels)
        (out_dir / f"total-{tag}.xlsx").write_bytes(totals)
        print(f"total-{tag}.xlsx: {len(done)} facilitators", file=out)
        await subdistrict_recap(db, reports, settings, catalog, library, month, out_dir, out)
        await _coaching_section(db, month, out, now or SystemClock().now())
    finally:
        await db.close()
    return 0


async def monitoring_for(
    db: Database, reports: Reports, facilitator: Facilitator, month: tuple[int, int]
) -> list[Callable[[Workbook], object]]:
    """Her monthly monitoring form's sheets and the semester form, for the workbook the
    CLI writes."""
    from bot.form_exports import monitoring_sheets, semester_sheet
    from bot.formdefs import monitoring_form, semester_form
    from bot.forms import Forms, monitoring_dates

    catalog = reports.catalog
    service = Forms(db, catalog, reports.content, reports.attendance)
    forms = await service.monitoring_month(facilitator, *month)
    semester = await service.semester_month(facilitator, *month)
    dates = monitoring_dates(catalog, forms)
    return [
        lambda book: monitoring_sheets(book, forms, monitoring_form(), facilitator.name, dates),
        lambda book: semester_sheet(book, semester, semester_form()),
    ]


async def subdistrict_recap(
    db: Database,
    reports: Reports,
    settings: Settings,
    catalog: Catalog,
    library: Library,
    month: tuple[int, int],
    out_dir: Path,
    out: IO[str],
) -> None:
    """``rekap-kecamatan-YYYY-MM.xlsx``: the coordinator's sub-district recap, one row per
    kecamatan and facilitator (content/forms/rekap_kecamatan.toml)."""
    from bot.form_exports import subdistrict_xlsx
    from bot.formdefs import recap_form
    from bot.forms import Forms
    from bot.report_format import month_name

    forms = Forms(db, catalog, library, settings.attendance)
    form = recap_form()
    rows = []
    for facilitator in await db.all_facilitators():
        recaps = await reports.recap(facilitator)
        rows.extend(await forms.recap_rows(facilitator, recaps, *month, form))
    data = await asyncio.to_thread(subdistrict_xlsx, rows, form, month_name(*month))
    name = f"rekap-kecamatan-{month[0]:04d}-{month[1]:02d}.xlsx"
    (out_dir / name).write_bytes(data)
    print(f"{name}: {len(rows)} rows", file=out)


async def _coaching_section(
    db: Database, month: tuple[int, int], out: IO[str], now: datetime
) -> None:
    """Issue 22: per facilitator, meetings on schedule, attendance trend over the last
    months, self-check answers and open follow-ups, printed after the files."""
    from bot.coaching.report import coaching_figures, coaching_lines

    figures = await coaching_figures(db, await db.all_facilitators(), *month, now)
    for line in coaching_lines(figures):
        print(line, file=out)


async def note_command(settings: Settings, who: str, text: str, out: IO[str]) -> int:
    """A coordinator's note to one facilitator, shown once, at the top of her next guide.
    She is named by her Telegram id (as ``report`` prints it) or by her name."""
    from bot.coaching import NOTE_MAX, clean_note

    if clean_note(text) is None:
        raise CliError(f"--text: a note has 1 to {NOTE_MAX} characters")
    _require_database(settings)
    db = await Database.open(settings.database_target)
    try:
        found = await db.facilitators_named(who)
        if not found:
            raise CliError(f"--facilitator: no facilitator {who!r} (use her Telegram id or name)")
        if len(found) > 1:
            ids = ", ".join(str(f.telegram_id) for f in found)
            raise CliError(f"--facilitator: several are named {who!r}; use a Telegram id: {ids}")
        (facilitator,) = found
        note_id = await db.add_note(facilitator.id, clean_note(text) or "", SystemClock().now())
    finally:
        await db.close()
    print(
        f"note {note_id} for {facilitator.name} (Telegram id {facilitator.telegram_id}):"
        " shown with her next guide",
        file=out,
    )
    return 0


async def move_command(source: Path, target: str, chunk: int, out: IO[str]) -> int:
    """``migrate-data``: the SQLite file ``source`` into the PostgreSQL ``target``."""
    from db.move import move_data
    from db.postgres import is_postgres_url, redacted

    if not is_postgres_url(target):
        raise CliError(f"--to: {target!r} is not a postgresql:// URL")
    if chunk < 1:
        raise CliError("--chunk: at least 1")
    lock = InstanceLock(source)
    if not source.exists():
        raise CliError(f"--from: {source}: no such file")
    lock.acquire()  # the bot must not write to the file meanwhile
    try:

        def say(line: str) -> None:
            print(line, file=out, flush=True)

        verified = await move_data(
            source,
            target,
            chunk=chunk,
            say=say,
            after_chunk=lambda table: crash_point(f"data-move:{table}"),
        )
    finally:
        lock.release()
    rows = sum(v.rows for v in verified)
    print(
        f"moved {source} to {redacted(target)}: {len(verified)} tables, {rows} rows,"
        " counts and checksums equal",
        file=out,
    )
    return 0


def _require_database(settings: Settings) -> None:
    if settings.database_url is None and not settings.database.exists():
        raise CliError(f"{settings.database}: no database yet; run migrate first")


def run(settings: Settings) -> int:
    from telegram.error import InvalidToken

    from bot.app import ALLOWED_UPDATES, build_application

    token = settings.require_token()
    setup_logging(settings.log_level, token)
    # SQLite: one process per file. PostgreSQL: several processes share the database.
    lock = InstanceLock(settings.database)
    if settings.database_url is None:
        lock.acquire()
    try:
        asyncio.run(migrate_command(settings, sys.stdout))
        clock = clock_from_env(os.environ)  # benchmarks only: a chosen moment
        if clock is not None:
            log.warning("clock set by %s to %s (benchmarks only)", CLOCK_START_ENV, clock.now())
        app = build_application(settings, clock=clock)
        log.info("starting in %s mode", settings.telegram.mode)
        if settings.telegram.mode == "webhook":
            from bot.webhook import serve

            secret = os.environ.get(settings.telegram.webhook.secret_token_env) or None
            asyncio.run(serve(app, settings, secret, ALLOWED_UPDATES))
        else:
            from bot.polling import poll

            asyncio.run(
                poll(app, timeout=settings.telegram.poll_timeout, allowed_updates=ALLOWED_UPDATES)
            )
    except InvalidToken:
        # Never the exception's text: PTB puts the token in it.
        raise CliError(
            f"Telegram refused the token in {TOKEN_ENV}; check it with @BotFather"
        ) from None
    finally:
        lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
