-- Voice notes (issue 17): each member's choice, the summaries recorded by a facilitator or
-- a group leader, and the Telegram file ids of the synthesized notes already uploaded.

-- 'text': text only; 'summary': the module summary also as a voice note (the default);
-- 'all': the reminders too.
ALTER TABLE participants ADD COLUMN voice TEXT NOT NULL DEFAULT 'summary'
    CHECK (voice IN ('text', 'summary', 'all'));

-- A group's own voice summary of a session: sent again by Telegram file id, never
-- re-uploaded. Who recorded it is kept so that erasing a leader's data removes hers.
CREATE TABLE voice_recordings (
    group_id                  INTEGER NOT NULL REFERENCES groups(id),
    session_id                TEXT    NOT NULL,
    file_id                   TEXT    NOT NULL,
    duration                  INTEGER NOT NULL,
    recorded_by_participant   INTEGER REFERENCES participants(id),
    recorded_by_facilitator   INTEGER REFERENCES facilitators(id),
    recorded_at               TEXT    NOT NULL,
    PRIMARY KEY (group_id, session_id)
);
CREATE INDEX voice_recordings_participant ON voice_recordings(recorded_by_participant);

-- A synthesized note (by the hash of its text and the voice settings) is uploaded once;
-- afterwards it goes out by the file id Telegram gave it.
CREATE TABLE voice_uploads (
    hash        TEXT PRIMARY KEY,
    file_id     TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
