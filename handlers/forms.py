"""The forms a facilitator files: the printable attendance sheet (/daftarhadir) and the
knowledge levels of the monthly monitoring form (/pemahaman), the semester form's two
ratings (/semester).

Callback data: ``dh:<meeting>`` (the PDF of one meeting's Daftar Hadir); ``lv:<meeting>:
<page>`` (the levels of a meeting), ``lvp:<meeting>:<member>:<page>`` (her level to
choose), ``lvs:<meeting>:<member>:<level>:<page>`` (set it), ``lva:<meeting>:<page>``
(confirm every proposal); ``sg:<group>:<page>`` (a group's semester form),
``sm:<group>:<member>:<page>`` (her two ratings), ``ss:<group>:<member>:<aspect>:<level>:
<page>`` (set one). Only her own groups' finalized meetings and the members marked
there (checked by the service from her, never from the button).
"""

from __future__ import annotations

import asyncio
import io

from telegram import InputFile

from bot.attendance_sheet import sheet_pdf
from bot.auth import FACILITATORS
from bot.formdefs import monitoring_form, semester_form, sheet_form
from bot.forms import Forms, Monitoring, SemesterView, monitoring_words
from bot.report_format import safe_filename
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


# -- the monthly monitoring form: knowledge levels -------------------------------------

PAGE_SIZE = 10


@router.command("pemahaman", FACILITATORS, menu="forms.menu_levels")
async def level_meetings(call: Call, args: list[str]) -> None:
    choices = await _service(call).level_choices(_me(call), call.now)
    if not choices:
        await call.reply(call.t("forms.levels_none"))
        return
    catalog = call.services.catalog
    rows = [
        [
            (
                call.t(
                    "forms.levels_item",
                    group=c.group.name,
                    date=catalog.short_date(c.meeting.starts_at, c.group.timezone),
                ),
                level_screen.data(c.meeting.id, 0),
            )
        ]
        for c in choices
    ]
    await call.reply(call.t("forms.levels_choose"), keyboard(*rows))


@router.action("lv", FACILITATORS, int, int)
async def level_screen(call: Call, meeting_id: int, page: int) -> None:
    view = await _service(call).monitoring(_me(call), meeting_id)
    await _show_levels(call, view, page)


async def _show_levels(call: Call, view: Monitoring | None, page: int) -> None:
    if view is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    form = monitoring_form()
    pages = max(1, (len(view.rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    buttons = []
    for row in view.rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        attendance, level = monitoring_words(form, row)
        key = "forms.levels_row_confirmed" if row.confirmed else "forms.levels_row_proposed"
        buttons.append(
            [
                (
                    call.t(key, name=row.name, attendance=attendance, level=level),
                    level_member.data(view.meeting.id, row.participant_id, page),
                )
            ]
        )
    nav = []
    if page > 0:
        nav.append((call.t("common.button_prev"), level_screen.data(view.meeting.id, page - 1)))
    if page + 1 < pages:
        nav.append((call.t("common.button_next"), level_screen.data(view.meeting.id, page + 1)))
    if nav:
        buttons.append(nav)
    if view.unconfirmed:
        buttons.append(
            [
                (
                    call.t("forms.levels_confirm_all", count=view.unconfirmed),
                    level_confirm_all.data(view.meeting.id, page),
                )
            ]
        )
    catalog = call.services.catalog
    text = call.t(
        "forms.levels_title",
        group=view.group.name,
        date=catalog.date(view.meeting.starts_at, view.group.timezone),
        session=view.session_title,
        unconfirmed=view.unconfirmed,
        total=len(view.rows),
    )
    await call.toast()
    await call.show(text, keyboard(*buttons) if buttons else None)


@router.action("lvp", FACILITATORS, int, int, int)
async def level_member(call: Call, meeting_id: int, participant_id: int, page: int) -> None:
    view = await _service(call).monitoring(_me(call), meeting_id)
    row = (
        next((r for r in view.rows if r.participant_id == participant_id), None) if view else None
    )
    if view is None or row is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    form = monitoring_form()
    attendance, _ = monitoring_words(form, row)
    buttons = [
        [
            (
                ("✓ " if key == row.confirmed else "") + words,
                level_set.data(meeting_id, participant_id, index, page),
            )
        ]
        for index, (key, words) in enumerate(form.levels.items())
    ]
    buttons.append([(call.t("common.button_back"), level_screen.data(meeting_id, page))])
    await call.toast()
    await call.show(
        call.t(
            "forms.levels_member",
            name=row.name,
            attendance=attendance,
            proposed=form.levels.get(row.proposed, row.proposed),
        ),
        keyboard(*buttons),
    )


@router.action("lvs", FACILITATORS, int, int, int, int)
async def level_set(
    call: Call, meeting_id: int, participant_id: int, chosen: int, page: int
) -> None:
    service = _service(call)
    level = service.level_key(chosen)
    view = (
        await service.set_level(_me(call), meeting_id, participant_id, level, call.now)
        if level is not None
        else None
    )
    await _show_levels(call, view, page)


@router.action("lva", FACILITATORS, int, int)
async def level_confirm_all(call: Call, meeting_id: int, page: int) -> None:
    view = await _service(call).confirm_proposals(_me(call), meeting_id, call.now)
    await _show_levels(call, view, page)


# -- the semester form: two ratings per member ----------------------------------------


@router.command("semester", FACILITATORS, menu="forms.menu_semester")
async def semester_groups(call: Call, args: list[str]) -> None:
    groups = await _service(call).groups(_me(call))
    if not groups:
        await call.reply(call.t("report.no_groups"))
        return
    rows = [[(g.name, semester_group.data(g.id, 0))] for g in groups]
    await call.reply(call.t("forms.semester_choose"), keyboard(*rows))


@router.action("sg", FACILITATORS, int, int)
async def semester_group(call: Call, group_id: int, page: int) -> None:
    view = await _service(call).semester(_me(call), group_id, None, call.now)
    await _show_semester(call, view, page)


async def _show_semester(call: Call, view: SemesterView | None, page: int) -> None:
    if view is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    form = semester_form()
    pages = max(1, (len(view.rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    unset = call.t("forms.semester_unset")
    buttons = []
    for row in view.rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        levels = " / ".join(form.levels.get(row.ratings.get(a, ""), unset) for a in form.aspects)
        buttons.append(
            [
                (
                    call.t("forms.semester_row", name=row.name, levels=levels),
                    semester_member.data(view.group.id, row.participant_id, page),
                )
            ]
        )
    nav = []
    if page > 0:
        nav.append((call.t("common.button_prev"), semester_group.data(view.group.id, page - 1)))
    if page + 1 < pages:
        nav.append((call.t("common.button_next"), semester_group.data(view.group.id, page + 1)))
    if nav:
        buttons.append(nav)
    year, half = view.semester.split("-")
    text = call.t(
        "forms.semester_title",
        group=view.group.name,
        semester=half,
        year=year,
        aspects=" / ".join(form.aspects.values()),
    )
    await call.toast()
    await call.show(text, keyboard(*buttons) if buttons else None)


@router.action("sm", FACILITATORS, int, int, int)
async def semester_member(call: Call, group_id: int, participant_id: int, page: int) -> None:
    view = await _service(call).semester(_me(call), group_id, None, call.now)
    await _show_member_ratings(call, view, participant_id, page)


async def _show_member_ratings(
    call: Call, view: SemesterView | None, participant_id: int, page: int
) -> None:
    rows = view.rows if view else ()
    row = next((r for r in rows if r.participant_id == participant_id), None)
    if view is None or row is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    form = semester_form()
    buttons = []
    lines = []
    for a, (aspect, title) in enumerate(form.aspects.items()):
        current = row.ratings.get(aspect)
        lines.append(
            call.t(
                "forms.semester_aspect",
                aspect=title,
                level=form.levels.get(current or "", call.t("forms.semester_unset")),
            )
        )
        choices = [
            (
                ("✓ " if key == current else "") + f"{title.split()[-1]}: {words}",
                semester_set.data(view.group.id, participant_id, a, index, page),
            )
            for index, (key, words) in enumerate(form.levels.items())
        ]
        buttons.extend([choices[i : i + 2] for i in range(0, len(choices), 2)])
    buttons.append([(call.t("common.button_back"), semester_group.data(view.group.id, page))])
    await call.toast()
    await call.show(
        call.t("forms.semester_member", name=row.name, ratings="\n".join(lines)),
        keyboard(*buttons),
    )


@router.action("ss", FACILITATORS, int, int, int, int, int)
async def semester_set(
    call: Call, group_id: int, participant_id: int, aspect: int, chosen: int, page: int
) -> None:
    view = await _service(call).set_rating(
        _me(call), group_id, participant_id, aspect, chosen, call.now
    )
    await _show_member_ratings(call, view, participant_id, page)
