-- Payment plans (回款计划): the instalments of an approved order, each an
-- amount (exact integer minor units) due by a date of the business time
-- zone, its owner reminded remind_days before. The order's live (not void)
-- instalments never sum above its amount: their writes lock the order's
-- row first and check it (sales_plan_create.c, sales_plan_kind.c).
--
-- What each instalment has received (received_amount) and its status are
-- derived from the order's payments by payment_plans_apply below, in the
-- transaction of every change of a payment's status or refund and of every
-- write of an instalment: confirmed payments (net of refunds) that name an
-- instalment go to it first, up to its amount; the rest (those naming
-- none, what overflows, what named a voided instalment) fills the live
-- instalments earliest due first (due date, then period). Statuses: void;
-- done when received whole; overdue once the day after its due date has
-- begun; partial when something was received; else pending.
--
-- Reminders (the jobs sales.plan_due and sales.plan_overdue) follow the
-- stale opportunities' pattern (sql/008): each instalment's two times are
-- owed in crm_pending (kinds payment_plan.due and payment_plan.overdue) and
-- published to the scheduler as timers by the trigger below, in the
-- statement that moves them; the jobs take what is due and skip what is
-- done or void by then, so each is told once per due date.

CREATE TABLE payment_plans (
    id              bigserial   PRIMARY KEY,
    order_id        bigint      NOT NULL REFERENCES orders (id),
    customer_id     bigint      NOT NULL,
    contract_id     bigint      REFERENCES contracts (id),
    period          integer     NOT NULL CHECK (period BETWEEN 1 AND 1000),
    amount          bigint      NOT NULL CHECK (amount > 0),
    due_date        date        NOT NULL,
    remind_days     integer     NOT NULL DEFAULT 0 CHECK (remind_days BETWEEN 0 AND 365),
    remark          text        NOT NULL DEFAULT '',
    -- 1 pending, 2 partial, 3 done, 4 overdue, 5 void (PaymentPlanStatus)
    status          smallint    NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 5),
    received_amount bigint      NOT NULL DEFAULT 0 CHECK (received_amount >= 0),
    -- The start of the business day remind_days before the due date, and
    -- of the day after it (computed in the service's time zone on write).
    remind_at       timestamptz NOT NULL,
    overdue_at      timestamptz NOT NULL,
    void_reason     text        NOT NULL DEFAULT '',
    voided_at       timestamptz,
    owner_id        bigint      NOT NULL,
    department_id   bigint      NOT NULL DEFAULT 0,
    creator_id      bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payment_plans_period ON payment_plans (order_id, period) WHERE status <> 5;
CREATE INDEX payment_plans_customer ON payment_plans (customer_id);
CREATE INDEX payment_plans_owner_due ON payment_plans (owner_id, due_date, id);
CREATE INDEX payment_plans_due ON payment_plans (due_date, id);
CREATE INDEX payment_plans_created ON payment_plans (created_at DESC, id DESC);
-- The open ones by the time they become overdue (sales.plan_overdue).
CREATE INDEX payment_plans_open_overdue ON payment_plans (overdue_at) WHERE status IN (1, 2);

-- The instalment a payment pays, if it names one (CreatePayment's plan_id).
ALTER TABLE payments ADD COLUMN plan_id bigint REFERENCES payment_plans (id);

ALTER TABLE sales_history DROP CONSTRAINT sales_history_kind_check;
ALTER TABLE sales_history ADD CONSTRAINT sales_history_kind_check
    CHECK (kind IN ('product', 'pipeline', 'opportunity', 'contract', 'order', 'payment',
                    'payment_plan'));

-- Rows of ids locked after their orders' rows (in id order), so that a
-- change of instalments and a payment's (which locks the order, then its
-- instalments, in payment_plans_apply) never wait on each other crosswise.
CREATE FUNCTION payment_plans_lock(ids bigint[]) RETURNS SETOF payment_plans
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM orders d
      WHERE d.id IN (SELECT q.order_id FROM payment_plans q WHERE q.id = ANY(ids))
      ORDER BY d.id FOR UPDATE;
    RETURN QUERY SELECT * FROM payment_plans q WHERE q.id = ANY(ids) ORDER BY q.id FOR UPDATE;
END $$;

-- An instalment's status from what it received and the time at.
CREATE FUNCTION payment_plan_status(voided boolean, amount bigint, received bigint,
                                    overdue_at timestamptz, at timestamptz)
    RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN voided THEN 5 WHEN received >= amount THEN 3 WHEN overdue_at <= at THEN 4
                WHEN received > 0 THEN 2 ELSE 1 END;

-- Matches the confirmed payments of order_id to its instalments (the rule
-- above) and sets each instalment's received amount and status at time at.
CREATE FUNCTION payment_plans_apply(order_id bigint, at timestamptz) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    -- The order's row is the lock every writer of its instalments takes
    -- first (creates, edits, voids, payments, transfers), so the rows
    -- written below are this transaction's alone; the overdue job's
    -- marking skips what is locked (sales_plan_remind.c).
    PERFORM 1 FROM orders d WHERE d.id = $1 FOR UPDATE;
    WITH paid AS (
        SELECT m.plan_id, m.amount - m.refunded_amount AS net FROM payments m
         WHERE m.order_id = $1 AND m.status IN (2, 4)),
    live AS (
        SELECT q.id, q.amount, q.due_date, q.period,
               LEAST(q.amount, COALESCE((SELECT sum(p.net) FROM paid p WHERE p.plan_id = q.id),
                                        0))::bigint AS named
          FROM payment_plans q WHERE q.order_id = $1 AND q.status <> 5),
    pool AS (
        SELECT COALESCE((SELECT sum(net) FROM paid), 0)
               - COALESCE((SELECT sum(named) FROM live), 0) AS rest),
    fill AS (
        SELECT l.id, l.named + GREATEST(0, LEAST(l.amount - l.named,
                   pool.rest - (sum(l.amount - l.named) OVER w - (l.amount - l.named))))::bigint
                   AS received
          FROM live l, pool WINDOW w AS (ORDER BY l.due_date, l.period, l.id)),
    want AS (
        SELECT q.id, COALESCE(f.received, 0) AS received,
               payment_plan_status(q.status = 5, q.amount, COALESCE(f.received, 0), q.overdue_at,
                                   $2) AS status
          FROM payment_plans q LEFT JOIN fill f ON f.id = q.id WHERE q.order_id = $1)
    UPDATE payment_plans q SET received_amount = w.received, status = w.status
      FROM want w
     WHERE q.id = w.id AND (q.received_amount, q.status) IS DISTINCT FROM (w.received, w.status);
END $$;

-- A payment confirmed, refunded (or rejected): its order's instalments again.
CREATE FUNCTION payments_plans_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM payment_plans_apply(NEW.order_id, now());
    RETURN NULL;
END $$;

CREATE TRIGGER payments_plans_apply AFTER UPDATE ON payments FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.refunded_amount IS DISTINCT FROM NEW.refunded_amount)
    EXECUTE FUNCTION payments_plans_apply();

-- The instalments follow their order's owner (a transfer, a handover).
CREATE FUNCTION orders_plans_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE payment_plans q SET owner_id = NEW.owner_id, department_id = NEW.department_id
     WHERE q.order_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER orders_plans_owner AFTER UPDATE ON orders FOR EACH ROW
    WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id
          OR OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION orders_plans_owner();

-- Owed and published: an instalment's reminder and overdue times, each
-- when it moves (NULL: none, once voided). A done instalment keeps them:
-- the jobs skip it when they come, so a refund before then brings them
-- back, and a time already told is not told again unless it moves.
CREATE FUNCTION payment_plans_timers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    due timestamptz := CASE WHEN NEW.status <> 5 THEN NEW.remind_at END;
    over timestamptz := CASE WHEN NEW.status <> 5 THEN NEW.overdue_at END;
    old_due timestamptz;
    old_over timestamptz;
    entries bytea := ''::bytea;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_due := CASE WHEN OLD.status <> 5 THEN OLD.remind_at END;
        old_over := CASE WHEN OLD.status <> 5 THEN OLD.overdue_at END;
    END IF;
    IF TG_OP = 'INSERT' OR due IS DISTINCT FROM old_due THEN
        PERFORM crm_pending_set('payment_plan.due', NEW.id, due);
        entries := entries || crm_timer_entry('sales.plan_due', due);
    END IF;
    IF TG_OP = 'INSERT' OR over IS DISTINCT FROM old_over THEN
        PERFORM crm_pending_set('payment_plan.overdue', NEW.id, over);
        entries := entries || crm_timer_entry('sales.plan_overdue', over);
    END IF;
    IF length(entries) > 0 THEN
        PERFORM crm_timer_publish(NEW.id::text, entries);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER payment_plans_timers_inserted AFTER INSERT ON payment_plans FOR EACH ROW
    EXECUTE FUNCTION payment_plans_timers();
CREATE TRIGGER payment_plans_timers_updated AFTER UPDATE ON payment_plans FOR EACH ROW
    WHEN (OLD.remind_at IS DISTINCT FROM NEW.remind_at
          OR OLD.overdue_at IS DISTINCT FROM NEW.overdue_at
          OR (OLD.status = 5) IS DISTINCT FROM (NEW.status = 5))
    EXECUTE FUNCTION payment_plans_timers();
