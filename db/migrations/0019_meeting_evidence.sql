-- The SIKS-NG activity record of a meeting: the facilitator's note for the Uraian
-- ("Catatan pertemuan") and the photos she sends as the activity's evidence.
-- Both are group evidence, not a member's data: erasing a member's data leaves them.

CREATE TABLE meeting_notes (
    meeting_id     INTEGER PRIMARY KEY REFERENCES meetings(id),
    note           TEXT    NOT NULL,
    facilitator_id INTEGER NOT NULL REFERENCES facilitators(id),
    updated_at     TEXT    NOT NULL
);

CREATE TABLE meeting_photos (
    id             INTEGER PRIMARY KEY,
    meeting_id     INTEGER NOT NULL REFERENCES meetings(id),
    facilitator_id INTEGER NOT NULL REFERENCES facilitators(id),
    file_id        TEXT    NOT NULL,
    file_unique_id TEXT    NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    -- The local copy under the data folder (relative to it), NULL when the photo was
    -- larger than the configured limit (then only Telegram's file id is kept).
    local_path     TEXT,
    size_bytes     INTEGER,
    latitude       REAL,
    longitude      REAL,
    received_at    TEXT    NOT NULL,
    UNIQUE (meeting_id, file_unique_id)
);
CREATE INDEX meeting_photos_meeting ON meeting_photos(meeting_id, id);
