"""Hypothesis strategies for ``tests/test_fuzz.py``: abstract steps of a fuzzed session.

A step names who acts (a stranger, a newcomer holding group A's join link, members and
leaders of groups A and B, the two facilitators, or a brand-new unknown user), what she
sends, how far the clock moves first and whether Telegram delivers the update twice.
Anything that depends on the live world (a meeting id, a check-in code, the join link,
a button the bot really showed) is a reference resolved when the step runs, so examples
stay meaningful while the database changes underneath them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hypothesis import strategies as st

from handlers import build_dispatcher

DISPATCHER = build_dispatcher()
COMMANDS: tuple[str, ...] = tuple(sorted(DISPATCHER.commands))
PREFIXES: tuple[str, ...] = tuple(sorted(DISPATCHER.actions))
ACTORS: tuple[str, ...] = (
    "stranger",
    "newcomer",
    "member_a",
    "leader_a",
    "member_b",
    "leader_b",
    "fac_a",
    "fac_b",
    "unknown",
)
TEXT_LIMIT = 4096  # Telegram: UTF-16 code units per message
CALLBACK_LIMIT = 64  # Telegram: bytes of callback data


# -- references resolved against the live world ----------------------------------------


@dataclass(frozen=True)
class CodeRef:
    """The check-in code of some meeting that has one (any group's)."""

    index: int


@dataclass(frozen=True)
class JoinRef:
    """``g_<code>``: the current join link of the sender's own group (a made-up one for
    someone who has none)."""


@dataclass(frozen=True)
class ReplyButton:
    """A button of the reply keyboard she currently sees."""

    index: int


@dataclass(frozen=True)
class CatalogText:
    """The Indonesian text of a catalog key, e.g. a button label typed by hand."""

    key: str


@dataclass(frozen=True)
class IdRef:
    """An id of the kind the callback parameter names (group, meeting, participant, alert,
    ...) from group side ``A`` or ``B``; for a plain number parameter, ``index`` itself."""

    side: str
    index: int


Text = str | CodeRef | ReplyButton | CatalogText
Arg = str | IdRef | CodeRef | JoinRef


# -- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SendText:
    text: Text
    late: timedelta  # the message's own date lies this far in the past


@dataclass(frozen=True)
class SendCommand:
    name: str
    args: tuple[Arg, ...]
    mention: bool  # "/name@p2k2_test_bot"
    late: timedelta


@dataclass(frozen=True)
class PressRaw:
    """Any callback data at all, under some message of hers."""

    data: str
    message: int


@dataclass(frozen=True)
class PressAction:
    """A registered action prefix with arguments: right, wrong, out of range, foreign."""

    prefix: str
    args: tuple[Arg, ...]
    message: int


@dataclass(frozen=True)
class PressShown:
    """A button the bot really showed her (``message`` counts back from her latest message
    with buttons, so old ones are stale)."""

    message: int
    button: int


@dataclass(frozen=True)
class ShareContact:
    phone: str
    own: bool


@dataclass(frozen=True)
class SendPhoto:
    caption: str | None


@dataclass(frozen=True)
class SendSticker:
    emoji: str


@dataclass(frozen=True)
class GroupText:
    chat: int
    text: str


@dataclass(frozen=True)
class AddToGroup:
    chat: int


@dataclass(frozen=True)
class ToggleBlock:
    """She blocks the bot, or unblocks it if she had."""


@dataclass(frozen=True)
class Wait:
    """Only the clock moves."""


Event = (
    SendText
    | SendCommand
    | PressRaw
    | PressAction
    | PressShown
    | ShareContact
    | SendPhoto
    | SendSticker
    | GroupText
    | AddToGroup
    | ToggleBlock
    | Wait
)


@dataclass(frozen=True)
class Step:
    who: str
    event: Event
    advance: timedelta  # the clock moves this much (and the tick runs) before the step
    duplicate: bool  # Telegram delivers the update twice


# -- strategies --------------------------------------------------------------------------

MEANINGFUL = (
    "ya",
    "Ya",
    "YA",
    "tidak",
    "Tidak",
    "batal",
    "Lewati",
    "WIB",
    "WITA",
    "WIT",
    "0",
    "1",
    "2",
    "-1",
    "12",
    "99999999999999999999",
    "5/12",
    "05/12/2026",
    "31/02/2026",
    "29/02/2027",
    "besok",
    "Sabtu",
    "09.00",
    "9:30",
    "25:61",
    "0900",
    "Balai Desa Sukamaju",
    "Siti Aminah",
    "Ani",
    "A",
    "081234567890",
    "+6281234567890",
    "sakit",
    "Ibu-ibu, besok kita bertemu jam 9 ya.",
)
ODD = (
    "\u202eRLO\u202c",
    "\u200f\u200e",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "e\u0301",
    "👩\u200d👩\u200d👧",
    "🇮🇩",
    "🌸🌸",
    "مرحبا بكم",
    "שלום",
    "𝕳𝖊𝖑𝖑𝖔",
    "<b>x</b>",
    "&lt;&amp;",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n{0}{name}{}",
    "../../etc/passwd",
    "\\",
    "\U0010ffff",
)
STRING_ARGS = (
    "WIB",
    "WITA",
    "WIT",
    "once",
    "monthly",
    "20261205",
    "20261299",
    "0900",
    "2460",
    "sesi-01",
    "sesi-05",
    "sesi-99",
    "pengasuhan",
    "keuangan",
    "kesehatan",
    "sakit",
    "keluarga",
    "lainnya",
    "c",
    "s",
    "d",
    "x",
    "csv",
    "pdf",
    "-",
)
CATALOG_KEYS = (
    "join.button_skip_phone",
    "join.button_yes",
    "join.button_cancel",
    "join.button_rename",
    "join.button_share_phone",
    "announce.button_send",
    "announce.button_cancel",
    "attendance.button_skip",
    "common.button_back",
)


def utf16_cut(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to what Telegram accepts in one message."""
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[: -max(1, (len(text.encode("utf-16-le")) // 2 - limit) // 2)]
    return text


def byte_cut(text: str, limit: int = CALLBACK_LIMIT) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary)."""
    return text.encode()[:limit].decode(errors="ignore")


def _repeat(piece: str, size: int) -> str:
    return utf16_cut((piece * (size // len(piece) + 1))[:size])


def raw_texts() -> st.SearchStrategy[str]:
    """Random and tricky text: Unicode, emoji, RTL, control characters, up to 4096."""
    return st.one_of(
        st.sampled_from(MEANINGFUL),
        st.sampled_from(ODD),
        st.text(min_size=1, max_size=40),
        st.text(min_size=1, max_size=300).map(utf16_cut),
        st.builds(_repeat, st.text(min_size=1, max_size=8), st.integers(1000, TEXT_LIMIT)),
        st.lists(
            st.one_of(st.sampled_from(MEANINGFUL), st.sampled_from(ODD)), min_size=2, max_size=4
        ).map(" ".join),
    )


def texts() -> st.SearchStrategy[Text]:
    return st.one_of(
        raw_texts(),
        raw_texts(),
        st.builds(CodeRef, st.integers(0, 20)),
        st.builds(ReplyButton, st.integers(0, 5)),
        st.builds(CatalogText, st.sampled_from(CATALOG_KEYS)),
    )


def lateness() -> st.SearchStrategy[timedelta]:
    return st.one_of(
        st.just(timedelta(0)),
        st.just(timedelta(0)),
        st.integers(1, 600).map(lambda s: timedelta(seconds=s)),
        st.integers(1, 72).map(lambda h: timedelta(hours=h)),
        st.integers(3, 400).map(lambda d: timedelta(days=d)),
    )


def advances() -> st.SearchStrategy[timedelta]:
    """How far the clock moves before a step: often not at all, else minutes to days."""
    return st.one_of(
        st.just(timedelta(0)),
        st.integers(1, 180).map(lambda m: timedelta(minutes=m)),
        st.integers(1, 48).map(lambda h: timedelta(hours=h)),
        st.integers(1, 10).map(lambda d: timedelta(days=d)),
    )


def args() -> st.SearchStrategy[Arg]:
    return st.one_of(
        st.builds(IdRef, st.sampled_from(("A", "B")), st.integers(0, 30)),
        st.builds(IdRef, st.sampled_from(("A", "B")), st.integers(0, 30)),
        st.sampled_from(STRING_ARGS),
        st.integers(-(10**20), 10**20).map(str),
        st.text(max_size=20),
        st.builds(CodeRef, st.integers(0, 20)),
        st.just(JoinRef()),
    )


@st.composite
def action_args(draw: st.DrawFn, prefix: str) -> tuple[Arg, ...]:
    """Mostly as many arguments as the action takes, sometimes one fewer or more."""
    arity = len(DISPATCHER.actions[prefix].arg_types)
    count = draw(st.sampled_from((arity, arity, arity, arity, max(0, arity - 1), arity + 1)))
    return tuple(draw(st.lists(args(), min_size=count, max_size=count)))


@st.composite
def press_actions(draw: st.DrawFn) -> PressAction:
    prefix = draw(st.sampled_from(PREFIXES))
    return PressAction(prefix, draw(action_args(prefix)), draw(st.integers(0, 30)))


def useful_commands() -> st.SearchStrategy[SendCommand]:
    """Commands with the arguments that lead somewhere: her join link, a check-in code."""
    return st.one_of(
        st.builds(
            SendCommand, st.just("start"), st.just((JoinRef(),)), st.just(False), lateness()
        ),
        st.builds(
            SendCommand,
            st.just("hadir"),
            st.builds(CodeRef, st.integers(0, 20)).map(lambda c: (c,)),
            st.booleans(),
            lateness(),
        ),
        st.builds(SendCommand, st.sampled_from(COMMANDS), st.just(()), st.just(False), lateness()),
    )


def commands() -> st.SearchStrategy[SendCommand]:
    command_args = st.one_of(args(), raw_texts().map(lambda t: t.replace("\n", " ")[:200]))
    return st.builds(
        SendCommand,
        st.one_of(
            st.sampled_from(COMMANDS),
            st.sampled_from(COMMANDS),
            st.sampled_from(COMMANDS).map(str.upper),
            st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
        ),
        st.lists(command_args, max_size=3).map(tuple),
        st.booleans(),
        lateness(),
    )


def events() -> st.SearchStrategy[Event]:
    """Weighted: buttons she was shown and useful commands drive dialogues forward."""
    newest = st.one_of(st.just(0), st.integers(0, 6))
    kinds: list[st.SearchStrategy[Event]] = [
        *[st.builds(PressShown, newest, st.integers(0, 12))] * 6,
        *[st.builds(SendText, texts(), lateness())] * 4,
        *[useful_commands()] * 3,
        commands(),
        press_actions(),
        press_actions(),
        st.builds(PressRaw, st.text(max_size=64).map(byte_cut), st.integers(0, 30)),
        st.builds(
            ShareContact,
            st.one_of(st.sampled_from(("081234567890", "+6281299998888", "", "0")), st.text()),
            st.booleans(),
        ),
        st.builds(SendPhoto, st.one_of(st.none(), raw_texts().map(lambda t: t[:1024]))),
        st.builds(SendSticker, st.sampled_from(("👍", "🌸", "😭"))),
        st.builds(GroupText, st.integers(0, 1), raw_texts()),
        st.builds(AddToGroup, st.integers(0, 1)),
        st.just(ToggleBlock()),
        st.just(Wait()),
    ]
    return st.integers(0, len(kinds) - 1).flatmap(lambda i: kinds[i])


@st.composite
def bursts(draw: st.DrawFn) -> list[Step]:
    """A few steps in a row by one user (so a dialogue can get somewhere), with the clock
    moving before the first and mostly standing still after."""
    who = draw(st.sampled_from(ACTORS))
    count = draw(st.integers(1, 8))
    duplicates = st.sampled_from((False, False, False, False, False, True))
    return [
        Step(
            who,
            draw(events()),
            draw(advances()) if i == 0 else draw(st.sampled_from(QUIET)),
            draw(duplicates),
        )
        for i in range(count)
    ]


QUIET = (timedelta(0), timedelta(0), timedelta(0), timedelta(seconds=30), timedelta(minutes=5))


def plans(min_steps: int, max_steps: int) -> st.SearchStrategy[list[Step]]:
    """Bursts by several users, interleaved, flattened to at most ``max_steps`` steps."""
    return st.lists(bursts(), min_size=max(1, min_steps // 3), max_size=max_steps).map(
        lambda found: [step for burst in found for step in burst][:max_steps]
    )


# Where the clock stands when the fuzz begins, relative to the world's start (Monday
# 30 November 2026, 08.00 WIB; both groups meet on Saturday 5 December at 09.00 local):
# right away, a day before, just before group A's check-in window, or inside both windows.
START_OFFSETS = st.sampled_from(
    (
        timedelta(0),
        timedelta(days=4),
        timedelta(days=4, hours=23, minutes=10),
        timedelta(days=5, minutes=40),
    )
)
