-- Replies of changes already applied, by the caller's idempotency key, so a
-- call retried on another instance (its first reply lost) is answered as
-- the first time instead of being applied twice. Kept for a day.
CREATE TABLE crm_idempotency (
    key        text PRIMARY KEY,
    method     text        NOT NULL,
    reply      bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_idempotency_created ON crm_idempotency (created_at);
