-- The consumers of this service's events, as they register and report
-- through Bus.Ack: how far each has applied. The relay keeps published
-- events until every consumer here has applied them (up to the retention
-- ceiling; lib/src/retention.c). A consumer silent longer than the ceiling
-- is deleted and registers again with its next report.
CREATE TABLE crm_bus_consumers (
    consumer      text        PRIMARY KEY,
    applied       bigint      NOT NULL,
    acked_at      timestamptz NOT NULL DEFAULT now(),
    registered_at timestamptz NOT NULL DEFAULT now()
);
