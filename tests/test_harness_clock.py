"""The offline harness is one world with one clock: the fake Telegram dates its
messages by the same manual clock the bot reads, so no test depends on the real date."""

from datetime import UTC, datetime, timedelta

from tests.support.harness import Harness


async def test_messages_are_dated_by_the_harness_clock(h: Harness) -> None:
    h.clock.set(datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC))
    user = h.fake.add_user("Siti")
    update = h.fake.send_text(user, "halo")
    assert update["message"]["date"] == int(h.clock.now().timestamp())
    h.clock.advance(timedelta(hours=1))
    later = h.fake.send_text(user, "halo lagi")
    assert later["message"]["date"] == int(h.clock.now().timestamp())
