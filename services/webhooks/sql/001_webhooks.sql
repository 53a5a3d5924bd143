-- Webhooks: subscriptions, the events taken from every producer, and one
-- delivery per event and matching subscription (docs/webhooks.md).

CREATE TABLE webhooks (
    id          bigserial PRIMARY KEY,
    url         text   NOT NULL,
    event_types text[] NOT NULL,
    description text   NOT NULL DEFAULT '',
    secret      text   NOT NULL,
    paused      boolean NOT NULL DEFAULT false,
    failures    integer NOT NULL DEFAULT 0,  -- failed attempts in a row
    -- one delivery in flight per subscription: the instance sending it holds
    -- the lease until lease_until (then another may send it again)
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    lease_token bigint  NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every event consumed, its CloudEvents body rendered once, for the
-- deliveries and for replays from a sequence.
CREATE TABLE webhook_events (
    id          bigserial PRIMARY KEY,
    producer    text   NOT NULL,
    seq         bigint NOT NULL,
    event_id    text   NOT NULL,
    type        text   NOT NULL,
    body        text   NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (producer, seq)
);

CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    webhook_id       bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_ref        bigint NOT NULL REFERENCES webhook_events (id),
    delivered        boolean NOT NULL DEFAULT false,
    attempts         integer NOT NULL DEFAULT 0,
    last_status_code integer NOT NULL DEFAULT 0,
    last_error       text    NOT NULL DEFAULT '',
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- A subscription's queue: its oldest waiting delivery goes next.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, id) WHERE NOT delivered;
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_ref);

-- New deliveries wake the senders of every instance.
CREATE FUNCTION webhook_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('crm_webhooks', '');
    RETURN NULL;
END $$;
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_deliveries_notify();
