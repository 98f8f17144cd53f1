"""Issue 16, points 4 and 7: the monthly monitoring form (knowledge levels proposed from
her quiz answers, confirmed or changed by the facilitator with buttons) and the
coordinator's sub-district recap from ``python -m bot report``. Meetings are held, quizzes
answered and levels set through the bot; the files are read back with openpyxl and
compared with the database."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.__main__ import report_command
from bot.formdefs import monitoring_form, recap_form
from db.meetings import Meeting, NewMeeting
from fakeapi import FakeUser
from tests.support.attendance import run_meeting
from tests.support.harness import (
    Harness,
    answer_quiz,
    button_data,
    create_group,
    join,
    register_facilitator,
)
from tests.support.sql import fetch


@pytest.mark.parametrize(
    ("questions", "answered", "correct", "level"),
    [
        (3, 0, 0, "tidak_dapat_dinilai"),  # no answer: cannot be assessed
        (3, 3, 3, "sangat_baik"),
        (5, 5, 4, "sangat_baik"),  # 80 %
        (3, 3, 2, "baik"),
        (2, 2, 1, "baik"),  # 50 %
        (3, 3, 1, "kurang"),
        (3, 1, 1, "kurang"),  # unanswered questions count as not known
        (3, 3, 0, "kurang"),
        (0, 0, 0, "tidak_dapat_dinilai"),  # a session without a quiz
    ],
)
def test_proposal_rule(questions: int, answered: int, correct: int, level: str) -> None:
    assert monitoring_form().propose(questions, answered, correct) == level


async def month_of_mawar(h: Harness) -> tuple[FakeUser, dict[str, FakeUser], list[Meeting]]:
    """Mawar (kecamatan Sukamaju), two meetings in December 2026 held through the bot."""
    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar", kecamatan="Sukamaju")
    people = {n: await join(h, payload, n) for n in ("Siti", "Ani", "Dewi", "Euis")}
    group_id = (await h.participant(people["Siti"])).group_id
    meetings = await h.db.create_meetings(
        [
            NewMeeting(group_id, datetime(2026, 12, 2, 2, tzinfo=UTC), "Balai RW 03", "sesi-01"),
            NewMeeting(group_id, datetime(2026, 12, 16, 2, tzinfo=UTC), "Balai RW 03", "sesi-02"),
        ],
        h.clock.now(),
    )
    siti, ani, dewi, euis = (people[n] for n in ("Siti", "Ani", "Dewi", "Euis"))
    await run_meeting(h, meetings[0], [(siti, "P"), (ani, "P"), (dewi, "E"), (euis, "A")])
    await answer_quiz(h, siti, "sesi-01", "CCC")
    await answer_quiz(h, ani, "sesi-01", "CCW")
    await answer_quiz(h, euis, "sesi-01", "WCW")
    await run_meeting(h, meetings[1], [(siti, "P"), (ani, "E"), (dewi, "P"), (euis, "A")])
    return fac, people, meetings


async def stored_levels(h: Harness, meeting_id: int) -> dict[str, str]:
    rows = await fetch(
        h.db,
        "SELECT p.name, k.level FROM knowledge_levels k JOIN participants p"
        " ON p.id = k.participant_id WHERE k.meeting_id = ?",
        (meeting_id,),
    )
    return {r[0]: r[1] for r in rows}


def words(level: str) -> str:
    return monitoring_form().levels[level]


async def test_levels_proposed_confirmed_and_exported(h: Harness) -> None:
    fac, people, meetings = await month_of_mawar(h)
    first = meetings[0]
    await h.send(fac, "/pemahaman")
    await h.press(fac, h.t("forms.levels_item", group="Mawar", date="2 Des 2026"))
    screen = h.last_with_buttons(fac)
    form = monitoring_form()
    hadir, tidak = form.attendance["present"], form.attendance["not_present"]
    expected = {
        "Ani": (hadir, "baik"),
        "Dewi": (tidak, "tidak_dapat_dinilai"),
        "Euis": (tidak, "kurang"),
        "Siti": (hadir, "sangat_baik"),
    }
    for name, (attendance, level) in expected.items():
        label = h.t(
            "forms.levels_row_proposed", name=name, attendance=attendance, level=words(level)
        )
        button_data(screen, label)  # the row is there, with the proposal
    assert await stored_levels(h, first.id) == {}  # a proposal is not stored

    # She changes Ani's level, then confirms the rest.
    await h.press(
        fac, h.t("forms.levels_row_proposed", name="Ani", attendance=hadir, level=words("baik"))
    )
    await h.press(fac, words("sangat_baik"))
    assert await stored_levels(h, first.id) == {"Ani": "sangat_baik"}
    await h.press(fac, h.t("forms.levels_confirm_all", count=3))
    confirmed = {
        "Ani": "sangat_baik",
        "Dewi": "tidak_dapat_dinilai",
        "Euis": "kurang",
        "Siti": "sangat_baik",
    }
    assert await stored_levels(h, first.id) == confirmed
    screen = h.last_with_buttons(fac)
    button_data(
        screen,
        h.t(
            "forms.levels_row_confirmed", name="Ani", attendance=hadir, level=words("sangat_baik")
        ),
    )
    # The same press again (a replay) changes nothing; stale and forged presses neither.
    ani_id = (await h.participant(people["Ani"])).id
    await h.press_data(fac, f"lva:{first.id}:0")
    await h.press_data(fac, f"lvs:{first.id}:{ani_id}:9:0")  # no such level
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(fac, f"lvs:{first.id}:99999:0:0")  # not marked at this meeting
    assert h.answers()[-1] == h.t("common.stale_button")
    other = await register_facilitator(h, "Yuni Astuti")
    for data in (f"lv:{first.id}:0", f"lvs:{first.id}:{ani_id}:0:0", f"lva:{first.id}:0"):
        await h.press_data(other, data)
        assert h.answers()[-1] == h.t("common.stale_button"), data
    await h.press_data(people["Siti"], f"lvs:{first.id}:{ani_id}:0:0")
    assert h.answers()[-1] == h.t("auth.not_allowed")
    assert await stored_levels(h, first.id) == confirmed

    # The monitoring form in her December workbook, compared with the database.
    await h.press_data(fac, "repx:202612")
    document = [m for m in h.fake.sent_by_bot(fac) if "document" in m][-1]["document"]
    book = openpyxl.load_workbook(io.BytesIO(h.fake.file(document["file_id"]).data))
    sheet = book["Pemantauan Mawar"]
    cells = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert cells[0][0] == form.title
    labels = [r[0] for r in cells[1:6]]
    assert labels == list(form.header.values())
    assert cells[1][2] == "Rina Wati" and cells[2][2] == "Rabu, 2 Desember 2026"
    assert cells[3][2] == "Balai RW 03" and "Menjadi Orang Tua" in str(cells[4][2])
    heads = [form.columns[k] for k in ("no", "name", "group", "attendance", "level")]
    blocks = [i for i, r in enumerate(cells) if list(r[:5]) == heads]
    assert len(blocks) == 2  # one block per meeting of the month
    for start, meeting in zip(blocks, meetings, strict=True):
        body = cells[start + 1 : start + 5]
        marks = {
            r[0]: r[1]
            for r in await fetch(
                h.db,
                "SELECT p.name, a.status FROM attendance a JOIN participants p"
                " ON p.id = a.participant_id WHERE a.meeting_id = ?",
                (meeting.id,),
            )
        }
        levels = await stored_levels(h, meeting.id)
        assert [r[1] for r in body] == sorted(marks)
        for r in body:
            name = str(r[1])
            assert r[0] == body.index(r) + 1 and r[2] == "Mawar"
            assert r[3] == (hadir if marks[name] == "present" else tidak)
            if meeting is first:
                assert r[4] == words(levels[name])
            else:  # nobody answered the quiz of session 2, nothing confirmed
                assert levels == {} and r[4] == words("tidak_dapat_dinilai")


async def test_kecamatan_asked_and_changed(h: Harness) -> None:
    fac = await register_facilitator(h)
    await create_group(h, fac, "Mawar", kecamatan="kec. sukamaju")
    # the next group: her kecamatan is offered as a button
    await h.send(fac, "/kelompokbaru")
    await h.send(fac, "Melati")
    await h.press(fac, "WIB")
    await h.send(fac, "Posyandu Melati")
    assert h.last_text(fac) == h.t("group.ask_kecamatan")
    await h.press(fac, "Sukamaju")
    groups = {s.group.name: s.group for s in await h.db.groups_of((await h.facilitator(fac)).id)}
    assert {n: g.kecamatan for n, g in groups.items()} == {
        "Mawar": "Sukamaju",
        "Melati": "Sukamaju",
    }
    await h.press_data(fac, "gkc:0")  # the dialogue is over: a stale button
    assert h.answers()[-1] == h.t("common.stale_button")
    assert len(await h.db.groups_of((await h.facilitator(fac)).id)) == 2
    # an existing group's kecamatan, from the group's screen
    await h.press_data(fac, f"go:{groups['Melati'].id}")
    await h.press(fac, h.t("group.button_kecamatan"))
    await h.send(fac, "x")
    assert h.last_text(fac) == h.t("group.kecamatan_invalid")
    await h.send(fac, "Cibeber")
    assert h.last_text(fac) == h.t("group.kecamatan_saved", name="Melati", kecamatan="Cibeber")
    melati = await h.db.group(groups["Melati"].id)
    assert melati is not None and melati.kecamatan == "Cibeber"
    # another facilitator cannot touch it
    other = await register_facilitator(h, "Yuni Astuti")
    await h.press_data(other, f"gkk:{melati.id}")
    assert h.answers()[-1] == h.t("common.stale_button")


async def test_subdistrict_recap(h: Harness, tmp_path: Path) -> None:
    fac, _, meetings = await month_of_mawar(h)
    await h.send(fac, "/pemahaman")
    await h.press(fac, h.t("forms.levels_item", group="Mawar", date="2 Des 2026"))
    await h.press(fac, h.t("forms.levels_confirm_all", count=4))
    await create_group(h, fac, "Kenanga", kecamatan="Sukamaju")  # no meeting this month
    await create_group(h, fac, "Anggrek", kecamatan="Cibeber")
    yuni = await register_facilitator(h, "Yuni Astuti")
    await create_group(h, yuni, "Dahlia", kecamatan="Cibeber")
    folder = tmp_path / "laporan"
    out = io.StringIO()
    assert await report_command(h.services.settings, "2026-12", folder, out) == 0
    assert "rekap-kecamatan-2026-12.xlsx: 3 rows" in out.getvalue()
    form = recap_form()
    sheet = openpyxl.load_workbook(folder / "rekap-kecamatan-2026-12.xlsx").active
    assert sheet is not None
    cells = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert cells[0][0] == form.title
    keys = list(form.columns)
    assert list(cells[2][: len(keys)]) == list(form.columns.values())
    rows = [dict(zip(keys, r, strict=False)) for r in cells[3:6]]
    assert [(r["no"], r["kecamatan"], r["facilitator"]) for r in rows] == [
        (1, "Cibeber", "Rina Wati"),
        (2, "Cibeber", "Yuni Astuti"),
        (3, "Sukamaju", "Rina Wati"),
    ]
    assert rows[0]["groups"] == 1 and rows[0]["groups_done"] == 0
    assert rows[0]["reason"] == "Anggrek: " + form.reasons["not_scheduled"]
    sukamaju = rows[2]
    assert (sukamaju["groups"], sukamaju["groups_done"], sukamaju["members"]) == (2, 1, 4)
    assert sukamaju["reason"] == "Kenanga: " + form.reasons["not_scheduled"]
    assert sukamaju["materi"] == "Pengasuhan dan Pendidikan Anak"
    assert sukamaju["pemateri"] == "Rina Wati"
    counts = dict(
        tuple(r)
        for r in await fetch(
            h.db, "SELECT status = 'present', count(*) FROM attendance GROUP BY status = 'present'"
        )
    )
    assert (sukamaju["present"], sukamaju["not_present"]) == (counts[1], counts[0])
    # levels: session 1 confirmed (2 sangat baik, 1 tidak dapat dinilai... as proposed),
    # session 2 proposed (nobody answered its quiz)
    confirmed = list((await stored_levels(h, meetings[0].id)).values())
    for level in monitoring_form().levels:
        assert sukamaju[level] == confirmed.count(level) + 4 * (level == "tidak_dapat_dinilai")
    # Euis missed both meetings without an excuse: one open follow-up, one mother needing
    # attention (the same rule as the alert)
    open_alerts = await fetch(h.db, "SELECT count(*) FROM alerts WHERE status = 'open'")
    assert sukamaju["open_follow_ups"] == next(iter(open_alerts))[0] == 1
    assert sukamaju["attention"] == 1
    total = dict(zip(keys, cells[6], strict=False))
    assert total["no"] == form.total_row and total["members"] == 4 and total["groups"] == 4
    assert any(r[0] == form.footer for r in cells)


async def test_semester_ratings(h: Harness) -> None:
    from bot.formdefs import semester_form

    fac = await register_facilitator(h)
    payload = await create_group(h, fac, "Mawar")
    siti, ani = [await join(h, payload, n) for n in ("Siti", "Ani")]
    form = semester_form()
    perilaku, potensi = form.aspects.values()
    await h.send(fac, "/semester")
    await h.press(fac, "Mawar")
    unset = h.t("forms.semester_unset")
    await h.press(fac, h.t("forms.semester_row", name="Siti", levels=f"{unset} / {unset}"))
    await h.press(fac, f"{perilaku.split()[-1]}: {form.levels['baik']}")
    await h.press(fac, f"{potensi.split()[-1]}: {form.levels['sangat_baik']}")
    await h.press(fac, f"{perilaku.split()[-1]}: {form.levels['kurang']}")  # changed
    rows = await fetch(
        h.db,
        "SELECT participant_id, semester, aspect, level FROM semester_ratings ORDER BY aspect",
    )
    siti_id = (await h.participant(siti)).id
    assert [tuple(r) for r in rows] == [
        (siti_id, "2026-2", "perilaku", "kurang"),
        (siti_id, "2026-2", "potensi", "sangat_baik"),
    ]
    # forged: another group's facilitator, a member of no group of hers, no such level
    group_id = (await h.participant(siti)).group_id
    other = await register_facilitator(h, "Yuni Astuti")
    await h.press_data(other, f"ss:{group_id}:{siti_id}:0:0:0")
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(fac, f"ss:{group_id}:{siti_id}:5:0:0")
    assert h.answers()[-1] == h.t("common.stale_button")
    await h.press_data(fac, f"ss:{group_id}:99999:0:0:0")
    assert h.answers()[-1] == h.t("common.stale_button")
    found = await fetch(h.db, "SELECT count(*) FROM semester_ratings")
    assert next(iter(found))[0] == 2
    # In the workbook of any month of the semester: every member, unrated ones empty.
    await h.press_data(fac, "repx:202611")
    document = [m for m in h.fake.sent_by_bot(fac) if "document" in m][-1]["document"]
    book = openpyxl.load_workbook(io.BytesIO(h.fake.file(document["file_id"]).data))
    sheet = book["Pemantauan Semester"]
    cells = [r for r in sheet.iter_rows(min_row=4, values_only=True) if any(r)]
    assert cells[0] == ("No", "Nama KPM", "Kelompok", perilaku, potensi)
    assert cells[1] == (1, "Ani", "Mawar", None, None)
    assert cells[2] == (2, "Siti", "Mawar", form.levels["kurang"], form.levels["sangat_baik"])
    assert ani is not None
