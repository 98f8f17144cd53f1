"""Check-in with the meeting code, facilitator marks, absence alerts, /kehadiranku."""

from __future__ import annotations

from handlers.registry import Router

router = Router()
