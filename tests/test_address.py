"""Issue 14, point 7: a member chooses at joining how the bot addresses her (Ibu, the
default, or Bapak), and the texts she and her facilitator read use it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from bot.auth import resolve_actor
from db import migrate
from db.migrate import load_migrations
from tests.support.harness import Harness, create_group, join, register_facilitator
from tests.support.migrations import connect_for_test

ADDRESS_MIGRATION = next(m for m in load_migrations() if m.name.endswith("_member_address.sql"))


async def join_as(h: Harness, payload: str, first_name: str, address: str) -> None:
    """The join dialogue, choosing the address with its button before confirming."""
    user = h.fake.add_user(first_name)
    await h.send(user, f"/start {payload}")
    await h.send(user, first_name)
    await h.send(user, h.t("join.button_skip_phone"))
    await h.press(user, h.t(f"join.button_address_{address}"))
    await h.press(user, h.t("join.button_yes"))


async def test_existing_members_become_ibu(tmp_path: Path) -> None:
    conn = await connect_for_test(tmp_path / "old.db")
    try:
        await migrate(conn, target=ADDRESS_MIGRATION.version - 1)
        await conn.execute(
            "INSERT INTO facilitators (id, telegram_id, name, created_at) VALUES (1, 5, 'R', 'x')"
        )
        await conn.execute(
            "INSERT INTO groups (id, facilitator_id, name, timezone, place, join_code,"
            " created_at) VALUES (1, 1, 'Mawar', 'Asia/Jakarta', 'Balai', 'code', 'x')"
        )
        await conn.execute(
            "INSERT INTO participants (group_id, telegram_id, name, joined_at)"
            " VALUES (1, 7, 'Siti', 'x'), (1, NULL, 'Rukmini', 'x')"
        )
        await conn.commit()
        await migrate(conn)
        async with conn.execute("SELECT name, address FROM participants ORDER BY id") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [
                ("Siti", "ibu"),
                ("Rukmini", "ibu"),
            ]
        async with conn.execute("SELECT count(*) FROM participants") as cur:
            assert (await cur.fetchone())[0] == 2
    finally:
        await conn.close()


async def test_ibu_is_the_default_and_bapak_a_button(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    siti = await join(h, payload, "Siti")  # presses "Ya" without choosing
    assert (await h.participant(siti)).address == "ibu"
    await join_as(h, payload, "Budi", "bapak")
    budi = next(u for u in h.fake.users.values() if u.first_name == "Budi")
    assert (await h.participant(budi)).address == "bapak"
    group = await h.group_of(budi)
    assert h.last_text(budi) == h.t("join.done", name="Budi", group=group.name, sapaan="Bapak")
    assert h.t("join.facilitator_notice", name="Budi", group=group.name, sapaan="Bapak") in (
        h.texts(fac)
    )
    # His own texts say Bapak: /start and /bantuan.
    await h.send(budi, "/start")
    assert h.last_text(budi) == h.t(
        "start.participant", name="Budi", group=group.name, sapaan="Bapak"
    )
    assert "Bapak" in h.last_text(budi) and "Ibu" not in h.last_text(budi)


async def test_the_address_buttons_carry_their_target(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    user = h.fake.add_user("Budi")
    await h.send(user, f"/start {payload}")
    await h.send(user, "Budi")
    await h.send(user, h.t("join.button_skip_phone"))
    bapak = h.t("join.button_address_bapak")
    await h.press(user, bapak)
    await h.press(user, bapak)  # twice: still Bapak
    chosen = h.t("join.button_address_chosen", label=bapak)
    assert chosen in str(h.last_with_buttons(user)["reply_markup"])
    await h.press_data(user, "ja:kakek")  # a forged value: refused, nothing changes
    await h.press(user, h.t("join.button_yes"))
    assert (await h.participant(user)).address == "bapak"


async def test_reminders_and_the_facilitator_say_bapak(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac)
    await join_as(h, payload, "Budi", "bapak")
    await join(h, payload, "Siti")
    budi = next(u for u in h.fake.users.values() if u.first_name == "Budi")
    siti = next(u for u in h.fake.users.values() if u.first_name == "Siti")
    group = await h.group_of(budi)
    actor = await resolve_actor(h.db, fac.id)
    await h.services.meetings.schedule_single(
        actor, [group.id], date(2026, 12, 5), time(9, 0), None, None, h.clock.now()
    )
    h.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    await h.tick()
    assert h.last_text(budi).startswith("Bapak Budi, ")
    assert "Bapak bisa hadir?" in h.last_text(budi)
    assert h.last_text(siti).startswith("Ibu Siti, ")
    await h.press(budi, h.t("reminder.button_yes"))
    assert h.last_text(budi) == h.t("reminder.thanks_yes", name="Budi", sapaan="Bapak")
    # A note to his facilitator about him names him Bapak.
    await h.send(budi, "saya dipukul")
    await h.drain()
    assert h.t("safety.facilitator_notice", name="Budi", group=group.name, sapaan="Bapak") in (
        h.texts(fac)
    )
