"""The fake Telegram Bot API: one transport-agnostic state machine.

:class:`FakeBotAPI` holds everything Telegram would hold for one bot (users, chats, messages,
files, pending updates, commands, webhook) and answers Bot API calls through
:meth:`FakeBotAPI.handle` with the HTTP status and JSON body Telegram would send, worded as
Telegram words them. Transports put it on the wire:

* :class:`fakeapi.FakeRequest` plugs it into python-telegram-bot in the same process;
* :class:`fakeapi.FakeBotAPIServer` serves it over HTTP on 127.0.0.1 so a separate
  ``python -m bot run`` process can talk to it through ``base_url``.

Tests and simulators play the users through the *driving API* (:meth:`~FakeBotAPI.add_user`,
:meth:`~FakeBotAPI.send_text`, :meth:`~FakeBotAPI.press_button`, :meth:`~FakeBotAPI.block_bot`,
...), which creates updates for ``getUpdates``, and observe the bot through
:meth:`~FakeBotAPI.messages`, :attr:`~FakeBotAPI.calls` and the waiting helpers
:meth:`~FakeBotAPI.wait_for` / :meth:`~FakeBotAPI.wait_for_message`, which wake on every bot
call (no polling sleeps)::

    fake = FakeBotAPI()
    ani = fake.add_user("Ani")
    fake.send_text(ani, "/start")
    reply = await fake.wait_for_message(ani, containing="Selamat datang")
    fake.press_button(ani, reply, "menu:jadwal")

Faults are injected with :meth:`~FakeBotAPI.fail_next` (any Telegram error, e.g. 429 with
``retry_after``), :meth:`~FakeBotAPI.timeout_next` and :meth:`~FakeBotAPI.drop_next`; an
optional flood limiter answers 429 like Telegram's (see :meth:`~FakeBotAPI.set_flood_limit`).

Everything runs on one asyncio loop; nothing here is thread-safe.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from fakeapi import methods_commands, methods_files, methods_messages, methods_updates
from fakeapi.formatting import (
    EntityParseError,
    detect_entities,
    parse_text,
    strip_text,
    utf16_len,
)
from fakeapi.models import (
    _BUTTON_URL_RE,
    _SENDING_METHODS,
    _TOKEN_RE,
    DEFAULT_ALLOWED_UPDATES,
    JSON,
    MAX_CALLBACK_DATA_BYTES,
    MAX_MESSAGE_LENGTH,
    TINY_PNG,
    ApiError,
    CallRecord,
    ChatLike,
    FakeChat,
    FakeUser,
    Files,
    Hold,
    SimulatedDisconnect,
    SimulatedTimeout,
    StoredFile,
    TransportFault,
    _Fault,
    _image_size,
    _normalize,
    _Params,
)

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "ApiError",
    "CallRecord",
    "ChatLike",
    "FakeBotAPI",
    "FakeChat",
    "FakeUser",
    "Hold",
    "SimulatedDisconnect",
    "SimulatedTimeout",
    "StoredFile",
    "TransportFault",
]


class FakeBotAPI:
    """A fake Telegram Bot API for one bot.

    Args:
        token: if given, only this token is accepted (others get 401 ``Unauthorized``, or 404
            ``Not Found`` if malformed) and the bot id is taken from it; by default any token.
        bot_id, username, first_name: the bot's identity (``getMe``).
        now: the clock for message dates, flood limits and the 48 h delete window.
        keep_messages: store every message; when False (benchmarks) only counters and the
            ``recent_messages`` latest messages per chat are kept, and the call log is capped.
        flood_limit: start with Telegram-like flood limits on (see :meth:`set_flood_limit`).
        group_privacy: privacy mode: in groups the bot only sees commands, mentions of it,
            replies to its messages and service messages.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_id: int = 7_000_000_001,
        username: str = "p2k2_test_bot",
        first_name: str = "P2K2 Test Bot",
        now: Callable[[], datetime] | None = None,
        keep_messages: bool = True,
        recent_messages: int = 5,
        call_log_limit: int | None = None,
        flood_limit: bool = False,
        group_privacy: bool = True,
        auto_users: bool = False,
    ) -> None:
        if token is not None and token.split(":", 1)[0].isdigit():
            bot_id = int(token.split(":", 1)[0])
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name
        self._now = now or (lambda: datetime.now(UTC))
        self.keep_messages = keep_messages
        self.group_privacy = group_privacy
        self.auto_users = auto_users
        """Any positive chat id the bot writes to is a user who started the bot (for
        benchmarks against a seeded database whose users the fake never saw)."""
        if call_log_limit is None and not keep_messages:
            call_log_limit = 1000
        self.calls: deque[CallRecord] = deque(maxlen=call_log_limit)
        """Every Bot API call, oldest first."""

        self.users: dict[int, FakeUser] = {}
        self.groups: dict[int, FakeChat] = {}
        self._next_user_id = 1_000_000_001
        self._next_group_id = 4_000_000_001
        self._messages: dict[int, deque[JSON]] = {}
        self._recent_limit = recent_messages
        self._next_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, JSON | None] = {}
        self._updates: deque[JSON] = deque()
        self._next_update_id = 100_000_001
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self._polling = 0
        self._updates_event = asyncio.Event()
        self._change_event = asyncio.Event()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._next_file = 1
        self._callback_queries: dict[str, JSON] = {}
        self.callback_answers: dict[str, JSON] = {}
        """Parameters of ``answerCallbackQuery`` by callback query id."""
        self._next_callback = 4_400_000_000_000_000_001
        self.commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = {}
        """Stored command lists by (scope type, chat_id, user_id, language_code)."""
        self.menu_buttons: dict[int | None, JSON] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.webhook_url = ""
        self.chat_actions: deque[tuple[int, str]] = deque(maxlen=1000)
        self._faults: list[_Fault] = []
        self._flood: tuple[int, int, float] | None = (1, 30, 1.0) if flood_limit else None
        self._flood_chat: dict[int, deque[float]] = {}
        self._flood_bot: deque[float] = deque()
        self.sent_message_count = 0
        """Successful ``sendMessage`` calls."""
        self.sent_by_chat: Counter[int] = Counter()
        """Messages (of any kind) the bot sent, per chat."""
        self.method_counts: Counter[str] = Counter()
        """Calls per method (including failed ones)."""
        self._methods: dict[str, Callable[[_Params, Files], Awaitable[Any]]] = {
            "getMe": functools.partial(methods_updates.get_me, self),
            "logOut": functools.partial(methods_updates.true, self),
            "close": functools.partial(methods_updates.true, self),
            "getUpdates": functools.partial(methods_updates.get_updates, self),
            "setWebhook": functools.partial(methods_updates.set_webhook, self),
            "deleteWebhook": functools.partial(methods_updates.delete_webhook, self),
            "getWebhookInfo": functools.partial(methods_updates.get_webhook_info, self),
            "setMyCommands": functools.partial(methods_commands.set_my_commands, self),
            "getMyCommands": functools.partial(methods_commands.get_my_commands, self),
            "deleteMyCommands": functools.partial(methods_commands.delete_my_commands, self),
            "setMyName": methods_commands.set_bot_text(self, "name", "name"),
            "getMyName": methods_commands.get_bot_text(self, "name", "name"),
            "setMyDescription": methods_commands.set_bot_text(self, "description", "description"),
            "getMyDescription": methods_commands.get_bot_text(self, "description", "description"),
            "setMyShortDescription": methods_commands.set_bot_text(
                self, "short_description", "short_description"
            ),
            "getMyShortDescription": methods_commands.get_bot_text(
                self, "short_description", "short_description"
            ),
            "setChatMenuButton": functools.partial(methods_commands.set_chat_menu_button, self),
            "getChatMenuButton": functools.partial(methods_commands.get_chat_menu_button, self),
            "sendMessage": functools.partial(methods_messages.send_message, self),
            "editMessageText": functools.partial(methods_messages.edit_message_text, self),
            "editMessageReplyMarkup": functools.partial(
                methods_messages.edit_message_reply_markup, self
            ),
            "deleteMessage": functools.partial(methods_messages.delete_message, self),
            "answerCallbackQuery": functools.partial(methods_messages.answer_callback_query, self),
            "sendDocument": functools.partial(methods_files.send_document, self),
            "sendPhoto": functools.partial(methods_files.send_photo, self),
            "sendVoice": functools.partial(methods_files.send_voice, self),
            "editMessageMedia": functools.partial(methods_files.edit_message_media, self),
            "getFile": functools.partial(methods_files.get_file, self),
            "sendChatAction": functools.partial(methods_files.send_chat_action, self),
            "getChat": functools.partial(methods_files.get_chat, self),
        }
        self._method_names = {name.lower(): name for name in self._methods}

    # ------------------------------------------------------------------------- entry point

    async def handle(
        self,
        method: str,
        params: JSON,
        files: Files | None = None,
        *,
        token: str | None = None,
    ) -> tuple[int, JSON]:
        """Answer one Bot API call: ``(HTTP status, JSON body)``.

        ``params`` may hold native JSON values or their wire form (strings, as in
        form-encoded and multipart requests). ``files`` maps multipart part names to
        ``(filename, content)``. ``token`` is the token from the URL, checked when the fake
        was created with one.

        Raises :class:`SimulatedTimeout` / :class:`SimulatedDisconnect` when such a fault was
        injected; transports turn them into the matching network failure.
        """
        files = files or {}
        name = self._method_names.get(method.lower(), method)
        normalized = _normalize(params)
        record = CallRecord(name, normalized, self._now(), tuple(files))
        self.calls.append(record)
        self.method_counts[name] += 1
        fault: _Fault | None = None
        try:
            self._check_token(token)
            handler = self._methods.get(name)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            p = _Params(normalized)
            fault = self._take_fault(name, p)
            if fault is not None and fault.kind == "error":
                raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)
            if fault is not None and fault.hold is not None:
                self._notify()  # a test may wait for the held call to arrive
                held, fault = fault, None
                assert held.hold is not None
                if not await held.hold._wait():
                    raise SimulatedDisconnect(name, applied=False)
            if fault is not None and not fault.applied:
                raise self._transport_fault(fault, name, record)
            if self._flood is not None and name in _SENDING_METHODS:
                self._check_flood(p)
            result = await handler(p, files)
            if fault is not None:
                raise self._transport_fault(fault, name, record)
            record.status = 200
            return 200, {"ok": True, "result": result}
        except ApiError as error:
            record.status = error.status
            return error.status, error.body()
        finally:
            self._notify()

    @staticmethod
    def _transport_fault(fault: _Fault, method: str, record: CallRecord) -> TransportFault:
        record.fault = fault.kind
        if fault.kind == "timeout":
            return SimulatedTimeout(method, applied=fault.applied)
        return SimulatedDisconnect(method, applied=fault.applied)

    def _check_token(self, token: str | None) -> None:
        if self.token is None or token is None or token == self.token:
            return
        if _TOKEN_RE.match(token):
            raise ApiError(401, "Unauthorized")
        raise ApiError(404, "Not Found")

    def file_by_path(self, file_path: str, token: str | None = None) -> bytes | None:
        """Contents of a file for the download URL ``{base_file_url}{token}/{file_path}``."""
        if self.token is not None and token is not None and token != self.token:
            return None
        stored = self._files_by_path.get(file_path)
        return stored.data if stored is not None else None

    # ------------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str | None,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: ChatLike | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` (any method if None; only those for
        ``chat_id`` if given) with an error. ``description`` defaults to Telegram's wording
        for ``status`` (e.g. "Too Many Requests: retry after N" for 429)."""
        if status == 429 and retry_after is None:
            retry_after = 5
        if description is None:
            description = {
                400: "Bad Request",
                401: "Unauthorized",
                403: "Forbidden",
                404: "Not Found",
                409: "Conflict",
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(status, "Error")
        self._faults.append(
            _Fault(
                self._canonical(method),
                "error",
                count,
                self._chat_id_or_none(chat_id),
                status,
                description,
                retry_after,
            )
        )

    def timeout_next(self, method: str | None, count: int = 1, *, applied: bool = False) -> None:
        """Let the next ``count`` calls of ``method`` time out. With ``applied=True`` the call
        takes effect (e.g. the message is sent) but the answer is lost, which Telegram does."""
        self._faults.append(_Fault(self._canonical(method), "timeout", count, applied=applied))

    def drop_next(self, method: str | None, count: int = 1, *, applied: bool = False) -> None:
        """Drop the connection (no answer) for the next ``count`` calls of ``method``."""
        self._faults.append(_Fault(self._canonical(method), "drop", count, applied=applied))

    def hold_next(self, method: str | None, *, chat_id: ChatLike | None = None) -> Hold:
        """Hold the next call of ``method`` (only one for ``chat_id`` if given) unanswered
        until the returned :class:`Hold` is released or dropped: a slow or stuck Telegram
        answer, under the test's control."""
        hold = Hold()
        self._faults.append(
            _Fault(self._canonical(method), "hold", 1, self._chat_id_or_none(chat_id), hold=hold)
        )
        return hold

    def clear_faults(self) -> None:
        """Forget all injected faults that have not fired yet."""
        self._faults.clear()

    def set_flood_limit(
        self,
        enabled: bool = True,
        *,
        per_chat: int = 1,
        per_bot: int = 30,
        window: float = 1.0,
    ) -> None:
        """Answer 429 "Too Many Requests: retry after N" when a chat gets more than
        ``per_chat`` or the bot sends more than ``per_bot`` messages within ``window``
        seconds of the fake's clock (sends and edits count)."""
        self._flood = (per_chat, per_bot, window) if enabled else None
        self._flood_chat.clear()
        self._flood_bot.clear()

    def _canonical(self, method: str | None) -> str | None:
        if method is None:
            return None
        return self._method_names.get(method.lower(), method)

    def _take_fault(self, method: str, p: _Params) -> _Fault | None:
        for fault in self._faults:
            if fault.method is not None and fault.method != method:
                continue
            if fault.chat_id is not None:
                raw = p.raw.get("chat_id")
                if raw is None or str(raw) != str(fault.chat_id):
                    continue
            fault.count -= 1
            if fault.count <= 0:
                self._faults.remove(fault)
            return fault
        return None

    def _check_flood(self, p: _Params) -> None:
        assert self._flood is not None
        per_chat, per_bot, window = self._flood
        now = self._now().timestamp()
        raw = p.raw.get("chat_id")
        chat_key = raw if isinstance(raw, int) else hash(str(raw))
        chat_q = self._flood_chat.setdefault(chat_key, deque())
        for queue in (chat_q, self._flood_bot):
            while queue and queue[0] <= now - window:
                queue.popleft()
        for queue, limit in ((chat_q, per_chat), (self._flood_bot, per_bot)):
            if len(queue) >= limit:
                retry = max(1, math.ceil(queue[0] + window - now))
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        chat_q.append(now)
        self._flood_bot.append(now)

    # ------------------------------------------------------------------------- observing

    def _chat_id(self, chat: ChatLike | JSON) -> int:
        if isinstance(chat, FakeUser | FakeChat):
            return chat.id
        if isinstance(chat, dict):
            return int(chat["chat"]["id"] if "chat" in chat else chat["id"])
        return int(chat)

    def _chat_id_or_none(self, chat: ChatLike | None) -> int | None:
        return None if chat is None else self._chat_id(chat)

    def messages(self, chat: ChatLike) -> list[JSON]:
        """All messages in a chat (the bot's and the users'), oldest first, as Bot API
        ``Message`` dicts. With ``keep_messages=False`` only the most recent few."""
        return list(self._messages.get(self._chat_id(chat), ()))

    def sent_by_bot(self, chat: ChatLike) -> list[JSON]:
        """The messages the bot sent to a chat, oldest first."""
        return [m for m in self.messages(chat) if m.get("from", {}).get("id") == self.bot_id]

    def last_message(self, chat: ChatLike, *, from_bot: bool = True) -> JSON | None:
        """The bot's latest message in a chat (any sender's with ``from_bot=False``)."""
        messages = self.sent_by_bot(chat) if from_bot else self.messages(chat)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat: ChatLike) -> JSON | None:
        """The reply keyboard (``ReplyKeyboardMarkup`` dict) the user currently sees."""
        return self._reply_keyboards.get(self._chat_id(chat))

    def file(self, file_id: str) -> StoredFile:
        """A stored file by id (``KeyError`` if unknown)."""
        return self._files[file_id]

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by ``getUpdates``."""
        return list(self._updates)

    @property
    def is_polling(self) -> bool:
        """Whether a ``getUpdates`` call is currently waiting for updates."""
        return self._polling > 0

    def _notify(self) -> None:
        self._change_event.set()
        self._change_event = asyncio.Event()

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,
        *,
        description: str | None = None,
    ) -> None:
        """Wait until ``predicate()`` is true, re-checking after every Bot API call and every
        driving-API action. Raises :class:`TimeoutError` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_message(description or repr(predicate), timeout))
            event = self._change_event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                if predicate():
                    return
                raise TimeoutError(
                    self._timeout_message(description or repr(predicate), timeout)
                ) from None

    async def wait_for_message(
        self,
        chat: ChatLike,
        *,
        containing: str | None = None,
        after: int | JSON = 0,
        timeout: float = 5.0,
    ) -> JSON:
        """Wait for a message from the bot in ``chat`` with ``message_id`` greater than
        ``after`` (an id or a message dict) whose text or caption contains ``containing``."""
        chat_id = self._chat_id(chat)
        after_id = int(after["message_id"]) if isinstance(after, dict) else after
        found: list[JSON] = []

        def match() -> bool:
            for message in self.sent_by_bot(chat_id):
                if message["message_id"] <= after_id:
                    continue
                body = message.get("text") or message.get("caption") or ""
                if containing is None or containing in body:
                    found.append(message)
                    return True
            return False

        what = f"a bot message in chat {chat_id} after #{after_id}"
        if containing is not None:
            what += f" containing {containing!r}"
        await self.wait_for(match, timeout, description=what)
        return found[0]

    def _timeout_message(self, what: str, timeout: float) -> str:
        recent = [
            f"  {c.method} {c.status or c.fault} {json.dumps(c.params, ensure_ascii=False)[:160]}"
            for c in list(self.calls)[-8:]
        ]
        return f"timed out after {timeout}s waiting for {what}; last bot calls:\n" + (
            "\n".join(recent) or "  (none)"
        )

    # --------------------------------------------------------------------- driving: users

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
        *,
        started: bool = True,
    ) -> FakeUser:
        """Create a user (and their private chat with the bot). No update is emitted."""
        user = FakeUser(
            self._next_user_id, first_name, last_name, username, language_code, started=started
        )
        self._next_user_id += 1
        self.users[user.id] = user
        return user

    def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        date: datetime | int | None = None,
        reply_to: int | JSON | None = None,
    ) -> JSON:
        """The user writes ``text`` to the bot. Commands get a ``bot_command`` entity (as do
        URLs, mentions etc.). ``date`` backdates the message (late delivery)."""
        extra: JSON = {"text": text}
        entities = detect_entities(text)
        if entities:
            extra["entities"] = entities
        if reply_to is not None:
            extra["reply_to_message"] = self._find_message(user.id, reply_to)
        return self._user_message(user, extra, date=date)

    def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        *,
        own: bool = True,
        first_name: str | None = None,
    ) -> JSON:
        """The user shares a contact: their own (``request_contact`` button; ``user_id`` set)
        or someone else's."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or (user.first_name if own else "Kontak"),
        }
        if own:
            if user.last_name:
                contact["last_name"] = user.last_name
            contact["user_id"] = user.id
        return self._user_message(user, {"contact": contact})

    def send_location(
        self, user: FakeUser, latitude: float, longitude: float, *, accuracy: float | None = None
    ) -> JSON:
        """The user shares a location (a ``request_location`` button, or the attachment
        menu); ``accuracy``: the phone's horizontal accuracy in metres."""
        location: JSON = {"latitude": latitude, "longitude": longitude}
        if accuracy is not None:
            location["horizontal_accuracy"] = accuracy
        return self._user_message(user, {"location": location})

    def send_photo(
        self, user: FakeUser, *, data: bytes = TINY_PNG, caption: str | None = None
    ) -> JSON:
        """The user sends a photo (two sizes, downloadable through ``getFile``)."""
        full = self._store_file("photo", data, None, "image/png")
        thumb = self._store_file("photo", data, None, "image/png")
        width, height = _image_size(data) or (800, 600)
        sizes = [
            self._photo_size(thumb, min(width, 90), min(height, 90)),
            self._photo_size(full, width, height),
        ]
        extra: JSON = {"photo": sizes}
        if caption:
            extra["caption"] = caption
        return self._user_message(user, extra)

    def send_voice(self, user: FakeUser, data: bytes, *, duration: int = 5) -> JSON:
        """The user records a voice note (OGG/Opus bytes, downloadable through ``getFile``)."""
        stored = self._store_file("voice", data, None, "audio/ogg")
        voice: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._user_message(user, {"voice": voice})

    def send_sticker(self, user: FakeUser, *, emoji: str = "👍") -> JSON:
        """The user sends a sticker."""
        stored = self._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", None, "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.data),
        }
        return self._user_message(user, {"sticker": sticker})

    def press_button(
        self,
        user: FakeUser,
        message: int | JSON,
        callback_data: str,
        *,
        chat: ChatLike | None = None,
        forge: bool = False,
    ) -> JSON:
        """The user presses the inline button carrying ``callback_data`` under ``message`` (an
        id in ``chat``, default the user's private chat, or a message dict). Raises
        ``ValueError`` if the message (as currently stored, i.e. after edits) has no such
        button, unless ``forge=True`` (e.g. a stale or tampered client)."""
        self._check_can_act(user)
        if isinstance(message, dict):
            chat_id = int(message["chat"]["id"])
            message_id = int(message["message_id"])
        else:
            chat_id = user.id if chat is None else self._chat_id(chat)
            message_id = message
        stored = self._stored_message(chat_id, message_id)
        if not forge:
            if stored is None:
                raise ValueError(f"no message #{message_id} in chat {chat_id}")
            buttons = [
                button.get("callback_data")
                for row in stored.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if callback_data not in buttons:
                raise ValueError(
                    f"message #{message_id} in chat {chat_id} has no button with callback_data "
                    f"{callback_data!r} (buttons: {buttons})"
                )
        if stored is None:
            chat_dict = self._chat_dict(chat_id)
            stored = {"message_id": message_id, "chat": chat_dict, "date": 0}
        query_id = str(self._next_callback)
        self._next_callback += 1
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": stored,
            "chat_instance": str((chat_id * 7_919 + 1_000_003) % 10**19),
            "data": callback_data,
        }
        self._callback_queries[query_id] = query
        user.started = True
        return self._emit("callback_query", query)

    def block_bot(self, user: FakeUser) -> JSON:
        """The user blocks the bot: later sends get 403; emits ``my_chat_member``
        (member → kicked)."""
        if user.blocked:
            raise ValueError(f"user {user.id} has already blocked the bot")
        user.blocked = True
        return self._emit_private_member(user, "member", "kicked")

    def unblock_bot(self, user: FakeUser) -> JSON:
        """The user unblocks the bot; emits ``my_chat_member`` (kicked → member)."""
        if not user.blocked:
            raise ValueError(f"user {user.id} has not blocked the bot")
        user.blocked = False
        return self._emit_private_member(user, "kicked", "member")

    def deactivate(self, user: FakeUser) -> None:
        """The user deletes their account: later sends get 403 "user is deactivated"."""
        user.deactivated = True
        self._notify()

    # -------------------------------------------------------------------- driving: groups

    def add_group_chat(
        self,
        title: str,
        *,
        supergroup: bool = False,
        username: str | None = None,
    ) -> FakeChat:
        """Create a group (the bot is not a member yet)."""
        n = self._next_group_id
        self._next_group_id += 1
        chat_id = -(1_000_000_000_000 + n) if supergroup else -n
        chat = FakeChat(chat_id, title, "supergroup" if supergroup else "group", username)
        self.groups[chat.id] = chat
        return chat

    def add_bot_to_group(self, chat: FakeChat, by_user: FakeUser) -> JSON:
        """``by_user`` adds the bot to ``chat``: emits ``my_chat_member`` (left → member)
        followed by the ``new_chat_members`` service message; returns the former."""
        old = chat.bot_status
        chat.bot_status = "member"
        chat.members.add(by_user.id)
        update = self._emit(
            "my_chat_member",
            {
                "chat": chat.chat_dict(),
                "from": by_user.to_dict(),
                "date": self._date(),
                "old_chat_member": {"user": self._bot_user(), "status": old},
                "new_chat_member": {"user": self._bot_user(), "status": "member"},
            },
        )
        message = self._new_message(
            chat.id, by_user.to_dict(), {"new_chat_members": [self._bot_user()]}
        )
        self._emit("message", message)
        return update

    def send_group_text(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str,
        *,
        date: datetime | int | None = None,
    ) -> JSON:
        """``user`` writes ``text`` in a group. The update is always returned but only queued
        if the bot can see it (member, and privacy mode lets it through)."""
        self._check_can_act(user)
        chat.members.add(user.id)
        extra: JSON = {"text": text}
        entities = detect_entities(text)
        if entities:
            extra["entities"] = entities
        message = self._new_message(chat.id, user.to_dict(), extra, date=date)
        visible = chat.bot_status in ("member", "administrator") and (
            not self.group_privacy
            or text.startswith("/")
            or (f"@{self.username}".lower() in text.lower())
            or chat.bot_status == "administrator"
        )
        if visible:
            return self._emit("message", message)
        self._notify()
        return {"update_id": None, "message": message}

    # ------------------------------------------------------------------ driving internals

    def _check_can_act(self, user: FakeUser) -> None:
        if user.deactivated:
            raise ValueError(f"user {user.id} is deactivated and cannot act")

    def _user_message(
        self, user: FakeUser, extra: JSON, *, date: datetime | int | None = None
    ) -> JSON:
        self._check_can_act(user)
        if user.blocked:
            # The Telegram client's "Restart" button unblocks before sending.
            self.unblock_bot(user)
        user.started = True
        message = self._new_message(user.id, user.to_dict(), extra, date=date)
        if "contact" in extra or "text" in extra:
            keyboard = self._reply_keyboards.get(user.id)
            if keyboard is not None and keyboard.get("one_time_keyboard"):
                self._reply_keyboards[user.id] = None
        return self._emit("message", message)

    def _emit_private_member(self, user: FakeUser, old: str, new: str) -> JSON:
        def member(status: str) -> JSON:
            data: JSON = {"user": self._bot_user(), "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        return self._emit(
            "my_chat_member",
            {
                "chat": user.chat_dict(),
                "from": user.to_dict(),
                "date": self._date(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def _emit(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._updates_event.set()
        self._updates_event = asyncio.Event()
        self._notify()
        return update

    def _date(self, value: datetime | int | None = None) -> int:
        if isinstance(value, int):
            return value
        return int((value or self._now()).timestamp())

    def _bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _chat_dict(self, chat_id: int) -> JSON:
        if chat_id in self.users:
            return self.users[chat_id].chat_dict()
        if chat_id in self.groups:
            return self.groups[chat_id].chat_dict()
        return {"id": chat_id, "type": "private" if chat_id > 0 else "group"}

    def _new_message(
        self,
        chat_id: int,
        sender: JSON,
        extra: JSON,
        *,
        date: datetime | int | None = None,
    ) -> JSON:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message: JSON = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat_dict(chat_id),
            "date": self._date(date),
        }
        message.update(extra)
        maxlen = None if self.keep_messages else self._recent_limit
        self._messages.setdefault(chat_id, deque(maxlen=maxlen)).append(message)
        return message

    def _stored_message(self, chat_id: int, message_id: int) -> JSON | None:
        for message in reversed(self._messages.get(chat_id, ())):
            if message["message_id"] == message_id:
                return message
        return None

    def _find_message(self, chat_id: int, message: int | JSON) -> JSON:
        message_id = int(message["message_id"]) if isinstance(message, dict) else message
        stored = self._stored_message(chat_id, message_id)
        if stored is None:
            raise ValueError(f"no message #{message_id} in chat {chat_id}")
        return stored

    def _store_file(
        self, kind: str, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        n = self._next_file
        self._next_file += 1
        prefix = {"photo": "AgAC", "sticker": "CAAC", "voice": "AwAC"}.get(kind, "BQAC")
        stored = StoredFile(
            file_id=f"{prefix}AgIAAxkBAAI{n:08d}",
            file_unique_id=f"AQAD{n:06d}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _photo_size(stored: StoredFile, width: int, height: int) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": width,
            "height": height,
        }

    # --------------------------------------------------------------- chat access checks

    def _resolve_chat(self, p: _Params, name: str = "chat_id") -> int:
        raw = p.raw.get(name)
        if raw is None or raw == "":
            raise ApiError(400, f"Bad Request: {name} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for group in self.groups.values():
                if group.username and group.username.lower() == raw[1:].lower():
                    return group.id
            raise ApiError(400, "Bad Request: chat not found")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id not in self.users and chat_id not in self.groups:
            if self.auto_users and chat_id > 0:
                self.users[chat_id] = FakeUser(chat_id, f"User{chat_id}")
                return chat_id
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _check_can_send(self, chat_id: int) -> None:
        user = self.users.get(chat_id)
        if user is not None:
            if user.deactivated:
                raise ApiError(403, "Forbidden: user is deactivated")
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return
        group = self.groups[chat_id]
        if group.bot_status == "kicked":
            kind = "supergroup" if group.type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if group.bot_status == "left":
            kind = "supergroup" if group.type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _sendable_chat(self, p: _Params) -> int:
        chat_id = self._resolve_chat(p)
        self._check_can_send(chat_id)
        return chat_id

    # ----------------------------------------------------------------- formatting checks

    def _format(
        self, p: _Params, text_name: str, entities_name: str, max_length: int, empty_error: str
    ) -> tuple[str, list[JSON]]:
        raw = p.string(text_name, "") or ""
        explicit = p.obj(entities_name)
        if explicit is not None:
            text, entities = raw, list(explicit)
        else:
            try:
                text, entities = parse_text(raw, p.string("parse_mode"))
            except EntityParseError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
            except ValueError:
                raise ApiError(400, "Bad Request: unsupported parse_mode") from None
        text, entities = strip_text(text, entities)
        if not text and empty_error:
            raise ApiError(400, empty_error)
        if utf16_len(text) > max_length:
            raise ApiError(
                400,
                "Bad Request: message is too long"
                if text_name == "text"
                else "Bad Request: message caption is too long",
            )
        return text, detect_entities(text, entities)

    def _reply_markup(self, p: _Params, *, inline_only: bool = False) -> JSON | None:
        markup = p.obj("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, "Bad Request: can't parse inline keyboard markup")
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return markup
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
            for row in rows:
                for button in row:
                    label = button if isinstance(button, str) else button.get("text")
                    if not isinstance(label, str) or not label:
                        raise ApiError(400, "Bad Request: keyboard button text is empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text is empty")
        actions = [
            key
            for key in (
                "url",
                "callback_data",
                "web_app",
                "login_url",
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "copy_text",
                "callback_game",
                "pay",
            )
            if key in button
        ]
        if not actions:
            raise ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: Text buttons are unallowed "
                "in the inline keyboard",
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button and not _BUTTON_URL_RE.match(str(button["url"])):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _apply_markup(self, chat_id: int, message: JSON, markup: JSON | None) -> None:
        """Inline keyboards are part of the message; reply keyboards change what the user
        sees below the input field and are not echoed back (as in Telegram)."""
        if markup is None:
            return
        if "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif "keyboard" in markup:
            self._reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self._reply_keyboards[chat_id] = None

    def _reply_to(self, p: _Params, chat_id: int) -> JSON | None:
        reply = p.obj("reply_parameters")
        message_id = p.integer("reply_to_message_id")
        allow = p.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id", 0))
            allow = allow or bool(reply.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        stored = self._stored_message(chat_id, message_id)
        if stored is None:
            lenient = not self.keep_messages and message_id < self._next_message_id.get(chat_id, 1)
            if lenient or allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in stored.items() if k != "reply_to_message"}

    def _bot_message(self, chat_id: int, extra: JSON, markup: JSON | None, p: _Params) -> JSON:
        reply = self._reply_to(p, chat_id)
        if reply is not None:
            extra = {**extra, "reply_to_message": reply}
        message = self._new_message(chat_id, self._bot_user(), extra)
        self._apply_markup(chat_id, message, markup)
        self.sent_by_chat[chat_id] += 1
        return message

    # --------------------------------------------------------------------- bot methods


def iter_update_kinds(updates: Iterable[JSON]) -> list[str]:
    """The kind of each update (``message``, ``callback_query``, ...), handy in asserts."""
    return [next(k for k in u if k != "update_id") for u in updates]
