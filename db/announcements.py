"""Queries for announcements."""

from __future__ import annotations

from db.base import DatabaseBase


class AnnouncementQueries(DatabaseBase):
    pass
