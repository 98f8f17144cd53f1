-- Attendance additions.

-- The tick finds the meetings whose check-in window has closed but that are not finalized
-- yet. Held meetings pile up month after month; this partial index holds only the few
-- meetings still waiting, so the lookup never scans the past.
CREATE INDEX meetings_unfinalized ON meetings(starts_at)
    WHERE finalized_at IS NULL AND status != 'cancelled';
