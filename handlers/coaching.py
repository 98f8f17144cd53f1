"""Coaching, as a facilitator sees it: the session guide (from a session in ``/materi`` and
from a meeting in ``/jadwal``) and her one-tap self-check after a meeting.

Buttons (callback data, all ids checked against the database or the content):

* ``cgs:<session>``: the guide of a session, from its ``/materi`` screen;
* ``cgm:<meeting>``: the guide for one of her meetings (with the small circles of a large
  group), from the meeting's screen;
* ``cso:<meeting>``: the self-check, from the summary she gets at the close, as a new
  message (the summary stays as it was);
* ``cs:<meeting>:<question>:<answer>``: an answer of the self-check (the button carries
  its target, so the same press twice stores the same answer).

The rules and texts: ``bot/coaching/``; the guide also goes out by itself the day before a
meeting (the clock tick).
"""

from __future__ import annotations

from bot.auth import FACILITATORS
from bot.callbacks import (
    COACH_MEETING_GUIDE,
    COACH_SELFCHECK,
    COACH_SELFCHECK_OPEN,
    COACH_SESSION_GUIDE,
)
from bot.coaching import Answered
from handlers.materi import open_session
from handlers.meetings import meeting_detail
from handlers.registry import Call, Router, keyboard

router = Router()


@router.action(COACH_SESSION_GUIDE, FACILITATORS)
async def session_guide(call: Call, session_id: str) -> None:
    found = call.services.coaching.session_guide(session_id)
    if found is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    session, text = found
    await call.show(
        text, keyboard([(call.t("common.button_back"), open_session.data(session.id))])
    )


@router.action(COACH_MEETING_GUIDE, FACILITATORS)
async def meeting_guide(call: Call, meeting_id: int) -> None:
    text = await call.services.coaching.meeting_guide(call.actor, meeting_id)
    if text is None:
        await call.toast(call.t("common.stale_button"), alert=True)
        return
    await call.show(
        text, keyboard([(call.t("common.button_back"), meeting_detail.data(meeting_id))])
    )


@router.action(COACH_SELFCHECK_OPEN, FACILITATORS)
async def selfcheck_open(call: Call, meeting_id: int) -> None:
    outcome, screen = await call.services.coaching.selfcheck_screen(
        call.actor, meeting_id, call.now
    )
    if screen is None:
        await _refuse(call, outcome)
        return
    await call.toast()
    await call.reply(screen.text, keyboard(*screen.buttons))


async def _refuse(call: Call, outcome: Answered) -> None:
    closed = outcome is Answered.CLOSED
    await call.toast(
        call.t("coach.selfcheck_closed" if closed else "common.stale_button"), alert=True
    )


@router.action(COACH_SELFCHECK, FACILITATORS)
async def selfcheck_answer(call: Call, meeting_id: int, question: str, answer: str) -> None:
    outcome, screen = await call.services.coaching.answer(
        call.actor, meeting_id, question, answer, call.now
    )
    if outcome is Answered.NOT_YOURS or screen is None:
        await call.toast(
            call.t(
                "coach.selfcheck_closed" if outcome is Answered.CLOSED else "common.stale_button"
            ),
            alert=True,
        )
        return
    done = "coach.selfcheck_done" if screen.complete else "coach.selfcheck_saved"
    await call.toast(call.t(done))
    await call.show(screen.text, keyboard(*screen.buttons))
