"""Tests for fakeapi, driven through python-telegram-bot over both transports."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from fakeapi import FakeBotAPI, FakeBotAPIServer, FakeRequest, parse_text
from fakeapi.formatting import EntityParseError

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"


@dataclass
class Env:
    fake: FakeBotAPI
    bot: Bot
    transport: str
    server: FakeBotAPIServer | None = None


def make_bot(fake: FakeBotAPI, server: FakeBotAPIServer | None, token: str = TOKEN) -> Bot:
    if server is None:
        return Bot(token, request=FakeRequest(fake), get_updates_request=FakeRequest(fake))
    return Bot(token, base_url=server.base_url, base_file_url=server.base_file_url)


@pytest.fixture(params=["inprocess", "http"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    fake = FakeBotAPI()
    if request.param == "inprocess":
        async with make_bot(fake, None) as bot:
            yield Env(fake, bot, "inprocess")
        return
    async with FakeBotAPIServer(fake) as server, make_bot(fake, server) as bot:
        yield Env(fake, bot, "http", server)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


# ------------------------------------------------------------------------- basic calls


async def test_get_me(env: Env) -> None:
    assert env.bot.username == "p2k2_test_bot"
    assert env.bot.id == env.fake.bot_id
    me = await env.bot.get_me()
    assert me.is_bot and me.first_name == "P2K2 Test Bot"


async def test_send_message_ids_and_store(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani", username="ani")
    budi = fake.add_user("Budi")
    first = await bot.send_message(ani.id, "Halo Ani")
    second = await bot.send_message(ani.id, "Apa kabar?", reply_markup=keyboard("ok"))
    other = await bot.send_message(budi.id, "Halo Budi")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.chat.id == ani.id and first.chat.username == "ani"
    assert first.from_user is not None and first.from_user.id == fake.bot_id
    assert second.reply_markup == keyboard("ok")
    assert [m["text"] for m in fake.sent_by_bot(ani)] == ["Halo Ani", "Apa kabar?"]
    last = fake.last_message(ani)
    assert last is not None and last["message_id"] == 2
    assert fake.sent_message_count == 3 and fake.sent_by_chat[ani.id] == 2
    call = fake.calls[-1]
    assert call.method == "sendMessage" and call.params["chat_id"] == budi.id
    assert call.status == 200


async def test_html_entities_and_trimming(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    message = await env.bot.send_message(
        ani.id, "  <b>Halo</b> &amp; <a href='https://kemensos.go.id'>info</a> \n", "HTML"
    )
    assert message.text == "Halo & info"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 4),
        ("text_link", 7, 4),
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_html_errors(env: Env, text: str, error: str) -> None:
    ani = env.fake.add_user("Ani")
    with pytest.raises(BadRequest) as caught:
        await env.bot.send_message(ani.id, text, parse_mode="HTML")
    # PTB strips "Bad Request: " and then str.capitalize()s the rest (lower-casing it)
    assert caught.value.message == f"Can't parse entities: {error}".capitalize()
    status, body = await env.fake.handle(
        "sendMessage", {"chat_id": ani.id, "text": text, "parse_mode": "HTML"}
    )
    assert (status, body["description"]) == (400, f"Bad Request: can't parse entities: {error}")


async def test_markdown_v2_reserved_character(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    with pytest.raises(BadRequest, match=r"(?i)Character '\.' is reserved"):
        await env.bot.send_message(ani.id, "Halo Ani.", parse_mode="MarkdownV2")
    ok = await env.bot.send_message(ani.id, r"*Halo* Ani\.", parse_mode="MarkdownV2")
    assert ok.text == "Halo Ani." and ok.entities[0].type == "bold"


async def test_text_empty_and_too_long(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await env.bot.send_message(ani.id, "   ")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await env.bot.send_message(ani.id, "<b></b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await env.bot.send_message(ani.id, "x" * 4097)
    await env.bot.send_message(ani.id, "x" * 4096)


async def test_callback_data_too_long(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await env.bot.send_message(ani.id, "pilih", reply_markup=keyboard("x" * 65))
    await env.bot.send_message(ani.id, "pilih", reply_markup=keyboard("x" * 64))


async def test_reply_keyboard_request_contact_and_remove(env: Env) -> None:
    fake, ani = env.fake, env.fake.add_user("Ani")
    markup = ReplyKeyboardMarkup([[KeyboardButton("Bagikan nomor", request_contact=True)]])
    sent = await env.bot.send_message(ani.id, "Nomor HP?", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram does not echo reply keyboards
    shown = fake.reply_keyboard(ani)
    assert shown is not None and shown["keyboard"][0][0]["request_contact"] is True
    update = fake.send_contact(ani, "6281234567890")
    assert update["message"]["contact"]["user_id"] == ani.id
    await env.bot.send_message(ani.id, "Terima kasih", reply_markup=ReplyKeyboardRemove())
    assert fake.reply_keyboard(ani) is None


async def test_chat_not_found(env: Env) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await env.bot.send_message(424242, "halo")


async def test_unknown_method_and_wrong_token(env: Env) -> None:
    with pytest.raises(EndPointNotFound):
        await env.bot.do_api_request("sendHologram", api_kwargs={"chat_id": 1})
    status, body = await env.fake.handle("sendHologram", {})
    assert (status, body["description"]) == (404, "Not Found: method not found")


async def test_required_token(env: Env) -> None:
    strict = FakeBotAPI(token=TOKEN)
    assert strict.bot_id == 123456789
    server = None
    if env.transport == "http":
        server = FakeBotAPIServer(strict)
        await server.start()
    try:
        other = "123456789:AAHotherotherotherotherotherotherot"
        for token in (other, "not-a-token"):
            with pytest.raises(InvalidToken):
                async with make_bot(strict, server, token):
                    pass  # Bot.__aenter__ shuts the bot down when initialize() fails
        async with make_bot(strict, server) as good:
            assert good.id == 123456789
    finally:
        if server is not None:
            await server.stop()


# --------------------------------------------------------------------------- editing


async def test_edit_message_text(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    sent = await bot.send_message(ani.id, "Jadwal", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Jadwal", ani.id, sent.message_id, reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("Jadwal baru", ani.id, sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "Jadwal baru"
    assert edited.edit_date is not None
    assert fake.sent_by_bot(ani)[0]["text"] == "Jadwal baru"
    assert "reply_markup" not in fake.sent_by_bot(ani)[0]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", ani.id, 99)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(ani.id, sent.message_id)
    await bot.edit_message_reply_markup(ani.id, sent.message_id, reply_markup=keyboard("b"))
    assert await bot.delete_message(ani.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ani.id, sent.message_id)


# ---------------------------------------------------------------------- chat states


async def test_blocked_user_and_my_chat_member(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    update = fake.block_bot(ani)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(ani.id, "halo")
    (got,) = await bot.get_updates(timeout=0)
    assert got.update_id == update["update_id"]
    assert got.my_chat_member is not None
    assert got.my_chat_member.new_chat_member.status == "kicked"
    assert got.my_chat_member.old_chat_member.status == "member"
    fake.unblock_bot(ani)
    await bot.send_message(ani.id, "halo lagi")


async def test_deactivated_user(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    env.fake.deactivate(ani)
    with pytest.raises(Forbidden, match="Forbidden: user is deactivated"):
        await env.bot.send_message(ani.id, "halo")


async def test_group_membership(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    group = fake.add_group_chat("Kelompok P2K2 Mawar")
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "halo")
    fake.add_bot_to_group(group, ani)
    fake.send_group_text(group, ani, "ngobrol biasa")  # hidden by privacy mode
    fake.send_group_text(group, ani, "/jadwal")
    updates = await bot.get_updates(timeout=0)
    assert [u.my_chat_member is not None for u in updates] == [True, False, False]
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.chat.type == "group"
    assert updates[2].message is not None and updates[2].message.text == "/jadwal"
    await bot.send_message(group.id, "halo grup")


# ----------------------------------------------------------------- fault injection


async def test_injected_429(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else RetryAfter.retry_after warns
    ani = env.fake.add_user("Ani")
    env.fake.fail_next("sendMessage", status=429, retry_after=7, chat_id=ani)
    with pytest.raises(RetryAfter) as caught:
        await env.bot.send_message(ani.id, "halo")
    assert caught.value.retry_after == timedelta(seconds=7)
    await env.bot.send_message(ani.id, "halo")


async def test_injected_500_and_403(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    env.fake.fail_next(None, status=500, description="Internal Server Error", count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await env.bot.send_message(ani.id, "halo")
    env.fake.fail_next(
        "sendMessage", status=403, description="Forbidden: bot was blocked by the user"
    )
    with pytest.raises(Forbidden):
        await env.bot.send_message(ani.id, "halo")
    await env.bot.send_message(ani.id, "halo")
    assert [c.status for c in env.fake.calls][-4:] == [500, 500, 403, 200]


async def test_injected_timeout(env: Env) -> None:
    fake, ani = env.fake, env.fake.add_user("Ani")
    fake.timeout_next("sendMessage", applied=True)
    with pytest.raises(TimedOut):
        await env.bot.send_message(ani.id, "mungkin terkirim", read_timeout=0.3)
    # applied=True: Telegram did deliver it, only the answer was lost
    assert [m["text"] for m in fake.sent_by_bot(ani)] == ["mungkin terkirim"]
    assert fake.calls[-1].fault == "timeout"
    sent = await env.bot.send_message(ani.id, "lagi")
    assert sent.message_id == 2


async def test_injected_drop(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    env.fake.drop_next("sendMessage")
    with pytest.raises(NetworkError) as caught:
        await env.bot.send_message(ani.id, "halo")
    assert not isinstance(caught.value, TimedOut)
    assert env.fake.sent_by_bot(ani) == []
    await env.bot.send_message(ani.id, "halo")


async def test_flood_limit_with_manual_clock() -> None:
    clock = [datetime(2025, 1, 6, 9, 0, tzinfo=UTC)]
    fake = FakeBotAPI(now=lambda: clock[0], flood_limit=True)
    ani = fake.add_user("Ani")
    assert (await fake.handle("sendMessage", {"chat_id": ani.id, "text": "1"}))[0] == 200
    status, body = await fake.handle("sendMessage", {"chat_id": ani.id, "text": "2"})
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    clock[0] += timedelta(seconds=1)
    assert (await fake.handle("sendMessage", {"chat_id": ani.id, "text": "2"}))[0] == 200


# ------------------------------------------------------------------------- updates


async def test_long_poll_wakes_on_send_text(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=dtm.timedelta(seconds=5)))
    await fake.wait_for(lambda: fake.is_polling, timeout=2)
    fake.send_text(ani, "/start kode123")
    (update,) = await asyncio.wait_for(poll, 2)
    assert loop.time() - started < 2
    assert update.message is not None and update.message.text == "/start kode123"
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)
    assert update.effective_user is not None and update.effective_user.id == ani.id


async def test_long_poll_times_out_empty(env: Env) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await env.bot.get_updates(timeout=dtm.timedelta(seconds=0.2)) == ()
    assert loop.time() - started >= 0.15


async def test_offset_confirms_updates(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    fake.send_text(ani, "satu")
    fake.send_text(ani, "dua")
    fake.send_text(ani, "tiga")
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in first if u.message] == ["satu", "dua"]
    assert first[0].update_id + 1 == first[1].update_id
    again = await bot.get_updates(timeout=0)
    assert len(again) == 3  # not confirmed yet
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["tiga"]
    assert len(fake.pending_updates) == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []


async def test_allowed_updates_filter(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    fake.send_text(ani, "halo")
    fake.block_bot(ani)
    updates = await bot.get_updates(timeout=0, allowed_updates=["my_chat_member"])
    assert [u.my_chat_member is not None for u in updates] == [True]


async def test_press_button_and_answer(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    sent = await bot.send_message(ani.id, "Hadir?", reply_markup=keyboard("hadir", "izin"))
    with pytest.raises(ValueError, match="no button"):
        fake.press_button(ani, sent.message_id, "alpa")
    with pytest.raises(ValueError, match="no message"):
        fake.press_button(ani, 77, "hadir")
    forged = fake.press_button(ani, sent.message_id, "alpa", forge=True)
    assert forged["callback_query"]["data"] == "alpa"
    update = fake.press_button(ani, fake.last_message(ani) or {}, "izin")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert (
        query is not None and query.data == "izin" and query.id == update["callback_query"]["id"]
    )
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("Tercatat")
    assert fake.callback_answers[query.id]["text"] == "Tercatat"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")


async def test_send_text_date_override(env: Env) -> None:
    ani = env.fake.add_user("Ani")
    written = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    env.fake.send_text(ani, "ditulis tadi pagi", date=written)
    (update,) = await env.bot.get_updates(timeout=0)
    assert update.message is not None and update.message.date == written


# ----------------------------------------------------------------------------- files


async def test_document_upload_and_download(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    sent = await bot.send_document(
        ani.id, b"laporan,1\n", filename="laporan.csv", caption="<b>Laporan</b>", parse_mode="HTML"
    )
    document = sent.document
    assert document is not None and document.file_name == "laporan.csv"
    assert sent.caption == "Laporan" and sent.caption_entities[0].type == "bold"
    assert fake.file(document.file_id).data == b"laporan,1\n"
    file = await bot.get_file(document.file_id)
    assert file.file_path is not None
    if env.server is not None:
        assert file.file_path.startswith(env.server.base_file_url)
    assert bytes(await file.download_as_bytearray()) == b"laporan,1\n"
    again = await bot.send_document(ani.id, document.file_id)
    assert again.document is not None and again.document.file_id == document.file_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(ani.id, "nonsense-id")


async def test_photo_upload_and_user_photo(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")
    png = fake.file(fake.send_photo(ani)["message"]["photo"][-1]["file_id"]).data
    sent = await bot.send_photo(ani.id, png, caption="foto")
    assert sent.photo[-1].width == 1 and sent.caption == "foto"
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ani.id, b"not an image")
    updates = await bot.get_updates(timeout=0)
    photo = updates[0].message.photo if updates[0].message else ()
    data = await (await bot.get_file(photo[-1].file_id)).download_as_bytearray()
    assert bytes(data) == png


# --------------------------------------------------------------------- misc methods


async def test_commands_menu_actions_chat(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani", "Lestari")
    await bot.delete_webhook()
    await bot.set_my_commands([BotCommand("start", "Mulai")])
    await bot.set_my_commands(
        [BotCommand("jadwal", "Jadwal sesi")], scope=BotCommandScopeChat(ani.id)
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    scoped = await bot.get_my_commands(scope=BotCommandScopeChat(ani.id))
    assert [c.command for c in scoped] == ["jadwal"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Mulai!", "x")])
    await bot.delete_my_commands(scope=BotCommandScopeChat(ani.id))
    assert await bot.get_my_commands(scope=BotCommandScopeChat(ani.id)) == ()
    assert await bot.set_chat_menu_button()
    assert await bot.send_chat_action(ani.id, "typing")
    assert fake.chat_actions[-1] == (ani.id, "typing")
    chat = await bot.get_chat(ani.id)
    assert chat.first_name == "Ani" and chat.last_name == "Lestari"
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0


# ------------------------------------------------------------------- waiting helpers


async def test_wait_for_message(env: Env) -> None:
    fake, bot = env.fake, env.bot
    ani = fake.add_user("Ani")

    async def later() -> None:
        await bot.send_message(ani.id, "pesan pertama")
        await bot.send_message(ani.id, "Selamat datang, Ani")

    task = asyncio.create_task(later())
    message = await fake.wait_for_message(ani, containing="Selamat datang", timeout=2)
    await task
    assert message["message_id"] == 2
    with pytest.raises(TimeoutError, match="containing 'tidak ada'"):
        await fake.wait_for_message(ani, containing="tidak ada", after=message, timeout=0.05)


async def test_application_polling_end_to_end(env: Env) -> None:
    """A real PTB Application with a CommandHandler, polling the fake."""
    fake = env.fake
    builder = Application.builder().token(TOKEN)
    if env.server is None:
        builder = builder.request(FakeRequest(fake)).get_updates_request(FakeRequest(fake))
    else:
        builder = builder.base_url(env.server.base_url).base_file_url(env.server.base_file_url)
    app = builder.build()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.from_user is not None
        await update.message.reply_text(f"Halo {update.message.from_user.first_name}!")

    app.add_handler(CommandHandler("start", start))
    ani = fake.add_user("Ani")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
        fake.send_text(ani, "/start")
        reply = await fake.wait_for_message(ani, containing="Halo Ani!", timeout=3)
        assert reply["message_id"] == 2
        await app.updater.stop()
        await app.stop()
    assert fake.pending_updates == []


async def test_http_accepts_json_and_form_bodies() -> None:
    fake = FakeBotAPI()
    ani = fake.add_user("Ani")
    async with FakeBotAPIServer(fake) as server, httpx.AsyncClient() as client:
        url = f"{server.base_url}{TOKEN}/sendMessage"
        as_json = await client.post(url, json={"chat_id": ani.id, "text": "json"})
        as_form = await client.post(url, data={"chat_id": str(ani.id), "text": "form"})
        as_query = await client.get(url, params={"chat_id": ani.id, "text": "query"})
        missing = await client.post(f"{server.base_url}{TOKEN}/fooBar")
    assert [r.status_code for r in (as_json, as_form, as_query)] == [200, 200, 200]
    assert [m["text"] for m in fake.sent_by_bot(ani)] == ["json", "form", "query"]
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


async def test_http_stop_aborts_long_poll() -> None:
    fake = FakeBotAPI()
    server = FakeBotAPIServer(fake)
    await server.start()
    async with httpx.AsyncClient() as client:
        poll = asyncio.create_task(
            client.post(f"{server.base_url}{TOKEN}/getUpdates", data={"timeout": "30"})
        )
        await fake.wait_for(lambda: fake.is_polling, timeout=2)
        await server.stop()
        with pytest.raises(httpx.HTTPError):
            await asyncio.wait_for(poll, 2)
    assert not fake.is_polling


async def test_second_poller_conflicts() -> None:
    fake = FakeBotAPI()
    first = asyncio.create_task(fake.handle("getUpdates", {"timeout": 5}))
    await fake.wait_for(lambda: fake.is_polling, timeout=1)
    second = asyncio.create_task(fake.handle("getUpdates", {"timeout": 0}))
    status, body = await asyncio.wait_for(first, 1)
    assert status == 409 and "terminated by other getUpdates request" in body["description"]
    assert (await second)[0] == 200


async def test_keep_messages_false_bounds_memory() -> None:
    fake = FakeBotAPI(keep_messages=False, recent_messages=2)
    ani = fake.add_user("Ani")
    for i in range(10):
        await fake.handle("sendMessage", {"chat_id": ani.id, "text": f"m{i}"})
    assert [m["text"] for m in fake.messages(ani)] == ["m8", "m9"]
    assert fake.sent_message_count == 10 and fake.sent_by_chat[ani.id] == 10
    status, _ = await fake.handle(
        "editMessageText", {"chat_id": ani.id, "message_id": 3, "text": "x"}
    )
    assert status == 200


def test_parsers() -> None:
    assert parse_text("<pre><code class='language-py'>x = 1</code></pre>", "HTML") == (
        "x = 1",
        [{"type": "pre", "offset": 0, "length": 5, "language": "py"}],
    )
    assert parse_text("[situs](https://example.org) ||rahasia||", "MarkdownV2") == (
        "situs rahasia",
        [
            {"type": "text_link", "offset": 0, "length": 5, "url": "https://example.org"},
            {"type": "spoiler", "offset": 6, "length": 7},
        ],
    )
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_text("*tebal", "MarkdownV2")
    # UTF-16 offsets: the emoji takes two code units
    assert parse_text("😀<b>x</b>", "HTML")[1] == [{"type": "bold", "offset": 2, "length": 1}]
