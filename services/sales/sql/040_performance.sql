-- Performance (业绩) as stored facts: every event that makes or takes back
-- a figure writes one row, in the transaction of that event, that never
-- changes once written, so a closed month gives the same figures tomorrow
-- whatever happens to the records later (docs/sales.md, "Performance").
--
-- kind   what counts               +1 fact                       -1 fact (the take-back)
-- 1 won      a won opportunity     its win (status to won)       reopened from won
-- 2 order    an approved order     approved (status to approved) voided, or any move off approved
-- 3 payment  a confirmed payment   confirmed (its amount)        a refund (the refund's amount)
--
-- Each fact is dated by the business day of its event (the change's own
-- time, updated_at, in the zone sales_settings.tz, which the service sets
-- from CRM_TZ at start) and credited to the owner and department of the
-- record then. A take-back is credited to whoever its fact credited (a
-- transferred order voided later is taken from who had it approved), on
-- the day of the take-back: the month of the approval keeps its figure,
-- the month of the void shows the minus. Written by the triggers below,
-- so every path to these statuses (the RPCs, a handover, a later approval
-- flow) records them.
--
-- Reports read whole months from sales_perf_months, the facts summed per
-- (department, month, owner, kind), folded in by sales_perf_fold() (the
-- service calls it every second with its other folds: writers only
-- append, no row is shared among writers), plus the facts not folded yet
-- (sales_perf_pending), in the same statement, so the figures are exact at
-- every moment; the days of a period's partial months from the facts.
ALTER TABLE sales_settings ADD COLUMN IF NOT EXISTS tz text NOT NULL DEFAULT 'Asia/Shanghai';

CREATE TABLE sales_perf_facts (
    id            bigserial   PRIMARY KEY,
    kind          smallint    NOT NULL CHECK (kind BETWEEN 1 AND 3),
    record_id     bigint      NOT NULL,  -- the opportunity, order or payment
    -- +1 a win or an approval, -1 its take-back; a payment's confirmation
    -- +1, a refund 0 (the payment still counts once, for less)
    count         smallint    NOT NULL CHECK (count BETWEEN -1 AND 1),
    amount        bigint      NOT NULL,  -- minor units, negative for a take-back
    owner_id      bigint      NOT NULL,
    department_id bigint      NOT NULL,
    day           date        NOT NULL,  -- the business day of the event
    at            timestamptz NOT NULL
);
-- A person's figures, a department's (its subtree's departments), the
-- company's: each an index-only read of the period's rows.
CREATE INDEX sales_perf_facts_owner ON sales_perf_facts (owner_id, day)
    INCLUDE (kind, count, amount);
CREATE INDEX sales_perf_facts_department ON sales_perf_facts (department_id, day)
    INCLUDE (kind, count, amount, owner_id);
CREATE INDEX sales_perf_facts_day ON sales_perf_facts (day) INCLUDE (kind, count, amount);
CREATE INDEX sales_perf_facts_record ON sales_perf_facts (kind, record_id, id);

-- The facts not folded yet, with what a report reads of them (a copy: a
-- report reads these few rows alone, without a join to the facts).
CREATE TABLE sales_perf_pending (
    fact_id       bigint   PRIMARY KEY,
    department_id bigint   NOT NULL,
    owner_id      bigint   NOT NULL,
    day           date     NOT NULL,
    kind          smallint NOT NULL,
    count         smallint NOT NULL,
    amount        bigint   NOT NULL
);

CREATE TABLE sales_perf_months (
    department_id bigint   NOT NULL,
    month         date     NOT NULL,  -- its first day
    owner_id      bigint   NOT NULL,
    kind          smallint NOT NULL,
    count         bigint   NOT NULL,
    amount        bigint   NOT NULL,
    PRIMARY KEY (department_id, month, owner_id, kind)
);
CREATE INDEX sales_perf_months_owner ON sales_perf_months (owner_id, month)
    INCLUDE (kind, count, amount);

-- A department and every department under it (the department itself even
-- when the organisation's read model does not know it): a department's
-- figures are its subtree's.
CREATE FUNCTION sales_subtree(dept bigint) RETURNS bigint[]
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (WITH RECURSIVE down(id, depth) AS (
                SELECT dept, 1
                UNION ALL
                SELECT d.id, down.depth + 1 FROM crm_org_departments d
                  JOIN down ON d.parent_id = down.id WHERE down.depth < 64)
            SELECT array_agg(id) FROM down);

-- Writes a fact of fact_kind about record rec at instant happened. A take-back (count -1,
-- or a refund) is credited to whoever the record's last +1 fact credited,
-- and a count -1 takes back that fact's amount (else, with no such fact,
-- amt from the record's owner now).
CREATE FUNCTION sales_perf_record(fact_kind smallint, rec bigint, n smallint, amt bigint,
                                  owner bigint, dept bigint, happened timestamptz,
                                  take_back boolean)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    credited sales_perf_facts;
BEGIN
    IF take_back THEN
        SELECT * INTO credited FROM sales_perf_facts
         WHERE kind = fact_kind AND record_id = rec AND count = 1
         ORDER BY id DESC LIMIT 1;
        IF FOUND THEN
            owner := credited.owner_id;
            dept := credited.department_id;
            IF n = -1 THEN
                amt := -credited.amount;
            END IF;
        END IF;
    END IF;
    WITH ins AS (
        INSERT INTO sales_perf_facts (kind, record_id, count, amount, owner_id, department_id,
                                      day, at)
        VALUES (fact_kind, rec, n, amt, owner, dept,
                (happened AT TIME ZONE (SELECT tz FROM sales_settings))::date, happened)
        RETURNING id, department_id, owner_id, day, kind, count, amount)
    INSERT INTO sales_perf_pending SELECT * FROM ins;
END $$;

-- Moves up to max_rows pending facts into their months, in one
-- transaction; how many, 0 when another folder holds the lock.
CREATE FUNCTION sales_perf_fold(max_rows integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('sales_perf_fold')) THEN
        RETURN 0;
    END IF;
    WITH gone AS (
        DELETE FROM sales_perf_pending
         WHERE fact_id IN (SELECT fact_id FROM sales_perf_pending ORDER BY fact_id
                            LIMIT max_rows)
        RETURNING *
    ), moved_rows AS (
        SELECT count(*) AS n FROM gone
    ), ins AS (
        INSERT INTO sales_perf_months AS m (department_id, month, owner_id, kind, count, amount)
        SELECT department_id, date_trunc('month', day)::date, owner_id, kind, sum(count),
               sum(amount)
          FROM gone
         GROUP BY 1, 2, 3, 4
        ON CONFLICT (department_id, month, owner_id, kind) DO UPDATE
           SET count = m.count + EXCLUDED.count, amount = m.amount + EXCLUDED.amount
    )
    SELECT n INTO moved FROM moved_rows;
    RETURN moved;
END $$;

-- A status that counts reached or left: won (2) for opportunities (kind
-- 1), approved (3) for orders (kind 2). TG_ARGV: the kind, the status.
CREATE FUNCTION sales_perf_status_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    k smallint := TG_ARGV[0]::smallint;
BEGIN
    IF NEW.status = TG_ARGV[1]::smallint THEN
        PERFORM sales_perf_record(k, NEW.id, 1::smallint, NEW.amount, NEW.owner_id,
                                  NEW.department_id, NEW.updated_at, false);
    ELSE
        PERFORM sales_perf_record(k, NEW.id, -1::smallint, -OLD.amount, NEW.owner_id,
                                  NEW.department_id, NEW.updated_at, true);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER opportunities_perf AFTER UPDATE OF status ON opportunities FOR EACH ROW
    WHEN ((OLD.status = 2) <> (NEW.status = 2)) EXECUTE FUNCTION sales_perf_status_moved(1, 2);
CREATE TRIGGER orders_perf AFTER UPDATE OF status ON orders FOR EACH ROW
    WHEN ((OLD.status = 3) <> (NEW.status = 3)) EXECUTE FUNCTION sales_perf_status_moved(2, 3);

-- Confirmed (pending 1 to confirmed 2), and each refund.
CREATE FUNCTION payments_perf() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 1 AND NEW.status = 2 THEN
        PERFORM sales_perf_record(3::smallint, NEW.id, 1::smallint, NEW.amount, NEW.owner_id,
                                  NEW.department_id, NEW.updated_at, false);
    END IF;
    IF NEW.refunded_amount > OLD.refunded_amount THEN
        PERFORM sales_perf_record(3::smallint, NEW.id, 0::smallint,
                                  OLD.refunded_amount - NEW.refunded_amount, NEW.owner_id,
                                  NEW.department_id, NEW.updated_at, true);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payments_perf AFTER UPDATE OF status, refunded_amount ON payments FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.refunded_amount IS DISTINCT FROM NEW.refunded_amount)
    EXECUTE FUNCTION payments_perf();

-- What stands before this migration: won opportunities at their close,
-- approved orders at their decision, confirmed payments at their review
-- and what was refunded of them at their last change (the takes-back of
-- the past, voids and reopenings, are not in the rows: their records
-- count as they stand).
INSERT INTO sales_perf_facts (kind, record_id, count, amount, owner_id, department_id, day, at)
SELECT 1, id, 1, amount, owner_id, department_id,
       (coalesce(closed_at, updated_at) AT TIME ZONE (SELECT tz FROM sales_settings))::date,
       coalesce(closed_at, updated_at)
  FROM opportunities WHERE status = 2
UNION ALL
SELECT 2, id, 1, amount, owner_id, department_id,
       (coalesce(decided_at, updated_at) AT TIME ZONE (SELECT tz FROM sales_settings))::date,
       coalesce(decided_at, updated_at)
  FROM orders WHERE status = 3
UNION ALL
SELECT 3, id, 1, amount, owner_id, department_id,
       (coalesce(reviewed_at, updated_at) AT TIME ZONE (SELECT tz FROM sales_settings))::date,
       coalesce(reviewed_at, updated_at)
  FROM payments WHERE status IN (2, 4)
UNION ALL
SELECT 3, id, 0, -refunded_amount, owner_id, department_id,
       (updated_at AT TIME ZONE (SELECT tz FROM sales_settings))::date, updated_at
  FROM payments WHERE status IN (2, 4) AND refunded_amount > 0;
-- ... folded by the service's first folds.
INSERT INTO sales_perf_pending
SELECT id, department_id, owner_id, day, kind, count, amount FROM sales_perf_facts;
