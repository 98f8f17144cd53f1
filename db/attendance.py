"""Queries for attendance, check-in attempts and absence alerts.

Marks live in ``attendance`` (one current row per meeting and participant) and every change
is appended to ``attendance_log`` in the same transaction, with who made it. A mark's
``source`` tells how it came: ``self`` (she typed the meeting code), ``facilitator`` (her
pendamping marked it; it wins over ``self``), ``rsvp`` (excused in advance, filled in when
the window closed) or ``final`` (no mark when the window closed: absent).

The tick's lookups use indexes only: ``meetings_due`` (status, starts_at) for windows to
open, ``meetings_unfinalized`` (0006) for windows to close, ``alerts_open`` for reminders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from db.base import DatabaseBase, Tx, applied_before, placeholders, record_applied
from db.connection import from_db, to_db
from db.meetings import Meeting, meeting_from
from db.models import Participant
from db.onboarding import participant_from


class MarkStatus(StrEnum):
    """A member's mark for a meeting (``attendance.status``)."""

    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


class MarkSource(StrEnum):
    """Who set a mark (``attendance.source``)."""

    SELF = "self"  # she checked in with the code
    FACILITATOR = "facilitator"
    LEADER = "leader"  # marked present by her group's leader in the window (no phone)
    RSVP = "rsvp"  # excused at the close: she had answered "Tidak bisa hadir"
    FINAL = "final"  # absent at the close: no mark, no answer


PRESENT, EXCUSED, ABSENT = MarkStatus.PRESENT, MarkStatus.EXCUSED, MarkStatus.ABSENT
SELF, FACILITATOR, LEADER = MarkSource.SELF, MarkSource.FACILITATOR, MarkSource.LEADER


def _opt(value: str | None) -> datetime | None:
    return from_db(value) if value is not None else None


@dataclass(frozen=True)
class CheckinMeeting:
    """A meeting with its check-in state."""

    meeting: Meeting
    checkin_code: str | None
    window_opened_at: datetime | None
    finalized_at: datetime | None


def checkin_meeting_from(row: aiosqlite.Row) -> CheckinMeeting:
    return CheckinMeeting(
        meeting=meeting_from(row),
        checkin_code=row["checkin_code"],
        window_opened_at=_opt(row["window_opened_at"]),
        finalized_at=_opt(row["finalized_at"]),
    )


@dataclass(frozen=True)
class AttendanceMark:
    meeting_id: int
    participant_id: int
    status: MarkStatus
    source: MarkSource
    reason: str | None
    checked_in_at: datetime | None
    updated_at: datetime


def mark_from(row: aiosqlite.Row) -> AttendanceMark:
    return AttendanceMark(
        meeting_id=row["meeting_id"],
        participant_id=row["participant_id"],
        status=MarkStatus(row["status"]),
        source=MarkSource(row["source"]),
        reason=row["reason"],
        checked_in_at=_opt(row["checked_in_at"]),
        updated_at=from_db(row["updated_at"]),
    )


@dataclass(frozen=True)
class MarkRow:
    """A member on the marking screen with her current mark (None: not marked yet)."""

    participant: Participant
    status: str | None
    source: str | None
    reason: str | None


@dataclass(frozen=True)
class LogEntry:
    id: int
    meeting_id: int
    participant_id: int
    status: str
    source: str
    by_facilitator_id: int | None
    at: datetime


@dataclass(frozen=True)
class PastMark:
    """One of her marks in a held meeting, for the absence policy and her history."""

    meeting: Meeting
    status: str
    source: str
    reason: str | None


async def _mark(tx: Tx, meeting_id: int, participant_id: int) -> AttendanceMark | None:
    row = await tx.one(
        "SELECT * FROM attendance WHERE meeting_id = ? AND participant_id = ?",
        (meeting_id, participant_id),
    )
    return mark_from(row) if row else None


async def _write_mark(
    tx: Tx,
    meeting_id: int,
    participant_id: int,
    status: str,
    source: str,
    reason: str | None,
    checked_in_at: datetime | None,
    by_facilitator_id: int | None,
    now: datetime,
) -> None:
    """Set the mark; the ``attendance_log`` row is written by the database's trigger."""
    await tx.execute(
        "INSERT INTO attendance (meeting_id, participant_id, status, source, reason,"
        " checked_in_at, updated_at, marked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (meeting_id, participant_id) DO UPDATE SET"
        " status = excluded.status, source = excluded.source, reason = excluded.reason,"
        " checked_in_at = excluded.checked_in_at, updated_at = excluded.updated_at,"
        " marked_by = excluded.marked_by, marked_by_leader = NULL",
        (
            meeting_id,
            participant_id,
            status,
            source,
            reason,
            to_db(checked_in_at) if checked_in_at is not None else None,
            to_db(now),
            by_facilitator_id,
        ),
    )


@dataclass(frozen=True)
class FlaggedCheckin:
    """A self check-in that carries flags (``attendance.checkin_flags``)."""

    participant: Participant
    flags: tuple[str, ...]
    distance_m: int | None
    confirmed: bool  # the facilitator confirmed it
    still_self: bool  # False: the facilitator has changed the mark since


class AttendanceQueries(DatabaseBase):
    # -- meetings and their windows -------------------------------------------------

    async def checkin_meeting(self, meeting_id: int) -> CheckinMeeting | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return checkin_meeting_from(row) if row else None

    async def meetings_to_open(self, latest_start: datetime) -> list[CheckinMeeting]:
        """Scheduled meetings starting at or before ``latest_start`` whose window has not
        been opened (index ``meetings_due``)."""
        rows = await self.read_all(
            "SELECT * FROM meetings WHERE status = 'scheduled' AND starts_at <= ?"
            " AND window_opened_at IS NULL ORDER BY starts_at, id",
            (to_db(latest_start),),
        )
        return [checkin_meeting_from(r) for r in rows]

    async def ensure_checkin_code(self, meeting_id: int, code: str) -> str:
        """Store ``code`` unless the meeting already has one; return the meeting's code."""
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE meetings SET checkin_code = ? WHERE id = ? AND checkin_code IS NULL",
                (code, meeting_id),
            )
            row = await tx.one("SELECT checkin_code FROM meetings WHERE id = ?", (meeting_id,))
        assert row is not None
        return str(row[0])

    async def mark_window_opened(self, meeting_id: int, now: datetime) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE meetings SET window_opened_at = ? WHERE id = ?"
                " AND window_opened_at IS NULL",
                (to_db(now), meeting_id),
            )

    async def meetings_to_finalize(self, latest_start: datetime) -> list[CheckinMeeting]:
        """Meetings (not cancelled, not finalized) starting at or before ``latest_start``
        (partial index ``meetings_unfinalized``)."""
        rows = await self.read_all(
            "SELECT * FROM meetings WHERE finalized_at IS NULL AND status != 'cancelled'"
            " AND starts_at <= ? ORDER BY starts_at, id",
            (to_db(latest_start),),
        )
        return [checkin_meeting_from(r) for r in rows]

    async def finalize_marks(self, meeting_id: int, now: datetime) -> None:
        """Make attendance final: every active member who was a member when the meeting
        began and has no mark gets one (excused if she answered "no" to a reminder, else
        absent), logged; the meeting becomes ``held``. Safe to repeat."""
        async with self.tx() as tx:
            meeting = await tx.one("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
            if meeting is None:
                return
            unmarked = await tx.all(
                "SELECT p.id, r.answer, r.reason FROM participants p"
                " LEFT JOIN rsvps r ON r.meeting_id = ? AND r.participant_id = p.id"
                " WHERE p.group_id = ? AND p.status = 'active' AND p.joined_at <= ?"
                " AND NOT EXISTS (SELECT 1 FROM attendance a"
                "   WHERE a.meeting_id = ? AND a.participant_id = p.id)",
                (meeting_id, meeting["group_id"], meeting["starts_at"], meeting_id),
            )
            for row in unmarked:
                excused = row["answer"] == "no"
                await _write_mark(
                    tx,
                    meeting_id,
                    row["id"],
                    EXCUSED if excused else ABSENT,
                    MarkSource.RSVP if excused else MarkSource.FINAL,
                    row["reason"] if excused else None,
                    None,
                    None,
                    now,
                )
            await tx.execute(
                "UPDATE meetings SET status = 'held', updated_at = ?"
                " WHERE id = ? AND status = 'scheduled'",
                (to_db(now), meeting_id),
            )

    async def set_finalized(self, meeting_id: int, now: datetime) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE meetings SET finalized_at = ? WHERE id = ? AND finalized_at IS NULL",
                (to_db(now), meeting_id),
            )

    async def group_meetings_between(
        self, group_id: int, first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]:
        """Meetings of a group (not cancelled) starting in [first_start, last_start]."""
        rows = await self.read_all(
            "SELECT * FROM meetings WHERE group_id = ? AND starts_at >= ?"
            " AND starts_at <= ? AND status != 'cancelled' ORDER BY starts_at, id",
            (group_id, to_db(first_start), to_db(last_start)),
        )
        return [checkin_meeting_from(r) for r in rows]

    async def markable_meetings(
        self, group_ids: Sequence[int], first_start: datetime, last_start: datetime
    ) -> list[CheckinMeeting]:
        """Meetings of these groups (not cancelled) starting in [first_start, last_start],
        newest first."""
        ids = list(group_ids)
        if not ids:
            return []
        marks = placeholders(len(ids))
        rows = await self.read_all(
            f"SELECT * FROM meetings WHERE group_id IN ({marks}) AND starts_at >= ?"
            " AND starts_at <= ? AND status != 'cancelled' ORDER BY starts_at DESC, id",
            (*ids, to_db(first_start), to_db(last_start)),
        )
        return [checkin_meeting_from(r) for r in rows]

    async def meetings_by_ids(self, meeting_ids: Sequence[int]) -> list[Meeting]:
        ids = list(meeting_ids)
        if not ids:
            return []
        marks = placeholders(len(ids))
        rows = await self.read_all(
            f"SELECT * FROM meetings WHERE id IN ({marks}) ORDER BY starts_at, id", ids
        )
        return [meeting_from(r) for r in rows]

    # -- marks ------------------------------------------------------------------------

    async def attendance_mark(self, meeting_id: int, participant_id: int) -> AttendanceMark | None:
        async with self.tx(write=False) as tx:
            return await _mark(tx, meeting_id, participant_id)

    async def record_self_checkin(
        self,
        meeting_id: int,
        participant_id: int,
        written_at: datetime,
        now: datetime,
        *,
        via: str = "code",
        flags: Sequence[str] = (),
    ) -> str:
        """Her own check-in with the right code (``via`` code) or link (``via`` link), with
        what looked doubtful about it (``flags``, for the facilitator's sign-off). Returns
        ``recorded``, ``already`` (she is already marked present: nothing changes) or
        ``facilitator`` (her pendamping marked her otherwise; that mark wins and stays)."""
        # One statement (its log row comes from the trigger): it writes only when she is
        # not yet present and her pendamping has not marked her.
        changed = await self.write_one(
            "INSERT INTO attendance (meeting_id, participant_id, status, source, reason,"
            " checked_in_at, updated_at, marked_by, checkin_via, checkin_flags)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, ?, ?)"
            " ON CONFLICT (meeting_id, participant_id) DO UPDATE SET"
            " status = excluded.status, source = excluded.source, reason = NULL,"
            " checked_in_at = excluded.checked_in_at, updated_at = excluded.updated_at,"
            " marked_by = NULL, marked_by_leader = NULL, checkin_via = excluded.checkin_via,"
            " checkin_flags = excluded.checkin_flags, confirmed_by = NULL"
            " WHERE attendance.status != ? AND attendance.source != ?",
            (
                meeting_id,
                participant_id,
                PRESENT,
                SELF,
                to_db(written_at),
                to_db(now),
                via,
                " ".join(flags) or None,
                PRESENT,
                FACILITATOR,
            ),
        )
        return await self._present_outcome(changed, meeting_id, participant_id)

    async def _present_outcome(self, changed: int, meeting_id: int, participant_id: int) -> str:
        """What a conditional "present" write did: ``recorded``, ``facilitator`` (her
        pendamping's other mark stays) or ``already`` (present already)."""
        if changed:
            return "recorded"
        current = await self.attendance_mark(meeting_id, participant_id)
        if current is not None and current.source == FACILITATOR and current.status != PRESENT:
            return "facilitator"
        return "already"

    async def record_leader_mark(
        self, meeting_id: int, participant_id: int, leader_id: int, now: datetime
    ) -> str:
        """The leader marks a member present (no phone, a dead phone). Returns ``recorded``,
        ``already`` (present already, by anyone: nothing changes) or ``facilitator`` (her
        pendamping marked her otherwise; that mark wins and stays)."""
        changed = await self.write_one(
            "INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at,"
            " marked_by_leader) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (meeting_id, participant_id) DO UPDATE SET"
            " status = excluded.status, source = excluded.source, reason = NULL,"
            " checked_in_at = NULL, updated_at = excluded.updated_at, marked_by = NULL,"
            " marked_by_leader = excluded.marked_by_leader, checkin_via = NULL,"
            " checkin_flags = NULL, confirmed_by = NULL"
            " WHERE attendance.status != ? AND attendance.source != ?",
            (
                meeting_id,
                participant_id,
                PRESENT,
                LEADER,
                to_db(now),
                leader_id,
                PRESENT,
                FACILITATOR,
            ),
        )
        return await self._present_outcome(changed, meeting_id, participant_id)

    async def phone_mates_checked_in(self, meeting_id: int, participant_id: int) -> int:
        """How many others on her phone checked themselves in to this meeting already."""
        row = await self.read_one(
            "SELECT COUNT(*) FROM attendance a JOIN participants q ON q.id = a.participant_id"
            " JOIN participants p ON p.id = ? AND p.telegram_id = q.telegram_id AND q.id != p.id"
            " WHERE a.meeting_id = ? AND a.source = ? AND a.status = ?",
            (participant_id, meeting_id, SELF, PRESENT),
        )
        return int(row[0]) if row else 0

    async def add_checkin_flag(
        self, meeting_id: int, participant_id: int, flag: str, distance_m: int | None = None
    ) -> bool:
        """Add ``flag`` to her own check-in (and the distance, if given); False if she has no
        self check-in for the meeting (nothing changes)."""
        async with self.tx() as tx:
            row = await tx.one(
                "SELECT checkin_flags FROM attendance WHERE meeting_id = ? AND participant_id = ?"
                " AND source = ? AND status = ?",
                (meeting_id, participant_id, SELF, PRESENT),
            )
            if row is None:
                return False
            flags = (row[0] or "").split()
            if flag and flag not in flags:
                flags.append(flag)
            await tx.execute(
                "UPDATE attendance SET checkin_flags = ?, distance_m = COALESCE(?, distance_m)"
                " WHERE meeting_id = ? AND participant_id = ?",
                (" ".join(flags) or None, distance_m, meeting_id, participant_id),
            )
        return True

    async def confirm_checkin(self, meeting_id: int, participant_id: int, by: int) -> bool:
        """The facilitator confirms her self check-in (the mark stays, ``confirmed_by`` is
        set once); False if there is no self check-in to confirm."""
        return (
            await self.write_one(
                "UPDATE attendance SET confirmed_by = ?"
                " WHERE meeting_id = ? AND participant_id = ?"
                " AND source = ? AND status = ? AND confirmed_by IS NULL",
                (by, meeting_id, participant_id, SELF, PRESENT),
            )
            > 0
        )

    async def flagged_checkins(self, meeting_id: int) -> list[FlaggedCheckin]:
        """The self check-ins of a meeting that carry a flag, by name."""
        rows = await self.read_all(
            "SELECT p.*, a.checkin_flags AS a_flags, a.distance_m AS a_distance,"
            " a.confirmed_by AS a_confirmed, a.source AS a_source, a.status AS a_status"
            " FROM attendance a JOIN participants p ON p.id = a.participant_id"
            " WHERE a.meeting_id = ? AND a.checkin_flags IS NOT NULL"
            " ORDER BY p.name COLLATE NOCASE, p.id",
            (meeting_id,),
        )
        return [
            FlaggedCheckin(
                participant=participant_from(r),
                flags=tuple(str(r["a_flags"]).split()),
                distance_m=r["a_distance"],
                confirmed=r["a_confirmed"] is not None,
                still_self=r["a_source"] == SELF and r["a_status"] == PRESENT,
            )
            for r in rows
        ]

    async def set_mark(
        self,
        meeting_id: int,
        participant_id: int,
        status: str,
        facilitator_id: int,
        now: datetime,
    ) -> None:
        """The facilitator's mark (wins over her own check-in), logged with who made it."""
        async with self.tx() as tx:
            current = await _mark(tx, meeting_id, participant_id)
            reason = current.reason if current is not None and status == EXCUSED else None
            checked_in = current.checked_in_at if current is not None else None
            await _write_mark(
                tx,
                meeting_id,
                participant_id,
                status,
                FACILITATOR,
                reason,
                checked_in,
                facilitator_id,
                now,
            )

    async def checkin_gate(
        self, meeting_id: int, participant_id: int
    ) -> tuple[AttendanceMark | None, int, int]:
        """Her current mark, her wrong codes and her old (changed) codes so far, in one
        query (every check-in asks)."""
        row = await self.read_one(
            "SELECT a.*, w.wrong AS wrong_codes, w.old_codes AS old_codes"
            " FROM (SELECT ? AS m, ? AS p) AS t"
            " LEFT JOIN attendance a ON a.meeting_id = t.m AND a.participant_id = t.p"
            " LEFT JOIN checkin_attempts w ON w.meeting_id = t.m AND w.participant_id = t.p",
            (meeting_id, participant_id),
        )
        if row is None:  # pragma: no cover - the subquery always yields one row
            return None, 0, 0
        mark = mark_from(row) if row["meeting_id"] is not None else None
        return mark, int(row["wrong_codes"] or 0), int(row["old_codes"] or 0)

    async def add_wrong_code(
        self,
        meeting_id: int,
        participant_id: int,
        now: datetime | None = None,
        *,
        update_id: int | None = None,
    ) -> int:
        """Count one more wrong code; returns the new count. The same update delivered
        again (after a crash) is not counted twice."""
        async with self.tx() as tx:
            if await applied_before(tx, update_id, "wrong_code") is None:
                await tx.execute(
                    "INSERT INTO checkin_attempts (meeting_id, participant_id, wrong)"
                    " VALUES (?, ?, 1) ON CONFLICT (meeting_id, participant_id)"
                    " DO UPDATE SET wrong = checkin_attempts.wrong + 1",
                    (meeting_id, participant_id),
                )
                if now is not None:
                    await record_applied(tx, update_id, "wrong_code", [], now)
            row = await tx.one(
                "SELECT wrong FROM checkin_attempts WHERE meeting_id = ? AND participant_id = ?",
                (meeting_id, participant_id),
            )
        assert row is not None
        return int(row[0])

    async def add_old_code(
        self,
        meeting_id: int,
        participant_id: int,
        now: datetime | None = None,
        *,
        update_id: int | None = None,
    ) -> int:
        """Count one more code or link that had already changed; returns the new count.
        The same update delivered again is not counted twice."""
        async with self.tx() as tx:
            if await applied_before(tx, update_id, "old_code") is None:
                await tx.execute(
                    "INSERT INTO checkin_attempts (meeting_id, participant_id, old_codes)"
                    " VALUES (?, ?, 1) ON CONFLICT (meeting_id, participant_id)"
                    " DO UPDATE SET old_codes = checkin_attempts.old_codes + 1",
                    (meeting_id, participant_id),
                )
                if now is not None:
                    await record_applied(tx, update_id, "old_code", [], now)
            row = await tx.one(
                "SELECT old_codes FROM checkin_attempts"
                " WHERE meeting_id = ? AND participant_id = ?",
                (meeting_id, participant_id),
            )
        assert row is not None
        return int(row[0])

    async def old_code_counts(self, meeting_id: int) -> dict[int, int]:
        """Per participant: the old codes or links she tried for the meeting (if any)."""
        rows = await self.read_all(
            "SELECT participant_id, old_codes FROM checkin_attempts"
            " WHERE meeting_id = ? AND old_codes > 0",
            (meeting_id,),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def open_windows(
        self, earliest_start: datetime, latest_start: datetime
    ) -> list[CheckinMeeting]:
        """Meetings whose window has been opened and that are not finalized, starting in
        ``[earliest_start, latest_start]`` (partial index ``meetings_unfinalized``)."""
        rows = await self.read_all(
            "SELECT * FROM meetings WHERE finalized_at IS NULL AND status != 'cancelled'"
            " AND starts_at >= ? AND starts_at <= ? AND window_opened_at IS NOT NULL"
            " AND checkin_code IS NOT NULL ORDER BY starts_at, id",
            (to_db(earliest_start), to_db(latest_start)),
        )
        return [checkin_meeting_from(r) for r in rows]

    async def marking_table(self, meeting_id: int, group_id: int) -> list[MarkRow]:
        """Active members of the group, and anyone else marked for this meeting, by name."""
        rows = await self.read_all(
            "SELECT p.*, a.status AS a_status, a.source AS a_source, a.reason AS a_reason"
            " FROM participants p LEFT JOIN attendance a"
            "   ON a.meeting_id = ? AND a.participant_id = p.id"
            " WHERE p.group_id = ? AND (p.status = 'active' OR a.status IS NOT NULL)"
            " ORDER BY p.name COLLATE NOCASE, p.id",
            (meeting_id, group_id),
        )
        return [
            MarkRow(participant_from(r), r["a_status"], r["a_source"], r["a_reason"]) for r in rows
        ]

    async def attendance_log(
        self, meeting_id: int, participant_id: int | None = None
    ) -> list[LogEntry]:
        rows = await self.read_all(
            "SELECT * FROM attendance_log WHERE meeting_id = ?"
            " AND (? IS NULL OR participant_id = ?) ORDER BY id",
            (meeting_id, participant_id, participant_id),
        )
        return [
            LogEntry(
                id=r["id"],
                meeting_id=r["meeting_id"],
                participant_id=r["participant_id"],
                status=r["status"],
                source=r["source"],
                by_facilitator_id=r["by_facilitator_id"],
                at=from_db(r["at"]),
            )
            for r in rows
        ]

    async def past_marks(
        self, participant_id: int, after: datetime | None = None, limit: int | None = None
    ) -> list[PastMark]:
        """Her marks in held meetings starting after ``after``, oldest first (the newest
        ``limit`` of them when a limit is given)."""
        rows = await self.read_all(
            "SELECT * FROM (SELECT m.*, a.status AS a_status, a.source AS a_source,"
            "   a.reason AS a_reason FROM attendance a JOIN meetings m ON m.id = a.meeting_id"
            "   WHERE a.participant_id = ? AND m.status = 'held'"
            "   AND (? IS NULL OR m.starts_at > ?)"
            "   ORDER BY m.starts_at DESC, m.id DESC LIMIT ?) AS recent"
            " ORDER BY starts_at, id",
            (
                participant_id,
                to_db(after) if after else None,
                to_db(after) if after else None,
                -1 if limit is None else limit,
            ),
        )
        return [
            PastMark(meeting_from(r), r["a_status"], r["a_source"], r["a_reason"]) for r in rows
        ]

    async def last_present(self, participant_id: int) -> Meeting | None:
        """The latest meeting she attended."""
        row = await self.read_one(
            "SELECT m.* FROM attendance a JOIN meetings m ON m.id = a.meeting_id"
            " WHERE a.participant_id = ? AND a.status = 'present' AND m.status = 'held'"
            " ORDER BY m.starts_at DESC LIMIT 1",
            (participant_id,),
        )
        return meeting_from(row) if row else None

    async def meeting_marks(self, meeting_id: int) -> list[tuple[Participant, AttendanceMark]]:
        """Every mark of a meeting with its participant, by name."""
        rows = await self.read_all(
            "SELECT p.*, a.meeting_id AS a_meeting_id, a.status AS a_status,"
            " a.source AS a_source, a.reason AS a_reason, a.checked_in_at AS a_checked_in_at,"
            " a.updated_at AS a_updated_at"
            " FROM attendance a JOIN participants p ON p.id = a.participant_id"
            " WHERE a.meeting_id = ? ORDER BY p.name COLLATE NOCASE, p.id",
            (meeting_id,),
        )
        return [
            (
                participant_from(r),
                AttendanceMark(
                    meeting_id=r["a_meeting_id"],
                    participant_id=r["id"],
                    status=MarkStatus(r["a_status"]),
                    source=MarkSource(r["a_source"]),
                    reason=r["a_reason"],
                    checked_in_at=_opt(r["a_checked_in_at"]),
                    updated_at=from_db(r["a_updated_at"]),
                ),
            )
            for r in rows
        ]
