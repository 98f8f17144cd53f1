-- Quiz answers of /materi: one row per participant, session and question; the latest
-- answer wins (the handler upserts). Kept so comprehension can be reported per group.
-- question and chosen are 0-based indexes into the session's quiz and the question's options.

CREATE TABLE quiz_answers (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    session_id     TEXT    NOT NULL,  -- content session id, e.g. "sesi-05"
    question       INTEGER NOT NULL CHECK (question >= 0),
    chosen         INTEGER NOT NULL CHECK (chosen >= 0),
    correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at    TEXT    NOT NULL,
    PRIMARY KEY (participant_id, session_id, question)
);
CREATE INDEX quiz_answers_session ON quiz_answers(session_id, participant_id);
