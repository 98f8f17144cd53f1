"""Absence alerts and their follow-up (``/tindaklanjut``).

Buttons (callback data, all ids checked against the database):

* ``kk``: her open follow-ups; ``kv:<alert>``: one of them; ``kvn:<alert>``: the same
  from the digest of a meeting's close, as a new message;
* ``kf:<alert>:<c|s|d>``: contacted / home visit scheduled / home visit done;
* ``kn:<action>``: no note for that action ("Lewati").

Dialogue state: ``att_note`` (a facilitator types a short note after a follow-up button).
The rule (the absence policy) and outcomes: bot/attendance/alerts.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.attendance import (
    UNREACHABLE,
    AlertView,
    Attendance,
    clean_note,
)
from bot.auth import FACILITATORS
from bot.callbacks import ALERT, ALERT_NEW, FOLLOW_UP
from bot.dialogues import Dialogue
from handlers.registry import Call, Router, keyboard

router = Router()


@dataclass(frozen=True)
class NoteAsked(Dialogue):
    """A follow-up was recorded: her next text is the note of alert action ``action``."""

    kind: ClassVar[str] = "att_note"
    action: int


LIST_LIMIT = 12


def _service(call: Call) -> Attendance:
    return call.services.attendance


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


@router.action(ALERT, FACILITATORS)
async def alert_detail(call: Call, alert_id: int) -> None:
    await _alert_detail(call, alert_id)


@router.action(ALERT_NEW, FACILITATORS)
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


@router.action(FOLLOW_UP, FACILITATORS)
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
    await call.set_state(NoteAsked(action.id))
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


@router.input(NoteAsked, FACILITATORS)
async def typed_note(call: Call, state: NoteAsked) -> None:
    note = clean_note(call.message.text or "") if call.message else None
    if note is None:
        await call.reply(call.t("attendance.note_invalid"))
        return
    saved = await _service(call).add_note(call.actor, state.action, note)
    await call.clear_state()
    await call.reply(call.t("attendance.note_saved" if saved else "common.stale_button"))


@router.action("kn", FACILITATORS, int)
async def skip_note(call: Call, action_id: int) -> None:
    state = await call.dialogue(NoteAsked)
    if state is None or state.action != action_id:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.clear_state()
    await call.show(call.t("attendance.note_skipped"))
