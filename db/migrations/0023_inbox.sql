-- Webhook mode's inbox (issue 19): an update Telegram posts is stored here, idempotent on
-- its update id, and Telegram is answered only after the commit; workers handle the rows
-- in update order per chat and mark them done (payload emptied: a mother's words are not
-- kept once handled). A row not done at a crash is handled again at the restart; its
-- effects are recorded once (applied_updates), as for a polled update delivered again.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    done_at     TEXT
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE done_at IS NULL;
CREATE INDEX inbox_done ON inbox(done_at) WHERE done_at IS NOT NULL;
