"""Codes that change: the typed code and the deep-link token of a meeting's check-in.

Nothing is stored per rotation. Each meeting has one random secret (``meetings.checkin_code``,
made when its window opens); the window is cut into slots of ``every`` (default five
minutes) from its opening, and the code and token of a slot are an HMAC of the secret and
the slot number. So the tick, the handlers and a restarted process all agree on the code of
any moment, and a code forwarded to a chat group stops working within two slots.

The current and the previous slot are accepted (a weak signal, a slow scan); a code of an
older slot of the same meeting is recognised as "already changed" (a forwarded code), and
anything else is simply wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

CODE_DIGITS = 4
TOKEN_CHARS = 12
"""Characters of a deep-link token (base64url, 72 bits)."""
CHECKIN_PREFIX = "c_"
"""The ``/start`` payload of a check-in deep link: ``c_<meeting>_<token>``."""


def new_checkin_secret() -> str:
    """A meeting's check-in secret (random; the codes and tokens come from it)."""
    return secrets.token_urlsafe(18)


def slot_at(opens: datetime, at: datetime, every: timedelta) -> int:
    """The slot a moment falls in, counted from the window's opening (0 before it; always 0
    when codes do not rotate)."""
    if every <= timedelta(0) or at <= opens:
        return 0
    return int((at - opens) / every)


def slot_start(opens: datetime, slot: int, every: timedelta) -> datetime:
    return opens + every * slot if every > timedelta(0) else opens


def _digest(secret: str, slot: int) -> bytes:
    return hmac.new(secret.encode(), f"checkin-slot:{slot}".encode(), hashlib.sha256).digest()


def code_at(secret: str, slot: int) -> str:
    """The typed code of a slot: :data:`CODE_DIGITS` digits."""
    number = int.from_bytes(_digest(secret, slot)[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def token_at(secret: str, slot: int) -> str:
    """The deep-link token of a slot (URL-safe, :data:`TOKEN_CHARS` characters)."""
    raw = _digest(secret, slot)[8 : 8 + TOKEN_CHARS * 3 // 4]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def checkin_payload(meeting_id: int, secret: str, slot: int) -> str:
    """The ``/start`` payload of the deep link in the QR code of a slot."""
    return f"{CHECKIN_PREFIX}{meeting_id}_{token_at(secret, slot)}"


def parse_payload(payload: str) -> tuple[int, str] | None:
    """``(meeting id, token)`` of a check-in payload, or None if it is not one."""
    if not payload.startswith(CHECKIN_PREFIX):
        return None
    meeting, _, token = payload.removeprefix(CHECKIN_PREFIX).partition("_")
    if not (meeting.isascii() and meeting.isdigit()) or len(meeting) > 18:
        return None
    if len(token) != TOKEN_CHARS:
        return None
    return int(meeting), token


CodeFunction = Callable[[str, int], str]


class Match(StrEnum):
    CURRENT = "current"  # the code or token shown now
    PREVIOUS = "previous"  # the one just before (accepted)
    OLD = "old"  # an older one of this meeting: it has changed since (forwarded?)
    NONE = "none"  # not a code of this meeting at all


@dataclass(frozen=True)
class Rotation:
    """The codes of one meeting's window."""

    secret: str
    opens: datetime
    every: timedelta

    def slot(self, at: datetime) -> int:
        return slot_at(self.opens, at, self.every)

    def code(self, at: datetime) -> str:
        return code_at(self.secret, self.slot(at))

    def token(self, at: datetime) -> str:
        return token_at(self.secret, self.slot(at))

    def next_change(self, at: datetime) -> datetime | None:
        """When the code shown at ``at`` is replaced (None: it never is)."""
        if self.every <= timedelta(0):
            return None
        return slot_start(self.opens, max(self.slot(at), 0) + 1, self.every)

    def match_code(self, typed: str, at: datetime) -> Match:
        return self._match(typed, at, code_at)

    def match_token(self, token: str, at: datetime) -> Match:
        return self._match(token, at, token_at)

    def _match(self, given: str, at: datetime, derive: CodeFunction) -> Match:
        current = self.slot(at)
        for slot, match in ((current, Match.CURRENT), (current - 1, Match.PREVIOUS)):
            if slot >= 0 and _same(derive(self.secret, slot), given):
                return match
        if any(_same(derive(self.secret, s), given) for s in range(current - 2, -1, -1)):
            return Match.OLD
        return Match.NONE


def _same(expected: str, given: str) -> bool:
    return secrets.compare_digest(expected.encode(), given.encode())


def normalise_code(text: str) -> str | None:
    """The code she typed ("1234", " 12 34 "), or None if it is not a code at all."""
    digits = "".join(text.split())
    if len(digits) != CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return digits


def code_matches(expected: str | None, typed: str) -> bool:
    return expected is not None and secrets.compare_digest(expected.encode(), typed.encode())
