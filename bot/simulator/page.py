"""What the simulator's page shows, as JSON: the clock, the next events, the groups, the
people with their menus, and their chats (messages, reply keyboard, toasts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.auth import Role, resolve_actor
from bot.codes import JOIN_PREFIX, deep_link
from bot.config import TIMEZONES
from bot.simulator.seed import phone_for
from bot.simulator.setup import WIB

if TYPE_CHECKING:
    from bot.simulator.core import Simulator

ROLE_LABELS = {
    Role.FACILITATOR: "Pendamping",
    Role.LEADER: "Ketua kelompok",
    Role.PARTICIPANT: "Peserta",
    Role.STRANGER: "Belum terdaftar",
}


async def people(sim: Simulator) -> list[dict[str, Any]]:
    db = sim.services.db
    featured = sim.world.featured if sim.world else []
    result = []
    for user in sim.fake.users.values():
        actor = await resolve_actor(db, user.id)
        role = actor.main_role
        group = actor.group
        name = " ".join(p for p in (user.first_name, user.last_name) if p)
        if actor.participant is not None:
            name = actor.participant.name
        elif actor.facilitator is not None:
            name = actor.facilitator.name
        messages = sim.fake.messages(user)
        result.append(
            {
                "id": user.id,
                "name": name,
                "role": role.value,
                "role_label": ROLE_LABELS[role],
                "group": group.name if group else None,
                "zone": TIMEZONES.get(group.timezone) if group else None,
                "phone": (sim.world.phones.get(user.id) if sim.world else None)
                or phone_for(user.id),
                "featured": featured.index(user.id) if user.id in featured else None,
                "blocked": user.blocked,
                "last_message_id": messages[-1]["message_id"] if messages else 0,
                "commands": commands_of(sim, user.id),
            }
        )
    return result


def commands_of(sim: Simulator, user_id: int) -> list[dict[str, str]]:
    """Her ``/`` menu as the Telegram app would show it: chat scope, else private chats,
    else default."""
    commands = sim.fake.commands
    for key in (
        ("chat", user_id, None, ""),
        ("all_private_chats", None, None, ""),
        ("default", None, None, ""),
    ):
        if key in commands:
            return [dict(c) for c in commands[key]]
    return []


def chat(sim: Simulator, user_id: int) -> dict[str, Any]:
    answers = sim.fake.callback_answers
    toasts = [
        {
            "id": qid,
            "text": str(answers[qid].get("text") or ""),
            "alert": bool(answers[qid].get("show_alert")),
        }
        for qid in sim.pressed.get(user_id, [])
        if qid in answers and answers[qid].get("text")
    ]
    return {
        "messages": sim.fake.messages(user_id),
        "keyboard": sim.fake.reply_keyboard(user_id),
        "toasts": toasts,
    }


async def state(sim: Simulator, chats: Callable[[int], bool] | None = None) -> dict[str, Any]:
    """Everything the page shows; ``chats`` picks whose messages to include (all when
    None)."""
    version = sim.version
    groups = await sim.groups()
    username = sim.fake.username
    people = await sim.people()
    return {
        "version": version,
        "clock": {
            "utc": sim.clock.now().isoformat(),
            "label": sim.clock_label(WIB),
            "wita": sim.clock_label("Asia/Makassar"),
        },
        "next": await sim.next_events(),
        "bot": {"username": username, "name": sim.fake.first_name},
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                "zone": TIMEZONES.get(g.timezone, g.timezone),
                "place": g.place,
                "join_payload": JOIN_PREFIX + g.join_code,
                "join_link": deep_link(username, JOIN_PREFIX + g.join_code),
            }
            for g in groups
        ],
        "people": people,
        "chats": {
            str(p["id"]): chat(sim, p["id"]) for p in people if chats is None or chats(p["id"])
        },
    }
