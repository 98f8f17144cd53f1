"""Meetings: the facilitator lists her coming meetings, opens one (answers to the
reminders, marking), moves it (a date and a time, the steps shared with planning) and
cancels it. Planning a meeting is the dialogue of ``handlers/scheduling.py``; members'
answers to reminders are in ``handlers/reminders.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.auth import FACILITATORS, REGISTERED
from bot.callbacks import COACH_MEETING_GUIDE
from bot.meetings import Meetings
from bot.schedule import local_to_utc, parse_when, to_local
from db.meetings import Meeting
from db.models import Group
from handlers.marking import mark_screen
from handlers.registry import Call, Router, keyboard
from handlers.reminders import my_meetings
from handlers.when import MoveDate, calendar, clock_time, error_text

router = Router()
LIST_LIMIT = 10


def _meetings(call: Call) -> Meetings:
    return call.services.meetings


async def _my_groups(call: Call) -> list[Group]:
    assert call.actor.facilitator is not None
    return [s.group for s in await call.services.onboarding.groups_of(call.actor.facilitator.id)]


# -- listing, detail, RSVP table, cancel ------------------------------------------------


@router.command("jadwal", REGISTERED, menu="menu.meetings", per_person=True)
async def meetings_command(call: Call, args: list[str]) -> None:
    if call.actor.facilitator is not None:
        await list_meetings(call)
    else:
        await my_meetings(call)


@router.action("ml", FACILITATORS)
async def list_meetings(call: Call) -> None:
    await show_list(call)


async def show_list(call: Call, *, new_message: bool = False) -> None:
    """Her coming meetings, a button each (as a new message below a confirmation)."""
    groups = {g.id: g for g in await _my_groups(call)}
    upcoming = await call.services.meetings.upcoming(groups, call.now, LIST_LIMIT)
    if not upcoming:
        await call.reply(call.t("meeting.list_empty"))
        return
    catalog = call.services.catalog
    rows = [
        [
            (
                call.t(
                    "meeting.list_item",
                    group=groups[m.group_id].name,
                    when=catalog.short_date(m.starts_at, groups[m.group_id].timezone),
                    time=catalog.time(m.starts_at, groups[m.group_id].timezone),
                ),
                meeting_detail.data(m.id),
            )
        ]
        for m in upcoming
    ]
    if new_message:
        await call.reply(call.t("meeting.list_title"), keyboard(*rows))
    else:
        await call.show(call.t("meeting.list_title"), keyboard(*rows))


async def _owned_meeting(call: Call, meeting_id: int) -> tuple[Meeting, Group] | None:
    found = await _meetings(call).owned_meeting(call.actor, meeting_id)
    if found is None:
        await call.toast(call.t("common.stale_button"), alert=True)
    return found


@router.action("mv", FACILITATORS, int)
async def meeting_detail(call: Call, meeting_id: int) -> None:
    found = await _owned_meeting(call, meeting_id)
    if found is None:
        return
    meeting, group = found
    table = await call.services.meetings.rsvp_table(meeting.id, group.id)
    yes = sum(1 for r in table if r.answer == "yes")
    no = sum(1 for r in table if r.answer == "no")
    meetings = _meetings(call)
    text = call.t(
        "meeting.detail",
        group=group.name,
        when=meetings.when(meeting, group),
        place=meeting.place,
        topic=meetings.topic(meeting.session_id),
        status=call.t(f"meeting.status_{meeting.status}"),
        yes=yes,
        no=no,
        unknown=len(table) - yes - no,
    )
    rows = [[(call.t("meeting.button_answers"), answers.data(meeting.id))]]
    rows.append([(call.t("coach.button_guide"), COACH_MEETING_GUIDE.data(meeting.id))])
    if call.services.attendance.window(meeting).opens <= call.now:
        rows.append([(call.t("attendance.button_mark"), mark_screen.data(meeting.id, 0))])
    if meeting.scheduled and meeting.starts_at > call.now:
        rows.append(
            [
                (call.t("meeting.button_move"), move_ask.data(meeting.id)),
                (call.t("meeting.button_cancel_meeting"), cancel_ask.data(meeting.id)),
            ]
        )
    rows.append([(call.t("common.button_back"), list_meetings.data())])
    await call.show(text, keyboard(*rows))


@router.action("ma", FACILITATORS, int)
async def answers(call: Call, meeting_id: int) -> None:
    found = await _owned_meeting(call, meeting_id)
    if found is None:
        return
    meeting, group = found
    table = await call.services.meetings.rsvp_table(meeting.id, group.id)
    none = call.t("meeting.nobody")

    def names(rows: list[Any]) -> str:
        return ", ".join(r.participant.name for r in rows) or none

    excused = [
        call.t(
            "meeting.excused_item",
            name=r.participant.name,
            reason=_meetings(call).reason_text(r.reason, r.note),
        )
        for r in table
        if r.answer == "no"
    ]
    text = call.t(
        "meeting.answers",
        group=group.name,
        yes=names([r for r in table if r.answer == "yes"]),
        no="\n".join(excused) or none,
        unknown=names([r for r in table if r.answer is None]),
    )
    await call.show(
        text, keyboard([(call.t("common.button_back"), meeting_detail.data(meeting.id))])
    )


async def move_zone(call: Call, meeting_id: int) -> str | None:
    """The time zone of her meeting ``meeting_id``; None if it is not hers (any more)."""
    found = await _meetings(call).owned_meeting(call.actor, meeting_id)
    return found[1].timezone if found else None


# -- moving a meeting -------------------------------------------------------------------


@router.action("mm", FACILITATORS, int)
async def move_ask(call: Call, meeting_id: int) -> None:
    found = await _meetings(call).owned_meeting(call.actor, meeting_id)
    if found is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    meeting, group = found
    await call.set_state(MoveDate(meeting.id))
    await call.show(
        call.t("meeting.move_ask", when=_meetings(call).when(meeting, group)),
        calendar(call, group.timezone),
    )


@router.input(MoveDate, FACILITATORS)
async def typed_move(call: Call, state: MoveDate) -> None:
    tz = await move_zone(call, state.meeting)
    if tz is None:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    text = call.message.text if call.message and call.message.text else ""
    moment = parse_when(text, call.now, tz)
    if isinstance(moment, datetime):
        local = to_local(moment, tz)
        await finish_move(call, state.meeting, local.date().isoformat(), local.strftime("%H:%M"))
        return
    await call.reply(error_text(call, moment))


async def finish_move(call: Call, meeting_id: int, day: str, at: str) -> None:
    """Move ``meeting_id`` to ``day`` at ``at`` (her group's local time), the last step."""
    tz = await move_zone(call, meeting_id)
    if tz is None:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    start = local_to_utc(date.fromisoformat(day), clock_time(at), tz)
    if start <= call.now:
        await call.reply(call.t("meeting.when_past"))
        return
    moved = await _meetings(call).move(
        call.actor, meeting_id, start, call.now, update_id=call.update_id
    )
    await call.clear_state()
    if moved is None:
        await call.reply(call.t("common.stale_button"))
        return
    await call.reply(
        call.t("meeting.moved", when=call.services.catalog.datetime(moved.starts_at, tz))
    )


@router.action("mxc", FACILITATORS, int)
async def cancel_ask(call: Call, meeting_id: int) -> None:
    found = await _owned_meeting(call, meeting_id)
    if found is None:
        return
    meeting, group = found
    await call.show(
        call.t(
            "meeting.cancel_confirm", group=group.name, when=_meetings(call).when(meeting, group)
        ),
        keyboard(
            [(call.t("meeting.button_cancel_yes"), cancel_yes.data(meeting.id))],
            [(call.t("common.button_back"), meeting_detail.data(meeting.id))],
        ),
    )


@router.action("mxy", FACILITATORS, int)
async def cancel_yes(call: Call, meeting_id: int) -> None:
    cancelled = await _meetings(call).cancel(call.actor, meeting_id, call.now)
    if cancelled is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.show(call.t("meeting.cancelled"))
