"""/start, /bantuan, /batal and reachability (she blocked or unblocked the bot)."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.constants import ChatMemberStatus

from bot.attendance import CHECKIN_PREFIX
from bot.auth import EVERYONE, Role
from bot.codes import FACILITATOR_PREFIX, JOIN_PREFIX, valid_payload
from bot.context import BotContext
from bot.i18n import Html
from handlers import checkin, onboarding
from handlers.registry import Call, Router

router = Router()

HELP_KEYS = {
    Role.STRANGER: "help.stranger",
    Role.PARTICIPANT: "help.participant",
    Role.LEADER: "help.leader",
    Role.FACILITATOR: "help.facilitator",
}


@router.command("start", EVERYONE, menu="menu.start")
async def start(call: Call, args: list[str]) -> None:
    payload = args[0] if args else ""
    if not payload:
        await greet(call)
        return
    if not valid_payload(payload):
        await call.reply(call.t("start.bad_link"))
        return
    if payload.startswith(FACILITATOR_PREFIX):
        await onboarding.redeem_facilitator_invite(call, payload.removeprefix(FACILITATOR_PREFIX))
    elif payload.startswith(JOIN_PREFIX):
        await onboarding.begin_join(call, payload.removeprefix(JOIN_PREFIX))
    elif payload.startswith(CHECKIN_PREFIX):
        await checkin.checkin_link(call, payload)
    else:
        await call.reply(call.t("start.bad_link"))


async def greet(call: Call) -> None:
    actor = call.actor
    if actor.facilitator is not None:
        await call.reply(call.t("start.facilitator", name=actor.facilitator.name))
    elif actor.shared:
        names = call.services.catalog.names([f"{p.name} ({g.name})" for p, g in actor.people])
        await call.reply(call.t("phone.start", names=names))
    elif actor.participant is not None and actor.group is not None:
        await call.reply(
            call.t("start.participant", name=actor.participant.name, group=actor.group.name)
        )
    else:
        await call.reply(call.t("start.stranger"))


@router.command("bantuan", EVERYONE, menu="menu.help")
async def help_(call: Call, args: list[str]) -> None:
    """Her role's introduction, then the commands she may use, from the registry."""
    role = call.actor.main_role
    lines = [
        call.t("help.command_line", name=c.command, description=c.description)
        for c in call.context.menus.menu_for(role, call.services)
    ]
    await call.reply(
        call.t(HELP_KEYS[role]) + "\n\n" + call.t("help.commands", commands=Html("\n".join(lines)))
    )


@router.command("batal", EVERYONE, menu="menu.cancel")
async def cancel(call: Call, args: list[str]) -> None:
    cleared = await call.services.dialogues.clear(call.actor.telegram_id)
    key = "common.cancelled" if cleared else "common.nothing_to_cancel"
    await call.reply(call.t(key), ReplyKeyboardRemove())


@router.on_chat_member
async def reachability(update: Update, context: BotContext) -> None:
    """She blocked (kicked) or unblocked the bot in her private chat."""
    member = update.my_chat_member
    if member is None:
        return
    services = context.services
    status = member.new_chat_member.status
    if status in {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}:
        await services.reachability.blocked(member.from_user.id, services.clock.now())
    else:
        await services.reachability.unblocked(member.from_user.id, services.clock.now())
