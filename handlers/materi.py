"""/materi: browse the P2K2 modules, read a session card, take its quiz."""

from __future__ import annotations

from handlers.registry import Router

router = Router()
