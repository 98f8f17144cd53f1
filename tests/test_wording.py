"""Issue 14, points 8-10: words that mislead, discretion on a shared phone, polish.

Checked on the catalog texts themselves (by key), so rewording elsewhere does not break
them, and through the handlers where the point is about what a role sees.
"""

from __future__ import annotations

import re

import pytest

from bot.content_text import strip_tags
from bot.i18n import Catalog
from tests.support.harness import Harness, create_group, join, register_facilitator

CATALOG = Catalog.load()
# Messages a member gets without asking: they never state that she was absent.
UNPROMPTED = [
    "attendance.after_absent",
    "attendance.after_excused",
    "attendance.open_for_member",
    "reminder.text",
    "meeting.moved_notice",
    "meeting.cancelled_notice",
]
ABSENCE_WORDS = re.compile(r"tidak hadir|izin|merindukan|terlewat|absen|tidak datang", re.I)
# Texts only a facilitator reads: she is "Anda", never "Ibu" or "Bu".
FACILITATOR_ONLY = [
    "start.facilitator",
    "invite.welcome",
    "group.created",
    "group.list_empty",
    "group.offline_added",
    "help.facilitator",
    "meeting.no_groups",
    "report.no_groups",
    "report.choose_month",
    "report.working",
    "attendance.followups_empty",
    "attendance.code_for_facilitator",
    "privacy.facilitator",
]


def plain(key: str) -> str:
    return " ".join(strip_tags(CATALOG._messages[key]).split())


@pytest.mark.parametrize("key", UNPROMPTED)
def test_unprompted_messages_do_not_state_an_absence(key: str) -> None:
    assert not ABSENCE_WORDS.search(plain(key)), plain(key)


@pytest.mark.parametrize(
    "key", ["group.you_were_removed", "privacy.erase_confirm", "privacy.erased"]
)
def test_leaving_the_bot_is_not_leaving_pkh(key: str) -> None:
    assert "status kepesertaan pkh" in plain(key).lower()


def test_the_history_does_not_thank_for_a_count() -> None:
    assert "terima kasih" not in plain("attendance.history_title").lower()


@pytest.mark.parametrize("key", FACILITATOR_ONLY)
def test_facilitators_are_addressed_as_anda(key: str) -> None:
    assert not re.search(r"\b(Ibu|Bu|Bapak|Pak)\b(?!-)", plain(key)), plain(key)


def test_check_in_instructions_match_for_mother_and_facilitator() -> None:
    button = CATALOG.t("attendance.button_checkin").split(" ", 1)[1]  # without the emoji
    for key in ("attendance.code_for_facilitator", "attendance.open_for_member"):
        assert button in plain(key) and "/hadir" in plain(key), key


def test_an_announcement_names_its_author_without_a_title() -> None:
    text = CATALOG.t("announce.message", group="Mawar", author="Rina Wati", role="x", text="y")
    assert "Dari Rina Wati," in strip_tags(text)


@pytest.mark.parametrize("role", ["facilitator", "participant", "leader"])
async def test_help_lists_each_command_once(h: Harness, role: str) -> None:
    fac = await register_facilitator(h)
    siti = await join(h, await create_group(h, fac), "Siti")
    if role == "leader":
        me = await h.participant(siti)
        await h.db.set_leader(me.group_id, me.id)
    user = fac if role == "facilitator" else siti
    await h.send(user, "/bantuan")
    commands = re.findall(r"(?<![\w/])/[a-z]+", h.last_text(user))
    assert commands and len(commands) == len(set(commands)), commands
    assert "/bantuan" in commands and "/batal" in commands
