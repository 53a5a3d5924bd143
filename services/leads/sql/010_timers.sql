-- The leads' next follow-up times, published to the scheduler as
-- per-record timers (lib/sql/012) of the job leads.remind: a reminder
-- (今日待跟进) fires at the minute it names, not at the job's next sweep.
-- Published when the time a held, open lead is due changes, by whatever
-- statement changes it; cleared when the lead has none any more (taken
-- back to its pool, converted, closed, deleted). The job finds the leads due
-- by their stored times, so a timer for a time handled or moved meanwhile
-- changes nothing. (Recycling and its warnings follow a rule computed at
-- each sweep, not a stored deadline: they keep their sweeps.)
CREATE FUNCTION leads_followup_due(owner_id bigint, status smallint, deleted_at timestamptz,
                                   next_followup_at timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN owner_id <> 0 AND status IN (2, 3) AND deleted_at IS NULL
                THEN next_followup_at END;

CREATE FUNCTION leads_timers_publish() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    due timestamptz := leads_followup_due(NEW.owner_id, NEW.status, NEW.deleted_at,
                                          NEW.next_followup_at);
BEGIN
    IF TG_OP = 'INSERT' AND due IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND due IS NOT DISTINCT FROM leads_followup_due(
            OLD.owner_id, OLD.status, OLD.deleted_at, OLD.next_followup_at) THEN
        RETURN NULL;
    END IF;
    PERFORM crm_timer_publish(NEW.id::text, crm_timer_entry('leads.remind', due));
    RETURN NULL;
END $$;

CREATE TRIGGER leads_timers_insert AFTER INSERT ON leads FOR EACH ROW
    WHEN (NEW.next_followup_at IS NOT NULL)
    EXECUTE FUNCTION leads_timers_publish();
CREATE TRIGGER leads_timers_update AFTER UPDATE ON leads FOR EACH ROW
    WHEN (OLD.next_followup_at IS DISTINCT FROM NEW.next_followup_at
          OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION leads_timers_publish();

-- The follow-up times to come of the leads there already: published once.
SELECT crm_timer_publish(id::text, crm_timer_entry('leads.remind', next_followup_at))
  FROM leads WHERE leads_followup_due(owner_id, status, deleted_at, next_followup_at) > now();
