-- The tick closes open alerts that resolved themselves (she left the group, or the bot can
-- reach again someone it could not). Scanning every open alert for that each tick grows
-- with the open alerts (160,000 at 3,000,000 participants with a year of history: about
-- 100 ms a tick). Instead, the two changes that can resolve an alert note the participant
-- here, and the tick looks only at the participants noted since it last looked.
CREATE TABLE alert_checks (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE
);

CREATE TRIGGER participants_left_alert_check
AFTER UPDATE OF status ON participants
WHEN NEW.status = 'left' AND OLD.status != 'left'
BEGIN
    INSERT INTO alert_checks (participant_id) VALUES (NEW.id);
END;

CREATE TRIGGER participants_reachable_alert_check
AFTER UPDATE OF reachable ON participants
WHEN NEW.reachable = 1 AND OLD.reachable = 0
BEGIN
    INSERT INTO alert_checks (participant_id) VALUES (NEW.id);
END;

CREATE INDEX alerts_participant_open ON alerts(participant_id) WHERE status = 'open';

-- What already resolved itself before this migration is checked at the first tick.
INSERT INTO alert_checks (participant_id)
SELECT DISTINCT a.participant_id FROM alerts a
JOIN participants p ON p.id = a.participant_id
WHERE a.status = 'open'
  AND (p.status = 'left' OR (a.kind = 'unreachable' AND p.reachable = 1));
