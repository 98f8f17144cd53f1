"""The facilitator's groups: create, list, members, leader, removal, join link (where a
group meets, its kecamatan and location: ``handlers/group_place.py``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.auth import FACILITATORS, Role
from bot.callbacks import GROUP_SCREEN
from bot.codes import JOIN_PREFIX, deep_link
from bot.config import TIMEZONES
from bot.dialogues import Dialogue
from bot.i18n import zone_label
from bot.onboarding import clean_group_name, clean_kecamatan, clean_person_name, clean_place
from db.models import Group
from handlers.group_place import ask_location, kecamatan_ask, owned_group
from handlers.registry import Call, Router, keyboard

log = logging.getLogger(__name__)
router = Router()


@dataclass(frozen=True)
class GroupNameAsked(Dialogue):
    """A new group: her next text is its name."""

    kind: ClassVar[str] = "group_name"


@dataclass(frozen=True)
class GroupZoneAsked(Dialogue):
    """The new group's name is known; a button gives its time zone."""

    kind: ClassVar[str] = "group_tz"
    name: str


@dataclass(frozen=True)
class GroupPlaceAsked(Dialogue):
    """Name and time zone are known; her next text is where the group meets."""

    kind: ClassVar[str] = "group_place"
    name: str
    timezone: str


@dataclass(frozen=True)
class GroupKecamatanAsked(Dialogue):
    """Name, zone and place are known: her next text (or a button) is its kecamatan."""

    kind: ClassVar[str] = "group_kecamatan"
    name: str
    timezone: str
    place: str


@dataclass(frozen=True)
class OfflineNameAsked(Dialogue):
    """Her next text is the name of a member without a phone, for ``group_id``."""

    kind: ClassVar[str] = "group_add_offline"
    group_id: int


PAGE_SIZE = 10
ZONES_BY_LABEL = {label: name for name, label in TIMEZONES.items()}


def join_link(call: Call, group: Group) -> str:
    return deep_link(call.services.bot_username, JOIN_PREFIX + group.join_code)


@router.command("kelompok", FACILITATORS, menu="menu.groups")
async def list_groups_command(call: Call, args: list[str]) -> None:
    await list_groups(call)


@router.action("gl", FACILITATORS)
async def list_groups(call: Call) -> None:
    assert call.actor.facilitator is not None
    summaries = await call.services.onboarding.groups_of(call.actor.facilitator.id)
    rows = [
        [
            (
                call.t("group.list_item", name=s.group.name, members=s.members),
                open_group.data(s.group.id),
            )
        ]
        for s in summaries
    ]
    rows.append([(call.t("group.button_new"), new_group.data())])
    text = call.t("group.list_title") if summaries else call.t("group.list_empty")
    await call.show(text, keyboard(*rows))


@router.command("kelompokbaru", FACILITATORS, menu="menu.new_group")
async def new_group_command(call: Call, args: list[str]) -> None:
    await new_group(call)


@router.action("gn", FACILITATORS)
async def new_group(call: Call) -> None:
    await call.set_state(GroupNameAsked())
    await call.reply(call.t("group.ask_name"))


@router.input(GroupNameAsked, FACILITATORS)
async def group_name(call: Call, state: GroupNameAsked) -> None:
    name = clean_group_name(call.message.text or "") if call.message else None
    if name is None:
        await call.reply(call.t("group.name_invalid"))
        return
    await call.set_state(GroupZoneAsked(name))
    await call.reply(
        call.t("group.ask_timezone", name=name),
        keyboard([(label, choose_zone.data(label)) for label in ZONES_BY_LABEL]),
    )


@router.input(GroupZoneAsked, FACILITATORS, hint="group.press_zone")
async def group_tz_text(call: Call, state: GroupZoneAsked) -> None:
    await call.reply(call.t("group.press_zone"))


@router.action("gz", FACILITATORS, str)
async def choose_zone(call: Call, label: str) -> None:
    state = await call.dialogue(GroupZoneAsked)
    zone = ZONES_BY_LABEL.get(label)
    if state is None or zone is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.set_state(GroupPlaceAsked(state.name, zone))
    await call.show(call.t("group.ask_place", zone=label))


@router.input(GroupPlaceAsked, FACILITATORS)
async def group_place(call: Call, state: GroupPlaceAsked) -> None:
    place = clean_place(call.message.text or "") if call.message else None
    if place is None:
        await call.reply(call.t("group.place_invalid"))
        return
    await call.set_state(state.step(GroupKecamatanAsked, place=place))
    known = (await call.services.onboarding.kecamatans(call.actor))[:KNOWN_KECAMATANS]
    await call.reply(
        call.t("group.ask_kecamatan"),
        keyboard(*[[(k, choose_kecamatan.data(i))] for i, k in enumerate(known)])
        if known
        else None,
    )


KNOWN_KECAMATANS = 3
"""Her kecamatans offered as buttons when a group is created (most used first)."""


@router.input(GroupKecamatanAsked, FACILITATORS)
async def group_kecamatan(call: Call, state: GroupKecamatanAsked) -> None:
    kecamatan = clean_kecamatan(call.message.text or "") if call.message else None
    if kecamatan is None:
        await call.reply(call.t("group.kecamatan_invalid"))
        return
    await _create(call, state, kecamatan)


@router.action("gkc", FACILITATORS, int)
async def choose_kecamatan(call: Call, index: int) -> None:
    state = await call.dialogue(GroupKecamatanAsked)
    known = (await call.services.onboarding.kecamatans(call.actor))[:KNOWN_KECAMATANS]
    if state is None or not 0 <= index < len(known):
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast()
    await _create(call, state, known[index])


async def _create(call: Call, state: GroupKecamatanAsked, kecamatan: str) -> None:
    group = await call.services.onboarding.create_group(
        call.actor,
        state.name,
        state.timezone,
        state.place,
        call.now,
        kecamatan=kecamatan,
        update_id=call.update_id,
    )
    await call.clear_state()
    log.info("group %s created", group.id)
    await call.reply(
        call.t(
            "group.created",
            name=group.name,
            zone=zone_label(group.timezone),
            place=group.place,
            kecamatan=group.kecamatan,
            link=join_link(call, group),
        ),
        keyboard([(call.t("group.button_open"), open_group.data(group.id))]),
    )
    await call.reply(call.t("group.forward_text", name=group.name, link=join_link(call, group)))


@router.action(GROUP_SCREEN, FACILITATORS)
async def open_group(call: Call, group_id: int) -> None:
    group = await owned_group(call, group_id)
    if group is None:
        return
    members = await call.services.onboarding.members(group.id)
    leader = next((m.name for m in members if m.id == group.leader_id), None)
    located = group.place_lat is not None
    await call.show(
        call.t(
            "group.detail",
            name=group.name,
            zone=zone_label(group.timezone),
            place=group.place,
            kecamatan=group.kecamatan or call.t("group.no_kecamatan"),
            members=len(members),
            leader=leader or call.t("group.no_leader"),
            link=join_link(call, group),
        )
        + "\n"
        + call.t("group.location_set" if located else "group.location_none"),
        keyboard(
            [(call.t("group.button_members"), list_members.data(group.id, 0))],
            [
                (call.t("group.button_forward"), forward_text.data(group.id)),
                (call.t("group.button_renew"), renew_ask.data(group.id)),
            ],
            [(call.t("group.button_kecamatan"), kecamatan_ask.data(group.id))],
            [(call.t("group.button_location"), ask_location.data(group.id))],
            [(call.t("common.button_back"), list_groups.data())],
        ),
    )


@router.action("gt", FACILITATORS, int)
async def forward_text(call: Call, group_id: int) -> None:
    group = await owned_group(call, group_id)
    if group is None:
        return
    await call.reply(call.t("group.forward_text", name=group.name, link=join_link(call, group)))


@router.action("gm", FACILITATORS, int, int)
async def list_members(call: Call, group_id: int, page: int) -> None:
    group = await owned_group(call, group_id)
    if group is None:
        return
    members = await call.services.onboarding.members(group.id)
    pages = max(1, (len(members) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages - 1)
    shown = members[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = []
    for m in shown:
        key = "group.member_item_leader" if m.id == group.leader_id else "group.member_item"
        label = call.t(key, name=m.name)
        if m.telegram_id is None:
            label = call.t("group.member_item_offline", label=label)
        elif not m.reachable:
            label = call.t("group.member_item_unreachable", label=label)
        rows.append([(label, member_detail.data(group.id, m.id))])
    nav = []
    if page > 0:
        nav.append((call.t("common.button_prev"), list_members.data(group.id, page - 1)))
    if page + 1 < pages:
        nav.append((call.t("common.button_next"), list_members.data(group.id, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(call.t("group.button_add_offline"), add_offline.data(group.id))])
    rows.append([(call.t("common.button_back"), open_group.data(group.id))])
    text = (
        call.t(
            "group.members_title", name=group.name, count=len(members), page=page + 1, pages=pages
        )
        if members
        else call.t("group.members_empty", name=group.name)
    )
    await call.show(text, keyboard(*rows))


@router.action("ga", FACILITATORS, int)
async def add_offline(call: Call, group_id: int) -> None:
    """A mother without a phone (or sharing one): the facilitator adds her by name, so
    her attendance can be marked."""
    group = await owned_group(call, group_id)
    if group is None:
        return
    await call.set_state(OfflineNameAsked(group.id))
    await call.reply(call.t("group.ask_offline_name", group=group.name))


@router.input(OfflineNameAsked, FACILITATORS)
async def add_offline_name(call: Call, state: OfflineNameAsked) -> None:
    name = clean_person_name(call.message.text or "") if call.message else None
    if name is None:
        await call.reply(call.t("join.name_invalid"))
        return
    group = await call.services.onboarding.add_offline(
        call.actor, state.group_id, name, call.now, update_id=call.update_id
    )
    await call.clear_state()
    if group is None:
        await call.reply(call.t("common.stale_button"))
        return
    await call.reply(
        call.t("group.offline_added", name=name, group=group.name),
        keyboard([(call.t("group.button_members"), list_members.data(group.id, 0))]),
    )


@router.action("gp", FACILITATORS, int, int)
async def member_detail(call: Call, group_id: int, participant_id: int) -> None:
    found = await call.services.onboarding.owned_member(call.actor, group_id, participant_id)
    if found is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    group, member = found
    is_leader = group.leader_id == member.id
    rows = []
    if not is_leader:
        rows.append([(call.t("group.button_make_leader"), make_leader.data(group.id, member.id))])
    rows.append([(call.t("group.button_remove"), remove_ask.data(group.id, member.id))])
    rows.append([(call.t("common.button_back"), list_members.data(group.id, 0))])
    await call.show(
        call.t(
            "group.member_detail",
            name=member.name,
            group=group.name,
            phone=member.phone or call.t("group.no_phone"),
            joined=call.services.catalog.short_date(member.joined_at, group.timezone),
            role=call.t("group.role_leader" if is_leader else "group.role_member"),
            reach=call.t("group.reachable" if member.reachable else "group.unreachable"),
        ),
        keyboard(*rows),
    )


@router.action("gk", FACILITATORS, int, int)
async def make_leader(call: Call, group_id: int, participant_id: int) -> None:
    services = call.services
    before = await services.onboarding.owned_group(call.actor, group_id)
    done = await services.onboarding.appoint_leader(call.actor, group_id, participant_id)
    if done is None or before is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    group, member = done
    await call.toast(call.t("group.leader_set", name=member.name))
    menus = call.context.menus
    if before.leader_id is not None and before.leader_id != member.id:
        old = await services.onboarding.participant(before.leader_id)
        if old is not None and old.telegram_id is not None:
            await menus.set_menu(call.context, old.telegram_id, Role.PARTICIPANT)
    if member.telegram_id is not None:
        await menus.set_menu(call.context, member.telegram_id, Role.LEADER)
        sapaan = call.services.catalog.address(member.address)
        text = call.t("group.you_are_leader", group=group.name, sapaan=sapaan)
        await _tell(call, member.telegram_id, text)
    await member_detail(call, group.id, member.id)


@router.action("gx", FACILITATORS, int, int)
async def remove_ask(call: Call, group_id: int, participant_id: int) -> None:
    found = await call.services.onboarding.owned_member(call.actor, group_id, participant_id)
    if found is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    group, member = found
    await call.show(
        call.t("group.remove_confirm", name=member.name, group=group.name),
        keyboard(
            [(call.t("group.button_remove_yes"), remove_yes.data(group.id, member.id))],
            [(call.t("common.button_back"), member_detail.data(group.id, member.id))],
        ),
    )


@router.action("gxy", FACILITATORS, int, int)
async def remove_yes(call: Call, group_id: int, participant_id: int) -> None:
    done = await call.services.onboarding.remove_member(
        call.actor, group_id, participant_id, call.now
    )
    if done is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    group, member = done
    await call.toast(call.t("group.removed", name=member.name))
    if member.telegram_id is not None:
        await call.context.menus.set_menu(call.context, member.telegram_id, Role.STRANGER)
        sapaan = call.services.catalog.address(member.address)
        text = call.t("group.you_were_removed", group=group.name, sapaan=sapaan)
        await _tell(call, member.telegram_id, text)
    await list_members(call, group.id, 0)


@router.action("gr", FACILITATORS, int)
async def renew_ask(call: Call, group_id: int) -> None:
    group = await owned_group(call, group_id)
    if group is None:
        return
    await call.show(
        call.t("group.renew_confirm", name=group.name),
        keyboard(
            [(call.t("group.button_renew_yes"), renew_yes.data(group.id))],
            [(call.t("common.button_back"), open_group.data(group.id))],
        ),
    )


@router.action("gry", FACILITATORS, int)
async def renew_yes(call: Call, group_id: int) -> None:
    group = await call.services.onboarding.renew_join_code(
        call.actor, group_id, call.now, update_id=call.update_id
    )
    if group is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast(call.t("group.renewed"))
    await open_group(call, group.id)


async def _tell(call: Call, chat_id: int, text: str) -> None:
    """A direct notice to another person; failure is logged, never fatal."""
    try:
        await call.context.bot.send_message(chat_id, text)
    except TelegramError as exc:
        log.info("notice not delivered: %s", exc)


__all__ = ["InlineKeyboardMarkup", "router"]
