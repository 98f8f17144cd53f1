"""The fake Bot API's data: Telegram's limits and wordings, the users, chats, files and
call records it keeps, injected faults, and the parameter reader every method uses.
The state machine itself is :class:`fakeapi.core.FakeBotAPI`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

__all__ = [
    "ApiError",
    "CallRecord",
    "ChatLike",
    "FakeChat",
    "FakeUser",
    "Hold",
    "SimulatedDisconnect",
    "SimulatedTimeout",
    "StoredFile",
    "TransportFault",
]

JSON = dict[str, Any]
Files = dict[str, tuple[str, bytes]]

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
DELETE_WINDOW = timedelta(hours=48)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Parameters whose wire form (form-encoded / multipart) is JSON; everything else is a string.
_JSON_PARAMS = frozenset(
    {
        "chat_id",
        "user_id",
        "message_id",
        "message_ids",
        "message_thread_id",
        "reply_to_message_id",
        "reply_markup",
        "reply_parameters",
        "entities",
        "caption_entities",
        "link_preview_options",
        "disable_web_page_preview",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "show_caption_above_media",
        "has_spoiler",
        "disable_content_type_detection",
        "offset",
        "limit",
        "timeout",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "drop_pending_updates",
        "max_connections",
        "show_alert",
        "cache_time",
    }
)
# Methods the flood limiter counts (they put something in a chat).
_SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendSticker",
        "sendContact",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_BUTTON_URL_RE = re.compile(r"^(?:https?|tg)://\S+$", re.I)


# ----------------------------------------------------------------------------- public types


class ApiError(Exception):
    """A Bot API error answer (``{"ok": false, ...}``)."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        """The JSON body Telegram would send."""
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class TransportFault(Exception):
    """Raised by :meth:`FakeBotAPI.handle` when the transport must misbehave instead of
    answering. ``applied`` tells whether the call took effect before the fault."""

    def __init__(self, method: str, *, applied: bool) -> None:
        super().__init__(f"simulated {type(self).__name__} on {method}")
        self.method = method
        self.applied = applied


class SimulatedTimeout(TransportFault):
    """The answer must not arrive in time (HTTP: held back; in-process: ``TimedOut``)."""


class SimulatedDisconnect(TransportFault):
    """The connection must drop without an answer (in-process: ``NetworkError``)."""


@dataclass
class FakeUser:
    """A Telegram user. Their private chat with the bot has ``chat_id == id``."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "id"
    blocked: bool = False
    """The user blocked the bot (403 "bot was blocked by the user")."""
    deactivated: bool = False
    """The account was deleted (403 "user is deactivated")."""
    started: bool = True
    """Whether the user ever wrote to the bot; if not, sending gives 403 "bot can't initiate
    conversation with a user" as in Telegram."""

    @property
    def chat_id(self) -> int:
        return self.id

    def to_dict(self) -> JSON:
        """The Bot API ``User`` object."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_dict(self) -> JSON:
        """The Bot API ``Chat`` object of the private chat with the bot."""
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class FakeChat:
    """A group or supergroup."""

    id: int
    title: str
    type: Literal["group", "supergroup"] = "group"
    username: str | None = None
    bot_status: str = "left"
    """The bot's membership: ``left``, ``member``, ``administrator`` or ``kicked``."""
    members: set[int] = field(default_factory=set)

    @property
    def chat_id(self) -> int:
        return self.id

    def chat_dict(self) -> JSON:
        """The Bot API ``Chat`` object."""
        data: JSON = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


ChatLike = int | FakeUser | FakeChat


@dataclass
class CallRecord:
    """One Bot API call as the fake saw it (parameters already JSON-decoded)."""

    method: str
    params: JSON
    time: datetime
    files: tuple[str, ...] = ()
    status: int = 0
    """HTTP status answered; 0 while running or when a transport fault was injected."""
    fault: str | None = None
    """``"timeout"`` or ``"drop"`` when a transport fault was injected."""


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def file_path(self) -> str:
        folder = {"photo": "photos", "sticker": "stickers", "voice": "voice"}.get(
            self.kind, "documents"
        )
        suffix = ""
        if self.file_name and "." in self.file_name:
            suffix = "." + self.file_name.rsplit(".", 1)[1]
        elif self.kind == "photo":
            suffix = ".jpg"
        elif self.kind == "sticker":
            suffix = ".webp"
        elif self.kind == "voice":
            suffix = ".oga"
        return f"{folder}/file_{self.file_unique_id}{suffix}"


class Hold:
    """A call held by :meth:`FakeBotAPI.hold_next`: it waits, unanswered, until the test
    releases it (then it is answered as usual) or drops it (no answer, not applied)."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        """Set once the held call has reached the fake."""
        self._released = asyncio.Event()
        self._drop = False

    def release(self) -> None:
        self._released.set()

    def drop(self) -> None:
        self._drop = True
        self._released.set()

    async def _wait(self) -> bool:
        """Hold the call; True if it is to be answered."""
        self.arrived.set()
        await self._released.wait()
        return not self._drop


@dataclass
class _Fault:
    method: str | None
    kind: Literal["error", "timeout", "drop", "hold"]
    count: int
    chat_id: int | None = None
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    applied: bool = False
    hold: Hold | None = None


class _Params:
    """Typed access to call parameters with Telegram-worded errors."""

    def __init__(self, raw: JSON) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def number(self, name: str, default: float = 0.0) -> float:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def obj(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value


def _normalize(params: JSON) -> JSON:
    """Decode the JSON-typed parameters of a form-encoded call; leave strings alone."""
    result: JSON = {}
    for name, value in params.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if name in _JSON_PARAMS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        result[name] = value
    return result


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG/JPEG/GIF/WEBP image, or None if it is not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            (seg_len,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + int(seg_len)
        return 800, 600
    return None


# A 1x1 PNG used for photos sent by simulated users.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


# ------------------------------------------------------------------------------- the fake
