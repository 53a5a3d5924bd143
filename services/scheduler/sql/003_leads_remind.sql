-- Reminders of due follow-ups and warnings before recycling: every minute.
INSERT INTO scheduler_jobs (name, interval_s) VALUES ('leads.remind', 60)
    ON CONFLICT (name) DO NOTHING;
