"""Voice notes: listening to a session's summary, recording a group's own, her choice.

From the session card of ``/materi``:

- ``svp:<session>``: "🔊 Dengarkan ringkasan": the voice summary as a voice note (her
  group's recording if there is one, else the synthesized voice);
- ``svm:<session>`` (facilitators and leaders; ``svmn:<session>`` from the messages after a
  meeting, as a new message): the group's recording of the session:
  listen back (``svl``), record or replace (``svr``, then she sends a voice note: the
  ``voice_record`` dialogue), delete (``svd`` asks, ``svdy`` deletes).

A facilitator's recording becomes the voice summary of that session for all her groups;
a leader's for her group. ``/pengaturan`` (members; also offered when she joins):
``sva:<text|summary|all>`` text only, or text and voice (the summary; the reminders too).

Everything arrives checked: an unknown session or choice is a stale button and changes
nothing; a recording is stored once per voice note (a replayed update stores the same).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from telegram import InputFile
from telegram.error import BadRequest, TelegramError

from bot.auth import EVERYONE, MEMBERS, Role
from bot.callbacks import VOICE_AFTER
from bot.content import Session
from bot.dialogues import Dialogue
from bot.voice import VOICE_CHOICES, VoiceNote
from handlers.registry import Call, Router, keyboard

log = logging.getLogger(__name__)
router = Router()


@dataclass(frozen=True)
class RecordAsked(Dialogue):
    """She pressed "Rekam ringkasan suara": her next voice note is the summary of
    ``session``."""

    kind: ClassVar[str] = "voice_record"
    session: str


RECORDERS = frozenset({Role.FACILITATOR, Role.LEADER})
MAX_RECORDING_SECONDS = 300
"""A recorded summary longer than this (five minutes) is refused: a summary is short."""


def summary_buttons(call: Call, session_id: str) -> list[list[tuple[str, str]]]:
    """The voice rows of a session card: listen, and (for who may) the group's recording."""
    rows = [[(call.t("voice.button_listen"), listen.data(session_id))]]
    if call.actor.roles & RECORDERS:
        rows.append([(call.t("voice.button_record"), manage.data(session_id))])
    return rows


async def _group_ids(call: Call) -> list[int]:
    """The groups whose voice summary she may set: a facilitator's all, a leader's own."""
    actor = call.actor
    if actor.facilitator is not None:
        summaries = await call.services.onboarding.groups_of(actor.facilitator.id)
        return [s.group.id for s in summaries]
    if actor.group is not None and Role.LEADER in actor.roles:
        return [actor.group.id]
    return []


def _session(call: Call, session_id: str) -> Session | None:
    return call.services.content.session(session_id)


async def _stale(call: Call) -> None:
    await call.toast(call.t("common.stale_button"), alert=True)


async def _send_note(call: Call, note: VoiceNote, caption: str) -> None:
    """Send ``note`` to her chat: a recording by its file id; a synthesized note by the
    file id of its first upload, or uploaded now (once) from the cache."""
    bot = call.context.bot
    kind, _, rest = note.ref.partition(":")
    if kind == "id":
        await bot.send_voice(call.chat_id, rest, caption=caption, duration=note.seconds)
        return
    digest = rest.partition(":")[0]
    voice = call.services.voice
    file_id = await voice.uploaded(digest)
    if file_id is not None:
        await bot.send_voice(call.chat_id, file_id, caption=caption, duration=note.seconds)
        return
    data = await asyncio.to_thread(voice.file_of(digest).read_bytes)
    message = await bot.send_voice(
        call.chat_id,
        InputFile(data, filename="ringkasan.ogg"),
        caption=caption,
        duration=note.seconds,
    )
    if message.voice is not None:
        await voice.remember_upload(digest, message.voice.file_id, call.now)


@router.action("svp", EVERYONE, str)
async def listen(call: Call, session_id: str) -> None:
    session = _session(call, session_id)
    if session is None:
        await _stale(call)
        return
    group_ids = [call.actor.group.id] if call.actor.group is not None else await _group_ids(call)
    note = None
    for group_id in group_ids:
        note = await call.services.voice.summary_note(group_id, session.id)
        if note is not None and note.recorded:
            break
    if note is None:
        note = await call.services.voice.summary_note(None, session.id)
    if note is None:
        await call.toast(call.t("voice.unavailable"), alert=True)
        return
    await call.toast()
    caption = call.t("voice.summary_caption", number=session.number, title=session.title)
    try:
        await _send_note(call, note, caption)
    except BadRequest as exc:  # a recording Telegram no longer knows: say so, briefly
        log.warning("voice: the note for %s was refused: %s", session.id, exc)
        await call.reply(call.t("voice.unavailable"))


@router.action("svm", RECORDERS, str)
async def manage(call: Call, session_id: str) -> None:
    session = _session(call, session_id)
    if session is None:
        await _stale(call)
        return
    await _show_manage(call, session)


async def _show_manage(call: Call, session: Session, *, new: bool = False) -> None:
    group_ids = await _group_ids(call)
    recording = None
    for group_id in group_ids:
        recording = await call.services.voice.recording(group_id, session.id)
        if recording is not None:
            break
    from handlers.materi import open_session  # the session card links here, and back

    back = [(call.t("common.button_back"), open_session.data(session.id))]
    if recording is None:
        text = call.t("voice.manage_none", number=session.number, title=session.title)
        markup = keyboard([(call.t("voice.button_record_new"), record.data(session.id))], back)
    else:
        text = call.t(
            "voice.manage_has",
            number=session.number,
            title=session.title,
            seconds=recording.duration,
            when=call.services.catalog.date(
                recording.recorded_at,
                call.actor.group.timezone if call.actor.group else "Asia/Jakarta",
            ),
        )
        markup = keyboard(
            [(call.t("voice.button_listen_back"), listen_back.data(session.id))],
            [
                (call.t("voice.button_replace"), record.data(session.id)),
                (call.t("voice.button_delete"), delete_ask.data(session.id)),
            ],
            back,
        )
    if new:
        await call.reply(text, markup)
    else:
        await call.show(text, markup)


@router.action(VOICE_AFTER, RECORDERS)
async def manage_after(call: Call, session_id: str) -> None:
    """From the summary after a meeting: the recording screen as a new message (the
    summary stays as it was)."""
    session = _session(call, session_id)
    if session is None:
        await _stale(call)
        return
    await call.toast()
    await _show_manage(call, session, new=True)


@router.action("svr", RECORDERS, str)
async def record(call: Call, session_id: str) -> None:
    session = _session(call, session_id)
    if session is None or not await _group_ids(call):
        await _stale(call)
        return
    await call.set_state(RecordAsked(session.id))
    await call.show(call.t("voice.record_ask", number=session.number, title=session.title))


@router.input(RecordAsked, RECORDERS, voice=True, hint="voice.record_hint")
async def recorded(call: Call, state: RecordAsked) -> None:
    message = call.message
    session = _session(call, state.session)
    if message is None or session is None:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    if message.voice is None:
        await call.reply(call.t("voice.record_hint"))
        return
    duration = message.voice.duration
    seconds = int(duration.total_seconds() if isinstance(duration, timedelta) else duration)
    if seconds > MAX_RECORDING_SECONDS:
        await call.reply(call.t("voice.record_too_long", minutes=MAX_RECORDING_SECONDS // 60))
        return
    actor = call.actor
    group_ids = await _group_ids(call)
    if not group_ids:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    await call.services.voice.save_recording(
        group_ids,
        session.id,
        message.voice.file_id,
        seconds,
        participant_id=actor.participant.id if actor.participant else None,
        facilitator_id=actor.facilitator.id if actor.facilitator else None,
        now=call.now,
    )
    await call.clear_state()
    await call.reply(call.t("voice.record_saved", number=session.number, title=session.title))
    await _show_manage(call, session, new=True)


@router.action("svl", RECORDERS, str)
async def listen_back(call: Call, session_id: str) -> None:
    session = _session(call, session_id)
    if session is None:
        await _stale(call)
        return
    for group_id in await _group_ids(call):
        recording = await call.services.voice.recording(group_id, session.id)
        if recording is not None:
            await call.toast()
            caption = call.t("voice.summary_caption", number=session.number, title=session.title)
            try:
                await call.context.bot.send_voice(
                    call.chat_id, recording.file_id, caption=caption, duration=recording.duration
                )
            except TelegramError as exc:
                log.info("could not send a recording back: %s", exc)
            return
    await _stale(call)


@router.action("svd", RECORDERS, str)
async def delete_ask(call: Call, session_id: str) -> None:
    session = _session(call, session_id)
    if session is None:
        await _stale(call)
        return
    await call.show(
        call.t("voice.delete_confirm", number=session.number, title=session.title),
        keyboard(
            [(call.t("voice.button_delete_yes"), delete_yes.data(session.id))],
            [(call.t("voice.button_keep"), manage.data(session.id))],
        ),
    )


@router.action("svdy", RECORDERS, str)
async def delete_yes(call: Call, session_id: str) -> None:
    session = _session(call, session_id)
    if session is None:
        await _stale(call)
        return
    await call.services.voice.delete_recording(await _group_ids(call), session.id)
    await call.toast(call.t("voice.deleted"))
    await _show_manage(call, session)


# ----------------------------------------------------------------------- her choice


def choice_buttons(call: Call, current: str) -> list[list[tuple[str, str]]]:
    mark = call.t("voice.chosen_mark")
    return [
        [
            (
                (mark + " " if choice == current else "") + call.t(f"voice.choice_{choice}"),
                choose.data(choice),
            )
        ]
        for choice in VOICE_CHOICES
    ]


@router.command("pengaturan", MEMBERS, menu="menu.settings", per_person=True)
async def settings(call: Call, args: list[str]) -> None:
    participant = call.actor.participant
    assert participant is not None
    current = await call.services.voice.choice(participant.id)
    await call.reply(
        call.t("voice.settings", current=call.t(f"voice.choice_{current}")),
        keyboard(*choice_buttons(call, current)),
    )


@router.action("sva", MEMBERS, str, per_person=True)
async def choose(call: Call, choice: str) -> None:
    participant = call.actor.participant
    if choice not in VOICE_CHOICES or participant is None:
        await _stale(call)
        return
    await call.services.voice.choose(participant.id, choice)
    await call.toast(call.t("voice.saved"))
    await call.show(
        call.t("voice.settings", current=call.t(f"voice.choice_{choice}")),
        keyboard(*choice_buttons(call, choice)),
    )
