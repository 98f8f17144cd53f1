"""Meetings: the facilitator schedules, lists, moves and cancels (members' answers to
reminders: ``handlers/reminders.py``).

Scheduling is a short dialogue kept in ``chat_states`` (kind ``meet_*``): groups →
once or monthly → date (calendar buttons or typed "5/12 09.00") → time → place →
confirm. Typed dates are parsed by ``bot.schedule``; a past, impossible or
unreadable date gets a short correction with an example and schedules nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.auth import FACILITATORS, REGISTERED
from bot.callbacks import COACH_MEETING_GUIDE
from bot.meetings import (
    MONTHLY_COUNT,
    Meetings,
)
from bot.onboarding import clean_place
from bot.schedule import (
    COMMON_TIMES,
    ORDINALS_ID,
    WEEKDAYS_ID,
    MonthlyPattern,
    WhenError,
    calendar_days,
    local_to_utc,
    parse_date,
    parse_time,
    parse_when,
    to_local,
)
from db.meetings import Meeting
from db.models import ChatState, Group
from handlers.marking import mark_screen
from handlers.registry import Call, Router, keyboard
from handlers.reminders import my_meetings

router = Router()
LIST_LIMIT = 10


def _data(state: ChatState | None) -> dict[str, Any]:
    return dict(state.data) if state is not None else {}


async def _state(call: Call, *kinds: str) -> ChatState | None:
    """The pending scheduling dialogue, if it is at one of ``kinds``; else a stale toast."""
    state = await call.services.dialogues.state(call.actor.telegram_id)
    if state is None or state.kind not in kinds:
        await call.toast(call.t("common.stale_button"), alert=True)
        return None
    return state


def _meetings(call: Call) -> Meetings:
    return call.services.meetings


async def _my_groups(call: Call) -> list[Group]:
    assert call.actor.facilitator is not None
    return [s.group for s in await call.services.onboarding.groups_of(call.actor.facilitator.id)]


# -- starting: which groups ---------------------------------------------------------


@router.command("pertemuanbaru", FACILITATORS, menu="menu.new_meeting")
async def new_meeting(call: Call, args: list[str]) -> None:
    groups = await _my_groups(call)
    if not groups:
        await call.reply(call.t("meeting.no_groups"))
        return
    selected = [groups[0].id] if len(groups) == 1 else []
    await call.set_state("meet_groups", groups=selected)
    await call.reply(*await _groups_screen(call, selected))


async def _groups_screen(call: Call, selected: list[int]) -> tuple[str, Any]:
    groups = await _my_groups(call)
    rows = [
        [
            (
                call.t(
                    "meeting.group_on" if g.id in selected else "meeting.group_off", name=g.name
                ),
                toggle_group.data(g.id, 0 if g.id in selected else 1),
            )
        ]
        for g in groups
    ]
    rows.append(
        [
            (call.t("meeting.button_all_groups"), all_groups.data()),
            (call.t("meeting.button_next"), groups_done.data()),
        ]
    )
    return call.t("meeting.choose_groups"), keyboard(*rows)


@router.action("mg", FACILITATORS, int, int)
async def toggle_group(call: Call, group_id: int, on: int) -> None:
    """Select (``on`` 1) or leave out (0) a group: the button carries what it sets, so a
    press delivered twice does not undo itself."""
    state = await _state(call, "meet_groups")
    if state is None:
        return
    if await call.services.onboarding.owned_group(call.actor, group_id) is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    selected = [int(g) for g in state.data.get("groups", []) if int(g) != group_id]
    if on:
        selected.append(group_id)
    await call.set_state("meet_groups", groups=selected)
    text, markup = await _groups_screen(call, selected)
    await call.show(text, markup)


@router.action("mga", FACILITATORS)
async def all_groups(call: Call) -> None:
    if await _state(call, "meet_groups") is None:
        return
    selected = [g.id for g in await _my_groups(call)]
    await call.set_state("meet_groups", groups=selected)
    text, markup = await _groups_screen(call, selected)
    await call.show(text, markup)


@router.action("mgn", FACILITATORS)
async def groups_done(call: Call) -> None:
    state = await _state(call, "meet_groups")
    if state is None:
        return
    if not state.data.get("groups"):
        await call.toast(call.t("meeting.pick_a_group"), alert=True)
        return
    await call.set_state("meet_mode", **state.data)
    await call.show(
        call.t("meeting.choose_mode"),
        keyboard(
            [(call.t("meeting.button_once"), choose_mode.data("once"))],
            [(call.t("meeting.button_monthly"), choose_mode.data("monthly"))],
        ),
    )


@router.input("meet_groups", FACILITATORS, hint="meeting.press_button")
@router.input("meet_mode", FACILITATORS, hint="meeting.press_button")
@router.input("meet_nth", FACILITATORS, hint="meeting.press_button")
@router.input("meet_weekday", FACILITATORS, hint="meeting.press_button")
@router.input("meet_confirm", FACILITATORS, hint="meeting.press_button")
async def press_a_button(call: Call, state: ChatState) -> None:
    await call.reply(call.t("meeting.press_button"))


@router.action("mk", FACILITATORS, str)
async def choose_mode(call: Call, mode: str) -> None:
    state = await _state(call, "meet_mode")
    if state is None or mode not in {"once", "monthly"}:
        if state is not None:
            await call.toast(call.t("common.stale_button"), alert=True)
        return
    data = {**state.data, "mode": mode}
    if mode == "once":
        await call.set_state("meet_date", **data)
        await call.show(call.t("meeting.choose_date"), _calendar(call, await _zone(call, data)))
    else:
        await call.set_state("meet_nth", **data)
        rows = [
            [(ORDINALS_ID[n].capitalize(), choose_nth.data(n if n > 0 else 0))]
            for n in (1, 2, 3, 4, -1)
        ]
        await call.show(call.t("meeting.choose_nth"), keyboard(*rows))


# -- a single date: calendar, or typed --------------------------------------------------


async def _zone(call: Call, data: dict[str, Any]) -> str:
    group = await call.services.meetings.group(int(data["groups"][0]))
    assert group is not None
    return group.timezone


CALENDAR_DAYS = 28


def _calendar(call: Call, tz: str) -> InlineKeyboardMarkup:
    """The coming four weeks as day buttons, four to a row, in the group's zone; public
    holidays and district days off are marked."""
    days = calendar_days(call.now, tz, CALENDAR_DAYS)
    days_off = _meetings(call).days_off

    def label(d: date) -> str:
        text = call.t(
            "meeting.day_button", weekday=WEEKDAYS_ID[d.weekday()][:3], day=d.day, month=d.month
        )
        return call.t("meeting.day_button_off", label=text) if days_off.is_off(d) else text

    return keyboard(
        *(
            [(label(d), choose_day.data(d.strftime("%Y%m%d"))) for d in days[week : week + 4]]
            for week in range(0, len(days), 4)
        )
    )


@router.action("md", FACILITATORS, str)
async def choose_day(call: Call, raw: str) -> None:
    state = await _state(call, "meet_date", "meet_move")
    if state is None:
        return
    data = _data(state)
    tz = await _zone(call, data) if "groups" in data else await _move_zone(call, data)
    try:
        day: date | None = date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        day = None
    if day is None or tz is None or day not in calendar_days(call.now, tz, CALENDAR_DAYS):
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _ask_time(call, {**data, "day": day.isoformat()})


async def _ask_time(call: Call, data: dict[str, Any]) -> None:
    await call.set_state("meet_time", **data)
    rows = [
        [
            (t.strftime("%H.%M"), choose_time.data(t.strftime("%H%M")))
            for t in COMMON_TIMES[i : i + 3]
        ]
        for i in range(0, len(COMMON_TIMES), 3)
    ]
    await call.show(call.t("meeting.choose_time"), keyboard(*rows))


def _when_error(call: Call, error: WhenError) -> str:
    return call.t(f"meeting.when_{error.value}")


@router.input("meet_date", FACILITATORS)
async def typed_date(call: Call, state: ChatState) -> None:
    text = call.message.text if call.message and call.message.text else ""
    data = _data(state)
    tz = await _zone(call, data)
    when = parse_when(text, call.now, tz)
    if isinstance(when, datetime):
        local = to_local(when, tz)
        await _after_time(call, {**data, "day": local.date().isoformat()}, local.time())
        return
    if when is WhenError.FORMAT:
        day = parse_date(text, call.now, tz)
        if isinstance(day, date):
            await _ask_time(call, {**data, "day": day.isoformat()})
            return
    await call.reply(_when_error(call, when))


@router.action("mt", FACILITATORS, str)
async def choose_time(call: Call, raw: str) -> None:
    state = await _state(call, "meet_time")
    if state is None:
        return
    at = parse_time(raw[:2] + "." + raw[2:]) if len(raw) == 4 and raw.isdigit() else None
    if at is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _after_time(call, _data(state), at)


@router.input("meet_time", FACILITATORS)
async def typed_time(call: Call, state: ChatState) -> None:
    text = call.message.text if call.message and call.message.text else ""
    at = parse_time(text)
    if at is None:
        await call.reply(call.t("meeting.when_time_format"))
        return
    await _after_time(call, _data(state), at)


async def _after_time(call: Call, data: dict[str, Any], at: time) -> None:
    data = {**data, "at": at.strftime("%H:%M")}
    if "meeting" in data:  # moving an existing meeting
        await _finish_move(call, data)
        return
    if data.get("mode") == "once":
        day = date.fromisoformat(str(data["day"]))
        for group_id in data["groups"]:
            group = await call.services.meetings.group(int(group_id))
            if group is None or local_to_utc(day, at, group.timezone) <= call.now:
                await call.reply(call.t("meeting.when_past"))
                return
    await call.set_state("meet_place", **data)
    rows = []
    if len(data["groups"]) == 1:
        group = await call.services.meetings.group(int(data["groups"][0]))
        assert group is not None
        rows.append(
            [(call.t("meeting.button_usual_place", place=group.place), usual_place.data())]
        )
    else:
        rows.append([(call.t("meeting.button_usual_places"), usual_place.data())])
    await call.reply(call.t("meeting.choose_place"), keyboard(*rows))


# -- a monthly pattern ------------------------------------------------------------------


@router.action("mo", FACILITATORS, int)
async def choose_nth(call: Call, nth: int) -> None:
    state = await _state(call, "meet_nth")
    if state is None:
        return
    if nth not in (0, 1, 2, 3, 4):
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.set_state("meet_weekday", **state.data, nth=nth or -1)
    rows = [[(name, choose_weekday.data(i))] for i, name in enumerate(WEEKDAYS_ID)]
    await call.show(call.t("meeting.choose_weekday"), keyboard(*rows))


@router.action("mw", FACILITATORS, int)
async def choose_weekday(call: Call, weekday: int) -> None:
    state = await _state(call, "meet_weekday")
    if state is None:
        return
    if not 0 <= weekday <= 6:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _ask_time(call, {**state.data, "weekday": weekday})


# -- place and confirmation ---------------------------------------------------------------


@router.action("mp", FACILITATORS)
async def usual_place(call: Call) -> None:
    state = await _state(call, "meet_place")
    if state is None:
        return
    await _confirm(call, {**state.data, "place": None})


@router.input("meet_place", FACILITATORS)
async def typed_place(call: Call, state: ChatState) -> None:
    place = clean_place(call.message.text or "") if call.message else None
    if place is None:
        await call.reply(call.t("group.place_invalid"))
        return
    await _confirm(call, {**state.data, "place": place})


def _pattern(data: dict[str, Any]) -> MonthlyPattern:
    hour, minute = (int(x) for x in str(data["at"]).split(":"))
    return MonthlyPattern(int(data["weekday"]), int(data["nth"]), time(hour, minute))


def _holiday_name(call: Call, day: date) -> str | None:
    name = _meetings(call).days_off.name(day)
    if name is None:
        return None
    return name or call.t("meeting.holiday_district")


def _series_moves(call: Call, pattern: MonthlyPattern, group: Group) -> list[str]:
    """The dates of the coming series that fall on a day off, and where each moves."""
    meetings, catalog = _meetings(call), call.services.catalog
    plain = pattern.occurrences(group.timezone, call.now, MONTHLY_COUNT)
    moves = []
    for start in plain:
        day = to_local(start, group.timezone).date()
        name = _holiday_name(call, day)
        if name is not None:
            moved = meetings.days_off.avoid(start, group.timezone)
            moves.append(
                call.t(
                    "meeting.holiday_series_item",
                    name=name,
                    old=catalog.date(start, group.timezone),
                    new=catalog.date(moved, group.timezone),
                )
            )
    return moves


async def _confirm(call: Call, data: dict[str, Any]) -> None:
    await call.set_state("meet_confirm", **data)
    meetings = _meetings(call)
    lines = []
    moved_lines: list[str] = []
    for group_id in data["groups"]:
        group = await call.services.meetings.group(int(group_id))
        assert group is not None
        place = data.get("place") or group.place
        if data["mode"] == "once":
            day = date.fromisoformat(str(data["day"]))
            hour, minute = (int(x) for x in str(data["at"]).split(":"))
            start = local_to_utc(day, time(hour, minute), group.timezone)
            proposed = await meetings.propose_session(group.id)
            session = data.get("session") or (proposed.id if proposed else "")
            lines.append(
                call.t(
                    "meeting.confirm_line",
                    group=group.name,
                    when=call.services.catalog.datetime(start, group.timezone),
                    place=place,
                    topic=meetings.topic(session),
                )
            )
        else:
            pattern = _pattern(data)
            first = meetings.series_dates(pattern, group.timezone, call.now, 1)[0]
            lines.append(
                call.t(
                    "meeting.confirm_monthly_line",
                    group=group.name,
                    first=call.services.catalog.datetime(first, group.timezone),
                    place=place,
                )
            )
            if not moved_lines:
                moved_lines = _series_moves(call, pattern, group)
    if data["mode"] == "once":
        head = call.t("meeting.confirm_once")
    else:
        pattern = _pattern(data)
        head = call.t(
            "meeting.confirm_monthly",
            nth=ORDINALS_ID[pattern.nth],
            weekday=WEEKDAYS_ID[pattern.weekday],
            at=pattern.at.strftime("%H.%M"),
        )
    rows = [[(call.t("meeting.button_confirm"), confirm.data())]]
    if data["mode"] == "once":
        day = date.fromisoformat(str(data["day"]))
        name = _holiday_name(call, day)
        if name is not None:  # a public holiday: warn, and offer the next working day
            next_day = meetings.days_off.next_working_day(day)
            lines.append(
                call.t(
                    "meeting.holiday_warning",
                    name=name,
                    day=_long_date(call, day),
                    proposed=_long_date(call, next_day),
                )
            )
            rows.insert(
                0,
                [
                    (
                        call.t("meeting.button_holiday_move", day=_long_date(call, next_day)),
                        holiday_move.data(),
                    )
                ],
            )
        rows.append([(call.t("meeting.button_other_topic"), topics.data())])
    elif moved_lines:
        lines.append(call.t("meeting.holiday_series", items="\n".join(moved_lines)))
    rows.append([(call.t("meeting.button_cancel_dialog"), abort.data())])
    await call.reply("\n\n".join([head, *lines]), keyboard(*rows))


def _long_date(call: Call, day: date) -> str:
    # 05.00 UTC is midday on the same calendar day in every Indonesian zone
    return call.services.catalog.date(datetime.combine(day, time(5, 0), tzinfo=UTC), "UTC")


@router.action("mhd", FACILITATORS)
async def holiday_move(call: Call) -> None:
    """Take the proposed working day instead of the holiday."""
    state = await _state(call, "meet_confirm")
    if state is None:
        return
    data = _data(state)
    if data.get("mode") != "once":
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    day = date.fromisoformat(str(data["day"]))
    if _meetings(call).days_off.name(day) is None:  # pressed twice: already moved
        await call.toast()
        return
    proposed = _meetings(call).days_off.next_working_day(day)
    await call.toast()
    await _confirm(call, {**data, "day": proposed.isoformat()})


@router.action("ms", FACILITATORS)
async def topics(call: Call) -> None:
    state = await _state(call, "meet_confirm")
    if state is None:
        return
    rows = [
        [(call.t("meeting.topic_button", number=s.number, title=s.title), pick_topic.data(s.id))]
        for s in call.services.content.sessions
    ]
    await call.show(call.t("meeting.choose_topic"), keyboard(*rows))


@router.action("mss", FACILITATORS, str)
async def pick_topic(call: Call, session_id: str) -> None:
    state = await _state(call, "meet_confirm")
    if state is None:
        return
    if call.services.content.session(session_id) is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _confirm(call, {**state.data, "session": session_id})


@router.action("mx", FACILITATORS)
async def abort(call: Call) -> None:
    if await _state(call, "meet_confirm") is None:
        return
    await call.clear_state()
    await call.show(call.t("common.cancelled"))


@router.action("mc", FACILITATORS)
async def confirm(call: Call) -> None:
    state = await _state(call, "meet_confirm")
    if state is None:
        return
    data = _data(state)
    meetings = _meetings(call)
    groups = [int(g) for g in data["groups"]]
    if data["mode"] == "once":
        hour, minute = (int(x) for x in str(data["at"]).split(":"))
        created = await meetings.schedule_single(
            call.actor,
            groups,
            date.fromisoformat(str(data["day"])),
            time(hour, minute),
            data.get("place"),
            data.get("session"),
            call.now,
            update_id=call.update_id,
        )
    else:
        created = await meetings.schedule_monthly(
            call.actor,
            groups,
            _pattern(data),
            data.get("place"),
            call.now,
            update_id=call.update_id,
        )
    await call.clear_state()
    if not created:
        await call.show(call.t("meeting.when_past"))
        return
    await call.show(call.t("meeting.scheduled", count=len(created)))
    await _list(call, new_message=True)  # the confirmation stays as it is


# -- listing, detail, RSVP table, move, cancel ------------------------------------------


@router.command("jadwal", REGISTERED, menu="menu.meetings")
async def meetings_command(call: Call, args: list[str]) -> None:
    if call.actor.facilitator is not None:
        await list_meetings(call)
    else:
        await my_meetings(call)


@router.action("ml", FACILITATORS)
async def list_meetings(call: Call) -> None:
    await _list(call)


async def _list(call: Call, *, new_message: bool = False) -> None:
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


async def _move_zone(call: Call, data: dict[str, Any]) -> str | None:
    found = await _meetings(call).owned_meeting(call.actor, int(data["meeting"]))
    return found[1].timezone if found else None


@router.action("mm", FACILITATORS, int)
async def move_ask(call: Call, meeting_id: int) -> None:
    found = await _owned_meeting(call, meeting_id)
    if found is None:
        return
    meeting, group = found
    await call.set_state("meet_move", meeting=meeting.id)
    await call.show(
        call.t("meeting.move_ask", when=_meetings(call).when(meeting, group)),
        _calendar(call, group.timezone),
    )


@router.input("meet_move", FACILITATORS)
async def typed_move(call: Call, state: ChatState) -> None:
    data = _data(state)
    tz = await _move_zone(call, data)
    if tz is None:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    text = call.message.text if call.message and call.message.text else ""
    when = parse_when(text, call.now, tz)
    if isinstance(when, datetime):
        local = to_local(when, tz)
        await _finish_move(
            call, {**data, "day": local.date().isoformat(), "at": local.strftime("%H:%M")}
        )
        return
    await call.reply(_when_error(call, when))


async def _finish_move(call: Call, data: dict[str, Any]) -> None:
    tz = await _move_zone(call, data)
    hour, minute = (int(x) for x in str(data["at"]).split(":"))
    if tz is None:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    start = local_to_utc(date.fromisoformat(str(data["day"])), time(hour, minute), tz)
    if start <= call.now:
        await call.reply(call.t("meeting.when_past"))
        return
    moved = await _meetings(call).move(
        call.actor, int(data["meeting"]), start, call.now, update_id=call.update_id
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
