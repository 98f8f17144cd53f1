-- PostgreSQL's version of 0016_alert_checks.sql: the same table, index and backfill; the two
-- triggers as one PL/pgSQL function with the same conditions (SQLite's trigger bodies are
-- not PostgreSQL's).
CREATE TABLE alert_checks (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE
);

CREATE FUNCTION participants_alert_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO alert_checks (participant_id) VALUES (NEW.id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER participants_left_alert_check
AFTER UPDATE OF status ON participants
FOR EACH ROW WHEN (NEW.status = 'left' AND OLD.status != 'left')
EXECUTE FUNCTION participants_alert_check();

CREATE TRIGGER participants_reachable_alert_check
AFTER UPDATE OF reachable ON participants
FOR EACH ROW WHEN (NEW.reachable = 1 AND OLD.reachable = 0)
EXECUTE FUNCTION participants_alert_check();

CREATE INDEX alerts_participant_open ON alerts(participant_id) WHERE status = 'open';

-- What already resolved itself before this migration is checked at the first tick.
INSERT INTO alert_checks (participant_id)
SELECT DISTINCT a.participant_id FROM alerts a
JOIN participants p ON p.id = a.participant_id
WHERE a.status = 'open'
  AND (p.status = 'left' OR (a.kind = 'unreachable' AND p.reachable = 1));
