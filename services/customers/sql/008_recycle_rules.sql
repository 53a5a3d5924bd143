-- Recycle rules per pool, and each held customer's deadline stored and kept
-- current (customer pools issue).
--
-- A pool has rules (recycle_rules: a JSON array in the API's wire form, see
-- CustomerRecycleRule in proto/customers.proto) and recycles automatically
-- (the scheduler's customers.recycle job) or by hand (manual_recycle: an
-- admin's Customers.Recycle of the pool). Each rule is one of
--   followup:    no follow-up for N days,
--   opportunity: no new opportunity for N days,
--   deal:        no deal for N days,
-- each counted from the later of that event and the time the owner got the
-- customer; N is the rule's days, or the customer's level's days when the
-- rule has level_days (a level left out is exempt). Dealt customers and
-- customers with an open opportunity are exempt unless the rule takes them;
-- locked and pooled customers have no deadline.
--
-- A customer's deadline is the earliest of its pool's rules: recycle_at,
-- the rule that gives it (recycle_rule, recycle_rule_days) and the warning
-- time (recycle_warn_at: warn_days before). The trigger below recomputes
-- them whenever a column they depend on changes (a follow-up, a claim, a
-- transfer, a lock, a level change, a deal, an opportunity), whoever
-- writes it; a change of the pool's rules recomputes its customers in the
-- same transaction (customers_pools.c).

ALTER TABLE customer_pools
    ADD COLUMN recycle_rules  jsonb   NOT NULL DEFAULT '[]',
    ADD COLUMN manual_recycle boolean NOT NULL DEFAULT false;
UPDATE customer_pools SET recycle_rules = jsonb_build_array(jsonb_build_object(
    'kind', 'followup', 'days', recycle_days)) WHERE recycle_days > 0;
ALTER TABLE customer_pools DROP COLUMN recycle_days;

-- What sales will keep current (its events): the last opportunity made for
-- the customer, and how many are open.
ALTER TABLE customers
    ADD COLUMN last_opportunity_at timestamptz,
    ADD COLUMN open_opportunities  integer     NOT NULL DEFAULT 0,
    ADD COLUMN recycle_at          timestamptz,
    ADD COLUMN recycle_warn_at     timestamptz,
    ADD COLUMN recycle_rule        text        NOT NULL DEFAULT '',
    ADD COLUMN recycle_rule_days   integer     NOT NULL DEFAULT 0;

-- The deadline of customer c under rules (a pool's recycle_rules) with
-- warn_days: at most one row (the earliest rule), none when no rule
-- applies. It reads nothing but its arguments: the same customer and rules
-- give the same answer, which is what the dry run relies on.
CREATE FUNCTION customer_deadline(rules jsonb, warn_days integer, c customers,
                                  OUT at timestamptz, OUT warn_at timestamptz,
                                  OUT rule text, OUT days integer)
RETURNS SETOF record LANGUAGE sql STABLE AS $$
    SELECT x.at,
           CASE WHEN warn_days > 0 THEN x.at - warn_days * interval '1 day' END,
           x.kind, x.days
      FROM (SELECT r->>'kind' AS kind, d.days,
                   GREATEST(CASE r->>'kind'
                                WHEN 'opportunity' THEN COALESCE(c.last_opportunity_at, '-infinity')
                                WHEN 'deal' THEN COALESCE(c.dealt_at, '-infinity')
                                ELSE COALESCE(c.last_followup_at, '-infinity')
                            END, COALESCE(c.owner_since, c.created_at))
                   + d.days * interval '1 day' AS at
              FROM jsonb_array_elements(rules) r
             CROSS JOIN LATERAL (SELECT CASE
                        WHEN jsonb_array_length(COALESCE(r->'level_days', '[]')) = 0
                        THEN (r->>'days')::integer
                        ELSE (SELECT (l->>'days')::integer
                                FROM jsonb_array_elements(r->'level_days') l
                               WHERE l->>'level' = c.level LIMIT 1)
                    END AS days) d
             WHERE d.days > 0
               AND (c.deal_status <> 2 OR COALESCE((r->>'include_dealt')::boolean, false))
               AND (c.open_opportunities = 0
                    OR COALESCE((r->>'include_open_opportunity')::boolean, false))) x
     WHERE c.owner_id <> 0 AND NOT c.locked AND c.deleted_at IS NULL
     ORDER BY x.at, x.kind LIMIT 1
$$;

-- Sets NEW's deadline from its pool's rules.
CREATE FUNCTION customers_deadline_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    NEW.recycle_at := NULL;
    NEW.recycle_warn_at := NULL;
    NEW.recycle_rule := '';
    NEW.recycle_rule_days := 0;
    IF NEW.owner_id = 0 OR NEW.locked OR NEW.deleted_at IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT x.* INTO d FROM customer_pools p, customer_deadline(p.recycle_rules, p.warn_days, NEW) x
     WHERE p.id = NEW.pool_id AND p.deleted_at IS NULL;
    IF FOUND THEN
        NEW.recycle_at := d.at;
        NEW.recycle_warn_at := d.warn_at;
        NEW.recycle_rule := d.rule;
        NEW.recycle_rule_days := d.days;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER customers_deadline_insert BEFORE INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_deadline_keep();
CREATE TRIGGER customers_deadline_update BEFORE UPDATE ON customers
    FOR EACH ROW WHEN (
        OLD.owner_id IS DISTINCT FROM NEW.owner_id
        OR OLD.pool_id IS DISTINCT FROM NEW.pool_id
        OR OLD.level IS DISTINCT FROM NEW.level
        OR OLD.locked IS DISTINCT FROM NEW.locked
        OR OLD.deal_status IS DISTINCT FROM NEW.deal_status
        OR OLD.dealt_at IS DISTINCT FROM NEW.dealt_at
        OR OLD.last_followup_at IS DISTINCT FROM NEW.last_followup_at
        OR OLD.owner_since IS DISTINCT FROM NEW.owner_since
        OR OLD.created_at IS DISTINCT FROM NEW.created_at
        OR OLD.last_opportunity_at IS DISTINCT FROM NEW.last_opportunity_at
        OR OLD.open_opportunities IS DISTINCT FROM NEW.open_opportunities
        OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION customers_deadline_keep();

-- The deadlines of the customers held today.
UPDATE customers c SET (recycle_at, recycle_warn_at, recycle_rule, recycle_rule_days) =
       (SELECT x.at, x.warn_at, COALESCE(x.rule, ''), COALESCE(x.days, 0)
          FROM customer_pools p LEFT JOIN LATERAL
               customer_deadline(p.recycle_rules, p.warn_days, c) x ON true
         WHERE p.id = c.pool_id)
 WHERE c.owner_id <> 0 AND c.deleted_at IS NULL AND NOT c.locked;

-- Recycling reads each automatic pool's overdue customers along this
-- index; the lists sort and filter by the deadline along the second; the
-- warnings read the customers not yet warned of their deadline along the
-- third (a warned customer leaves it).
DROP INDEX customers_recycle;
CREATE INDEX customers_recycle ON customers (pool_id, recycle_at)
    WHERE recycle_at IS NOT NULL;
CREATE INDEX customers_owner_recycle ON customers
    (owner_id, COALESCE(recycle_at, 'infinity'), id) WHERE deleted_at IS NULL;
CREATE INDEX customers_recycle_warn ON customers (recycle_warn_at)
    WHERE recycle_warn_at IS NOT NULL AND recycle_warned_for IS DISTINCT FROM recycle_at;
