-- PostgreSQL's version of 0011_attendance_log_trigger.sql: the same column and the same
-- two triggers, written as a PL/pgSQL trigger function (SQLite's trigger bodies are not).
ALTER TABLE attendance ADD COLUMN marked_by INTEGER REFERENCES facilitators(id);

CREATE FUNCTION attendance_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attendance_log (meeting_id, participant_id, status, source, by_facilitator_id, at)
    VALUES (NEW.meeting_id, NEW.participant_id, NEW.status, NEW.source, NEW.marked_by,
            NEW.updated_at);
    RETURN NULL;
END;
$$;

CREATE TRIGGER attendance_log_insert AFTER INSERT ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_log_row();

CREATE TRIGGER attendance_log_update AFTER UPDATE OF status, source, updated_at ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_log_row();
