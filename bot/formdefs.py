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


def _get(raw: dict[str, Any], path: Path, dotted: str, kind: type) -> Any:
    value: Any = raw
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise FormError(f"{path}: missing key {dotted!r}")
        value = value[part]
    if not isinstance(value, kind):
        raise FormError(f"{path}: {dotted!r} must be a {kind.__name__}")
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


def check_forms(folder: Path = FORMS_DIR) -> list[str]:
    """Every form file read and checked: the problems, one line each (empty when fine)."""
    problems = []
    for load in (sheet_form,):
        try:
            load(folder)
        except FormError as exc:
            problems.append(str(exc))
    return problems
