-- Escalation (升级, customers_escalate.c): a held customer whose next
-- contact time passed CRM_CUSTOMERS_ESCALATE_AFTER_H hours ago with no
-- follow-up since goes to its owner's department manager, once per next
-- contact time: the customer keeps the time it escalated for. Times already
-- past when this ships are not escalated.
ALTER TABLE customers ADD COLUMN escalated_at timestamptz;
UPDATE customers SET escalated_at = next_contact_at WHERE next_contact_at <= now();
-- Only the customers that may still escalate are in it (a follow-up at or
-- after the time, or the escalation, takes one out): the job's range scan
-- up to now - N hours costs the customers it escalates.
CREATE INDEX customers_escalation_due ON customers (next_contact_at, id)
    WHERE next_contact_at IS NOT NULL AND owner_id <> 0 AND deleted_at IS NULL
      AND (last_followup_at IS NULL OR last_followup_at < next_contact_at)
      AND escalated_at IS DISTINCT FROM next_contact_at;
