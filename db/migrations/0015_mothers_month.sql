-- Issue 13, "a mother's month".
--
-- Quiet hours for every bulk message to a mother (bot.schedule.quiet_hold): the next quiet
-- window after a row's not_before. A row still queued when that window begins waits until
-- its end. NULL: the row is not held (facilitators, or no quiet hours configured).
ALTER TABLE outbox ADD COLUMN quiet_from TEXT;
ALTER TABLE outbox ADD COLUMN quiet_until TEXT;
-- A row not sent by then is no longer useful (a reminder once the meeting has begun) and is
-- dropped instead of sent late. NULL: always useful.
ALTER TABLE outbox ADD COLUMN expires_at TEXT;

-- "Lainnya": the short reason she typed in her own words (optional).
ALTER TABLE rsvps ADD COLUMN note TEXT;
