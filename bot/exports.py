"""The monthly report's files and the attendance chart: pure, synchronous functions of the
plain data :mod:`bot.reports` builds (handlers and the CLI run them in a worker thread,
``asyncio.to_thread``, so the event loop never waits for openpyxl or matplotlib).

CSV: UTF-8 with a BOM, comma separated, RFC 4180 quoting, CRLF line ends; cells that start
with ``= + - @`` are written as text (docs/DECISIONS.md, "Reports"). The "Excel Indonesia"
CSV is the same with ``;`` between cells: an Excel set to Indonesian (list separator ``;``)
opens it in columns on a double-click.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import LOCALE
from bot.report_format import percent
from bot.reports import ChartData, Labels, MonthReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_SIZE = (1080, 1080)
"""Chart width and height in pixels: square, sharp on a phone, small enough to send fast."""
_CHART_DPI = 120
CHART_LABELS = 24
"""Points up to which each is labelled with its rate (more would cover each other)."""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ------------------------------------------------------------------------------ the writers


def _cell_text(value: str) -> str:
    """Text that a spreadsheet shows as text, never runs as a formula (CSV)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _rows(report: MonthReport) -> list[list[object]]:
    rows: list[list[object]] = []
    for line in report.meetings:
        rows.append(
            [
                line.group_name,
                line.local_start.date(),
                line.local_start.strftime("%H.%M") + " " + line.zone,
                line.place,
                line.session_number if line.session_number is not None else "",
                line.session_title,
                line.module_title,
                len(line.present),
                len(line.excused),
                len(line.absent),
                line.total,
                percent(len(line.present), line.total),
                ", ".join(line.present),
                ", ".join(line.excused),
                ", ".join(line.absent),
                ", ".join(line.present_how),
            ]
        )
    return rows


EXCEL_ID_DELIMITER = ";"
"""The list separator of an Excel set to Indonesian regional settings."""


def csv_bytes(report: MonthReport, labels: Labels, delimiter: str = ",") -> bytes:
    """One row per finalized meeting; see the module docstring for the format."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(labels.columns)
    for row in _rows(report):
        writer.writerow(
            [
                _cell_text(v)
                if isinstance(v, str)
                else v.isoformat()
                if isinstance(v, date)
                else ("" if v is None else v)
                for v in row
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    report: MonthReport, labels: Labels, sheets: Sequence[Callable[[Workbook], object]] = ()
) -> bytes:
    """The monthly P2K2 activity report: a sheet of meetings (one row each, with the names
    by status), a summary sheet per group with totals, the member x meeting sheet, then
    the sheets ``sheets`` add (the forms of :mod:`bot.form_exports`, the SIKS-NG records of
    :mod:`bot.siks_export`)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = labels.sheet_activity[:31]
    _heading(sheet, labels, report.facilitator_name)
    header_row = 5
    _header(sheet, header_row, labels.columns)
    for r, row in enumerate(_rows(report), start=header_row + 1):
        _write_row(sheet, r, row, percent_col=12, date_col=2)
    _widths(sheet, [18, 12, 11, 24, 6, 30, 26, 7, 7, 11, 8, 9, 40, 30, 30, 50])
    sheet.freeze_panes = f"A{header_row + 1}"

    summary = book.create_sheet(labels.sheet_summary[:31])
    _heading(summary, labels, report.facilitator_name)
    _header(summary, header_row, labels.summary_columns)
    r = header_row + 1
    sums = [0, 0, 0, 0, 0]
    for group in report.groups:
        present, excused, absent = group.totals()
        values = [group.members, len(group.meetings), present, excused, absent]
        sums = [a + b for a, b in zip(sums, values, strict=True)]
        total = present + excused + absent
        _write_row(summary, r, [group.group_name, *values, percent(present, total)], percent_col=7)
        r += 1
    total = sums[2] + sums[3] + sums[4]
    _write_row(summary, r, [labels.total_row, *sums, percent(sums[2], total)], percent_col=7)
    _bold_row(summary, r, len(labels.summary_columns))
    _widths(summary, [24, 14, 12, 8, 8, 12, 10])
    members_sheet(book, report, labels)
    for add in sheets:
        add(book)
    return _save(book)


_STATUS_FILL = {"present": "C6EFCE", "excused": "FFEB9C", "absent": "FFC7CE"}


def members_sheet(book: Workbook, report: MonthReport, labels: Labels) -> Worksheet:
    """One mother's month at a glance: per group, a row per member and a column per
    meeting of the month (her status in words, coloured), then her totals."""
    sheet = book.create_sheet(labels.sheet_members[:31])
    _heading(sheet, labels, report.facilitator_name)
    words = dict(zip(("present", "excused", "absent"), labels.statuses, strict=True))
    before, after = labels.member_columns[:3], labels.member_columns[3:]
    r = 5
    widest = 0
    for group in report.groups:
        if not group.meetings:
            continue
        sheet.cell(row=r, column=1, value=group.group_name).font = Font(bold=True, size=12)
        r += 1
        heads = [
            format_date(m.local_start.date(), "d MMM", locale=LOCALE)
            + (f"\nS{m.session_number}" if m.session_number is not None else "")
            for m in group.meetings
        ]
        _header(sheet, r, [*before, *heads, *after])
        widest = max(widest, len(heads))
        r += 1
        for n, person in enumerate(group.people, start=1):
            cells: list[object] = [n, group.group_name, person.name]
            cells += [words.get(st or "", labels.no_mark) for st in person.statuses]
            cells += [person.count("present"), person.count("excused"), person.count("absent")]
            _write_row(sheet, r, cells)
            for c, status in enumerate(person.statuses, start=len(before) + 1):
                if status in _STATUS_FILL:
                    sheet.cell(row=r, column=c).fill = PatternFill(
                        "solid", fgColor=_STATUS_FILL[status]
                    )
            r += 1
        r += 1
    _widths(sheet, [5, 18, 26, *([11] * widest), 8, 8, 11])
    sheet.freeze_panes = "D5"
    return sheet


def totals_xlsx_bytes(reports: Sequence[MonthReport], labels: Labels) -> bytes:
    """The coordinator's totals: one row per facilitator and group, then the grand total."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = labels.sheet_total[:31]
    sheet.cell(row=1, column=1, value=labels.title).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value=labels.month)
    sheet.cell(row=2, column=2, value=labels.month_name)
    header_row = 4
    _header(sheet, header_row, labels.total_columns)
    r = header_row + 1
    sums = [0, 0, 0, 0, 0]
    for report in reports:
        for group in report.groups:
            present, excused, absent = group.totals()
            values = [group.members, len(group.meetings), present, excused, absent]
            sums = [a + b for a, b in zip(sums, values, strict=True)]
            total = present + excused + absent
            _write_row(
                sheet,
                r,
                [report.facilitator_name, group.group_name, *values, percent(present, total)],
                percent_col=8,
            )
            r += 1
    total = sums[2] + sums[3] + sums[4]
    _write_row(sheet, r, [labels.total_row, "", *sums, percent(sums[2], total)], percent_col=8)
    _bold_row(sheet, r, len(labels.total_columns))
    _widths(sheet, [24, 24, 14, 12, 8, 8, 12, 10])
    return _save(book)


def _heading(sheet: Worksheet, labels: Labels, facilitator: str) -> None:
    sheet.cell(row=1, column=1, value=labels.title).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value=labels.facilitator)
    _text(sheet.cell(row=2, column=2), facilitator)
    sheet.cell(row=3, column=1, value=labels.month)
    sheet.cell(row=3, column=2, value=labels.month_name)


def _header(sheet: Worksheet, row: int, columns: Sequence[str]) -> None:
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c, name in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=c, value=name)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_row(
    sheet: Worksheet,
    row: int,
    values: Sequence[object],
    *,
    percent_col: int | None = None,
    date_col: int | None = None,
) -> None:
    for c, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=c)
        if isinstance(value, str):
            _text(cell, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        elif c == percent_col:
            cell.value = None if not isinstance(value, int) else value / 100
            cell.number_format = "0%"
        elif c == date_col and isinstance(value, date):
            cell.value = value
            cell.number_format = "dd/mm/yyyy"
        elif isinstance(value, int | float):
            cell.value = value


def _text(cell: Cell | MergedCell, value: str) -> None:
    """A string cell that stays a string (openpyxl would take "=..." for a formula)."""
    cell.value = value
    cell.data_type = "s"


def _bold_row(sheet: Worksheet, row: int, width: int) -> None:
    for c in range(1, width + 1):
        sheet.cell(row=row, column=c).font = Font(bold=True)


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------ the chart


@functools.cache
def _drawable_chars() -> frozenset[int]:
    """Code points the chart's font (DejaVu Sans, shipped with matplotlib) can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(FT2Font(path).get_charmap())


def drawable(text: str) -> str:
    """``text`` with characters the font lacks (emoji, some scripts) left out, so matplotlib
    draws no empty boxes and warns about no missing glyph."""
    chars = _drawable_chars()
    kept = "".join(ch for ch in text if ord(ch) in chars)
    return kept.strip() or "?"


def chart_months(data: ChartData) -> list[date]:
    """The months (their first day) that have at least one meeting, oldest first: the
    chart shows only these, side by side, so no empty month takes room."""
    return sorted({d.replace(day=1) for series in data.series for d, _ in series.points})


def chart_png(data: ChartData, labels: Labels) -> bytes:
    """Attendance rate per meeting, one line per group, as a PNG of ``CHART_SIZE``."""
    figure = chart_figure(data, labels.chart_title, labels.chart_axis)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_CHART_DPI)
    return out.getvalue()


def chart_figure(data: ChartData, title: str, axis: str) -> Figure:
    """The chart as a matplotlib figure: one column per month with meetings (labelled
    "Agu" over "2026"), a group's meetings of a month spread over its column, each point
    labelled with its rate; the axis leaves room below 0 % so a 0 % point shows whole."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, MultipleLocator, PercentFormatter

    months = chart_months(data)
    column = {m: i for i, m in enumerate(months)}
    shown = [s for s in data.series if s.points]

    def xs_of(index: int, points: Sequence[tuple[date, float]]) -> list[float]:
        """A group's meetings of a month spread evenly over its column (one: the middle),
        each group a little aside so two groups' points of a month stay apart."""
        aside = 0.14 * (index - (len(shown) - 1) / 2) if len(shown) > 1 else 0.0
        per_month: dict[date, list[date]] = {}
        for day, _ in points:
            per_month.setdefault(day.replace(day=1), []).append(day)
        xs = []
        for day, _ in points:
            days = sorted(per_month[day.replace(day=1)])
            k = days.index(day)
            xs.append(column[day.replace(day=1)] + (k + 0.5) / len(days) + aside / len(days))
        return xs

    width, height = CHART_SIZE
    figure = Figure(figsize=(width / _CHART_DPI, height / _CHART_DPI), dpi=_CHART_DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    drawn = 0
    labelled = sum(len(s.points) for s in shown) <= CHART_LABELS
    for index, series in enumerate(shown):
        xs = xs_of(index, series.points)
        ys = [rate for _, rate in series.points]
        (line,) = ax.plot(
            xs,
            ys,
            marker="o",
            markersize=11,
            linewidth=3,
            label=drawable(series.group_name),
            clip_on=False,
        )
        for x, y in zip(xs, ys, strict=True) if labelled else ():
            ax.annotate(
                f"{round(y)}%",
                (x, y),
                textcoords="offset points",
                xytext=(0, 14),
                ha="center",
                fontsize=17,
                color=line.get_color(),
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
            )
        drawn += 1
    ax.set_title(drawable(title), fontsize=26, pad=18)
    ax.set_ylabel(drawable(axis), fontsize=22)
    ax.set_ylim(-8, 115)
    ax.yaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlim(0, max(len(months), 1))
    ax.xaxis.set_major_locator(FixedLocator([i + 0.5 for i in range(len(months))]))
    ax.set_xticklabels(
        [
            "\n".join(drawable(part) for part in format_date(m, "MMM|y", locale=LOCALE).split("|"))
            for m in months
        ]
    )
    ax.xaxis.set_minor_locator(MultipleLocator(1))
    ax.tick_params(axis="both", labelsize=20)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.grid(True, axis="y", alpha=0.35)
    ax.grid(True, axis="x", which="minor", alpha=0.35)
    figure.subplots_adjust(left=0.16, right=0.96, top=0.9, bottom=0.3)
    if drawn:
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncol=2 if drawn > 3 else 1,
            fontsize=20,
            frameon=False,
        )
    return figure
