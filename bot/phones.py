"""A phone several KPM share: who a message is for, and one message for all of them.

One Telegram account holds one or more participants (a mother and her neighbour, two
sisters). The rules of this module:

* a message for one person on a shared phone names her (``PhoneWording.for_one``, applied
  by the outbox's enqueue gate to every such message, whoever queues it);
* what concerns her alone (``NewMessage.private``) waits as her private note; the phone
  gets a closed envelope, opened only by choosing her (``PhoneWording.envelope``);
* a message for a whole group (a reminder, an announcement, a moved meeting) goes once
  per phone, naming everyone of that group on it (:func:`by_phone`, :func:`for_all`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.callbacks import PHONE_NOTE
from bot.i18n import Catalog
from db.models import Participant


class _Person(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def address(self) -> str: ...


class PhoneWording:
    """The wording of ``db.outbox.PhoneRule``, from the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def for_one(self, name: str, address: str) -> str:
        return self._catalog.t("phone.for_one", name=name, sapaan=self._catalog.address(address))

    def envelope(
        self, name: str, address: str, note_id: int
    ) -> tuple[str, Sequence[Sequence[tuple[str, str]]]]:
        values = {"name": name, "sapaan": self._catalog.address(address)}
        return self._catalog.t("phone.private_note", **values), [
            [(self._catalog.t("phone.button_open", **values), PHONE_NOTE.data(note_id))]
        ]


def by_phone(members: Iterable[Participant]) -> list[list[Participant]]:
    """Members grouped by the phone they use, in the order of each phone's first member;
    members without Telegram (marked by the facilitator) are left out."""
    phones: dict[int, list[Participant]] = {}
    for member in members:
        if member.telegram_id is not None:
            phones.setdefault(member.telegram_id, []).append(member)
    return list(phones.values())


def for_all(catalog: Catalog, people: Sequence[_Person]) -> str:
    """The line naming everyone a message for a phone is for ("Untuk Ibu Siti dan Ibu
    Ani"); empty for one person (a message for the only person on a phone needs none; on
    a shared phone the enqueue gate names her)."""
    if len(people) < 2:
        return ""
    names = [f"{catalog.address(p.address)} {p.name}" for p in people]
    return catalog.t("phone.for_many", names=catalog.names(names))
