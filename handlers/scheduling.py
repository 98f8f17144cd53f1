"""Scheduling: the facilitator plans a meeting (once or monthly) or moves one.

A short dialogue kept in ``chat_states``, one typed state per step (the ``meet_*``
classes below): groups → once or monthly → date (calendar buttons or typed "5/12 09.00")
or the monthly pattern → time → place → confirm. Moving a meeting asks a date and a time
the same way. Typed dates are parsed by ``bot.schedule``; a past, impossible or unreadable
date gets a short correction with an example and schedules nothing. The states and the
screens (calendar, times, the confirmation's lines) are in ``handlers/when.py``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TypeVar, overload

from telegram import InlineKeyboardMarkup

from bot.auth import FACILITATORS
from bot.callbacks import MEETING_DAY, MEETING_TIME
from bot.dialogues import D, Dialogue
from bot.meetings import Meetings
from bot.onboarding import clean_place
from bot.schedule import (
    ORDINALS_ID,
    WEEKDAYS_ID,
    WhenError,
    calendar_days,
    local_to_utc,
    parse_date,
    parse_time,
    parse_when,
    to_local,
)
from db.models import Group
from handlers import when
from handlers.meetings import finish_move, move_zone, show_list
from handlers.registry import Call, Router, keyboard
from handlers.when import (
    ChooseDate,
    ChooseGroups,
    ChooseMode,
    ChooseNth,
    ChoosePlace,
    ChooseTime,
    ChooseWeekday,
    Confirm,
    Draft,
    MoveDate,
    MoveTime,
    clock_time,
)

router = Router()
E = TypeVar("E", bound=Dialogue)


@overload
async def _step(call: Call, kind: type[D], /) -> D | None: ...


@overload
async def _step(call: Call, kind: type[D], other: type[E], /) -> D | E | None: ...


async def _step(call: Call, *kinds: type[Dialogue]) -> Dialogue | None:
    """The pending dialogue, if it is at one of ``kinds``; else a stale toast."""
    state = await call.dialogue(*kinds)
    if state is None:
        await call.toast(call.t("common.stale_button"), alert=True)
    return state


def _meetings(call: Call) -> Meetings:
    return call.services.meetings


async def _my_groups(call: Call) -> list[Group]:
    assert call.actor.facilitator is not None
    return [s.group for s in await call.services.onboarding.groups_of(call.actor.facilitator.id)]


async def _zone(call: Call, draft: Draft) -> str:
    group = await _meetings(call).group(draft.groups[0])
    assert group is not None
    return group.timezone


# -- starting: which groups ---------------------------------------------------------


@router.command("pertemuanbaru", FACILITATORS, menu="menu.new_meeting")
async def new_meeting(call: Call, args: list[str]) -> None:
    groups = await _my_groups(call)
    if not groups:
        await call.reply(call.t("meeting.no_groups"))
        return
    draft = ChooseGroups(groups=(groups[0].id,) if len(groups) == 1 else ())
    await call.set_state(draft)
    await call.reply(*await _groups_screen(call, draft))


async def _groups_screen(call: Call, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            (
                call.t(
                    "meeting.group_on" if g.id in draft.groups else "meeting.group_off",
                    name=g.name,
                ),
                toggle_group.data(g.id, 0 if g.id in draft.groups else 1),
            )
        ]
        for g in await _my_groups(call)
    ]
    rows.append(
        [
            (call.t("meeting.button_all_groups"), all_groups.data()),
            (call.t("meeting.button_next"), groups_done.data()),
        ]
    )
    return call.t("meeting.choose_groups"), keyboard(*rows)


async def _show_groups(call: Call, draft: ChooseGroups) -> None:
    await call.set_state(draft)
    text, markup = await _groups_screen(call, draft)
    await call.show(text, markup)


@router.action("mg", FACILITATORS, int, int)
async def toggle_group(call: Call, group_id: int, on: int) -> None:
    """Select (``on`` 1) or leave out (0) a group: the button carries what it sets, so a
    press delivered twice does not undo itself."""
    draft = await _step(call, ChooseGroups)
    if draft is None:
        return
    if await call.services.onboarding.owned_group(call.actor, group_id) is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    selected = tuple(g for g in draft.groups if g != group_id) + ((group_id,) if on else ())
    await _show_groups(call, draft.step(ChooseGroups, groups=selected))


@router.action("mga", FACILITATORS)
async def all_groups(call: Call) -> None:
    draft = await _step(call, ChooseGroups)
    if draft is None:
        return
    selected = tuple(g.id for g in await _my_groups(call))
    await _show_groups(call, draft.step(ChooseGroups, groups=selected))


@router.action("mgn", FACILITATORS)
async def groups_done(call: Call) -> None:
    draft = await _step(call, ChooseGroups)
    if draft is None:
        return
    if not draft.groups:
        await call.toast(call.t("meeting.pick_a_group"), alert=True)
        return
    await call.set_state(draft.step(ChooseMode))
    await call.show(
        call.t("meeting.choose_mode"),
        keyboard(
            [(call.t("meeting.button_once"), choose_mode.data("once"))],
            [(call.t("meeting.button_monthly"), choose_mode.data("monthly"))],
        ),
    )


@router.input(ChooseGroups, FACILITATORS, hint="meeting.press_button")
@router.input(ChooseMode, FACILITATORS, hint="meeting.press_button")
@router.input(ChooseNth, FACILITATORS, hint="meeting.press_button")
@router.input(ChooseWeekday, FACILITATORS, hint="meeting.press_button")
@router.input(Confirm, FACILITATORS, hint="meeting.press_button")
async def press_a_button(call: Call, state: Draft) -> None:
    await call.reply(call.t("meeting.press_button"))


@router.action("mk", FACILITATORS, str)
async def choose_mode(call: Call, mode: str) -> None:
    draft = await _step(call, ChooseMode)
    if draft is None:
        return
    if mode not in {"once", "monthly"}:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    if mode == "once":
        dated = draft.step(ChooseDate, mode=mode)
        await call.set_state(dated)
        await call.show(
            call.t("meeting.choose_date"), when.calendar(call, await _zone(call, dated))
        )
    else:
        await call.set_state(draft.step(ChooseNth, mode=mode))
        rows = [
            [(ORDINALS_ID[n].capitalize(), choose_nth.data(n if n > 0 else 0))]
            for n in (1, 2, 3, 4, -1)
        ]
        await call.show(call.t("meeting.choose_nth"), keyboard(*rows))


# -- a single date: calendar, or typed --------------------------------------------------


@router.action(MEETING_DAY, FACILITATORS)
async def choose_day(call: Call, raw: str) -> None:
    state = await _step(call, ChooseDate, MoveDate)
    if state is None:
        return
    if isinstance(state, ChooseDate):
        tz: str | None = await _zone(call, state)
    else:
        tz = await move_zone(call, state.meeting)
    try:
        day: date | None = date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        day = None
    if day is None or tz is None or day not in calendar_days(call.now, tz, when.CALENDAR_DAYS):
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    if isinstance(state, ChooseDate):
        await _ask_time(call, state.step(ChooseTime, day=day.isoformat()))
    else:
        await _ask_time(call, MoveTime(state.meeting, day.isoformat()))


async def _ask_time(call: Call, state: ChooseTime | MoveTime) -> None:
    await call.set_state(state)
    await call.show(call.t("meeting.choose_time"), when.times(call))


@router.input(ChooseDate, FACILITATORS)
async def typed_date(call: Call, state: ChooseDate) -> None:
    text = call.message.text if call.message and call.message.text else ""
    tz = await _zone(call, state)
    moment = parse_when(text, call.now, tz)
    if isinstance(moment, datetime):
        local = to_local(moment, tz)
        await _after_time(call, state.step(ChooseTime, day=local.date().isoformat()), local.time())
        return
    if moment is WhenError.FORMAT:
        day = parse_date(text, call.now, tz)
        if isinstance(day, date):
            await _ask_time(call, state.step(ChooseTime, day=day.isoformat()))
            return
    await call.reply(when.error_text(call, moment))


@router.action(MEETING_TIME, FACILITATORS)
async def choose_time(call: Call, raw: str) -> None:
    state = await _step(call, ChooseTime, MoveTime)
    if state is None:
        return
    at = parse_time(raw[:2] + "." + raw[2:]) if len(raw) == 4 and raw.isdigit() else None
    if at is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _after_time(call, state, at)


@router.input(ChooseTime, FACILITATORS)
@router.input(MoveTime, FACILITATORS)
async def typed_time(call: Call, state: ChooseTime | MoveTime) -> None:
    text = call.message.text if call.message and call.message.text else ""
    at = parse_time(text)
    if at is None:
        await call.reply(call.t("meeting.when_time_format"))
        return
    await _after_time(call, state, at)


async def _after_time(call: Call, state: ChooseTime | MoveTime, at: time) -> None:
    clock = at.strftime("%H:%M")
    if isinstance(state, MoveTime):
        await finish_move(call, state.meeting, state.day, clock)
        return
    if state.once:
        assert state.day is not None
        day = date.fromisoformat(state.day)
        for group_id in state.groups:
            group = await _meetings(call).group(group_id)
            if group is None or local_to_utc(day, at, group.timezone) <= call.now:
                await call.reply(call.t("meeting.when_past"))
                return
    await call.set_state(state.step(ChoosePlace, at=clock))
    if len(state.groups) == 1:
        group = await _meetings(call).group(state.groups[0])
        assert group is not None
        label = call.t("meeting.button_usual_place", place=group.place)
    else:
        label = call.t("meeting.button_usual_places")
    await call.reply(call.t("meeting.choose_place"), keyboard([(label, usual_place.data())]))


# -- a monthly pattern ------------------------------------------------------------------


@router.action("mo", FACILITATORS, int)
async def choose_nth(call: Call, nth: int) -> None:
    draft = await _step(call, ChooseNth)
    if draft is None:
        return
    if nth not in (0, 1, 2, 3, 4):
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.set_state(draft.step(ChooseWeekday, nth=nth or -1))
    rows = [[(name, choose_weekday.data(i))] for i, name in enumerate(WEEKDAYS_ID)]
    await call.show(call.t("meeting.choose_weekday"), keyboard(*rows))


@router.action("mw", FACILITATORS, int)
async def choose_weekday(call: Call, weekday: int) -> None:
    draft = await _step(call, ChooseWeekday)
    if draft is None:
        return
    if not 0 <= weekday <= 6:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _ask_time(call, draft.step(ChooseTime, weekday=weekday))


# -- place and confirmation ---------------------------------------------------------------


@router.action("mp", FACILITATORS)
async def usual_place(call: Call) -> None:
    draft = await _step(call, ChoosePlace)
    if draft is None:
        return
    await _confirm(call, draft.step(Confirm, place=None))


@router.input(ChoosePlace, FACILITATORS)
async def typed_place(call: Call, state: ChoosePlace) -> None:
    place = clean_place(call.message.text or "") if call.message else None
    if place is None:
        await call.reply(call.t("group.place_invalid"))
        return
    await _confirm(call, state.step(Confirm, place=place))


async def _confirm(call: Call, draft: Confirm) -> None:
    await call.set_state(draft)
    meetings = _meetings(call)
    lines: list[str] = []
    moved_lines: list[str] = []
    for group_id in draft.groups:
        group = await meetings.group(group_id)
        assert group is not None
        place = draft.place or group.place
        if draft.once:
            assert draft.day is not None and draft.at is not None
            start = local_to_utc(
                date.fromisoformat(draft.day), clock_time(draft.at), group.timezone
            )
            proposed = await meetings.propose_session(group.id)
            session = draft.session or (proposed.id if proposed else "")
            lines.append(when.once_line(call, group, start, place, session))
        else:
            lines.append(when.monthly_line(call, group, draft.pattern(), place))
            if not moved_lines:
                moved_lines = when.series_moves(call, draft.pattern(), group)
    rows = [[(call.t("meeting.button_confirm"), confirm.data())]]
    if draft.once:
        assert draft.day is not None
        head = call.t("meeting.confirm_once")
        day = date.fromisoformat(draft.day)
        warning = when.holiday_warning(call, day)
        if warning is not None:  # a public holiday: warn, and offer the next working day
            text, next_day = warning
            lines.append(text)
            label = call.t("meeting.button_holiday_move", day=when.long_date(call, next_day))
            rows.insert(0, [(label, holiday_move.data())])
        rows.append([(call.t("meeting.button_other_topic"), topics.data())])
    else:
        head = when.monthly_head(call, draft.pattern())
        if moved_lines:
            lines.append(call.t("meeting.holiday_series", items="\n".join(moved_lines)))
    rows.append([(call.t("meeting.button_cancel_dialog"), abort.data())])
    await call.reply("\n\n".join([head, *lines]), keyboard(*rows))


@router.action("mhd", FACILITATORS)
async def holiday_move(call: Call) -> None:
    """Take the proposed working day instead of the holiday."""
    draft = await _step(call, Confirm)
    if draft is None:
        return
    if not draft.once or draft.day is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    day = date.fromisoformat(draft.day)
    days_off = _meetings(call).days_off
    if days_off.name(day) is None:  # pressed twice: already moved
        await call.toast()
        return
    await call.toast()
    await _confirm(call, draft.step(Confirm, day=days_off.next_working_day(day).isoformat()))


@router.action("ms", FACILITATORS)
async def topics(call: Call) -> None:
    if await _step(call, Confirm) is None:
        return
    rows = [
        [(call.t("meeting.topic_button", number=s.number, title=s.title), pick_topic.data(s.id))]
        for s in call.services.content.sessions
    ]
    await call.show(call.t("meeting.choose_topic"), keyboard(*rows))


@router.action("mss", FACILITATORS, str)
async def pick_topic(call: Call, session_id: str) -> None:
    draft = await _step(call, Confirm)
    if draft is None:
        return
    if call.services.content.session(session_id) is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _confirm(call, draft.step(Confirm, session=session_id))


@router.action("mx", FACILITATORS)
async def abort(call: Call) -> None:
    if await _step(call, Confirm) is None:
        return
    await call.clear_state()
    await call.show(call.t("common.cancelled"))


@router.action("mc", FACILITATORS)
async def confirm(call: Call) -> None:
    draft = await _step(call, Confirm)
    if draft is None:
        return
    meetings = _meetings(call)
    if draft.once:
        assert draft.day is not None and draft.at is not None
        created = await meetings.schedule_single(
            call.actor,
            list(draft.groups),
            date.fromisoformat(draft.day),
            clock_time(draft.at),
            draft.place,
            draft.session,
            call.now,
            update_id=call.update_id,
        )
    else:
        created = await meetings.schedule_monthly(
            call.actor,
            list(draft.groups),
            draft.pattern(),
            draft.place,
            call.now,
            update_id=call.update_id,
        )
    await call.clear_state()
    if not created:
        await call.show(call.t("meeting.when_past"))
        return
    await call.show(call.t("meeting.scheduled", count=len(created)))
    await show_list(call, new_message=True)  # the confirmation stays as it is
