"""A member who writes about violence at home or against a child (bot/safety.py).

The answer is immediate and discreet; her facilitator gets a private note that she may
need a careful personal contact. Nothing of her text is logged, stored or passed on.
"""

from __future__ import annotations

import logging

from handlers.registry import Call, Router

log = logging.getLogger(__name__)
router = Router()


@router.on_free_text
async def help_request(call: Call, text: str) -> bool:
    actor = call.actor
    if actor.facilitator is not None or not call.services.safety.asks_for_help(text):
        return False
    participant, group = actor.participant, actor.group
    if participant is None or group is None:
        await call.reply(call.t("safety.answer_stranger"))
        return True
    await call.reply(call.t("safety.answer", name=participant.name))
    if await call.services.safety.tell_facilitator(participant, group, call.now):
        log.info("participant %s may need a careful contact; facilitator told", participant.id)
    return True
