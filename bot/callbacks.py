"""Callback data: one typed scheme for every button, whoever builds it.

A :class:`Callback` is one action's data: a prefix and typed fields, written
``prefix:field:field`` and at most Telegram's 64 bytes. Handlers register their actions
with one (``handlers/registry.py``), and services that put buttons in outbox messages
build them from the same objects below, so no callback string is written by hand and a
button always parses in the handler that answers it. The table of every prefix is
generated from the registry into ``docs/CALLBACKS.md`` (checked by
``tests/test_callbacks.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CALLBACK_DATA_LIMIT = 64
"""Telegram's limit for ``callback_data``, in bytes."""
STR_FIELD_LIMIT = 40
"""The longest text field a button may carry (a command with its argument, see PHONE_AS)."""


@dataclass(frozen=True)
class Callback:
    prefix: str
    arg_types: tuple[type, ...] = ()
    doc: str = ""

    def data(self, *args: int | str) -> str:
        """The callback data of a button for this action with these fields."""
        if len(args) != len(self.arg_types):
            raise TypeError(f"{self.prefix} takes {len(self.arg_types)} arguments")
        for value, kind in zip(args, self.arg_types, strict=True):
            if kind is int and not (str(value).isascii() and str(value).isdigit()):
                raise TypeError(f"{self.prefix}: {value!r} is not a whole number")
        text = ":".join([self.prefix, *(str(a) for a in args)])
        if len(text.encode()) > CALLBACK_DATA_LIMIT or any(":" in str(a) for a in args):
            raise ValueError(f"callback data not encodable: {text!r}")
        return text

    def parse(self, parts: Sequence[str]) -> tuple[Any, ...] | None:
        """The fields of ``prefix:...`` split at ``:`` (without the prefix); None if they
        do not fit (a stale or forged button)."""
        if len(parts) != len(self.arg_types):
            return None
        values: list[Any] = []
        for raw, kind in zip(parts, self.arg_types, strict=True):
            if kind is int:
                if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
                    return None
                values.append(int(raw))
            else:
                if not raw or len(raw) > STR_FIELD_LIMIT:
                    return None
                values.append(raw)
        return tuple(values)


# -- buttons the outbox sends (services build them; handlers answer them) --------------

CHECKIN = Callback("kh", (int,), 'a member\'s "Catat kehadiran saya" (meeting)')
MARK_SCREEN = Callback("kl", (int, int), "the facilitator's marking screen (meeting, page)")
MARK_SCREEN_NEW = Callback(
    "kln", (int, int), "the marking screen as a new message below a record (meeting, page)"
)
FOLLOW_UP = Callback("kf", (int, str), "a follow-up action on an alert (alert, c|s|d)")
ALERT = Callback("kv", (int,), "one follow-up, from the /tindaklanjut list (alert)")
ALERT_NEW = Callback("kvn", (int,), "one follow-up from the close's digest, as a new message")
SIGN_OFF = Callback(
    "ks",
    (int, int, str),
    "confirm or correct a flagged self check-in, from the summary (meeting, participant, ok|no)",
)
PHONE_AS = Callback(
    "pa",
    (int, str),
    "a person chosen on a shared phone, then what was asked for her"
    " (participant, the command or the button's data with . for :)",
)
PHONE_NOTE = Callback("pn", (int,), "open a private note on a shared phone (note)")
RSVP_YES = Callback("ry", (int,), '"Saya akan hadir" under a reminder (meeting)')
RSVP_NO = Callback("rn", (int,), '"Tidak bisa hadir" under a reminder (meeting)')
VOICE_AFTER = Callback(
    "svmn", (str,), "record the group's voice summary, from the messages after a meeting (session)"
)

# -- buttons one handler module draws for another's action (no import between them) ----

GROUP_SCREEN = Callback("go", (int,), "a group's screen (group)")
MEETING_DAY = Callback("md", (str,), "a day of the scheduling calendar (YYYYMMDD)")
MEETING_TIME = Callback("mt", (str,), "a time of the scheduling dialogue (HHMM)")
SIKS_RECORD = Callback(
    "sr", (int,), "a meeting's SIKS-NG record below the close's summary, as a new message"
)
COACH_SELFCHECK = Callback(
    "cs", (int, str, str), "a self-check answer after a meeting (meeting, question, answer)"
)
COACH_SELFCHECK_OPEN = Callback(
    "cso", (int,), "the self-check, from the close's summary, as a new message (meeting)"
)

OUTBOX_CALLBACKS = (
    CHECKIN,
    MARK_SCREEN,
    MARK_SCREEN_NEW,
    FOLLOW_UP,
    ALERT,
    ALERT_NEW,
    SIGN_OFF,
    PHONE_NOTE,
    RSVP_YES,
    RSVP_NO,
    VOICE_AFTER,
    SIKS_RECORD,
    COACH_SELFCHECK,
    COACH_SELFCHECK_OPEN,
)
"""The buttons services build (each is answered by the handler registered with it)."""


# -- buttons one feature's screen shows for another's handler (no import between them) ----

COACH_SESSION_GUIDE = Callback("cgs", (str,), "the facilitator's guide of a session (session)")
COACH_MEETING_GUIDE = Callback("cgm", (int,), "the facilitator's guide for a meeting (meeting)")

SHARED_CALLBACKS = (COACH_SESSION_GUIDE, COACH_MEETING_GUIDE)
"""Buttons that a screen of one handler module shows for an action of another."""
