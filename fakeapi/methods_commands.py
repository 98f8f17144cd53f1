"""The fake Bot API's methods: command lists, the bot's name and descriptions, the menu button.

Each is ``(api, params, files)`` on the state of :class:`fakeapi.core.FakeBotAPI`,
which dispatches to them by method name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fakeapi.models import (
    _COMMAND_RE,
    JSON,
    ApiError,
    Files,
    _Params,
)

if TYPE_CHECKING:
    from fakeapi.core import FakeBotAPI


def scope_key(api: FakeBotAPI, p: _Params) -> tuple[str, int | None, int | None, str]:
    scope = p.obj("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
    kind = str(scope["type"])
    known = {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
    if kind not in known:
        raise ApiError(400, "Bad Request: wrong BotCommandScope type specified")
    chat_id: int | None = None
    user_id: int | None = None
    if kind in ("chat", "chat_administrators", "chat_member"):
        chat_id = api._resolve_chat(_Params({"chat_id": scope.get("chat_id")}))
    if kind == "chat_member":
        user_id = int(scope.get("user_id", 0))
        if user_id not in api.users:
            raise ApiError(400, "Bad Request: user not found")
    language = p.string("language_code", "") or ""
    return kind, chat_id, user_id, language


async def set_my_commands(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    commands = p.obj("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND_RE.match(str(command.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        description = str(command.get("description", ""))
        if not 1 <= len(description) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    key = scope_key(api, p)
    if commands:
        api.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
    else:
        api.commands.pop(key, None)
    return True


async def get_my_commands(api: FakeBotAPI, p: _Params, files: Files) -> list[JSON]:
    return list(api.commands.get(scope_key(api, p), []))


async def delete_my_commands(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    api.commands.pop(scope_key(api, p), None)
    return True


def set_bot_text(
    api: FakeBotAPI, field_name: str, param: str
) -> Callable[[_Params, Files], Awaitable[Any]]:
    async def handler(p: _Params, files: Files) -> bool:
        api.bot_texts[(field_name, p.string("language_code", "") or "")] = (
            p.string(param, "") or ""
        )
        return True

    return handler


def get_bot_text(
    api: FakeBotAPI, field_name: str, param: str
) -> Callable[[_Params, Files], Awaitable[Any]]:
    async def handler(p: _Params, files: Files) -> JSON:
        language = p.string("language_code", "") or ""
        value = api.bot_texts.get((field_name, language)) or api.bot_texts.get(
            (field_name, ""), api.first_name if field_name == "name" else ""
        )
        return {param: value}

    return handler


async def set_chat_menu_button(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    chat_id = api._resolve_chat(p) if p.has("chat_id") else None
    button = p.obj("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in (
        "default",
        "commands",
        "web_app",
    ):
        raise ApiError(400, "Bad Request: can't parse menu button JSON object")
    api.menu_buttons[chat_id] = button
    return True


async def get_chat_menu_button(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    chat_id = api._resolve_chat(p) if p.has("chat_id") else None
    return api.menu_buttons.get(chat_id) or api.menu_buttons.get(None) or {"type": "default"}
