"""How an absence alert reads: the facilitator's digest at a meeting's close and one
mother's follow-up. The service (``bot/attendance/alerts.py``) gathers the facts; the
wording (catalog keys, the digest's buttons) is here, in one place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.callbacks import ALERT_NEW
from bot.i18n import Catalog, Html
from db.alerts import Alert, AlertAction, AlertKind
from db.meetings import Meeting
from db.models import Group, Participant


@dataclass(frozen=True)
class AlertFacts:
    """What is known about one alert, for its text."""

    alert: Alert
    participant: Participant
    group: Group
    missed: Sequence[Meeting] = ()  # the meetings she missed (an absence alert)
    excuses: Sequence[tuple[datetime, str]] = ()  # (meeting start, reason) since the first
    last_present: Meeting | None = None
    actions: Sequence[AlertAction] | None = None  # what was done, when asked for


def alert_text(catalog: Catalog, facts: AlertFacts, topic: Callable[[str], str]) -> str:
    """The alert as the facilitator reads it: who, which meetings, what is known."""
    t = catalog.t
    alert, participant, group = facts.alert, facts.participant, facts.group
    tz = group.timezone
    phone = (
        t("attendance.alert_phone", phone=participant.phone)
        if participant.phone
        else t("attendance.alert_no_phone")
    )
    if alert.kind == AlertKind.UNREACHABLE:
        text = t(
            "attendance.alert_unreachable",
            name=participant.name,
            sapaan=catalog.address(participant.address),
            group=group.name,
            since=catalog.short_date(alert.opened_at, tz),
            phone=phone,
        )
    else:
        excuses = [
            t("attendance.alert_excuse_item", date=catalog.short_date(at, tz), reason=reason)
            for at, reason in facts.excuses
        ]
        last = facts.last_present
        missed = "\n".join(
            t(
                "attendance.alert_missed_item",
                date=catalog.short_date(m.starts_at, tz),
                topic=topic(m.session_id),
            )
            for m in facts.missed
        )
        text = t(
            "attendance.alert_absence",
            name=participant.name,
            sapaan=catalog.address(participant.address),
            group=group.name,
            missed=Html(missed),
            last=(
                catalog.short_date(last.starts_at, tz)
                if last is not None
                else t("attendance.alert_last_never")
            ),
            excuses=", ".join(excuses) or t("attendance.alert_no_excuses"),
            phone=phone,
        )
    if facts.actions:
        items = "\n".join(
            t(
                "attendance.alert_action_item",
                date=catalog.short_date(a.at, tz),
                action=t(f"attendance.action_{a.action}"),
            )
            + (t("attendance.alert_action_note", note=a.note) if a.note else "")
            for a in facts.actions
        )
        text += "\n\n" + t("attendance.alert_actions", items=Html(items))
    return text


def digest(
    catalog: Catalog,
    group: Group,
    when: str,
    alerts: Sequence[tuple[Alert, Participant]],
) -> tuple[str, list[list[tuple[str, str]]]]:
    """The facilitator's one message for the alerts raised at a meeting's close: a line
    per mother, and a button each to open her follow-up."""
    t = catalog.t
    lines = "\n".join(
        t(
            "attendance.digest_item",
            name=participant.name,
            count=len(alert.missed),
            phone=participant.phone or t("attendance.digest_no_phone"),
        )
        for alert, participant in alerts
    )
    text = t(
        "attendance.digest", group=group.name, when=when, count=len(alerts), items=Html(lines)
    )
    buttons = [
        [(t("attendance.digest_button", name=participant.name), ALERT_NEW.data(alert.id))]
        for alert, participant in alerts
    ]
    return text, buttons
