-- Sales orders (销售订单) with their approval: a customer of the read model,
-- perhaps one of its opportunities or contracts; product lines (priced
-- from the catalogue, copied) as JSON in the row, since they are read and
-- written whole with it; exact integer money (subtotal, amount); the
-- approver of the last submission (待我审批: a partial index of the pending
-- ones by approver).

CREATE TABLE orders (
    id               bigserial   PRIMARY KEY,
    number           text        NOT NULL CHECK (btrim(number) <> ''),
    customer_id      bigint      NOT NULL,
    opportunity_id   bigint      REFERENCES opportunities (id),
    contract_id      bigint      REFERENCES contracts (id),
    lines            jsonb       NOT NULL DEFAULT '[]',
    subtotal         bigint      NOT NULL CHECK (subtotal >= 0),
    discount_bp      integer     NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
    amount           bigint      NOT NULL CHECK (amount BETWEEN 0 AND subtotal),
    -- 1 draft, 2 pending, 3 approved, 4 rejected, 5 voided (OrderStatus)
    status           smallint    NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 5),
    -- 1 unshipped, 2 shipped (DeliveryStatus)
    delivery_status  smallint    NOT NULL DEFAULT 1 CHECK (delivery_status BETWEEN 1 AND 2),
    approver_id      bigint      NOT NULL DEFAULT 0,
    approval_comment text        NOT NULL DEFAULT '',
    submitted_at     timestamptz,
    decided_at       timestamptz,
    owner_id         bigint      NOT NULL,
    department_id    bigint      NOT NULL DEFAULT 0,
    remark           text        NOT NULL DEFAULT '',
    creator_id       bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    shipped_at       timestamptz
);
CREATE UNIQUE INDEX orders_number ON orders (lower(btrim(number)));
CREATE INDEX orders_owner_created ON orders (owner_id, created_at DESC, id DESC);
CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_contract ON orders (contract_id) WHERE contract_id IS NOT NULL;
CREATE INDEX orders_to_approve ON orders (approver_id, created_at DESC, id DESC) WHERE status = 2;
CREATE INDEX orders_number_trgm ON orders USING gin (number gin_trgm_ops);
