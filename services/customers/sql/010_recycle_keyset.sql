-- Recycling and its warnings read their customers page by page inside one
-- transaction, each page after the last one's (deadline, id)
-- (crm_tx_pages_after): the indexes carry the id, so a page starts where
-- the last ended without sorting the ties of a deadline many customers
-- share, and without visiting again the rows earlier pages changed.
DROP INDEX customers_recycle;
CREATE INDEX customers_recycle ON customers (pool_id, recycle_at, id)
    WHERE recycle_at IS NOT NULL;
DROP INDEX customers_recycle_warn;
CREATE INDEX customers_recycle_warn ON customers (recycle_warn_at, id)
    WHERE recycle_warn_at IS NOT NULL AND recycle_warned_for IS DISTINCT FROM recycle_at;
