-- Recycling of neglected leads: hourly; each lead pool's rule says how many
-- days without a follow-up is too many.
INSERT INTO scheduler_jobs (name, interval_s) VALUES ('leads.recycle', 3600)
    ON CONFLICT (name) DO NOTHING;
