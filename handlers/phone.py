"""A phone several KPM share: "Untuk siapa?" (in the dispatcher, ``handlers/registry.py``)
and the private notes of one person, opened only by choosing her.

Buttons:

* ``pa:<participant>:<what>``: the person chosen for a command or a button (registry);
* ``pn:<note>``: open her private note (the envelope on the phone names her);
* ``pnx:<note>``: close it again, back to the envelope.
"""

from __future__ import annotations

from bot.auth import MEMBERS
from bot.callbacks import PHONE_AS, PHONE_NOTE
from bot.phones import PhoneWording
from handlers.phone_gate import WHO_FOR
from handlers.phone_gate import for_whom as gate
from handlers.registry import Call, Router, keyboard

router = Router()


async def meeting_people(call: Call, meeting_id: int, *_: object) -> list[int]:
    """The people on this phone a meeting's button may be for: those of its group."""
    meeting = await call.services.meetings.meeting(meeting_id)
    if meeting is None:
        return []
    return [p.id for p, _ in call.actor.people if p.group_id == meeting.group_id]


async def for_whom(
    call: Call, what: str, people: list[int] | None = None, ask: str = WHO_FOR
) -> bool:
    """On a shared phone: make ``call`` the person ``what`` is for, asking "Untuk siapa?"
    when that is not clear (then False: ``what`` runs again once she is chosen)."""
    return await gate(call, what, people, ask)


@router.action(PHONE_AS, MEMBERS)
async def chosen(call: Call, participant_id: int, what: str) -> None:
    """ "Untuk siapa?" answered: what was asked (a command, a button) runs as her."""
    await call.context.menus.run_as(call, participant_id, what)


@router.action(PHONE_NOTE, MEMBERS)
async def open_note(call: Call, note_id: int) -> None:
    """Her private note: shown here, and she becomes the one using the phone."""
    note = await call.services.onboarding.note_for(call.actor, note_id)
    if note is None or not await call.act_as(note.participant_id):
        await call.toast(call.t("phone.note_gone"), alert=True)
        return
    await call.services.onboarding.opened(note, call.now)
    rows = [list(row) for row in note.buttons or ()]
    rows.append([(call.t("phone.button_close"), close_note.data(note_id))])
    await call.show(note.text, keyboard(*rows))


@router.action("pnx", MEMBERS, int)
async def close_note(call: Call, note_id: int) -> None:
    """Close her note again: the phone shows only that there is a message for her."""
    note = await call.services.onboarding.note_for(call.actor, note_id)
    person = call.actor.as_person(note.participant_id) if note is not None else None
    if note is None or person is None or person.participant is None:
        await call.toast(call.t("phone.note_gone"), alert=True)
        return
    text, buttons = PhoneWording(call.services.catalog).envelope(
        person.participant.name, person.participant.address, note_id
    )
    await call.show(text, keyboard(*buttons))
