"""Steps of the end-to-end tests (the real process over HTTP): joining a group, a facilitator
with a group, a meeting typed in, a message sent."""

from __future__ import annotations

import re

from fakeapi import FakeUser
from tests.support.backend import write_row
from tests.support.e2e import (
    JSON,
    E2EBot,
    run_cli,
)


def write(e: E2EBot, sql: str, *params: object) -> int:
    """A fixture write into the bot's database (WAL: the bot keeps running)."""
    return write_row(e.database, sql, *params)


async def facilitator_with_group(e: E2EBot) -> tuple[FakeUser, str]:
    result = await run_cli(e.config, "invite-facilitator", "--name", "Rina Wati")
    assert result.returncode == 0, result.stderr
    match = re.search(r"start=(f_[A-Za-z0-9_-]+)", result.stdout)
    assert match is not None, result.stdout
    rina = e.fake.add_user("Rina")
    await e.send(rina, f"/start {match.group(1)}", expect="Rina Wati")
    await e.send(rina, "/kelompokbaru", expect=e.t("group.ask_name"))
    asked = await e.send(rina, GROUP, expect=e.t("group.ask_timezone", name=GROUP))
    await e.press(rina, "WIB", asked)
    await e.wait_text(asked, first_line(e.t("group.ask_place", zone="WIB")))
    created = await e.group_place(rina, PLACE)
    link = re.search(r"start=(g_[A-Za-z0-9_-]+)", created["text"])
    assert link is not None
    return rina, link.group(1)


async def schedule_typed(e: E2EBot, rina: FakeUser, typed: str) -> JSON:
    """Schedule one meeting at a typed time ("5/12 09.00") at the usual place, as far as
    the summary to check; the caller presses "Jadwalkan" on it. Every step is an
    interactive answer, so it goes out at once, also in the quiet hours."""
    await e.send(rina, "/pertemuanbaru", expect="Untuk kelompok mana")
    await e.press(rina, "Lanjut")
    await e.wait_message(rina, e.t("meeting.choose_mode"))
    await e.press(rina, "Sekali")
    await e.wait_message(rina, "Pilih tanggal")
    await e.send(rina, typed, expect=e.t("meeting.choose_place"))
    await e.press(rina, "Tempat biasa")
    return await e.wait_message(rina, "Periksa dulu")


GROUP = "Mawar 1"


PLACE = "Balai Desa Sukamaju"


async def join_group(
    e: E2EBot, facilitator: FakeUser, payload: str, first: str, name: str, phone: str | None
) -> FakeUser:
    """A mother opens the group link, types her name, shares her phone or skips, confirms."""
    mother = e.fake.add_user(first)
    await e.send(mother, f"/start {payload}", expect=e.t("join.welcome", group=GROUP))
    await e.send(mother, name, expect=e.t("join.ask_phone", name=name))
    shown_phone = "+" + phone if phone else e.t("join.no_phone")
    summary = e.t("join.confirm", name=name, group=GROUP, phone=shown_phone)
    if phone:
        confirm = await e.contact(mother, phone, expect=summary)
    else:
        confirm = await e.send(mother, e.t("join.button_skip_phone"), expect=summary)
    answer = await e.press(mother, e.t("join.button_yes"), confirm)
    assert not answer.get("show_alert"), answer
    await e.wait_text(confirm, first_line(e.t("join.done", name=name, group=GROUP)))
    notice = e.t("join.facilitator_notice", name=name, group=GROUP)
    await e.wait_message(facilitator, notice)
    return mother


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]
