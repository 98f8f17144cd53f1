"""Meetings: schedule, list, move, cancel; RSVP answers to reminders."""

from __future__ import annotations

from handlers.registry import Router

router = Router()
