-- Attendance: check-in windows, marks with their history, wrong-code counts,
-- and absence alerts with the facilitator's follow-up.

-- The check-in code shown at the meeting, and the tick's progress through the window.
ALTER TABLE meetings ADD COLUMN checkin_code TEXT;
ALTER TABLE meetings ADD COLUMN window_opened_at TEXT;
ALTER TABLE meetings ADD COLUMN finalized_at TEXT;

-- The current mark of each participant for a meeting. Final once the meeting is finalized.
CREATE TABLE attendance (
    meeting_id     INTEGER NOT NULL REFERENCES meetings(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    status         TEXT    NOT NULL CHECK (status IN ('present', 'excused', 'absent')),
    -- self: she checked in with the code; facilitator: marked by her pendamping (wins over
    -- self); rsvp: excused in advance from a reminder; final: filled in when the window closed.
    source         TEXT    NOT NULL CHECK (source IN ('self', 'facilitator', 'rsvp', 'final')),
    reason         TEXT,
    checked_in_at  TEXT,  -- for a self check-in: the time the message was written
    updated_at     TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, participant_id)
);
CREATE INDEX attendance_participant ON attendance(participant_id, meeting_id);

-- Every change to attendance, with who made it and when (kept for the monthly report).
CREATE TABLE attendance_log (
    id                INTEGER PRIMARY KEY,
    meeting_id        INTEGER NOT NULL REFERENCES meetings(id),
    participant_id    INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    status            TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    by_facilitator_id INTEGER REFERENCES facilitators(id),
    at                TEXT    NOT NULL
);
CREATE INDEX attendance_log_meeting ON attendance_log(meeting_id, participant_id);

-- Wrong check-in codes per participant and meeting (limited, then: ask your pendamping).
CREATE TABLE checkin_attempts (
    meeting_id     INTEGER NOT NULL REFERENCES meetings(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    wrong          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, participant_id)
);

-- A follow-up the facilitator owes a participant: she missed meetings, or became unreachable.
CREATE TABLE alerts (
    id                 INTEGER PRIMARY KEY,
    participant_id     INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    group_id           INTEGER NOT NULL REFERENCES groups(id),
    kind               TEXT    NOT NULL CHECK (kind IN ('absence', 'unreachable')),
    -- The meeting whose miss crossed the policy (absence), or NULL (unreachable): one alert
    -- per crossing.
    trigger_meeting_id INTEGER REFERENCES meetings(id),
    missed             TEXT    NOT NULL DEFAULT '[]',  -- JSON list of missed meeting ids
    status             TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_at          TEXT    NOT NULL,
    reminded_at        TEXT,
    closed_at          TEXT,
    closed_reason      TEXT
        CHECK (closed_reason IN ('attended', 'visit_done', 'reachable', 'left')),
    UNIQUE (participant_id, kind, trigger_meeting_id)
);
CREATE INDEX alerts_open ON alerts(status, opened_at);
CREATE INDEX alerts_group ON alerts(group_id, status);

CREATE TABLE alert_actions (
    id                INTEGER PRIMARY KEY,
    alert_id          INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    action            TEXT    NOT NULL
        CHECK (action IN ('contacted', 'visit_scheduled', 'visit_done')),
    note              TEXT,
    by_facilitator_id INTEGER NOT NULL REFERENCES facilitators(id),
    at                TEXT    NOT NULL
);
CREATE INDEX alert_actions_alert ON alert_actions(alert_id);
-- At most one open "unreachable" follow-up per participant (NULL triggers are distinct above).
CREATE UNIQUE INDEX alerts_one_open_unreachable
    ON alerts(participant_id) WHERE kind = 'unreachable' AND status = 'open';
