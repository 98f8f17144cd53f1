"""Text normaliser for the Indonesian voice: what eSpeak NG should say for a message.

eSpeak reads digits, abbreviations and symbols poorly (or in English), so the text is
rewritten first into words an Indonesian listener expects: ``09.00 WIB`` -> "jam sembilan
pagi", ``Rp50.000`` -> "lima puluh ribu rupiah", ``6-24 bulan`` -> "enam sampai dua puluh
empat bulan", ``ke-2`` -> "kedua", ``5/12/2026`` -> "lima Desember dua ribu dua puluh
enam", phone numbers digit by digit, and the abbreviations of ``content/voice/lexicon.toml``
(ASI, MP-ASI, KPM, P2K2, PKH, TTD, Posyandu, ...). HTML tags, emoji and bullets go.

Pure functions; no engine needed, so the normaliser is tested by tables.
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON_PATH = Path(__file__).resolve().parents[2] / "content" / "voice" / "lexicon.toml"

_UNITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_BIG = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"))
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def number_words(n: int) -> str:
    """A whole number in Indonesian words: 11 -> "sebelas", 1000 -> "seribu"."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 10:
        return _UNITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{_UNITS[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_UNITS[tens]} puluh" + (f" {_UNITS[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{_UNITS[hundreds]} ratus"
        return head + (f" {number_words(rest)}" if rest else "")
    if n < 10**6:
        thousands, rest = divmod(n, 1000)
        head = "seribu" if thousands == 1 else f"{number_words(thousands)} ribu"
        return head + (f" {number_words(rest)}" if rest else "")
    for size, name in _BIG:
        if n >= size:
            high, rest = divmod(n, size)
            return f"{number_words(high)} {name}" + (f" {number_words(rest)}" if rest else "")
    raise AssertionError("unreachable")  # pragma: no cover


def ordinal_words(n: int) -> str:
    """``ke-1`` -> "pertama", ``ke-2`` -> "kedua"."""
    return "pertama" if n == 1 else "ke" + number_words(n)


def digits_words(digits: str) -> str:
    return " ".join(_UNITS[int(d)] for d in digits)


def decimal_words(whole: str, fraction: str) -> str:
    """``2,5`` -> "dua koma lima"; the fraction is read digit by digit."""
    return f"{number_words(int(whole))} koma {digits_words(fraction)}"


def day_part(hour: int) -> str:
    """Which part of the day an Indonesian listener names with the hour."""
    if 4 <= hour < 11:
        return "pagi"
    if 11 <= hour < 15:
        return "siang"
    if 15 <= hour < 18:
        return "sore"
    return "malam"


def time_words(hour: int, minute: int) -> str:
    """``09.00`` -> "jam sembilan pagi", ``13.30`` -> "jam satu lewat tiga puluh menit siang"."""
    twelve = hour % 12 or 12
    words = f"jam {number_words(twelve)}"
    if minute:
        words += f" lewat {number_words(minute)} menit"
    return f"{words} {day_part(hour)}"


def date_words(day: int, month: int, year: int | None = None) -> str:
    words = f"{number_words(day)} {MONTHS[month - 1]}"
    return words + (f" {number_words(year)}" if year is not None else "")


@dataclass(frozen=True)
class Lexicon:
    abbreviations: dict[str, str]
    short_forms: dict[str, str]

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> Lexicon:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            abbreviations={str(k): str(v) for k, v in data.get("abbreviations", {}).items()},
            short_forms={str(k).lower(): str(v) for k, v in data.get("short_forms", {}).items()},
        )


@cache
def default_lexicon() -> Lexicon:
    return Lexicon.load()


_TAG = re.compile(r"<[^>]+>")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u2190-\u21ff\u2022\u25aa-\u25fe]"
)
_ZONE = r"(?:\s*(?:WIB|WITA|WIT)\b)?"
_CLOCK = r"(?:(?:pukul|jam)\s+)?\b([01]?\d|2[0-3])[.:]([0-5]\d)(?![.,:]?\d)" + _ZONE
_TIME = re.compile(r"\b" + _CLOCK)
_TIME_RANGE = re.compile(r"\b" + _CLOCK + r"\s*[-–]\s*" + _CLOCK)  # "09.00 - 11.00 WIB"
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b")
_MONEY = re.compile(
    r"\bRp\.?\s?(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?:,-)?(?:\s*(ribu|juta|miliar)\b)?"
)
_PHONE = re.compile(r"\b0\d{2,4}(?:[- ]\d{2,4}){1,3}\b|\b0\d{8,12}\b")
_ORDINAL = re.compile(r"\bke-?(\d+)\b")
_PERCENT = re.compile(r"(\d+(?:,\d+)?)\s?%")
_RANGE = re.compile(r"\b(\d+)\s?[-–]\s?(\d+)\b")
_GROUPED = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b")
_DECIMAL = re.compile(r"\b(\d+),(\d+)\b")
_NUMBER = re.compile(r"\d+")
_SPACES = re.compile(r"[ \t]+")


def _plain(number: str) -> int:
    return int(number.replace(".", ""))


def _money(m: re.Match[str]) -> str:
    amount, fraction, scale = m.group(1), m.group(2), m.group(3)
    words = decimal_words(str(_plain(amount)), fraction) if fraction else None
    words = words or number_words(_plain(amount))
    return f"{words} {scale} rupiah" if scale else f"{words} rupiah"


def _time(m: re.Match[str]) -> str:
    return time_words(int(m.group(1)), int(m.group(2)))


def _time_at(m: re.Match[str], group: int) -> str:
    """The second time of a range (its hour in ``group``, its minutes in the next)."""
    return time_words(int(m.group(group - 1)), int(m.group(group)))


def _date_dmy(m: re.Match[str]) -> str:
    day, month = int(m.group(1)), int(m.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    return date_words(day, month, int(m.group(3)) if m.group(3) else None)


def _date_iso(m: re.Match[str]) -> str:
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    return date_words(day, month, year)


def _percent(m: re.Match[str]) -> str:
    whole, _, fraction = m.group(1).partition(",")
    words = decimal_words(whole, fraction) if fraction else number_words(int(whole))
    return f"{words} persen"


def _words(lexicon: Lexicon, text: str) -> str:
    """Abbreviations (case-sensitive, whole tokens, hyphens inside) and short forms."""

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in lexicon.abbreviations:
            return lexicon.abbreviations[token]
        return lexicon.short_forms.get(token.lower(), token)

    return re.sub(r"(?<![\w-])[\w]+(?:-[\w]+)*(?![\w-])", swap, text)


def normalise(text: str, lexicon: Lexicon | None = None) -> str:
    """What the voice says for ``text`` (Telegram HTML or plain): words, not symbols."""
    lexicon = lexicon or default_lexicon()
    text = _TAG.sub("", html.unescape(text))
    text = _EMOJI.sub(" ", text)
    text = _MONEY.sub(_money, text)
    text = _DATE_ISO.sub(_date_iso, text)
    text = _TIME_RANGE.sub(lambda m: f"{_time(m)} sampai {_time_at(m, 4)}", text)
    text = _TIME.sub(_time, text)  # takes the zone after a time with it: "jam sembilan pagi"
    text = _words(lexicon, text)  # before numbers: P2K2, 2K are words of the lexicon
    text = _PHONE.sub(lambda m: ", ".join(digits_words(g) for g in re.split(r"[- ]", m[0])), text)
    text = _DATE_DMY.sub(_date_dmy, text)
    text = _ORDINAL.sub(lambda m: ordinal_words(int(m.group(1))), text)
    text = _PERCENT.sub(_percent, text)
    text = _RANGE.sub(
        lambda m: f"{number_words(int(m[1]))} sampai {number_words(int(m[2]))}", text
    )
    text = _GROUPED.sub(lambda m: number_words(_plain(m.group(0))), text)
    text = _DECIMAL.sub(lambda m: decimal_words(m.group(1), m.group(2)), text)
    text = _NUMBER.sub(lambda m: number_words(int(m.group(0))), text)
    text = text.replace("&", " dan ").replace("+", " tambah ")
    text = re.sub(r"\s*/\s*", ", ", text)  # "RT 03/RW 02": a pause, not a word
    text = re.sub(r"\s[-–—]\s", ", ", text)  # a dash in a sentence: a pause
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    # A line without closing punctuation (a title, a bullet) ends with a pause.
    spoken = [
        line if line[-1] in ".,;:!?" else line + "." for line in lines if line and line != "."
    ]
    return "\n".join(spoken)
