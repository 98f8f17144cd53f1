"""How the sign-off reads in the facilitator's summary at the close: one line per
flagged self check-in with its reasons, and a "✅ hadir" / "❌ Tidak hadir" pair each.
The rules are in ``bot/attendance/signoff.py``."""

from __future__ import annotations

from collections.abc import Sequence

from bot.callbacks import SIGN_OFF
from bot.i18n import Catalog
from db.attendance import FlaggedCheckin

CONFIRM, CORRECT = "ok", "no"  # the sign-off buttons' choice


def flag_text(catalog: Catalog, flagged: FlaggedCheckin) -> str:
    """``Siti: kode lama dicoba; 850 m dari tempat pertemuan``."""
    t = catalog.t
    reasons = []
    for flag in flagged.flags:
        key = f"attendance.flag_{flag}"
        if not catalog.has(key):
            continue
        if flag == "far":
            meters = flagged.distance_m if flagged.distance_m is not None else 0
            reasons.append(t(key, meters=catalog.number(meters)))
        else:
            reasons.append(t(key))
    return t("attendance.signoff_item", name=flagged.participant.name, why="; ".join(reasons))


def sign_off_block(
    catalog: Catalog, meeting_id: int, shown: Sequence[FlaggedCheckin], pending: int
) -> tuple[str, list[list[tuple[str, str]]]]:
    """The lines and the buttons for ``shown`` of the ``pending`` flagged check-ins
    (empty: none pending)."""
    if not pending:
        return "", []
    t = catalog.t
    lines = [t("attendance.signoff_title", count=pending)]
    lines += [flag_text(catalog, f) for f in shown]
    if pending > len(shown):
        lines.append(t("attendance.signoff_more", count=pending - len(shown)))
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
