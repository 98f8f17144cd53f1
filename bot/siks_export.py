"""The SIKS-NG activity records in the monthly XLSX: one sheet per meeting, pure and
synchronous like ``bot/exports.py`` (run in a worker thread).

A sheet holds the form's fields (label, value) in the form's order, then the participants
table with the form's headers (NIK and No. KK empty: the bot never stores them), then the
activity photos: embedded (a copy scaled to ``PHOTO_WIDTH`` pixels) when a local copy
exists, otherwise listed as kept in Telegram only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.siks import ActivityRecord
from bot.siks_form import PARTICIPANT_KEYS, SiksForm

PHOTO_WIDTH = 480
"""Width in pixels of a photo embedded in a sheet."""
_PHOTO_ROWS = 18  # rows a photo takes (about 20 px each)
_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class SiksSheets:
    """Everything the writer needs, read beforehand (plain data and strings)."""

    form: SiksForm
    records: tuple[ActivityRecord, ...]
    sheet_names: tuple[str, ...]  # one per record, before deduplication and cutting
    title: str
    participants_title: str
    photo_captions: tuple[tuple[str, ...], ...]  # per record, per photo
    photo_files: tuple[tuple[Path | None, ...], ...]  # per record, per photo

    def write(self, book: Workbook) -> None:
        used = {ws.title for ws in book.worksheets}
        for i, record in enumerate(self.records):
            name = _unique(self.sheet_names[i], used)
            used.add(name)
            self._sheet(book, name, record, self.photo_captions[i], self.photo_files[i])

    def _sheet(
        self,
        book: Workbook,
        name: str,
        record: ActivityRecord,
        captions: Sequence[str],
        files: Sequence[Path | None],
    ) -> None:
        sheet = book.create_sheet(name)
        sheet.cell(row=1, column=1, value=self.title).font = Font(bold=True, size=14)
        row = 3
        for _key, label, value in record.fields:
            head = sheet.cell(row=row, column=1, value=label)
            head.font = Font(bold=True)
            head.fill = _FILL
            head.alignment = Alignment(vertical="top")
            cell = sheet.cell(row=row, column=2, value=value)
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if len(value) > 90:
                sheet.row_dimensions[row].height = 15 * (len(value) // 70 + 1)
            row += 1
        row += 1
        sheet.cell(row=row, column=1, value=self.participants_title).font = Font(
            bold=True, size=12
        )
        row += 1
        headers = [self.form.participants[k] for k in PARTICIPANT_KEYS]
        for c, header in enumerate(headers, start=1):
            cell = sheet.cell(row=row, column=c, value=header)
            cell.font = Font(bold=True)
            cell.fill = _FILL
        row += 1
        for p in record.participants:
            sheet.cell(row=row, column=1, value=p.no)
            for c, text in enumerate([p.name, "", "", p.kehadiran, p.note], start=2):
                cell = sheet.cell(row=row, column=c, value=text)
                cell.data_type = "s"
            row += 1
        row += 1
        for caption, path in zip(captions, files, strict=True):
            sheet.cell(row=row, column=1, value=caption).font = Font(bold=True)
            row += 1
            if path is not None and path.is_file():
                image = _image(path)
                if image is not None:
                    sheet.add_image(image, f"A{row}")
                    row += _PHOTO_ROWS
            row += 1
        for c, width in enumerate([24, 70, 18, 18, 12, 24], start=1):
            sheet.column_dimensions[get_column_letter(c)].width = width


def _image(path: Path) -> SheetImage | None:
    """The photo scaled to ``PHOTO_WIDTH`` as a JPEG for the sheet (a photo stays small as
    a JPEG); None if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as source:
            source.draft("RGB", (PHOTO_WIDTH, PHOTO_WIDTH))  # a JPEG decodes at a smaller scale
            picture = source.convert("RGB")
    except (OSError, UnidentifiedImageError):
        return None
    if picture.width > PHOTO_WIDTH:
        height = max(1, round(picture.height * PHOTO_WIDTH / picture.width))
        picture = picture.resize((PHOTO_WIDTH, height))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    out.seek(0)
    return SheetImage(out)


def _unique(name: str, used: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of ``[]:*?/\\``), not yet used."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()[:31] or "SIKS"
    found, n = clean, 2
    while found in used:
        suffix = f" ({n})"
        found = clean[: 31 - len(suffix)] + suffix
        n += 1
    return found
