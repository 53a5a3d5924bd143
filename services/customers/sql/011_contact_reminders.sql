-- Next-contact reminders (下次联系提醒): the scheduler's
-- customers.remind_contacts job tells a customer's owner when its next
-- contact time has come, once per next contact time: the customer keeps the
-- time it reminded of. Times already past when this ships are not reminded.
ALTER TABLE customers ADD COLUMN reminded_at timestamptz;
UPDATE customers SET reminded_at = next_contact_at WHERE next_contact_at <= now();
-- Only the customers due a reminder are in it: reminded, one leaves it.
CREATE INDEX customers_contact_due ON customers (next_contact_at, id)
    WHERE next_contact_at IS NOT NULL AND owner_id <> 0 AND deleted_at IS NULL
      AND reminded_at IS DISTINCT FROM next_contact_at;
