-- An import writes its customers' recycle deadlines in its INSERT, computed
-- once per level of the chunk with customer_deadline (sql/008), instead of
-- the BEFORE INSERT trigger computing each row's with a query of its own (a
-- plpgsql call, and a plan started per row: about a quarter of a chunk's
-- time in the database). So a row inserted with its deadline keeps it; one
-- inserted without (a create, a conversion; an import's row that no rule
-- gives a deadline) gets it from the trigger as before. Updates are
-- unchanged (customers_deadline_update).
DROP TRIGGER customers_deadline_insert ON customers;
CREATE TRIGGER customers_deadline_insert BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.recycle_at IS NULL)
    EXECUTE FUNCTION customers_deadline_keep();
