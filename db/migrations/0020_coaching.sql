-- Coaching in the facilitator's pocket (issue 22).
--
-- The guide sent the day before a meeting needs no table: its outbox row (key
-- guide:<meeting>:v<version>) is the record that it was queued, once per meeting time.

-- The facilitator's three one-tap answers after a meeting's close, editable for a day.
-- NULL: not answered yet. The codes are bot.coaching.SELF_CHECK's.
CREATE TABLE coach_selfchecks (
    meeting_id  INTEGER PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    spoke       TEXT,
    worked      TEXT,
    obstacle    TEXT,
    answered_at TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- A coordinator's short coaching note to a facilitator (python -m bot note), shown once,
-- with her next guide: shown_key is the outbox key of that guide. A guide dropped before
-- it went out (the meeting moved or was cancelled) gives its notes back.
CREATE TABLE coach_notes (
    id             INTEGER PRIMARY KEY,
    facilitator_id INTEGER NOT NULL REFERENCES facilitators(id) ON DELETE CASCADE,
    text           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    shown_key      TEXT,
    shown_at       TEXT
);
CREATE INDEX coach_notes_facilitator ON coach_notes(facilitator_id, shown_key);

-- The tick drops queued guides of meetings that moved or were cancelled: it looks at the
-- queued rows of one kind only, not at a district's whole queue during a fan-out.
CREATE INDEX outbox_queued_kind ON outbox(kind) WHERE status = 'queued';
