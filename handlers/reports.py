"""Recaps, exports and the chart for facilitators: /rekap and /ekspor.

Callback data: ``repe`` (the month chooser), ``repc:<YYYYMM>`` (CSV), ``repi:<YYYYMM>``
(CSV for an Excel set to Indonesian: ``;`` between cells), ``repx:<YYYYMM>`` (XLSX, with a
SIKS-NG sheet per meeting), ``repg`` (the chart). Everything covers only the pressing
facilitator's own groups (taken from her, never from the button), and the month must be one
the chooser offers.
Files are built in a worker thread from plain data and sent from memory.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from telegram import InputFile

from bot.auth import FACILITATORS
from bot.exports import EXCEL_ID_DELIMITER, chart_png, csv_bytes, xlsx_bytes
from bot.form_exports import monitoring_sheets, semester_sheet
from bot.formdefs import monitoring_form, semester_form
from bot.forms import monitoring_dates
from bot.report_format import month_name, previous_month
from bot.reports import CHART_MONTHS, Reports
from db.models import Facilitator
from handlers.registry import Call, Router, keyboard
from handlers.siks import list_meetings

router = Router()


def _service(call: Call) -> Reports:
    return call.services.reports


def _me(call: Call) -> Facilitator:
    assert call.actor.facilitator is not None
    return call.actor.facilitator


async def _zone(call: Call) -> str:
    groups = await call.services.onboarding.groups_of(_me(call).id)
    return groups[0].group.timezone if groups else call.services.settings.default_timezone


async def _offered_months(call: Call) -> list[tuple[int, int]]:
    """This month and the previous one, in her (first group's) time zone."""
    local: datetime = call.now.astimezone(ZoneInfo(await _zone(call)))
    current = (local.year, local.month)
    return [current, previous_month(*current)]


@router.command("rekap", FACILITATORS, menu="menu.recap")
async def recap(call: Call, args: list[str]) -> None:
    service = _service(call)
    recaps = await service.recap(_me(call))
    if not recaps:
        await call.reply(call.t("report.no_groups"))
        return
    messages = service.recap_messages(recaps)
    for text in messages[:-1]:
        await call.reply(text)
    await call.reply(
        messages[-1],
        keyboard(
            [(call.t("report.button_export"), choose_month.data())],
            [(call.t("report.button_chart"), chart.data())],
            [(call.t("siks.button_open"), list_meetings.data())],
        ),
    )


@router.command("ekspor", FACILITATORS, menu="menu.export")
async def export_command(call: Call, args: list[str]) -> None:
    await choose_month(call)


@router.action("repe", FACILITATORS)
async def choose_month(call: Call) -> None:
    rows = []
    for year, month in await _offered_months(call):
        code = f"{year:04d}{month:02d}"
        name = month_name(year, month)
        rows.append(
            [
                (call.t("report.button_csv", month=name), export_csv.data(code)),
                (call.t("report.button_xlsx", month=name), export_xlsx.data(code)),
            ]
        )
        rows.append([(call.t("report.button_csv_id", month=name), export_csv_id.data(code))])
    await call.reply(call.t("report.choose_month"), keyboard(*rows))


async def _month(call: Call, code: str) -> tuple[int, int] | None:
    offered = {f"{y:04d}{m:02d}": (y, m) for y, m in await _offered_months(call)}
    found = offered.get(code)
    if found is None:
        await call.toast(call.t("common.stale_button"), alert=True)
    return found


@router.action("repc", FACILITATORS, str)
async def export_csv(call: Call, code: str) -> None:
    await _export(call, code, "csv")


@router.action("repi", FACILITATORS, str)
async def export_csv_id(call: Call, code: str) -> None:
    await _export(call, code, "csv_id")


@router.action("repx", FACILITATORS, str)
async def export_xlsx(call: Call, code: str) -> None:
    await _export(call, code, "xlsx")


async def _export(call: Call, code: str, kind: str) -> None:
    month = await _month(call, code)
    if month is None:
        return
    await call.toast(call.t("report.working"))
    service = _service(call)
    report = await service.month_report(_me(call), *month)
    labels = service.labels(*month)
    if kind == "xlsx":
        forms = await monitoring_sheets_for(call, *month)
        siks = await call.services.siks.month_sheets(
            _me(call).id,
            [m.meeting_id for m in report.meetings],
            call.services.evidence.folder,
        )
        data = await asyncio.to_thread(xlsx_bytes, report, labels, [*forms, siks.write])
    else:
        delimiter = EXCEL_ID_DELIMITER if kind == "csv_id" else ","
        data = await asyncio.to_thread(csv_bytes, report, labels, delimiter)
    suffix = {"csv": "csv", "csv_id": "excel-id.csv"}.get(kind, kind)
    filename = f"laporan-p2k2-{month[0]:04d}-{month[1]:02d}.{suffix}"
    await call.context.bot.send_document(
        call.chat_id,
        InputFile(io.BytesIO(data), filename=filename),
        caption=call.t(
            "report.file_caption", month=labels.month_name, meetings=len(report.meetings)
        ),
    )


async def monitoring_sheets_for(
    call: Call, year: int, month: int
) -> list[Callable[[Workbook], object]]:
    """The monthly monitoring form's sheets (one per group) and the semester form, for her
    workbook."""
    service = call.services.forms
    forms = await service.monitoring_month(_me(call), year, month)
    semester = await service.semester_month(_me(call), year, month)
    dates = monitoring_dates(call.services.catalog, forms)
    name = _me(call).name
    return [
        lambda book: monitoring_sheets(book, forms, monitoring_form(), name, dates),
        lambda book: semester_sheet(book, semester, semester_form()),
    ]


@router.action("repg", FACILITATORS)
async def chart(call: Call) -> None:
    service = _service(call)
    data = await service.chart_data(_me(call), call.now)
    if data.empty:
        await call.toast()
        await call.reply(call.t("report.chart_empty"))
        return
    await call.toast(call.t("report.working"))
    labels = service.labels(call.now.year, call.now.month)
    png = await asyncio.to_thread(chart_png, data, labels)
    await call.context.bot.send_photo(
        call.chat_id,
        InputFile(io.BytesIO(png), filename="kehadiran.png"),
        caption=call.t("report.chart_caption", months=CHART_MONTHS),
    )
