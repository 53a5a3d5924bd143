-- Reminders: the next follow-up time coming due (今日待跟进), and a warning
-- before a pool's recycle rule takes a lead back. Each is sent once per due
-- time: reminded_at / warned_for record what was last sent.
ALTER TABLE leads
    ADD COLUMN reminded_at timestamptz, -- the next_followup_at last reminded of
    ADD COLUMN warned_for  timestamptz; -- the recycle time last warned of
ALTER TABLE lead_pools
    ADD COLUMN warn_days integer NOT NULL DEFAULT 1 CHECK (warn_days >= 0);
CREATE INDEX leads_next_due ON leads (next_followup_at)
    WHERE deleted_at IS NULL AND owner_id <> 0 AND next_followup_at IS NOT NULL;
