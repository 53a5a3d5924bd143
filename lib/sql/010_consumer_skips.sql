-- Events a consumer leaves out once, after rebuilding its read model from
-- a producer's snapshot (the Clone pattern, lib/src/consumer_clone.c):
-- they committed before the snapshot was taken (so its records hold their
-- effects) but were numbered after its horizon. Stored with the offset
-- moved to the horizon; each row goes with the batch that skips its event.
CREATE TABLE crm_consumer_skips (
    consumer text NOT NULL,
    producer text NOT NULL,
    event_id uuid NOT NULL,
    PRIMARY KEY (consumer, producer, event_id)
);
