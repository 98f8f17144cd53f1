"""Queries for the outbox: one row per outgoing bulk message and recipient.

The outbox is how the bot keeps its promise that a crash loses nothing (docs/DECISIONS.md,
"Every bulk message goes through an outbox"). Services enqueue rows with a unique key, so
enqueueing twice is a no-op; the one sender (:class:`bot.outbox.OutboxSender`) claims due
rows, sends them and records the outcome. A row's life::

    queued --claim_due--> sending --mark_sent--> sent
                             |------mark_retry--> queued (later not_before, attempts+1)
                             |------release-----> queued (RetryAfter: no attempt counted)
                             |------mark_failed-> failed
                             '------mark_blocked_chat-> blocked (with every queued row of
                                                        that chat; participant unreachable)

Quiet hours: every row for a participant passes one gate at :meth:`OutboxQueries.enqueue`
(the rule is :attr:`OutboxQueries.quiet_rule`, ``bot.schedule.quiet_hold``): its
``not_before`` is moved out of her group's quiet hours, the next quiet window is stored with
it (``quiet_from``/``quiet_until``), and a row that would wait past its ``useful_until`` is
not queued. At claim time a row whose quiet window has begun waits until its end, and a row
past ``expires_at`` is dropped (``failed``, "stale").

``sending`` means "claimed by the sender": rows found in it at start-up were in flight when
the process died and go back to the queue (:meth:`OutboxQueries.requeue_sending`), so at most
the message that was on the wire is repeated.

Every method is one short transaction; none awaits the network while holding the lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Protocol

import aiosqlite

from db.base import DatabaseBase, Tx, placeholders
from db.connection import from_db, to_db
from db.dialect import POSTGRESQL

STATUSES = ("queued", "sending", "sent", "failed", "blocked")
"""Every status an outbox row can have, in the order of its life."""

ENQUEUE_CHUNK = 1000
"""Rows per ``executemany`` call: big enough to be fast, small enough that a fan-out of
100,000 recipients never exists as one list in memory."""

SENT_CHUNK = 500
"""Deliveries recorded per statement (three parameters each, far below SQLite's limit)."""

Buttons = tuple[tuple[tuple[str, str], ...], ...]
"""Inline keyboard rows of ``(label, callback_data)``."""


@dataclass(frozen=True)
class NewMessage:
    """A message to put in the outbox.

    ``key`` makes enqueueing idempotent: choose it so that the same intent always gives the
    same key (e.g. ``reminder:{meeting}:v{version}:{participant}:{minutes}``).
    ``participant_id`` ties the row to a participant so that a 403 marks her unreachable;
    leave it None for facilitators and leaders. ``text`` is Telegram HTML. With ``photo`` (a
    Telegram ``file_id``) the message is a photo and ``text`` its caption (at most 1024
    characters once parsed).
    """

    key: str
    chat_id: int
    participant_id: int | None
    kind: str
    text: str
    buttons: Sequence[Sequence[tuple[str, str]]] | None
    not_before: datetime
    photo: str | None = None
    voice: str | None = None
    """A voice note instead of a text message (``text`` is then its caption): ``tts:<hash>``
    for a synthesized one (uploaded once from the voice cache, then sent by file id) or
    ``id:<file_id>`` for a recording kept by Telegram."""
    useful_until: datetime | None = None
    """A row not sent by then is dropped, never sent late (e.g. a reminder once the meeting
    has begun). A row that quiet hours would hold past it is not queued at all."""
    qr: str | None = None
    """A deep-link ``/start`` payload: the message is a photo of the QR code of the bot's
    link with it (drawn by the sender, which knows the bot's name), ``text`` its caption."""
    edit_of: str | None = None
    """The key of an earlier row of the same chat: this row edits that message in place
    (its caption and QR code, or its text) instead of sending a new one."""
    named: bool = False
    """The text already names the people of a shared phone it is for (one message for
    all of them); otherwise a message for one person on a shared phone gets her name."""
    private: bool = False
    """It concerns her alone (her absence follow-up, ...): on a shared phone it is kept
    as a private note, and the phone only gets a closed envelope that she opens."""


class QuietWindow(Protocol):
    @property
    def not_before(self) -> datetime: ...
    @property
    def quiet_from(self) -> datetime | None: ...
    @property
    def quiet_until(self) -> datetime | None: ...


class PhoneRule(Protocol):
    """How a message for one person on a shared phone says who it is for (the wording is
    the application's: ``bot.phones``), set on the database like the quiet rule."""

    def for_one(self, name: str, address: str) -> str:
        """The line that names her, above the text."""
        ...

    def envelope(
        self, name: str, address: str, note_id: int
    ) -> tuple[str, Sequence[Sequence[tuple[str, str]]]]:
        """The closed message for a private note: text and its "open" button."""
        ...


QuietRule = Callable[[datetime, str], QuietWindow]
"""``(moment, time zone) -> when a bulk message to a mother may go out``: the one quiet-hours
rule (``bot.schedule.quiet_hold`` with the configured window), set on the database by the
application so that every enqueue of a message to a participant passes it."""


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: str
    chat_id: int
    participant_id: int | None
    kind: str
    text: str
    buttons: Buttons | None
    status: str
    attempts: int
    last_error: str | None
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None
    message_id: int | None
    photo: str | None = None
    voice: str | None = None
    qr: str | None = None
    edit_of: str | None = None


def encode_payload(
    text: str,
    buttons: Sequence[Sequence[tuple[str, str]]] | None,
    photo: str | None = None,
    voice: str | None = None,
    *,
    qr: str | None = None,
    edit_of: str | None = None,
) -> str:
    """The ``payload`` column: ``{"text": ..., "buttons": [[[label, data], ...], ...]}``,
    plus ``"photo": file_id`` for a photo message (``text`` is then its caption)."""
    payload: dict[str, Any] = {"text": text}
    if buttons:
        payload["buttons"] = [[[label, data] for label, data in row] for row in buttons]
    if photo:
        payload["photo"] = photo
    if voice:
        payload["voice"] = voice
    if qr:
        payload["qr"] = qr
    if edit_of:
        payload["edit_of"] = edit_of
    return _PAYLOAD_JSON(payload)


_PAYLOAD_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""One encoder for every payload (``json.dumps`` with options builds one per call, a
noticeable share of enqueueing a fan-out)."""


SPENT = '{"text":""}'
"""The payload of a final row (sent, failed, blocked): once a message is done with, its
text is dropped. The bot keeps only what it needs (key, status, times, error), which keeps
the database small and personal texts (names, excuses, announcements) out of it."""


def decode_payload_with_photo(raw: str) -> tuple[str, Buttons | None, str | None]:
    payload = json.loads(raw)
    return (*_text_buttons(payload), _optional(payload, "photo"))


def _text_buttons(payload: dict[str, Any]) -> tuple[str, Buttons | None]:
    rows = payload.get("buttons")
    buttons: Buttons | None = None
    if rows:
        buttons = tuple(tuple((str(b[0]), str(b[1])) for b in row) for row in rows)
    return str(payload["text"]), buttons


def _optional(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return str(value) if value else None


def outbox_row_from(row: aiosqlite.Row) -> OutboxRow:
    payload = json.loads(row["payload"])  # once: a fan-out decodes one per message
    text, buttons = _text_buttons(payload)
    return OutboxRow(
        id=row["id"],
        key=row["key"],
        chat_id=row["chat_id"],
        participant_id=row["participant_id"],
        kind=row["kind"],
        text=text,
        buttons=buttons,
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        not_before=from_db(row["not_before"]),
        created_at=from_db(row["created_at"]),
        sent_at=from_db(row["sent_at"]) if row["sent_at"] is not None else None,
        message_id=row["message_id"],
        photo=_optional(payload, "photo"),
        voice=_optional(payload, "voice"),
        qr=payload.get("qr"),
        edit_of=payload.get("edit_of"),
    )


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``.

    ``key >= prefix AND key < bound`` uses the unique index on ``key``, which ``LIKE`` would
    not (SQLite's LIKE is case-insensitive, the index is not).
    """
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# Due queued rows, oldest first, that are the head of their chat's queue: no row of the same
# chat is being sent, and no earlier due row of it is queued. So one chat never has two
# messages on the wire and, in the normal course, gets them in order. Both NOT EXISTS probe
# the index outbox_chat (0003). The LEFT JOIN tells rows of unreachable participants apart.
_CLAIM_SQL = """
SELECT o.id, p.reachable, o.quiet_from, o.quiet_until, o.expires_at
FROM outbox o LEFT JOIN participants p ON p.id = o.participant_id
WHERE o.status = 'queued' AND o.not_before <= :now
  AND NOT EXISTS (
      SELECT 1 FROM outbox s WHERE s.chat_id = o.chat_id AND s.status = 'sending')
  AND NOT EXISTS (
      SELECT 1 FROM outbox e
      WHERE e.chat_id = o.chat_id AND e.status = 'queued'
        AND (e.not_before < o.not_before OR (e.not_before = o.not_before AND e.id < o.id)))
ORDER BY o.not_before, o.id
LIMIT :limit
"""

_CLAIM_SQL_POSTGRES = _CLAIM_SQL.rstrip() + " FOR UPDATE OF o SKIP LOCKED\n"
"""PostgreSQL, where several workers claim from one outbox: a row another worker is
claiming is skipped, not waited for (and not claimed twice: when that worker commits,
the row is ``sending`` and no longer matches)."""


async def _held(
    tx: Tx,
    chunk: list[NewMessage],
    rule: QuietRule | None,
    phone: PhoneRule | None = None,
    now: datetime | None = None,
) -> list[tuple[NewMessage, str | None, str | None]]:
    """The gate every row passes: a message to a participant is held out of the quiet
    hours of her group's zone and gets its next quiet window; one that would be held
    past its ``useful_until`` is left out. On a phone several people share (``phone``),
    a message for one of them names her, and a private one becomes a closed envelope (its
    text kept in ``private_notes``). Other rows pass unchanged."""
    ids = sorted({m.participant_id for m in chunk if m.participant_id is not None})
    zones: dict[int, str] = {}
    shared: dict[int, tuple[str, str]] = {}
    if (rule is not None or phone is not None) and ids:
        rows = await tx.all(
            "SELECT p.id, p.name, p.address, g.timezone, p.telegram_id IS NOT NULL AND EXISTS"
            " (SELECT 1 FROM participants q WHERE q.telegram_id = p.telegram_id"
            "  AND q.id != p.id AND q.status = 'active') AS shared"
            " FROM participants p JOIN groups g ON g.id = p.group_id"
            f" WHERE p.id IN ({placeholders(len(ids))})",
            ids,
        )
        zones = {r["id"]: r["timezone"] for r in rows}
        shared = {r["id"]: (r["name"], r["address"]) for r in rows if r["shared"]}
    seen: dict[tuple[datetime, str], QuietWindow] = {}
    kept: list[tuple[NewMessage, str | None, str | None]] = []
    for m in chunk:
        zone = zones.get(m.participant_id) if m.participant_id is not None else None
        quiet_from = quiet_until = None
        if rule is not None and zone is not None:
            hold = seen.get((m.not_before, zone))
            if hold is None:
                hold = seen[(m.not_before, zone)] = rule(m.not_before, zone)
            if m.useful_until is not None and hold.not_before >= m.useful_until:
                continue  # by the end of the quiet hours it is no longer useful
            if hold.not_before != m.not_before:
                m = replace(m, not_before=hold.not_before)
            quiet_from, quiet_until = hold.quiet_from, hold.quiet_until
        person = shared.get(m.participant_id) if m.participant_id is not None else None
        if phone is not None and person is not None and not m.named:
            m = await _for_person(tx, m, person, phone, now or m.not_before)
        kept.append(
            (
                m,
                to_db(quiet_from) if quiet_from else None,
                to_db(quiet_until) if quiet_until else None,
            )
        )
    return kept


async def _for_person(
    tx: Tx, m: NewMessage, person: tuple[str, str], phone: PhoneRule, now: datetime
) -> NewMessage:
    """A message for one person on a shared phone: named, or (private) kept as her note
    with a closed envelope on the phone. The note is made once per outbox key."""
    name, address = person
    if not m.private or m.photo or m.voice or m.qr or m.edit_of:
        return replace(m, text=phone.for_one(name, address) + "\n" + m.text, named=True)
    if await tx.one("SELECT 1 FROM outbox WHERE key = ?", (m.key,)):
        return m  # queued before: the insert ignores it, no second note
    note_id = await tx.insert(
        "INSERT INTO private_notes (participant_id, payload, created_at) VALUES (?, ?, ?)",
        (m.participant_id, encode_payload(m.text, m.buttons), to_db(now)),
    )
    text, buttons = phone.envelope(name, address, note_id)
    return replace(m, text=text, buttons=buttons, named=True)


def _row_params(
    m: NewMessage, created: str, quiet_from: str | None, quiet_until: str | None
) -> tuple[Any, ...]:
    return (
        m.key,
        m.chat_id,
        m.participant_id,
        m.kind,
        encode_payload(m.text, m.buttons, m.photo, m.voice, qr=m.qr, edit_of=m.edit_of),
        to_db(m.not_before),
        created,
        quiet_from,
        quiet_until,
        to_db(m.useful_until) if m.useful_until else None,
    )


_INSERT = (
    "INSERT{verb} INTO outbox"
    " (key, chat_id, participant_id, kind, payload, not_before, created_at,"
    "  quiet_from, quiet_until, expires_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def enqueue_in(
    tx: Tx,
    rows: Iterable[NewMessage],
    now: datetime,
    *,
    rule: QuietRule | None,
    phone: PhoneRule | None = None,
    chunk_size: int = ENQUEUE_CHUNK,
) -> int:
    """Queue ``rows`` inside the caller's transaction ``tx`` (see :meth:`OutboxQueries.enqueue`),
    so that a change and the messages it causes commit together. Every row passes the
    quiet-hours gate ``rule`` (the database's ``quiet_rule``). Returns the new rows."""
    created = to_db(now)
    messages: Iterator[NewMessage] = iter(rows)
    count = 0
    while chunk := list(islice(messages, chunk_size)):
        count += await tx.executemany_count(
            _INSERT.format(verb=" OR IGNORE"),
            [
                _row_params(m, created, qf, qu)
                for m, qf, qu in await _held(tx, chunk, rule, phone, now)
            ],
        )
    return count


async def enqueue_again_in(
    tx: Tx,
    rows: Sequence[NewMessage],
    now: datetime,
    *,
    rule: QuietRule | None,
    phone: PhoneRule | None = None,
) -> int:
    """Queue ``rows`` inside ``tx``, and also those whose key is ``blocked`` (she could not
    be reached then, and can be now): such a row goes back to the queue with the payload
    given here (a blocked row's text was dropped). A row already sent, failed or waiting is
    left alone, so offering the same messages again is a no-op. Every row passes the
    quiet-hours gate. Returns the rows queued."""
    created = to_db(now)
    return await tx.executemany_count(
        _INSERT.format(verb="")
        + " ON CONFLICT (key) DO UPDATE SET status = 'queued', chat_id = excluded.chat_id,"
        " payload = excluded.payload, not_before = excluded.not_before, attempts = 0,"
        " quiet_from = excluded.quiet_from, quiet_until = excluded.quiet_until,"
        " expires_at = excluded.expires_at, last_error = NULL"
        " WHERE outbox.status = 'blocked'",
        [
            _row_params(m, created, qf, qu)
            for m, qf, qu in await _held(tx, list(rows), rule, phone, now)
        ],
    )


class OutboxQueries(DatabaseBase):
    # -- enqueueing ---------------------------------------------------------------

    async def enqueue(
        self, rows: Iterable[NewMessage], now: datetime, *, chunk_size: int = ENQUEUE_CHUNK
    ) -> int:
        """Queue ``rows`` (any iterable, consumed once, in chunks) in one transaction.

        A row whose key is already in the outbox, whatever its status, is ignored: that is
        what makes a repeated tick or a retried announcement harmless. Returns how many rows
        were new. All or nothing: a failure half-way leaves the outbox as it was.
        """
        async with self.tx() as tx:
            return await enqueue_in(
                tx, rows, now, rule=self.quiet_rule, phone=self.phone_rule, chunk_size=chunk_size
            )

    # -- the sender's side --------------------------------------------------------

    async def claim_due(self, now: datetime, limit: int) -> list[OutboxRow]:
        """Mark up to ``limit`` due rows as ``sending`` and return them, oldest first.

        Only the head of each chat's queue is claimed (see ``_CLAIM_SQL``). A claimed row of
        a participant who is already unreachable is not returned but marked ``blocked`` at
        once, so nothing is sent to someone who blocked the bot. A row past its
        ``expires_at`` is dropped (``failed``, "stale"); a row whose quiet window has begun
        waits until its end (and gets the next day's window).
        """
        if limit <= 0:
            return []
        claimed: list[int] = []
        stamp = to_db(now)
        async with self.tx() as tx:
            while len(claimed) < limit:
                wanted = limit - len(claimed)
                claim_sql = _CLAIM_SQL_POSTGRES if self.dialect == POSTGRESQL else _CLAIM_SQL
                candidates = await tx.all(claim_sql, {"now": stamp, "limit": wanted})
                quiet_now = {
                    r["id"]
                    for r in candidates
                    if r["quiet_from"] and r["quiet_from"] <= stamp < r["quiet_until"]
                }
                # too late now, or by the end of the quiet hours it would have to wait for
                stale = [
                    r["id"]
                    for r in candidates
                    if r["expires_at"]
                    and (
                        r["expires_at"] <= stamp
                        or (r["id"] in quiet_now and r["expires_at"] <= r["quiet_until"])
                    )
                ]
                quiet = [r for r in candidates if r["id"] in quiet_now and r["id"] not in stale]
                held = {*stale, *(r["id"] for r in quiet)}
                # reachable is NULL for rows without a participant (facilitators, leaders)
                gone = [r["id"] for r in candidates if r["reachable"] == 0 and r["id"] not in held]
                claim = [
                    r["id"] for r in candidates if r["reachable"] != 0 and r["id"] not in held
                ]
                if stale:
                    await tx.execute(
                        "UPDATE outbox SET status = 'failed', last_error = 'stale', payload = ?"
                        f" WHERE id IN ({placeholders(len(stale))})",
                        (SPENT, *stale),
                    )
                for r in quiet:
                    day = timedelta(days=1)
                    await tx.execute(
                        "UPDATE outbox SET not_before = ?, quiet_from = ?, quiet_until = ?"
                        " WHERE id = ?",
                        (
                            r["quiet_until"],
                            to_db(from_db(r["quiet_from"]) + day),
                            to_db(from_db(r["quiet_until"]) + day),
                            r["id"],
                        ),
                    )
                if gone:
                    await tx.execute(
                        "UPDATE outbox SET status = 'blocked',"
                        " last_error = 'participant unreachable', payload = ?"
                        f" WHERE id IN ({placeholders(len(gone))})",
                        (SPENT, *gone),
                    )
                if claim:
                    await tx.execute(
                        "UPDATE outbox SET status = 'sending'"
                        f" WHERE id IN ({placeholders(len(claim))})",
                        claim,
                    )
                    claimed.extend(claim)
                # look again only when rows not claimed took places in a full batch
                if len(candidates) < wanted or not (gone or held):
                    break
            if not claimed:
                return []
            rows = await tx.all(
                f"SELECT * FROM outbox WHERE id IN ({placeholders(len(claimed))})"
                " ORDER BY not_before, id",
                claimed,
            )
        return [outbox_row_from(r) for r in rows]

    async def mark_sent(self, row_id: int, message_id: int | None, now: datetime) -> None:
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                (to_db(now), message_id, row_id),
            )

    async def mark_sent_many(self, sent: Sequence[tuple[int, int | None, datetime]]) -> None:
        """Record several deliveries ``(row id, message id, sent at)`` (the sender writes
        outcomes in small batches when it sends fast), each chunk of ``SENT_CHUNK`` in one
        statement: atomic on its own and one trip to the database thread, where a
        transaction of single updates took three (BEGIN, the updates, COMMIT), each waiting
        for a turn of the busy event loop."""
        for start in range(0, len(sent), SENT_CHUNK):
            chunk = sent[start : start + SENT_CHUNK]
            params: list[Any] = [SPENT]
            for row_id, message_id, at in chunk:
                params += (row_id, to_db(at), message_id)
            await self.write_one(
                "UPDATE outbox SET status = 'sent', sent_at = v.column2,"
                " message_id = v.column3, attempts = attempts + 1, payload = ?"
                f" FROM (VALUES {', '.join(['(?, ?, ?)'] * len(chunk))}) AS v"
                " WHERE outbox.id = v.column1",
                params,
            )

    async def mark_retry(self, row_id: int, error: str, not_before: datetime) -> None:
        """A failed try (network, 5xx): back to the queue, due again at ``not_before``."""
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'queued', attempts = attempts + 1, last_error = ?,"
                " not_before = ? WHERE id = ?",
                (error, to_db(not_before), row_id),
            )

    async def release(self, row_ids: Sequence[int]) -> None:
        """Back to the queue without counting an attempt, keeping its place (``RetryAfter``,
        or rows claimed but not sent when the sender stops)."""
        if not row_ids:
            return
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'queued'"
                f" WHERE status = 'sending' AND id IN ({placeholders(len(row_ids))})",
                list(row_ids),
            )

    async def mark_failed(self, row_id: int, error: str) -> None:
        """Given up (a message Telegram refuses, or too many failed tries); the error stays."""
        async with self.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,"
                " payload = ? WHERE id = ?",
                (error, SPENT, row_id),
            )

    async def mark_blocked_chat(self, chat_id: int, error: str, now: datetime) -> list[int]:
        """The chat cannot receive messages (403, chat not found): block its rows.

        The row being sent and every queued row of the chat become ``blocked`` with
        ``error``. Its participants (the active members with that Telegram id: everyone on a
        shared phone, and those the rows were for) become unreachable. Returns the ids of
        the participants that are *newly* unreachable, i.e. whose facilitator has not been
        told yet: those that were reachable, or unreachable without a date (e.g. marked
        from ``my_chat_member``). ``unreachable_since`` is set then, and kept otherwise, so
        the facilitator notice, keyed by it, is enqueued once per spell of unreachability.
        """
        async with self.tx() as tx:
            rows = await tx.all(
                "SELECT DISTINCT participant_id FROM outbox WHERE chat_id = ?"
                " AND status IN ('queued', 'sending') AND participant_id IS NOT NULL",
                (chat_id,),
            )
            await tx.execute(
                "UPDATE outbox SET status = 'blocked', last_error = ?, payload = ?,"
                " attempts = attempts + CASE WHEN status = 'sending' THEN 1 ELSE 0 END"
                " WHERE chat_id = ? AND status IN ('queued', 'sending')",
                (error, SPENT, chat_id),
            )
            members = await tx.all(  # everyone on that phone
                "SELECT id FROM participants WHERE telegram_id = ? AND status = 'active'",
                (chat_id,),
            )
            ids = {r["participant_id"] for r in rows} | {r["id"] for r in members}
            if not ids:
                return []
            marks = placeholders(len(ids))
            fresh = await tx.all(
                f"SELECT id FROM participants WHERE id IN ({marks})"
                " AND (reachable = 1 OR unreachable_since IS NULL) ORDER BY id",
                sorted(ids),
            )
            await tx.execute(
                "UPDATE participants SET"
                " unreachable_since = CASE WHEN reachable = 1 OR unreachable_since IS NULL"
                "   THEN ? ELSE unreachable_since END,"
                f" reachable = 0 WHERE id IN ({marks})",
                [to_db(now), *sorted(ids)],
            )
        return [r["id"] for r in fresh]

    async def enqueue_again(self, rows: Sequence[NewMessage], now: datetime) -> int:
        """Queue ``rows`` like :meth:`enqueue`, and also those whose key is ``blocked``
        (she could not be reached then, and can be now): see :func:`enqueue_again_in`."""
        async with self.tx() as tx:
            return await enqueue_again_in(
                tx, rows, now, rule=self.quiet_rule, phone=self.phone_rule
            )

    async def requeue_sending(self) -> int:
        """At start-up: rows left ``sending`` by a crash go back to the queue. Returns how many.

        Their attempts are not counted: we cannot know whether Telegram got them, and
        sending one again is the lesser harm (at most one repeat per recipient).
        """
        async with self.tx() as tx:
            return await tx.changes("UPDATE outbox SET status = 'queued' WHERE status = 'sending'")

    # -- reading ------------------------------------------------------------------

    async def next_due_at(self) -> datetime | None:
        """When the earliest queued row becomes due (may be in the past), or None."""
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT MIN(not_before) FROM outbox WHERE status = 'queued'")
        return from_db(row[0]) if row is not None and row[0] is not None else None

    async def first_queued_at(self, key_prefix: str) -> datetime | None:
        """When the first still queued row among keys starting with ``key_prefix`` is due
        (e.g. an announcement held by the quiet hours), or None."""
        row = await self.read_one(
            "SELECT MIN(not_before) FROM outbox WHERE key >= ? AND key < ? AND status = 'queued'",
            (key_prefix, prefix_upper_bound(key_prefix)),
        )
        return from_db(row[0]) if row is not None and row[0] is not None else None

    async def counts(self, key_prefix: str = "") -> dict[str, int]:
        """Rows per status (every status present, zero if none) among keys starting with
        ``key_prefix``, e.g. ``"announcement:12:"`` for the delivery counts of one
        announcement."""
        sql = "SELECT status, COUNT(*) AS n FROM outbox"
        params: list[str] = []
        if key_prefix:
            sql += " WHERE key >= ? AND key < ?"
            params = [key_prefix, prefix_upper_bound(key_prefix)]
        async with self.tx(write=False) as tx:
            rows = await tx.all(sql + " GROUP BY status", params)
        result = dict.fromkeys(STATUSES, 0)
        result.update({r["status"]: r["n"] for r in rows})
        return result

    async def outbox_row_by_key(self, key: str) -> OutboxRow | None:
        async with self.tx(write=False) as tx:
            row = await tx.one("SELECT * FROM outbox WHERE key = ?", (key,))
        return outbox_row_from(row) if row else None

    async def unreachable_since(self, participant_id: int) -> datetime | None:
        """Since when the participant cannot be reached (None if she can, or not known)."""
        row = await self.read_one(
            "SELECT unreachable_since FROM participants WHERE id = ? AND reachable = 0",
            (participant_id,),
        )
        return from_db(row[0]) if row is not None and row[0] is not None else None

    async def flood_until(self) -> datetime | None:
        """Until when Telegram asked the bot to send nothing (``bot.flood``), if stored."""
        row = await self.read_one("SELECT value FROM bot_state WHERE key = 'flood_until'")
        return from_db(row[0]) if row is not None else None

    async def set_flood_until(self, until: datetime) -> None:
        await self.write_one(
            "INSERT INTO bot_state (key, value) VALUES ('flood_until', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (to_db(until),),
        )
