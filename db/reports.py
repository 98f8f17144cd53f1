"""Queries for reports."""

from __future__ import annotations

from db.base import DatabaseBase


class ReportQueries(DatabaseBase):
    pass
