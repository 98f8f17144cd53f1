"""Issue 2, end to end: the real ``python -m bot run`` process against the HTTP fake.

Coordinator invite (real CLI) -> facilitator registers -> creates a group -> three mothers
join -> a leader is appointed with the buttons -> members try facilitator actions and are
refused, with nothing changed in the database. Also: per-chat command menus, and a log
free of the token and of what the mothers typed.
"""

from __future__ import annotations

import re
from pathlib import Path

from fakeapi import FakeUser
from tests.support.e2e import TOKEN, E2EBot, button_labels, run_cli, running_e2e_bot
from tests.support.e2e_steps import GROUP, PLACE, first_line, join_group

MOTHERS = [  # (first name in Telegram, name she types, phone she shares or None)
    ("Siti", "Siti Aminah", "6281234567890"),
    ("Ani", "Ani Rahmawati", None),
    ("Dewi", "Dewi Lestari", None),
]


def snapshot(e: E2EBot) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    members = e.query(
        "SELECT id, group_id, telegram_id, name, phone, status, reachable, left_at "
        "FROM participants ORDER BY id"
    )
    groups = e.query("SELECT id, name, timezone, place, join_code, leader_id FROM groups")
    return members, groups


async def test_invite_group_join_leader_and_refusals(tmp_path: Path) -> None:
    typed_by_mothers: list[str] = []
    async with running_e2e_bot(tmp_path) as e:
        # The coordinator runs the real CLI while the bot is running.
        result = await run_cli(e.config, "invite-facilitator", "--name", "Rina Wati")
        assert result.returncode == 0, result.stderr
        match = re.search(r"https://t\.me/(\w+)\?start=(f_[A-Za-z0-9_-]+)", result.stdout)
        assert match is not None, result.stdout
        assert match.group(1) == e.fake.username  # asked getMe on the fake
        invite_payload = match.group(2)

        # The facilitator opens her link.
        rina = e.fake.add_user("Rina")
        await e.send(
            rina,
            f"/start {invite_payload}",
            expect=first_line(e.t("invite.welcome", name="Rina Wati")),
        )
        assert "kelompokbaru" in e.menu(rina) and "kelompok" in e.menu(rina)

        # She creates a group through the dialogue.
        await e.send(rina, "/kelompokbaru", expect=e.t("group.ask_name"))
        asked = await e.send(rina, GROUP, expect=e.t("group.ask_timezone", name=GROUP))
        answer = await e.press(rina, "WIB", asked)
        assert not answer.get("show_alert")
        await e.wait_text(asked, first_line(e.t("group.ask_place", zone="WIB")))
        created = await e.group_place(rina, PLACE)
        assert GROUP in created["text"] and "WIB" in created["text"] and PLACE in created["text"]
        link = re.search(
            rf"https://t\.me/{e.fake.username}\?start=(g_[A-Za-z0-9_-]+)", created["text"]
        )
        assert link is not None, created["text"]
        join_payload = link.group(1)
        forward = await e.wait_message(rina, link.group(0), after=created["message_id"])
        assert GROUP in forward["text"]

        # Three mothers join with the group link; Siti shares her phone as a contact.
        mothers: dict[str, FakeUser] = {}
        for first, name, phone in MOTHERS:
            mothers[first] = await join_group(e, rina, join_payload, first, name, phone)
            typed_by_mothers.append(name)
            if phone:
                typed_by_mothers.append(phone)
        typed_by_mothers.append(join_payload)
        siti, ani, dewi = mothers["Siti"], mothers["Ani"], mothers["Dewi"]
        for mother in mothers.values():
            assert e.menu(mother), f"no command menu for {mother.first_name}"
            assert "kelompok" not in e.menu(mother) and "kelompokbaru" not in e.menu(mother)

        # The facilitator appoints Siti as leader with the buttons.
        listing = await e.send(rina, "/kelompok", expect=e.t("group.list_title"))
        await e.press(rina, GROUP, listing)
        await e.wait_text(listing, PLACE)
        await e.press(rina, e.t("group.button_members"), listing)
        title = e.t("group.members_title", name=GROUP, count=3, page=1, pages=1)
        members_page = await e.wait_text(listing, first_line(title))
        assert sorted(button_labels(members_page)[:3]) == sorted(name for _, name, _ in MOTHERS)
        await e.press(rina, "Siti Aminah", listing)
        await e.wait_text(listing, "+6281234567890")
        siti_before = e.last_id(siti)
        answer = await e.press(rina, e.t("group.button_make_leader"), listing)
        assert answer.get("text") == e.t("group.leader_set", name="Siti Aminah")
        await e.wait_message(
            siti, first_line(e.t("group.you_are_leader", group=GROUP)), after=siti_before
        )
        detail = await e.wait_text(listing, e.t("group.role_leader"))
        assert e.t("group.button_make_leader") not in button_labels(detail)

        group_id, leader_id = e.query("SELECT id, leader_id FROM groups")[0]
        ids = dict(e.query("SELECT telegram_id, id FROM participants"))
        assert leader_id == ids[siti.id]
        before = snapshot(e)
        messages_before = {u.id: len(e.fake.sent_by_bot(u)) for u in (rina, siti, ani, dewi)}
        setmenu_before = e.fake.method_counts["setMyCommands"]

        # Members try facilitator actions: refused, nothing changes.
        refused = e.t("auth.not_allowed")
        await e.send(ani, "/kelompok", expect=refused)
        await e.send(siti, "/kelompok", expect=refused)  # the leader is no facilitator either
        for user, data in (
            (ani, f"gxy:{group_id}:{ids[dewi.id]}"),  # remove Dewi
            (ani, f"gk:{group_id}:{ids[ani.id]}"),  # make herself leader
            (siti, f"gxy:{group_id}:{ids[ani.id]}"),  # the leader removes Ani
            (ani, f"gry:{group_id}"),  # renew the join link
        ):
            answer = await e.forge(user, data)
            assert answer.get("text") == refused, (data, answer)
            assert answer.get("show_alert") is True

        # A barrier: updates are handled in order, so once a stranger's /bantuan is answered,
        # everything above has been handled completely.
        await e.send(e.fake.add_user("Budi"), "/bantuan", expect="pendamping")

        assert snapshot(e) == before
        members, groups = before
        assert [(m[3], m[4], m[5], m[7]) for m in members] == [
            ("Siti Aminah", "+6281234567890", "active", None),
            ("Ani Rahmawati", None, "active", None),
            ("Dewi Lestari", None, "active", None),
        ]
        assert groups == [(group_id, GROUP, "Asia/Jakarta", PLACE, join_payload[2:], ids[siti.id])]
        assert e.query("SELECT telegram_id, name FROM facilitators") == [(rina.id, "Rina Wati")]
        invite = e.query("SELECT used_at IS NOT NULL FROM facilitator_invites")
        assert invite == [(1,)]
        # Nobody was told anything beyond the refusals; no menu changed.
        assert e.fake.method_counts["setMyCommands"] == setmenu_before
        assert len(e.fake.sent_by_bot(rina)) == messages_before[rina.id]
        assert len(e.fake.sent_by_bot(dewi)) == messages_before[dewi.id]
        assert len(e.fake.sent_by_bot(ani)) == messages_before[ani.id] + 1
        assert len(e.fake.sent_by_bot(siti)) == messages_before[siti.id] + 1

        # Per-chat command menus (setMyCommands with a chat scope) and the default one.
        assert ("all_private_chats", None, None, "") in e.fake.commands
        chat_scoped = {key[1] for key in e.fake.commands if key[0] == "chat"}
        assert {rina.id, siti.id, ani.id, dewi.id} <= chat_scoped
        siti_menu_calls = [
            c
            for c in e.fake.calls
            if c.method == "setMyCommands" and c.params.get("scope", {}).get("chat_id") == siti.id
        ]
        assert len(siti_menu_calls) >= 2  # as a member, then as the leader

    assert e.returncode == 0, e.log_tail()
    log = e.log_text()
    assert "starting in polling mode" in log
    assert "Traceback" not in log and " ERROR " not in log, log
    assert TOKEN not in log and TOKEN.split(":", 1)[1] not in log
    assert invite_payload[2:] not in log
    for text in typed_by_mothers:
        assert text not in log, f"{text!r} is in the bot's log"
    assert "Siti Aminah" in str(e.query("SELECT name FROM participants"))
