-- Customer pools (公海) with their people and rules (customer pools issue):
-- the kit's pool rules (crm/pool.h) and the customers' own (a default pool,
-- enabled, the claim batch, whether dealt customers count toward the cap,
-- fields hidden from members); when a customer went to its pool; claims
-- for the daily limit.
ALTER TABLE customer_pools
    ADD COLUMN description           text        NOT NULL DEFAULT '',
    ADD COLUMN admin_ids             bigint[]    NOT NULL DEFAULT '{}',
    ADD COLUMN member_user_ids       bigint[]    NOT NULL DEFAULT '{}',
    ADD COLUMN member_department_ids bigint[]    NOT NULL DEFAULT '{}',
    ADD COLUMN allow_claim           boolean     NOT NULL DEFAULT true,
    ADD COLUMN daily_claim_limit     integer     NOT NULL DEFAULT 0,
    ADD COLUMN holding_cap           integer     NOT NULL DEFAULT 0,
    ADD COLUMN cap_counts_dealt      boolean     NOT NULL DEFAULT true,
    ADD COLUMN cooloff_days          integer     NOT NULL DEFAULT 0,
    ADD COLUMN claim_batch_max       integer     NOT NULL DEFAULT 0,
    ADD COLUMN warn_days             integer     NOT NULL DEFAULT 0,
    ADD COLUMN enabled               boolean     NOT NULL DEFAULT true,
    ADD COLUMN is_default            boolean     NOT NULL DEFAULT false,
    ADD COLUMN hidden_fields         text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN updated_at            timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN deleted_at            timestamptz;
UPDATE customer_pools SET is_default = true WHERE id = (SELECT min(id) FROM customer_pools);
CREATE UNIQUE INDEX customer_pools_one_default ON customer_pools (is_default)
    WHERE is_default AND deleted_at IS NULL;
ALTER TABLE customer_pools DROP CONSTRAINT customer_pools_name_key;
CREATE UNIQUE INDEX customer_pools_name ON customer_pools (name) WHERE deleted_at IS NULL;

ALTER TABLE customers ADD COLUMN pooled_at timestamptz;
UPDATE customers SET pooled_at = updated_at WHERE owner_id = 0;
CREATE INDEX customers_pooled ON customers (pool_id, pooled_at DESC, id DESC)
    WHERE owner_id = 0 AND deleted_at IS NULL;

CREATE TABLE customer_claims (
    user_id     bigint      NOT NULL,
    pool_id     bigint      NOT NULL,
    customer_id bigint      NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_claims_user ON customer_claims (user_id, pool_id, at);
