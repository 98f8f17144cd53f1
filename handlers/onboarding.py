"""Getting in: a facilitator redeems her invite; a mother joins her group."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import TelegramError

from bot.auth import Role
from bot.dialogues import Dialogue
from bot.i18n import DEFAULT_ADDRESS
from bot.onboarding import JoinOutcome, clean_person_name, clean_phone
from bot.voice import DEFAULT_VOICE
from db.models import ADDRESSES
from handlers import groups, voice
from handlers.registry import Call, Router, keyboard

log = logging.getLogger(__name__)
router = Router()


@dataclass(frozen=True)
class JoinName(Dialogue):
    """She opened a group's join link (``code``): her next text is her name."""

    kind: ClassVar[str] = "join_name"
    group_id: int
    code: str


@dataclass(frozen=True)
class JoinPhone(Dialogue):
    """Her name is known: next she shares or types her phone number, or skips it."""

    kind: ClassVar[str] = "join_phone"
    group_id: int
    code: str
    name: str


@dataclass(frozen=True)
class JoinConfirm(Dialogue):
    """All is known: she checks it, chooses Ibu or Bapak, and presses "Ya"."""

    kind: ClassVar[str] = "join_confirm"
    group_id: int
    code: str
    name: str
    phone: str | None
    address: str = DEFAULT_ADDRESS


STRANGERS = frozenset({Role.STRANGER})
# Joining is for a stranger, and on a member's phone for another person who shares it.
JOINING = frozenset({Role.STRANGER, Role.PARTICIPANT, Role.LEADER})


async def redeem_facilitator_invite(call: Call, code: str) -> None:
    if call.actor.registered:
        await call.reply(call.t("start.already_registered"))
        return
    services = call.services
    facilitator = await services.onboarding.redeem_invite(code, call.actor.telegram_id, call.now)
    if facilitator is None:
        invite = await services.onboarding.facilitator_invite(code)
        if invite is None:
            key = "invite.unknown"
        elif invite.used_at is not None:
            key = "invite.used"
        else:
            key = "invite.expired"
        await call.reply(call.t(key))
        return
    log.info("facilitator %s registered", facilitator.id)
    await call.context.menus.set_menu(call.context, call.chat_id, Role.FACILITATOR)
    await call.reply(
        call.t("invite.welcome", name=facilitator.name),
        keyboard([(call.t("group.button_new"), groups.new_group.data())]),
    )


async def begin_join(call: Call, code: str) -> None:
    actor = call.actor
    if actor.facilitator is not None:
        await call.reply(call.t("join.facilitator_cannot_join"))
        return
    group = await call.services.onboarding.join_target(code)
    if group is None:
        await call.reply(call.t("join.bad_link"))
        return
    if actor.people:  # a phone already in use: another person who shares it may join
        names = call.services.catalog.names([f"{p.name} ({g.name})" for p, g in actor.people])
        await call.reply(
            call.t("phone.already_here", names=names, group=group.name),
            keyboard([(call.t("phone.button_join_another"), join_another.data(code))]),
        )
        return
    await call.set_state(JoinName(group.id, code))
    await call.reply(call.t("join.welcome", group=group.name), ReplyKeyboardRemove())


@router.action("jo", JOINING, str)
async def join_another(call: Call, code: str) -> None:
    """ "Daftarkan anggota lain di HP ini": another KPM who shares this phone joins the
    group of that link (``code``), with her own name."""
    group = await call.services.onboarding.join_target(code)
    if group is None:
        await call.show(call.t("join.bad_link"))
        return
    await call.set_state(JoinName(group.id, code))
    await call.show(call.t("phone.join_welcome", group=group.name))


@router.input(JoinName, JOINING)
async def join_name(call: Call, state: JoinName) -> None:
    message = call.message
    name = clean_person_name(message.text or "") if message else None
    if name is None:
        await call.reply(call.t("join.name_invalid"))
        return
    await call.set_state(state.step(JoinPhone, name=name))
    await call.reply(
        call.t("join.ask_phone", name=name),
        ReplyKeyboardMarkup(
            [
                [KeyboardButton(call.t("join.button_share_phone"), request_contact=True)],
                [KeyboardButton(call.t("join.button_skip_phone"))],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        ),
    )


@router.input(JoinPhone, JOINING, contact=True, hint="join.phone_hint")
async def join_phone(call: Call, state: JoinPhone) -> None:
    message = call.message
    assert message is not None
    phone: str | None
    if message.contact is not None:
        if message.contact.user_id != call.actor.telegram_id:
            await call.reply(call.t("join.phone_not_own"))
            return
        phone = clean_phone(message.contact.phone_number)
    elif (message.text or "").strip().lower() == call.t("join.button_skip_phone").lower():
        phone = None
    else:
        phone = clean_phone(message.text or "")
        if phone is None:
            await call.reply(call.t("join.phone_hint"))
            return
    confirm = state.step(JoinConfirm, phone=phone)
    await call.set_state(confirm)
    await call.reply(call.t("join.noted"), ReplyKeyboardRemove())
    await show_join_summary(call, confirm)


async def show_join_summary(call: Call, data: JoinConfirm) -> None:
    group = await call.services.onboarding.group(data.group_id)
    if group is None:
        await call.clear_state()
        await call.reply(call.t("join.bad_link"))
        return
    text, markup = join_summary(call, data, group.name)
    await call.reply(text, markup)


def join_summary(
    call: Call, data: JoinConfirm, group_name: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The check before joining, with the two buttons for how the bot addresses her."""
    phone, address = data.phone, data.address

    def address_button(value: str) -> tuple[str, str]:
        label = call.t(f"join.button_address_{value}")
        if value == address:
            label = call.t("join.button_address_chosen", label=label)
        return label, join_address.data(value)

    text = call.t(
        "join.confirm",
        name=data.name,
        group=group_name,
        phone=phone or call.t("join.no_phone"),
        sapaan=call.services.catalog.address(address),
    )
    markup = keyboard(
        [(call.t("join.button_yes"), join_yes.data())],
        [address_button(value) for value in ADDRESSES],
        [
            (call.t("join.button_rename"), join_rename.data()),
            (call.t("join.button_cancel"), join_cancel.data()),
        ],
    )
    return text, markup


@router.input(JoinConfirm, JOINING, hint="join.press_button")
async def join_confirm_text(call: Call, state: JoinConfirm) -> None:
    await call.reply(call.t("join.press_button"))


async def _join_state(call: Call) -> JoinConfirm | None:
    state = await call.dialogue(JoinConfirm)
    if state is None:
        await call.toast(call.t("common.stale_button"), alert=True)
    return state


@router.action("ja", JOINING, str)
async def join_address(call: Call, address: str) -> None:
    """Ibu or Bapak: the button carries its target, so a press that comes twice is harmless."""
    state = await _join_state(call)
    if state is None:
        return
    if address not in ADDRESSES:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    data = state.step(JoinConfirm, address=address)
    group = await call.services.onboarding.group(data.group_id)
    if group is None:
        await call.clear_state()
        await call.show(call.t("join.bad_link"))
        return
    await call.set_state(data)
    text, markup = join_summary(call, data, group.name)
    await call.show(text, markup)


@router.action("jy", JOINING)
async def join_yes(call: Call) -> None:
    state = await _join_state(call)
    if state is None:
        return
    data = state
    result = await call.services.onboarding.join(
        data.group_id,
        data.code,
        call.actor.telegram_id,
        data.name,
        data.phone or None,
        call.now,
        data.address,
    )
    await call.clear_state()
    if result.outcome is JoinOutcome.LINK_CHANGED:
        await call.show(call.t("join.link_changed"))
        return
    if result.outcome is JoinOutcome.PHONE_FULL:
        await call.show(call.t("phone.full"))
        return
    if result.outcome is JoinOutcome.ALREADY_MEMBER or result.group is None:
        await call.show(call.t("join.already_member_short", name=data.name))
        return
    group = result.group
    sapaan = call.services.catalog.address(
        result.participant.address if result.participant else DEFAULT_ADDRESS
    )
    await call.show(
        call.t("join.done", name=data.name, group=group.name, sapaan=sapaan),
        keyboard(*voice.choice_buttons(call, DEFAULT_VOICE)),
    )
    if not call.actor.people:  # a person added to a shared phone keeps its menu
        await call.context.menus.set_menu(call.context, call.chat_id, Role.PARTICIPANT)
    facilitator = await call.services.onboarding.facilitator(group.facilitator_id)
    if facilitator is not None:
        try:
            await call.context.bot.send_message(
                facilitator.telegram_id,
                call.t(
                    "join.facilitator_notice",
                    name=data.name,
                    group=group.name,
                    sapaan=sapaan,
                ),
            )
        except TelegramError as exc:
            log.info("could not tell the facilitator about a new member: %s", exc)


@router.action("jn", JOINING)
async def join_rename(call: Call) -> None:
    state = await _join_state(call)
    if state is None:
        return
    await call.set_state(state.step(JoinName))
    await call.show(call.t("join.ask_name_again"))


@router.action("jx", JOINING)
async def join_cancel(call: Call) -> None:
    state = await _join_state(call)
    if state is None:
        return
    await call.clear_state()
    await call.show(call.t("join.cancelled"))
