-- Contracts (合同): a customer of the read model (sql/002), perhaps one of
-- its opportunities; a number unique whatever its case and the spaces
-- around it, given or generated from a pattern with a per-day sequence
-- (sales_numbers, shared with the orders' numbers).

CREATE TABLE sales_numbers (
    scope text   PRIMARY KEY,   -- "contract:20261201": a kind and a business day
    last  bigint NOT NULL
);

CREATE TABLE contracts (
    id                 bigserial   PRIMARY KEY,
    number             text        NOT NULL CHECK (btrim(number) <> ''),
    name               text        NOT NULL CHECK (btrim(name) <> ''),
    customer_id        bigint      NOT NULL,
    opportunity_id     bigint      REFERENCES opportunities (id),
    amount             bigint      NOT NULL DEFAULT 0 CHECK (amount >= 0),
    sign_date          date,
    start_date         date,
    end_date           date,
    customer_signatory text        NOT NULL DEFAULT '',
    signatory_id       bigint      NOT NULL DEFAULT 0,
    -- 1 draft, 2 pending, 3 signed, 4 expired, 5 terminated (ContractStatus)
    status             smallint    NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 5),
    attachments        text[]      NOT NULL DEFAULT '{}',
    owner_id           bigint      NOT NULL,
    department_id      bigint      NOT NULL DEFAULT 0,
    remark             text        NOT NULL DEFAULT '',
    creator_id         bigint      NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    signed_at          timestamptz,
    terminated_at      timestamptz,
    terminate_reason   text        NOT NULL DEFAULT '',
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE UNIQUE INDEX contracts_number ON contracts (lower(btrim(number)));
CREATE INDEX contracts_owner_created ON contracts (owner_id, created_at DESC, id DESC);
CREATE INDEX contracts_created ON contracts (created_at DESC, id DESC);
CREATE INDEX contracts_customer ON contracts (customer_id);
CREATE INDEX contracts_opportunity ON contracts (opportunity_id) WHERE opportunity_id IS NOT NULL;
CREATE INDEX contracts_keyword_trgm ON contracts USING gin ((name || ' ' || number) gin_trgm_ops);

-- The history's kinds: contracts and orders too (sql/021).
ALTER TABLE sales_history DROP CONSTRAINT sales_history_kind_check;
ALTER TABLE sales_history ADD CONSTRAINT sales_history_kind_check
    CHECK (kind IN ('product', 'pipeline', 'opportunity', 'contract', 'order'));
