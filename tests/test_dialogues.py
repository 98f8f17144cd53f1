"""Typed dialogue states (``bot/dialogues.py``): each step's data is a dataclass, written
to ``chat_states`` and read back with its field types checked; a row that does not fit
(written by an older version, or tampered with) is no dialogue at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from bot.dialogues import Dialogue
from db.models import ChatState
from handlers.groups import GroupPlaceAsked, GroupZoneAsked
from handlers.onboarding import JoinConfirm, JoinName, JoinPhone
from handlers.siks import LoosePhoto
from handlers.when import ChooseTime, Confirm, MoveDate
from tests.support.harness import Harness, create_group, register_facilitator


def _row(kind: str, data: dict[str, object]) -> ChatState:
    return ChatState(1, kind, data, datetime(2026, 12, 1, tzinfo=UTC))


async def test_a_state_goes_to_the_database_and_back_typed(h: Harness) -> None:
    confirm = JoinConfirm(group_id=3, code="abc", name="Siti Aminah", phone=None)
    await h.db.set_chat_state(7, confirm.kind, confirm.fields(), h.clock.now())
    assert JoinConfirm.of(await h.db.chat_state(7)) == confirm
    assert JoinName.of(await h.db.chat_state(7)) is None  # another step
    draft = Confirm(groups=(4, 5), mode="once", day="2026-12-05", at="09:00")
    await h.db.set_chat_state(8, draft.kind, draft.fields(), h.clock.now())
    back = Confirm.of(await h.db.chat_state(8))
    assert back == draft and back.groups == (4, 5)


def test_a_step_carries_the_fields_the_next_state_has() -> None:
    phone = JoinName(group_id=3, code="abc").step(JoinPhone, name="Siti")
    assert phone == JoinPhone(3, "abc", "Siti")
    assert phone.step(JoinName) == JoinName(3, "abc")
    timed = Confirm(groups=(1,), mode="once", day="2026-12-05", at="09:00").step(ChooseTime)
    assert timed.kind == "meet_time" and timed.at == "09:00"


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (JoinName, {"group_id": "3", "code": "abc"}),  # a number written as text
        (JoinName, {"group_id": True, "code": "abc"}),  # a bool is not a number here
        (JoinName, {"group_id": 3}),  # a field missing
        (JoinName, {"group_id": 3, "code": "abc", "extra": 1}),  # a field it does not know
        (JoinPhone, {"group_id": 3, "code": "abc", "name": None}),
        (Confirm, {"groups": [1, "x"], "mode": "once"}),
        (Confirm, {"groups": 1, "mode": "once"}),
        (MoveDate, {"meeting": 1.5}),
    ],
)
def test_data_that_does_not_fit_is_no_dialogue(
    cls: type[Dialogue], data: dict[str, object]
) -> None:
    assert cls.of(_row(cls.kind, data)) is None


def test_optional_fields_may_be_absent_from_an_older_row() -> None:
    row = _row("join_confirm", {"group_id": 3, "code": "c", "name": "Ani", "phone": "0812"})
    assert JoinConfirm.of(row) == JoinConfirm(3, "c", "Ani", "0812", address="ibu")


def test_an_unsupported_field_type_is_refused_at_once() -> None:
    @dataclass(frozen=True)
    class Odd(Dialogue):
        kind: ClassVar[str] = "odd"
        ratio: float

    with pytest.raises(TypeError):
        Odd.decode({"ratio": 1.0})


async def test_a_row_this_version_cannot_read_is_cleared_and_nothing_changes(
    h: Harness,
) -> None:
    """Her pending step was written with other fields (an update of the bot between two
    of her messages): her text gets the short "not understood" answer, the row goes, and
    no group is created from it."""
    fac = await register_facilitator(h)
    await h.db.set_chat_state(fac.id, "group_place", {"name": "Mawar"}, h.clock.now())
    await h.send(fac, "Balai Desa")
    assert h.last_text(fac) == h.t("common.not_understood")
    assert await h.db.chat_state(fac.id) is None
    facilitator = (await h.db.who(fac.id)).facilitator
    assert facilitator is not None
    assert await h.services.onboarding.groups_of(facilitator.id) == []


async def test_a_well_formed_row_goes_on_where_she_left(h: Harness) -> None:
    fac = await register_facilitator(h)
    state = GroupPlaceAsked("Melati", "Asia/Makassar")
    await h.db.set_chat_state(fac.id, state.kind, state.fields(), h.clock.now())
    await h.send(fac, "Balai Desa")
    await h.send(fac, "Sukamaju")  # the kecamatan
    facilitator = (await h.db.who(fac.id)).facilitator
    assert facilitator is not None
    (summary,) = await h.services.onboarding.groups_of(facilitator.id)
    assert (summary.group.name, summary.group.timezone) == ("Melati", "Asia/Makassar")


async def test_the_zone_button_needs_the_zone_step(h: Harness) -> None:
    """The zone button of an old message, pressed while another dialogue is pending (or
    none), changes nothing."""
    fac = await register_facilitator(h)
    await create_group(h, fac)
    await h.send(fac, "/kelompokbaru")
    await h.press_data(fac, "gz:WITA")  # the name step is pending, not the zone step
    assert h.answers()[-1] == h.t("common.stale_button")
    state = await h.db.chat_state(fac.id)
    assert state is not None and state.kind == "group_name"
    assert GroupZoneAsked.of(state) is None


def test_a_record_of_fixed_fields_goes_back_typed() -> None:
    """A waiting photo's sizes: a tuple of (file id, unique id, width, height, size)."""
    loose = LoosePhoto((("AgAD1", "u1", 320, 240, 1200), ("AgAD2", "u2", 1280, 960, None)))
    assert LoosePhoto.of(_row(loose.kind, loose.fields())) == loose
    assert LoosePhoto.of(_row(loose.kind, {"sizes": [["AgAD1", "u1", 320, 240]]})) is None
    assert LoosePhoto.of(_row(loose.kind, {"sizes": [["AgAD1", "u1", "320", 240, 1]]})) is None
