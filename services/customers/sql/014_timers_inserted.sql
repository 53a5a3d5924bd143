-- The timers of new customers published by statement, not row by row: an
-- import of a hundred thousand customers writes their timer.set events in
-- one INSERT over the statement's new rows (a transition table), not a
-- hundred thousand from a row trigger (sql/012's insert trigger, dropped
-- here; its update trigger stays).
DROP TRIGGER customers_timers_insert ON customers;

CREATE FUNCTION customers_timers_publish_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)
    SELECT gen_random_uuid(), 'timer.set', i.id::text, crm_timer_payload(i.id::text, t.entries)
      FROM inserted i
     CROSS JOIN LATERAL (SELECT
            CASE WHEN customers_contact_due(i.owner_id, i.deleted_at, i.next_contact_at)
                      IS NOT NULL
                 THEN crm_timer_entry('customers.remind_contacts', i.next_contact_at)
                 ELSE ''::bytea END
         || CASE WHEN i.recycle_warn_at IS NOT NULL
                 THEN crm_timer_entry('customers.remind', i.recycle_warn_at) ELSE ''::bytea END
         || CASE WHEN i.recycle_at IS NOT NULL
                 THEN crm_timer_entry('customers.recycle', i.recycle_at) ELSE ''::bytea END
            AS entries) t
     WHERE length(t.entries) > 0
     ORDER BY i.id;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_timers_inserted AFTER INSERT ON customers
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION customers_timers_publish_inserted();
