"""/datasaya: a participant sees what the bot stores about her, and can erase it.

Buttons: ``pe`` (ask), ``pey:<token>`` (yes: erases only with the token of the question
still pending, at most ``ERASE_CONFIRM_TTL`` old), ``pen`` (keep). On a shared phone it
is per person (asked "Untuk siapa?"), and ``pea:<token>`` erases everyone on the phone."""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from bot.auth import MEMBERS, REGISTERED, Role
from bot.privacy import EraseConfirm, EraseOutcome, new_erase_token
from db.models import Group, Participant
from handlers.onboarding import join_another
from handlers.registry import Call, Router, keyboard

log = logging.getLogger(__name__)
router = Router()


@router.command("datasaya", REGISTERED, menu="menu.my_data", per_person=True)
async def my_data(call: Call, args: list[str]) -> None:
    actor = call.actor
    if actor.facilitator is not None:
        await call.reply(call.t("privacy.facilitator", name=actor.facilitator.name))
        return
    participant, group = actor.participant, actor.group
    assert participant is not None and group is not None
    stored = await call.services.privacy.stored_about(participant)
    await call.reply(
        call.t(
            "privacy.mine",
            name=participant.name,
            group=group.name,
            phone=participant.phone or call.t("privacy.no_phone"),
            joined=call.services.catalog.date(participant.joined_at, group.timezone),
            attendance=stored.attendance,
            rsvps=stored.rsvps,
            quiz=stored.quiz_answers,
            messages=stored.messages,
        ),
        keyboard(
            [(call.t("privacy.button_erase"), erase_ask.data())],
            [(call.t("phone.button_join_another"), join_another.data(group.join_code))],
        ),
    )


@router.action("pe", MEMBERS, per_person=True)
async def erase_ask(call: Call) -> None:
    """The question, with a one-time token in its "yes" button (``bot/privacy.py``); on a
    shared phone also "everyone on this phone"."""
    token = new_erase_token()
    await call.set_state(EraseConfirm(token))
    participant = call.actor.participant
    assert participant is not None
    rows = [[(call.t("privacy.button_erase_yes"), erase_yes.data(token))]]
    if call.actor.shared:
        rows.append([(call.t("phone.button_erase_all"), erase_all.data(token))])
    rows.append([(call.t("privacy.button_keep"), erase_no.data())])
    text = call.t("privacy.erase_confirm")
    if call.actor.shared:
        text = call.t("phone.erase_confirm", name=participant.name)
    await call.show(text, keyboard(*rows))


@router.action("pen", MEMBERS)
async def erase_no(call: Call) -> None:
    if await call.dialogue(EraseConfirm) is not None:
        await call.clear_state()
    await call.show(call.t("privacy.kept"))


@router.action("pey", MEMBERS, str, per_person=True)
async def erase_yes(call: Call, token: str) -> None:
    participant, group = call.actor.participant, call.actor.group
    assert participant is not None and group is not None
    outcome = await call.services.privacy.erase(
        call.actor.telegram_id, participant, token, call.now
    )
    await _erased(call, outcome, [(participant, group)])


@router.action("pea", MEMBERS, str)
async def erase_all(call: Call, token: str) -> None:
    """Everyone on this shared phone is erased, with the same one-time question."""
    people = call.actor.people
    outcome = await call.services.privacy.erase_phone(
        call.actor.telegram_id, [p for p, _ in people], token, call.now
    )
    await _erased(call, outcome, list(people))


async def _erased(
    call: Call, outcome: EraseOutcome, people: list[tuple[Participant, Group]]
) -> None:
    if outcome is EraseOutcome.EXPIRED:
        await call.toast(call.t("privacy.erase_expired"), alert=True)
        return
    if outcome is EraseOutcome.GONE:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.show(call.t("privacy.erased"))
    if len(people) == len(call.actor.people):  # nobody is left on this phone
        await call.context.menus.set_menu(call.context, call.chat_id, Role.STRANGER)
    for participant, group in people:
        log.info("participant %s erased her data", participant.id)
        facilitator = await call.services.onboarding.facilitator(group.facilitator_id)
        if facilitator is None:
            continue
        try:
            await call.context.bot.send_message(
                facilitator.telegram_id, call.t("privacy.facilitator_notice", group=group.name)
            )
        except TelegramError as exc:
            log.info("could not tell the facilitator about an erasure: %s", exc)
