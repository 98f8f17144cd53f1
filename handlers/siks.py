"""A meeting's SIKS-NG record for the facilitator: /kegiatan, and "SIKS-NG per pertemuan"
under the recap.

Callback data: ``sl`` (her recent meetings), ``so:<meeting>`` (one meeting: counts, photos,
note; ``sr:<meeting>``, below the close's summary: the same as a new message),
``sc:<meeting>`` ("Salin untuk SIKS-NG": one message per field), ``sn:<meeting>``
(type a note), ``sf:<meeting>`` (send photos), ``sa:<meeting>`` (the meeting a photo sent
without choosing one first shows). Every meeting is checked to be one of hers.

Dialogue states: ``siks_note`` (her note, typed), ``siks_photo`` (photos of the activity,
then optionally her location, until /batal), ``siks_loose`` (a photo she sent without a
meeting, waiting for her to pick the meeting).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from telegram import KeyboardButton, ReplyKeyboardMarkup
from telegram import PhotoSize as TelegramPhotoSize
from telegram.error import TelegramError

from bot.auth import FACILITATORS
from bot.callbacks import SIKS_RECORD
from bot.dialogues import Dialogue
from bot.evidence import PhotoSize, choose_size
from bot.siks import NOTE_MAX, clean_note
from db.models import Facilitator
from handlers.registry import Call, Router, keyboard

router = Router()


@dataclass(frozen=True)
class NoteAsked(Dialogue):
    """Her next text is the note of ``meeting`` (for the Uraian)."""

    kind: ClassVar[str] = "siks_note"
    meeting: int


@dataclass(frozen=True)
class PhotoAsked(Dialogue):
    """Her next photos (or her location, for the last ``photo`` kept) are the evidence of
    ``meeting``."""

    kind: ClassVar[str] = "siks_photo"
    meeting: int
    photo: int | None = None


SizeFields = tuple[str, str, int, int, int | None]


@dataclass(frozen=True)
class LoosePhoto(Dialogue):
    """A photo sent outside any dialogue waits here (its sizes) until she picks its
    meeting."""

    kind: ClassVar[str] = "siks_loose"
    sizes: tuple[SizeFields, ...]


log = logging.getLogger(__name__)


def _me(call: Call) -> Facilitator:
    assert call.actor.facilitator is not None
    return call.actor.facilitator


@router.command("kegiatan", FACILITATORS, menu="siks.menu")
async def kegiatan(call: Call, args: list[str]) -> None:
    await list_meetings(call)


@router.action("sl", FACILITATORS)
async def list_meetings(call: Call) -> None:
    siks = call.services.siks
    found = await siks.recent(_me(call).id, call.now)
    await call.toast()
    if not found:
        await call.reply(call.t("siks.no_meetings"))
        return
    catalog = call.services.catalog
    rows = [
        [
            (
                call.t(
                    "siks.meeting_button",
                    date=catalog.short_date(m.starts_at, m.timezone),
                    group=m.group_name,
                ),
                open_meeting.data(m.meeting_id),
            )
        ]
        for m in found
    ]
    await call.reply(call.t("siks.choose_meeting"), keyboard(*rows))


@router.action("so", FACILITATORS, int)
async def open_meeting(call: Call, meeting_id: int) -> None:
    await _screen(call, meeting_id, new=False)


@router.action(SIKS_RECORD, FACILITATORS)
async def open_meeting_new(call: Call, meeting_id: int) -> None:
    """From the close's summary: the record comes as a new message below it, and the
    summary stays as it was."""
    await _screen(call, meeting_id, new=True)


async def _screen(call: Call, meeting_id: int, *, new: bool) -> None:
    record = await call.services.siks.record(_me(call).id, meeting_id)
    if record is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast()
    meeting = await call.services.siks.meeting(_me(call).id, meeting_id)
    assert meeting is not None
    catalog = call.services.catalog
    present = sum(1 for p in record.participants if p.kehadiran == "HADIR")
    text = call.t(
        "siks.meeting",
        group=record.group_name,
        when=catalog.datetime(meeting.starts_at, meeting.timezone),
        session=record.session_title,
        present=present,
        total=len(record.participants),
        photos=record.value("foto"),
        note=record.note or call.t("siks.no_note"),
    )
    if not record.finalized:
        text += "\n\n" + call.t("siks.meeting_not_final")
    markup = keyboard(
        [(call.t("siks.button_copy"), copy_record.data(meeting_id))],
        [(call.t("siks.button_note"), ask_note.data(meeting_id))],
        [(call.t("siks.button_photo"), ask_photo.data(meeting_id))],
        [(call.t("siks.button_back"), list_meetings.data())],
    )
    if new:
        await call.reply(text, markup)
    else:
        await call.show(text, markup)


@router.action("sc", FACILITATORS, int)
async def copy_record(call: Call, meeting_id: int) -> None:
    siks = call.services.siks
    record = await siks.record(_me(call).id, meeting_id)
    if record is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast()
    for text in siks.copy_messages(record):
        await call.reply(text)
    for no, photo in enumerate(record.photos, start=1):
        await call.context.bot.send_photo(
            call.chat_id,
            photo.file_id,
            caption=call.t("siks.copy_photo", no=no, count=len(record.photos)),
        )


@router.action("sn", FACILITATORS, int)
async def ask_note(call: Call, meeting_id: int) -> None:
    siks = call.services.siks
    if await siks.meeting(_me(call).id, meeting_id) is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast()
    await call.set_state(NoteAsked(meeting_id))
    text = call.t("siks.ask_note", max=NOTE_MAX)
    current = await siks.note(meeting_id)
    if current:
        text += "\n\n" + call.t("siks.note_current", note=current)
    await call.reply(text)


@router.input(NoteAsked, FACILITATORS, hint="siks.note_hint", prose=True)
async def typed_note(call: Call, state: NoteAsked) -> None:
    note = clean_note(call.message.text or "") if call.message else None
    if note is None:
        await call.reply(call.t("siks.note_invalid", max=NOTE_MAX))
        return
    meeting_id = state.meeting
    saved = await call.services.siks.set_note(_me(call).id, meeting_id, note, call.now)
    await call.clear_state()
    if not saved:
        await call.reply(call.t("common.stale_button"))
        return
    await call.reply(
        call.t("siks.note_saved"),
        keyboard([(call.t("siks.button_copy"), copy_record.data(meeting_id))]),
    )


def _location_keyboard(call: Call) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(call.t("siks.button_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


@router.action("sf", FACILITATORS, int)
async def ask_photo(call: Call, meeting_id: int) -> None:
    if await call.services.siks.meeting(_me(call).id, meeting_id) is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast()
    await call.set_state(PhotoAsked(meeting_id))
    await call.reply(call.t("siks.ask_photo"))


@router.input(PhotoAsked, FACILITATORS, hint="siks.photo_hint", media=True, location=True)
async def sent_photo(call: Call, state: PhotoAsked) -> None:
    message = call.message
    if message is None:
        return
    meeting_id = state.meeting
    me = _me(call)
    if await call.services.siks.meeting(me.id, meeting_id) is None:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    if message.location is not None:
        photo_id = state.photo
        located = photo_id is not None and await call.services.evidence.locate(
            photo_id, me.id, message.location.latitude, message.location.longitude
        )
        await call.reply(call.t("siks.location_saved" if located else "siks.location_first"))
        return
    if not message.photo:
        await call.reply(call.t("siks.photo_hint"))
        return
    await _keep(call, meeting_id, _sizes(message.photo))


def _sizes(photo: Sequence[TelegramPhotoSize]) -> list[PhotoSize]:
    return [PhotoSize(p.file_id, p.file_unique_id, p.width, p.height, p.file_size) for p in photo]


async def _keep(call: Call, meeting_id: int, sizes: Sequence[PhotoSize]) -> None:
    """Keep the photo for the meeting (a copy within the limit), then wait for more photos
    or her location."""
    me = _me(call)
    evidence = call.services.evidence
    largest = max(sizes, key=lambda s: s.width * s.height)
    chosen = choose_size(sizes, evidence.max_bytes)
    copy = None
    if chosen is not None:
        try:
            file = await call.context.bot.get_file(chosen.file_id)
            copy = (chosen, bytes(await file.download_as_bytearray()))
        except TelegramError as exc:  # the file id is kept; the copy can be made later
            log.warning("activity photo not downloaded: %s", exc)
    kept = await evidence.keep(meeting_id, me.id, largest, copy, call.now)
    await call.set_state(PhotoAsked(meeting_id, kept.photo_id))
    if not kept.new:
        await call.reply(call.t("siks.photo_again"), _location_keyboard(call))
        return
    record = await call.services.siks.record(me.id, meeting_id)
    count = len(record.photos) if record else 1
    key = "siks.photo_saved" if kept.local else "siks.photo_saved_remote"
    await call.reply(call.t(key, count=count), _location_keyboard(call))


@router.on_unclaimed_media
async def loose_photo(call: Call) -> bool:
    """A facilitator sends a photo without choosing a meeting first: she is asked which of
    her recent meetings it shows; the photo waits in her dialogue state until she picks."""
    message = call.message
    if call.actor.facilitator is None or message is None or not message.photo:
        return False
    found = await call.services.siks.recent(_me(call).id, call.now)
    if not found:
        await call.reply(call.t("siks.no_meetings"))
        return True
    sizes = tuple(
        (s.file_id, s.file_unique_id, s.width, s.height, s.file_size)
        for s in _sizes(message.photo)
    )
    await call.set_state(LoosePhoto(sizes))
    catalog = call.services.catalog
    rows = [
        [
            (
                call.t(
                    "siks.meeting_button",
                    date=catalog.short_date(m.starts_at, m.timezone),
                    group=m.group_name,
                ),
                keep_loose.data(m.meeting_id),
            )
        ]
        for m in found
    ]
    await call.reply(call.t("siks.which_meeting"), keyboard(*rows))
    return True


@router.action("sa", FACILITATORS, int)
async def keep_loose(call: Call, meeting_id: int) -> None:
    state = await call.dialogue(LoosePhoto)
    if state is None or await call.services.siks.meeting(_me(call).id, meeting_id) is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.toast()
    sizes = [PhotoSize(*fields) for fields in state.sizes]
    await _keep(call, meeting_id, sizes)
