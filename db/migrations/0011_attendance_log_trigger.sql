-- Every change of a mark is logged by the database itself, in the statement that makes it:
-- a check-in is then one statement (one trip) instead of a five-step transaction.
-- marked_by: the facilitator who made the current mark (NULL for her own check-in, an
-- excuse in advance or the close of the window).
ALTER TABLE attendance ADD COLUMN marked_by INTEGER REFERENCES facilitators(id);

CREATE TRIGGER attendance_log_insert AFTER INSERT ON attendance
BEGIN
    INSERT INTO attendance_log (meeting_id, participant_id, status, source, by_facilitator_id, at)
    VALUES (NEW.meeting_id, NEW.participant_id, NEW.status, NEW.source, NEW.marked_by,
            NEW.updated_at);
END;

CREATE TRIGGER attendance_log_update AFTER UPDATE OF status, source, updated_at ON attendance
BEGIN
    INSERT INTO attendance_log (meeting_id, participant_id, status, source, by_facilitator_id, at)
    VALUES (NEW.meeting_id, NEW.participant_id, NEW.status, NEW.source, NEW.marked_by,
            NEW.updated_at);
END;
