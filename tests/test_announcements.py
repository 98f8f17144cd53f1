"""Announcements: leaders to their own group, facilitators to one or all groups; previews,
quotas (across restarts), escaping, delivery counts, photos, and refusals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.announcements import (
    PHOTO_TEXT_LIMIT,
    TEXT_LIMIT,
    Draft,
    Problem,
    Sent,
    check_text,
    local_day,
    telegram_length,
)
from bot.auth import Role, resolve_actor
from bot.context import BotContext
from fakeapi import FakeUser
from handlers import announcements as handler
from handlers.registry import Call
from tests.support.announcements import announcements_to, setup_world
from tests.support.harness import (
    START,
    Harness,
    button_labels,
    register_facilitator,
    running_bot,
)
from tests.support.sql import fetch

TRICKY = 'Rapat <b>penting</b> <a href="http://evil.example">klik</a> & bawa KTP'


DAILY_QUOTA_PER_LEADER = 3  # the config default (tests/support/harness.py sets none)


async def announce(h: Harness, user: FakeUser, text: str) -> None:
    await h.send(user, "/umumkan")
    await h.send(user, text)
    await h.press(user, "Kirim")


async def count_rows(h: Harness) -> int:
    rows = list(await fetch(h.db, "SELECT COUNT(*) FROM announcements"))
    return int(rows[0][0])


# -- the leader's flow ---------------------------------------------------------------------


async def test_leader_announces_to_her_group_only(h: Harness) -> None:
    w = await setup_world(h)
    await h.send(w.leader, "/umumkan")
    assert "Mawar" in h.last_text(w.leader)
    await h.send(w.leader, TRICKY)
    texts = h.texts(w.leader)
    preview = texts[-2]
    assert texts[-3] == h.t("announce.preview_title")
    assert TRICKY in preview  # shown literally, not as formatting
    assert "Kirim pengumuman ini ke 2 anggota kelompok Mawar?" in texts[-1]
    assert await h.outbox("announcement") == []  # nothing goes before she confirms

    await h.press(w.leader, "Kirim")
    assert "2 anggota" in h.last_text(w.leader)
    await h.drain()

    for member in w.mawar[1:]:
        got = announcements_to(h, member)
        assert len(got) == 1
        assert got[0]["text"] == preview  # exactly what the preview showed
        assert TRICKY in got[0]["text"]
        kinds = {e["type"] for e in got[0].get("entities", [])}
        assert "text_link" not in kinds  # the disguised link stayed text
        body_start = got[0]["text"].index("Rapat")
        in_body = [e for e in got[0].get("entities", []) if e["offset"] >= body_start]
        # only what Telegram detects in any plain text (a visible address, "/b" of "</b>")
        assert {e["type"] for e in in_body} <= {"url", "bot_command"}
    assert len(announcements_to(h, w.leader)) == 1  # the preview only, no copy to herself
    for member in w.melati:
        assert announcements_to(h, member) == []
    copies = announcements_to(h, w.fac)
    assert len(copies) == 1 and "Salinan untuk pendamping" in copies[0]["text"]
    assert TRICKY in copies[0]["text"]

    await h.press(w.leader, "Lihat hasil")
    result = h.last_text(w.leader)
    assert "selesai dikirim" in result
    assert "Sudah sampai: 2" in result and "Gagal: 0" in result
    assert "Tidak bisa dihubungi: 0" in result


async def test_cancel_sends_nothing(h: Harness) -> None:
    w = await setup_world(h)
    await h.send(w.leader, "/umumkan")
    await h.send(w.leader, "Besok kerja bakti")
    await h.press(w.leader, "Batal")
    assert h.last_text(w.leader) == h.t("common.cancelled")
    await h.drain()
    assert await count_rows(h) == 0
    assert await h.outbox("announcement") == []
    await h.press_data(w.leader, "annok")  # the old button does nothing now
    assert h.answers()[-1] == h.t("common.stale_button")
    assert await count_rows(h) == 0


async def test_unreachable_and_blocked_members_are_counted(h: Harness) -> None:
    w = await setup_world(h)
    ani, dewi = w.mawar[1], w.mawar[2]
    h.fake.block_bot(dewi)  # the bot learns it only when sending
    await announce(h, w.leader, "Jangan lupa arisan")
    await h.drain()
    await h.press(w.leader, "Lihat hasil")
    result = h.last_text(w.leader)
    assert "Sudah sampai: 1" in result and "Tidak bisa dihubungi: 1" in result
    assert len(announcements_to(h, ani)) == 1
    # Dewi is now known unreachable: the next announcement does not even queue hers.
    await announce(h, w.leader, "Arisan diundur")
    assert "1 anggota" in h.last_text(w.leader)
    await h.drain()
    await h.press(w.leader, "Lihat hasil")
    assert "Tidak bisa dihubungi: 1" in h.last_text(w.leader)


async def test_over_long_text_is_refused_with_the_limit(h: Harness) -> None:
    w = await setup_world(h)
    await h.send(w.leader, "/umumkan")
    await h.send(w.leader, "a" * (TEXT_LIMIT + 1))
    assert h.last_text(w.leader) == h.t(
        "announce.too_long", limit=TEXT_LIMIT, length=TEXT_LIMIT + 1
    )
    # She may try again with a shorter text: the dialogue is still open.
    await h.send(w.leader, "a" * TEXT_LIMIT)
    await h.press(w.leader, "Kirim")
    await h.drain()
    assert len(announcements_to(h, w.mawar[1])) == 1


def test_limits_keep_messages_under_telegram_limits() -> None:
    assert check_text("", None) is Problem.EMPTY
    assert check_text("😀" * (TEXT_LIMIT // 2), None) is None
    assert check_text("😀" * (TEXT_LIMIT // 2 + 1), None) is Problem.TOO_LONG  # UTF-16
    assert telegram_length("😀") == 2
    assert check_text("x" * (PHOTO_TEXT_LIMIT + 1), "AgAC") is Problem.TOO_LONG
    assert check_text("", "AgAC") is None  # a photo alone is fine


async def test_longest_announcement_fits_in_telegram(h: Harness) -> None:
    """Longest names, longest text, a copy header: under 4096 (text) and 1024 (caption)."""
    from fakeapi import parse_text

    w = await setup_world(h)
    actor = await resolve_actor(h.db, w.leader.id)
    group = await h.group_of(w.leader)
    service = h.services.announcements
    long_group = group.__class__(**{**group.__dict__, "name": "G" * 60})
    for text, photo, limit in (
        ("x" * TEXT_LIMIT, None, 4096),
        ("&" * PHOTO_TEXT_LIMIT, "p", 1024),
    ):
        assert actor.participant is not None
        rendered = service.render_copy("leader", "N" * 60, long_group, text)
        plain = parse_text(rendered, "HTML")[0]
        assert telegram_length(plain) <= limit, (photo, telegram_length(plain))


# -- refusals ------------------------------------------------------------------------------


async def test_participant_cannot_announce(h: Harness) -> None:
    w = await setup_world(h)
    ani = w.mawar[1]
    mawar = await h.group_of(ani)
    await h.send(ani, "/umumkan")
    assert h.last_text(ani) == h.t("auth.not_allowed")
    assert "umumkan" not in h.menu(ani)
    leader_menu = h.app.bot_data["menus"].menu_for(Role.LEADER, h.services)
    assert "umumkan" in [c.command for c in leader_menu]
    for data in (f"anng:{mawar.id}", "anng:0", "annok", "annx", "annr:1"):
        await h.press_data(ani, data)
        assert h.answers()[-1] == h.t("auth.not_allowed"), data
    assert await h.db.chat_state(ani.id) is None
    assert await count_rows(h) == 0


async def test_leader_cannot_reach_another_group(h: Harness) -> None:
    w = await setup_world(h)
    melati = await h.group_of(w.melati[0])
    # A forged group button: refused, no dialogue starts.
    await h.press_data(w.leader, f"anng:{melati.id}")
    assert h.answers()[-1] == h.t("common.stale_button")
    assert await h.db.chat_state(w.leader.id) is None
    await h.press_data(w.leader, "anng:0")  # "all of hers" is her own group, nothing more
    state = await h.db.chat_state(w.leader.id)
    assert state is not None and state.data["groups"] == [(await h.group_of(w.leader)).id]
    await h.send(w.leader, "/batal")
    # Melati's leader announces; Mawar's leader cannot read its results.
    await announce(h, w.melati[0], "Untuk Melati saja")
    row = list(await fetch(h.db, "SELECT id FROM announcements"))
    other_id = int(row[0][0])
    await h.press_data(w.leader, f"annr:{other_id}")
    assert h.answers()[-1] == h.t("common.stale_button")
    # Another facilitator cannot either.
    other_fac = await register_facilitator(h, "Yuni Astuti")
    await h.press_data(other_fac, f"annr:{other_id}")
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(other_fac, f"anng:{melati.id}")
    assert h.answers()[-1] == h.t("common.stale_button")
    # Her own facilitator can.
    await h.drain()
    await h.press_data(w.fac, f"annr:{other_id}")
    assert "Sudah sampai: 1" in h.last_text(w.fac)
    await h.drain()
    assert all(announcements_to(h, m) == [] for m in w.mawar[1:])


async def test_demoted_leader_cannot_confirm_her_draft(h: Harness) -> None:
    w = await setup_world(h)
    await h.send(w.leader, "/umumkan")
    await h.send(w.leader, "Draf lama")
    dewi = await h.participant(w.mawar[2])
    assert await h.db.set_leader(dewi.group_id, dewi.id)  # the facilitator appoints Dewi
    await h.press_data(w.leader, "annok")
    assert h.answers()[-1] == h.t("auth.not_allowed")
    assert await count_rows(h) == 0


# -- quota ---------------------------------------------------------------------------------


async def test_quota_holds_across_restarts(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        w = await setup_world(h)
        leader_id = w.leader.id
        for i in range(DAILY_QUOTA_PER_LEADER):
            await announce(h, w.leader, f"Pengumuman ke-{i + 1}")
        await h.drain()
        await h.send(w.leader, "/umumkan")
        assert h.last_text(w.leader) == h.t("announce.quota_used", quota=DAILY_QUOTA_PER_LEADER)
        # the facilitator has no quota
        await h.send(w.fac, "/umumkan")
        assert h.last_text(w.fac) == h.t("announce.choose_group")

    async with running_bot(tmp_path) as h2:  # a restart: same database, new process state
        leader = FakeUser(leader_id, "Siti")
        h2.fake.users[leader.id] = leader
        await h2.send(leader, "/umumkan")
        assert h2.last_text(leader) == h2.t("announce.quota_used", quota=DAILY_QUOTA_PER_LEADER)
        # A draft begun before the limit was reached is refused at confirmation, too.
        await h2.db.set_chat_state(
            leader.id,
            "ann_confirm",
            {"token": "old-draft", "groups": [(await h2.group_of(leader)).id], "text": "x"},
            h2.clock.now(),
        )
        await h2.press_data(leader, "annok")
        assert h2.last_text(leader) == h2.t("announce.quota_used", quota=DAILY_QUOTA_PER_LEADER)
        assert await count_rows(h2) == DAILY_QUOTA_PER_LEADER
        # Her next local day (WIB midnight = 17.00 UTC) she may write again.
        window = local_day(h2.clock.now(), "Asia/Jakarta", DAILY_QUOTA_PER_LEADER)
        h2.clock.set(window.end - timedelta(seconds=1))
        await h2.send(leader, "/umumkan")
        assert h2.last_text(leader) == h2.t("announce.quota_used", quota=DAILY_QUOTA_PER_LEADER)
        h2.clock.set(window.end)
        await h2.send(leader, "/umumkan")
        assert "Silakan tulis pengumuman" in h2.last_text(leader)


def test_quota_day_is_the_groups_local_day() -> None:
    # START is 01.00 UTC: 08.00 WIB, 10.00 WIT, same local date 30 November.
    wib = local_day(START, "Asia/Jakarta", 3)
    wit = local_day(START, "Asia/Jayapura", 3)
    assert wib.start.isoformat() == "2026-11-30T00:00:00+07:00"
    assert wit.end - wit.start == timedelta(days=1)
    assert wit.start < wib.start
    late = local_day(START + timedelta(hours=16), "Asia/Jayapura", 3)  # 02.00 WIT, 1 December
    assert late.start.date().isoformat() == "2026-12-01"


# -- the facilitator -----------------------------------------------------------------------


async def test_facilitator_announces_to_all_her_groups(h: Harness) -> None:
    w = await setup_world(h)
    await h.send(w.fac, "/umumkan")
    labels = button_labels(h.last_with_buttons(w.fac))
    assert labels == ["Mawar", "Melati", h.t("announce.button_all_groups", count=2)]
    await h.press(w.fac, "Semua kelompok")
    await h.send(w.fac, "Pertemuan bulan ini di balai desa")
    assert "5 anggota di 2 kelompok" in h.last_text(w.fac)
    await h.press(w.fac, "Kirim")
    await h.drain()
    for member in [*w.mawar, *w.melati]:
        got = announcements_to(h, member)
        assert len(got) == 1, member.first_name
        assert "pendamping PKH" in got[0]["text"]
    assert "Melati" in announcements_to(h, w.melati[1])[0]["text"]
    assert len(announcements_to(h, w.fac)) == 1  # her preview; no copy of her own
    await h.press(w.fac, "Lihat hasil")
    assert "Sudah sampai: 5" in h.last_text(w.fac)


async def test_facilitator_announces_to_one_group(h: Harness) -> None:
    w = await setup_world(h)
    await h.send(w.fac, "/umumkan")
    await h.press(w.fac, "Melati")
    await h.send(w.fac, "Khusus Melati")
    await h.press(w.fac, "Kirim")
    await h.drain()
    assert all(len(announcements_to(h, m)) == 1 for m in w.melati)
    assert all(announcements_to(h, m) == [] for m in w.mawar)


# -- photos ------------------------------------------------------------------------------


async def test_photo_announcement_through_the_outbox(h: Harness) -> None:
    w = await setup_world(h)
    photo_update = h.fake.send_photo(w.leader, caption="x")
    file_id = photo_update["message"]["photo"][-1]["file_id"]
    actor = await resolve_actor(h.db, w.leader.id)
    group = await h.group_of(w.leader)
    service = h.services.announcements
    draft = Draft("photo-draft", (group.id,), TRICKY, file_id)
    sent = await service.confirm(actor, draft, h.clock.now())
    assert isinstance(sent, Sent) and sent.queued == 2
    again = await service.confirm(actor, draft, h.clock.now())  # a double press
    assert isinstance(again, Sent) and not again.fresh
    await h.drain()
    for member in w.mawar[1:]:
        got = announcements_to(h, member)
        assert len(got) == 1
        assert got[0]["photo"][-1]["file_id"] == file_id
        assert TRICKY in got[0]["caption"]
    copies = announcements_to(h, w.fac)
    assert len(copies) == 1 and "photo" in copies[0]


async def _call(h: Harness, update: dict[str, Any]) -> Call:
    parsed = Update.de_json(update, h.app.bot)
    context = BotContext.from_update(parsed, h.app)
    actor = await resolve_actor(h.db, parsed.effective_user.id)  # type: ignore[union-attr]
    return Call(parsed, context, actor, h.clock.now())


async def test_compose_handler_takes_a_photo_with_caption(h: Harness) -> None:
    """The compose step reads a photo and its caption (the dispatcher must pass it on)."""
    w = await setup_world(h)
    await h.send(w.leader, "/umumkan")
    state = handler.Compose.of(await h.db.chat_state(w.leader.id))
    assert state is not None  # an "ann_compose" dialogue, read back typed
    call = await _call(h, h.fake.send_photo(w.leader, caption=TRICKY))
    await handler.compose(call, state)
    preview = [m for m in h.fake.sent_by_bot(w.leader) if "photo" in m][-1]
    assert TRICKY in preview["caption"]
    await h.press(w.leader, "Kirim")
    await h.drain()
    got = announcements_to(h, w.mawar[1])
    assert len(got) == 1 and got[0]["caption"] == preview["caption"]


async def test_photo_through_the_dispatcher(h: Harness) -> None:
    w = await setup_world(h)
    await h.send(w.leader, "/umumkan")
    await h.process(h.fake.send_photo(w.leader, caption="Foto kegiatan"))
    assert any("photo" in m for m in h.fake.sent_by_bot(w.leader))
