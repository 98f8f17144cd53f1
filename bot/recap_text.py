"""How the recap reads in the chat: a block per group (the last meetings as a small
table, the sessions, the members below the policy, the open follow-ups), packed into
messages under Telegram's limit. The service (``bot/reports.py``) gathers the recap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.config import AttendanceSettings
from bot.content import Library
from bot.i18n import Catalog
from bot.report_format import escape, pack, percent, table_row

if TYPE_CHECKING:
    from bot.reports import GroupRecap

MESSAGE_LIMIT = 3800
"""Recap messages are packed up to this many characters (Telegram allows 4096)."""


def recap_messages(
    catalog: Catalog,
    content: Library,
    rules: AttendanceSettings,
    recaps: Sequence[GroupRecap],
) -> list[str]:
    """The recap as Telegram HTML messages, one block per group, packed under the limit."""
    return pack([_block(catalog, content, rules, r) for r in recaps], MESSAGE_LIMIT)


def _block(catalog: Catalog, content: Library, rules: AttendanceSettings, r: GroupRecap) -> str:
    t = catalog.t
    tz = r.group.timezone
    parts = [t("report.recap_group", group=r.group.name, members=r.members)]
    if r.meetings:
        rows: list[str] = []
        for m in reversed(r.meetings):  # newest first
            session = content.session(m.session_id)
            rows.append(
                table_row(
                    catalog.short_date(m.starts_at, tz)[:6],
                    f"S{session.number}" if session else "-",
                    m.present,
                    m.excused,
                    m.absent,
                    percent(m.present, m.total),
                )
            )
        table = "\n".join([t("report.recap_header"), *(escape(row) for row in rows)])
        parts.append(f"<pre>{table}</pre>")
        parts.append(t("report.recap_legend"))
        topics = []
        for m in r.meetings:
            session = content.session(m.session_id)
            line = (
                t("report.recap_topic", number=session.number, title=session.title)
                if session
                else None
            )
            if line is not None and line not in topics:
                topics.append(line)
        parts.extend(topics)
    else:
        parts.append(t("report.recap_no_meetings"))
    if r.concerns:
        parts.append(
            t(
                "report.recap_concerns",
                m=rules.alert_m,
                k=rules.alert_k,
                row=rules.alert_in_a_row,
            )
        )
        parts.extend(
            t("report.recap_concern", name=c.name, misses=c.misses, row=c.in_a_row)
            for c in r.concerns
        )
    if r.alerts:
        parts.append(t("report.recap_alerts", count=len(r.alerts)))
        parts.extend(
            t(
                f"report.recap_alert_{a.kind}",
                name=a.name,
                since=catalog.short_date(a.opened_at, tz),
            )
            for a in r.alerts
        )
    return "\n".join(parts)
