"""Erasing her data needs a real confirmation.

The "Ya, hapus" button carries a one-time token that the ask step ("Hapus data saya")
stored in her chat state; the yes step erases only if the token is the one she was just
asked with and the question is at most :data:`ERASE_CONFIRM_TTL` old. An old message's
button, a forged press, or a press after she asked again (a new token) erases nothing.
The token is consumed with the erasure itself (her chat state goes in the same
transaction).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from db.models import ChatState

ERASE_STATE = "erase_confirm"
ERASE_CONFIRM_TTL = timedelta(minutes=10)
"""Long enough to read the question and press; short enough that a message lying in a
shared phone's chat cannot be used later."""


def new_erase_token() -> str:
    return secrets.token_urlsafe(8)


def erase_confirmed(state: ChatState | None, token: str, now: datetime) -> bool:
    """Whether ``token`` (from the pressed button) confirms the question still pending."""
    if state is None or state.kind != ERASE_STATE:
        return False
    expected = str(state.data.get("token") or "")
    if not expected or not secrets.compare_digest(expected.encode(), token.encode()):
        return False
    return timedelta(0) <= now - state.updated_at <= ERASE_CONFIRM_TTL
