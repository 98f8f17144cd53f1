"""Benchmark of the SIKS-NG records for one facilitator with 300 families.

Run by hand (not by the tests)::

    .venv/bin/python -m bench.siks [--rounds 5]

Seeds the data of ``bench.reports`` (12 groups of 25 members, a finalized meeting per group
and month) and gives each meeting of the latest month a note and a 1280 x 960 JPEG photo
kept under a temporary folder. Then times, each as the facilitator's button would run it:

* ``record_s``: one meeting's record with its Uraian and the chat copy ("Salin untuk
  SIKS-NG"): queries plus the rendered messages;
* ``xlsx_siks_s``: the monthly XLSX with a SIKS-NG sheet per meeting, photos embedded.

Checked: a sheet and a photo for every meeting of the month, every Uraian within the form's
limit; exit status 1 otherwise. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from PIL import Image

from bench.common import default_attendance, finish, load_average, spread
from bench.reports import GROUPS, MEMBERS, NOW, seed
from bot.content import load_library
from bot.evidence import Evidence, PhotoSize
from bot.exports import xlsx_bytes
from bot.i18n import Catalog
from bot.reports import Reports
from bot.siks import Siks
from bot.siks_form import load_siks_form
from db import Database

REPO = Path(__file__).resolve().parent.parent


def photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((1280, 960), 40).convert("RGB").save(out, format="JPEG", quality=85)
    return out.getvalue()


async def main(rounds: int) -> tuple[dict[str, float], dict[str, tuple[int, int]]]:
    catalog = Catalog.load()
    library = load_library(REPO / "content" / "modules")
    form = load_siks_form(REPO / "content" / "forms", library)
    attendance = default_attendance()
    figures: dict[str, float] = {}
    work: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.db")
        try:
            facilitator = await seed(db)
            reports = Reports(db, catalog, library, attendance)
            siks = Siks(
                db,
                catalog,
                library,
                form,
                meeting_length=attendance.meeting_length,
                institution="Kementerian Sosial RI",
            )
            evidence = Evidence(db, Path(folder) / "evidence", 5_000_000)
            year, month = NOW.year, NOW.month - 1
            labels = reports.labels(year, month)
            report = await reports.month_report(facilitator, year, month)
            ids = [m.meeting_id for m in report.meetings]
            data = photo()
            for i, meeting_id in enumerate(ids):
                await siks.set_note(facilitator.id, meeting_id, "Catatan pertemuan. " * 20, NOW)
                size = PhotoSize(f"file{i}", f"unique{i}", 1280, 960, len(data))
                await evidence.keep(meeting_id, facilitator.id, size, (size, data), NOW)
            times: dict[str, list[float]] = {"record_s": [], "xlsx_siks_s": []}
            for _ in range(rounds):
                t0 = time.perf_counter()
                record = await siks.record(facilitator.id, ids[0])
                assert record is not None
                messages = siks.copy_messages(record)
                times["record_s"].append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                report = await reports.month_report(facilitator, year, month)
                sheets = await siks.month_sheets(facilitator.id, ids, evidence.folder)
                book_data = xlsx_bytes(report, labels, [sheets.write])
                times["xlsx_siks_s"].append(time.perf_counter() - t0)
            book = openpyxl.load_workbook(io.BytesIO(book_data))
            siks_sheets = [ws for ws in book.worksheets if ws.title.startswith("SIKS")]
            images: list[int] = [len(ws._images) for ws in siks_sheets]  # type: ignore[attr-defined]
            work["siks_sheets"] = (len(siks_sheets), GROUPS)
            work["photos_embedded"] = (sum(images), GROUPS)
            work["uraian_within_limit"] = (
                sum(1 for r in sheets.records if len(r.value("uraian")) <= form.uraian_max),
                GROUPS,
            )
            print(
                f"{len(ids)} meetings, xlsx {len(book_data)} B with {len(siks_sheets)} SIKS-NG "
                f"sheets, {len(messages)} chat messages per record, photo {len(data)} B"
            )
            for name, values in times.items():
                figures.update(spread(name, values))
            figures["rounds"] = rounds
        finally:
            await db.close()
    return figures, work


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="SIKS-NG records and sheets")
    parser.add_argument("--rounds", type=int, default=5, help="each measured this many times")
    load = load_average()
    figures, work = asyncio.run(main(parser.parse_args().rounds))
    sys.exit(finish({"families": GROUPS * MEMBERS, **figures}, work, load))
