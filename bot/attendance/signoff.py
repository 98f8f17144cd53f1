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
from bot.attendance.signoff_text import CONFIRM, CORRECT, sign_off_block
from bot.auth import Actor
from db.attendance import ABSENT, FlaggedCheckin
from db.models import Group

SIGN_OFF_LIMIT = 20
"""Flagged check-ins listed with buttons in one summary; more are named with a pointer to
the marking screen (a keyboard of 40 buttons is already long on a small phone)."""


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

    async def _sign_off_part(self, meeting_id: int) -> tuple[str, list[list[tuple[str, str]]]]:
        """For the summary at the close (bot/attendance/finalize.py)."""
        return self.sign_off_block(meeting_id, await self.pending_sign_off(meeting_id))

    def sign_off_block(
        self, meeting_id: int, pending: Sequence[FlaggedCheckin]
    ) -> tuple[str, list[list[tuple[str, str]]]]:
        """The summary's part for the sign-off (``bot/attendance/signoff_text.py``)."""
        return sign_off_block(self._catalog, meeting_id, pending[:SIGN_OFF_LIMIT], len(pending))

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
