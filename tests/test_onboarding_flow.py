"""Onboarding through the real handlers, against the in-process fake Bot API."""

from __future__ import annotations

from datetime import timedelta

from bot.codes import JOIN_PREFIX
from tests.support.harness import Harness, button_labels, create_group, join, register_facilitator
from tests.support.sql import fetch


async def test_stranger_start_explains_the_bot(h: Harness) -> None:
    user = h.fake.add_user("Ani")
    reply = await h.send(user, "/start")
    assert reply is not None and reply["text"] == h.t("start.stranger")
    assert "pendamping" in h.last_text(user)


async def test_facilitator_invite_registers_once(h: Harness) -> None:
    fac = await register_facilitator(h, "Rina Wati")
    assert "Rina Wati" in h.last_text(fac)
    assert await h.db.facilitator_by_telegram(fac.id) is not None
    assert "kelompok" in h.menu(fac) and "kelompokbaru" in h.menu(fac)
    # The same link again, by someone else: used.
    rows = list(await fetch(h.db, "SELECT code FROM facilitator_invites"))
    invite_code = rows[0][0]
    other = h.fake.add_user("Budi")
    await h.send(other, f"/start f_{invite_code}")
    assert h.last_text(other) == h.t("invite.used")
    assert await h.db.facilitator_by_telegram(other.id) is None
    # A second /start with a code by a registered user changes nothing.
    await h.send(fac, f"/start f_{invite_code}")
    assert h.last_text(fac) == h.t("start.already_registered")


async def test_expired_and_made_up_invites(h: Harness) -> None:
    invite = await h.services.onboarding.invite_facilitator("Bu Late", h.clock.now())
    h.clock.advance(timedelta(hours=73))
    user = h.fake.add_user("Late")
    await h.send(user, f"/start f_{invite.code}")
    assert h.last_text(user) == h.t("invite.expired")
    await h.send(user, "/start f_madeUpCode123")
    assert h.last_text(user) == h.t("invite.unknown")
    await h.send(user, "/start <script>")
    assert h.last_text(user) == h.t("start.bad_link")
    assert await h.db.facilitator_by_telegram(user.id) is None


async def test_group_creation_dialogue(h: Harness) -> None:
    fac = await register_facilitator(h)
    await h.send(fac, "/kelompokbaru")
    await h.send(fac, "x")  # too short
    assert h.last_text(fac) == h.t("group.name_invalid")
    await h.send(fac, "Mawar 1")
    await h.send(fac, "Papua")  # text where a button is expected
    assert h.last_text(fac) == h.t("group.press_zone")
    await h.press(fac, "WIT")
    await h.process(h.fake.send_sticker(fac))
    assert h.last_text(fac) == h.t("common.type_text")
    await h.send(fac, "Rumah Ibu Yuliana, Jalan Biak")
    assert h.last_text(fac) == h.t("group.ask_kecamatan")
    await h.send(fac, "x")  # too short
    assert h.last_text(fac) == h.t("group.kecamatan_invalid")
    await h.send(fac, "Kec. biak kota")
    created, forward = h.texts(fac)[-2:]
    assert (
        "Mawar 1" in created
        and "WIT" in created
        and "https://t.me/p2k2_test_bot?start=g_" in created
    )
    assert "https://t.me/p2k2_test_bot?start=g_" in forward
    groups = await h.db.groups_of((await h.facilitator(fac)).id)
    assert [
        (s.group.name, s.group.timezone, s.group.place, s.group.kecamatan) for s in groups
    ] == [("Mawar 1", "Asia/Jayapura", "Rumah Ibu Yuliana, Jalan Biak", "Biak kota")]
    assert "Kecamatan: Biak kota" in created


async def test_mother_joins_with_and_without_phone(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti", "Siti Aminah", phone="081234567890")
    ani = await join(h, payload, "Ani")
    assert "Siti Aminah" in h.last_text(siti) and "Mawar" in h.last_text(siti)
    members = await h.db.members((await h.participant(siti)).group_id)
    assert [(m.name, m.phone) for m in members] == [
        ("Ani", None),
        ("Siti Aminah", "+6281234567890"),
    ]
    assert h.menu(ani) and "kelompok" not in h.menu(ani)
    assert any("Siti Aminah" in t for t in h.texts(fac))  # facilitator told of new members


async def test_join_dialogue_refuses_bad_input(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    user = h.fake.add_user("Dewi")
    await h.send(user, f"/start {payload}")
    await h.process(h.fake.send_photo(user))
    assert h.last_text(user) == h.t("common.type_text")
    await h.send(user, "🌸🌸")
    assert h.last_text(user) == h.t("join.name_invalid")
    await h.send(user, "Dewi Lestari")
    await h.contact(user, "081200000000", own=False)
    assert h.last_text(user) == h.t("join.phone_not_own")
    await h.send(user, "bukan nomor")
    assert h.last_text(user).startswith("Tekan tombol")
    await h.send(user, h.t("join.button_skip_phone"))
    await h.send(user, "ya")
    assert h.last_text(user) == h.t("join.press_button")
    assert await h.db.participant_by_telegram(user.id) is None
    await h.press(user, "Ubah nama")
    await h.send(user, "Dewi L.")
    await h.send(user, h.t("join.button_skip_phone"))
    await h.press(user, "Ya")
    joined = await h.db.participant_by_telegram(user.id)
    assert joined is not None and joined.name == "Dewi L."


async def test_another_link_on_a_used_phone_and_renewed_link(h: Harness) -> None:
    fac = await register_facilitator(h)
    first = await create_group(h, fac, "Mawar")
    second = await create_group(h, fac, "Melati")
    siti = await join(h, first, "Siti")
    await h.send(siti, f"/start {second}")
    # The phone is Siti's (in Mawar): another link offers a second person, never moves her.
    assert h.last_text(siti) == h.t("phone.already_here", names="Siti (Mawar)", group="Melati")
    melati = await h.db.group_by_join_code(second.removeprefix(JOIN_PREFIX))
    assert melati is not None and (await h.participant(siti)).group_id != melati.id
    # Renew Melati's link: the old one stops working.
    await h.send(fac, "/kelompok")
    await h.press(fac, "Melati")
    await h.press(fac, "Ganti tautan")
    await h.press(fac, "Ya, ganti")
    late = h.fake.add_user("Late")
    await h.send(late, f"/start {second}")
    assert h.last_text(late) == h.t("join.bad_link")


async def test_link_renewed_while_she_was_typing(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    user = h.fake.add_user("Rina")
    await h.send(user, f"/start {payload}")
    await h.send(user, "Rina")
    await h.send(user, h.t("join.button_skip_phone"))
    await h.send(fac, "/kelompok")
    await h.press(fac, "Mawar")
    await h.press(fac, "Ganti tautan")
    await h.press(fac, "Ya, ganti")
    await h.press(user, "Ya")
    assert h.last_text(user) == h.t("join.link_changed")
    assert await h.db.participant_by_telegram(user.id) is None


async def test_leader_and_removal(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")
    ani = await join(h, payload, "Ani")
    await h.send(fac, "/kelompok")
    await h.press(fac, "Mawar")
    await h.press(fac, "Anggota")
    await h.press(fac, "Siti")
    await h.press(fac, "Jadikan ketua")
    assert "ketua" in h.last_text(siti)
    assert (await h.group_of(siti)).leader_id == (await h.participant(siti)).id
    detail = h.fake.last_message(fac)
    assert detail is not None and "ketua kelompok" in detail["text"]
    assert not any("Jadikan ketua" in b for b in button_labels(detail))
    # Remove Ani, with a confirmation.
    await h.press(fac, "Kembali")
    await h.press(fac, "Ani")
    await h.press(fac, "Keluarkan")
    assert await h.db.participant_by_telegram(ani.id) is not None  # not yet: confirmation
    await h.press(fac, "Ya, keluarkan")
    assert await h.db.participant_by_telegram(ani.id) is None
    assert "tidak lagi terdaftar" in h.last_text(ani)


async def test_participant_cannot_use_facilitator_actions(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")
    ani = await join(h, payload, "Ani")
    group_id = (await h.participant(siti)).group_id
    ani_id = (await h.participant(ani)).id
    await h.send(siti, "/kelompok")
    assert h.last_text(siti) == h.t("auth.not_allowed")
    before = await h.db.members(group_id)
    await h.press_data(siti, f"gxy:{group_id}:{ani_id}")
    await h.press_data(siti, f"gk:{group_id}:{ani_id}")
    assert h.answers()[-1] == h.t("auth.not_allowed")
    assert await h.db.members(group_id) == before
    assert (await h.group_of(siti)).leader_id is None


async def test_forged_and_stale_buttons_change_nothing(h: Harness) -> None:
    fac = await register_facilitator(h)
    other = await register_facilitator(h, "Sari Dewi")
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")
    group_id = (await h.participant(siti)).group_id
    siti_id = (await h.participant(siti)).id
    for data in (
        f"gxy:{group_id}:{siti_id}",
        f"gk:{group_id}:{siti_id}",
        f"gry:{group_id}",
        "gxy:1",
        "zz:1",
        "gm:x:1",
        "",
        "go:99999999999999999999999",
    ):
        await h.press_data(other, data)
    assert all(a == h.t("common.stale_button") for a in h.answers()[-8:])
    group = await h.db.group(group_id)
    assert group is not None and group.leader_id is None
    assert [m.id for m in await h.db.members(group_id)] == [siti_id]


async def test_unknown_command_text_and_help(h: Harness) -> None:
    user = h.fake.add_user("Ani")
    await h.send(user, "/hapussemua")
    assert h.last_text(user) == h.t("common.unknown_command")
    await h.send(user, "halo")
    assert h.last_text(user) == h.t("common.not_understood")
    await h.process(h.fake.send_sticker(user))
    assert h.last_text(user) == h.t("common.text_only")
    await h.send(user, "/bantuan")
    assert "pendamping" in h.last_text(user)
    fac = await register_facilitator(h)
    await h.send(fac, "/bantuan")
    assert "/kelompokbaru" in h.last_text(fac)
    await h.send(fac, "/batal")
    assert h.last_text(fac) == h.t("common.nothing_to_cancel")


async def test_group_chat_gets_one_notice(h: Harness) -> None:
    user = h.fake.add_user("Ani")
    chat = h.fake.add_group_chat("Kelompok Mawar")
    await h.process(h.fake.add_bot_to_group(chat, user))
    await h.process(h.fake.add_bot_to_group(chat, user))
    sent = h.fake.sent_by_bot(chat.id)
    assert [m["text"] for m in sent] == [h.t("group_chat.private_only")]


async def test_blocking_marks_unreachable(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")
    blocked = h.fake.block_bot(siti)
    await h.process(blocked)
    assert not (await h.participant(siti)).reachable
    await h.process(blocked)  # the same news twice: the facilitator hears once
    await h.drain()
    notices = [t for t in h.texts(fac) if "Siti" in t and "tidak sampai lagi" in t]
    assert len(notices) == 1  # one follow-up for the facilitator, with its buttons
    await h.process(h.fake.unblock_bot(siti))
    assert (await h.participant(siti)).reachable


async def test_facilitator_adds_a_mother_without_a_phone(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")
    await h.send(fac, "/kelompok")
    await h.press(fac, "Mawar")
    await h.press(fac, "Anggota")
    await h.press(fac, "Tambah anggota tanpa HP")
    await h.send(fac, "/")
    assert h.last_text(fac) == h.t("join.name_invalid")
    await h.send(fac, "Mak Ijah")
    assert "Mak Ijah" in h.last_text(fac)
    await h.press(fac, "Anggota")
    assert "Mak Ijah (tanpa HP)" in button_labels(h.last_with_buttons(fac))
    members = await h.db.members((await h.participant(siti)).group_id)
    assert [(m.name, m.telegram_id) for m in members] == [("Mak Ijah", None), ("Siti", siti.id)]
