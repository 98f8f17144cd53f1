"""Check-in with the meeting code, facilitator marks, absence alerts, /kehadiranku.

Commands: ``/hadir`` and ``/kehadiranku`` (members), ``/kehadiran`` and ``/tindaklanjut``
(facilitators). Buttons (callback data, all ids checked against the database):

* ``kh:<meeting>``: a member's "Absen hadir" (only for her own group's meeting);
* ``kl:<meeting>:<page>``: the facilitator's marking screen (only her groups' meetings);
* ``kln:<meeting>:<page>``: the same, opened as a new message below a record message;
* ``kt:<meeting>:<participant>:<p|e|a>:<page>``: set one member's mark (the button carries
  the mark it sets, the next one of hadir → izin → tidak hadir, so a press delivered twice
  sets it twice, harmlessly);
* ``kk``: her open follow-ups; ``kv:<alert>``: one of them; ``kvn:<alert>``: the same
  from the digest of a meeting's close, as a new message;
* ``kf:<alert>:<c|s|d>``: contacted / home visit scheduled / home visit done;
* ``kn:<action>``: no note for that action ("Lewati").

Dialogue states: ``att_code`` (a member types the code), ``att_note`` (a facilitator types a
short note after a follow-up button).
"""

from __future__ import annotations

from datetime import datetime

from bot.attendance import (
    ALERT_BUTTON,
    ALERT_OPEN_BUTTON,
    CHECKIN_BUTTON,
    FOLLOW_UP_BUTTON,
    MARK_BUTTON,
    MARK_OPEN_BUTTON,
    STATUS_CODES,
    UNREACHABLE,
    AlertView,
    Attendance,
    Checkin,
    CheckinResult,
    ToggleResult,
    WindowState,
    clean_note,
    next_status,
    window_state,
)
from bot.auth import FACILITATORS, MEMBERS
from bot.i18n import Html
from db.attendance import PRESENT, SELF
from db.models import ChatState
from handlers.groups import add_offline
from handlers.registry import Call, Router, keyboard

router = Router()
PAGE_SIZE = 15
LIST_LIMIT = 12


def _service(call: Call) -> Attendance:
    return call.services.attendance


def _written(call: Call) -> datetime:
    """When her message was written (its own date; a late delivery is older than now)."""
    message = call.message
    if call.query is None and message is not None and message.date is not None:
        return min(message.date, call.now)
    return call.now


# -- members: check-in ---------------------------------------------------------------


@router.command("hadir", MEMBERS, menu="attendance.menu_checkin")
async def checkin_command(call: Call, args: list[str]) -> None:
    participant = call.actor.participant
    assert participant is not None
    written = _written(call)
    service = _service(call)
    if args:  # "/hadir 1234": the meeting whose window she is in, in one go
        outcome = await service.submit_code(
            participant, None, " ".join(args), written, call.now, update_id=call.update_id
        )
    else:
        outcome = await service.start_checkin(participant, None, written, call.now)
    await _answer(call, outcome)


@router.action(CHECKIN_BUTTON, MEMBERS, int)
async def checkin_button(call: Call, meeting_id: int) -> None:
    participant = call.actor.participant
    assert participant is not None
    found = await _service(call).start_checkin(participant, meeting_id, call.now, call.now)
    if found.result is CheckinResult.NOT_YOURS:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _answer(call, found)


@router.input("att_code", MEMBERS)
async def typed_code(call: Call, state: ChatState) -> None:
    text = call.message.text if call.message and call.message.text else ""
    await _submit(call, int(state.data["meeting"]), text, _written(call))


async def _submit(call: Call, meeting_id: int, text: str, written: datetime) -> None:
    participant = call.actor.participant
    assert participant is not None
    outcome = await _service(call).submit_code(
        participant, meeting_id, text, written, call.now, update_id=call.update_id
    )
    await _answer(call, outcome)


async def _answer(call: Call, outcome: Checkin) -> None:
    """Reply to a check-in step; keeps the code dialogue only while a code is awaited."""
    participant, group = call.actor.participant, call.actor.group
    assert participant is not None and group is not None
    result, meeting, catalog = outcome.result, outcome.meeting, call.services.catalog
    if result in {CheckinResult.ASK_CODE, CheckinResult.WRONG, CheckinResult.FORMAT}:
        assert meeting is not None
        await call.set_state("att_code", meeting=meeting.id)
    else:
        await call.clear_state()
    when = catalog.datetime(meeting.starts_at, group.timezone) if meeting else ""
    if result is CheckinResult.ASK_CODE:
        text = call.t("attendance.ask_code", name=participant.name)
    elif result is CheckinResult.RECORDED:
        text = call.t("attendance.checkin_ok", name=participant.name, when=when)
    elif result is CheckinResult.WRONG:
        text = call.t("attendance.wrong_code", left=outcome.left)
    elif result is CheckinResult.NOT_OPEN:
        assert meeting is not None and outcome.window is not None
        text = call.t(
            "attendance.not_open",
            when=when,
            place=meeting.place,
            opens=catalog.datetime(outcome.window.opens, group.timezone),
        )
    elif result is CheckinResult.CLOSED:
        text = call.t("attendance.closed", when=when)
    elif result is CheckinResult.NOT_YOURS:
        text = call.t("common.stale_button")
    else:
        text = call.t(
            {
                CheckinResult.ALREADY: "attendance.already",
                CheckinResult.BY_FACILITATOR: "attendance.by_facilitator",
                CheckinResult.BLOCKED: "attendance.blocked",
                CheckinResult.FORMAT: "attendance.code_format",
                CheckinResult.NO_MEETING: "attendance.no_meeting",
            }[result]
        )
    await call.reply(text)


# -- members: her history ----------------------------------------------------------------


@router.command("kehadiranku", MEMBERS, menu="attendance.menu_history")
async def my_history(call: Call, args: list[str]) -> None:
    participant, group = call.actor.participant, call.actor.group
    assert participant is not None and group is not None
    marks = await _service(call).history(participant, LIST_LIMIT)
    if not marks:
        await call.reply(call.t("attendance.history_empty", name=participant.name))
        return
    catalog, service = call.services.catalog, _service(call)
    items = "\n".join(
        call.t(
            f"attendance.history_{m.status}",
            date=catalog.short_date(m.meeting.starts_at, group.timezone),
            topic=service.topic(m.meeting.session_id),
        )
        for m in marks
    )
    text = call.t(
        "attendance.history_title",
        name=participant.name,
        items=Html(items),
        present=sum(1 for m in marks if m.status == PRESENT),
        total=len(marks),
    )
    if any(m.status != PRESENT for m in marks):
        text += "\n\n" + call.t("attendance.history_catch_up")
    await call.reply(text)


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


@router.action(MARK_BUTTON, FACILITATORS, int, int)
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
        text += "\n\n" + call.t("attendance.mark_code", code=view.meeting.checkin_code)
    elif state is WindowState.CLOSED:
        text += "\n\n" + call.t("attendance.mark_final")
    if new_message:
        await call.toast()
        await call.reply(text, keyboard(*buttons))
    else:
        await call.show(text, keyboard(*buttons))


@router.action(MARK_OPEN_BUTTON, FACILITATORS, int, int)
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


# -- facilitators: follow-up of alerts ------------------------------------------------------


@router.command("tindaklanjut", FACILITATORS, menu="attendance.menu_followups")
async def follow_ups_command(call: Call, args: list[str]) -> None:
    await follow_ups(call)


@router.action("kk", FACILITATORS)
async def follow_ups(call: Call) -> None:
    views = await _service(call).open_alerts(call.actor)
    if not views:
        await call.show(call.t("attendance.followups_empty"))
        return
    rows = [[(_alert_label(call, v), alert_detail.data(v.alert.id))] for v in views]
    await call.show(call.t("attendance.followups_title", count=len(views)), keyboard(*rows))


DONE_KEYS = {
    "contacted": "attendance.done_contacted",
    "visit_scheduled": "attendance.done_visit_scheduled",
    "visit_done": "attendance.done_visit_done",
}
"""How each recorded follow-up action reads in the /tindaklanjut list."""


def _alert_label(call: Call, view: AlertView) -> str:
    if view.alert.kind == UNREACHABLE:
        label = call.t(
            "attendance.followup_item_unreachable",
            name=view.participant.name,
            group=view.group.name,
        )
    else:
        label = call.t(
            "attendance.followup_item_absence",
            name=view.participant.name,
            group=view.group.name,
            count=len(view.alert.missed),
        )
    if view.done:  # what has been done, readable in the list without opening each one
        done = ", ".join(call.t(DONE_KEYS[action]) for action in view.done if action in DONE_KEYS)
        label = call.t("attendance.followup_item_done", label=label, done=done)
    return label


@router.action(ALERT_BUTTON, FACILITATORS, int)
async def alert_detail(call: Call, alert_id: int) -> None:
    await _alert_detail(call, alert_id)


@router.action(ALERT_OPEN_BUTTON, FACILITATORS, int)
async def open_alert_detail(call: Call, alert_id: int) -> None:
    """One follow-up from the digest of a close: below it, so the digest stays a list."""
    await _alert_detail(call, alert_id, new_message=True)


async def _alert_detail(call: Call, alert_id: int, *, new_message: bool = False) -> None:
    service = _service(call)
    view = await service.owned_alert(call.actor, alert_id)
    if view is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    text = await service.alert_text(view, with_actions=True)
    rows = service.follow_up_buttons(alert_id) if view.alert.open else []
    rows.append([(call.t("common.button_back"), follow_ups.data())])
    if new_message:
        await call.toast()
        await call.reply(text, keyboard(*rows))
    else:
        await call.show(text, keyboard(*rows))


@router.action(FOLLOW_UP_BUTTON, FACILITATORS, int, str)
async def follow_up(call: Call, alert_id: int, short: str) -> None:
    service = _service(call)
    done = await service.follow_up(call.actor, alert_id, short, call.now, update_id=call.update_id)
    if done is None:
        view = await service.owned_alert(call.actor, alert_id)
        key = (
            "attendance.alert_already_closed"
            if view is not None and not view.alert.open
            else "common.stale_button"
        )
        await call.toast(call.t(key), alert=True)
        return
    action = done.action
    await call.set_state("att_note", action=action.id)
    key = "attendance.ask_note_closed" if action.action == "visit_done" else "attendance.ask_note"
    await call.toast()
    await call.reply(
        call.t(
            key,
            action=call.t(f"attendance.action_{action.action}"),
            name=done.view.participant.name,
            sapaan=call.services.catalog.address(done.view.participant.address),
        ),
        keyboard([(call.t("attendance.button_skip"), skip_note.data(action.id))]),
    )


@router.input("att_note", FACILITATORS)
async def typed_note(call: Call, state: ChatState) -> None:
    note = clean_note(call.message.text or "") if call.message else None
    if note is None:
        await call.reply(call.t("attendance.note_invalid"))
        return
    saved = await _service(call).add_note(call.actor, int(state.data["action"]), note)
    await call.clear_state()
    await call.reply(call.t("attendance.note_saved" if saved else "common.stale_button"))


@router.action("kn", FACILITATORS, int)
async def skip_note(call: Call, action_id: int) -> None:
    state = await call.services.db.chat_state(call.actor.telegram_id)
    if state is None or state.kind != "att_note" or state.data.get("action") != action_id:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.clear_state()
    await call.show(call.t("attendance.note_skipped"))
