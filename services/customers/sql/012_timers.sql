-- The customers' due times, published to the scheduler as per-record timers
-- (lib/sql/012): each fires its job at the minute it names, not at the
-- job's next sweep. A customer's
--   next contact time, while held    -> customers.remind_contacts (下次联系提醒)
--   recycle warning time             -> customers.remind (客户即将被收回公海)
--   recycle deadline                 -> customers.recycle (收回公海)
-- A timer is published when its time changes, by whatever statement changes
-- it (the deadline trigger's own recomputations included: this trigger runs
-- after it), and cleared (no time) when the customer has none any more. The
-- jobs find the customers due by their stored times, so a timer that fires
-- for a time handled or moved meanwhile changes nothing.
CREATE FUNCTION customers_contact_due(owner_id bigint, deleted_at timestamptz,
                                      next_contact_at timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN owner_id <> 0 AND deleted_at IS NULL THEN next_contact_at END;

CREATE FUNCTION customers_timers_publish() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t bytea := ''::bytea;
    contact timestamptz := customers_contact_due(NEW.owner_id, NEW.deleted_at, NEW.next_contact_at);
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF contact IS NOT NULL THEN
            t := t || crm_timer_entry('customers.remind_contacts', contact);
        END IF;
        IF NEW.recycle_warn_at IS NOT NULL THEN
            t := t || crm_timer_entry('customers.remind', NEW.recycle_warn_at);
        END IF;
        IF NEW.recycle_at IS NOT NULL THEN
            t := t || crm_timer_entry('customers.recycle', NEW.recycle_at);
        END IF;
    ELSE
        IF contact IS DISTINCT FROM customers_contact_due(OLD.owner_id, OLD.deleted_at,
                                                           OLD.next_contact_at) THEN
            t := t || crm_timer_entry('customers.remind_contacts', contact);
        END IF;
        IF NEW.recycle_warn_at IS DISTINCT FROM OLD.recycle_warn_at THEN
            t := t || crm_timer_entry('customers.remind', NEW.recycle_warn_at);
        END IF;
        IF NEW.recycle_at IS DISTINCT FROM OLD.recycle_at THEN
            t := t || crm_timer_entry('customers.recycle', NEW.recycle_at);
        END IF;
    END IF;
    IF length(t) > 0 THEN
        PERFORM crm_timer_publish(NEW.id::text, t);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_timers_insert AFTER INSERT ON customers FOR EACH ROW
    WHEN (NEW.next_contact_at IS NOT NULL OR NEW.recycle_at IS NOT NULL)
    EXECUTE FUNCTION customers_timers_publish();
CREATE TRIGGER customers_timers_update AFTER UPDATE ON customers FOR EACH ROW
    WHEN (OLD.next_contact_at IS DISTINCT FROM NEW.next_contact_at
          OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
          OR OLD.recycle_warn_at IS DISTINCT FROM NEW.recycle_warn_at
          OR OLD.recycle_at IS DISTINCT FROM NEW.recycle_at)
    EXECUTE FUNCTION customers_timers_publish();

-- The due times to come of the customers there already: published once
-- (those already past are the jobs' next sweep's).
SELECT crm_timer_publish(id::text,
        CASE WHEN customers_contact_due(owner_id, deleted_at, next_contact_at) > now()
             THEN crm_timer_entry('customers.remind_contacts', next_contact_at) ELSE '' END
     || CASE WHEN recycle_warn_at > now()
             THEN crm_timer_entry('customers.remind', recycle_warn_at) ELSE '' END
     || CASE WHEN recycle_at > now()
             THEN crm_timer_entry('customers.recycle', recycle_at) ELSE '' END)
  FROM customers
 WHERE customers_contact_due(owner_id, deleted_at, next_contact_at) > now()
    OR recycle_warn_at > now() OR recycle_at > now();
