"""Queries for quiz."""

from __future__ import annotations

from db.base import DatabaseBase


class QuizQueries(DatabaseBase):
    pass
