-- Effects that cannot be idempotent by design (a follow-up action, a new group, a new
-- member without a phone, new meetings, a renewed join link, a wrong check-in code) are
-- recorded with the Telegram update that caused them, in the same transaction. An update
-- delivered again after a crash (handled, but not yet confirmed to Telegram) finds its row
-- and the effect is not applied twice; ``ref`` is each row it made (0: none), to answer
-- as the first time.
CREATE TABLE applied_updates (
    update_id INTEGER NOT NULL,
    effect    TEXT    NOT NULL,
    ref       INTEGER NOT NULL DEFAULT 0,
    at        TEXT    NOT NULL,
    PRIMARY KEY (update_id, effect, ref)
) WITHOUT ROWID;
-- Rows older than Telegram keeps an unconfirmed update (24 hours) are pruned.
CREATE INDEX applied_updates_at ON applied_updates(at);
