"""Codes that change and the QR code's deep link (issue 21, points 1, 2 and 5).

Time is the harness's ManualClock: the rotation is driven by setting it, nothing sleeps.
The meeting starts Saturday 5 December 2026, 09.00 WIB; its window opens 08.30 WIB (01.30
UTC) and the code changes every five minutes from then (the default ``code_every``).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from PIL import Image

from bot.app import tick
from bot.attendance import Match, Rotation, parse_payload
from bot.attendance.rotation import checkin_payload, code_at, slot_at, token_at
from db.meetings import Meeting, NewMeeting
from fakeapi import FakeUser
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.sql import fetch

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
OPENS = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
FIVE = timedelta(minutes=5)


# --------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("offset", "every", "slot"),
    [
        (timedelta(0), FIVE, 0),
        (FIVE - timedelta(seconds=1), FIVE, 0),
        (FIVE, FIVE, 1),
        (timedelta(minutes=62), FIVE, 12),
        (-FIVE, FIVE, 0),  # before the opening: the first slot
        (timedelta(hours=2), timedelta(0), 0),  # no rotation: one slot
    ],
)
def test_slot_by_the_clock(offset: timedelta, every: timedelta, slot: int) -> None:
    assert slot_at(OPENS, OPENS + offset, every) == slot


def test_codes_and_tokens_are_derived_and_differ_per_slot() -> None:
    codes = [code_at("secret", s) for s in range(36)]
    assert all(len(c) == 4 and c.isdigit() for c in codes)
    assert code_at("secret", 3) == code_at("secret", 3)  # a restart computes the same
    assert len(set(codes)) > 30  # 36 slots of a three-hour window, hardly any repeat
    assert code_at("other", 3) != code_at("secret", 3) or code_at("other", 4) != code_at(
        "secret", 4
    )
    tokens = {token_at("secret", s) for s in range(36)}
    assert len(tokens) == 36 and all(len(t) == 12 for t in tokens)
    payload = checkin_payload(42, "secret", 7)
    assert parse_payload(payload) == (42, token_at("secret", 7))
    assert len(payload) <= 64


def test_current_and_previous_accepted_older_recognised() -> None:
    rotation = Rotation("secret", OPENS, FIVE)
    now = OPENS + timedelta(minutes=22)  # slot 4
    table = {
        code_at("secret", 4): Match.CURRENT,
        code_at("secret", 3): Match.PREVIOUS,
        code_at("secret", 2): Match.OLD,
        code_at("secret", 0): Match.OLD,
        token_at("secret", 4): Match.CURRENT,
    }
    for given, expected in table.items():
        match = (rotation.match_token if len(given) > 4 else rotation.match_code)(given, now)
        assert match is expected, (given, expected)
    future = code_at("secret", 5)
    if future not in {code_at("secret", s) for s in range(5)}:
        assert rotation.match_code(future, now) is Match.NONE  # not shown yet
    assert rotation.match_token("x" * 12, now) is Match.NONE
    assert rotation.next_change(now) == OPENS + 5 * FIVE


@pytest.mark.parametrize(
    "payload",
    [
        "c_",
        "c_12",
        "c_12_",
        "c_x_abcdefghijkl",
        "c_12_short",
        "g_12_abcdefghijkl",
        "c_12_" + "a" * 13,
    ],
)
def test_payloads_that_are_not_check_in_links(payload: str) -> None:
    assert parse_payload(payload) is None


# --------------------------------------------------------------------- helpers


async def setup(h: Harness) -> tuple[FakeUser, list[FakeUser], Meeting]:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar")
    mothers = [await join(h, payload, name) for name in ("Siti", "Ani")]
    group_id = (await h.db.groups_of((await h.facilitator(fac)).id))[0].group.id
    created = await h.db.create_meetings(
        [NewMeeting(group_id, START, "Balai Desa Sukamaju", "sesi-01")], h.clock.now()
    )
    return fac, mothers, created[0]


async def marks(
    h: Harness, meeting: Meeting
) -> list[tuple[str, str, str, str | None, str | None]]:
    rows = await fetch(
        h.db,
        "SELECT p.name, a.status, a.source, a.checkin_via, a.checkin_flags FROM attendance a"
        " JOIN participants p ON p.id = a.participant_id WHERE a.meeting_id = ? ORDER BY p.name",
        (meeting.id,),
    )
    return [tuple(r) for r in rows]


async def old_codes(h: Harness, meeting: Meeting) -> dict[int, int]:
    return await h.db.old_code_counts(meeting.id)


def qr_text(h: Harness, message: dict[str, object]) -> str:
    """Decode the photo of a message with an independent QR reader (zxing-cpp)."""
    sizes = message["photo"]
    assert isinstance(sizes, list)
    data = h.fake.file(str(sizes[-1]["file_id"])).data
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(found) == 1
    return str(found[0].text)


def code_message(h: Harness, fac: FakeUser) -> dict[str, object]:
    found = [m for m in h.fake.sent_by_bot(fac) if "photo" in m]
    assert len(found) == 1, "one check-in message with its QR code"
    return found[0]


async def secret_of(h: Harness, meeting: Meeting) -> str:
    cm = await h.db.checkin_meeting(meeting.id)
    assert cm is not None and cm.checkin_code is not None
    return cm.checkin_code


# --------------------------------------------------------------------- through the bot


async def test_the_code_rotates_and_the_message_is_edited_in_place(h: Harness) -> None:
    fac, _mothers, meeting = await setup(h)
    h.clock.set(OPENS)
    await h.tick()
    first = code_message(h, fac)
    code0 = await h.checkin_code(meeting.id)
    assert h.t("attendance.mark_code", code=code0).split(" ", 1)[1] in str(first["caption"])
    secret = await secret_of(h, meeting)
    link = f"https://t.me/p2k2_test_bot?start={checkin_payload(meeting.id, secret, 0)}"
    assert qr_text(h, first) == link
    # Within the slot: ticks change nothing.
    h.clock.set(OPENS + FIVE - timedelta(seconds=1))
    await h.tick()
    assert len(await h.outbox("checkin_code")) == 1
    # The next slot: the same message shows the new code and the new QR code.
    h.clock.set(OPENS + FIVE)
    await h.tick()
    await h.tick()
    edited = code_message(h, fac)
    code1 = await h.checkin_code(meeting.id)
    assert code1 == code_at(secret, 1)
    assert edited["message_id"] == first["message_id"] and "edit_date" in edited
    assert h.t("attendance.mark_code", code=code1).split(" ", 1)[1] in str(edited["caption"])
    link1 = f"https://t.me/p2k2_test_bot?start={checkin_payload(meeting.id, secret, 1)}"
    assert qr_text(h, edited) == link1
    rows = await h.outbox("checkin_code")
    assert [r["status"] for r in rows] == ["sent", "sent"]  # one edit per slot, not per tick


async def test_an_edit_whose_slot_is_over_is_not_sent_late(h: Harness) -> None:
    fac, _mothers, meeting = await setup(h)
    h.clock.set(OPENS)
    await h.tick()
    h.clock.set(OPENS + FIVE)
    await tick_without_sending(h)  # the sender is behind (a flood wait, a slow network)
    h.clock.set(OPENS + 3 * FIVE)
    await h.tick()
    await h.drain()  # the stale edit is dropped at claim; the current one goes next
    rows = await h.outbox("checkin_code")
    assert [r["status"] for r in rows] == ["sent", "failed", "sent"]
    assert qr_text(h, code_message(h, fac)).endswith(
        checkin_payload(meeting.id, await secret_of(h, meeting), 3)
    )


async def tick_without_sending(h: Harness) -> None:
    await tick(h.services)


async def test_previous_code_accepted_older_refused_kindly_and_counted(h: Harness) -> None:
    fac, (siti, ani), meeting = await setup(h)
    h.clock.set(OPENS)
    await h.tick()
    code0 = await h.checkin_code(meeting.id)
    # Five minutes on, the code of the first slot is the previous one: accepted.
    h.clock.set(OPENS + FIVE + timedelta(seconds=30))
    await h.send(siti, f"/hadir {code0}")
    assert h.last_text(siti) == h.t(
        "attendance.checkin_ok", name="Siti", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    )
    # Ten minutes on it is older: a kind answer, nothing recorded, not a wrong code.
    h.clock.set(OPENS + 2 * FIVE)
    await h.send(ani, f"/hadir {code0}")
    assert h.last_text(ani) == h.t("attendance.old_code")
    await h.send(ani, code0)  # again, in the code dialogue
    assert h.last_text(ani) == h.t("attendance.old_code")
    ani_id = (await h.participant(ani)).id
    assert (await old_codes(h, meeting)) == {ani_id: 2}
    _mark, wrong, _old = await h.db.checkin_gate(meeting.id, ani_id)
    assert wrong == 0
    assert [m[0] for m in await marks(h, meeting)] == ["Siti"]
    # The facilitator's message counts the old codes at the next change.
    h.clock.set(OPENS + 3 * FIVE)
    await h.tick()
    assert h.t("attendance.code_old_tries", count=2) in str(code_message(h, fac)["caption"])
    # With the current code she is checked in; the mark carries the flag.
    await h.send(ani, await h.checkin_code(meeting.id))
    assert h.last_text(ani).startswith("✅")
    assert await marks(h, meeting) == [
        ("Ani", "present", "self", "code", "old_code"),
        ("Siti", "present", "self", "code", None),
    ]


async def test_the_same_old_code_delivered_twice_is_counted_once(h: Harness) -> None:
    _fac, (siti, _ani), meeting = await setup(h)
    h.clock.set(OPENS)
    await h.tick()
    code0 = await h.checkin_code(meeting.id)
    h.clock.set(OPENS + 4 * FIVE)
    update = h.fake.send_text(siti, f"/hadir {code0}")
    await h.process(update)
    await h.process(update)  # re-delivered after a crash
    assert (await old_codes(h, meeting)) == {(await h.participant(siti)).id: 1}


async def test_deep_link_checks_her_in_once_however_often_opened(h: Harness) -> None:
    _fac, (siti, _ani), meeting = await setup(h)
    h.clock.set(OPENS + timedelta(minutes=40))
    await h.tick()
    secret = await secret_of(h, meeting)
    payload = checkin_payload(meeting.id, secret, slot_at(OPENS, h.clock.now(), FIVE))
    for _ in range(3):
        await h.send(siti, f"/start {payload}")
    texts = h.texts(siti)[-3:]
    assert texts[0] == h.t(
        "attendance.checkin_ok", name="Siti", when="Sabtu, 5 Desember 2026 pukul 09.00 WIB"
    )
    assert texts[1:] == [h.t("attendance.already")] * 2
    assert await marks(h, meeting) == [("Siti", "present", "self", "link", None)]
    log = await h.db.attendance_log(meeting.id)
    assert len(log) == 1


async def test_old_forged_and_foreign_links(h: Harness) -> None:
    fac, (siti, ani), meeting = await setup(h)
    h.clock.set(OPENS)
    await h.tick()
    secret = await secret_of(h, meeting)
    old = checkin_payload(meeting.id, secret, 0)
    h.clock.set(OPENS + 3 * FIVE)
    await h.send(siti, f"/start {old}")
    assert h.last_text(siti) == h.t("attendance.old_code")
    await h.send(siti, f"/start c_{meeting.id}_AAAAAAAAAAAA")  # forged: no wrong code counted
    assert h.last_text(siti) == h.t("attendance.bad_link")
    siti_id = (await h.participant(siti)).id
    assert await h.db.checkin_gate(meeting.id, siti_id) == (None, 0, 1)  # the old link only
    # A mother of another group, a stranger, the facilitator herself: kind answers.
    other_fac = await register_facilitator(h, "Dina")
    lina = await join(h, await create_group(h, other_fac, "Melati"), "Lina")
    current = checkin_payload(meeting.id, secret, 3)
    await h.send(lina, f"/start {current}")
    assert h.last_text(lina) == h.t("attendance.qr_other_group")
    stranger = h.fake.add_user("Tamu")
    await h.send(stranger, f"/start {current}")
    assert h.last_text(stranger) == h.t("attendance.qr_not_member")
    await h.send(fac, f"/start {current}")
    assert h.last_text(fac) == h.t("attendance.qr_not_member")
    # Only the old link was counted, and nobody was checked in.
    assert await old_codes(h, meeting) == {(await h.participant(siti)).id: 1}
    assert await marks(h, meeting) == []
    # Ani scans the current one: in.
    await h.send(ani, f"/start {current}")
    assert h.last_text(ani).startswith("✅")


async def test_a_button_pressed_on_the_photo_message_answers_in_a_new_message(
    h: Harness,
) -> None:
    """A screen opened from a button on the check-in photo (a stale or forged press: the
    photo carries only "Tandai kehadiran") cannot replace a caption by a text: it comes
    as a new message, and the photo stays as it was."""
    fac, _mothers, _meeting = await setup(h)
    h.clock.set(OPENS)
    await h.tick()
    photo = code_message(h, fac)
    await h.process(h.fake.press_button(fac, int(str(photo["message_id"])), "kk", forge=True))
    assert h.last_text(fac) == h.t("attendance.followups_empty")
    assert code_message(h, fac) == photo
