"""Voice notes through the bot (issue 17): recording a group's summary from /materi
(listen back, replace, delete), members listening, a leader's erasure removing her
recordings, her choice in /pengaturan and at joining, and the spoken reminder for those
who chose it. Real SQLite, the fake Bot API, the manual clock; nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import tick
from db.meetings import NewMeeting
from fakeapi import FakeUser
from tests.support.harness import (
    Harness,
    button_labels,
    create_group,
    join,
    register_facilitator,
    running_bot,
)
from tests.support.sql import fetch

OGG = b"OggS" + bytes(200)  # what a phone's recorder would send (only the magic is checked)


async def recordings(h: Harness) -> list[tuple[Any, ...]]:
    rows = await fetch(
        h.db,
        "SELECT group_id, session_id, file_id, duration, recorded_by_participant,"
        " recorded_by_facilitator FROM voice_recordings ORDER BY group_id",
    )
    return [tuple(r) for r in rows]


def voices(h: Harness, user: FakeUser) -> list[dict[str, Any]]:
    return [m for m in h.fake.sent_by_bot(user) if "voice" in m]


async def open_session_card(h: Harness, user: FakeUser) -> dict[str, Any] | None:
    await h.send(user, "/materi")
    await h.press(user, "1. ")
    return await h.press(user, "Sesi 1:")


async def test_facilitator_records_listens_back_replaces_and_deletes(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        fac = await register_facilitator(h)
        await create_group(h, fac, "Mawar")
        await create_group(h, fac, "Melati")
        card = await open_session_card(h, fac)
        assert card is not None and h.t("voice.button_record") in button_labels(card)
        screen = await h.press(fac, h.t("voice.button_record"))
        assert screen is not None and h.t("voice.button_record_new") in button_labels(screen)
        await h.press(fac, h.t("voice.button_record_new"))
        # Text is not a recording: she is told what to send, nothing is stored.
        assert (await h.send(fac, "halo"))["text"] == h.t("voice.record_hint")  # type: ignore[index]
        assert await recordings(h) == []
        update = h.fake.send_voice(fac, OGG, duration=75)
        first = update["message"]["voice"]["file_id"]
        await h.process(update)
        fid = (await h.facilitator(fac)).id
        rows = await recordings(h)
        assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
            ("sesi-01", first, 75, None, fid)
        ] * 2, "one recording for each of her groups"
        # The same update again (a replay) stores nothing new.
        await h.process(update)
        assert await recordings(h) == rows
        manage = h.last_with_buttons(fac)
        assert h.t("voice.button_listen_back") in button_labels(manage)
        await h.press(fac, h.t("voice.button_listen_back"))
        assert voices(h, fac)[-1]["voice"]["file_id"] == first
        sent = [c for c in h.fake.calls if c.method == "sendVoice"]
        assert sent and not sent[-1].files, "sent again by file id, never re-uploaded"
        # Replace.
        await h.press(fac, h.t("voice.button_replace"))
        update = h.fake.send_voice(fac, OGG + b"2", duration=60)
        second = update["message"]["voice"]["file_id"]
        await h.process(update)
        assert [r[2] for r in await recordings(h)] == [second, second]
        # Delete, after a question.
        await h.press(fac, h.t("voice.button_delete"))
        await h.press(fac, h.t("voice.button_keep"))
        assert len(await recordings(h)) == 2
        await h.press(fac, h.t("voice.button_delete"))
        await h.press(fac, h.t("voice.button_delete_yes"))
        assert await recordings(h) == []


async def test_members_listen_to_the_recording_or_the_synthesized_voice(tmp_path: Path) -> None:
    async with running_bot(tmp_path, voice=True) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        siti = await join(h, payload, "Siti")
        card = await open_session_card(h, siti)
        assert card is not None
        assert h.t("voice.button_record") not in button_labels(card), "members do not record"
        await h.press(siti, h.t("voice.button_listen"), card)
        await h.press(siti, h.t("voice.button_listen"), card)
        calls = [c for c in h.fake.calls if c.method == "sendVoice"]
        assert len(calls) == 2 and calls[0].files and not calls[1].files, "uploaded once"
        synthesized = voices(h, siti)[0]["voice"]["file_id"]
        assert voices(h, siti)[1]["voice"]["file_id"] == synthesized
        # Her facilitator records the session: from now on she hears that voice.
        await open_session_card(h, fac)
        await h.press(fac, h.t("voice.button_record"))
        await h.press(fac, h.t("voice.button_record_new"))
        update = h.fake.send_voice(fac, OGG, duration=40)
        await h.process(update)
        await h.press(siti, h.t("voice.button_listen"), card)
        assert voices(h, siti)[-1]["voice"]["file_id"] == update["message"]["voice"]["file_id"]


async def test_erasing_a_leader_removes_her_recordings_only(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        kartika = await join(h, payload, "Kartika")
        me = await h.participant(kartika)
        assert await h.db.set_leader(me.group_id, me.id)
        await open_session_card(h, kartika)
        await h.press(kartika, h.t("voice.button_record"))
        await h.press(kartika, h.t("voice.button_record_new"))
        await h.process(h.fake.send_voice(kartika, OGG, duration=30))
        # The facilitator has her own recording of another session.
        await h.send(fac, "/materi")
        await h.press(fac, "1. ")
        await h.press(fac, "Sesi 2:")
        await h.press(fac, h.t("voice.button_record"))
        await h.press(fac, h.t("voice.button_record_new"))
        await h.process(h.fake.send_voice(fac, OGG, duration=50))
        rows = await recordings(h)
        assert {(r[1], r[4]) for r in rows} == {("sesi-01", me.id), ("sesi-02", None)}
        await h.send(kartika, "/datasaya")
        await h.press(kartika, h.t("privacy.button_erase"))
        await h.press(kartika, h.t("privacy.button_erase_yes"))
        assert [(r[1], r[4]) for r in await recordings(h)] == [("sesi-02", None)]


async def test_her_choice_in_settings_and_at_joining(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        siti = h.fake.add_user("Siti")
        await h.send(siti, f"/start {payload}")
        await h.send(siti, "Siti")
        await h.send(siti, h.t("join.button_skip_phone"))
        done = await h.press(siti, "Ya")
        assert done is not None
        labels = button_labels(done)
        assert f"{h.t('voice.chosen_mark')} {h.t('voice.choice_summary')}" in labels
        me = await h.participant(siti)
        assert me.voice == "summary", "the default: text and voice for the summary"
        await h.press(siti, h.t("voice.choice_text"), done)
        assert (await h.participant(siti)).voice == "text"
        await h.send(siti, "/pengaturan")
        screen = h.last_with_buttons(siti)
        assert screen["text"] == h.t("voice.settings", current=h.t("voice.choice_text"))
        await h.press(siti, h.t("voice.choice_all"), screen)
        assert (await h.participant(siti)).voice == "all"
        # A forged choice changes nothing.
        await h.press_data(siti, "sva:loud")
        assert h.answers()[-1] == h.t("common.stale_button")
        assert (await h.participant(siti)).voice == "all"
        # A facilitator has no such setting.
        await h.send(fac, "/pengaturan")
        assert h.last_text(fac) == h.t("auth.not_allowed")


async def test_spoken_reminder_for_those_who_chose_it(tmp_path: Path) -> None:
    async with running_bot(tmp_path, voice=True) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        siti, ani, dewi = [await join(h, payload, n) for n in ("Siti", "Ani", "Dewi")]
        for user in (siti, ani):
            await h.services.voice.choose((await h.participant(user)).id, "all")
        group = (await h.participant(siti)).group_id
        start = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # Tuesday 09.00 WIB
        await h.db.create_meetings(
            [NewMeeting(group, start, "Balai Desa Sukamaju", "sesi-01")], h.clock.now()
        )
        h.clock.set(start - timedelta(days=1))  # the "1d" reminder, Monday 09.00 WIB
        await h.tick()
        for user in (siti, ani):
            assert h.fake.sent_by_bot(user)[-1] == voices(h, user)[-1], "after the text"
        assert voices(h, dewi) == [], "the summary only: no spoken reminder"
        calls = [c for c in h.fake.calls if c.method == "sendVoice"]
        assert len(calls) == 2 and sum(1 for c in calls if c.files) == 1
        rows = await h.outbox("reminder_voice")
        texts = {r["key"].removesuffix(":voice"): r for r in rows}
        assert len(rows) == 2
        for key in texts:
            assert await fetch(h.db, "SELECT 1 FROM outbox WHERE key = ?", (key,)), (
                "each spoken reminder follows its text reminder"
            )


async def test_spoken_reminder_waits_for_the_end_of_the_quiet_hours(tmp_path: Path) -> None:
    async with running_bot(tmp_path, voice=True) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        siti = await join(h, payload, "Siti")
        await h.services.voice.choose((await h.participant(siti)).id, "all")
        group = (await h.participant(siti)).group_id
        start = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)  # Tuesday 19.00 WIB
        await h.db.create_meetings(
            [NewMeeting(group, start, "Balai Desa Sukamaju", "sesi-01")], h.clock.now()
        )
        h.clock.set(start - timedelta(days=1) + timedelta(hours=4))  # Monday 23.00 WIB
        await h.tick()
        assert voices(h, siti) == []
        (row,) = await h.outbox("reminder_voice")
        assert row["status"] == "queued"
        # Held to 06.00 WIB, like the text reminder it follows.
        assert row["not_before"] == "2026-12-07T23:00:00+00:00"
        (text,) = await h.outbox("reminder")
        assert text["not_before"] == row["not_before"]
        h.clock.set(datetime(2026, 12, 7, 23, 0, tzinfo=UTC))  # Tuesday 06.00 WIB
        await h.tick()
        assert len(voices(h, siti)) == 1


async def test_after_the_meeting_the_leader_records_from_her_counts(tmp_path: Path) -> None:
    """The leader's counts after a meeting carry "🎙 Rekam ringkasan suara": the screen
    comes as a new message (her counts stay), and her recording is the group's. Queued
    notes with her voice are dropped when she erases her data."""
    async with running_bot(tmp_path) as h:
        fac = await register_facilitator(h)
        payload = await create_group(h, fac, "Mawar")
        kartika = await join(h, payload, "Kartika")
        await join(h, payload, "Siti")
        me = await h.participant(kartika)
        assert await h.db.set_leader(me.group_id, me.id)
        start = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
        await h.db.create_meetings(
            [NewMeeting(me.group_id, start, "Balai", "sesi-02")], h.clock.now()
        )
        h.clock.set(start + timedelta(hours=2, minutes=31))
        await h.tick()
        for user in (fac, kartika):
            assert h.t("voice.button_record") in button_labels(h.last_with_buttons(user))
        counts = h.last_with_buttons(kartika)
        await h.press(kartika, h.t("voice.button_record"), counts)
        assert h.fake.sent_by_bot(kartika)[-1]["message_id"] != counts["message_id"]
        assert h.fake.sent_by_bot(kartika)[-1]["text"].startswith("🎙")
        await h.press(kartika, h.t("voice.button_record_new"))
        update = h.fake.send_voice(kartika, OGG, duration=20)
        await h.process(update)
        assert [(r[1], r[4]) for r in await recordings(h)] == [("sesi-02", me.id)]
        # A later meeting of the same session queues her voice for Siti (not yet sent).
        later = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)
        await h.db.create_meetings(
            [NewMeeting(me.group_id, later, "Balai", "sesi-02")], h.clock.now()
        )
        h.clock.set(later + timedelta(hours=2, minutes=31))
        await tick_only(h)
        queued = await h.outbox("voice_summary")
        assert {r["status"] for r in queued} == {"queued"} and len(queued) == 2
        await h.send(kartika, "/datasaya")
        await h.press(kartika, h.t("privacy.button_erase"))
        await h.press(kartika, h.t("privacy.button_erase_yes"))
        assert await recordings(h) == []
        assert [r for r in await h.outbox("voice_summary") if r["status"] == "queued"] == []


async def tick_only(h: Harness) -> None:
    """One clock tick without delivering the outbox (the rows stay queued)."""
    await tick(h.services)


async def test_spoken_reminders_are_bounded_per_tick(tmp_path: Path) -> None:
    """Past the tick's budget of new spoken reminders, a group gets the text reminder only
    (the tick is not held for minutes by a district's notes)."""
    async with running_bot(tmp_path, voice=True) as h:
        fac = await register_facilitator(h)
        start = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
        listeners = []
        for name in ("Mawar", "Melati"):
            payload = await create_group(h, fac, name)
            user = await join(h, payload, f"Siti{name}")
            me = await h.participant(user)
            await h.services.voice.choose(me.id, "all")
            await h.db.create_meetings(
                [NewMeeting(me.group_id, start, "Balai", "sesi-01")], h.clock.now()
            )
            listeners.append(user)
        h.services.meetings._reminders.voice_budget = 1
        h.clock.set(start - timedelta(days=1))
        await h.tick()
        assert len(await h.outbox("reminder")) == 2, "both get the text"
        assert len(await h.outbox("reminder_voice")) == 1, "one new note in this tick"
        assert sorted(len(voices(h, u)) for u in listeners) == [0, 1]
