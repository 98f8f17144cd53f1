-- How the bot addresses a member: 'ibu' (the default, also for every existing member) or
-- 'bapak' (a father or a grandfather who represents the family). Chosen at joining.
ALTER TABLE participants ADD COLUMN address TEXT NOT NULL DEFAULT 'ibu'
    CHECK (address IN ('ibu', 'bapak'));
