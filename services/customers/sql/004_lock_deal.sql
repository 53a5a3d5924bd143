-- Lock and deal by hand (customer pools issue): the customers' own
-- settings (the cap of locked customers per owner), and the count of an
-- owner's locked customers by index.
CREATE TABLE customer_settings (
    name  text    PRIMARY KEY CHECK (name IN ('lock_cap')),
    value integer NOT NULL CHECK (value >= 0)
);
INSERT INTO customer_settings (name, value) VALUES ('lock_cap', 0);
CREATE INDEX customers_locked ON customers (owner_id) WHERE locked AND deleted_at IS NULL;
