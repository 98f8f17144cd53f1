"""A participant sees what is stored about her and erases it; nothing identifying remains."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.auth import resolve_actor
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.queries import dump_database
from tests.support.sql import execute, fetch


async def test_see_and_erase_my_data(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti", "Siti Nurhaliza", phone="081299887766")
    ani = await join(h, payload, "Ani")
    participant = await h.participant(siti)
    group = await h.group_of(siti)
    # Some history: she is leader, answered a reminder with a reason, answered a quiz.
    await h.db.set_leader(group.id, participant.id)
    actor = await resolve_actor(h.db, fac.id)
    meeting = (
        await h.services.meetings.schedule_single(
            actor, [group.id], date(2026, 12, 5), time(9, 0), None, None, h.clock.now()
        )
    )[0]  # type: ignore[index]
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await h.tick()
    await h.press(siti, "Tidak bisa hadir")
    await h.press(siti, "Sakit")
    await h.db.record_quiz_answer(participant.id, "sesi-01", 0, 1, True, h.clock.now())
    await execute(
        h.db,
        "INSERT INTO attendance (meeting_id, participant_id, status, source, updated_at)"
        " VALUES (?, ?, 'present', 'facilitator', '2026-12-05T03:00:00+00:00')",
        (meeting.id, participant.id),
    )

    # She announced something to her group as its leader.
    await h.send(siti, "/umumkan")
    await h.send(siti, "Besok bawa Buku KIA, dari Siti Nurhaliza")
    await h.press(siti, "Kirim")
    await h.drain()
    assert any("Buku KIA" in t for t in h.texts(ani))

    await h.send(siti, "/datasaya")
    shown = h.last_text(siti)
    assert "Siti Nurhaliza" in shown and "+6281299887766" in shown and "Mawar" in shown
    assert "NIK" in shown  # it says it never asks for NIK or KKS

    await h.press(siti, "Hapus data saya")
    await h.press(siti, "Tidak, simpan saja")
    assert (await h.participant(siti)).name == "Siti Nurhaliza"

    await h.send(siti, "/datasaya")
    await h.press(siti, "Hapus data saya")
    await h.press(siti, "Ya, hapus")
    assert h.last_text(siti) == h.t("privacy.erased")
    assert await h.db.participant_by_telegram(siti.id) is None
    erased = await h.db.participant(participant.id)
    assert erased is not None
    assert (erased.name, erased.phone, erased.telegram_id, erased.status) == (
        "",
        None,
        None,
        "left",
    )
    refreshed = await h.db.group(group.id)
    assert refreshed is not None and refreshed.leader_id is None
    # Her attendance stays, anonymous, for the group's numbers.
    kept = await fetch(
        h.db, "SELECT status FROM attendance WHERE participant_id = ?", (participant.id,)
    )
    assert [r[0] for r in kept] == ["present"]
    everything = await dump_database(h)
    for trace in ("Siti Nurhaliza", "6281299887766", "sakit", "Buku KIA", str(siti.id)):
        assert trace not in everything, trace
    assert "Ani" in everything  # others are untouched
    assert (await h.participant(ani)).name == "Ani"
    # The facilitator is told, without her name; she is a stranger again.
    assert "menghapus datanya" in h.last_text(fac)
    assert "Siti" not in h.last_text(fac)
    await h.send(siti, "/start")
    assert h.last_text(siti) == h.t("start.stranger")


async def test_erase_buttons_refused_for_strangers(h: Harness) -> None:
    stranger = h.fake.add_user("Budi")
    await h.send(stranger, "/datasaya")
    assert h.last_text(stranger) == h.t("auth.not_registered")
    await h.press_data(stranger, "pey:abc")
    assert h.answers()[-1] == h.t("auth.not_registered")


async def test_facilitator_sees_her_account_only(h: Harness) -> None:
    fac = await register_facilitator(h)
    await h.send(fac, "/datasaya")
    assert "koordinator" in h.last_text(fac)
    await h.press_data(fac, "pey:abc")
    assert h.answers()[-1] == h.t("auth.not_allowed")
