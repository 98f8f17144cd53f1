"""The fake Bot API's methods: documents, photos, files, chat actions and getChat.

Each is ``(api, params, files)`` on the state of :class:`fakeapi.core.FakeBotAPI`,
which dispatches to them by method name."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING

from fakeapi.methods_messages import editable, edited
from fakeapi.models import (
    CHAT_ACTIONS,
    JSON,
    MAX_CAPTION_LENGTH,
    ApiError,
    Files,
    StoredFile,
    _image_size,
    _Params,
)

if TYPE_CHECKING:
    from fakeapi.core import FakeBotAPI


def input_file(api: FakeBotAPI, p: _Params, files: Files, name: str, kind: str) -> StoredFile:
    value = p.string(name)
    upload: tuple[str, bytes] | None = None
    if value is None:
        upload = files.get(name)
    elif value.startswith("attach://"):
        upload = files.get(value.removeprefix("attach://"))
    elif value.lower().startswith(("http://", "https://")):
        file_name = value.rsplit("/", 1)[-1] or "file"
        return api._store_file(kind, b"", file_name, mimetypes.guess_type(file_name)[0])
    else:
        known = api._files.get(value)
        if known is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if (known.kind == "photo") != (kind == "photo") or (known.kind == "voice") != (
            kind == "voice"
        ):
            raise ApiError(400, "Bad Request: type of file mismatch")
        return known
    if upload is None:
        raise ApiError(400, f"Bad Request: there is no {name} in the request")
    file_name, data = upload
    if kind == "photo" and _image_size(data) is None:
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    if kind == "voice" and not data.startswith(b"OggS"):
        raise ApiError(400, "Bad Request: VOICE_MESSAGES_FORBIDDEN or not an OGG file")
    if kind == "document" and not data:
        raise ApiError(400, "Bad Request: file must be non-empty")
    mime = mimetypes.guess_type(file_name)[0] if file_name else None
    return api._store_file(kind, data, file_name, mime or "application/octet-stream")


def caption(api: FakeBotAPI, p: _Params, extra: JSON) -> None:
    if p.has("caption"):
        caption, entities = api._format(p, "caption", "caption_entities", MAX_CAPTION_LENGTH, "")
        if caption:
            extra["caption"] = caption
        if entities:
            extra["caption_entities"] = entities


async def send_document(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    chat_id = api._sendable_chat(p)
    stored = input_file(api, p, files, "document", "document")
    document: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    extra: JSON = {"document": document}
    caption(api, p, extra)
    return api._bot_message(chat_id, extra, api._reply_markup(p), p)


async def send_photo(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    chat_id = api._sendable_chat(p)
    stored = input_file(api, p, files, "photo", "photo")
    extra: JSON = {"photo": _photo_sizes(api, stored)}
    caption(api, p, extra)
    return api._bot_message(chat_id, extra, api._reply_markup(p), p)


def _photo_sizes(api: FakeBotAPI, stored: StoredFile) -> list[JSON]:
    width, height = _image_size(stored.data) or (800, 600)
    scale = min(1.0, 90 / max(width, height, 1))
    return [
        api._photo_size(stored, max(1, int(width * scale)), max(1, int(height * scale))),
        api._photo_size(stored, width, height),
    ]


async def edit_message_media(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    """A new photo (and caption) for a message of the bot's that has media (photos only)."""
    _chat_id, stored = editable(api, p)
    media = p.obj("media")
    if not isinstance(media, dict) or media.get("type") != "photo":
        raise ApiError(400, "Bad Request: can't parse InputMedia: unsupported media type")
    if not any(k in stored for k in ("photo", "document", "video", "audio", "animation")):
        raise ApiError(400, "Bad Request: there is no media in the message to edit")
    inner = _Params(media)
    photo = input_file(api, inner, files, "media", "photo")
    markup = api._reply_markup(p, inline_only=True)
    for key in ("photo", "document", "caption", "caption_entities"):
        stored.pop(key, None)
    stored["photo"] = _photo_sizes(api, photo)
    caption(api, inner, stored)
    return edited(api, stored, markup)


async def send_voice(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    """A voice note: uploaded (multipart, must be an OGG file) or sent again by file id."""
    chat_id = api._sendable_chat(p)
    stored = input_file(api, p, files, "voice", "voice")
    duration = p.raw.get("duration")
    voice: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "duration": int(duration) if duration not in (None, "") else 1,
        "mime_type": "audio/ogg",
        "file_size": len(stored.data),
    }
    extra: JSON = {"voice": voice}
    caption(api, p, extra)
    return api._bot_message(chat_id, extra, api._reply_markup(p), p)


async def get_file(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    file_id = p.string("file_id")
    stored = api._files.get(file_id or "")
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


async def send_chat_action(api: FakeBotAPI, p: _Params, files: Files) -> bool:
    chat_id = api._sendable_chat(p)
    action = p.string("action")
    if action not in CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    api.chat_actions.append((chat_id, action))
    return True


async def get_chat(api: FakeBotAPI, p: _Params, files: Files) -> JSON:
    chat_id = api._resolve_chat(p)
    group = api.groups.get(chat_id)
    if group is not None and group.bot_status in ("left", "kicked"):
        raise ApiError(403, "Forbidden: bot is not a member of the group chat")
    info: JSON = {
        **api._chat_dict(chat_id),
        "accent_color_id": chat_id % 7,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    return info
