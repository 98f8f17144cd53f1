"""Callback data: one typed scheme for every button, whoever builds it.

Each button action has its own class: a frozen dataclass whose fields are the button's
typed fields, with its ``prefix``, written ``prefix:field:field`` in at most Telegram's 64
bytes (``RsvpNo(meeting=12).encode() == "rn:12"``). Handlers register their actions with
one (``handlers/registry.py`` makes the class of an action declared there from the
handler's parameters), and services that put buttons in outbox messages build them from
the classes below, so no callback string is written by hand and a button always parses
in the handler that answers it. The table of every prefix, with its fields, is generated
from the registry into ``docs/CALLBACKS.md`` (checked by ``tests/test_callbacks.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, make_dataclass
from typing import Any, ClassVar, TypeVar, cast, get_type_hints

CALLBACK_DATA_LIMIT = 64
"""Telegram's limit for ``callback_data``, in bytes."""
STR_FIELD_LIMIT = 40
"""The longest text field a button may carry (a command with its argument, see PHONE_AS)."""


class CallbackData:
    """The data of one button action; subclasses are made by :func:`callback`."""

    prefix: ClassVar[str] = ""
    doc: ClassVar[str] = ""
    arg_types: ClassVar[tuple[type, ...]] = ()

    def encode(self) -> str:
        """The ``callback_data`` of this button (its fields checked, the limit too)."""
        values = self.values()
        for value, kind in zip(values, self.arg_types, strict=True):
            if kind is int and not (str(value).isascii() and str(value).isdigit()):
                raise TypeError(f"{self.prefix}: {value!r} is not a whole number")
        text = ":".join([self.prefix, *(str(v) for v in values)])
        if len(text.encode()) > CALLBACK_DATA_LIMIT or any(":" in str(v) for v in values):
            raise ValueError(f"callback data not encodable: {text!r}")
        return text

    @classmethod
    def data(cls, *args: int | str) -> str:
        """The callback data of a button for this action with these field values."""
        if len(args) != len(cls.arg_types):
            raise TypeError(f"{cls.prefix} takes {len(cls.arg_types)} arguments")
        return cls(*args).encode()

    @classmethod
    def decode(cls: type[D], parts: Sequence[str]) -> D | None:
        """The button of ``prefix:...`` split at ``:`` (without the prefix); None if its
        fields do not fit (a stale or forged button)."""
        if len(parts) != len(cls.arg_types):
            return None
        values: list[Any] = []
        for raw, kind in zip(parts, cls.arg_types, strict=True):
            if kind is int:
                if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
                    return None
                values.append(int(raw))
            else:
                if not raw or len(raw) > STR_FIELD_LIMIT:
                    return None
                values.append(raw)
        return cls(*values)

    @classmethod
    def parse(cls, parts: Sequence[str]) -> tuple[Any, ...] | None:
        """The field values of a decoded button, in order (what its handler receives)."""
        button = cls.decode(parts)
        return button.values() if button is not None else None

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.field_names())

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cast(Any, cls)))


D = TypeVar("D", bound=CallbackData)


def callback(prefix: str, doc: str = "") -> Callable[[type[D]], type[D]]:
    """Make the decorated frozen dataclass one action's button data."""

    def deco(made: type[D]) -> type[D]:
        hints = get_type_hints(made)
        made.prefix = prefix
        made.doc = doc or (made.__doc__ or "").strip()
        made.arg_types = tuple(hints[name] for name in made.field_names())
        return made

    return deco


def Callback(
    prefix: str, arg_types: tuple[type, ...] = (), doc: str = "", names: Sequence[str] = ()
) -> type[CallbackData]:
    """A button data class made from a prefix and field types (and names: the handler's
    parameters; ``f0``, ``f1``, ... without them)."""
    names = tuple(names) or tuple(f"f{i}" for i in range(len(arg_types)))
    made: type[CallbackData] = make_dataclass(
        f"Button_{prefix}",
        list(zip(names, arg_types, strict=True)),
        bases=(CallbackData,),
        frozen=True,
    )
    made.prefix = prefix
    made.doc = doc
    made.arg_types = tuple(arg_types)
    return made


# -- buttons the outbox sends (services build them; handlers answer them) --------------


@callback("kh", 'a member\'s "Catat kehadiran saya"')
@dataclass(frozen=True)
class Checkin(CallbackData):
    meeting: int


@callback("kl", "the facilitator's marking screen")
@dataclass(frozen=True)
class MarkScreen(CallbackData):
    meeting: int
    page: int


@callback("kln", "the marking screen as a new message below a record")
@dataclass(frozen=True)
class MarkScreenNew(CallbackData):
    meeting: int
    page: int


@callback("kf", "a follow-up action on an alert (c|s|d)")
@dataclass(frozen=True)
class FollowUp(CallbackData):
    alert: int
    action: str


@callback("kv", "one follow-up, from the /tindaklanjut list")
@dataclass(frozen=True)
class AlertScreen(CallbackData):
    alert: int


@callback("kvn", "one follow-up from the close's digest, as a new message")
@dataclass(frozen=True)
class AlertScreenNew(CallbackData):
    alert: int


@callback("ks", "confirm or correct a flagged self check-in, from the summary (ok|no)")
@dataclass(frozen=True)
class SignOff(CallbackData):
    meeting: int
    participant: int
    choice: str


@callback("pa", "a person chosen on a shared phone, then what was asked for her (. for :)")
@dataclass(frozen=True)
class PhoneAs(CallbackData):
    participant: int
    what: str


@callback("pn", "open a private note on a shared phone")
@dataclass(frozen=True)
class PhoneNote(CallbackData):
    note: int


@callback("ry", '"Saya akan hadir" under a reminder')
@dataclass(frozen=True)
class RsvpYes(CallbackData):
    meeting: int


@callback("rn", '"Tidak bisa hadir" under a reminder')
@dataclass(frozen=True)
class RsvpNo(CallbackData):
    meeting: int


@callback("svmn", "record the group's voice summary, from the messages after a meeting")
@dataclass(frozen=True)
class VoiceAfter(CallbackData):
    session: str


# -- buttons one handler module draws for another's action (no import between them) ----


@callback("go", "a group's screen")
@dataclass(frozen=True)
class GroupScreen(CallbackData):
    group: int


@callback("md", "a day of the scheduling calendar (YYYYMMDD)")
@dataclass(frozen=True)
class MeetingDay(CallbackData):
    day: str


@callback("mt", "a time of the scheduling dialogue (HHMM)")
@dataclass(frozen=True)
class MeetingTime(CallbackData):
    time: str


@callback("sr", "a meeting's SIKS-NG record below the close's summary, as a new message")
@dataclass(frozen=True)
class SiksRecord(CallbackData):
    meeting: int


@callback("cs", "a self-check answer after a meeting")
@dataclass(frozen=True)
class CoachSelfCheck(CallbackData):
    meeting: int
    question: str
    answer: str


@callback("cso", "the self-check, from the close's summary, as a new message")
@dataclass(frozen=True)
class CoachSelfCheckOpen(CallbackData):
    meeting: int


CHECKIN = Checkin
MARK_SCREEN = MarkScreen
MARK_SCREEN_NEW = MarkScreenNew
FOLLOW_UP = FollowUp
ALERT = AlertScreen
ALERT_NEW = AlertScreenNew
SIGN_OFF = SignOff
PHONE_AS = PhoneAs
PHONE_NOTE = PhoneNote
RSVP_YES = RsvpYes
RSVP_NO = RsvpNo
VOICE_AFTER = VoiceAfter
GROUP_SCREEN = GroupScreen
MEETING_DAY = MeetingDay
MEETING_TIME = MeetingTime
SIKS_RECORD = SiksRecord
COACH_SELFCHECK = CoachSelfCheck
COACH_SELFCHECK_OPEN = CoachSelfCheckOpen

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


@callback("cgs", "the facilitator's guide of a session")
@dataclass(frozen=True)
class CoachSessionGuide(CallbackData):
    session: str


@callback("cgm", "the facilitator's guide for a meeting")
@dataclass(frozen=True)
class CoachMeetingGuide(CallbackData):
    meeting: int


COACH_SESSION_GUIDE = CoachSessionGuide
COACH_MEETING_GUIDE = CoachMeetingGuide

SHARED_CALLBACKS = (COACH_SESSION_GUIDE, COACH_MEETING_GUIDE)
"""Buttons that a screen of one handler module shows for an action of another."""
