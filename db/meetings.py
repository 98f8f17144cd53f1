"""Queries for meetings."""

from __future__ import annotations

from db.base import DatabaseBase


class MeetingQueries(DatabaseBase):
    pass
