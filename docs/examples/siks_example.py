"""Print the README's examples of the SIKS-NG exports, made from the simulator's demo data.

Run: ``.venv/bin/python docs/examples/siks_example.py``. It seeds the simulator's demo
(``bot.simulator.seed``) in a temporary folder, plays Melati's first meeting through the
bot (a sick excuse from a reminder, check-ins with the code, a note and a photo by the
facilitator), then prints, as Markdown, the chat copy ("Salin untuk SIKS-NG"), the SIKS-NG
sheet of the XLSX and the CSV for Excel in Indonesia. Nothing is written to the repository.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from PIL import Image
from telegram import Update

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.app import build_application, tick  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import TOKEN_ENV, load_settings  # noqa: E402
from bot.context import services_of  # noqa: E402
from bot.simulator.seed import seed_demo  # noqa: E402
from bot.simulator.setup import start_on, write_config  # noqa: E402
from fakeapi import FakeBotAPI, FakeRequest, FakeUser  # noqa: E402

TOKEN = "123456:EXAMPLE_not_a_real_token"


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(start_on(date(2026, 12, 1)))
        fake = FakeBotAPI(token=TOKEN, username="p2k2_demo_bot", now=clock.now)
        config = write_config(Path(folder), REPO / "content" / "modules", 1.0)
        settings = load_settings(config, env={TOKEN_ENV: TOKEN})

        async def sleep(seconds: float) -> None:
            clock.advance(timedelta(seconds=seconds))
            await asyncio.sleep(0)

        app = build_application(
            settings, request=FakeRequest(fake), clock=clock, background=False, sleep=sleep
        )
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        services = services_of(app)
        world = await seed_demo(services, fake, clock.now())

        async def process(update: dict[str, Any]) -> None:
            await app.process_update(Update.de_json(update, app.bot))

        async def send(user: FakeUser, text: str) -> None:
            await process(fake.send_text(user, text))

        async def press(user: FakeUser, label: str) -> None:
            for message in reversed(fake.sent_by_bot(user)):
                for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                    for button in row:
                        if label in button["text"]:
                            await process(
                                fake.press_button(
                                    user, message["message_id"], button["callback_data"]
                                )
                            )
                            return
            raise LookupError(label)

        async def run_to(moment: Any) -> None:
            clock.set(moment)
            await tick(services)
            while await services.sender.drain_once():
                pass

        melati = next(g for g in world.groups if g.name == "Melati")
        meeting = (await services.db.upcoming_meetings([melati.id], clock.now()))[0]
        mothers = []
        for user in world.members:
            member = await services.db.participant_by_telegram(user.id)
            if member is not None and member.group_id == melati.id:
                mothers.append(user)
        await run_to(meeting.starts_at - timedelta(days=1))
        await press(mothers[1], services.catalog.t("reminder.button_no"))
        await press(mothers[1], services.catalog.t("reason.sakit"))
        await run_to(meeting.starts_at - timedelta(minutes=20))
        code = await services.attendance.current_code(meeting.id, clock.now())
        assert code is not None
        for mother in [mothers[0], *mothers[2:5]]:
            await send(mother, code)
        fac = world.facilitator
        await run_to(meeting.starts_at + timedelta(hours=3))
        await send(fac, "/kegiatan")
        await press(fac, "Melati")
        await press(fac, services.catalog.t("siks.button_note"))
        await send(fac, "Ibu-ibu aktif bertanya tentang menabung; dua KPM minta contoh buku kas.")
        await send(fac, "/kegiatan")
        await press(fac, "Melati")
        await press(fac, services.catalog.t("siks.button_photo"))
        picture = io.BytesIO()
        Image.new("RGB", (800, 600), (90, 140, 60)).save(picture, format="JPEG")
        await process(fake.send_photo(fac, data=picture.getvalue()))
        await process(fake.send_location(fac, -6.914744, 107.609810))
        await send(fac, "/batal")
        await send(fac, "/kegiatan")
        await press(fac, "Melati")
        before = len(fake.sent_by_bot(fac))
        await press(fac, services.catalog.t("siks.button_copy"))
        copy = [m for m in fake.sent_by_bot(fac)[before:] if "text" in m]
        print("#### Salin untuk SIKS-NG (chat, one message per field)\n")
        for message in copy:
            print("> " + message["text"].replace("\n", "  \n> ") + "\n")
        await send(fac, "/ekspor")
        await press(fac, "Excel")
        document = [m for m in fake.sent_by_bot(fac) if "document" in m][-1]["document"]
        book = openpyxl.load_workbook(io.BytesIO(fake.file(document["file_id"]).data))
        sheet = book[book.sheetnames[2]]
        print(f"#### XLSX sheet `{sheet.title}`\n")
        print("| A | B | C | D | E | F |\n|---|---|---|---|---|---|")
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else str(v).replace("|", "/") for v in row]
            if any(cells):
                print("| " + " | ".join(cells) + " |")
        await send(fac, "/ekspor")
        await press(fac, "Excel Indonesia")
        document = [m for m in fake.sent_by_bot(fac) if "document" in m][-1]["document"]
        data = fake.file(document["file_id"]).data
        print(f"\n#### `{document['file_name']}` (first lines)\n\n```")
        print(data.decode("utf-8-sig").splitlines()[0])
        print(data.decode("utf-8-sig").splitlines()[1])
        print("```")
        rows_csv = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert len(rows_csv[0]) == len(rows_csv[1])
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


if __name__ == "__main__":
    asyncio.run(main())
