"""The facilitator's marks (``/kehadiran``).

Buttons (callback data, all ids checked against the database):

* ``kl:<meeting>:<page>``: the facilitator's marking screen (only her groups' meetings);
* ``kln:<meeting>:<page>``: the same, opened as a new message below a record message;
* ``kt:<meeting>:<participant>:<p|e|a>:<page>``: set one member's mark (the button carries
  the mark it sets, the next one of hadir → izin → tidak hadir, so a press delivered twice
  sets it twice, harmlessly).
* ``ks:<meeting>:<participant>:<ok|no>``: under the summary at the close, confirm or correct
  (absent) a flagged self check-in (bot/attendance/signoff.py); the buttons left are shown.

The rules and outcomes: bot/attendance/marking.py.
"""

from __future__ import annotations

from bot.attendance import (
    STATUS_CODES,
    Attendance,
    SignOffResult,
    ToggleResult,
    WindowState,
    next_status,
    window_state,
)
from bot.auth import FACILITATORS
from bot.callbacks import MARK_SCREEN, MARK_SCREEN_NEW, SIGN_OFF
from db.attendance import LEADER, PRESENT, SELF
from handlers.groups import add_offline
from handlers.registry import Call, Router, keyboard

router = Router()
LIST_LIMIT = 12


def _service(call: Call) -> Attendance:
    return call.services.attendance


PAGE_SIZE = 15


# -- facilitators: marking ---------------------------------------------------------------


@router.command("kehadiran", FACILITATORS, menu="attendance.menu_mark")
async def markable_meetings(call: Call, args: list[str]) -> None:
    found = await _service(call).markable(call.actor, call.now)
    if not found:
        await call.reply(call.t("attendance.mark_list_empty"))
        return
    catalog = call.services.catalog
    rows = [
        [
            (
                call.t(
                    "attendance.mark_list_item",
                    group=group.name,
                    date=catalog.short_date(cm.meeting.starts_at, group.timezone),
                    time=catalog.time(cm.meeting.starts_at, group.timezone),
                ),
                mark_screen.data(cm.meeting.id, 0),
            )
        ]
        for cm, group in found[:LIST_LIMIT]
    ]
    await call.reply(call.t("attendance.mark_list_title"), keyboard(*rows))


@router.action(MARK_SCREEN, FACILITATORS)
async def mark_screen(call: Call, meeting_id: int, page: int) -> None:
    await _mark_screen(call, meeting_id, page)


async def _mark_screen(
    call: Call, meeting_id: int, page: int, *, new_message: bool = False
) -> None:
    service = _service(call)
    view = await service.marking(call.actor, meeting_id)
    if view is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    catalog, group, meeting = call.services.catalog, view.group, view.meeting.meeting
    state = window_state(view.window, call.now)
    if state is WindowState.BEFORE:
        opens = catalog.datetime(view.window.opens, group.timezone)
        await call.toast(call.t("attendance.mark_not_yet", opens=opens), alert=True)
        return
    rows_all = view.rows
    pages = max(1, (len(rows_all) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages - 1)
    buttons = []
    for row in rows_all[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        p = row.participant
        excuse = view.excuses.get(p.id)
        if row.status == PRESENT and row.source == SELF:
            label = call.t("attendance.mark_item_self", name=p.name)
        elif row.status == PRESENT and row.source == LEADER:
            label = call.t("attendance.mark_item_leader", name=p.name)
        elif row.status is None and excuse is not None:  # "Tidak bisa hadir" in advance
            reason = call.services.meetings.reason_text(excuse.reason, excuse.note)
            label = call.t("attendance.mark_item_rsvp_excused", name=p.name, reason=reason)
        else:
            label = call.t(f"attendance.mark_item_{row.status or 'none'}", name=p.name)
        if p.telegram_id is None:
            label = call.t("attendance.mark_item_offline", label=label)
        target = STATUS_CODES[next_status(row.status)]
        buttons.append([(label, toggle.data(meeting.id, p.id, target, page))])
    nav = []
    if page > 0:
        nav.append((call.t("common.button_prev"), mark_screen.data(meeting.id, page - 1)))
    if page + 1 < pages:
        nav.append((call.t("common.button_next"), mark_screen.data(meeting.id, page + 1)))
    if nav:
        buttons.append(nav)
    buttons.append([(call.t("attendance.button_add_offline"), add_offline.data(group.id))])
    counts = {s: sum(1 for r in rows_all if r.status == s) for s in ("present", "excused")}
    absent = sum(1 for r in rows_all if r.status == "absent")
    text = call.t(
        "attendance.mark_title",
        group=group.name,
        when=catalog.datetime(meeting.starts_at, group.timezone),
        topic=service.topic(meeting.session_id),
        present=counts["present"],
        total=len(rows_all),
        excused=counts["excused"],
        absent=absent,
        unmarked=sum(1 for r in rows_all if r.status is None),
    )
    if state is WindowState.OPEN and view.meeting.checkin_code:
        code = service.rotation(view.meeting).code(call.now)
        text += "\n\n" + call.t("attendance.mark_code", code=code)
    elif state is WindowState.CLOSED:
        text += "\n\n" + call.t("attendance.mark_final")
    if new_message:
        await call.toast()
        await call.reply(text, keyboard(*buttons))
    else:
        await call.show(text, keyboard(*buttons))


@router.action(MARK_SCREEN_NEW, FACILITATORS)
async def open_mark_screen(call: Call, meeting_id: int, page: int) -> None:
    """The marking screen from a record message (the check-in code, the meeting summary):
    it opens as a new message below it, and the record stays as it was."""
    await _mark_screen(call, meeting_id, page, new_message=True)


@router.action("kt", FACILITATORS, int, int, str, int)
async def toggle(call: Call, meeting_id: int, participant_id: int, target: str, page: int) -> None:
    status = next((s for s, code in STATUS_CODES.items() if code == target), "")
    outcome = await _service(call).mark(call.actor, meeting_id, participant_id, status, call.now)
    if outcome.result is ToggleResult.NOT_YOURS:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    if outcome.result is ToggleResult.NOT_YET:
        assert outcome.window is not None and outcome.group is not None
        opens = call.services.catalog.datetime(outcome.window.opens, outcome.group.timezone)
        await call.toast(call.t("attendance.mark_not_yet", opens=opens), alert=True)
        return
    assert outcome.participant is not None and outcome.status is not None
    await call.toast(
        call.t(
            "attendance.marked",
            name=outcome.participant.name,
            status=call.t(f"attendance.status_{outcome.status}"),
        )
    )
    await mark_screen(call, meeting_id, page)


# -- facilitators: the sign-off under the summary ------------------------------------------


@router.action(SIGN_OFF, FACILITATORS)
async def sign_off(call: Call, meeting_id: int, participant_id: int, choice: str) -> None:
    service = _service(call)
    outcome = await service.sign_off(call.actor, meeting_id, participant_id, choice, call.now)
    if outcome.result is SignOffResult.NOT_YOURS:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast(call.t(f"attendance.signoff_{outcome.result.value}", name=outcome.name))
    _text, rows = service.sign_off_block(meeting_id, list(outcome.pending))
    rows.append([(call.t("attendance.button_correct"), MARK_SCREEN_NEW.data(meeting_id, 0))])
    await call.set_buttons(keyboard(*rows))
