-- The product catalogue (产品) and the history of the sales service's
-- records: who changed what, when, with old and new values.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE products (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL CHECK (name <> ''),
    code        text        NOT NULL CHECK (btrim(code) <> ''),
    category    text        NOT NULL DEFAULT '',
    unit        text        NOT NULL DEFAULT '',
    -- minor units (分); bounded so that quantity x price never leaves int64
    list_price  bigint      NOT NULL DEFAULT 0 CHECK (list_price BETWEEN 0 AND 10000000000000),
    enabled     boolean     NOT NULL DEFAULT true,
    remark      text        NOT NULL DEFAULT '',
    creator_id  bigint      NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- One product per code, whatever the case and the spaces around it (the
-- create's and the edit's check reads it under an advisory lock; this is
-- the backstop).
CREATE UNIQUE INDEX products_code ON products (lower(btrim(code)));
-- The list's orders and its keyword (name and code in one trigram index:
-- sales_products.c's PRODUCT_KEYWORD).
CREATE INDEX products_created ON products (created_at DESC, id DESC);
CREATE INDEX products_updated ON products (updated_at DESC, id DESC);
CREATE INDEX products_price ON products (list_price DESC, id DESC);
CREATE INDEX products_keyword_trgm ON products
    USING gin ((name || E'\x1f' || code) gin_trgm_ops);

-- Everything that touched a record of the sales service, who and when.
CREATE TABLE sales_history (
    id            bigserial PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('product', 'pipeline', 'opportunity')),
    record_id     bigint      NOT NULL,
    action        text        NOT NULL,
    actor_id      bigint      NOT NULL DEFAULT 0,
    at            timestamptz NOT NULL DEFAULT now(),
    from_owner_id bigint      NOT NULL DEFAULT 0,
    to_owner_id   bigint      NOT NULL DEFAULT 0,
    reason        text        NOT NULL DEFAULT '',
    detail        text        NOT NULL DEFAULT ''
);
CREATE INDEX sales_history_record ON sales_history (kind, record_id, id DESC);
