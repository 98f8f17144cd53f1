-- Meetings, their reminders and RSVPs, and the outbox that carries every bulk message.

-- A monthly pattern ("second Tuesday, 09.00") that generated some meetings.
CREATE TABLE meeting_series (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups(id),
    pattern    TEXT    NOT NULL,  -- bot.schedule.MonthlyPattern.encode()
    created_at TEXT    NOT NULL
);

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups(id),
    series_id   INTEGER REFERENCES meeting_series(id),
    starts_at   TEXT    NOT NULL,
    place       TEXT    NOT NULL,
    session_id  TEXT    NOT NULL,  -- content session id, e.g. "sesi-05"
    status      TEXT    NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'cancelled', 'held')),
    version     INTEGER NOT NULL DEFAULT 1,  -- bumped when the time moves: reminders restart
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX meetings_due ON meetings(status, starts_at);
CREATE INDEX meetings_group ON meetings(group_id, starts_at);

-- Which reminder slots of a meeting version were handled (sent or skipped), so none repeats.
CREATE TABLE reminder_slots (
    meeting_id     INTEGER NOT NULL REFERENCES meetings(id),
    version        INTEGER NOT NULL,
    offset_minutes INTEGER NOT NULL,
    outcome        TEXT    NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    decided_at     TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, version, offset_minutes)
);

-- A member's answer to a reminder: coming, or not (an excuse, "izin", with a reason).
CREATE TABLE rsvps (
    meeting_id     INTEGER NOT NULL REFERENCES meetings(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    answer         TEXT    NOT NULL CHECK (answer IN ('yes', 'no')),
    reason         TEXT CHECK (reason IN ('sakit', 'keluarga', 'bekerja', 'lainnya')),
    answered_at    TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, participant_id)
);

-- One row per outgoing bulk message. The unique key makes enqueueing idempotent.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    key            TEXT    NOT NULL UNIQUE,
    chat_id        INTEGER NOT NULL,
    participant_id INTEGER REFERENCES participants(id),
    kind           TEXT    NOT NULL,
    payload        TEXT    NOT NULL,  -- JSON: {"text": ..., "buttons": [[[label, data], ...], ...]}
    status         TEXT    NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'blocked')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    not_before     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    sent_at        TEXT,
    message_id     INTEGER
);
CREATE INDEX outbox_due ON outbox(status, not_before, id);
CREATE INDEX outbox_participant ON outbox(participant_id, status);

-- The facilitator is told once when a participant becomes unreachable.
ALTER TABLE participants ADD COLUMN unreachable_since TEXT;
