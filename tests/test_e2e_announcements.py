"""Issue 6, end to end: the real ``python -m bot run`` process against the HTTP fake.

A facilitator with two groups (set up through the bot's own dialogues), a leader appointed
with the buttons; the leader's announcement reaches every member of her group, the
facilitator gets a copy, and nobody in the other group gets anything."""

from __future__ import annotations

import re
from pathlib import Path

from fakeapi import FakeUser
from tests.support.e2e import Config, E2EBot, run_cli, running_e2e_bot

TEXT = "Besok kerja bakti jam 7 <b>pagi</b> & bawa sapu"


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


async def make_group(e: E2EBot, rina: FakeUser, name: str, zone: str) -> str:
    await e.send(rina, "/kelompokbaru", expect=e.t("group.ask_name"))
    asked = await e.send(rina, name, expect=e.t("group.ask_timezone", name=name))
    await e.press(rina, zone, asked)
    await e.wait_text(asked, first_line(e.t("group.ask_place", zone=zone)))
    created = await e.group_place(rina, "Balai Desa")
    link = re.search(r"start=(g_[A-Za-z0-9_-]+)", created["text"])
    assert link is not None
    return link.group(1)


async def join(e: E2EBot, rina: FakeUser, payload: str, group: str, name: str) -> FakeUser:
    mother = e.fake.add_user(name)
    await e.send(mother, f"/start {payload}", expect=e.t("join.welcome", group=group))
    await e.send(mother, name, expect=e.t("join.ask_phone", name=name))
    summary = e.t("join.confirm", name=name, group=group, phone=e.t("join.no_phone"))
    confirm = await e.send(mother, e.t("join.button_skip_phone"), expect=summary)
    await e.press(mother, e.t("join.button_yes"), confirm)
    await e.wait_message(rina, e.t("join.facilitator_notice", name=name, group=group))
    return mother


def announcements(e: E2EBot, user: FakeUser) -> list[str]:
    return [
        str(m.get("text", ""))
        for m in e.fake.sent_by_bot(user)
        if "Pengumuman untuk kelompok" in str(m.get("text", ""))
    ]


async def test_leader_announcement_reaches_her_group_only(tmp_path: Path) -> None:
    # No quiet hours, so the announcement goes out at once at any hour of the test run
    # (tests/test_quiet_hours.py holds one at night).
    no_quiet: Config = {"schedule": {"quiet_start": "00:00", "quiet_end": "00:00"}}
    async with running_e2e_bot(tmp_path, overrides=no_quiet) as e:
        result = await run_cli(e.config, "invite-facilitator", "--name", "Rina Wati")
        assert result.returncode == 0, result.stderr
        invite = re.search(r"start=(f_[A-Za-z0-9_-]+)", result.stdout)
        assert invite is not None
        rina = e.fake.add_user("Rina")
        await e.send(
            rina,
            f"/start {invite.group(1)}",
            expect=first_line(e.t("invite.welcome", name="Rina Wati")),
        )
        mawar = await make_group(e, rina, "Mawar", "WIB")
        melati = await make_group(e, rina, "Melati", "WITA")
        mawar_members = [await join(e, rina, mawar, "Mawar", n) for n in ("Siti", "Ani", "Dewi")]
        melati_members = [await join(e, rina, melati, "Melati", n) for n in ("Budi", "Euis")]
        siti = mawar_members[0]

        # The facilitator appoints Siti as leader of Mawar with the buttons.
        listing = await e.send(rina, "/kelompok", expect=e.t("group.list_title"))
        await e.press(rina, "Mawar", listing)
        await e.wait_text(listing, "Balai Desa")
        await e.press(rina, e.t("group.button_members"), listing)
        title = e.t("group.members_title", name="Mawar", count=3, page=1, pages=1)
        await e.wait_text(listing, first_line(title))
        await e.press(rina, "Siti", listing)
        await e.wait_text(listing, "Siti")
        await e.press(rina, e.t("group.button_make_leader"), listing)
        await e.wait_message(siti, first_line(e.t("group.you_are_leader", group="Mawar")))
        assert "umumkan" in e.menu(siti)

        # Siti announces: preview, confirmation, fan-out.
        await e.send(siti, "/umumkan", expect="Silakan tulis pengumuman")
        confirm = await e.send(siti, TEXT, expect="Kirim pengumuman ini ke 2 anggota")
        preview = announcements(e, siti)[-1]
        assert TEXT in preview
        rina_before = e.last_id(rina)
        await e.press(siti, e.t("announce.button_send"), confirm)
        for member in mawar_members[1:]:
            got = await e.wait_message(member, "Pengumuman untuk kelompok Mawar")
            assert got["text"] == preview
        copy = await e.wait_message(rina, "Salinan untuk pendamping", after=rina_before)
        assert TEXT in copy["text"]

        # The delivery count: all sent.
        sent = await e.wait_message(siti, "Lihat hasil")
        await e.press(siti, e.t("announce.button_result"), sent)
        await e.wait_text(sent, "Sudah sampai: 2")

        # A barrier: the fan-out is over, nothing is queued; Melati got nothing. The sender
        # writes outcomes in batches, so a row just delivered (the facilitator's copy) may
        # still read "sending" for a moment: wait for its outcome, bounded by wait_until.
        def settled() -> bool:
            rows = e.query("SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')")
            return rows == [(0,)]

        await e.wait_until(settled, "every outbox row's outcome written")
        for member in melati_members:
            assert announcements(e, member) == [], member.first_name
        assert len(announcements(e, siti)) == 1  # her preview, no copy to herself
        rows = e.query("SELECT recipients, skipped FROM announcements")
        assert rows == [(2, 0)]

    assert e.returncode == 0, e.log_tail()
    log = e.log_text()
    assert "Traceback" not in log and " ERROR " not in log, e.log_tail()
    assert "kerja bakti" not in log  # the announcement's text is not logged
