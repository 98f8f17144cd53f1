-- PostgreSQL's version of 0022_shared_phones.sql: the same index change and tables; the
-- attendance CHECK is replaced in place (PostgreSQL can alter a constraint, so the table
-- is not rebuilt) and the log's trigger function records the leader too.
DROP INDEX participants_active_telegram;
CREATE INDEX participants_telegram ON participants(telegram_id, status);

CREATE TABLE phone_choices (
    telegram_id    INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    chosen_at      TEXT    NOT NULL
);

CREATE TABLE private_notes (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    payload        TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    opened_at      TEXT
);
CREATE INDEX private_notes_participant ON private_notes(participant_id);

ALTER TABLE attendance DROP CONSTRAINT attendance_source_check;
ALTER TABLE attendance ADD CONSTRAINT attendance_source_check
    CHECK (source IN ('self', 'facilitator', 'leader', 'rsvp', 'final'));
ALTER TABLE attendance ADD COLUMN marked_by_leader INTEGER REFERENCES participants(id)
    ON DELETE SET NULL;
ALTER TABLE attendance_log ADD COLUMN by_leader_id INTEGER REFERENCES participants(id)
    ON DELETE SET NULL;

CREATE OR REPLACE FUNCTION attendance_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attendance_log (meeting_id, participant_id, status, source, by_facilitator_id,
        by_leader_id, at)
    VALUES (NEW.meeting_id, NEW.participant_id, NEW.status, NEW.source, NEW.marked_by,
            NEW.marked_by_leader, NEW.updated_at);
    RETURN NULL;
END;
$$;
