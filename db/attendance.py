"""Queries for attendance, check-in attempts and absence alerts."""

from __future__ import annotations

from db.base import DatabaseBase


class AttendanceQueries(DatabaseBase):
    pass
