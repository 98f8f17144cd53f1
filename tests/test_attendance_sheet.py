"""Issue 16, point 6: the printable attendance sheet (Daftar Hadir) of a meeting, a PDF
read back with pypdf and compared with the members and the marks made through the bot."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from bot.formdefs import sheet_form
from db.meetings import NewMeeting
from fakeapi import FakeUser
from tests.support.attendance import run_meeting
from tests.support.harness import (
    Harness,
    create_group,
    erase_own_data,
    join,
    register_facilitator,
)
from tests.support.sql import fetch


def pdf_text(h: Harness, user: FakeUser) -> tuple[str, str]:
    document = [m for m in h.fake.sent_by_bot(user) if "document" in m][-1]["document"]
    data = h.fake.file(document["file_id"]).data
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return document["file_name"], "\n".join(p.extract_text() for p in reader.pages)


async def test_sheet_before_and_after_the_meeting(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Cempaka 🌼", place="Balai Dusun Krajan")
    names = ["Siti Nurhaliza", "Ñoño Çağlar", "Ani Rahmawati", "Dewi Lestari"]
    people = [await join(h, payload, n.split()[0], name=n) for n in names]
    group_id = (await h.participant(people[0])).group_id
    (meeting,) = await h.db.create_meetings(
        [NewMeeting(group_id, datetime(2026, 12, 5, 2, tzinfo=UTC), "Rumah Bu RT", "sesi-05")],
        h.clock.now(),
    )
    form = sheet_form()

    await h.send(fac, "/daftarhadir")
    await h.press(fac, h.t("forms.sheet_item", group="Cempaka 🌼", date="5 Des 2026"))
    name, text = pdf_text(h, fac)
    assert name == f"daftar-hadir-cempaka-{meeting.id}.pdf"
    lines = [line.strip() for line in text.splitlines()]
    assert form.title in lines
    assert any(line.endswith("Cempaka") for line in lines)  # the emoji left out
    assert "Sabtu, 5 Desember 2026" in text and "Rumah Bu RT" in text
    assert f"{form.header['kecamatan']} : Sukamaju" in text
    assert "09.00 - 11.00 WIB" in text and "Rina Wati" in text
    assert "5. " in text and "Mengelola Keuangan" in text  # the session and its title
    for column in form.columns.values():
        assert column in text
    # every active member, by name, numbered, then the blank rows; nothing marked yet
    order = sorted(names, key=str.casefold)
    positions = [text.index(n) for n in order]
    assert positions == sorted(positions)
    for n, member in enumerate(order, start=1):
        assert f"{n} {member}" in text
    assert f"{len(order) + form.blank_rows} " in text
    assert not any(word in text for word in form.statuses.values())

    siti, nono, ani, dewi = people
    await run_meeting(h, meeting, [(siti, "P"), (nono, "P"), (ani, "E"), (dewi, "A")])
    await erase_own_data(h, dewi)
    await h.send(fac, "/daftarhadir")
    await h.press(fac, h.t("forms.sheet_item_final", group="Cempaka 🌼", date="5 Des 2026"))
    _, text = pdf_text(h, fac)
    stored = {
        (r[0] or h.t("report.erased_member")): r[1]
        for r in await fetch(
            h.db,
            "SELECT p.name, a.status FROM attendance a JOIN participants p"
            " ON p.id = a.participant_id WHERE a.meeting_id = ?",
            (meeting.id,),
        )
    }
    assert len(stored) == 4
    rows = [line.strip() for line in text.splitlines() if line[:1].isdigit()]
    for who, status in stored.items():
        assert any(f"{who} {form.statuses[status]} " in row for row in rows), who
    assert text.index(h.t("report.erased_member")) > text.index("Siti Nurhaliza")


async def test_sheet_of_another_facilitator_or_forged(h: Harness) -> None:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar")
    siti = await join(h, payload, "Siti")
    group_id = (await h.participant(siti)).group_id
    (meeting,) = await h.db.create_meetings(
        [NewMeeting(group_id, datetime(2026, 12, 5, 2, tzinfo=UTC), "Balai", "sesi-01")],
        h.clock.now(),
    )
    other = await register_facilitator(h, "Yuni Astuti")
    await h.send(other, "/daftarhadir")
    assert h.last_text(other) == h.t("forms.sheet_none")
    for data in (f"dh:{meeting.id}", "dh:99999", "dh:abc"):
        await h.press_data(other, data)
        assert h.answers()[-1] == h.t("common.stale_button"), data
    assert not [m for m in h.fake.sent_by_bot(other) if "document" in m]
    await h.press_data(siti, f"dh:{meeting.id}")
    assert h.answers()[-1] == h.t("auth.not_allowed")
