"""Queries for outbox."""

from __future__ import annotations

from db.base import DatabaseBase


class OutboxQueries(DatabaseBase):
    pass
