"""The printable attendance sheet (Daftar Hadir) of one meeting, as a PDF.

A pure, synchronous function of plain data (handlers run it in a worker thread). The words
on the sheet come from ``content/forms/daftar_hadir.toml`` (:class:`bot.formdefs.SheetForm`);
the names from the database. Rendered with fpdf2 in DejaVu Sans, the TrueType font that
matplotlib ships (``matplotlib/mpl-data/fonts/ttf``): it covers Indonesian and the Latin,
Greek and Cyrillic letters of names, so no system font package is needed. Characters the
font lacks (emoji in a group's name) are left out rather than printed as empty boxes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from bot.formdefs import SheetForm

_MARGIN = 15.0  # mm
_ROW = 11.0  # mm: room for a signature
_HEAD_ROW = 8.0


@dataclass(frozen=True)
class SheetRow:
    name: str
    status: str | None  # present, excused, absent; None before the meeting is final


@dataclass(frozen=True)
class Sheet:
    """What the bot knows of one meeting, for its attendance sheet."""

    header: dict[str, str]  # key of SheetForm.header -> value
    rows: tuple[SheetRow, ...]


@functools.cache
def font_files() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold, from matplotlib's data folder."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


@functools.cache
def _printable() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(str(font_files()[0])).get_charmap())


def printable(text: str) -> str:
    """``text`` without the characters DejaVu Sans cannot draw (and without line breaks)."""
    chars = _printable()
    kept = "".join(ch for ch in text.replace("\n", " ") if ord(ch) in chars)
    return " ".join(kept.split())


def sheet_pdf(sheet: Sheet, form: SheetForm) -> bytes:
    """The Daftar Hadir as A4 PDF bytes: title, the meeting's details, a table No | Nama
    KPM | Keterangan | Tanda Tangan (the header repeated on every page), the blank rows,
    then the signature boxes."""
    from fpdf import FPDF

    regular, bold = font_files()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=False)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(printable(f"{form.title} {sheet.header.get('group', '')}"))
    pdf.add_page()
    width = pdf.w - 2 * _MARGIN

    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(width, 8, printable(form.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(width, 6, printable(form.subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    label_width = max(pdf.get_string_width(printable(v)) for v in form.header.values()) + 4
    for key, label in form.header.items():
        pdf.set_font("DejaVu", "", 10.5)
        pdf.cell(label_width, 6.2, printable(label))
        pdf.cell(4, 6.2, ":")
        pdf.set_font("DejaVu", "B", 10.5)
        pdf.cell(
            width - label_width - 4,
            6.2,
            printable(sheet.header.get(key, "")),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)

    columns = (form.columns["no"], form.columns["name"], form.columns["note"])
    fixed = (12.0, width * 0.45, 28.0)
    widths = (*fixed, width - sum(fixed))
    headings = (*columns, form.columns["signature"])

    def header_row() -> None:
        pdf.set_font("DejaVu", "B", 10.5)
        pdf.set_fill_color(221, 235, 247)
        for w, text in zip(widths, headings, strict=True):
            pdf.cell(w, _HEAD_ROW, printable(text), border=1, align="C", fill=True)
        pdf.ln(_HEAD_ROW)
        pdf.set_font("DejaVu", "", 10.5)

    header_row()
    rows = [*sheet.rows, *([None] * form.blank_rows)]
    for number, row in enumerate(rows, start=1):
        if pdf.get_y() + _ROW > pdf.h - _MARGIN:
            pdf.add_page()
            header_row()
        name = printable(row.name) if row else ""
        while name and pdf.get_string_width(name) > widths[1] - 3:
            name = name[:-1]
        note = form.statuses.get(row.status, "") if row and row.status else ""
        # The signature column alternates sides, as on the paper forms, so two
        # neighbours' signatures do not run into each other.
        sign = f"{number}." if number % 2 else f"{' ' * 14}{number}."
        pdf.cell(widths[0], _ROW, str(number), border=1, align="C")
        pdf.cell(widths[1], _ROW, name, border=1)
        pdf.cell(widths[2], _ROW, printable(note), border=1, align="C")
        pdf.cell(widths[3], _ROW, sign, border=1)
        pdf.ln(_ROW)

    boxes = form.signatures
    if boxes:
        if pdf.get_y() + 36 > pdf.h - _MARGIN:
            pdf.add_page()
        pdf.ln(8)
        box = width / len(boxes)
        top = pdf.get_y()
        for i, who in enumerate(boxes):
            pdf.set_xy(_MARGIN + i * box, top)
            pdf.cell(box, 6, printable(who), align="C")
            pdf.set_xy(_MARGIN + i * box, top + 24)
            pdf.cell(box, 6, "(" + "." * 30 + ")", align="C")
    return bytes(pdf.output())
