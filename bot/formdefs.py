"""The forms a facilitator files, as data: ``content/forms/<form>.toml`` holds every header,
column and allowed value of a form (../shared/REPORTING.md), so a change of form is an
edit of a file. This module reads and checks them; :mod:`bot.forms` fills them and
:mod:`bot.attendance_sheet` (the PDF) and :mod:`bot.exports` (the XLSX sheets) write them.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMS_DIR = Path(__file__).resolve().parent.parent / "content" / "forms"


class FormError(ValueError):
    """A form file that is missing, not TOML, or lacks a key (names the file and key)."""


def _read(name: str, folder: Path) -> dict[str, Any]:
    path = folder / f"{name}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FormError(f"{path}: cannot read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FormError(f"{path}: not valid TOML ({exc})") from exc


def _get(raw: dict[str, Any], path: Path, dotted: str, kind: type | tuple[type, ...]) -> Any:
    value: Any = raw
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise FormError(f"{path}: missing key {dotted!r}")
        value = value[part]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise FormError(f"{path}: {dotted!r} has the wrong type")
    return value


def _strings(
    raw: dict[str, Any], path: Path, dotted: str, keys: tuple[str, ...]
) -> dict[str, str]:
    table = _get(raw, path, dotted, dict)
    for key in keys:
        if not isinstance(table.get(key), str):
            raise FormError(f"{path}: missing key {dotted}.{key}")
    if not all(isinstance(v, str) for v in table.values()):
        raise FormError(f"{path}: every value of {dotted!r} must be text")
    return dict(table)


# ------------------------------------------------------------------------------ Daftar Hadir

SHEET_HEADER_KEYS = (
    "group",
    "kecamatan",
    "date",
    "time",
    "place",
    "session",
    "module",
    "facilitator",
)


@dataclass(frozen=True)
class SheetForm:
    """The Daftar Hadir (``daftar_hadir.toml``)."""

    title: str
    subtitle: str
    header: dict[str, str]  # key the bot fills -> label, in print order
    columns: dict[str, str]  # no, name, note, signature
    statuses: dict[str, str]  # present, excused, absent
    blank_rows: int
    signatures: tuple[str, ...]


@functools.cache
def sheet_form(folder: Path = FORMS_DIR) -> SheetForm:
    path = folder / "daftar_hadir.toml"
    raw = _read("daftar_hadir", folder)
    header = _strings(raw, path, "header", ())
    unknown = set(header) - set(SHEET_HEADER_KEYS)
    if unknown:
        raise FormError(f"{path}: unknown key header.{sorted(unknown)[0]}")
    blank = _get(raw, path, "sheet.blank_rows", int)
    signatures = _get(raw, path, "sheet.signatures", list)
    if not 0 <= blank <= 20 or not all(isinstance(s, str) for s in signatures):
        raise FormError(f"{path}: sheet.blank_rows is 0..20, sheet.signatures a list of text")
    return SheetForm(
        title=_get(raw, path, "title", str),
        subtitle=_get(raw, path, "subtitle", str),
        header=header,
        columns=_strings(raw, path, "columns", ("no", "name", "note", "signature")),
        statuses=_strings(raw, path, "statuses", ("present", "excused", "absent")),
        blank_rows=blank,
        signatures=tuple(signatures),
    )


# ------------------------------------------------------------------------------ monitoring

LEVEL_KEYS = ("kurang", "baik", "sangat_baik", "tidak_dapat_dinilai")


@dataclass(frozen=True)
class MonitoringForm:
    """The monthly monitoring form (``pemantauan_bulanan.toml``)."""

    title: str
    header: dict[str, str]  # facilitator, date, place, materi, pemateri
    columns: dict[str, str]  # no, name, group, attendance, level
    attendance: dict[str, str]  # present, not_present
    levels: dict[str, str]  # key -> the form's words, in button order
    none: str
    high_from: float
    middle_from: float
    high: str
    middle: str
    low: str

    def propose(self, questions: int, answered: int, correct: int) -> str:
        """The level proposed from her quiz answers for the meeting's session (the rule in
        the file's [proposal] table)."""
        if answered <= 0 or questions <= 0:
            return self.none
        share = correct / questions
        if share >= self.high_from:
            return self.high
        if share >= self.middle_from:
            return self.middle
        return self.low


@functools.cache
def monitoring_form(folder: Path = FORMS_DIR) -> MonitoringForm:
    path = folder / "pemantauan_bulanan.toml"
    raw = _read("pemantauan_bulanan", folder)
    levels = _strings(raw, path, "levels", ())
    if not levels:
        raise FormError(f"{path}: [levels] is empty")
    proposal = {
        key: _get(raw, path, f"proposal.{key}", str) for key in ("none", "high", "middle", "low")
    }
    for key, level in proposal.items():
        if level not in levels:
            raise FormError(f"{path}: proposal.{key} = {level!r} is not one of [levels]")
    high_from = float(_get(raw, path, "proposal.sangat_baik_from", (float, int)))
    middle_from = float(_get(raw, path, "proposal.baik_from", (float, int)))
    if not 0 < middle_from <= high_from <= 1:
        raise FormError(f"{path}: need 0 < proposal.baik_from <= proposal.sangat_baik_from <= 1")
    return MonitoringForm(
        title=_get(raw, path, "title", str),
        header=_strings(raw, path, "header", ("facilitator", "date", "place", "materi")),
        columns=_strings(raw, path, "columns", ("no", "name", "group", "attendance", "level")),
        attendance=_strings(raw, path, "attendance", ("present", "not_present")),
        levels=levels,
        none=proposal["none"],
        high_from=high_from,
        middle_from=middle_from,
        high=proposal["high"],
        middle=proposal["middle"],
        low=proposal["low"],
    )


@dataclass(frozen=True)
class SemesterForm:
    """The semester form (``pemantauan_semester.toml``)."""

    title: str
    columns: dict[str, str]  # no, name, group
    aspects: dict[str, str]  # key -> header, in order
    levels: dict[str, str]


@functools.cache
def semester_form(folder: Path = FORMS_DIR) -> SemesterForm:
    path = folder / "pemantauan_semester.toml"
    raw = _read("pemantauan_semester", folder)
    aspects = _strings(raw, path, "aspects", ())
    levels = _strings(raw, path, "levels", ())
    if not aspects or not levels:
        raise FormError(f"{path}: [aspects] and [levels] must not be empty")
    return SemesterForm(
        title=_get(raw, path, "title", str),
        columns=_strings(raw, path, "columns", ("no", "name", "group")),
        aspects=aspects,
        levels=levels,
    )


# ------------------------------------------------------------------------------ the recap

RECAP_COLUMN_KEYS = (
    "no",
    "kecamatan",
    "facilitator",
    "groups",
    "groups_done",
    "reason",
    "materi",
    "pemateri",
    "members",
    "present",
    "not_present",
    "open_follow_ups",
    "attention",
)


@dataclass(frozen=True)
class RecapForm:
    """The sub-district recap (``rekap_kecamatan.toml``)."""

    title: str
    month: str
    total_row: str
    footer: str
    no_kecamatan: str
    columns: dict[str, str]  # key -> header, in order; level keys count the levels
    reasons: dict[str, str]  # cancelled, not_scheduled


@functools.cache
def recap_form(folder: Path = FORMS_DIR) -> RecapForm:
    path = folder / "rekap_kecamatan.toml"
    raw = _read("rekap_kecamatan", folder)
    columns = _strings(raw, path, "columns", RECAP_COLUMN_KEYS)
    levels = monitoring_form(folder).levels
    unknown = set(columns) - set(RECAP_COLUMN_KEYS) - set(levels)
    if unknown:
        raise FormError(f"{path}: columns.{sorted(unknown)[0]} is neither a field nor a level")
    return RecapForm(
        title=_get(raw, path, "title", str),
        month=_get(raw, path, "month", str),
        total_row=_get(raw, path, "total_row", str),
        footer=_get(raw, path, "footer", str),
        no_kecamatan=_get(raw, path, "no_kecamatan", str),
        columns=columns,
        reasons=_strings(raw, path, "reasons", ("cancelled", "not_scheduled")),
    )


def check_forms(folder: Path = FORMS_DIR) -> list[str]:
    """Every form file read and checked: the problems, one line each (empty when fine)."""
    problems = []
    for load in (sheet_form, monitoring_form, semester_form, recap_form):
        try:
            load(folder)
        except FormError as exc:
            problems.append(str(exc))
    return problems
