"""The SIKS-NG "Tambah Kegiatan P2K2" form as data: ``content/forms/siks_kegiatan.toml``.

No Telegram here. The file holds the form's field labels, its participant columns, the
allowed Kehadiran values with the mapping of the bot's marks to them, the Materi list and
the limits; each module's ``siks_materi`` (default: the form's ``default_materi``) must be
one of the Materi values. A problem raises :class:`bot.content.ContentError` naming the file
and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import ContentError, Library
from bot.uraian import cut

FORM_FILE = "siks_kegiatan.toml"
FIELD_KEYS = (
    "nama_kegiatan",
    "materi",
    "modul",
    "periode_salur",
    "tanggal",
    "jam_mulai",
    "jam_selesai",
    "tempat",
    "pemateri_nama",
    "pemateri_instansi",
    "uraian",
    "foto",
)
PARTICIPANT_KEYS = ("no", "nama", "nik", "no_kk", "kehadiran", "keterangan")
MARK_KEYS = (
    "present",
    "excused_sakit",
    "excused_keluarga",
    "excused_bekerja",
    "excused_lainnya",
    "excused",
    "absent",
)


@dataclass(frozen=True)
class SiksForm:
    name_pattern: str
    name_max: int
    uraian_max: int
    pemateri_max: int
    materi: tuple[str, ...]
    default_materi: str
    fields: Mapping[str, str]  # key -> label, in FIELD_KEYS order
    participants: Mapping[str, str]  # key -> column header
    allowed: tuple[str, ...]
    marks: Mapping[str, str]  # MARK_KEYS -> one of allowed
    module_materi: Mapping[str, str]  # module id -> Materi

    def kehadiran(self, status: str, reason: str | None) -> str:
        if status == "excused" and reason:
            return self.marks.get(f"excused_{reason}", self.marks["excused"])
        return self.marks.get(status, self.marks["absent"])


def _need(path: Path, data: Mapping[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ContentError(path, key, f"missing or not a {kind.__name__}")
    return value


def _labels(path: Path, data: Mapping[str, Any], table: str, keys: Sequence[str]) -> dict:
    found = _need(path, data, table, dict)
    out = {}
    for key in keys:
        label = found.get(key)
        if not isinstance(label, str) or not label.strip():
            raise ContentError(path, f"{table}.{key}", "missing or empty")
        out[key] = label.strip()
    unknown = sorted(set(found) - set(keys))
    if unknown:
        raise ContentError(path, f"{table}.{unknown[0]}", "unknown key (check the spelling)")
    return out


def load_siks_form(folder: Path, library: Library) -> SiksForm:
    """Read and check the form file; every module's Materi must be one of the form's."""
    path = folder / FORM_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(path, "<file>", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, "<syntax>", str(exc)) from None
    materi = tuple(_need(path, data, "materi", list))
    if not materi or not all(isinstance(m, str) and m.strip() for m in materi):
        raise ContentError(path, "materi", "must be a list of texts")
    default = _need(path, data, "default_materi", str)
    if default not in materi:
        raise ContentError(path, "default_materi", "must be one of materi")
    kehadiran = _need(path, data, "kehadiran", dict)
    allowed = tuple(kehadiran.get("allowed") or ())
    if not allowed or not all(isinstance(a, str) for a in allowed):
        raise ContentError(path, "kehadiran.allowed", "must be a list of texts")
    marks = {}
    for key in MARK_KEYS:
        value = kehadiran.get(key)
        if value not in allowed:
            raise ContentError(path, f"kehadiran.{key}", f"must be one of {', '.join(allowed)}")
        marks[key] = value
    module_materi = {}
    for module in library.modules:
        chosen = module.siks_materi or default
        if chosen not in materi:
            raise ContentError(
                library_module_path(library, module.id),
                "siks_materi",
                f"{chosen!r} is not one of the Materi values in {path}",
            )
        module_materi[module.id] = chosen
    name_pattern = _need(path, data, "name_pattern", str)
    try:
        name_pattern.format(kelompok="", modul="", sesi="")
    except (KeyError, IndexError, ValueError):
        raise ContentError(path, "name_pattern", "only {kelompok}, {modul}, {sesi}") from None
    return SiksForm(
        name_pattern=name_pattern,
        name_max=_need(path, data, "name_max", int),
        uraian_max=_need(path, data, "uraian_max", int),
        pemateri_max=_need(path, data, "pemateri_max", int),
        materi=materi,
        default_materi=default,
        fields=_labels(path, data, "fields", FIELD_KEYS),
        participants=_labels(path, data, "participants", PARTICIPANT_KEYS),
        allowed=allowed,
        marks=marks,
        module_materi=module_materi,
    )


def library_module_path(library: Library, module_id: str) -> Path:
    """The module.toml of a module (for error messages)."""
    for module in library.modules:
        if module.id == module_id and module.sessions:
            return module.sessions[0].path.parent / "module.toml"
    return Path(module_id)


def activity_name(form: SiksForm, group: str, module: str, session: int | None) -> str:
    """Nama Kegiatan by the form's pattern, within its limit."""
    name = form.name_pattern.format(
        kelompok=group, modul=module, sesi="" if session is None else session
    )
    return cut(" ".join(name.split()), form.name_max)
