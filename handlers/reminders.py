"""Reminders, as a mother sees them: her next meetings (``/jadwal``) and her answers to the
buttons under a reminder.

Buttons (callback data, all ids checked against the database):

* ``ry:<meeting>``: "Saya akan hadir"; ``rn:<meeting>``: "Tidak bisa hadir" (asks why);
* ``rr:<meeting>:<reason>``: the reason; ``rrs:<meeting>``: no note for "Lainnya".

Dialogue state: ``rsvp_note`` (she types her reason in her words). The reminders
themselves: ``bot/reminders.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.auth import MEMBERS
from bot.callbacks import RSVP_NO, RSVP_YES
from bot.dialogues import Dialogue
from bot.meetings import (
    REASON_NOTE_LIMIT,
    REASONS,
    RSVP_REASON,
    Meetings,
    RsvpOutcome,
    clean_reason,
)
from handlers.phone import meeting_people
from handlers.registry import Call, Router, keyboard

router = Router()


@dataclass(frozen=True)
class ReasonAsked(Dialogue):
    """She chose "lainnya": her next text is her reason for not coming to ``meeting``."""

    kind: ClassVar[str] = "rsvp_note"
    meeting: int


def _meetings(call: Call) -> Meetings:
    return call.services.meetings


# -- members: their meetings and answers to reminders ------------------------------------


async def my_meetings(call: Call) -> None:
    participant, group = call.actor.participant, call.actor.group
    assert participant is not None and group is not None
    upcoming = await call.services.meetings.upcoming([group.id], call.now, 3)
    if not upcoming:
        await call.reply(call.t("meeting.mine_empty"))
        return
    meetings = _meetings(call)
    await call.reply(call.t("meeting.mine_title"))
    # One message per meeting with its own buttons, so she knows which one she answers.
    for m in upcoming:
        text = call.t(
            "meeting.mine_item",
            when=meetings.when(m, group),
            place=m.place,
            topic=meetings.topic(m.session_id),
        )
        answer = await call.services.meetings.rsvp_of(m.id, participant.id)
        if answer is not None and answer[0] == "no":
            reason = meetings.reason_text(answer[1], None)
            text += "\n\n" + call.t("meeting.mine_excused", reason=reason)
            rows = [[(call.t("reminder.button_can_come"), rsvp_yes.data(m.id))]]
        elif answer is not None:
            text += "\n\n" + call.t("meeting.mine_coming")
            rows = [[(call.t("reminder.button_cannot_come"), rsvp_no.data(m.id))]]
        else:
            text += "\n\n" + call.t("meeting.mine_ask")
            rows = [
                [
                    (call.t("reminder.button_yes"), rsvp_yes.data(m.id)),
                    (call.t("reminder.button_no"), rsvp_no.data(m.id)),
                ]
            ]
        await call.reply(text, keyboard(*rows))


async def _record(call: Call, meeting_id: int, answer: str, reason: str | None) -> bool:
    participant = call.actor.participant
    assert participant is not None
    outcome, _ = await _meetings(call).rsvp(participant, meeting_id, answer, reason, call.now)
    if outcome is RsvpOutcome.RECORDED:
        return True
    key = "reminder.closed" if outcome is RsvpOutcome.CLOSED else "common.stale_button"
    await call.toast(call.t(key), alert=True)
    return False


@router.action(RSVP_YES, MEMBERS, people=meeting_people, ask="phone.who_comes")
async def rsvp_yes(call: Call, meeting_id: int) -> None:
    if await _record(call, meeting_id, "yes", None):
        assert call.actor.participant is not None
        await call.toast(call.t("reminder.thanks_yes_short"))
        await call.reply(call.t("reminder.thanks_yes", name=call.actor.participant.name))


@router.action(RSVP_NO, MEMBERS, people=meeting_people, ask="phone.who_cannot_come")
async def rsvp_no(call: Call, meeting_id: int) -> None:
    participant = call.actor.participant
    assert participant is not None
    meeting = await call.services.meetings.meeting(meeting_id)
    if meeting is None or meeting.group_id != participant.group_id:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    if not meeting.scheduled or meeting.starts_at <= call.now:
        await call.toast(call.t("reminder.closed"), alert=True)
        return
    rows = [[(call.t(f"reason.{r}"), rsvp_reason.data(meeting_id, r))] for r in REASONS]
    await call.reply(call.t("reminder.ask_reason"), keyboard(*rows))


@router.action(RSVP_REASON, MEMBERS, int, str, people=meeting_people, ask="phone.who_cannot_come")
async def rsvp_reason(call: Call, meeting_id: int, reason: str) -> None:
    if reason not in REASONS:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    if await _record(call, meeting_id, "no", reason):
        assert call.actor.participant is not None
        if reason == "lainnya":  # recorded; her words are welcome, not required
            await call.set_state(ReasonAsked(meeting_id))
            await call.show(
                call.t("reminder.ask_note", limit=REASON_NOTE_LIMIT),
                keyboard([(call.t("reminder.button_skip_note"), skip_reason.data(meeting_id))]),
            )
            return
        await call.show(call.t("reminder.thanks_no", name=call.actor.participant.name))


@router.input(ReasonAsked, MEMBERS)
async def typed_reason(call: Call, state: ReasonAsked) -> None:
    participant = call.actor.participant
    assert participant is not None
    note = clean_reason(call.message.text or "") if call.message else None
    if note is None:
        await call.reply(call.t("reminder.note_invalid", limit=REASON_NOTE_LIMIT))
        return
    meeting_id = state.meeting
    outcome = await _meetings(call).rsvp_note(participant, meeting_id, note, call.now)
    await call.clear_state()
    if outcome is RsvpOutcome.RECORDED:
        await call.reply(call.t("reminder.thanks_no", name=participant.name))
    else:
        key = "reminder.closed" if outcome is RsvpOutcome.CLOSED else "common.stale_button"
        await call.reply(call.t(key))


@router.action("rrs", MEMBERS, int, people=meeting_people)
async def skip_reason(call: Call, meeting_id: int) -> None:
    state = await call.dialogue(ReasonAsked)
    if state is None or state.meeting != meeting_id:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    assert call.actor.participant is not None
    await call.clear_state()
    await call.show(call.t("reminder.thanks_no", name=call.actor.participant.name))
