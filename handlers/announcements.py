"""Announcements: /umumkan for leaders (her group) and facilitators (one or all groups).

The dialogue is kept in ``chat_states``: ``ann_compose`` (waiting for the text, or a photo
with a caption) → ``ann_confirm`` (the preview was shown exactly as members will see it,
then Kirim / Batal) → sent, with a "Lihat hasil" button that reads the delivery counts.

Callback data: ``anng:<group id, 0 = all of hers>``, ``annok``, ``annx``,
``annr:<announcement id>``. Every one is checked against the database by the service
(:meth:`Announcements.target_groups`, :meth:`Announcements.delivery`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from bot.announcements import (
    Announcements,
    Delivery,
    Draft,
    Problem,
    check_text,
    new_token,
    telegram_length,
    text_limit,
)
from bot.auth import FACILITATORS, LEADERS
from bot.dialogues import Dialogue
from db.models import Group
from handlers.registry import Call, Router, keyboard

router = Router()


@dataclass(frozen=True)
class Compose(Dialogue):
    """The groups are chosen: her next message is the text (or a photo with a caption)."""

    kind: ClassVar[str] = "ann_compose"
    token: str
    groups: tuple[int, ...]


@dataclass(frozen=True)
class Preview(Dialogue):
    """The preview was shown; "Kirim" sends this draft, once (its ``token``)."""

    kind: ClassVar[str] = "ann_confirm"
    token: str
    groups: tuple[int, ...]
    text: str
    photo: str | None = None

    def draft(self) -> Draft:
        return Draft(self.token, self.groups, self.text, self.photo)


AUTHORS = LEADERS | FACILITATORS


def _service(call: Call) -> Announcements:
    return call.services.announcements


def _names(groups: list[Group]) -> str:
    return ", ".join(g.name for g in groups)


@router.command("umumkan", AUTHORS, menu="menu.announce")
async def announce_command(call: Call, args: list[str]) -> None:
    service = _service(call)
    groups = await service.target_groups(call.actor, None)
    if groups is None:
        await call.reply(call.t("announce.no_groups"))
        return
    if not await _quota_ok(call, service):
        return
    if len(groups) == 1:
        await _ask_text(call, groups)
        return
    rows = [[(g.name, choose_group.data(g.id))] for g in groups]
    rows.append([(call.t("announce.button_all_groups", count=len(groups)), choose_group.data(0))])
    await call.reply(call.t("announce.choose_group"), keyboard(*rows))


async def _quota_ok(call: Call, service: Announcements) -> bool:
    left = await service.quota_left(call.actor, call.now)
    if left is not None and left <= 0:
        await call.clear_state()
        await call.reply(call.t("announce.quota_used", quota=_quota_limit(call, service)))
        return False
    return True


def _quota_limit(call: Call, service: Announcements) -> int:
    window = service.quota_window(call.actor, call.now)
    return window.limit if window is not None else 0


@router.action("anng", AUTHORS, int)
async def choose_group(call: Call, group_id: int) -> None:
    service = _service(call)
    groups = await service.target_groups(call.actor, group_id or None)
    if groups is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    if not await _quota_ok(call, service):
        return
    await _ask_text(call, groups)


async def _ask_text(call: Call, groups: list[Group]) -> None:
    await call.set_state(Compose(new_token(), tuple(g.id for g in groups)))
    await call.reply(
        call.t(
            "announce.ask_text",
            groups=_names(groups),
            limit=text_limit(None),
            photo_limit=text_limit("photo"),
        )
    )


@router.input(Compose, AUTHORS, hint="announce.compose_hint", media=True, prose=True)
async def compose(call: Call, state: Compose) -> None:
    """Her text, or a photo with its caption (once the dispatcher passes photos on)."""
    message = call.message
    if message is None:
        return
    photo = message.photo[-1].file_id if message.photo else None
    text = (message.text if photo is None else message.caption) or ""
    draft = Draft(state.token, state.groups, "", None)
    service = _service(call)
    groups = await service.valid_targets(call.actor, draft.group_ids)
    if groups is None:
        await call.clear_state()
        await call.reply(call.t("common.stale_button"))
        return
    draft = Draft(draft.token, draft.group_ids, text.strip(), photo)
    problem = check_text(draft.text, draft.photo)
    if problem is not None:
        await call.reply(_problem_text(call, problem, draft))
        return
    await call.set_state(Preview(draft.token, draft.group_ids, draft.text, photo))
    await _show_preview(call, service, groups, draft)


def _problem_text(call: Call, problem: Problem, draft: Draft) -> str:
    if problem is Problem.TOO_LONG:
        return call.t(
            "announce.too_long",
            limit=text_limit(draft.photo),
            length=telegram_length(draft.text),
        )
    return call.t(f"announce.problem_{problem.value}")


async def _show_preview(
    call: Call, service: Announcements, groups: list[Group], draft: Draft
) -> None:
    preview = service.preview(call.actor, groups[0], draft)
    await call.reply(call.t("announce.preview_title"))
    if draft.photo:
        await call.context.bot.send_photo(call.chat_id, draft.photo, caption=preview)
    else:
        await call.reply(preview)
    reachable, skipped = await service.recipients(groups, call.actor)
    key = "announce.confirm_many" if len(groups) > 1 else "announce.confirm"
    text = call.t(key, count=reachable, groups=_names(groups), group_count=len(groups))
    if skipped:
        text += "\n" + call.t("announce.confirm_skipped", count=skipped)
    held = service.quiet_now(groups, call.now)
    if held is not None:
        text += "\n\n" + call.t(
            "announce.held_quiet_preview", when=call.services.catalog.datetime(*held)
        )
    await call.reply(
        text,
        keyboard(
            [(call.t("announce.button_send"), confirm.data())],
            [(call.t("announce.button_cancel"), cancel.data())],
        ),
    )


@router.input(Preview, AUTHORS, hint="announce.press_button")
async def press_a_button(call: Call, state: Preview) -> None:
    await call.reply(call.t("announce.press_button"))


async def _pending(call: Call) -> Preview | None:
    state = await call.dialogue(Preview)
    if state is None:
        await call.toast(call.t("common.stale_button"), alert=True)
    return state


@router.action("annok", AUTHORS)
async def confirm(call: Call) -> None:
    state = await _pending(call)
    if state is None:
        return
    service = _service(call)
    outcome = await service.confirm(call.actor, state.draft(), call.now)
    await call.clear_state()
    if isinstance(outcome, Problem):
        if outcome is Problem.QUOTA:
            text = call.t("announce.quota_used", quota=_quota_limit(call, service))
        else:
            text = _problem_text(call, outcome, state.draft())
        await call.show(text)
        return
    announcement = outcome.announcement
    count = outcome.queued if outcome.fresh else announcement.recipients
    text = call.t("announce.sent", count=count)
    held = await service.held_until(announcement, call.now)
    if held is not None:
        text += "\n\n" + call.t("announce.held_quiet", when=call.services.catalog.datetime(*held))
    await call.show(
        text,
        keyboard([(call.t("announce.button_result"), result.data(announcement.id))]),
    )


@router.action("annx", AUTHORS)
async def cancel(call: Call) -> None:
    if await _pending(call) is None:
        return
    await call.clear_state()
    await call.show(call.t("common.cancelled"))


@router.action("annr", AUTHORS, int)
async def result(call: Call, announcement_id: int) -> None:
    delivery = await _service(call).delivery(call.actor, announcement_id)
    if delivery is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.show(
        _result_text(call, delivery),
        keyboard([(call.t("announce.button_refresh"), result.data(announcement_id))]),
    )


def _result_text(call: Call, d: Delivery) -> str:
    values: dict[str, Any] = {
        "delivered": d.delivered,
        "failed": d.failed,
        "unreachable": d.unreachable,
        "pending": d.pending,
        "total": d.announcement.recipients + d.announcement.skipped,
    }
    key = "announce.result_done" if d.done else "announce.result_sending"
    return call.t(key, **values)
