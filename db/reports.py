"""Queries for recaps, exports and charts. Read only.

Attendance is read here with our own queries (the attendance feature owns the writes):
a meeting counts once it is finalized (``status = 'held'`` and ``finalized_at`` set), and
its ``attendance`` rows say present / excused / absent per participant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from db.base import DatabaseBase, placeholders
from db.connection import from_db, to_db
from db.models import Facilitator

_HELD = "m.status = 'held' AND m.finalized_at IS NOT NULL"
_COUNTS = (
    "COALESCE(SUM(a.status = 'present'), 0) AS present,"
    " COALESCE(SUM(a.status = 'excused'), 0) AS excused,"
    " COALESCE(SUM(a.status = 'absent'), 0) AS absent"
)


@dataclass(frozen=True)
class MeetingCounts:
    """A finalized meeting with its attendance counts."""

    meeting_id: int
    group_id: int
    starts_at: datetime
    place: str
    session_id: str
    present: int
    excused: int
    absent: int

    @property
    def total(self) -> int:
        return self.present + self.excused + self.absent


@dataclass(frozen=True)
class Mark:
    """One participant's status at one finalized meeting."""

    meeting_id: int
    participant_id: int
    name: str
    status: str
    how: str = ""  # how a present mark was made: self, self_confirmed, facilitator


@dataclass(frozen=True)
class PolicyMark:
    """An active member's status at a finalized meeting, for the attendance policy."""

    participant_id: int
    name: str
    group_id: int
    meeting_id: int
    status: str


@dataclass(frozen=True)
class OpenAlert:
    alert_id: int
    group_id: int
    participant_id: int
    name: str
    kind: str  # absence or unreachable
    opened_at: datetime


def _counts_from(row: aiosqlite.Row) -> MeetingCounts:
    return MeetingCounts(
        meeting_id=row["id"],
        group_id=row["group_id"],
        starts_at=from_db(row["starts_at"]),
        place=row["place"],
        session_id=row["session_id"],
        present=int(row["present"]),
        excused=int(row["excused"]),
        absent=int(row["absent"]),
    )


class ReportQueries(DatabaseBase):
    async def latest_meetings(
        self, group_ids: Sequence[int], per_group: int
    ) -> list[MeetingCounts]:
        """The last ``per_group`` finalized meetings of each group, oldest first per group."""
        if not group_ids:
            return []
        rows = await self.read_all(
            "WITH ranked AS ("
            " SELECT m.id, m.group_id, m.starts_at, m.place, m.session_id,"
            "  ROW_NUMBER() OVER (PARTITION BY m.group_id"
            "   ORDER BY m.starts_at DESC, m.id DESC) AS rn"
            f" FROM meetings m WHERE m.group_id IN ({placeholders(len(group_ids))}) AND {_HELD})"
            f" SELECT r.id, r.group_id, r.starts_at, r.place, r.session_id, {_COUNTS}"
            " FROM ranked r LEFT JOIN attendance a ON a.meeting_id = r.id"
            # every column named: PostgreSQL groups a derived table only by what it is told
            " WHERE r.rn <= ? GROUP BY r.id, r.group_id, r.starts_at, r.place, r.session_id"
            " ORDER BY r.group_id, r.starts_at, r.id",
            (*group_ids, per_group),
        )
        return [_counts_from(r) for r in rows]

    async def meetings_between(
        self, group_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[MeetingCounts]:
        """Finalized meetings of the groups starting in ``[start, end)``, with counts."""
        if not group_ids:
            return []
        rows = await self.read_all(
            f"SELECT m.id, m.group_id, m.starts_at, m.place, m.session_id, {_COUNTS}"
            " FROM meetings m LEFT JOIN attendance a ON a.meeting_id = m.id"
            f" WHERE m.group_id IN ({placeholders(len(group_ids))}) AND {_HELD}"
            " AND m.starts_at >= ? AND m.starts_at < ?"
            " GROUP BY m.id ORDER BY m.group_id, m.starts_at, m.id",
            (*group_ids, to_db(start), to_db(end)),
        )
        return [_counts_from(r) for r in rows]

    async def marks_of(self, meeting_ids: Sequence[int]) -> list[Mark]:
        """Every attendance row of the meetings, by meeting, then name."""
        if not meeting_ids:
            return []
        found: list[Mark] = []
        async with self.tx(write=False) as tx:
            for i in range(0, len(meeting_ids), 500):  # SQLite's parameter limit
                chunk = list(meeting_ids[i : i + 500])
                rows = await tx.all(
                    "SELECT a.meeting_id, a.participant_id, p.name, a.status,"
                    " CASE WHEN a.source != 'self' THEN a.source"
                    "  WHEN a.confirmed_by IS NOT NULL THEN 'self_confirmed'"
                    "  ELSE 'self' END AS how"
                    " FROM attendance a JOIN participants p ON p.id = a.participant_id"
                    f" WHERE a.meeting_id IN ({placeholders(len(chunk))})"
                    " ORDER BY a.meeting_id, p.name COLLATE NOCASE, p.id",
                    chunk,
                )
                found.extend(
                    Mark(r["meeting_id"], r["participant_id"], r["name"], r["status"], r["how"])
                    for r in rows
                )
        return found

    async def policy_marks(self, group_ids: Sequence[int]) -> list[PolicyMark]:
        """Active members' statuses at finalized meetings after their last closed absence
        alert (the marks the alert policy reads), oldest first per member."""
        if not group_ids:
            return []
        rows = await self.read_all(
            "SELECT p.id AS participant_id, p.name, p.group_id, m.id AS meeting_id, a.status"
            " FROM participants p JOIN attendance a ON a.participant_id = p.id"
            " JOIN meetings m ON m.id = a.meeting_id"
            f" WHERE p.group_id IN ({placeholders(len(group_ids))}) AND p.status = 'active'"
            f" AND {_HELD} AND m.starts_at > COALESCE((SELECT max(al.closed_at) FROM alerts al"
            "  WHERE al.participant_id = p.id AND al.kind = 'absence' AND al.status = 'closed'),"
            "  '')"
            " ORDER BY p.group_id, p.name COLLATE NOCASE, p.id, m.starts_at, m.id",
            list(group_ids),
        )
        return [
            PolicyMark(r["participant_id"], r["name"], r["group_id"], r["meeting_id"], r["status"])
            for r in rows
        ]

    async def open_alerts(self, group_ids: Sequence[int]) -> list[OpenAlert]:
        if not group_ids:
            return []
        rows = await self.read_all(
            "SELECT al.id, al.group_id, al.participant_id, p.name, al.kind, al.opened_at"
            " FROM alerts al JOIN participants p ON p.id = al.participant_id"
            f" WHERE al.status = 'open' AND al.group_id IN ({placeholders(len(group_ids))})"
            " ORDER BY al.group_id, al.opened_at, al.id",
            list(group_ids),
        )
        return [
            OpenAlert(
                r["id"],
                r["group_id"],
                r["participant_id"],
                r["name"],
                r["kind"],
                from_db(r["opened_at"]),
            )
            for r in rows
        ]

    async def all_facilitators(self) -> list[Facilitator]:
        async with self.tx(write=False) as tx:
            rows = await tx.all("SELECT * FROM facilitators ORDER BY name COLLATE NOCASE, id")
        return [
            Facilitator(r["id"], r["telegram_id"], r["name"], from_db(r["created_at"]))
            for r in rows
        ]
