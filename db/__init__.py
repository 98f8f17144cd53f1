"""Database access: the only package that holds SQL.

:class:`Database` combines the query modules; open it with ``await Database.open(target)``:
a SQLite file (the default, no set-up), or a ``postgresql://`` URL (``db.postgres``), where
the same queries run translated by ``db.dialect``.
"""

from __future__ import annotations

from pathlib import Path

from db.alerts import AlertQueries
from db.announcements import AnnouncementQueries
from db.attendance import AttendanceQueries
from db.coaching import CoachingQueries
from db.connection import connect
from db.forms import FormQueries
from db.inbox import InboxQueries
from db.meetings import MeetingQueries
from db.migrate import DatabaseTooNew, MigrationError, migrate
from db.onboarding import OnboardingQueries
from db.outbox import OutboxQueries
from db.postgres import DatabaseUnavailable, PostgresBackend, connect_pg, is_postgres_url
from db.privacy import PrivacyQueries
from db.quiz import QuizQueries
from db.reminders import ReminderQueries
from db.reports import ReportQueries
from db.siks import SiksQueries
from db.voice import VoiceQueries


class Database(
    OnboardingQueries,
    MeetingQueries,
    ReminderQueries,
    OutboxQueries,
    QuizQueries,
    AttendanceQueries,
    AlertQueries,
    AnnouncementQueries,
    ReportQueries,
    PrivacyQueries,
    VoiceQueries,
    FormQueries,
    SiksQueries,
    CoachingQueries,
    InboxQueries,
):
    """All queries of the bot, over a write and a read connection (``db.base``)."""

    @classmethod
    async def open(cls, path: Path | str, *, apply_migrations: bool = True) -> Database:
        """``path``: a SQLite file (or ``:memory:``), or a ``postgresql://`` URL."""
        if is_postgres_url(path):
            return await PostgresDatabase.open_url(str(path), apply_migrations=apply_migrations)
        conn = await connect(path)
        try:
            if apply_migrations:
                await migrate(conn)
            reader = None if str(path) == ":memory:" else await connect(path, read_only=True)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, reader)


class PostgresDatabase(PostgresBackend, Database):
    """All queries of the bot on PostgreSQL (``db.postgres``)."""

    @classmethod
    async def open_url(cls, url: str, *, apply_migrations: bool = True) -> PostgresDatabase:
        conn = await connect_pg(url)
        try:
            if apply_migrations:
                await migrate(conn)
            reader = await connect_pg(url)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, reader)


__all__ = [
    "Database",
    "DatabaseTooNew",
    "DatabaseUnavailable",
    "MigrationError",
    "PostgresDatabase",
    "connect",
    "migrate",
]
