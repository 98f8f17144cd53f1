"""The Indonesian catalogs and the code agree: every key the code asks for exists, every
text renders, and no text is left over unused."""

from __future__ import annotations

import re
from pathlib import Path

from bot.announcements import Problem
from bot.attendance import Flag, SignOffResult
from bot.i18n import Catalog, placeholders
from bot.meetings import REASONS
from bot.schedule import WhenError
from db.models import ADDRESSES
from db.voice import VOICE_CHOICES

REPO = Path(__file__).resolve().parent.parent
CODE = [p for folder in ("bot", "handlers", "db") for p in (REPO / folder).rglob("*.py")]
LITERAL = re.compile(r"""["']([a-z_]+\.[a-z0-9_.]+)["']""")
# Keys built at run time, with every value they can take.
STATUSES = ["present", "excused", "absent"]
FOLLOW_UPS = ["contacted", "visit_scheduled", "visit_done"]
DYNAMIC = {
    "meeting.when_": [e.value for e in WhenError],
    "meeting.status_": ["scheduled", "cancelled", "held"],
    "reason.": list(REASONS),
    "announce.role_": ["leader", "facilitator"],
    # TOO_LONG and QUOTA have texts of their own (with the limit).
    "announce.problem_": [Problem.EMPTY.value, Problem.NOT_YOURS.value],
    "attendance.after_": STATUSES,
    "attendance.history_": STATUSES,
    "attendance.status_": STATUSES,
    "attendance.mark_item_": [*STATUSES, "none"],
    "attendance.button_": FOLLOW_UPS,
    "attendance.action_": FOLLOW_UPS,
    "report.recap_alert_": ["absence", "unreachable"],
    "address.": list(ADDRESSES),
    "join.button_address_": list(ADDRESSES),
    "voice.choice_": list(VOICE_CHOICES),
    "attendance.flag_": [f.value for f in Flag],
    "report.how_": ["self", "self_confirmed", "facilitator"],
    "attendance.signoff_": [r.value for r in SignOffResult if r is not SignOffResult.NOT_YOURS],
}


def code_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in CODE)


def test_every_key_in_the_code_exists() -> None:
    catalog = Catalog.load()
    keys = catalog.keys()
    prefixes = {key.split(".", 1)[0] for key in keys}
    used = {m for m in LITERAL.findall(code_text()) if m.split(".", 1)[0] in prefixes}
    missing = sorted(k for k in used if k not in keys and not k.endswith("."))
    assert not missing, missing
    for prefix, values in DYNAMIC.items():
        for value in values:
            assert catalog.has(prefix + value), prefix + value


def test_every_text_renders() -> None:
    catalog = Catalog.load()
    for key in sorted(catalog.keys()):
        template = catalog._messages[key]
        values = {name: "x" for name in placeholders(template)}
        text = catalog.t(key, **values)
        assert text.strip(), key
        assert len(text) < 4096, key


def test_no_text_is_left_unused() -> None:
    catalog = Catalog.load()
    text = code_text()
    unused = sorted(
        key
        for key in sorted(catalog.keys())
        if f'"{key}"' not in text
        and f"'{key}'" not in text
        and not any(key.startswith(prefix) for prefix in DYNAMIC)
    )
    assert not unused, unused
