-- The follow-up reminders (今日待跟进) a lead is owed live in crm_pending
-- (lib/sql/014) as "lead.followup", no longer as a mark in the lead's row
-- (reminded_at, dropped here): a reminder going out deletes a narrow row
-- instead of rewriting the lead through every index of its table. Kept
-- where the lead's follow-up timer is published (sql/010 on a change,
-- below on an insert): owed its next follow-up time while held and open
-- (leads_followup_due); reminded of a time, owed nothing more until it moves.
CREATE OR REPLACE FUNCTION leads_timers_publish() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    due timestamptz := leads_followup_due(NEW.owner_id, NEW.status, NEW.deleted_at,
                                          NEW.next_followup_at);
BEGIN
    IF due IS NOT DISTINCT FROM leads_followup_due(OLD.owner_id, OLD.status, OLD.deleted_at,
                                                   OLD.next_followup_at) THEN
        RETURN NULL;
    END IF;
    PERFORM crm_timer_publish(NEW.id::text, crm_timer_entry('leads.remind', due));
    PERFORM crm_pending_set('lead.followup', NEW.id, due);
    RETURN NULL;
END $$;

CREATE FUNCTION leads_pending_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_pending (kind, record_id, due_at)
    SELECT 'lead.followup', i.id, i.next_followup_at FROM inserted i
     WHERE leads_followup_due(i.owner_id, i.status, i.deleted_at, i.next_followup_at)
           IS NOT NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER leads_pending_inserted AFTER INSERT ON leads
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION leads_pending_inserted();

-- What the leads there already are owed: what their marks said was not sent.
INSERT INTO crm_pending (kind, record_id, due_at)
SELECT 'lead.followup', id, next_followup_at FROM leads
 WHERE leads_followup_due(owner_id, status, deleted_at, next_followup_at) IS NOT NULL
   AND reminded_at IS DISTINCT FROM next_followup_at;

ALTER TABLE leads DROP COLUMN reminded_at;
