"""Issue 14, point 12, end to end: the real ``python -m bot run`` process, logging at DEBUG.

A mother writes to the bot about violence at home. She gets SAPA 129 at once, her
facilitator a private note; her words are in no log line, in no message to anyone, and
nowhere in the database.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.backend import TABLES_SQL
from tests.support.e2e import E2EBot, running_e2e_bot
from tests.support.e2e_steps import GROUP, facilitator_with_group, first_line, join_group

HER_WORDS = "Bu tolong, suami saya memukul saya tiap malam zq9"
MARKERS = ("zq9", "memukul saya", "tiap malam")


def everything_stored(e: E2EBot) -> str:
    tables = [r[0] for r in e.query(TABLES_SQL)]
    return "\n".join(
        " | ".join(str(v) for v in row) for t in tables for row in e.query(f"SELECT * FROM {t}")
    )


async def test_a_call_for_help_reaches_only_sapa_and_a_private_note(tmp_path: Path) -> None:
    async with running_e2e_bot(tmp_path, overrides={"bot": {"log_level": "DEBUG"}}) as e:
        rina, payload = await facilitator_with_group(e)
        siti = await join_group(e, rina, payload, "Siti", "Siti Aminah", None)
        ani = await join_group(e, rina, payload, "Ani", "Ani Rahmawati", None)

        await e.send(siti, HER_WORDS, expect=e.t("safety.answer", name="Siti Aminah")[:40])
        note = e.t("safety.facilitator_notice", name="Siti Aminah", group=GROUP)
        await e.wait_message(rina, first_line(note))

        # Only her own update carries her words; no call the bot made does.
        for record in list(e.fake.calls):
            if record.method == "getUpdates":
                continue
            params = json.dumps(record.params, ensure_ascii=False, default=str)
            assert not any(m in params for m in MARKERS), (record.method, params[:200])
        for user in (rina, ani):
            assert all(
                not any(m in str(msg.get("text", "")) for m in MARKERS)
                for msg in e.fake.sent_by_bot(user)
            )
        assert not any(m in everything_stored(e) for m in MARKERS)
    log = e.log_text()
    assert "DEBUG" in log  # the process really logged at DEBUG
    assert not any(m in log for m in MARKERS), "her words are in the bot's log"
