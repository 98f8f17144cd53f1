"""/materi: browse the P2K2 modules, read a session card, take its quiz.

Open to everyone (it is public education content); quiz answers are stored
only for participants. Every screen after the first edits the same message.

Callback data (ids come from the content, at most 16 characters; indexes are 0-based):

- ``mat``: the module list
- ``matm:<module id>``: one module, its description and sessions
- ``mats:<session id>``: the session card
- ``matp:<session id>``: the key points
- ``matr:<session id>``: "Coba di rumah" with the reflection question
- ``matq:<session id>:<q>:<score>``: question ``q``; ``score`` right answers so far
- ``mata:<session id>:<q>:<o>:<score>``: she chose option ``o`` of question ``q``

The prefixes start with ``mat`` because the meetings handlers use ``m`` plus one letter.
The running score only affects what the screen says; what is stored is checked here.

Every argument is checked against the loaded library; anything unknown (a
stale or forged button) gets the "stale button" notice and changes nothing.
"""

from __future__ import annotations

from bot import materi as render
from bot.auth import EVERYONE
from bot.callbacks import COACH_SESSION_GUIDE
from bot.content import Module, Session
from handlers import voice
from handlers.registry import Call, Router, keyboard

router = Router()


@router.command("materi", EVERYONE, menu="menu.materi")
async def materi_command(call: Call, args: list[str]) -> None:
    await list_modules(call)


@router.action("mat", EVERYONE)
async def list_modules(call: Call) -> None:
    catalog = call.services.catalog
    rows = [
        [(render.module_button(catalog, module), open_module.data(module.id))]
        for module in call.services.content.modules
    ]
    await call.show(render.module_list_text(catalog), keyboard(*rows))


@router.action("matm", EVERYONE, str)
async def open_module(call: Call, module_id: str) -> None:
    module = call.services.content.module(module_id)
    if module is None:
        await _stale(call)
        return
    catalog = call.services.catalog
    rows = [
        [(render.session_button(catalog, session), open_session.data(session.id))]
        for session in module.sessions
    ]
    rows.append([(call.t("common.button_back"), list_modules.data())])
    await call.show(render.module_text(catalog, module), keyboard(*rows))


@router.action("mats", EVERYONE, str)
async def open_session(call: Call, session_id: str) -> None:
    found = await _session(call, session_id)
    if found is None:
        return
    session, module = found
    rows = [
        [
            (call.t("materi.button_key_points"), key_points.data(session.id)),
            (call.t("materi.button_try_at_home"), try_at_home.data(session.id)),
        ],
        [(call.t("materi.button_quiz"), ask_question.data(session.id, 0, 0))],
        *voice.summary_buttons(call, session.id),
    ]
    if call.actor.facilitator is not None:  # her guide to lead this session (handlers/coaching)
        rows.append([(call.t("coach.button_guide"), COACH_SESSION_GUIDE.data(session.id))])
    rows.append([(call.t("common.button_back"), open_module.data(module.id))])
    await call.show(
        render.session_card_text(call.services.catalog, session, module), keyboard(*rows)
    )


@router.action("matp", EVERYONE, str)
async def key_points(call: Call, session_id: str) -> None:
    found = await _session(call, session_id)
    if found is None:
        return
    session, _ = found
    await call.show(
        render.key_points_text(call.services.catalog, session),
        keyboard(
            [(call.t("materi.button_try_at_home"), try_at_home.data(session.id))],
            [(call.t("common.button_back"), open_session.data(session.id))],
        ),
    )


@router.action("matr", EVERYONE, str)
async def try_at_home(call: Call, session_id: str) -> None:
    found = await _session(call, session_id)
    if found is None:
        return
    session, _ = found
    await call.show(
        render.try_at_home_text(call.services.catalog, session),
        keyboard(
            [(call.t("materi.button_quiz"), ask_question.data(session.id, 0, 0))],
            [(call.t("common.button_back"), open_session.data(session.id))],
        ),
    )


@router.action("matq", EVERYONE, str, int, int, per_person=True)
async def ask_question(call: Call, session_id: str, index: int, score: int) -> None:
    session = call.services.content.session(session_id)
    if session is None or not render.valid_position(session, index, score):
        await _stale(call)
        return
    question = session.quiz[index]
    rows = [
        [(option, answer.data(session.id, index, chosen, score))]
        for chosen, option in enumerate(question.options)
    ]
    rows.append([(call.t("common.button_back"), open_session.data(session.id))])
    await call.show(render.question_text(call.services.catalog, session, index), keyboard(*rows))


@router.action("mata", EVERYONE, str, int, int, int, per_person=True)
async def answer(call: Call, session_id: str, index: int, chosen: int, score: int) -> None:
    session = call.services.content.session(session_id)
    step = render.check_answer(session, index, chosen) if session is not None else None
    if session is None or step is None or not render.valid_position(session, index, score):
        await _stale(call)
        return
    await call.services.quiz.answered(
        call.actor.participant, session.id, index, chosen, step.correct, call.now
    )
    score += int(step.correct)
    catalog = call.services.catalog
    back = (call.t("common.button_back"), open_session.data(session.id))
    if step.is_last:
        await call.show(
            render.final_text(catalog, step, score),
            keyboard(
                [(call.t("materi.button_retry"), ask_question.data(session.id, 0, 0))], [back]
            ),
        )
        return
    await call.show(
        render.feedback_text(catalog, step),
        keyboard(
            [
                (
                    call.t("materi.button_next_question"),
                    ask_question.data(session.id, index + 1, score),
                )
            ],
            [back],
        ),
    )


async def _session(call: Call, session_id: str) -> tuple[Session, Module] | None:
    library = call.services.content
    session = library.session(session_id)
    module = library.module_of(session) if session is not None else None
    if session is None or module is None:
        await _stale(call)
        return None
    return session, module


async def _stale(call: Call) -> None:
    await call.toast(call.t("common.stale_button"), alert=True)
