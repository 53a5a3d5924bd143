-- What the customers service keeps of sales' orders and payments (订单,
-- 回款), from the sales service's events (order.*, payment.*;
-- customers_sales.c), never reading its database: one row per order (its
-- status and amount) and per payment (its status, amount and what was
-- refunded), each with the record's updated_at as its version so an older
-- state never overwrites a newer one, and the customer's totals recomputed
-- from those rows with each event (exact integer minor units).

CREATE TABLE customer_orders (
    order_id    bigint   PRIMARY KEY,
    customer_id bigint   NOT NULL,
    -- 1 draft, 2 pending, 3 approved, 4 rejected, 5 voided (crm.sales.OrderStatus)
    status      smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
    amount      bigint   NOT NULL CHECK (amount >= 0),
    version     bigint   NOT NULL
);
CREATE INDEX customer_orders_customer ON customer_orders (customer_id);

CREATE TABLE customer_payments (
    payment_id      bigint   PRIMARY KEY,
    customer_id     bigint   NOT NULL,
    order_id        bigint   NOT NULL,
    -- 1 pending, 2 confirmed, 3 rejected, 4 refunded (crm.sales.PaymentStatus)
    status          smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
    amount          bigint   NOT NULL CHECK (amount > 0),
    refunded_amount bigint   NOT NULL CHECK (refunded_amount BETWEEN 0 AND amount),
    version         bigint   NOT NULL
);
CREATE INDEX customer_payments_customer ON customer_payments (customer_id);

-- The totals shown on a customer: approved orders (订单总额), confirmed
-- payments net of refunds (回款总额), pending ones; outstanding (待回款) is
-- approved_order_amount - paid_amount.
ALTER TABLE customers
    ADD COLUMN approved_orders        integer NOT NULL DEFAULT 0,
    ADD COLUMN approved_order_amount  bigint  NOT NULL DEFAULT 0,
    ADD COLUMN paid_amount            bigint  NOT NULL DEFAULT 0,
    ADD COLUMN pending_payment_amount bigint  NOT NULL DEFAULT 0;
