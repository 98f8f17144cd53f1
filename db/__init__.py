"""Database access: the only package that holds SQL.

:class:`Database` combines the query modules; open it with ``await Database.open(path)``.
A second backend (PostgreSQL) would implement the same methods.
"""

from __future__ import annotations

from pathlib import Path

from db.alerts import AlertQueries
from db.announcements import AnnouncementQueries
from db.attendance import AttendanceQueries
from db.coaching import CoachingQueries
from db.connection import connect
from db.forms import FormQueries
from db.meetings import MeetingQueries
from db.migrate import DatabaseTooNew, MigrationError, migrate
from db.onboarding import OnboardingQueries
from db.outbox import OutboxQueries
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
):
    """All queries of the bot, over a write and a read connection (``db.base``)."""

    @classmethod
    async def open(cls, path: Path | str, *, apply_migrations: bool = True) -> Database:
        conn = await connect(path)
        try:
            if apply_migrations:
                await migrate(conn)
            reader = None if str(path) == ":memory:" else await connect(path, read_only=True)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, reader)


__all__ = ["Database", "DatabaseTooNew", "MigrationError", "connect", "migrate"]
