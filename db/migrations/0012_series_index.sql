-- Monthly series are kept six meetings ahead: the daily check reads each series' latest
-- meeting through this index.
CREATE INDEX meetings_series ON meetings(series_id, starts_at) WHERE series_id IS NOT NULL;
