"""The forms as XLSX sheets: the monthly monitoring form (one sheet per group, in the
facilitator's monthly workbook) and the coordinator's sub-district recap (its own
workbook). Pure, synchronous functions of plain data from :mod:`bot.forms`; every header
and allowed value comes from the form files (:mod:`bot.formdefs`)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports import _bold_row, _header, _save, _text, _widths, _write_row
from bot.formdefs import MonitoringForm, RecapForm, SemesterForm
from bot.forms import Monitoring, RecapRow, SemesterView, monitoring_words


def _sheet_title(book: Workbook, wanted: str) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the book."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in wanted).strip()[:31] or "Sheet"
    title, n = cleaned, 2
    while title in book.sheetnames:
        suffix = f" ({n})"
        title, n = cleaned[: 31 - len(suffix)] + suffix, n + 1
    return title


def monitoring_sheets(
    book: Workbook,
    forms: Sequence[Monitoring],
    form: MonitoringForm,
    facilitator: str,
    dates: Sequence[str],
) -> list[Worksheet]:
    """One sheet per group ("Pemantauan <group>"), a block per finalized meeting of the
    month: the header lines of the form, then No | Nama KPM | Kelompok | Kehadiran |
    Pengetahuan & Pemahaman. ``dates``: each meeting's date as the form shows it."""
    sheets: dict[int, Worksheet] = {}
    rows_at: dict[int, int] = {}
    for view, when in zip(forms, dates, strict=True):
        sheet = sheets.get(view.group.id)
        if sheet is None:
            sheet = book.create_sheet(_sheet_title(book, f"Pemantauan {view.group.name}"))
            sheet.cell(row=1, column=1, value=form.title).font = Font(bold=True, size=14)
            _widths(sheet, [6, 30, 20, 14, 26])
            sheets[view.group.id] = sheet
            rows_at[view.group.id] = 3
        r = rows_at[view.group.id]
        values = {
            "facilitator": facilitator,
            "date": when,
            "place": view.meeting.place,
            "materi": " - ".join(t for t in (view.module_title, view.session_title) if t),
            "pemateri": facilitator,
        }
        for key, label in form.header.items():
            sheet.cell(row=r, column=1, value=label).font = Font(bold=True)
            _text(sheet.cell(row=r, column=3), values.get(key, ""))
            r += 1
        r += 1
        columns = form.columns
        _header(
            sheet,
            r,
            [columns[k] for k in ("no", "name", "group", "attendance", "level")],
        )
        r += 1
        for n, row in enumerate(view.rows, start=1):
            attendance, level = monitoring_words(form, row)
            _write_row(sheet, r, [n, row.name, view.group.name, attendance, level])
            r += 1
        rows_at[view.group.id] = r + 2
    return list(sheets.values())


def semester_sheet(
    book: Workbook, views: Sequence[SemesterView], form: SemesterForm
) -> Worksheet | None:
    """The semester form: No | Nama KPM | Kelompok | one column per rating, every active
    member of her groups; a rating not given yet is left empty for her to fill."""
    if not any(v.rows for v in views):
        return None
    sheet = book.create_sheet(_sheet_title(book, "Pemantauan Semester"))
    sheet.cell(row=1, column=1, value=form.title).font = Font(bold=True, size=14)
    year, half = views[0].semester.split("-")
    sheet.cell(row=2, column=1, value=f"Semester {half} / {year}")
    columns = [form.columns[k] for k in ("no", "name", "group")]
    _header(sheet, 4, [*columns, *form.aspects.values()])
    r, n = 5, 1
    for view in views:
        for row in view.rows:
            levels = [form.levels.get(row.ratings.get(a, ""), "") for a in form.aspects]
            _write_row(sheet, r, [n, row.name, view.group.name, *levels])
            r, n = r + 1, n + 1
    _widths(sheet, [6, 30, 20, *([26] * len(form.aspects))])
    sheet.freeze_panes = "A5"
    return sheet


def subdistrict_xlsx(rows: Sequence[RecapRow], form: RecapForm, month_name: str) -> bytes:
    """The sub-district recap: one row per kecamatan and facilitator, the totals, then the
    footer "Catatan Dinamika Pelaksanaan P2K2" with room to write."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(book, "Rekap Kecamatan")
    sheet.cell(row=1, column=1, value=form.title).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value=form.month)
    sheet.cell(row=2, column=2, value=month_name)
    keys = list(form.columns)
    header_row = 4
    _header(sheet, header_row, list(form.columns.values()))
    numbers = [k for k in keys if k not in ("no", "kecamatan", "facilitator", "reason")]
    numbers = [k for k in numbers if k not in ("materi", "pemateri")]
    sums = dict.fromkeys(numbers, 0)
    r = header_row + 1
    for n, row in enumerate(sorted(rows, key=lambda x: (x.kecamatan, x.facilitator)), start=1):
        values = _recap_values(row, n)
        for key in numbers:
            value = values.get(key)
            sums[key] += value if isinstance(value, int) else 0
        _write_row(sheet, r, [values.get(k, "") for k in keys])
        r += 1
    total: dict[str, object] = {"no": form.total_row, **sums}
    _write_row(sheet, r, [total.get(k, "") for k in keys])
    _bold_row(sheet, r, len(keys))
    r += 2
    sheet.cell(row=r, column=1, value=form.footer).font = Font(bold=True)
    sheet.merge_cells(start_row=r + 1, start_column=1, end_row=r + 5, end_column=len(keys))
    sheet.cell(row=r + 1, column=1).alignment = Alignment(vertical="top", wrap_text=True)
    widths = {"no": 6, "kecamatan": 18, "facilitator": 22, "reason": 28, "materi": 30}
    _widths(sheet, [widths.get(k, 12) for k in keys])
    sheet.freeze_panes = f"A{header_row + 1}"
    return _save(book)


def _recap_values(row: RecapRow, number: int) -> dict[str, object]:
    return {
        "no": number,
        "kecamatan": row.kecamatan,
        "facilitator": row.facilitator,
        "groups": row.groups,
        "groups_done": row.groups_done,
        "reason": "; ".join(row.reasons),
        "materi": "; ".join(row.materi),
        "pemateri": row.pemateri,
        "members": row.members,
        "present": row.present,
        "not_present": row.not_present,
        "open_follow_ups": row.open_follow_ups,
        "attention": row.attention,
        **row.levels,
    }
