"""The authorization matrix, generated from the handler registry.

Every command and every button action is tried by each kind of user: a stranger, a
participant and the leader of this group, a participant and the leader of another
group, the other group's facilitator, and this group's facilitator. A role the entry
does not admit is refused with the exact Indonesian refusal; an admitted role that does
not own the target changes nothing of this group; and nobody is ever shown another
group's data. A new command or action is covered without touching this file.
"""

from __future__ import annotations

import inspect
from typing import Any

from bot.auth import Actor, allowed, resolve_actor
from fakeapi import FakeUser
from handlers import build_dispatcher
from handlers.registry import ButtonAction
from tests.support.harness import Harness
from tests.support.sql import fetch
from tests.support.world import World, build_world

DISPATCHER = build_dispatcher()


def argument(name: str, kind: type, world: World) -> str:
    """A value aimed at this group (A) for a callback parameter, chosen by its name."""
    by_name: dict[str, object] = {
        "group_id": world.group_a,
        "participant_id": world.member_a_id,
        "meeting_id": world.meeting_a,
        "page": 0,
        "index": 0,
        "score": 0,
        "chosen": 0,
        "nth": 2,
        "weekday": 1,
        "label": "WIB",
        "mode": "once",
        "raw": "0900",
        "session_id": "sesi-01",
        "module_id": "pengasuhan",
        "reason": "sakit",
        "choice": "ok",  # the sign-off of a flagged self check-in: confirm
    }
    if name in by_name:
        return str(by_name[name])
    return "1" if kind is int else "x"


def callback_data(action: ButtonAction, world: World) -> str:
    params = list(inspect.signature(action.callback).parameters.values())[1:]
    values = [
        argument(p.name, kind, world) for p, kind in zip(params, action.arg_types, strict=True)
    ]
    return action.data(*values)


async def snapshot_a(h: Harness, world: World) -> list[Any]:
    """Every row of this group's data that anyone but its own people could touch."""
    queries = [
        ("SELECT * FROM groups WHERE id = ?", (world.group_a,)),
        ("SELECT * FROM participants WHERE group_id = ? ORDER BY id", (world.group_a,)),
        ("SELECT * FROM meetings WHERE group_id = ? ORDER BY id", (world.group_a,)),
        ("SELECT * FROM rsvps WHERE meeting_id = ? ORDER BY participant_id", (world.meeting_a,)),
        (
            "SELECT * FROM attendance WHERE meeting_id = ? ORDER BY participant_id",
            (world.meeting_a,),
        ),
        ("SELECT * FROM alerts WHERE group_id = ? ORDER BY id", (world.group_a,)),
        ("SELECT * FROM voice_recordings WHERE group_id = ?", (world.group_a,)),
        (
            "SELECT count(*) FROM outbox WHERE participant_id IN"
            " (SELECT id FROM participants WHERE group_id = ?)",
            (world.group_a,),
        ),
        (
            "SELECT * FROM quiz_answers WHERE participant_id IN"
            " (SELECT id FROM participants WHERE group_id = ?)",
            (world.group_a,),
        ),
    ]
    rows = []
    for sql, params in queries:
        rows.append([tuple(r) for r in await fetch(h.db, sql, params)])
    return rows


def seen_by(h: Harness, user: FakeUser, since_messages: int, since_calls: int) -> str:
    """What ``user`` was shown since the marks: message texts, button labels, toasts."""
    shown = []
    for message in h.fake.sent_by_bot(user)[since_messages:]:
        shown.append(message.get("text", ""))
    for message in h.fake.sent_by_bot(user):  # edits change old messages in place
        shown.append(message.get("text", ""))
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            shown.extend(button["text"] for button in row)
    for record in list(h.fake.calls)[since_calls:]:
        if record.method == "answerCallbackQuery":
            shown.append(str(record.params.get("text") or ""))
    return "\n".join(shown)


def refusal(h: Harness, actor: Actor) -> str:
    return h.t("auth.not_registered" if not actor.registered else "auth.not_allowed")


async def check_no_leak(
    h: Harness, world: World, user: FakeUser, actor: Actor, marks: tuple[int, int]
) -> None:
    """``actor``: the user as she was before the step (a step may erase her data)."""
    in_a = (actor.facilitator is not None and user is world.fac_a) or (
        actor.group is not None and actor.group.id == world.group_a
    )
    in_b = not in_a and (actor.facilitator is not None or actor.group is not None)
    foreign = (
        world.secrets_b
        if in_a
        else world.secrets_a
        if in_b
        else (*world.secrets_a, *world.secrets_b)
    )
    shown = seen_by(h, user, *marks)
    for secret in foreign:
        if secret == user.first_name:
            continue
        assert secret not in shown, f"{user.first_name} was shown {secret!r}"


def users(world: World) -> list[FakeUser]:
    return [
        world.stranger,
        world.member_a,
        world.leader_a,
        world.member_b,
        world.leader_b,
        world.fac_b,
        world.fac_a,
    ]


async def test_every_command_for_every_role(h: Harness) -> None:
    world = await build_world(h)
    assert len(DISPATCHER.commands) >= 8
    for name, command in DISPATCHER.commands.items():
        for user in users(world):
            actor = await resolve_actor(h.db, user.id)
            marks = (len(h.fake.sent_by_bot(user)), len(h.fake.calls))
            await h.send(user, f"/{name}")
            await h.send(user, "/batal")  # leave any dialogue the command started
            replies = [m.get("text", "") for m in h.fake.sent_by_bot(user)[marks[0] :]]
            if allowed(actor, command.roles):
                assert refusal(h, actor) not in replies, (name, user.first_name)
            else:
                assert replies[0] == refusal(h, actor), (name, user.first_name)
            await check_no_leak(h, world, user, actor, marks)


async def test_every_action_for_every_role(h: Harness) -> None:
    world = await build_world(h)
    assert len(DISPATCHER.actions) >= 30
    outsiders = {world.stranger.id, world.member_b.id, world.leader_b.id, world.fac_b.id}
    # Erasing one's own data ("pe...") changes who she is: try those last.
    ordered = sorted(DISPATCHER.actions.items(), key=lambda item: item[0].startswith("pe"))
    for prefix, action in ordered:
        data = callback_data(action, world)
        for user in users(world)[:-1]:  # everyone but this group's own facilitator
            actor = await resolve_actor(h.db, user.id)
            before = await snapshot_a(h, world)
            marks = (len(h.fake.sent_by_bot(user)), len(h.fake.calls))
            await h.press_data(user, data)
            answers = h.answers()
            if not allowed(actor, action.roles):
                assert answers[-1] == refusal(h, actor), (prefix, user.first_name)
            if user.id in outsiders or not allowed(actor, action.roles):
                assert await snapshot_a(h, world) == before, (prefix, user.first_name)
            await check_no_leak(h, world, user, actor, marks)
            await h.send(user, "/batal")


async def test_own_facilitator_is_never_refused(h: Harness) -> None:
    world = await build_world(h)
    refused = h.t("auth.not_allowed")
    for name, command in DISPATCHER.commands.items():
        marks = len(h.fake.sent_by_bot(world.fac_a))
        await h.send(world.fac_a, f"/{name}")
        await h.send(world.fac_a, "/batal")
        replies = [m.get("text", "") for m in h.fake.sent_by_bot(world.fac_a)[marks:]]
        actor = await resolve_actor(h.db, world.fac_a.id)
        assert (refused in replies) == (not allowed(actor, command.roles)), name
