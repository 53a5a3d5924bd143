-- Customers (客户) and customer pools (公海): the walking skeleton's tables.
-- The customers domain issue adds contacts, enterprises and pool members.

-- A pool owns the rule that returns neglected customers to it.
CREATE TABLE customer_pools (
    id           bigserial PRIMARY KEY,
    name         text    NOT NULL UNIQUE,
    -- owned customers without a follow-up for this many days come back to
    -- the pool; 0 disables recycling
    recycle_days integer NOT NULL DEFAULT 30 CHECK (recycle_days >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customer_pools (name, recycle_days) VALUES ('公海', 30);

CREATE TABLE customers (
    id               bigserial PRIMARY KEY,
    name             text   NOT NULL CHECK (name <> ''),
    contact_name     text   NOT NULL DEFAULT '',
    mobile           text   NOT NULL DEFAULT '',
    telephone        text   NOT NULL DEFAULT '',
    email            text   NOT NULL DEFAULT '',
    company          text   NOT NULL DEFAULT '',
    source           text   NOT NULL DEFAULT '',
    level            text   NOT NULL DEFAULT '',
    industry         text   NOT NULL DEFAULT '',
    owner_id         bigint NOT NULL DEFAULT 0,      -- 0: in its pool
    department_id    bigint NOT NULL DEFAULT 0,
    pool_id          bigint NOT NULL DEFAULT 1 REFERENCES customer_pools (id),
    lead_id          bigint UNIQUE,                  -- the converted lead, once
    last_followup_at timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_owner ON customers (owner_id, id);
CREATE INDEX customers_recycle ON customers (pool_id, last_followup_at) WHERE owner_id <> 0;

CREATE TABLE customer_followups (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    user_id     bigint NOT NULL,
    content     text   NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_followups_customer ON customer_followups (customer_id, id);
