"""The sender's media: a voice note (a recording by its file id; a synthesized note
uploaded once from the cache, then by the file id Telegram gave it), the check-in's QR
picture, and an edit in place. :class:`bot.outbox.OutboxSender` decides which row goes
when; this module only talks to Telegram for those three kinds. A transport edge."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Protocol

from telegram import Bot, InputFile, InputMediaPhoto, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.clock import Clock
from bot.codes import deep_link
from bot.qr import qr_png
from bot.sending import markup_of
from db.outbox import OutboxRow


class MediaStore(Protocol):
    """The queries of the media sends (``db/voice.py``, ``db/outbox.py``)."""

    async def uploaded_voice(self, digest: str) -> str | None: ...

    async def record_voice_upload(self, digest: str, file_id: str, now: datetime) -> None: ...

    async def outbox_row_by_key(self, key: str) -> OutboxRow | None: ...

    async def mark_failed(self, row_id: int, error: str) -> None: ...


class Media:
    def __init__(self, bot: Bot, db: MediaStore, clock: Clock, voice_dir: Path | None) -> None:
        self._bot = bot
        self._db = db
        self._clock = clock
        self._voice_dir = voice_dir
        self._voice_locks: dict[str, asyncio.Lock] = {}

    async def voice(self, row: OutboxRow) -> tuple[Message, bool]:
        """Send a voice note; the message, and whether it was uploaded (not sent by id).

        A recording (``id:<file_id>``) goes by its file id; a synthesized one
        (``tts:<hash>:<seconds>``) is uploaded once from the cache, and every later row
        sends the file id Telegram gave it (one upload at a time per note, so a fan-out
        uploads it once)."""
        assert row.voice is not None
        kind, _, rest = row.voice.partition(":")
        caption = row.text or None
        markup = markup_of(row.buttons)
        if kind == "id":
            message = await self._bot.send_voice(
                row.chat_id, rest, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return message, False
        digest, _, seconds = rest.partition(":")
        duration = int(seconds) if seconds.isdigit() else None
        lock = self._voice_locks.setdefault(digest, asyncio.Lock())
        async with lock:
            file_id = await self._db.uploaded_voice(digest)
            if file_id is None:
                if self._voice_dir is None:
                    raise FileNotFoundError("no voice cache configured")
                data = await asyncio.to_thread((self._voice_dir / f"{digest}.ogg").read_bytes)
                message = await self._bot.send_voice(
                    row.chat_id,
                    InputFile(data, filename="ringkasan.ogg"),
                    duration=duration,
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                if message.voice is not None:
                    await self._db.record_voice_upload(
                        digest, message.voice.file_id, self._clock.now()
                    )
                return message, True
        message = await self._bot.send_voice(
            row.chat_id,
            file_id,
            duration=duration,
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
        return message, False

    async def qr(self, payload: str) -> bytes:
        """The QR picture of the deep link (about 6 ms of CPU: drawn in a worker thread, so
        a district's code changes never hold up the event loop)."""
        return await asyncio.to_thread(qr_png, deep_link(self._bot.username, payload))

    async def qr_photo(self, row: OutboxRow) -> Message:
        """The check-in message: the QR picture of ``row.qr`` with the row's text."""
        assert row.qr is not None
        return await self._bot.send_photo(
            row.chat_id,
            await self.qr(row.qr),
            caption=row.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup_of(row.buttons),
        )

    async def edit(self, row: OutboxRow, message_id: int) -> None:
        """Show ``row`` in place of the message ``message_id`` (a new QR picture and
        caption, or a new text)."""
        markup = markup_of(row.buttons)
        try:
            if row.qr:
                await self._bot.edit_message_media(
                    InputMediaPhoto(
                        await self.qr(row.qr), caption=row.text, parse_mode=ParseMode.HTML
                    ),
                    chat_id=row.chat_id,
                    message_id=message_id,
                    reply_markup=markup,
                )
            else:
                await self._bot.edit_message_text(
                    row.text,
                    chat_id=row.chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
        except BadRequest as exc:
            # The same edit again (it was on the wire when the process died, and went back
            # to the queue): the message already shows it.
            if "not modified" not in str(exc).lower():
                raise
