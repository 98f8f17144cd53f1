"""Several KPM on one phone (issue 18): joining from a phone in use, "Untuk siapa?",
per-person answers, one reminder for all of them, private notes, erasure and reach."""

from __future__ import annotations

from datetime import timedelta

from bot.attendance.flags import Flag
from bot.codes import JOIN_PREFIX
from db.attendance import PRESENT, SELF
from db.meetings import Meeting
from db.models import Participant
from fakeapi import FakeUser
from tests.support.attendance import (
    OPENS,
    START,
    add_meeting,
    code_of,
    group_id_of,
    marks,
)
from tests.support.harness import (
    Harness,
    button_data,
    button_labels,
    create_group,
    join,
    register_facilitator,
)
from tests.support.phones import choose, join_same_phone, people_on
from tests.support.sql import fetch


async def test_a_second_mother_joins_from_the_same_phone(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    melati = await create_group(h, fac, "Melati")
    siti = await join(h, mawar, "Siti")
    ani = await join_same_phone(h, siti, mawar, "Ani")  # the same group
    assert h.last_text(siti).startswith(
        h.t("join.done", name="Ani", group="Mawar", sapaan="Ibu")[:20]
    )
    dewi = await join_same_phone(h, siti, melati, "Dewi")  # another group
    people = await people_on(h, siti)
    assert [p.name for p in people] == ["Siti", "Ani", "Dewi"]
    assert {p.telegram_id for p in people} == {siti.id}
    melati_group = await h.db.group_by_join_code(melati.removeprefix(JOIN_PREFIX))
    assert melati_group is not None and dewi.group_id == melati_group.id
    assert ani.group_id == (await h.participant(siti)).group_id
    # The same name again (a second tap on a link, or another group's) is not a new person.
    await h.send(siti, f"/start {melati}")
    await h.press(siti, h.t("phone.button_join_another"))
    await h.send(siti, "ani")
    await h.send(siti, h.t("join.button_skip_phone"))
    await h.press(siti, h.t("join.button_yes"))
    assert h.last_text(siti) == h.t("join.already_member_short", name="ani")
    assert len(await people_on(h, siti)) == 3


async def test_history_is_asked_for_whom_and_shows_only_hers(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    siti = await join(h, mawar, "Siti")
    ani = await join_same_phone(h, siti, mawar, "Ani")
    await h.send(siti, "/kehadiranku")
    assert h.last_text(siti) == h.t("phone.who_for")
    assert len(button_labels(h.last_with_buttons(siti))) == 2
    await choose(h, siti, ani)
    assert h.last_text(siti) == h.t("attendance.history_empty", name="Ani")
    # A forged choice of someone on another phone changes nothing and shows nothing.
    other = await join(h, mawar, "Euis")
    euis = await h.participant(other)
    await h.send(siti, "/kehadiranku")
    before = await h.db.who(siti.id)
    await h.press_data(siti, f"pa:{euis.id}:/kehadiranku")
    assert h.answers()[-1] == h.t("common.stale_button")
    assert (await h.db.who(siti.id)).chosen == before.chosen == ani.id


async def test_one_reminder_names_everyone_and_each_answers_for_herself(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    melati = await create_group(h, fac, "Melati")
    siti = await join(h, mawar, "Siti")
    ani = await join_same_phone(h, siti, mawar, "Ani")
    await join_same_phone(h, siti, melati, "Dewi")  # another group: not in this reminder
    meeting = await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(meeting.starts_at - timedelta(days=1))
    await h.tick()
    reminders = [m for m in await h.outbox("reminder") if m["chat_id"] == siti.id]
    assert len(reminders) == 1  # one message for both of them
    text = h.last_text(siti)
    assert "Ibu Siti dan Ibu Ani" in text
    # "Tidak bisa hadir" asks who, among the two of this group only.
    await h.press(siti, h.t("reminder.button_no"))
    assert h.last_text(siti) == h.t("phone.who_cannot_come")
    labels = button_labels(h.last_with_buttons(siti))
    assert len(labels) == 2 and not any("Dewi" in label for label in labels)
    await choose(h, siti, ani)
    await h.press(siti, h.t("reason.sakit"))
    assert await h.services.meetings.rsvp_of(meeting.id, ani.id) is not None
    siti_person = (await people_on(h, siti))[0]
    assert await h.services.meetings.rsvp_of(meeting.id, siti_person.id) is None


async def _two_on_a_phone_in_an_open_window(h: Harness) -> tuple[FakeUser, Participant, Meeting]:
    """Siti and Ani of Mawar share Siti's phone; their meeting's check-in is open."""
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    siti = await join(h, mawar, "Siti")
    ani = await join_same_phone(h, siti, mawar, "Ani")
    meeting = await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(OPENS + timedelta(minutes=5))
    await h.tick()
    return siti, ani, meeting


async def test_check_in_asks_who_and_flags_a_second_one_from_the_phone(h: Harness) -> None:
    siti, ani, meeting = await _two_on_a_phone_in_an_open_window(h)
    code = await code_of(h, meeting)
    first = (await people_on(h, siti))[0]
    await h.send(siti, "/hadir")
    assert h.last_text(siti) == h.t("phone.who_present")
    await choose(h, siti, first)
    await h.send(siti, code)
    assert h.last_text(siti) == h.t("phone.checkin_too")
    await h.press(siti, h.t("phone.button_checkin_too", name="Ani", sapaan="Ibu"))
    await h.send(siti, await code_of(h, meeting))  # each one types the code
    assert (await marks(h, meeting)) == {"Siti": (PRESENT, SELF), "Ani": (PRESENT, SELF)}
    flags = {
        r[0]: r[1]
        for r in await fetch(
            h.db,
            "SELECT participant_id, checkin_flags FROM attendance WHERE meeting_id = ?",
            (meeting.id,),
        )
    }
    assert flags[first.id] is None
    assert Flag.SHARED.value in (flags[ani.id] or "").split()


async def test_the_code_typed_alone_asks_who_and_keeps_the_code(h: Harness) -> None:
    siti, ani, meeting = await _two_on_a_phone_in_an_open_window(h)
    await h.send(siti, await code_of(h, meeting))
    assert h.last_text(siti) == h.t("phone.who_present")
    await choose(h, siti, ani)
    assert (await marks(h, meeting)) == {"Ani": (PRESENT, SELF)}


async def test_a_message_for_one_person_names_her_and_a_private_one_waits(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    melati = await create_group(h, fac, "Melati")
    siti = await join(h, mawar, "Siti")
    await join_same_phone(h, siti, melati, "Dewi")
    meeting = await add_meeting(h, await group_id_of(h, fac))
    h.clock.set(meeting.starts_at - timedelta(days=1))
    await h.tick()
    # Siti's reminder (Dewi is in another group) names her above the text.
    assert h.last_text(siti).startswith(h.t("phone.for_one", name="Siti", sapaan="Ibu"))
    # Siti did not come: "we missed you" is hers alone, a closed envelope on the phone.
    h.clock.set(START + timedelta(hours=6))
    await h.tick()
    after = [m for m in h.fake.sent_by_bot(siti) if "Siti" in str(m.get("text", ""))][-1]
    assert str(after["text"]) == h.t("phone.private_note", name="Siti", sapaan="Ibu")
    missed = h.t("attendance.after_absent", name="Siti", sapaan="Ibu", when="", summary="")
    assert not any(missed[:25] in text for text in h.texts(siti))
    data = button_data(after, h.t("phone.button_open", name="Siti", sapaan="Ibu"))
    await h.process(h.fake.press_button(siti, after["message_id"], data))
    assert missed[:25] in h.last_text(siti)
    assert (await h.db.who(siti.id)).chosen == (await people_on(h, siti))[0].id
    # The note is only for her phone: a forged id from another phone gets nothing.
    other = await join(h, mawar, "Euis")
    await h.send(other, "/kehadiranku")
    await h.press_data(other, data)
    assert h.answers()[-1] == h.t("phone.note_gone")


async def test_erase_one_person_or_everyone_on_the_phone(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    siti = await join(h, mawar, "Siti")
    ani = await join_same_phone(h, siti, mawar, "Ani")
    await join_same_phone(h, siti, mawar, "Dewi")
    await h.send(siti, "/datasaya")
    await choose(h, siti, ani)
    await h.press(siti, h.t("privacy.button_erase"))
    await h.press(siti, h.t("privacy.button_erase_yes"))
    assert h.last_text(siti) == h.t("privacy.erased")
    assert [p.name for p in await people_on(h, siti)] == ["Siti", "Dewi"]
    # The others keep their chat: a message to them still goes.
    await h.send(siti, "/datasaya")
    await choose(h, siti, (await people_on(h, siti))[0])
    await h.press(siti, h.t("privacy.button_erase"))
    await h.press(siti, h.t("phone.button_erase_all"))
    assert h.last_text(siti) == h.t("privacy.erased")
    assert await people_on(h, siti) == []
    names = await fetch(h.db, "SELECT name, telegram_id FROM participants ORDER BY id")
    assert [tuple(r) for r in names] == [("", None)] * 3


async def test_an_unreachable_phone_makes_everyone_on_it_unreachable(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    siti = await join(h, mawar, "Siti")
    await join_same_phone(h, siti, mawar, "Ani")
    await h.process(h.fake.block_bot(siti))  # Telegram says: she blocked the bot
    people = await fetch(
        h.db,
        "SELECT name, reachable FROM participants WHERE telegram_id = ? ORDER BY id",
        (siti.id,),
    )
    assert [tuple(r) for r in people] == [("Siti", 0), ("Ani", 0)]
    alerts = await fetch(
        h.db,
        "SELECT p.name FROM alerts a JOIN participants p ON p.id = a.participant_id ORDER BY a.id",
    )
    assert [r[0] for r in alerts] == ["Siti", "Ani"]  # the follow-up lists them both
    # Any update from the phone brings them both back.
    h.fake.unblock_bot(siti)
    await h.send(siti, "/bantuan")
    back = await fetch(
        h.db, "SELECT reachable FROM participants WHERE telegram_id = ?", (siti.id,)
    )
    assert [r[0] for r in back] == [1, 1]


async def test_her_excuse_shows_only_when_she_is_chosen(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    siti = await join(h, mawar, "Siti")
    ani = await join_same_phone(h, siti, mawar, "Ani")
    meeting = await add_meeting(h, await group_id_of(h, fac))
    await h.services.meetings.rsvp(ani, meeting.id, "no", "sakit", h.clock.now())
    excused = h.t("meeting.mine_excused", reason=h.t("reason.sakit"))
    await h.send(siti, "/jadwal")
    assert h.last_text(siti) == h.t("phone.who_for")  # nothing of hers before the choice
    await choose(h, siti, (await people_on(h, siti))[0])
    assert not any(excused in text for text in h.texts(siti))
    await h.send(siti, "/jadwal")
    await choose(h, siti, ani)
    assert excused in h.last_text(siti)


async def test_a_phone_holds_six_people_at_most(h: Harness) -> None:
    fac = await register_facilitator(h)
    mawar = await create_group(h, fac, "Mawar")
    siti = await join(h, mawar, "Siti")
    for name in ("Ani", "Dewi", "Euis", "Fitri", "Gita"):
        await join_same_phone(h, siti, mawar, name)
    await h.send(siti, f"/start {mawar}")
    await h.press(siti, h.t("phone.button_join_another"))
    await h.send(siti, "Hana")
    await h.send(siti, h.t("join.button_skip_phone"))
    await h.press(siti, h.t("join.button_yes"))
    assert h.last_text(siti) == h.t("phone.full")
    assert len(await people_on(h, siti)) == 6
