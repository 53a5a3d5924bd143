-- Payments (回款) of approved orders: exact integer minor units; pending
-- until finance confirms or rejects them; a confirmed one refunded in part
-- or whole (refunded_amount; whole: status 4). The order keeps what its
-- payments come to (paid_amount: confirmed net of refunds; pending:
-- pending ones), moved by each payment's transaction under the order's
-- row lock, so a payment that would pass what is outstanding is refused
-- whatever runs beside it.

CREATE TABLE payments (
    id              bigserial   PRIMARY KEY,
    order_id        bigint      NOT NULL REFERENCES orders (id),
    customer_id     bigint      NOT NULL,
    contract_id     bigint      REFERENCES contracts (id),
    amount          bigint      NOT NULL CHECK (amount > 0),
    paid_date       date        NOT NULL,
    -- 1 bank transfer, 2 cash, 3 cheque, 4 other (PaymentMethod)
    method          smallint    NOT NULL CHECK (method BETWEEN 1 AND 4),
    payer_account   text        NOT NULL DEFAULT '',
    remark          text        NOT NULL DEFAULT '',
    -- 1 pending, 2 confirmed, 3 rejected, 4 refunded (PaymentStatus)
    status          smallint    NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 4),
    refunded_amount bigint      NOT NULL DEFAULT 0 CHECK (refunded_amount BETWEEN 0 AND amount),
    refund_reason   text        NOT NULL DEFAULT '',
    reviewer_id     bigint      NOT NULL DEFAULT 0,
    review_comment  text        NOT NULL DEFAULT '',
    reviewed_at     timestamptz,
    owner_id        bigint      NOT NULL,
    department_id   bigint      NOT NULL DEFAULT 0,
    creator_id      bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_order ON payments (order_id);
CREATE INDEX payments_customer ON payments (customer_id);
CREATE INDEX payments_owner_created ON payments (owner_id, created_at DESC, id DESC);
CREATE INDEX payments_created ON payments (created_at DESC, id DESC);

ALTER TABLE orders
    ADD COLUMN paid_amount            bigint NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    ADD COLUMN pending_payment_amount bigint NOT NULL DEFAULT 0
        CHECK (pending_payment_amount >= 0),
    ADD CONSTRAINT orders_not_overpaid CHECK (paid_amount + pending_payment_amount <= amount);

ALTER TABLE sales_history DROP CONSTRAINT sales_history_kind_check;
ALTER TABLE sales_history ADD CONSTRAINT sales_history_kind_check
    CHECK (kind IN ('product', 'pipeline', 'opportunity', 'contract', 'order', 'payment'));
