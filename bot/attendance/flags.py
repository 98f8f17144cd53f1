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
    SHARED = "shared"  # her phone already checked in someone else for this meeting


def checkin_flags(
    *,
    old_codes: int,
    written: datetime,
    starts_at: datetime,
    very_late_after: timedelta,
    phone_mates: int = 0,
) -> list[Flag]:
    """The flags of a self check-in at the moment it is recorded (FAR comes later, with her
    location). ``phone_mates``: others on her shared phone already checked in to the same
    meeting; one phone checking in several people is worth the facilitator's look (one of
    them may be at home), so the second and later ones get SHARED."""
    flags: list[Flag] = []
    if old_codes > 0:
        flags.append(Flag.OLD_CODE)
    if written > starts_at + very_late_after:
        flags.append(Flag.VERY_LATE)
    if phone_mates > 0:
        flags.append(Flag.SHARED)
    return flags
