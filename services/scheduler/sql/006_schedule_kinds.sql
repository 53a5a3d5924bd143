-- Schedules of three kinds, every so many seconds, every day at a local
-- time and cron-like, stored as one line of text (lib's crm_job_spec:
-- "every 3600", "daily 08:30", "cron 0 9 * * 1-5"): the owner's declared
-- one (spec) and an admin's (override_spec). The scheduler computes each
-- next due time (crm_job_next) when the job fires.
ALTER TABLE scheduler_jobs
    ADD COLUMN spec          text,
    ADD COLUMN override_spec text;
UPDATE scheduler_jobs SET spec = 'every ' || interval_s, override_spec = 'every ' || override_s;
ALTER TABLE scheduler_jobs ALTER COLUMN spec SET NOT NULL;
ALTER TABLE scheduler_jobs DROP COLUMN interval_s, DROP COLUMN override_s;
