-- The event bus tables every service database holds: the outbox of events
-- this service produces, the relay's position, and the offsets of the event
-- streams this service consumes.

-- One row per event, written in the same transaction as the change it
-- describes. seq is NULL until the relay publishes it; then 1, 2, 3, ...
CREATE TABLE crm_outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    type         text        NOT NULL,
    aggregate_id text        NOT NULL DEFAULT '',
    payload      bytea       NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    -- the writing transaction: rows become publishable once every
    -- transaction that could commit an earlier row has ended
    xid          xid8        NOT NULL DEFAULT pg_current_xact_id(),
    seq          bigint UNIQUE,
    published_at timestamptz
);
CREATE INDEX crm_outbox_unpublished ON crm_outbox (id) WHERE seq IS NULL;

-- The last sequence handed out by the relay (one row).
CREATE TABLE crm_outbox_relay (
    id       int PRIMARY KEY CHECK (id = 1),
    last_seq bigint NOT NULL
);
INSERT INTO crm_outbox_relay VALUES (1, 0);

-- Wake the relay when an event commits (NOTIFY is delivered at commit).
CREATE FUNCTION crm_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('crm_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER crm_outbox_notify AFTER INSERT ON crm_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION crm_outbox_notify();

-- The last sequence of each producer applied by each consumer, moved in the
-- same transaction as the effect of the events.
CREATE TABLE crm_consumer_offsets (
    consumer   text   NOT NULL,
    producer   text   NOT NULL,
    last_seq   bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, producer)
);

-- Moves an offset from expected to new, or fails the transaction: another
-- instance applied these events first, so this batch must not commit.
CREATE FUNCTION crm_advance_offset(p_consumer text, p_producer text,
                                   p_expected bigint, p_new bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_consumer_offsets (consumer, producer, last_seq)
        VALUES (p_consumer, p_producer, 0) ON CONFLICT DO NOTHING;
    UPDATE crm_consumer_offsets SET last_seq = p_new, updated_at = now()
        WHERE consumer = p_consumer AND producer = p_producer AND last_seq = p_expected;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'offset of % on % is not %', p_consumer, p_producer, p_expected
            USING ERRCODE = '40001';
    END IF;
END $$;
