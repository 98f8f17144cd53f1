"""Queries for the SIKS-NG activity record of a meeting: the meeting with its group and
facilitator, every mark with its excuse reason, the facilitator's note and the photos kept
as the activity's evidence (``meeting_notes``, ``meeting_photos``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.base import DatabaseBase, placeholders
from db.connection import from_db, to_db


@dataclass(frozen=True)
class RecordMeeting:
    """A meeting with what its record needs from the group and the facilitator."""

    meeting_id: int
    group_id: int
    group_name: str
    timezone: str
    facilitator_id: int
    facilitator_name: str
    starts_at: datetime
    place: str
    session_id: str
    status: str
    finalized: bool


@dataclass(frozen=True)
class RecordMark:
    meeting_id: int
    participant_id: int
    name: str
    status: str  # present, excused, absent
    reason: str | None  # the excuse's reason: sakit, keluarga, bekerja, lainnya


@dataclass(frozen=True)
class MeetingNote:
    meeting_id: int
    note: str
    updated_at: datetime


@dataclass(frozen=True)
class MeetingPhoto:
    id: int
    meeting_id: int
    file_id: str
    file_unique_id: str
    width: int
    height: int
    local_path: str | None
    size_bytes: int | None
    latitude: float | None
    longitude: float | None
    received_at: datetime


@dataclass(frozen=True)
class NewPhoto:
    meeting_id: int
    facilitator_id: int
    file_id: str
    file_unique_id: str
    width: int
    height: int
    local_path: str | None
    size_bytes: int | None


_MEETING = (
    "SELECT m.id, m.group_id, g.name AS group_name, g.timezone, f.id AS facilitator_id,"
    " f.name AS facilitator_name, m.starts_at, m.place, m.session_id, m.status,"
    " m.finalized_at FROM meetings m JOIN groups g ON g.id = m.group_id"
    " JOIN facilitators f ON f.id = g.facilitator_id"
)


def _meeting_from(r: aiosqlite.Row) -> RecordMeeting:
    return RecordMeeting(
        meeting_id=r["id"],
        group_id=r["group_id"],
        group_name=r["group_name"],
        timezone=r["timezone"],
        facilitator_id=r["facilitator_id"],
        facilitator_name=r["facilitator_name"],
        starts_at=from_db(r["starts_at"]),
        place=r["place"],
        session_id=r["session_id"],
        status=r["status"],
        finalized=r["finalized_at"] is not None,
    )


def _photo_from(r: aiosqlite.Row) -> MeetingPhoto:
    return MeetingPhoto(
        id=r["id"],
        meeting_id=r["meeting_id"],
        file_id=r["file_id"],
        file_unique_id=r["file_unique_id"],
        width=r["width"],
        height=r["height"],
        local_path=r["local_path"],
        size_bytes=r["size_bytes"],
        latitude=r["latitude"],
        longitude=r["longitude"],
        received_at=from_db(r["received_at"]),
    )


class SiksQueries(DatabaseBase):
    async def record_meeting(self, meeting_id: int) -> RecordMeeting | None:
        row = await self.read_one(f"{_MEETING} WHERE m.id = ?", (meeting_id,))
        return _meeting_from(row) if row is not None else None

    async def record_meetings(
        self, facilitator_id: int, start: datetime, end: datetime
    ) -> list[RecordMeeting]:
        """Her groups' held or scheduled meetings starting in ``[start, end)``, by time."""
        rows = await self.read_all(
            f"{_MEETING} WHERE g.facilitator_id = ? AND m.status != 'cancelled'"
            " AND m.starts_at >= ? AND m.starts_at < ? ORDER BY m.starts_at, m.id",
            (facilitator_id, to_db(start), to_db(end)),
        )
        return [_meeting_from(r) for r in rows]

    async def record_marks(self, meeting_ids: Sequence[int]) -> list[RecordMark]:
        """Every mark of the meetings with its reason, by meeting, then name."""
        if not meeting_ids:
            return []
        found: list[RecordMark] = []
        async with self.tx(write=False) as tx:
            for i in range(0, len(meeting_ids), 500):  # SQLite's parameter limit
                chunk = list(meeting_ids[i : i + 500])
                rows = await tx.all(
                    "SELECT a.meeting_id, a.participant_id, p.name, a.status, a.reason"
                    " FROM attendance a JOIN participants p ON p.id = a.participant_id"
                    f" WHERE a.meeting_id IN ({placeholders(len(chunk))})"
                    " ORDER BY a.meeting_id, p.name COLLATE NOCASE, p.id",
                    chunk,
                )
                found.extend(
                    RecordMark(
                        r["meeting_id"], r["participant_id"], r["name"], r["status"], r["reason"]
                    )
                    for r in rows
                )
        return found

    async def open_followups(self, group_id: int) -> int:
        """Open alerts (absence or unreachable) of the group's members."""
        row = await self.read_one(
            "SELECT count(*) AS n FROM alerts WHERE group_id = ? AND status = 'open'",
            (group_id,),
        )
        return int(row["n"]) if row is not None else 0

    # -- the facilitator's note ---------------------------------------------------------

    async def meeting_notes(self, meeting_ids: Sequence[int]) -> dict[int, MeetingNote]:
        if not meeting_ids:
            return {}
        rows = await self.read_all(
            "SELECT meeting_id, note, updated_at FROM meeting_notes"
            f" WHERE meeting_id IN ({placeholders(len(meeting_ids))})",
            list(meeting_ids),
        )
        return {
            r["meeting_id"]: MeetingNote(r["meeting_id"], r["note"], from_db(r["updated_at"]))
            for r in rows
        }

    async def set_meeting_note(
        self, meeting_id: int, facilitator_id: int, note: str, now: datetime
    ) -> None:
        """Her note for the meeting; a new note replaces the old one."""
        await self.write_one(
            "INSERT INTO meeting_notes (meeting_id, note, facilitator_id, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id) DO UPDATE SET"
            " note = excluded.note, facilitator_id = excluded.facilitator_id,"
            " updated_at = excluded.updated_at",
            (meeting_id, note, facilitator_id, to_db(now)),
        )

    # -- photos -------------------------------------------------------------------------

    async def add_meeting_photo(self, photo: NewPhoto, now: datetime) -> tuple[int, bool]:
        """Keep the photo; the same photo sent again (same ``file_unique_id``) is kept once.
        Returns its id and whether it is new."""
        async with self.tx() as tx:
            found = await tx.one(
                "SELECT id FROM meeting_photos WHERE meeting_id = ? AND file_unique_id = ?",
                (photo.meeting_id, photo.file_unique_id),
            )
            if found is not None:
                return int(found["id"]), False
            new_id = await tx.insert(
                "INSERT INTO meeting_photos (meeting_id, facilitator_id, file_id,"
                " file_unique_id, width, height, local_path, size_bytes, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    photo.meeting_id,
                    photo.facilitator_id,
                    photo.file_id,
                    photo.file_unique_id,
                    photo.width,
                    photo.height,
                    photo.local_path,
                    photo.size_bytes,
                    to_db(now),
                ),
            )
            return new_id, True

    async def set_photo_location(
        self, photo_id: int, facilitator_id: int, latitude: float, longitude: float
    ) -> bool:
        changed = await self.write_one(
            "UPDATE meeting_photos SET latitude = ?, longitude = ?"
            " WHERE id = ? AND facilitator_id = ?",
            (latitude, longitude, photo_id, facilitator_id),
        )
        return changed > 0

    async def meeting_photos(self, meeting_ids: Sequence[int]) -> list[MeetingPhoto]:
        if not meeting_ids:
            return []
        rows = await self.read_all(
            "SELECT * FROM meeting_photos"
            f" WHERE meeting_id IN ({placeholders(len(meeting_ids))}) ORDER BY meeting_id, id",
            list(meeting_ids),
        )
        return [_photo_from(r) for r in rows]
