-- Small facts the process keeps across restarts, e.g. the last Telegram update handled,
-- so that polling confirms an update to Telegram only once it has been handled.
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
