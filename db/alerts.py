"""Absence (and unreachable) alerts and the follow-ups recorded on them: the SQL of
bot/attendance/alerts.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from db.base import DatabaseBase, Tx, applied_before, placeholders, record_applied
from db.connection import from_db, to_db


class AlertKind(StrEnum):
    """What an alert is about (``alerts.kind``)."""

    ABSENCE = "absence"  # unexcused misses crossed the policy
    UNREACHABLE = "unreachable"  # she blocked the bot


def _opt(value: str | None) -> datetime | None:
    return from_db(value) if value is not None else None


@dataclass(frozen=True)
class Alert:
    id: int
    participant_id: int
    group_id: int
    kind: AlertKind
    trigger_meeting_id: int | None
    missed: tuple[int, ...]
    status: str  # open, closed
    opened_at: datetime
    reminded_at: datetime | None
    closed_at: datetime | None
    closed_reason: str | None

    @property
    def open(self) -> bool:
        return self.status == "open"


def alert_from(row: aiosqlite.Row) -> Alert:
    return Alert(
        id=row["id"],
        participant_id=row["participant_id"],
        group_id=row["group_id"],
        kind=AlertKind(row["kind"]),
        trigger_meeting_id=row["trigger_meeting_id"],
        missed=tuple(int(m) for m in json.loads(row["missed"])),
        status=row["status"],
        opened_at=from_db(row["opened_at"]),
        reminded_at=_opt(row["reminded_at"]),
        closed_at=_opt(row["closed_at"]),
        closed_reason=row["closed_reason"],
    )


@dataclass(frozen=True)
class AlertAction:
    id: int
    alert_id: int
    action: str  # contacted, visit_scheduled, visit_done
    note: str | None
    by_facilitator_id: int
    at: datetime


def action_from(row: aiosqlite.Row) -> AlertAction:
    return AlertAction(
        id=row["id"],
        alert_id=row["alert_id"],
        action=row["action"],
        note=row["note"],
        by_facilitator_id=row["by_facilitator_id"],
        at=from_db(row["at"]),
    )


async def _alert(tx: Tx, alert_id: int) -> Alert | None:
    row = await tx.one("SELECT * FROM alerts WHERE id = ?", (alert_id,))
    return alert_from(row) if row else None


class AlertQueries(DatabaseBase):
    async def alert(self, alert_id: int) -> Alert | None:
        async with self.tx(write=False) as tx:
            return await _alert(tx, alert_id)

    async def open_alert(self, participant_id: int, kind: str) -> Alert | None:
        row = await self.read_one(
            "SELECT * FROM alerts WHERE participant_id = ? AND kind = ? AND status = 'open'"
            " ORDER BY id LIMIT 1",
            (participant_id, kind),
        )
        return alert_from(row) if row else None

    async def last_alert_closed_at(self, participant_id: int, kind: str) -> datetime | None:
        row = await self.read_one(
            "SELECT max(closed_at) FROM alerts WHERE participant_id = ? AND kind = ?"
            " AND status = 'closed'",
            (participant_id, kind),
        )
        return from_db(row[0]) if row and row[0] else None

    async def create_alert(
        self,
        participant_id: int,
        group_id: int,
        kind: str,
        trigger_meeting_id: int | None,
        missed: Sequence[int],
        now: datetime,
    ) -> Alert | None:
        """A new open alert; None when it exists already (the same crossing, or an open
        ``unreachable`` follow-up)."""
        async with self.tx() as tx:
            row = await tx.one(
                "INSERT OR IGNORE INTO alerts"
                " (participant_id, group_id, kind, trigger_meeting_id, missed, opened_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
                (
                    participant_id,
                    group_id,
                    kind,
                    trigger_meeting_id,
                    json.dumps(list(missed)),
                    to_db(now),
                ),
            )
        return None if row is None else alert_from(row)

    async def set_alert_missed(self, alert_id: int, missed: Sequence[int]) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE alerts SET missed = ? WHERE id = ? AND status = 'open'",
                (json.dumps(list(missed)), alert_id),
            )

    async def close_alert(self, alert_id: int, reason: str, now: datetime) -> bool:
        async with self.tx() as tx:
            changed = await tx.changes(
                "UPDATE alerts SET status = 'closed', closed_at = ?, closed_reason = ?"
                " WHERE id = ? AND status = 'open'",
                (to_db(now), reason, alert_id),
            )
        return changed == 1

    async def open_alerts_of_groups(self, group_ids: Sequence[int]) -> list[Alert]:
        ids = list(group_ids)
        if not ids:
            return []
        marks = placeholders(len(ids))
        rows = await self.read_all(
            f"SELECT * FROM alerts WHERE group_id IN ({marks}) AND status = 'open'"
            " ORDER BY opened_at, id",
            ids,
        )
        return [alert_from(r) for r in rows]

    async def alerts_to_remind(self, opened_before: datetime) -> list[Alert]:
        """Open alerts opened at or before ``opened_before``, not brought back yet, and with
        no follow-up recorded since (she has already acted on them)."""
        rows = await self.read_all(
            "SELECT * FROM alerts WHERE status = 'open' AND opened_at <= ?"
            " AND reminded_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM alert_actions a WHERE a.alert_id = alerts.id)"
            " ORDER BY opened_at, id",
            (to_db(opened_before),),
        )
        return [alert_from(r) for r in rows]

    async def set_alert_reminded(self, alert_id: int, now: datetime) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE alerts SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
                (to_db(now), alert_id),
            )

    async def alerts_resolved(self) -> tuple[list[tuple[Alert, str]], int]:
        """Open alerts that resolved themselves: she left the group (``left``), or an
        ``unreachable`` follow-up for someone the bot can reach again (``reachable``).
        Only participants noted in ``alert_checks`` (by the triggers of migration 16) are
        looked at; also returns the last note read, for :meth:`alert_checks_done`."""
        last = await self.read_one("SELECT MAX(id) FROM alert_checks")
        upto = int(last[0]) if last is not None and last[0] is not None else 0
        if not upto:
            return [], 0
        rows = await self.read_all(
            "SELECT a.*, p.status AS p_status FROM"
            " (SELECT DISTINCT participant_id FROM alert_checks WHERE id <= ?) c"
            # CROSS JOIN keeps this order (SQLite does not reorder it): from the few noted
            # participants to their open alerts, never from all open alerts.
            " CROSS JOIN participants p ON p.id = c.participant_id"
            " CROSS JOIN alerts a ON a.participant_id = c.participant_id AND a.status = 'open'"
            " WHERE p.status = 'left' OR (a.kind = 'unreachable' AND p.reachable = 1)"
            " ORDER BY a.id",
            (upto,),
        )
        resolved = [
            (alert_from(r), "left" if r["p_status"] == "left" else "reachable") for r in rows
        ]
        return resolved, upto

    async def alert_checks_done(self, upto: int) -> None:
        """The notes up to ``upto`` were looked at (their alerts closed): forget them. A note
        made meanwhile has a larger id and waits for the next tick."""
        if upto:
            await self.write_one("DELETE FROM alert_checks WHERE id <= ?", (upto,))

    async def add_alert_action(
        self,
        alert_id: int,
        action: str,
        facilitator_id: int,
        now: datetime,
        *,
        close_reason: str | None = None,
        update_id: int | None = None,
    ) -> int | None:
        """Record a follow-up action on an open alert (and close it with ``close_reason``),
        in one transaction with the update that asked for it: the same update delivered
        again returns the action it recorded then, and records nothing. None when the
        alert is not open (and this update did not close it)."""
        async with self.tx() as tx:
            before = await applied_before(tx, update_id, "alert_action")
            if before is not None:
                return before[0]
            row = await tx.one("SELECT status FROM alerts WHERE id = ?", (alert_id,))
            if row is None or row["status"] != "open":
                return None
            action_id = await tx.insert(
                "INSERT INTO alert_actions (alert_id, action, by_facilitator_id, at)"
                " VALUES (?, ?, ?, ?)",
                (alert_id, action, facilitator_id, to_db(now)),
            )
            if close_reason is not None:
                await tx.execute(
                    "UPDATE alerts SET status = 'closed', closed_at = ?, closed_reason = ?"
                    " WHERE id = ? AND status = 'open'",
                    (to_db(now), close_reason, alert_id),
                )
            await record_applied(tx, update_id, "alert_action", [action_id], now)
            return action_id

    async def alert_action(self, action_id: int) -> AlertAction | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM alert_actions WHERE id = ?", (action_id,))
        return action_from(row) if row else None

    async def set_action_note(self, action_id: int, note: str) -> bool:
        async with self.tx() as tx:
            changed = await tx.changes(
                "UPDATE alert_actions SET note = ? WHERE id = ?", (note, action_id)
            )
        return changed == 1

    async def actions_done(self, alert_ids: Sequence[int]) -> dict[int, list[str]]:
        """The follow-up actions recorded on each alert, first done first, each once."""
        ids = list(alert_ids)
        if not ids:
            return {}
        rows = await self.read_all(
            "SELECT alert_id, action, MIN(id) AS first FROM alert_actions"
            f" WHERE alert_id IN ({placeholders(len(ids))})"
            " GROUP BY alert_id, action ORDER BY alert_id, first",
            ids,
        )
        done: dict[int, list[str]] = {}
        for r in rows:
            done.setdefault(r["alert_id"], []).append(r["action"])
        return done

    async def alert_actions(self, alert_id: int) -> list[AlertAction]:
        rows = await self.read_all(
            "SELECT * FROM alert_actions WHERE alert_id = ? ORDER BY id", (alert_id,)
        )
        return [action_from(r) for r in rows]
