-- PostgreSQL's version of 0001_onboarding.sql: the same tables; groups.leader_id refers to
-- participants, created after groups, so its foreign key is added at the end (SQLite
-- resolves a forward reference by itself, PostgreSQL does not). Types: db.dialect.


CREATE TABLE facilitators (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE facilitator_invites (
    code           TEXT    PRIMARY KEY,
    name           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    used_at        TEXT,
    facilitator_id INTEGER REFERENCES facilitators(id)
);

CREATE TABLE groups (
    id             INTEGER PRIMARY KEY,
    facilitator_id INTEGER NOT NULL REFERENCES facilitators(id),
    name           TEXT    NOT NULL,
    timezone       TEXT    NOT NULL
        CHECK (timezone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')),
    place          TEXT    NOT NULL,
    join_code      TEXT    NOT NULL UNIQUE,
    leader_id      INTEGER,
    created_at     TEXT    NOT NULL
);
CREATE INDEX groups_facilitator ON groups(facilitator_id);

CREATE TABLE participants (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups(id),
    telegram_id INTEGER,
    name        TEXT    NOT NULL,
    phone       TEXT,
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left')),
    reachable   INTEGER NOT NULL DEFAULT 1 CHECK (reachable IN (0, 1)),
    joined_at   TEXT    NOT NULL,
    left_at     TEXT
);
-- A Telegram account belongs to at most one active membership.
CREATE UNIQUE INDEX participants_active_telegram
    ON participants(telegram_id) WHERE status = 'active' AND telegram_id IS NOT NULL;
CREATE INDEX participants_group ON participants(group_id, status);

-- What a private chat is in the middle of (typing a name, a place, ...).
-- Kept in the database so a restart does not lose a half-finished dialogue.
CREATE TABLE chat_states (
    telegram_id INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    data        TEXT    NOT NULL DEFAULT '{}',
    updated_at  TEXT    NOT NULL
);

-- Group chats the bot has already explained itself in (it works in private chats only).
CREATE TABLE group_chats_notified (
    chat_id     INTEGER PRIMARY KEY,
    notified_at TEXT    NOT NULL
);

ALTER TABLE groups ADD FOREIGN KEY (leader_id) REFERENCES participants(id) ON DELETE SET NULL;
