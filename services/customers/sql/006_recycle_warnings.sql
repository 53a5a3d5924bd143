-- Warnings before recycling (customer pools issue): the deadline a held
-- customer was last warned of, so each deadline is warned once
-- (customers_remind.c); a follow-up moves the deadline, and the next one is
-- warned again.
ALTER TABLE customers ADD COLUMN recycle_warned_for timestamptz;
