-- Check-in that is easy for a mother and hard to fake: rotating codes and deep links,
-- an optional location, flags on doubtful self check-ins and the facilitator's sign-off.
-- meetings.checkin_code now holds the meeting's check-in secret: the code and the deep-link
-- token of each time slot are derived from it (bot/attendance/rotation.py). A meeting
-- already open keeps its old value as its secret (any text works as one).

-- The meeting place as a location, shared once by the facilitator (NULL: not shared).
ALTER TABLE groups ADD COLUMN place_lat REAL;
ALTER TABLE groups ADD COLUMN place_lon REAL;

-- How a self check-in came (code: the typed code; link: the deep link of the QR code),
-- what looked doubtful about it (space-separated flags, NULL: nothing), her distance from
-- the meeting place when she shared her location, and the facilitator's confirmation.
ALTER TABLE attendance ADD COLUMN checkin_via TEXT CHECK (checkin_via IN ('code', 'link'));
ALTER TABLE attendance ADD COLUMN checkin_flags TEXT;
ALTER TABLE attendance ADD COLUMN distance_m INTEGER;
ALTER TABLE attendance ADD COLUMN confirmed_by INTEGER REFERENCES facilitators(id);

-- Codes or links that had already changed (a forwarded code), per member and meeting.
ALTER TABLE checkin_attempts ADD COLUMN old_codes INTEGER NOT NULL DEFAULT 0;
