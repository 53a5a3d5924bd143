-- The customers the sales service refers to, as a read model: its own copy
-- of the customers service's customers and contacts, kept from that
-- service's events (customer.*, contact.*) exactly once by a consumer
-- (sales_customers.c), never read from the customers database. An
-- opportunity's customer must be here, not deleted, and in the caller's
-- data scope (its owner, or its team until the membership expires).
CREATE TABLE sales_customers (
    id            bigint      PRIMARY KEY,
    name          text        NOT NULL DEFAULT '',
    owner_id      bigint      NOT NULL DEFAULT 0,   -- 0: in a pool (公海)
    department_id bigint      NOT NULL DEFAULT 0,
    pool_id       bigint      NOT NULL DEFAULT 0,
    -- its team (相关团队): each member with the end of the membership in
    -- microseconds (0: never), side by side
    team_user_ids bigint[]    NOT NULL DEFAULT '{}',
    team_until_us bigint[]    NOT NULL DEFAULT '{}',
    deleted       boolean     NOT NULL DEFAULT false,
    applied_at    timestamptz NOT NULL DEFAULT now()  -- when the last event about it was applied
);

CREATE TABLE sales_contacts (
    id          bigint      PRIMARY KEY,
    customer_id bigint      NOT NULL,
    name        text        NOT NULL DEFAULT '',
    deleted     boolean     NOT NULL DEFAULT false,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sales_contacts_customer ON sales_contacts (customer_id) WHERE NOT deleted;
