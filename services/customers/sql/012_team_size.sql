-- How many rows a customer's team (相关团队) has in customer_team (expired
-- memberships included until they are removed), kept by the trigger below
-- whoever writes the team. A read of many customers looks up the team only
-- of the customers that have one (CUSTOMER_COLUMNS' team_json): most have
-- none, and the lookup per row (an index probe and an aggregate) was the
-- dearest part of a list's page, about a third of the server's time of an
-- export of a million customers (docs/performance.md).
ALTER TABLE customers ADD COLUMN team_size integer NOT NULL DEFAULT 0;
UPDATE customers c SET team_size = t.n
  FROM (SELECT customer_id, count(*)::integer AS n FROM customer_team GROUP BY customer_id) t
 WHERE c.id = t.customer_id;

-- Counts the rows added to and removed from a customer's team (an update
-- moving a row to another customer counts as both).
CREATE FUNCTION customer_team_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE customers SET team_size = team_size - 1 WHERE id = OLD.customer_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE customers SET team_size = team_size + 1 WHERE id = NEW.customer_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customer_team_count AFTER INSERT OR DELETE ON customer_team
    FOR EACH ROW EXECUTE FUNCTION customer_team_count();
CREATE TRIGGER customer_team_moved AFTER UPDATE OF customer_id ON customer_team
    FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id)
    EXECUTE FUNCTION customer_team_count();
