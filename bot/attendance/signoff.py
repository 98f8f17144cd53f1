"""The facilitator signs off: at the close her summary lists the self check-ins that carry
a flag (an old code tried, far from the meeting place, very late; an account used by several
members once such accounts exist) with two buttons each: confirm (the mark stays, noted as
confirmed) or correct (she was not there: absent, marked by the facilitator). Unflagged
check-ins need nothing.

Buttons: ``ks:<meeting>:<participant>:<ok|no>`` (``SIGN_OFF``), answered in
handlers/marking.py. Both are idempotent: a confirmation is written once, a correction sets
the same mark again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.attendance.marking import Marking, MarkingStore
from bot.auth import Actor
from bot.callbacks import SIGN_OFF
from db.attendance import ABSENT, FlaggedCheckin
from db.models import Group

SIGN_OFF_LIMIT = 20
"""Flagged check-ins listed with buttons in one summary; more are named with a pointer to
the marking screen (a keyboard of 40 buttons is already long on a small phone)."""
CONFIRM, CORRECT = "ok", "no"


class SignOffResult(StrEnum):
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    ALREADY = "already"  # confirmed before, or her mark was changed since: nothing to do
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class SignOffOutcome:
    result: SignOffResult
    name: str = ""
    pending: tuple[FlaggedCheckin, ...] = ()  # still to sign off, for the summary's buttons


class SignOffStore(MarkingStore, Protocol):
    """The queries of the sign-off at the close (``db/attendance.py``)."""

    async def confirm_checkin(self, meeting_id: int, participant_id: int, by: int) -> bool: ...

    async def flagged_checkins(self, meeting_id: int) -> list[FlaggedCheckin]: ...


class SignOff(Marking):
    """Flagged self check-ins and the facilitator's one-tap confirm or correct (a
    correction is the facilitator's mark, :meth:`Marking.mark`)."""

    _signoff_db: SignOffStore

    async def pending_sign_off(self, meeting_id: int) -> list[FlaggedCheckin]:
        """Flagged self check-ins not yet confirmed nor changed by the facilitator."""
        return [
            f
            for f in await self._signoff_db.flagged_checkins(meeting_id)
            if f.still_self and not f.confirmed
        ]

    def flag_text(self, flagged: FlaggedCheckin) -> str:
        """``Siti: kode lama dicoba; 850 m dari tempat pertemuan``."""
        t = self._catalog.t
        reasons = []
        for flag in flagged.flags:
            key = f"attendance.flag_{flag}"
            if not self._catalog.has(key):
                continue
            if flag == "far":
                meters = flagged.distance_m if flagged.distance_m is not None else 0
                reasons.append(t(key, meters=self._catalog.number(meters)))
            else:
                reasons.append(t(key))
        return t("attendance.signoff_item", name=flagged.participant.name, why="; ".join(reasons))

    async def _sign_off_part(self, meeting_id: int) -> tuple[str, list[list[tuple[str, str]]]]:
        """For the summary at the close (bot/attendance/finalize.py)."""
        return self.sign_off_block(meeting_id, await self.pending_sign_off(meeting_id))

    def sign_off_block(
        self, meeting_id: int, pending: Sequence[FlaggedCheckin]
    ) -> tuple[str, list[list[tuple[str, str]]]]:
        """The summary's part for the sign-off: the lines and the buttons (empty: none)."""
        if not pending:
            return "", []
        t = self._catalog.t
        shown = pending[:SIGN_OFF_LIMIT]
        lines = [t("attendance.signoff_title", count=len(pending))]
        lines += [self.flag_text(f) for f in shown]
        if len(pending) > len(shown):
            lines.append(t("attendance.signoff_more", count=len(pending) - len(shown)))
        buttons = [
            [
                (
                    t("attendance.button_signoff_ok", name=f.participant.name),
                    SIGN_OFF.data(meeting_id, f.participant.id, CONFIRM),
                ),
                (
                    t("attendance.button_signoff_no"),
                    SIGN_OFF.data(meeting_id, f.participant.id, CORRECT),
                ),
            ]
            for f in shown
        ]
        return "\n".join(lines), buttons

    async def sign_off(
        self, actor: Actor, meeting_id: int, participant_id: int, choice: str, now: datetime
    ) -> SignOffOutcome:
        """Confirm (``ok``) or correct (``no``: absent) one flagged self check-in of one of
        her groups' meetings."""
        found = await self.owned(actor, meeting_id)
        if found is None or actor.facilitator is None or choice not in {CONFIRM, CORRECT}:
            return SignOffOutcome(SignOffResult.NOT_YOURS)
        group: Group = found[1]
        flagged = {
            f.participant.id: f for f in await self._signoff_db.flagged_checkins(meeting_id)
        }
        item = flagged.get(participant_id)
        if item is None or item.participant.group_id != group.id:
            return SignOffOutcome(SignOffResult.NOT_YOURS)
        name = item.participant.name
        if not item.still_self or item.confirmed:
            return SignOffOutcome(
                SignOffResult.ALREADY, name, tuple(await self.pending_sign_off(meeting_id))
            )
        if choice == CONFIRM:
            await self._signoff_db.confirm_checkin(
                meeting_id, participant_id, actor.facilitator.id
            )
            result = SignOffResult.CONFIRMED
        else:
            await self.mark(actor, meeting_id, participant_id, ABSENT, now)
            result = SignOffResult.CORRECTED
        return SignOffOutcome(result, name, tuple(await self.pending_sign_off(meeting_id)))
