"""Unguessable codes for invite and join links (Telegram deep-link payloads)."""

from __future__ import annotations

import re
import secrets

# Deep-link payloads allow A-Z, a-z, 0-9, _ and - up to 64 characters.
_PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FACILITATOR_PREFIX = "f_"
JOIN_PREFIX = "g_"


def new_code(nbytes: int = 12) -> str:
    return secrets.token_urlsafe(nbytes)


def valid_payload(text: str) -> bool:
    return bool(_PAYLOAD_RE.match(text))


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"
