"""The SIKS-NG activity record of a meeting ("Tambah Kegiatan P2K2"), ready to copy.

No Telegram here. The form's headers, allowed values and limits are data
(:mod:`bot.siks_form`, ``content/forms/siks_kegiatan.toml``); the Uraian is drafted by
:mod:`bot.uraian`. :class:`Siks` reads a meeting (the facilitator's own only) with its
marks, note, photos, quiz results and open follow-ups, and renders the record for the chat
("Salin untuk SIKS-NG") and the XLSX (:mod:`bot.siks_export`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot.content import Library
from bot.i18n import Catalog, zone_label
from bot.report_format import pack
from bot.siks_form import (
    FIELD_KEYS,
    SiksForm,
    activity_name,
)
from bot.uraian import UraianFacts, draft_uraian, plain, strip_tags
from db.quiz import QuizSummary
from db.siks import MeetingNote, MeetingPhoto, RecordMark, RecordMeeting

if TYPE_CHECKING:
    from bot.siks_export import SiksSheets


NOTE_MAX = 500
"""The facilitator's note for a meeting, in characters."""


# ------------------------------------------------------------------------------ the record


@dataclass(frozen=True)
class ParticipantRow:
    no: int
    name: str
    kehadiran: str  # HADIR / SAKIT / ALFA
    note: str  # the bot's own status and reason, e.g. "Izin (Keluarga)"


@dataclass(frozen=True)
class ActivityRecord:
    """One meeting, ready to copy into SIKS-NG field by field."""

    meeting_id: int
    group_name: str
    timezone: str
    local_start: datetime
    session_title: str
    fields: tuple[tuple[str, str, str], ...]  # (key, label, value), in the form's order
    participants: tuple[ParticipantRow, ...]
    photos: tuple[MeetingPhoto, ...]
    note: str | None
    finalized: bool

    def value(self, key: str) -> str:
        return next(v for k, _, v in self.fields if k == key)


def clean_note(text: str) -> str | None:
    """Her typed note: one paragraph, at most ``NOTE_MAX`` characters; None when empty or
    too long."""
    note = " ".join(text.split())
    if not note or len(note) > NOTE_MAX:
        return None
    return note


# ------------------------------------------------------------------------------ the service


class SiksStore(Protocol):
    async def record_meeting(self, meeting_id: int) -> RecordMeeting | None: ...

    async def record_meetings(
        self, facilitator_id: int, start: datetime, end: datetime
    ) -> list[RecordMeeting]: ...

    async def record_marks(self, meeting_ids: Sequence[int]) -> list[RecordMark]: ...

    async def open_followups(self, group_id: int) -> int: ...

    async def meeting_notes(self, meeting_ids: Sequence[int]) -> dict[int, MeetingNote]: ...

    async def set_meeting_note(
        self, meeting_id: int, facilitator_id: int, note: str, now: datetime
    ) -> None: ...

    async def meeting_photos(self, meeting_ids: Sequence[int]) -> list[MeetingPhoto]: ...

    async def group_quiz_summary(self, group_id: int, session_id: str) -> QuizSummary: ...


MESSAGE_LIMIT = 3800
"""Chat messages are packed up to this many characters (Telegram allows 4096)."""


RECENT_DAYS = 62
"""Meetings offered for a record: those that started within this many days."""
RECENT_LIMIT = 8


class Siks:
    def __init__(
        self,
        store: SiksStore,
        catalog: Catalog,
        content: Library,
        form: SiksForm,
        *,
        meeting_length: timedelta,
        institution: str,
        other_speakers: Sequence[tuple[str, str]] = (),
        reflections: Callable[[int], Awaitable[Sequence[str]]] | None = None,
    ) -> None:
        """``reflections``: a meeting's further sentences for the Uraian (her self-check
        after the close, ``Coaching.selfcheck_sentences``)."""
        self._store = store
        self._reflections = reflections
        self._catalog = catalog
        self._content = content
        self.form = form
        self._length = meeting_length
        self._institution = institution
        self._others = tuple(other_speakers)

    async def recent(self, facilitator_id: int, now: datetime) -> list[RecordMeeting]:
        """Her meetings that have begun (or begin within the hour), newest first."""
        found = await self._store.record_meetings(
            facilitator_id, now - timedelta(days=RECENT_DAYS), now + timedelta(hours=1)
        )
        return list(reversed(found))[:RECENT_LIMIT]

    async def meeting(self, facilitator_id: int, meeting_id: int) -> RecordMeeting | None:
        """Her own meeting (not cancelled), else None (a stale or forged button)."""
        found = await self._store.record_meeting(meeting_id)
        if found is None or found.facilitator_id != facilitator_id:
            return None
        return None if found.status == "cancelled" else found

    async def set_note(
        self, facilitator_id: int, meeting_id: int, note: str, now: datetime
    ) -> bool:
        if await self.meeting(facilitator_id, meeting_id) is None:
            return False
        await self._store.set_meeting_note(meeting_id, facilitator_id, note, now)
        return True

    async def note(self, meeting_id: int) -> str | None:
        found = (await self._store.meeting_notes([meeting_id])).get(meeting_id)
        return found.note if found else None

    async def record(
        self, facilitator_id: int, meeting_id: int, extra: Sequence[str] = ()
    ) -> ActivityRecord | None:
        meeting = await self.meeting(facilitator_id, meeting_id)
        if meeting is None:
            return None
        return (await self.records([meeting], extra))[0]

    async def records(
        self, meetings: Sequence[RecordMeeting], extra: Sequence[str] = ()
    ) -> list[ActivityRecord]:
        ids = [m.meeting_id for m in meetings]
        marks = await self._store.record_marks(ids)
        notes = await self._store.meeting_notes(ids)
        photos = await self._store.meeting_photos(ids)
        out = []
        for m in meetings:
            mine = [k for k in marks if k.meeting_id == m.meeting_id]
            note = notes.get(m.meeting_id)
            own = await self._reflections(m.meeting_id) if self._reflections else ()
            out.append(
                await self._record(
                    m,
                    mine,
                    note.note if note else None,
                    tuple(p for p in photos if p.meeting_id == m.meeting_id),
                    [*own, *extra],
                )
            )
        return out

    async def _record(
        self,
        m: RecordMeeting,
        marks: Sequence[RecordMark],
        note: str | None,
        photos: tuple[MeetingPhoto, ...],
        extra: Sequence[str],
    ) -> ActivityRecord:
        t = self._catalog.t
        form = self.form
        session = self._content.session(m.session_id)
        module = self._content.module_of(session) if session else None
        module_title = module.title if module else ""
        session_title = (
            plain(t, "siks.session", number=session.number, title=session.title)
            if session
            else m.session_id
        )
        local = m.starts_at.astimezone(ZoneInfo(m.timezone))
        end = (m.starts_at + self._length).astimezone(ZoneInfo(m.timezone))
        zone = zone_label(m.timezone)
        name = activity_name(form, m.group_name, module_title, session.number if session else None)
        speakers = [(m.facilitator_name, self._institution), *self._others][: form.pemateri_max]
        rows = []
        counts = {"present": 0, "sick": 0, "excused": 0, "absent": 0}
        for no, mark in enumerate(marks, start=1):
            if mark.status == "excused":
                counts["sick" if mark.reason == "sakit" else "excused"] += 1
                status = plain(t, "siks.status_excused")
                if mark.reason and self._catalog.has(f"reason.{mark.reason}"):
                    status = plain(
                        t, "siks.status_reason", status=status, reason=t(f"reason.{mark.reason}")
                    )
            else:
                counts[mark.status] = counts.get(mark.status, 0) + 1
                key = "siks.status_present" if mark.status == "present" else "siks.status_absent"
                status = plain(t, key)
            rows.append(
                ParticipantRow(
                    no,
                    mark.name or plain(t, "siks.name_erased"),
                    form.kehadiran(mark.status, mark.reason),
                    status,
                )
            )
        facts = UraianFacts(
            group=m.group_name,
            date=self._catalog.date(m.starts_at, m.timezone),
            start=local.strftime("%H.%M"),
            end=f"{end.strftime('%H.%M')} {zone}",
            place=m.place,
            facilitator=m.facilitator_name,
            module=module_title,
            session=session_title,
            key_points=tuple(strip_tags(p) for p in session.key_points) if session else (),
            total=len(marks),
            quiz=await self._store.group_quiz_summary(m.group_id, m.session_id),
            followups=await self._store.open_followups(m.group_id),
            note=note,
            **counts,
        )
        photo_text = (
            plain(t, "siks.photos", count=len(photos)) if photos else plain(t, "siks.no_photo")
        )
        values = {
            "nama_kegiatan": name,
            "materi": form.module_materi.get(module.id if module else "", form.default_materi),
            "modul": module_title,
            "periode_salur": "",
            "tanggal": local.strftime("%d/%m/%Y"),
            "jam_mulai": local.strftime("%H:%M"),
            "jam_selesai": end.strftime("%H:%M"),
            "tempat": m.place,
            "pemateri_nama": "; ".join(n for n, _ in speakers),
            "pemateri_instansi": "; ".join(i for _, i in speakers),
            "uraian": draft_uraian(t, facts, form.uraian_max, extra),
            "foto": photo_text,
        }
        return ActivityRecord(
            meeting_id=m.meeting_id,
            group_name=m.group_name,
            timezone=m.timezone,
            local_start=local,
            session_title=session_title,
            fields=tuple((k, form.fields[k], values[k]) for k in FIELD_KEYS),
            participants=tuple(rows),
            photos=photos,
            note=note,
            finalized=m.finalized,
        )

    # -- rendering in the bot -----------------------------------------------------------

    def copy_messages(self, record: ActivityRecord) -> list[str]:
        """The record as Telegram HTML messages: one per field (the value in <code>, so a
        tap copies it), then the participants, numbered, with the form's values."""
        t = self._catalog.t
        messages = [
            t(
                "siks.copy_intro",
                group=record.group_name,
                date=self._catalog.date(record.local_start, record.timezone),
            )
        ]
        for key, label, value in record.fields:
            if key == "foto":
                continue
            if value:
                messages.append(t("siks.copy_field", label=label, value=value))
            else:
                messages.append(t("siks.copy_field_empty", label=label))
        if record.participants:
            form = self.form.participants
            lines = [
                t(
                    "siks.copy_participant",
                    no=row.no,
                    name=row.name,
                    kehadiran=row.kehadiran,
                    note=row.note,
                )
                for row in record.participants
            ]
            head = t(
                "siks.copy_participants",
                label=form["kehadiran"],
                nik=form["nik"],
                kk=form["no_kk"],
                count=len(record.participants),
            )
            messages.extend(pack([head, *lines], MESSAGE_LIMIT, sep="\n"))
        else:
            messages.append(t("siks.copy_no_participants"))
        return messages

    async def month_sheets(
        self, facilitator_id: int, meeting_ids: Sequence[int], photo_folder: Path
    ) -> SiksSheets:
        """The XLSX sheets of these meetings (her own only), one per meeting."""
        from bot.siks_export import SiksSheets

        meetings = [m for m in [await self.meeting(facilitator_id, i) for i in meeting_ids] if m]
        records = tuple(await self.records(meetings))
        t = self._catalog.t
        return SiksSheets(
            form=self.form,
            records=records,
            sheet_names=tuple(
                plain(t, "siks.sheet", date=r.local_start.strftime("%d-%m"), group=r.group_name)
                for r in records
            ),
            title=plain(t, "siks.sheet_title"),
            participants_title=plain(t, "siks.sheet_participants"),
            photo_captions=tuple(
                tuple(self._photo_caption(r, no, p) for no, p in enumerate(r.photos, start=1))
                for r in records
            ),
            photo_files=tuple(
                tuple(photo_folder / p.local_path if p.local_path else None for p in r.photos)
                for r in records
            ),
        )

    def _photo_caption(self, record: ActivityRecord, no: int, photo: MeetingPhoto) -> str:
        t = self._catalog.t
        parts = [
            plain(
                t,
                "siks.sheet_photo",
                no=no,
                when=f"{self._catalog.short_date(photo.received_at, record.timezone)} "
                f"{self._catalog.time(photo.received_at, record.timezone)}",
            )
        ]
        if photo.latitude is not None and photo.longitude is not None:
            parts.append(
                plain(
                    t,
                    "siks.sheet_photo_location",
                    lat=f"{photo.latitude:.6f}",
                    lon=f"{photo.longitude:.6f}",
                )
            )
        if photo.local_path is None:
            parts.append(plain(t, "siks.sheet_photo_remote"))
        return ", ".join(parts)
