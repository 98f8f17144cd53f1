"""Leaders who help (issue 18): during the open window the group's leader marks members
present who have no phone; logged as hers; the facilitator's mark wins; names only."""

from __future__ import annotations

from datetime import timedelta

from db.attendance import ABSENT, FACILITATOR, LEADER, PRESENT, SELF
from db.meetings import Meeting
from db.models import Participant
from fakeapi import FakeUser
from tests.support.attendance import (
    CLOSES,
    OPENS,
    add_meeting,
    check_in,
    code_of,
    group_id_of,
    marks,
    setup,
)
from tests.support.harness import Harness, button_labels, create_group, join
from tests.support.phones import choose, join_same_phone
from tests.support.sql import fetch


async def _leader_and_offline(
    h: Harness,
) -> tuple[FakeUser, FakeUser, FakeUser, FakeUser, Participant, Meeting]:
    fac, (siti, ani, dewi) = await setup(h)
    group_id = await group_id_of(h, fac)
    leader = await h.participant(siti)
    assert await h.db.set_leader(group_id, leader.id)
    nenek = await h.db.add_participant(group_id, None, "Nenek Ijah", None, h.clock.now())
    assert nenek is not None
    meeting = await add_meeting(h, group_id)
    return fac, siti, ani, dewi, nenek, meeting


async def test_leader_marks_a_member_without_a_phone_in_the_window(h: Harness) -> None:
    fac, siti, ani, _dewi, nenek, meeting = await _leader_and_offline(h)
    await h.send(siti, "/tandai")
    assert h.last_text(siti) == h.t("leader.not_open")  # before the window: nothing to mark
    h.clock.set(OPENS + timedelta(minutes=5))
    await h.tick()
    assert (await check_in(h, ani, await code_of(h, meeting))).startswith("✅")
    await h.send(siti, "/tandai")
    labels = button_labels(h.last_with_buttons(siti))
    assert h.t("leader.button_mark", name="Nenek Ijah") in labels
    assert h.t("leader.button_mark", name="Ani") not in labels  # present already
    assert not any("sakit" in label.lower() for label in labels)  # names only
    await h.press(siti, h.t("leader.button_mark", name="Nenek Ijah"))
    assert h.answers()[-1] == h.t("leader.marked", name="Nenek Ijah")
    assert (await marks(h, meeting))["Nenek Ijah"] == (PRESENT, LEADER)
    log = await fetch(
        h.db,
        "SELECT source, by_leader_id, by_facilitator_id FROM attendance_log"
        " WHERE participant_id = ?",
        (nenek.id,),
    )
    leader = await h.participant(siti)
    assert [tuple(r) for r in log] == [("leader", leader.id, None)]
    # The same press delivered again marks her once.
    await h.press_data(siti, f"lm:{meeting.id}:{nenek.id}")
    assert h.answers()[-1] == h.t("leader.already", name="Nenek Ijah")
    again = await fetch(h.db, "SELECT 1 FROM attendance_log WHERE participant_id = ?", (nenek.id,))
    assert len(list(again)) == 1
    # The facilitator sees who marked it.
    await h.send(fac, "/kehadiran")
    await h.press(fac, "Mawar")
    leader_mark = h.t("attendance.mark_item_leader", name="Nenek Ijah")
    assert any(label.startswith(leader_mark) for label in button_labels(h.last_with_buttons(fac)))


async def test_the_facilitators_mark_wins_over_the_leaders(h: Harness) -> None:
    fac, siti, _ani, dewi, _nenek, meeting = await _leader_and_offline(h)
    h.clock.set(OPENS + timedelta(minutes=5))
    await h.tick()
    member = await h.participant(dewi)
    actor = await h.services.onboarding.actor(fac.id)
    await h.services.attendance.mark(actor, meeting.id, member.id, ABSENT, h.clock.now())
    await h.send(siti, "/tandai")
    await h.press_data(siti, f"lm:{meeting.id}:{member.id}")
    assert h.answers()[-1] == h.t("leader.by_facilitator", name="Dewi")
    assert (await marks(h, meeting))["Dewi"] == (ABSENT, FACILITATOR)
    # ... and the facilitator can change a leader's mark.
    nenek_row = await fetch(h.db, "SELECT id FROM participants WHERE name = 'Nenek Ijah'")
    nenek_id = next(iter(nenek_row))[0]
    await h.press_data(siti, f"lm:{meeting.id}:{nenek_id}")
    await h.services.attendance.mark(actor, meeting.id, nenek_id, ABSENT, h.clock.now())
    assert (await marks(h, meeting))["Nenek Ijah"] == (ABSENT, FACILITATOR)


async def test_only_the_leader_only_her_group_only_in_the_window(h: Harness) -> None:
    fac, siti, ani, _dewi, nenek, meeting = await _leader_and_offline(h)
    h.clock.set(OPENS + timedelta(minutes=5))
    await h.tick()
    # A member who is not the leader: refused, nothing marked.
    await h.send(ani, "/tandai")
    assert h.last_text(ani) == h.t("auth.not_allowed")
    await h.press_data(ani, f"lm:{meeting.id}:{nenek.id}")
    # The leader of another group, with this group's ids: nothing changes.
    other = await create_group(h, fac, "Melati")
    euis = await join(h, other, "Euis")
    melati = (await h.participant(euis)).group_id
    assert await h.db.set_leader(melati, (await h.participant(euis)).id)
    await h.send(euis, "/tandai")
    await h.press_data(euis, f"lm:{meeting.id}:{nenek.id}")
    assert h.answers()[-1] == h.t("common.stale_button")
    assert "Nenek Ijah" not in await marks(h, meeting)
    # After the window: closed.
    h.clock.set(CLOSES + timedelta(minutes=1))
    await h.press_data(siti, f"lm:{meeting.id}:{nenek.id}")
    assert h.last_text(siti) == h.t("leader.closed")
    assert "Nenek Ijah" not in await marks(h, meeting)
    assert (await marks(h, meeting)) == {}


async def test_a_leader_on_a_shared_phone_is_chosen_to_mark(h: Harness) -> None:
    fac, siti, _ani, _dewi, _nenek, meeting = await _leader_and_offline(h)
    payload = await create_group(h, fac, "Melati")
    rina = await join_same_phone(h, siti, payload, "Rina")  # now chosen on Siti's phone
    h.clock.set(OPENS + timedelta(minutes=5))
    await h.tick()
    assert (await h.db.who(siti.id)).chosen == rina.id
    await h.send(siti, "/tandai")  # Rina is not a leader: the leader on the phone is used
    assert h.t("leader.button_mark", name="Nenek Ijah") in button_labels(h.last_with_buttons(siti))
    await h.press(siti, h.t("leader.button_mark", name="Nenek Ijah"))
    assert (await marks(h, meeting))["Nenek Ijah"] == (PRESENT, LEADER)
    # Her own check-in still needs the code and her choice on the phone.
    await h.send(siti, "/hadir")
    await choose(h, siti, await h.participant(siti))
    await h.send(siti, await code_of(h, meeting))
    assert (await marks(h, meeting))["Siti"] == (PRESENT, SELF)
