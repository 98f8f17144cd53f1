"""The fake Bot API's methods: sending, editing and deleting messages, answering callback queries.

Each is ``(api, params, files)`` on the state of :class:`fakeapi.core.FakeBotAPI`,
which dispatches to them by method name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakeapi.models import (
    DELETE_WINDOW,
    JSON,
    MAX_MESSAGE_LENGTH,
    NOT_MODIFIED,
    ApiError,
    Files,
    _Params,
)

if TYPE_CHECKING:
    from fakeapi.core import FakeBotAPI


async def send_message(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    chat_id = api._sendable_chat(p)
    text, entities = api._format(
        p, "text", "entities", MAX_MESSAGE_LENGTH, "Bad Request: message text is empty"
    )
    markup = api._reply_markup(p)
    extra: JSON = {"text": text}
    if entities:
        extra["entities"] = entities
    preview = p.obj("link_preview_options")
    if isinstance(preview, dict) and preview:
        extra["link_preview_options"] = preview
    message = api._bot_message(chat_id, extra, markup, p)
    api.sent_message_count += 1
    return message


def editable(api: FakeBotAPI, p: _Params) -> tuple[int, JSON]:
    if p.has("inline_message_id"):
        raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
    chat_id = api._resolve_chat(p)
    api._check_can_send(chat_id)
    message_id = p.integer("message_id")
    if message_id is None:
        raise ApiError(400, "Bad Request: message identifier is not specified")
    stored = api._stored_message(chat_id, message_id)
    if stored is None:
        if not api.keep_messages and 0 < message_id < api._next_message_id.get(chat_id, 1):
            stored = {
                "message_id": message_id,
                "from": api._bot_user(),
                "chat": api._chat_dict(chat_id),
                "date": api._date(),
                "text": "",
            }
        else:
            raise ApiError(400, "Bad Request: message to edit not found")
    if stored.get("from", {}).get("id") != api.bot_id:
        raise ApiError(400, "Bad Request: message can't be edited")
    return chat_id, stored


async def edit_message_text(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    _chat_id, stored = editable(api, p)
    if "text" not in stored:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    text, entities = api._format(
        p, "text", "entities", MAX_MESSAGE_LENGTH, "Bad Request: message text is empty"
    )
    markup = api._reply_markup(p, inline_only=True)
    if (
        text == stored.get("text")
        and entities == stored.get("entities", [])
        and markup == stored.get("reply_markup")
    ):
        raise ApiError(400, NOT_MODIFIED)
    stored["text"] = text
    if entities:
        stored["entities"] = entities
    else:
        stored.pop("entities", None)
    return edited(api, stored, markup)


def edited(api: FakeBotAPI, stored: JSON, markup: JSON | None) -> JSON:
    """Finish an edit: the new inline keyboard (or none) and the edit date."""
    if markup is None:
        stored.pop("reply_markup", None)
    else:
        stored["reply_markup"] = markup
    stored["edit_date"] = api._date()
    return dict(stored)


async def edit_message_reply_markup(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    _chat_id, stored = editable(api, p)
    markup = api._reply_markup(p, inline_only=True)
    if markup == stored.get("reply_markup") or (markup is None and "reply_markup" not in stored):
        raise ApiError(400, NOT_MODIFIED)
    return edited(api, stored, markup)


async def delete_message(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    chat_id = api._resolve_chat(p)
    message_id = p.integer("message_id")
    if message_id is None:
        raise ApiError(400, "Bad Request: message identifier is not specified")
    stored = api._stored_message(chat_id, message_id)
    if stored is None:
        if not api.keep_messages and 0 < message_id < api._next_message_id.get(chat_id, 1):
            return True
        raise ApiError(400, "Bad Request: message to delete not found")
    if api._now().timestamp() - stored["date"] > DELETE_WINDOW.total_seconds():
        raise ApiError(400, "Bad Request: message can't be deleted for everyone")
    api._messages[chat_id].remove(stored)
    return True


async def answer_callback_query(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    query_id = p.string("callback_query_id")
    if not query_id or query_id not in api._callback_queries:
        raise ApiError(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    text = p.string("text")
    if text is not None and len(text) > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    api.callback_answers[query_id] = dict(p.raw)
    return True
