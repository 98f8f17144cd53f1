"""The gate of a shared phone: "Untuk siapa?" before anything that is one person's.

The dispatcher (``handlers/registry.py``) calls :func:`for_whom` for every command and
button marked ``per_person`` and, on a phone where the chosen person's role does not
admit an entry, for the people on it whose role does (:func:`able_people`: the leader).
The answer (``pa:<participant>:<what>``, ``handlers/phone.py``) runs what was asked as her.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.auth import Actor, Role, allowed
from bot.callbacks import PHONE_AS

if TYPE_CHECKING:
    from handlers.call import Call

WHO_FOR = "phone.who_for"
"""The question before what is one person's ("Untuk siapa?"); an entry may ask its own."""
CHOICE_HOLDS = timedelta(minutes=10)
"""On a shared phone, buttons pressed this soon after a person was chosen are hers."""


def able_people(actor: Actor, roles: frozenset[Role]) -> list[int]:
    """The people on a shared phone whose role admits ``roles`` (empty when not shared)."""
    if not actor.shared:
        return []
    return [
        p.id
        for p, _ in actor.people
        if (person := actor.as_person(p.id)) is not None and allowed(person, roles)
    ]


async def for_whom(
    call: Call, what: str, people: Sequence[int] | None, ask: str = WHO_FOR
) -> bool:
    """On a shared phone, make ``call`` the person it is for: the only one it may be for
    (``people``, default everyone on it), or the one she chooses ("Untuk siapa?", then
    ``what`` runs as her: the command with its words, or the button's data). False while
    the question is open."""
    actor = call.actor
    if not actor.shared:
        return True
    ids = [p.id for p, _ in actor.people]
    if people is not None:
        ids = [i for i in ids if i in set(people)]
    if len(ids) == 1:
        return await call.act_as(ids[0])
    if not ids:  # for nobody here: the handler answers as it would for her
        return True
    chosen = actor.participant
    if (
        not what.startswith("/")  # a command always asks: the phone may have changed hands
        and chosen is not None
        and chosen.id in ids
        and actor.chosen_at is not None
        and call.now - actor.chosen_at < CHOICE_HOLDS
    ):  # a button right after she was chosen (her quiz, her settings) is hers
        return True
    encoded = what.replace(":", ".")
    catalog = call.services.catalog
    buttons = [
        [
            InlineKeyboardButton(
                call.t("phone.button_person", name=p.name, sapaan=catalog.address(p.address)),
                callback_data=PHONE_AS.data(p.id, encoded),
            )
        ]
        for p, _ in actor.people
        if p.id in ids
    ]
    await call.show(call.t(ask), InlineKeyboardMarkup(buttons))
    return False
