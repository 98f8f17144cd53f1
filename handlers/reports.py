"""reports."""

from __future__ import annotations

from handlers.registry import Router

router = Router()
