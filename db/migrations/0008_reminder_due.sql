-- When each scheduled meeting next needs the tick's attention for reminders. The tick
-- then reads only the meetings that are due, through a small partial index, instead of
-- every meeting of the coming days: an idle tick costs one index probe at any scale.
-- NULL: no reminder left to decide. Existing meetings are due at once, so the first tick
-- works out their real next moment.
ALTER TABLE meetings ADD COLUMN next_reminder_at TEXT;
UPDATE meetings SET next_reminder_at = updated_at WHERE status = 'scheduled';
CREATE INDEX meetings_reminder_due ON meetings(next_reminder_at)
    WHERE status = 'scheduled' AND next_reminder_at IS NOT NULL;
