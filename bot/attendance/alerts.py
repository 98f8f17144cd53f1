"""Absence alerts and follow-ups: raising, re-raising and closing alerts by the rule of
``bot/attendance/alert_rule.py`` (also the recap's), the follow-up actions and notes, the
facilitator's digest. A mother who blocked the bot gets an "unreachable" follow-up the
same way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.attendance.alert_rule import Mark, Policy, evaluate
from bot.attendance.alert_text import AlertFacts, alert_text, digest
from bot.attendance.base import (
    AttendanceBase,
    BaseStore,
)
from bot.auth import Actor, owns_group
from bot.callbacks import FOLLOW_UP
from bot.crashpoints import crash_point
from bot.i18n import Html
from db.alerts import Alert, AlertAction, AlertKind
from db.attendance import EXCUSED, PRESENT, PastMark
from db.meetings import Meeting
from db.models import Group, GroupSummary, Participant
from db.outbox import NewMessage

log = logging.getLogger(__name__)

NOTE_LIMIT = 200
ABSENCE, UNREACHABLE = AlertKind.ABSENCE, AlertKind.UNREACHABLE
ACTIONS = {"c": "contacted", "s": "visit_scheduled", "d": "visit_done"}
"""Follow-up actions by their short code in callback data."""


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    participant: Participant
    group: Group
    done: tuple[str, ...] = ()
    """Follow-up actions recorded so far (contacted, visit_scheduled, visit_done)."""


@dataclass(frozen=True)
class FollowUp:
    view: AlertView
    action: AlertAction


class AlertStore(BaseStore, Protocol):
    """The queries of absence alerts (``db/alerts.py``, ``db/attendance.py``)."""

    async def actions_done(self, alert_ids: Sequence[int]) -> dict[int, list[str]]: ...

    async def add_alert_action(
        self,
        alert_id: int,
        action: str,
        facilitator_id: int,
        now: datetime,
        *,
        close_reason: str | None = ...,
        update_id: int | None = ...,
    ) -> int | None: ...

    async def alert(self, alert_id: int) -> Alert | None: ...

    async def alert_action(self, action_id: int) -> AlertAction | None: ...

    async def alert_actions(self, alert_id: int) -> list[AlertAction]: ...

    async def close_alert(self, alert_id: int, reason: str, now: datetime) -> bool: ...

    async def create_alert(
        self,
        participant_id: int,
        group_id: int,
        kind: str,
        trigger_meeting_id: int | None,
        missed: Sequence[int],
        now: datetime,
    ) -> Alert | None: ...

    async def groups_of(self, facilitator_id: int) -> list[GroupSummary]: ...

    async def last_alert_closed_at(self, participant_id: int, kind: str) -> datetime | None: ...

    async def last_present(self, participant_id: int) -> Meeting | None: ...

    async def meetings_by_ids(self, meeting_ids: Sequence[int]) -> list[Meeting]: ...

    async def open_alert(self, participant_id: int, kind: str) -> Alert | None: ...

    async def open_alerts_of_groups(self, group_ids: Sequence[int]) -> list[Alert]: ...

    async def participant(self, participant_id: int) -> Participant | None: ...

    async def past_marks(
        self, participant_id: int, after: datetime | None = ..., limit: int | None = ...
    ) -> list[PastMark]: ...

    async def set_action_note(self, action_id: int, note: str) -> bool: ...

    async def set_alert_missed(self, alert_id: int, missed: Sequence[int]) -> None: ...

    async def set_alert_reminded(self, alert_id: int, now: datetime) -> None: ...


class AbsenceAlerts(AttendanceBase):
    """Raising, telling, closing absence (and unreachable) alerts; the follow-ups."""

    _alert_db: AlertStore

    _policy: Policy

    async def _review(
        self,
        participant: Participant,
        now: datetime,
        *,
        trigger: int | None = None,
        corrected: bool = False,
        digest: list[int] | None = None,
    ) -> int:
        """Apply the absence policy to her marks: raise, extend or close her alert.
        ``trigger``: the meeting being finalized (its alert message is queued again, which
        is a no-op unless a crash lost it); ``corrected``: the facilitator changed a mark;
        ``digest``: collect the alert to tell about here instead of sending it alone."""
        if not participant.active:
            return 0
        current = await self._alert_db.open_alert(participant.id, ABSENCE)
        since = await self._alert_db.last_alert_closed_at(participant.id, ABSENCE)
        past = await self._alert_db.past_marks(participant.id, after=since)
        crossing = evaluate([Mark(m.meeting.id, m.status) for m in past], self._policy)
        if current is not None:
            if crossing is None:
                return await self._close(current, "attended", now, past, corrected=corrected)
            if crossing.missed != current.missed:
                await self._alert_db.set_alert_missed(current.id, crossing.missed)
            if current.trigger_meeting_id == trigger:
                if digest is not None:
                    digest.append(current.id)
                    return 0
                return await self._notify_alert(current.id, now)
            return 0
        if crossing is None:
            return 0
        alert = await self._alert_db.create_alert(
            participant.id,
            participant.group_id,
            ABSENCE,
            crossing.trigger,
            crossing.missed,
            now,
        )
        if alert is not None and digest is not None:
            digest.append(alert.id)
            return 0
        return await self._notify_alert(alert.id, now) if alert is not None else 0

    async def _digest(
        self, meeting: Meeting, group: Group, alert_ids: Sequence[int], now: datetime
    ) -> int:
        """One message for the alerts raised at a meeting's close: one line per mother,
        a button each to open her follow-up. Keyed by the meeting: a crash repeats nothing."""
        chat = await self._facilitator_chat(group)
        views = [v for v in [await self._view(a) for a in alert_ids] if v is not None]
        if chat is None or not views:
            return 0
        text, buttons = digest(
            self._catalog,
            group,
            self.when(meeting, group),
            [(v.alert, v.participant) for v in views],
        )
        return await self._enqueue(
            [
                NewMessage(
                    key=f"alert_digest:{meeting.id}",
                    chat_id=chat,
                    participant_id=None,
                    kind="alert_digest",
                    text=text,
                    buttons=buttons,
                    not_before=now,
                )
            ],
            now,
        )

    async def became_unreachable(self, participant_ids: Sequence[int], now: datetime) -> None:
        """A :class:`~bot.reachability.Reachability` listener: she blocked the bot, so her
        facilitator gets a follow-up (one open at a time), closed when she is reachable
        again or after the home visit."""
        queued = 0
        for participant_id in participant_ids:
            participant = await self._alert_db.participant(participant_id)
            if participant is None or not participant.active or participant.reachable:
                continue
            alert = await self._alert_db.create_alert(
                participant.id, participant.group_id, UNREACHABLE, None, (), now
            )
            if alert is not None:
                queued += await self._notify_alert(alert.id, now)
        if queued:
            log.info("attendance: %d unreachable follow-ups raised", queued)

    async def _notify_alert(self, alert_id: int, now: datetime, *, reminder: bool = False) -> int:
        view = await self._view(alert_id)
        if view is None:
            return 0
        chat = await self._facilitator_chat(view.group)
        if chat is None:
            return 0
        text = await self.alert_text(view)
        if reminder:
            text = self._catalog.t(
                "attendance.alert_reminder",
                opened=self._catalog.short_date(view.alert.opened_at, view.group.timezone),
                alert=Html(text),
            )
        prefix = "alert_remind" if reminder else "alert"
        return await self._enqueue(
            [
                NewMessage(
                    key=f"{prefix}:{alert_id}",
                    chat_id=chat,
                    participant_id=None,
                    kind=prefix,
                    text=text,
                    buttons=self.follow_up_buttons(alert_id),
                    not_before=now,
                )
            ],
            now,
        )

    def follow_up_buttons(self, alert_id: int) -> list[list[tuple[str, str]]]:
        t = self._catalog.t
        return [
            [(t(f"attendance.button_{name}"), FOLLOW_UP.data(alert_id, short))]
            for short, name in ACTIONS.items()
        ]

    async def _remind(self, alert: Alert, now: datetime) -> int:
        queued = await self._notify_alert(alert.id, now, reminder=True)
        await self._alert_db.set_alert_reminded(alert.id, now)
        return queued

    async def _close(
        self,
        alert: Alert,
        reason: str,
        now: datetime,
        past: Sequence[PastMark] = (),
        *,
        corrected: bool = False,
    ) -> int:
        """Close an alert by itself (she attended, is reachable again, or left) and tell
        her facilitator, kindly."""
        if not await self._alert_db.close_alert(alert.id, reason, now):
            return 0
        if reason == "left":
            return 0
        view = await self._view(alert.id)
        chat = await self._facilitator_chat(view.group) if view is not None else None
        if view is None or chat is None:
            return 0
        name, group = view.participant.name, view.group.name
        sapaan = self._catalog.address(view.participant.address)
        if reason == "reachable":
            text = self._catalog.t(
                "attendance.alert_reachable", name=name, group=group, sapaan=sapaan
            )
        elif past and past[-1].status == PRESENT and not corrected:
            text = self._catalog.t(
                "attendance.alert_back",
                name=name,
                group=group,
                when=self.when(past[-1].meeting, view.group),
                sapaan=sapaan,
            )
        else:
            text = self._catalog.t(
                "attendance.alert_corrected", name=name, group=group, sapaan=sapaan
            )
        return await self._enqueue(
            [
                NewMessage(
                    key=f"alert_closed:{alert.id}",
                    chat_id=chat,
                    participant_id=None,
                    kind="alert_closed",
                    text=text,
                    buttons=None,
                    not_before=now,
                )
            ],
            now,
        )

    async def _view(self, alert_id: int) -> AlertView | None:
        alert = await self._alert_db.alert(alert_id)
        if alert is None:
            return None
        participant = await self._alert_db.participant(alert.participant_id)
        group = await self._alert_db.group(alert.group_id)
        if participant is None or group is None:
            return None
        return AlertView(alert, participant, group)

    async def alert_text(self, view: AlertView, *, with_actions: bool = False) -> str:
        """The alert as the facilitator reads it (``bot/attendance/alert_text.py``), with
        what the database knows about her."""
        alert, participant = view.alert, view.participant
        facts = AlertFacts(alert, participant, view.group)
        if alert.kind != UNREACHABLE:
            missed = await self._alert_db.meetings_by_ids(alert.missed)
            first = missed[0].starts_at if missed else alert.opened_at
            excuses = [
                (m.meeting.starts_at, self._reason(m.reason))
                for m in await self._alert_db.past_marks(participant.id)
                if m.status == EXCUSED and m.meeting.starts_at >= first
            ]
            last = await self._alert_db.last_present(participant.id)
            facts = replace(facts, missed=missed, excuses=excuses, last_present=last)
        if with_actions:
            facts = replace(facts, actions=await self._alert_db.alert_actions(alert.id))
        return alert_text(self._catalog, facts, self.topic)

    async def owned_alert(self, actor: Actor, alert_id: int) -> AlertView | None:
        view = await self._view(alert_id)
        if view is None or not owns_group(actor, view.group):
            return None
        return view

    async def open_alerts(self, actor: Actor) -> list[AlertView]:
        if actor.facilitator is None:
            return []
        groups = {
            s.group.id: s.group for s in await self._alert_db.groups_of(actor.facilitator.id)
        }
        views = []
        alerts = await self._alert_db.open_alerts_of_groups(list(groups))
        done = await self._alert_db.actions_done([a.id for a in alerts])
        for alert in alerts:
            participant = await self._alert_db.participant(alert.participant_id)
            if participant is not None:
                views.append(
                    AlertView(
                        alert, participant, groups[alert.group_id], tuple(done.get(alert.id, ()))
                    )
                )
        return views

    async def follow_up(
        self,
        actor: Actor,
        alert_id: int,
        short: str,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> FollowUp | None:
        """Record a follow-up action on an open alert of hers; "visit done" closes it.
        None when the alert is not hers, closed already, or the action unknown. Recorded
        with ``update_id``: the same press delivered again records nothing more."""
        action = ACTIONS.get(short)
        view = await self.owned_alert(actor, alert_id)
        if action is None or view is None or actor.facilitator is None:
            return None
        action_id = await self._alert_db.add_alert_action(
            alert_id,
            action,
            actor.facilitator.id,
            now,
            close_reason="visit_done" if action == "visit_done" else None,
            update_id=update_id,
        )
        if action_id is None:
            return None
        crash_point("followup-recorded")
        recorded = await self._alert_db.alert_action(action_id)
        assert recorded is not None
        return FollowUp(view, recorded)

    async def add_note(self, actor: Actor, action_id: int, note: str) -> AlertAction | None:
        """Her short note on an action she recorded; None if it is not hers."""
        action = await self._alert_db.alert_action(action_id)
        if action is None or actor.facilitator is None:
            return None
        if action.by_facilitator_id != actor.facilitator.id:
            return None
        if await self.owned_alert(actor, action.alert_id) is None:
            return None
        await self._alert_db.set_action_note(action_id, note)
        return await self._alert_db.alert_action(action_id)


def clean_note(text: str) -> str | None:
    """A short note: trimmed, spaces folded, 1..NOTE_LIMIT characters, no command."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > NOTE_LIMIT or cleaned.startswith("/"):
        return None
    return cleaned
