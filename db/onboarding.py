"""Queries for facilitators, invites, groups, participants and chat states."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiosqlite

from db.base import DatabaseBase, Tx, applied_before, record_applied
from db.connection import from_db, to_db
from db.models import (
    ChatState,
    Facilitator,
    FacilitatorInvite,
    Group,
    GroupSummary,
    Participant,
    PrivateNote,
    Who,
)
from db.outbox import decode_payload_with_photo

PHONE_LIMIT = 6  # people on one Telegram account (a family's phone, not a whole group's)


def _opt_time(value: str | None) -> datetime | None:
    return from_db(value) if value is not None else None


def facilitator_from(row: aiosqlite.Row) -> Facilitator:
    return Facilitator(row["id"], row["telegram_id"], row["name"], from_db(row["created_at"]))


def invite_from(row: aiosqlite.Row) -> FacilitatorInvite:
    return FacilitatorInvite(
        code=row["code"],
        name=row["name"],
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
        used_at=_opt_time(row["used_at"]),
        facilitator_id=row["facilitator_id"],
    )


def group_from(row: aiosqlite.Row) -> Group:
    return Group(
        id=row["id"],
        facilitator_id=row["facilitator_id"],
        name=row["name"],
        timezone=row["timezone"],
        place=row["place"],
        join_code=row["join_code"],
        leader_id=row["leader_id"],
        created_at=from_db(row["created_at"]),
        kecamatan=row["kecamatan"],
        place_lat=row["place_lat"] if "place_lat" in row.keys() else None,  # noqa: SIM118
        place_lon=row["place_lon"] if "place_lon" in row.keys() else None,  # noqa: SIM118
    )


def participant_from(row: aiosqlite.Row, prefix: str = "") -> Participant:
    """A participant from ``participants`` columns (named ``<prefix><column>`` in a join)."""
    keys = row.keys()
    return Participant(
        id=row[f"{prefix}id"],
        group_id=row[f"{prefix}group_id"],
        telegram_id=row[f"{prefix}telegram_id"],
        name=row[f"{prefix}name"],
        phone=row[f"{prefix}phone"],
        status=row[f"{prefix}status"],
        reachable=bool(row[f"{prefix}reachable"]),
        joined_at=from_db(row[f"{prefix}joined_at"]),
        left_at=_opt_time(row[f"{prefix}left_at"]),
        address=row[f"{prefix}address"] if f"{prefix}address" in keys else "ibu",
        voice=row[f"{prefix}voice"] if f"{prefix}voice" in keys else "summary",
    )


# The columns of ``groups g`` under ``g_`` names, for queries that join a group in.
GROUP_COLUMNS = (
    "g.id AS g_id, g.facilitator_id AS g_facilitator_id, g.name AS g_name,"
    " g.timezone AS g_timezone, g.place AS g_place, g.join_code AS g_join_code,"
    " g.leader_id AS g_leader_id, g.created_at AS g_created_at, g.kecamatan AS g_kecamatan,"
    " g.place_lat AS g_place_lat, g.place_lon AS g_place_lon"
)


def joined_group_from(row: aiosqlite.Row) -> Group:
    """The group of a row selected with :data:`GROUP_COLUMNS`."""
    return Group(
        id=row["g_id"],
        facilitator_id=row["g_facilitator_id"],
        name=row["g_name"],
        timezone=row["g_timezone"],
        place=row["g_place"],
        join_code=row["g_join_code"],
        leader_id=row["g_leader_id"],
        created_at=from_db(row["g_created_at"]),
        kecamatan=row["g_kecamatan"],
        place_lat=row["g_place_lat"],
        place_lon=row["g_place_lon"],
    )


async def _group(tx: Tx, group_id: int) -> Group | None:
    row = await tx.one("SELECT * FROM groups WHERE id = ?", (group_id,))
    return group_from(row) if row else None


class OnboardingQueries(DatabaseBase):
    # -- facilitators and invites -------------------------------------------------

    async def create_facilitator_invite(
        self, code: str, name: str, now: datetime, expires_at: datetime
    ) -> FacilitatorInvite:
        async with self.tx() as tx:
            await tx.execute(
                "INSERT INTO facilitator_invites (code, name, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (code, name, to_db(now), to_db(expires_at)),
            )
            row = await tx.one("SELECT * FROM facilitator_invites WHERE code = ?", (code,))
        assert row is not None
        return invite_from(row)

    async def facilitator_invite(self, code: str) -> FacilitatorInvite | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM facilitator_invites WHERE code = ?", (code,))
        return invite_from(row) if row else None

    async def redeem_facilitator_invite(
        self, code: str, telegram_id: int, now: datetime
    ) -> Facilitator | None:
        """Register the facilitator and spend the invite, atomically.

        Returns None when the invite is unknown, used or expired by ``now``.
        """
        async with self.tx() as tx:
            row = await tx.one(
                "SELECT * FROM facilitator_invites WHERE code = ? AND used_at IS NULL"
                " AND expires_at > ?",
                (code, to_db(now)),
            )
            if row is None:
                return None
            fac_id = await tx.insert(
                "INSERT INTO facilitators (telegram_id, name, created_at) VALUES (?, ?, ?)",
                (telegram_id, row["name"], to_db(now)),
            )
            await tx.execute(
                "UPDATE facilitator_invites SET used_at = ?, facilitator_id = ? WHERE code = ?",
                (to_db(now), fac_id, code),
            )
            fac = await tx.one("SELECT * FROM facilitators WHERE id = ?", (fac_id,))
        assert fac is not None
        return facilitator_from(fac)

    async def who(self, telegram_id: int) -> Who:
        """Everything needed to know who is writing (the facilitator, or the people on this
        phone with their groups and the one chosen on it), and whether a dialogue is
        pending, in one query (every update asks)."""
        rows = await self.read_all(
            "SELECT f.id AS f_id, f.name AS f_name, f.created_at AS f_created_at,"
            " p.id AS p_id, p.group_id AS p_group_id, p.name AS p_name, p.phone AS p_phone,"
            " p.telegram_id AS p_telegram_id,"
            " p.status AS p_status, p.reachable AS p_reachable, p.joined_at AS p_joined_at,"
            " p.left_at AS p_left_at, p.address AS p_address, p.voice AS p_voice,"
            f" {GROUP_COLUMNS}, c.participant_id AS chosen, c.chosen_at AS chosen_at,"
            " EXISTS (SELECT 1 FROM chat_states s WHERE s.telegram_id = t.tid) AS pending"
            " FROM (SELECT ? AS tid) AS t"
            " LEFT JOIN facilitators f ON f.telegram_id = t.tid"
            " LEFT JOIN participants p ON p.telegram_id = t.tid AND p.status = 'active'"
            " LEFT JOIN groups g ON g.id = p.group_id"
            " LEFT JOIN phone_choices c ON c.telegram_id = t.tid"
            " ORDER BY p.id",
            (telegram_id,),
        )
        first = rows[0]
        facilitator = (
            Facilitator(
                first["f_id"], telegram_id, first["f_name"], from_db(first["f_created_at"])
            )
            if first["f_id"] is not None
            else None
        )
        people = tuple(
            (participant_from(row, "p_"), joined_group_from(row))
            for row in rows
            if row["p_id"] is not None
        )
        return Who(
            facilitator,
            people,
            bool(first["pending"]),
            first["chosen"],
            _opt_time(first["chosen_at"]),
        )

    async def facilitator_by_telegram(self, telegram_id: int) -> Facilitator | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM facilitators WHERE telegram_id = ?", (telegram_id,))
        return facilitator_from(row) if row else None

    async def facilitator(self, facilitator_id: int) -> Facilitator | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM facilitators WHERE id = ?", (facilitator_id,))
        return facilitator_from(row) if row else None

    # -- groups -------------------------------------------------------------------

    async def create_group(
        self,
        facilitator_id: int,
        name: str,
        timezone: str,
        place: str,
        join_code: str,
        now: datetime,
        *,
        kecamatan: str = "",
        update_id: int | None = None,
    ) -> Group:
        """A new group; the same update delivered again returns the group it made."""
        async with self.tx() as tx:
            before = await applied_before(tx, update_id, "group")
            if before is not None:
                group_id = before[0]
            else:
                group_id = await tx.insert(
                    "INSERT INTO groups (facilitator_id, name, timezone, place, join_code,"
                    " created_at, kecamatan) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (facilitator_id, name, timezone, place, join_code, to_db(now), kecamatan),
                )
                await record_applied(tx, update_id, "group", [group_id], now)
            group = await _group(tx, group_id)
        assert group is not None
        return group

    async def group(self, group_id: int) -> Group | None:
        async with self.tx(write=False) as tx:
            return await _group(tx, group_id)

    async def set_kecamatan(self, group_id: int, facilitator_id: int, kecamatan: str) -> bool:
        """Her group's kecamatan; False when the group is not hers."""
        async with self.tx() as tx:
            changed = await tx.changes(
                "UPDATE groups SET kecamatan = ? WHERE id = ? AND facilitator_id = ?",
                (kecamatan, group_id, facilitator_id),
            )
        return changed == 1

    async def kecamatans_of(self, facilitator_id: int) -> list[str]:
        """The kecamatans of her groups, most used first."""
        rows = await self.read_all(
            "SELECT kecamatan FROM groups WHERE facilitator_id = ? AND kecamatan != ''"
            " GROUP BY kecamatan ORDER BY count(*) DESC, kecamatan COLLATE NOCASE",
            (facilitator_id,),
        )
        return [r["kecamatan"] for r in rows]

    async def group_by_join_code(self, join_code: str) -> Group | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM groups WHERE join_code = ?", (join_code,))
        return group_from(row) if row else None

    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]:
        rows = await self.read_all(
            "SELECT g.*, "
            " (SELECT COUNT(*) FROM participants p"
            "   WHERE p.group_id = g.id AND p.status = 'active') AS members,"
            " (SELECT name FROM participants l WHERE l.id = g.leader_id) AS leader_name"
            " FROM groups g WHERE g.facilitator_id = ? ORDER BY g.name, g.id",
            (facilitator_id,),
        )
        return [GroupSummary(group_from(r), r["members"], r["leader_name"]) for r in rows]

    async def renew_join_code(
        self, group_id: int, join_code: str, now: datetime, *, update_id: int | None = None
    ) -> Group | None:
        """A new join code (the old link stops working); the same update delivered again
        keeps the code it made, so the link she was shown stays the valid one."""
        async with self.tx() as tx:
            if await applied_before(tx, update_id, f"join_code:{group_id}") is None:
                await tx.execute(
                    "UPDATE groups SET join_code = ? WHERE id = ?", (join_code, group_id)
                )
                await record_applied(tx, update_id, f"join_code:{group_id}", [], now)
            return await _group(tx, group_id)

    async def set_place_location(self, group_id: int, lat: float, lon: float) -> bool:
        """The meeting place of the group as a location (replaces an earlier one)."""
        async with self.tx() as tx:
            changed = await tx.changes(
                "UPDATE groups SET place_lat = ?, place_lon = ? WHERE id = ?",
                (lat, lon, group_id),
            )
        return changed == 1

    async def set_leader(self, group_id: int, participant_id: int) -> bool:
        """Appoint an active member of the group; False if she is not one."""
        async with self.tx() as tx:
            changed = await tx.changes(
                "UPDATE groups SET leader_id = ? WHERE id = ? AND EXISTS ("
                " SELECT 1 FROM participants WHERE id = ? AND group_id = ? AND status = 'active')",
                (participant_id, group_id, participant_id, group_id),
            )
        return changed == 1

    # -- participants -------------------------------------------------------------

    async def add_participant(
        self,
        group_id: int,
        telegram_id: int | None,
        name: str,
        phone: str | None,
        now: datetime,
        address: str = "ibu",
        *,
        update_id: int | None = None,
    ) -> Participant | None:
        """Add an active member; None when that Telegram account already holds her (the
        same name, in any group: a person is in one group) or is full. The same update
        delivered again returns the member it added."""
        async with self.tx() as tx:
            before = await applied_before(tx, update_id, "participant")
            if before is not None:
                row = await tx.one("SELECT * FROM participants WHERE id = ?", (before[0],))
                return participant_from(row) if row is not None else None
            if telegram_id is not None:
                # A phone holds several people, but each only once, in one group (the same
                # name again is her, on a second link), and not more than PHONE_LIMIT.
                on_phone = await tx.all(
                    "SELECT name FROM participants WHERE telegram_id = ? AND status = 'active'",
                    (telegram_id,),
                )
                if len(on_phone) >= PHONE_LIMIT or any(
                    r["name"].casefold() == name.casefold() for r in on_phone
                ):
                    return None
            pid = await tx.insert(
                "INSERT INTO participants (group_id, telegram_id, name, phone, joined_at, address)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (group_id, telegram_id, name, phone, to_db(now), address),
            )
            await record_applied(tx, update_id, "participant", [pid], now)
            row = await tx.one("SELECT * FROM participants WHERE id = ?", (pid,))
        assert row is not None
        return participant_from(row)

    async def participant(self, participant_id: int) -> Participant | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM participants WHERE id = ?", (participant_id,))
        return participant_from(row) if row else None

    async def participant_by_telegram(self, telegram_id: int) -> Participant | None:
        """The first active membership on that phone, if any (``who``: all of them)."""
        row = await self.read_one(
            "SELECT * FROM participants WHERE telegram_id = ? AND status = 'active' ORDER BY id",
            (telegram_id,),
        )
        return participant_from(row) if row else None

    async def members(self, group_id: int) -> list[Participant]:
        rows = await self.read_all(
            "SELECT * FROM participants WHERE group_id = ? AND status = 'active'"
            " ORDER BY name COLLATE NOCASE, id",
            (group_id,),
        )
        return [participant_from(r) for r in rows]

    async def remove_participant(self, participant_id: int, group_id: int, now: datetime) -> bool:
        """Mark an active member of ``group_id`` as left (and no longer leader)."""
        async with self.tx() as tx:
            changed = await tx.changes(
                "UPDATE participants SET status = 'left', left_at = ?"
                " WHERE id = ? AND group_id = ? AND status = 'active'",
                (to_db(now), participant_id, group_id),
            )
            if changed:
                await tx.execute(
                    "UPDATE groups SET leader_id = NULL WHERE id = ? AND leader_id = ?",
                    (group_id, participant_id),
                )
        return changed == 1

    async def set_reachable(self, telegram_id: int, reachable: bool) -> list[Participant]:
        """Everyone on that phone is reachable, or not, together. Returns them."""
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE participants SET reachable = ?,"
                " unreachable_since = CASE WHEN ? = 1 THEN NULL ELSE unreachable_since END"
                " WHERE telegram_id = ? AND status = 'active'",
                (int(reachable), int(reachable), telegram_id),
            )
            rows = await tx.all(
                "SELECT * FROM participants WHERE telegram_id = ? AND status = 'active'"
                " ORDER BY id",
                (telegram_id,),
            )
        return [participant_from(r) for r in rows]

    # -- shared phones ------------------------------------------------------------

    async def choose_person(self, telegram_id: int, participant_id: int, now: datetime) -> bool:
        """Remember who uses the phone now; False when she is not (or no longer) on it."""
        async with self.tx() as tx:
            return (
                await tx.changes(
                    "INSERT INTO phone_choices (telegram_id, participant_id, chosen_at)"
                    " SELECT telegram_id, id, ? FROM participants"
                    " WHERE id = ? AND telegram_id = ? AND status = 'active'"
                    " ON CONFLICT (telegram_id) DO UPDATE SET"
                    " participant_id = excluded.participant_id, chosen_at = excluded.chosen_at",
                    (to_db(now), participant_id, telegram_id),
                )
                == 1
            )

    async def private_note(self, note_id: int) -> PrivateNote | None:
        row = await self.read_one("SELECT * FROM private_notes WHERE id = ?", (note_id,))
        if row is None:
            return None
        text, buttons, _ = decode_payload_with_photo(row["payload"])
        return PrivateNote(
            row["id"],
            row["participant_id"],
            text,
            buttons,
            from_db(row["created_at"]),
            _opt_time(row["opened_at"]),
        )

    async def open_private_note(self, note_id: int, now: datetime) -> None:
        """The first time she opened it (kept for the erasure of a phone's notes)."""
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE private_notes SET opened_at = ? WHERE id = ? AND opened_at IS NULL",
                (to_db(now), note_id),
            )

    # -- chat states --------------------------------------------------------------

    async def chat_state(self, telegram_id: int) -> ChatState | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM chat_states WHERE telegram_id = ?", (telegram_id,))
        if row is None:
            return None
        return ChatState(
            row["telegram_id"], row["kind"], json.loads(row["data"]), from_db(row["updated_at"])
        )

    async def set_chat_state(
        self, telegram_id: int, kind: str, data: Mapping[str, Any], now: datetime
    ) -> None:
        await self.write_one(
            "INSERT INTO chat_states (telegram_id, kind, data, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
            " kind = excluded.kind, data = excluded.data, updated_at = excluded.updated_at",
            (telegram_id, kind, json.dumps(dict(data), ensure_ascii=False), to_db(now)),
        )

    async def clear_chat_state(self, telegram_id: int) -> bool:
        changed = await self.write_one(
            "DELETE FROM chat_states WHERE telegram_id = ?", (telegram_id,)
        )
        return changed > 0

    # -- group chats --------------------------------------------------------------

    async def mark_group_chat_notified(self, chat_id: int, now: datetime) -> bool:
        """True the first time for ``chat_id``, False afterwards."""
        async with self.tx() as tx:
            return (
                await tx.changes(
                    "INSERT OR IGNORE INTO group_chats_notified (chat_id, notified_at)"
                    " VALUES (?, ?)",
                    (chat_id, to_db(now)),
                )
                == 1
            )

    # -- process state ------------------------------------------------------------

    async def last_update_id(self) -> int | None:
        """The id of the last Telegram update handled to the end (polling)."""
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT value FROM bot_state WHERE key = 'last_update_id'")
        return int(row["value"]) if row else None

    async def set_last_update_id(self, update_id: int) -> None:
        await self.write_one(
            "INSERT INTO bot_state (key, value) VALUES ('last_update_id', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(update_id),),
        )

    async def handled_above(self) -> list[int]:
        """Updates handled out of order, above ``last_update_id`` (concurrent polling)."""
        row = await self.read_one("SELECT value FROM bot_state WHERE key = 'handled_above'")
        return [int(v) for v in json.loads(row[0])] if row is not None else []

    async def set_polling_state(self, last_update_id: int | None, above: list[int]) -> None:
        """Every update up to ``last_update_id`` is handled, and so are those in ``above``
        (one statement, so the two never disagree). ``None``: none in order yet."""
        if last_update_id is None:
            await self.write_one(
                "INSERT INTO bot_state (key, value) VALUES ('handled_above', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (json.dumps(above),),
            )
            return
        await self.write_one(
            "INSERT INTO bot_state (key, value) VALUES ('last_update_id', ?),"
            " ('handled_above', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(last_update_id), json.dumps(above)),
        )
