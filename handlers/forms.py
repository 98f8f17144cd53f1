"""The forms a facilitator files: the printable attendance sheet (/daftarhadir).

Callback data: ``dh:<meeting>`` (the PDF of one meeting's Daftar Hadir). Only her own
groups' meetings (checked by the service from her, never from the button).
"""

from __future__ import annotations

import asyncio
import io

from telegram import InputFile

from bot.attendance_sheet import sheet_pdf
from bot.auth import FACILITATORS
from bot.formdefs import sheet_form
from bot.forms import Forms
from bot.reports import safe_filename
from db.models import Facilitator
from handlers.registry import Call, Router, keyboard

router = Router()


def _service(call: Call) -> Forms:
    return call.services.forms


def _me(call: Call) -> Facilitator:
    assert call.actor.facilitator is not None
    return call.actor.facilitator


@router.command("daftarhadir", FACILITATORS, menu="forms.menu_sheet")
async def sheet_list(call: Call, args: list[str]) -> None:
    choices = await _service(call).sheet_choices(_me(call), call.now)
    if not choices:
        await call.reply(call.t("forms.sheet_none"))
        return
    catalog = call.services.catalog
    rows = [
        [
            (
                call.t(
                    "forms.sheet_item_final" if c.final else "forms.sheet_item",
                    group=c.group.name,
                    date=catalog.short_date(c.meeting.starts_at, c.group.timezone),
                ),
                attendance_sheet.data(c.meeting.id),
            )
        ]
        for c in choices
    ]
    await call.reply(call.t("forms.sheet_choose"), keyboard(*rows))


@router.action("dh", FACILITATORS, int)
async def attendance_sheet(call: Call, meeting_id: int) -> None:
    sheet = await _service(call).attendance_sheet(_me(call), meeting_id)
    if sheet is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast(call.t("report.working"))
    data = await asyncio.to_thread(sheet_pdf, sheet, sheet_form())
    name = f"daftar-hadir-{safe_filename(sheet.header['group'])}-{meeting_id}.pdf"
    await call.context.bot.send_document(
        call.chat_id,
        InputFile(io.BytesIO(data), filename=name),
        caption=call.t("forms.sheet_caption", group=sheet.header["group"]),
    )
