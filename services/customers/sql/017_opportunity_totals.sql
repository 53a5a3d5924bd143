-- What the customers service keeps of sales' opportunities (商机), from the
-- sales service's events (opportunity.*; customers_sales.c), never reading
-- its database: one row per opportunity with what the customer's figures
-- need (its status, amount, when it was made, whether deleted), and the
-- customer's opportunity totals recomputed from those rows with each event
-- (exact integer minor units). A won opportunity makes its customer dealt
-- (成交) once, in the same statement.

CREATE TABLE customer_opportunities (
    opportunity_id bigint      PRIMARY KEY,
    customer_id    bigint      NOT NULL,
    -- 1 open, 2 won, 3 lost, 4 invalid (crm.sales.OpportunityStatus)
    status         smallint    NOT NULL CHECK (status BETWEEN 1 AND 4),
    amount         bigint      NOT NULL CHECK (amount >= 0),
    created_at     timestamptz NOT NULL,
    -- the opportunity's updated_at (microseconds) as its event carried it:
    -- an older state never overwrites a newer one
    version        bigint      NOT NULL,
    deleted        boolean     NOT NULL DEFAULT false
);
CREATE INDEX customer_opportunities_customer ON customer_opportunities (customer_id)
    WHERE NOT deleted;

-- The totals shown on a customer (open_opportunities and last_opportunity_at
-- came with the recycle rules, sql/008, and are kept with these now).
ALTER TABLE customers
    ADD COLUMN open_opportunity_amount bigint  NOT NULL DEFAULT 0,
    ADD COLUMN won_opportunities       integer NOT NULL DEFAULT 0,
    ADD COLUMN won_opportunity_amount  bigint  NOT NULL DEFAULT 0;
