-- The next-contact reminders and recycle warnings a customer is owed live
-- in crm_pending (lib/sql/014), no longer as marks in the customer's row
-- (reminded_at, recycle_warned_for, dropped here with their indexes): a
-- reminder going out deletes a narrow row instead of rewriting the
-- customer through every index of the table. The trigger that publishes a
-- customer's timers when its times move (sql/012) keeps what it is owed in
-- the same step, and a statement trigger beside sql/014's on inserts:
--   customer.contact           its next contact time, while held (customers_contact_due)
--   customer.recycle_warning   its recycle warning time, once per deadline
-- A customer reminded of a time is owed nothing more until the time moves.
CREATE OR REPLACE FUNCTION customers_timers_publish() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t bytea := ''::bytea;
    contact timestamptz := customers_contact_due(NEW.owner_id, NEW.deleted_at, NEW.next_contact_at);
BEGIN
    IF contact IS DISTINCT FROM customers_contact_due(OLD.owner_id, OLD.deleted_at,
                                                       OLD.next_contact_at) THEN
        t := t || crm_timer_entry('customers.remind_contacts', contact);
        PERFORM crm_pending_set('customer.contact', NEW.id, contact);
    END IF;
    IF NEW.recycle_warn_at IS DISTINCT FROM OLD.recycle_warn_at THEN
        t := t || crm_timer_entry('customers.remind', NEW.recycle_warn_at);
    END IF;
    IF NEW.recycle_warn_at IS DISTINCT FROM OLD.recycle_warn_at
       OR NEW.recycle_at IS DISTINCT FROM OLD.recycle_at THEN
        PERFORM crm_pending_set('customer.recycle_warning', NEW.id, NEW.recycle_warn_at);
    END IF;
    IF NEW.recycle_at IS DISTINCT FROM OLD.recycle_at THEN
        t := t || crm_timer_entry('customers.recycle', NEW.recycle_at);
    END IF;
    IF length(t) > 0 THEN
        PERFORM crm_timer_publish(NEW.id::text, t);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION customers_pending_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_pending (kind, record_id, due_at)
    SELECT 'customer.contact', i.id, i.next_contact_at FROM inserted i
     WHERE customers_contact_due(i.owner_id, i.deleted_at, i.next_contact_at) IS NOT NULL
    UNION ALL
    SELECT 'customer.recycle_warning', i.id, i.recycle_warn_at FROM inserted i
     WHERE i.recycle_warn_at IS NOT NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_pending_inserted AFTER INSERT ON customers
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION customers_pending_inserted();

-- What the customers there already are owed: what their marks said was
-- not sent yet.
INSERT INTO crm_pending (kind, record_id, due_at)
SELECT 'customer.contact', id, next_contact_at FROM customers
 WHERE customers_contact_due(owner_id, deleted_at, next_contact_at) IS NOT NULL
   AND reminded_at IS DISTINCT FROM next_contact_at
UNION ALL
SELECT 'customer.recycle_warning', id, recycle_warn_at FROM customers
 WHERE recycle_warn_at IS NOT NULL AND recycle_warned_for IS DISTINCT FROM recycle_at;

ALTER TABLE customers DROP COLUMN reminded_at, DROP COLUMN recycle_warned_for;
