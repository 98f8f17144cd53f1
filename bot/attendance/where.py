"""Where, if she agrees: after her check-in a member may share her location (a reply-keyboard
button that asks Telegram for it; always optional). Its distance from the group's meeting
place (shared once by the facilitator) is noted on her mark, and a check-in farther than
``far_meters`` is flagged for the facilitator's sign-off, never refused: GPS is weak indoors
and a cheap phone's fix can be hundreds of metres off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from bot.attendance.base import AttendanceBase, BaseStore
from db.attendance import CheckinMeeting
from db.models import Participant

EARTH_RADIUS_M = 6_371_008.8
"""The mean radius of the Earth (IUGG), in metres."""


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance between two points, in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Whereabouts:
    noted: bool  # False: no self check-in of hers for the meeting, or no place to compare
    meters: int = 0
    far: bool = False


class WhereStore(BaseStore, Protocol):
    """The queries of the check-in's place and distance (``db/attendance.py``)."""

    async def add_checkin_flag(
        self, meeting_id: int, participant_id: int, flag: str, distance_m: int | None = ...
    ) -> bool: ...

    async def checkin_meeting(self, meeting_id: int) -> CheckinMeeting | None: ...


class Where(AttendanceBase):
    """Her location with her check-in."""

    _where_db: WhereStore

    async def add_location(
        self, participant: Participant, meeting_id: int, lat: float, lon: float
    ) -> Whereabouts:
        """Note how far from the meeting place she was; flag it when it is far."""
        cm = await self._where_db.checkin_meeting(meeting_id)
        if cm is None or cm.meeting.group_id != participant.group_id:
            return Whereabouts(False)
        group = await self._group(cm.meeting.group_id)
        if group.place_lat is None or group.place_lon is None:
            return Whereabouts(False)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return Whereabouts(False)
        meters = round(distance_m(group.place_lat, group.place_lon, lat, lon))
        far = meters > self._rules.far_meters
        noted = await self._where_db.add_checkin_flag(
            meeting_id, participant.id, "far" if far else "", distance_m=meters
        )
        return Whereabouts(noted, meters, far)
