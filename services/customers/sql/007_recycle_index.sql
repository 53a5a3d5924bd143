-- Recycling and its warnings read a held customer's last activity as the
-- later of its last follow-up and the time its owner got it
-- (customers.h, CUSTOMERS_LAST_ACT): the index serves that expression per
-- pool (the one of 002 was on the earlier COALESCE form).
DROP INDEX customers_recycle;
CREATE INDEX customers_recycle ON customers
    (pool_id, (GREATEST(COALESCE(last_followup_at, '-infinity'), COALESCE(owner_since, created_at))))
    WHERE owner_id <> 0 AND deleted_at IS NULL AND NOT locked;
