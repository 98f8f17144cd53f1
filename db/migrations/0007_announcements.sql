-- Announcements: a leader's or a facilitator's message to one or more groups, fanned out
-- through the outbox (keys "announce:{id}:{participant}", see bot.announcements).

CREATE TABLE announcements (
    id                    INTEGER PRIMARY KEY,
    -- The dialogue that produced it: confirming the same draft twice creates one row.
    draft                 TEXT    NOT NULL UNIQUE,
    author_kind           TEXT    NOT NULL CHECK (author_kind IN ('leader', 'facilitator')),
    -- Who wrote it: her Telegram id (the daily quota counts by it, so leaving and rejoining
    -- does not reset it), and her participant or facilitator row.
    author_telegram_id    INTEGER NOT NULL,
    author_participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    author_facilitator_id INTEGER REFERENCES facilitators(id),
    author_name           TEXT    NOT NULL,
    text                  TEXT    NOT NULL,  -- as typed; escaped when rendered
    photo_file_id         TEXT,              -- a Telegram file_id, sent with the text as caption
    recipients            INTEGER NOT NULL DEFAULT 0,  -- messages queued to members
    skipped               INTEGER NOT NULL DEFAULT 0,  -- members the bot cannot write to
    created_at            TEXT    NOT NULL
);
CREATE INDEX announcements_quota ON announcements(author_telegram_id, author_kind, created_at);

-- The groups an announcement went to (one for a leader; one or all of hers for a facilitator).
CREATE TABLE announcement_groups (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    group_id        INTEGER NOT NULL REFERENCES groups(id),
    PRIMARY KEY (announcement_id, group_id)
);
CREATE INDEX announcement_groups_group ON announcement_groups(group_id);
