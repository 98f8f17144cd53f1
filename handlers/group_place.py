"""Where a group meets, set after its creation: its kecamatan (for the sub-district
recap) and its meeting place as a location (for the check-in's distance)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.auth import FACILITATORS
from bot.callbacks import GROUP_SCREEN
from bot.dialogues import Dialogue
from bot.onboarding import clean_kecamatan
from db.models import Group
from handlers.registry import Call, Router, keyboard

router = Router()


@dataclass(frozen=True)
class KecamatanChangeAsked(Dialogue):
    """Her next text is the new kecamatan of ``group_id``."""

    kind: ClassVar[str] = "group_set_kecamatan"
    group_id: int


@dataclass(frozen=True)
class PlaceLocationAsked(Dialogue):
    """Her next message is the location of ``group_id``'s meeting place (or a cancel)."""

    kind: ClassVar[str] = "group_location"
    group_id: int


async def owned_group(call: Call, group_id: int) -> Group | None:
    """Her group ``group_id``; None (and a stale-button toast) if it is not hers."""
    group = await call.services.onboarding.owned_group(call.actor, group_id)
    if group is None:
        await call.toast(call.t("common.stale_button"), alert=True)
    return group


@router.action("gkk", FACILITATORS, int)
async def kecamatan_ask(call: Call, group_id: int) -> None:
    group = await owned_group(call, group_id)
    if group is None:
        return
    await call.toast()
    await call.set_state(KecamatanChangeAsked(group.id))
    await call.reply(
        call.t(
            "group.ask_new_kecamatan",
            name=group.name,
            kecamatan=group.kecamatan or call.t("group.no_kecamatan"),
        )
    )


@router.input(KecamatanChangeAsked, FACILITATORS)
async def kecamatan_typed(call: Call, state: KecamatanChangeAsked) -> None:
    kecamatan = clean_kecamatan(call.message.text or "") if call.message else None
    if kecamatan is None:
        await call.reply(call.t("group.kecamatan_invalid"))
        return
    group = await call.services.onboarding.set_kecamatan(call.actor, state.group_id, kecamatan)
    await call.clear_state()
    if group is None:
        await call.reply(call.t("common.stale_button"))
        return
    await call.reply(
        call.t("group.kecamatan_saved", name=group.name, kecamatan=group.kecamatan),
        keyboard([(call.t("group.button_open"), GROUP_SCREEN.data(group.id))]),
    )


@router.action("gw", FACILITATORS, int)
async def ask_location(call: Call, group_id: int) -> None:
    """Where the group meets, as a location: she shares it once, at the place (or picks it
    on the map), so that members' check-ins far from it can be flagged."""
    group = await owned_group(call, group_id)
    if group is None:
        return
    await call.set_state(PlaceLocationAsked(group.id))
    await call.reply(
        call.t("group.ask_location", group=group.name),
        ReplyKeyboardMarkup(
            [
                [KeyboardButton(call.t("group.button_send_location"), request_location=True)],
                [KeyboardButton(call.t("group.button_location_cancel"))],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        ),
    )


@router.input(PlaceLocationAsked, FACILITATORS, location=True)
async def group_location(call: Call, state: PlaceLocationAsked) -> None:
    message = call.message
    assert message is not None
    await call.clear_state()
    if message.location is None:
        await call.reply(call.t("group.location_cancelled"), ReplyKeyboardRemove())
        return
    group = await call.services.onboarding.set_place_location(
        call.actor,
        state.group_id,
        message.location.latitude,
        message.location.longitude,
    )
    if group is None:
        await call.reply(call.t("common.stale_button"), ReplyKeyboardRemove())
        return
    await call.reply(call.t("group.location_saved", group=group.name), ReplyKeyboardRemove())
