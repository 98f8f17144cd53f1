"""The leader's marks for members without a phone (``/tandai``, "Tandai untuk anggota").

Buttons (callback data, ids checked against the database):

* ``lm:<meeting>:<participant>``: mark that member present (only her group's meeting,
  only while its window is open; a press delivered twice marks her once);
* ``lms:<meeting>``: the list again.

The rules: bot/attendance/leader_marks.py.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.attendance import Attendance, LeaderMarkResult, LeaderView
from bot.auth import LEADERS
from handlers.registry import Call, Router, keyboard

router = Router()


def _service(call: Call) -> Attendance:
    return call.services.attendance


@router.command("tandai", LEADERS, menu="attendance.menu_leader_mark", per_person=True)
async def leader_marks(call: Call, args: list[str]) -> None:
    found = await _service(call).leader_view(call.actor, call.now)
    if isinstance(found, LeaderMarkResult):
        key = "leader.not_open" if found is LeaderMarkResult.NOT_OPEN else "auth.not_allowed"
        await call.reply(call.t(key))
        return
    text, markup = _screen(call, found)
    await call.reply(text, markup)


def _screen(call: Call, view: LeaderView) -> tuple[str, InlineKeyboardMarkup]:
    catalog = call.services.catalog
    rows = [
        [(call.t("leader.button_mark", name=p.name), mark.data(view.meeting.meeting.id, p.id))]
        for p in view.waiting
    ]
    rows.append([(call.t("leader.button_refresh"), screen.data(view.meeting.meeting.id))])
    text = call.t(
        "leader.title",
        group=view.group.name,
        when=catalog.datetime(view.meeting.meeting.starts_at, view.group.timezone),
        present=len(view.present),
        total=len(view.present) + len(view.waiting),
    )
    return text, keyboard(*rows)


@router.action("lms", LEADERS, int, per_person=True)
async def screen(call: Call, meeting_id: int) -> None:
    view = await _service(call).leader_screen(call.actor, meeting_id, call.now)
    if view is None:
        await call.show(call.t("leader.closed"))
        return
    text, markup = _screen(call, view)
    await call.show(text, markup)


@router.action("lm", LEADERS, int, int, per_person=True)
async def mark(call: Call, meeting_id: int, participant_id: int) -> None:
    outcome = await _service(call).leader_mark(call.actor, meeting_id, participant_id, call.now)
    if outcome.result is LeaderMarkResult.NOT_YOURS:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    if outcome.result is LeaderMarkResult.NOT_OPEN:
        await call.show(call.t("leader.closed"))
        return
    assert outcome.participant is not None
    name = outcome.participant.name
    key = {
        LeaderMarkResult.MARKED: "leader.marked",
        LeaderMarkResult.ALREADY: "leader.already",
        LeaderMarkResult.BY_FACILITATOR: "leader.by_facilitator",
    }[outcome.result]
    await call.toast(call.t(key, name=name))
    await screen(call, meeting_id)
