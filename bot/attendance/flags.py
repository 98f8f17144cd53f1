"""What makes a self check-in doubtful: its flags, set when it is recorded (and FAR when
her location comes), shown to the facilitator at the sign-off (``signoff.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Flag(StrEnum):
    """What looked doubtful about a self check-in (``attendance.checkin_flags``)."""

    OLD_CODE = "old_code"  # she (or her account) tried a code or link that had changed
    FAR = "far"  # her shared location was far from the meeting place
    VERY_LATE = "very_late"  # written long after the start
    SHARED = "shared"  # her account checks in for several members (not detected yet)


def checkin_flags(
    *, old_codes: int, written: datetime, starts_at: datetime, very_late_after: timedelta
) -> list[Flag]:
    """The flags of a self check-in at the moment it is recorded (FAR comes later, with her
    location). SHARED needs accounts that stand for several members, which the bot does not
    have yet: when they exist, the check-in of such an account adds it here."""
    flags: list[Flag] = []
    if old_codes > 0:
        flags.append(Flag.OLD_CODE)
    if written > starts_at + very_late_after:
        flags.append(Flag.VERY_LATE)
    return flags
