-- Escalation (升级, leads_escalate.c): a held lead whose next follow-up time
-- passed CRM_LEADS_ESCALATE_AFTER_H hours ago with no follow-up since goes
-- to its owner's department manager, once per next follow-up time: the lead
-- keeps the time it escalated for. Times already past when this ships are
-- not escalated.
ALTER TABLE leads ADD COLUMN escalated_at timestamptz;
UPDATE leads SET escalated_at = next_followup_at WHERE next_followup_at <= now();
-- Only the leads that may still escalate are in it (a follow-up at or after
-- the time, or the escalation, takes one out).
CREATE INDEX leads_escalation_due ON leads (next_followup_at, id)
    WHERE next_followup_at IS NOT NULL AND owner_id <> 0 AND deleted_at IS NULL
      AND status IN (2, 3)
      AND (last_followup_at IS NULL OR last_followup_at < next_followup_at)
      AND escalated_at IS DISTINCT FROM next_followup_at;
