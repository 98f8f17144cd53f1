-- Shared phones: one Telegram account (a chat) holds one or more participants, and a
-- group's leader can mark members present during the open check-in window.

-- A Telegram account is no longer one membership: several mothers may share one phone.
-- The same person is not registered twice on one phone in one group.
DROP INDEX participants_active_telegram;
CREATE INDEX participants_telegram ON participants(telegram_id, status);

-- Who is using the phone now: the person chosen last on that account ("Untuk siapa?").
CREATE TABLE phone_choices (
    telegram_id    INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    chosen_at      TEXT    NOT NULL
);

-- What concerns one person on a shared phone (her absence follow-up, ...) waits here and
-- is shown only when she is chosen; the message on the phone only says it is for her.
CREATE TABLE private_notes (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    payload        TEXT    NOT NULL,  -- JSON: {"text": ..., "buttons": ...}
    created_at     TEXT    NOT NULL,
    opened_at      TEXT
);
CREATE INDEX private_notes_participant ON private_notes(participant_id);

-- A leader's mark: the source 'leader' (the CHECK is part of the table, so the table is
-- rebuilt with its rows), who marked it in marked_by_leader, and the same in the log.
CREATE TABLE attendance_new (
    meeting_id       INTEGER NOT NULL REFERENCES meetings(id),
    participant_id   INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    status           TEXT    NOT NULL CHECK (status IN ('present', 'excused', 'absent')),
    -- self: she checked in with the code; facilitator: marked by her pendamping (wins over
    -- all); leader: marked present by the group's leader in the window; rsvp: excused in
    -- advance from a reminder; final: filled in when the window closed.
    source           TEXT    NOT NULL
        CHECK (source IN ('self', 'facilitator', 'leader', 'rsvp', 'final')),
    reason           TEXT,
    checked_in_at    TEXT,
    updated_at       TEXT    NOT NULL,
    marked_by        INTEGER REFERENCES facilitators(id),
    checkin_via      TEXT    CHECK (checkin_via IN ('code', 'link')),
    checkin_flags    TEXT,
    distance_m       INTEGER,
    confirmed_by     INTEGER REFERENCES facilitators(id),
    marked_by_leader INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    PRIMARY KEY (meeting_id, participant_id)
);
INSERT INTO attendance_new (meeting_id, participant_id, status, source, reason, checked_in_at,
        updated_at, marked_by, checkin_via, checkin_flags, distance_m, confirmed_by)
    SELECT meeting_id, participant_id, status, source, reason, checked_in_at, updated_at,
        marked_by, checkin_via, checkin_flags, distance_m, confirmed_by
    FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_new RENAME TO attendance;
CREATE INDEX attendance_participant ON attendance(participant_id, meeting_id);

ALTER TABLE attendance_log ADD COLUMN by_leader_id INTEGER REFERENCES participants(id)
    ON DELETE SET NULL;

CREATE TRIGGER attendance_log_insert AFTER INSERT ON attendance
BEGIN
    INSERT INTO attendance_log (meeting_id, participant_id, status, source, by_facilitator_id,
        by_leader_id, at)
    VALUES (NEW.meeting_id, NEW.participant_id, NEW.status, NEW.source, NEW.marked_by,
            NEW.marked_by_leader, NEW.updated_at);
END;

CREATE TRIGGER attendance_log_update AFTER UPDATE OF status, source, updated_at ON attendance
BEGIN
    INSERT INTO attendance_log (meeting_id, participant_id, status, source, by_facilitator_id,
        by_leader_id, at)
    VALUES (NEW.meeting_id, NEW.participant_id, NEW.status, NEW.source, NEW.marked_by,
            NEW.marked_by_leader, NEW.updated_at);
END;
