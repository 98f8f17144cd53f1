"""Issue 16, point 9: an erased member in the exports, one attendance rule for the recap and
the alerts, a chart she can paste into a report. Meetings are held through the bot
(excuses by RSVP, check-in with the code, the close by the clock tick)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from bot.attendance import Mark, Policy, evaluate
from bot.reports import ChartData, ChartSeries, below_policy
from fakeapi import FakeUser
from tests.support.attendance import run_meeting, yearly
from tests.support.harness import (
    Harness,
    create_group,
    erase_own_data,
    join,
    register_facilitator,
)
from tests.support.sql import fetch

POLICY = Policy(in_a_row=2, m=3, k=6)
STATUS = {"P": "present", "A": "absent", "E": "excused"}


def marks(pattern: str) -> list[Mark]:
    return [Mark(i, STATUS[c]) for i, c in enumerate(pattern, start=1)]


@pytest.mark.parametrize(
    "pattern",
    ["AEA", "AAPA", "AAP", "APAPA", "AAA", "PAEEA", "EEEEEE", "APPPPAPA", "PAPAPAEA", ""],
)
def test_recap_and_alerts_share_one_rule(pattern: str) -> None:
    concern = below_policy(marks(pattern), POLICY)
    crossing = evaluate(marks(pattern), POLICY)
    assert (concern is None) == (crossing is None), pattern
    if crossing is not None and concern is not None:
        assert concern.misses == len(crossing.missed)


async def setup(h: Harness) -> tuple[FakeUser, dict[str, FakeUser]]:
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar")
    names = ("Siti", "Ani", "Dewi")
    return fac, {n: await join(h, payload, n) for n in names}


async def test_the_issue_patterns_in_the_bot(h: Harness) -> None:
    """Siti: absent, excused, absent (an alert); Ani: absent, absent, present, absent (her
    alert closed when she came back; no new one). The recap lists exactly those with an
    open absence alert."""
    fac, people = await setup(h)
    siti, ani, dewi = people["Siti"], people["Ani"], people["Dewi"]
    scripts = [(siti, "PAEA"), (ani, "AAPA"), (dewi, "PPPP")]
    for n, meeting in enumerate(await yearly(h, fac, 4)):
        await run_meeting(h, meeting, [(u, s[n]) for u, s in scripts])
    rows = await fetch(
        h.db,
        "SELECT p.name FROM alerts al JOIN participants p ON p.id = al.participant_id"
        " WHERE al.status = 'open' AND al.kind = 'absence'",
    )
    assert [r[0] for r in rows] == ["Siti"]
    await h.send(fac, "/rekap")
    text = "\n".join(h.texts(fac)[-2:])
    assert h.t("report.recap_concern", name="Siti", misses=2, row=2) in text
    assert "Ani:" not in text.split("Perlu perhatian", 1)[1].split("Tindak lanjut", 1)[0]


async def test_an_erased_member_is_counted_never_empty(h: Harness) -> None:
    fac, people = await setup(h)
    siti, ani, dewi = people["Siti"], people["Ani"], people["Dewi"]
    (meeting,) = await yearly(h, fac, 1)
    await run_meeting(h, meeting, [(siti, "A"), (ani, "A"), (dewi, "P")])
    await erase_own_data(h, ani)
    code = meeting.starts_at.strftime("%Y%m")
    erased = h.t("report.erased_member")
    await h.press_data(fac, f"repc:{code}")
    document = [m for m in h.fake.sent_by_bot(fac) if "document" in m][-1]["document"]
    rows = list(csv.reader(io.StringIO(h.fake.file(document["file_id"]).data.decode("utf-8-sig"))))
    assert rows[1][9] == "2"  # two absent, both counted
    assert rows[1][14] == f"Siti, {erased}"
    await h.press_data(fac, f"repx:{code}")
    document = [m for m in h.fake.sent_by_bot(fac) if "document" in m][-1]["document"]
    book = openpyxl.load_workbook(io.BytesIO(h.fake.file(document["file_id"]).data))
    names = [c.value for row in book.worksheets[0].iter_rows(min_row=6) for c in row[12:15]]
    assert f"Siti, {erased}" in names
    assert not any(isinstance(v, str) and (v.startswith(",") or ", ," in v) for v in names)


def test_chart_is_readable() -> None:
    from bot.exports import chart_figure

    data = ChartData(
        (
            ChartSeries("Mawar", ((date(2026, 8, 5), 80.0), (date(2026, 9, 2), 0.0))),
            ChartSeries("Melati", ((date(2026, 9, 9), 50.0),)),
        ),
        start=date(2026, 4, 1),
        end=date(2026, 9, 30),
    )
    figure = chart_figure(data, "Kehadiran per pertemuan", "Hadir (%)")
    ax = figure.axes[0]
    figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks == ["Agu\n2026", "Sep\n2026"]  # two lines each, no empty months
    bottom, top = ax.get_ylim()
    assert bottom < 0 and top > 100  # a 0 % point is drawn whole, above the axis
    shown = {t.get_text() for t in ax.texts}
    assert {"80%", "0%", "50%"} <= shown  # every point says its value
