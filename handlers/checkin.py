"""Check-in with the meeting code (``/hadir``) and a member's own history (``/kehadiranku``).

Buttons (callback data, all ids checked against the database):

* ``kh:<meeting>``: a member's "Catat kehadiran saya" (only for her own group's meeting).

The QR code on the facilitator's check-in message is the deep link ``/start c_<meeting>_<token>``
(``checkin_link``, called by ``/start``): opening it checks her in, once.

Dialogue states: ``att_code`` (a member types the code), ``att_location`` (after her
check-in, if her group's meeting place is known: she may share her location, or skip). The
code typed alone, with no dialogue pending, counts too while her window is open
(``bare_code``). The rules and outcomes: bot/attendance/checkin.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.attendance import (
    Attendance,
    Checkin,
    CheckinResult,
    normalise_code,
    parse_payload,
)
from bot.auth import MEMBERS
from bot.callbacks import CHECKIN, PHONE_AS
from bot.dialogues import Dialogue
from bot.i18n import Html
from db.attendance import PRESENT
from handlers.phone import for_whom, meeting_people
from handlers.registry import Call, Router, keyboard

router = Router()


@dataclass(frozen=True)
class LocationAsked(Dialogue):
    """She is checked in to ``meeting``: her next message may be her location (optional)."""

    kind: ClassVar[str] = "att_location"
    meeting: int


@dataclass(frozen=True)
class CodeAsked(Dialogue):
    """She pressed "Catat kehadiran saya": her next text is the code for ``meeting``."""

    kind: ClassVar[str] = "att_code"
    meeting: int


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


@router.command(
    "hadir", MEMBERS, menu="attendance.menu_checkin", per_person=True, ask="phone.who_present"
)
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


@router.action(CHECKIN, MEMBERS, people=meeting_people, ask="phone.who_present")
async def checkin_button(call: Call, meeting_id: int) -> None:
    participant = call.actor.participant
    assert participant is not None
    found = await _service(call).start_checkin(participant, meeting_id, call.now, call.now)
    if found.result is CheckinResult.NOT_YOURS:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await _answer(call, found)


@router.on_unclaimed_text
async def bare_code(call: Call, text: str) -> bool:
    """The code typed alone counts as "/hadir <code>" while her window is open: she may skip
    /hadir, and a code re-delivered after a restart (her /hadir step already answered)
    still gets its answer ("already recorded") instead of "not understood"."""
    participant = call.actor.participant
    if participant is None or call.actor.facilitator is not None or normalise_code(text) is None:
        return False
    # On a shared phone: who is checking in? The code goes along with the question.
    code = "/hadir " + " ".join(text.split())
    if call.actor.shared and not await for_whom(call, code, None, "phone.who_present"):
        return True
    participant = call.actor.participant
    assert participant is not None
    outcome = await _service(call).submit_code(
        participant, None, text, _written(call), call.now, update_id=call.update_id
    )
    if outcome.result in {CheckinResult.NO_MEETING, CheckinResult.NOT_OPEN}:
        return False
    await _answer(call, outcome)
    return True


@router.input(CodeAsked, MEMBERS)
async def typed_code(call: Call, state: CodeAsked) -> None:
    text = call.message.text if call.message and call.message.text else ""
    await _submit(call, state.meeting, text, _written(call))


async def checkin_link(call: Call, payload: str) -> None:
    """``/start c_<meeting>_<token>``: she scanned the QR code; one tap checks her in."""
    parsed = parse_payload(payload)
    participant = call.actor.participant
    if parsed is None:
        await call.reply(call.t("start.bad_link"))
        return
    if participant is None or call.actor.facilitator is not None:
        await call.reply(call.t("attendance.qr_not_member"))
        return
    meeting_id, token = parsed
    present = "phone.who_present"
    if not await for_whom(
        call, "/start " + payload, await meeting_people(call, meeting_id), present
    ):
        return
    participant = call.actor.participant
    assert participant is not None
    outcome = await _service(call).checkin_by_link(
        participant, meeting_id, token, _written(call), call.now, update_id=call.update_id
    )
    if outcome.result is CheckinResult.NOT_YOURS:
        await call.clear_state()
        await call.reply(call.t("attendance.qr_other_group"))
        return
    await _answer(call, outcome)


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
    if result in {
        CheckinResult.ASK_CODE,
        CheckinResult.WRONG,
        CheckinResult.FORMAT,
        CheckinResult.OLD_CODE,
    }:
        assert meeting is not None
        await call.set_state(CodeAsked(meeting.id))
    else:
        await call.clear_state()
    when = catalog.datetime(meeting.starts_at, group.timezone) if meeting else ""
    if result is CheckinResult.RECORDED and meeting is not None and group.place_lat is not None:
        # Where, if she agrees: one button asks Telegram for her location; never required.
        await call.set_state(LocationAsked(meeting.id))
        await call.reply(
            call.t("attendance.checkin_ok", name=participant.name, when=when)
            + "\n\n"
            + call.t("attendance.ask_location"),
            ReplyKeyboardMarkup(
                [
                    [
                        KeyboardButton(
                            call.t("attendance.button_send_location"), request_location=True
                        )
                    ],
                    [KeyboardButton(call.t("attendance.button_skip_location"))],
                ],
                resize_keyboard=True,
                one_time_keyboard=True,
            ),
        )
        await _offer_phone_mates(call)
        return
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
                CheckinResult.OLD_CODE: "attendance.old_code",
                CheckinResult.BAD_LINK: "attendance.bad_link",
                CheckinResult.FORMAT: "attendance.code_format",
                CheckinResult.NO_MEETING: "attendance.no_meeting",
            }[result]
        )
    await call.reply(text)
    if result is CheckinResult.RECORDED:
        await _offer_phone_mates(call)


async def _offer_phone_mates(call: Call) -> None:
    """On a shared phone, after one check-in: the others of her group on it, one button
    each (each still types the code: the phone may be at the meeting without them)."""
    participant = call.actor.participant
    assert participant is not None
    others = [
        p for p, _ in call.actor.people if p.group_id == participant.group_id and p != participant
    ]
    if not others:
        return
    catalog = call.services.catalog
    rows = [
        [
            (
                call.t("phone.button_checkin_too", name=p.name, sapaan=catalog.address(p.address)),
                PHONE_AS.data(p.id, "/hadir"),
            )
        ]
        for p in others
    ]
    await call.reply(call.t("phone.checkin_too"), keyboard(*rows))


@router.input(LocationAsked, MEMBERS, location=True)
async def shared_location(call: Call, state: LocationAsked) -> None:
    """Her location after her check-in (optional): anything else than a location skips it."""
    participant, message = call.actor.participant, call.message
    assert participant is not None and message is not None
    await call.clear_state()
    if message.location is None:
        await call.reply(call.t("attendance.location_skipped"), ReplyKeyboardRemove())
        return
    await _service(call).add_location(
        participant,
        state.meeting,
        message.location.latitude,
        message.location.longitude,
    )
    await call.reply(call.t("attendance.location_thanks"), ReplyKeyboardRemove())


# -- members: her history ----------------------------------------------------------------


@router.command("kehadiranku", MEMBERS, menu="attendance.menu_history", per_person=True)
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
