"""The handler registry: every command, button action and text input, with the roles it admits.

Each ``handlers/<feature>.py`` owns a :class:`Router` and declares its entries
with decorators::

    @router.command("kelompok", FACILITATORS, menu="menu.groups")
    async def groups(call: Call, args: list[str]) -> None: ...

    @router.action("go", FACILITATORS, int)          # callback data "go:<group id>"
    async def open_group(call: Call, group_id: int) -> None: ...

    @router.input(JoinName, STRANGERS_ONLY)   # free text while her dialogue is a JoinName
    async def join_name(call: Call, state: JoinName) -> None: ...

(a dialogue state is a frozen dataclass, see ``bot/dialogues.py``)

:func:`handlers.register` installs all routers through one :class:`Dispatcher`,
which is the single place that resolves the sender, checks the role, parses
and validates callback data, and answers bad input with a short message.
The same registry builds the per-role command menu and the authorization
matrix in the tests.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.auth import Role, allowed
from bot.callbacks import Callback, CallbackData
from bot.context import BotContext
from bot.dialogues import D, Dialogue
from bot.services import Services
from handlers.call import Call
from handlers.phone_gate import WHO_FOR, able_people, for_whom

log = logging.getLogger(__name__)

STATE_TTL = timedelta(days=1)


CommandFn = Callable[[Call, list[str]], Awaitable[None]]
InputFn = Callable[[Call, Any], Awaitable[None]]  # (call, the typed dialogue state)
InputF = TypeVar("InputF", bound=InputFn)
ActionFn = Callable[..., Awaitable[None]]
ChatMemberFn = Callable[[Update, BotContext], Awaitable[None]]
# On a shared phone: the people an action may be for (participant ids), from its fields.
PeopleFn = Callable[..., Awaitable[Sequence[int]]]
# Free text no dialogue asked for; returns True when it answered the message.
FreeTextFn = Callable[[Call, str], Awaitable[bool]]
MediaFn = Callable[[Call], Awaitable[bool]]


@dataclass(frozen=True)
class Command:
    name: str
    roles: frozenset[Role]
    callback: CommandFn
    menu: str | None  # catalog key of its menu description; None keeps it out of the menu
    per_person: bool = False  # on a shared phone: for one of its people (asks who first)
    ask: str = WHO_FOR  # the catalog key of that question


@dataclass(frozen=True)
class ButtonAction:
    spec: type[CallbackData]  # its button's class: prefix and typed fields
    roles: frozenset[Role]
    callback: ActionFn
    per_person: bool = False  # on a shared phone: for one of its people (asks who first)
    people: PeopleFn | None = None  # which of them it may be for (default: all)
    ask: str = WHO_FOR  # the catalog key of that question

    async def __call__(self, call: Call, *args: Any) -> None:
        await self.callback(call, *args)

    @property
    def prefix(self) -> str:
        return self.spec.prefix

    @property
    def arg_types(self) -> tuple[type, ...]:
        return self.spec.arg_types

    def data(self, *args: int | str) -> str:
        """Callback data for a button that triggers this action."""
        return self.spec.data(*args)

    def parse(self, parts: Sequence[str]) -> tuple[Any, ...] | None:
        return self.spec.parse(parts)


@dataclass(frozen=True)
class Input:
    dialogue: type[Dialogue]
    roles: frozenset[Role]
    callback: InputFn
    contact: bool = False  # also accepts a shared contact
    hint: str = "common.type_text"  # catalog key shown when something else arrives
    media: bool = False  # also accepts a photo
    prose: bool = False  # takes free prose (an announcement): never read as a call for help
    voice: bool = False  # also accepts a voice note (a recorded summary)
    location: bool = False  # also accepts a shared location


@dataclass
class Router:
    commands: list[Command] = field(default_factory=list)
    actions: list[ButtonAction] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    chat_member_hooks: list[ChatMemberFn] = field(default_factory=list)
    free_text_hooks: list[FreeTextFn] = field(default_factory=list)
    unclaimed_text_hooks: list[FreeTextFn] = field(default_factory=list)
    unclaimed_media_hooks: list[MediaFn] = field(default_factory=list)

    def command(
        self,
        name: str,
        roles: frozenset[Role],
        *,
        menu: str | None = None,
        per_person: bool = False,
        ask: str = WHO_FOR,
    ) -> Callable[[CommandFn], CommandFn]:
        """``per_person``: on a phone several members share, the command is for one of
        them; the dispatcher asks first (``ask``: "Untuk siapa?", or e.g. "Siapa yang
        hadir?")."""

        def deco(fn: CommandFn) -> CommandFn:
            self.commands.append(Command(name, roles, fn, menu, per_person, ask))
            return fn

        return deco

    def action(
        self,
        prefix: str | type[CallbackData],
        roles: frozenset[Role],
        *arg_types: type,
        per_person: bool = False,
        people: PeopleFn | None = None,
        ask: str = WHO_FOR,
    ) -> Callable[[ActionFn], ButtonAction]:
        """An action for buttons with ``prefix:field:...``: its button class is made from
        the prefix, the field types and the handler's parameter names; a class of
        ``bot/callbacks.py`` (a button that services put in outbox messages) brings its own.
        ``per_person``: on a shared phone it is for one person, chosen among ``people``
        (a function of the button's fields; default everyone on the phone): asked when
        more than one may be meant."""

        def deco(fn: ActionFn) -> ButtonAction:
            if isinstance(prefix, str):
                names = list(inspect.signature(fn).parameters)[1 : 1 + len(arg_types)]
                spec = Callback(prefix, tuple(arg_types), (fn.__doc__ or "").strip(), names)
            else:
                spec = prefix
            act = ButtonAction(spec, roles, fn, per_person or people is not None, people, ask)
            self.actions.append(act)
            return act

        return deco

    def input(
        self,
        dialogue: type[D],
        roles: frozenset[Role],
        *,
        contact: bool = False,
        hint: str = "common.type_text",
        media: bool = False,
        prose: bool = False,
        voice: bool = False,
        location: bool = False,
    ) -> Callable[[InputF], InputF]:
        """An input for free text (or a contact, a photo, a voice note, a location) while
        her pending dialogue is a ``dialogue``; the function gets that state, read back
        typed."""

        def deco(fn: InputF) -> InputF:
            self.inputs.append(
                Input(dialogue, roles, fn, contact, hint, media, prose, voice, location)
            )
            return fn

        return deco

    def on_chat_member(self, fn: ChatMemberFn) -> ChatMemberFn:
        self.chat_member_hooks.append(fn)
        return fn

    def on_free_text(self, fn: FreeTextFn) -> FreeTextFn:
        self.free_text_hooks.append(fn)
        return fn

    def on_unclaimed_text(self, fn: FreeTextFn) -> FreeTextFn:
        """Text that no pending dialogue asked for: a hook that returns True has answered
        it; otherwise she is told the bot did not understand."""
        self.unclaimed_text_hooks.append(fn)
        return fn

    def on_unclaimed_media(self, fn: MediaFn) -> MediaFn:
        """A photo (or other media) that no pending dialogue asked for: a hook that returns
        True has answered it; otherwise she is told the bot reads text only."""
        self.unclaimed_media_hooks.append(fn)
        return fn


class Dispatcher:
    """Routes private-chat updates to the registry, after the role check."""

    def __init__(self, routers: Iterable[Router]) -> None:
        self.commands: dict[str, Command] = {}
        self.actions: dict[str, ButtonAction] = {}
        self.inputs: dict[str, Input] = {}
        self.chat_member_hooks: list[ChatMemberFn] = []
        self.free_text_hooks: list[FreeTextFn] = []
        self.unclaimed_text_hooks: list[FreeTextFn] = []
        self.unclaimed_media_hooks: list[MediaFn] = []
        for router in routers:
            for cmd in router.commands:
                self._add(self.commands, cmd.name, cmd)
            for act in router.actions:
                self._add(self.actions, act.prefix, act)
            for inp in router.inputs:
                self._add(self.inputs, inp.dialogue.kind, inp)
            self.chat_member_hooks.extend(router.chat_member_hooks)
            self.free_text_hooks.extend(router.free_text_hooks)
            self.unclaimed_text_hooks.extend(router.unclaimed_text_hooks)
            self.unclaimed_media_hooks.extend(router.unclaimed_media_hooks)

    @staticmethod
    def _add(table: dict[str, Any], key: str, value: Any) -> None:
        if key in table:
            raise ValueError(f"registered twice: {key}")
        table[key] = value

    # -- menus ------------------------------------------------------------------

    def menu_for(self, role: Role, services: Services) -> list[BotCommand]:
        roles = {role, Role.PARTICIPANT} if role is Role.LEADER else {role}
        return [
            BotCommand(cmd.name, services.catalog.t(cmd.menu))
            for cmd in self.commands.values()
            if cmd.menu is not None and cmd.roles & roles
        ]

    async def set_menu(self, context: BotContext, chat_id: int, role: Role) -> None:
        """Set the ``/`` menu of one private chat to what its role may use."""
        try:
            await context.bot.set_my_commands(
                self.menu_for(role, context.services), scope=BotCommandScopeChat(chat_id)
            )
        except TelegramError as exc:  # the menu is a convenience; never fail an action on it
            log.warning("setting the command menu failed: %s", exc)

    async def set_default_menu(self, context_bot: Any, services: Services) -> None:
        await context_bot.set_my_commands(
            self.menu_for(Role.STRANGER, services), scope=BotCommandScopeAllPrivateChats()
        )

    # -- entry points -----------------------------------------------------------

    async def _call(self, update: Update, context: BotContext) -> Call | None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            return None
        services = context.services
        actor = await services.onboarding.actor(user.id)
        now = services.clock.now()
        if any(not person.reachable for person, _ in actor.people):
            # Any update from her proves the bot can reach her again.
            await services.reachability.reached(actor.telegram_id, now)
        return Call(update, context, actor, now)

    async def _refuse(self, call: Call) -> None:
        key = "auth.not_registered" if not call.actor.registered else "auth.not_allowed"
        if call.query is not None:
            await call.toast(call.t(key), alert=True)
        else:
            await call.reply(call.t(key))

    async def on_command(self, update: Update, context: BotContext) -> None:
        call = await self._call(update, context)
        message = update.effective_message
        if call is None or message is None or not message.text:
            return
        head, *args = message.text.split()
        name = head[1:].split("@", 1)[0].lower()
        command = self.commands.get(name)
        if command is None:
            await call.reply(call.t("common.unknown_command"))
            return
        if not allowed(call.actor, command.roles):
            able = able_people(call.actor, command.roles)
            if not able:
                await self._refuse(call)
                return
            # A shared phone where another person may do this (the group's leader)
            if not await for_whom(call, " ".join(["/" + name, *args]), able, command.ask):
                return
        elif command.per_person and not await for_whom(call, "/" + name, None, command.ask):
            return
        await command.callback(call, args)

    # -- shared phones ------------------------------------------------------------

    async def run_as(self, call: Call, participant_id: int, what: str) -> None:
        """The answer to "Untuk siapa?" (``handlers/phone.py``): what was asked runs as her."""
        if not await call.act_as(participant_id):
            await call.toast(call.t("common.stale_button"), alert=True)
            return
        if what.startswith("/"):  # a command, with its arguments ("/hadir 1234")
            name, *words = what[1:].split(" ")
            command = self.commands.get(name)
            if command is None or not allowed(call.actor, command.roles):
                await call.toast(call.t("common.stale_button"), alert=True)
                return
            await command.callback(call, words)
            return
        prefix, *parts = what.split(".")
        action = self.actions.get(prefix)
        args = action.parse(parts) if action is not None and action.per_person else None
        if action is None or args is None:
            await call.toast(call.t("common.stale_button"), alert=True)
            return
        if not allowed(call.actor, action.roles):
            await self._refuse(call)
            return
        if action.people is not None and participant_id not in await action.people(call, *args):
            await call.toast(call.t("common.stale_button"), alert=True)
            return
        await action.callback(call, *args)

    async def on_callback(self, update: Update, context: BotContext) -> None:
        call = await self._call(update, context)
        query = update.callback_query
        if call is None or query is None:
            return
        try:
            prefix, *parts = (query.data or "").split(":")
            action = self.actions.get(prefix)
            args = action.parse(parts) if action is not None else None
            if action is None or args is None:
                await call.toast(call.t("common.stale_button"), alert=True)
                return
            able: list[int] | None = None
            if not allowed(call.actor, action.roles):
                able = able_people(call.actor, action.roles)
                if not able or not action.per_person:
                    await self._refuse(call)
                    return
            if action.per_person:
                people = await action.people(call, *args) if action.people is not None else able
                if able is not None and people is not None:
                    people = [i for i in people if i in able]
                if not await for_whom(call, query.data or "", people, action.ask):
                    return
                if not allowed(call.actor, action.roles):
                    await self._refuse(call)
                    return
            await action.callback(call, *args)
        finally:
            await call.toast()

    async def on_message(self, update: Update, context: BotContext) -> None:
        """Text, a shared contact, or anything else, in a private chat."""
        call = await self._call(update, context)
        message = update.effective_message
        if call is None or message is None:
            return
        services = context.services
        # The query that found who she is also said whether a dialogue is pending.
        state = (
            await services.dialogues.state(call.actor.telegram_id) if call.actor.pending else None
        )
        if state is not None and call.now - state.updated_at > STATE_TTL:
            await call.clear_state()
            state = None
        inp = self.inputs.get(state.kind) if state is not None else None
        dialogue = inp.dialogue.of(state) if inp is not None else None
        if state is not None and (
            inp is None or dialogue is None or not allowed(call.actor, inp.roles)
        ):  # her role changed, or a row this version cannot read: start afresh
            await call.clear_state()
            inp = None
        # Free text is first offered to the free-text hooks (a call for help), unless the
        # pending dialogue asked for prose; a dialogue that asked for a code or a name
        # stays pending.
        if message.text and (inp is None or state is None or not inp.prose):
            for hook in self.free_text_hooks:
                if await hook(call, message.text):
                    return
        if inp is None or dialogue is None:
            if message.text:
                for hook in self.unclaimed_text_hooks:
                    if await hook(call, message.text):
                        return
                await call.reply(call.t("common.not_understood"))
            elif message.contact:
                await call.reply(call.t("common.contact_not_needed"))
            else:
                for media_hook in self.unclaimed_media_hooks:
                    if await media_hook(call):
                        return
                await call.reply(call.t("common.text_only"))
            return
        if (
            message.text
            or (message.contact and inp.contact)
            or (message.photo and inp.media)
            or (message.voice and inp.voice)
            or (message.location and inp.location)
        ):
            await inp.callback(call, dialogue)
        else:
            await call.reply(call.t(inp.hint))

    async def on_group_message(self, update: Update, context: BotContext) -> None:
        """In group chats the bot explains itself once and otherwise stays silent."""
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        services = context.services
        if await services.onboarding.group_chat_notified(chat.id, services.clock.now()):
            try:
                await context.bot.send_message(
                    chat.id, services.catalog.t("group_chat.private_only")
                )
            except (Forbidden, BadRequest) as exc:
                log.info("could not explain myself in a group chat: %s", exc)

    async def on_chat_member(self, update: Update, context: BotContext) -> None:
        chat = update.effective_chat
        if chat is not None and chat.type != ChatType.PRIVATE:
            member = update.my_chat_member
            if member is not None and member.new_chat_member.status in {"member", "administrator"}:
                await self.on_group_message(update, context)
            return
        for hook in self.chat_member_hooks:
            await hook(update, context)


def keyboard(*rows: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )
