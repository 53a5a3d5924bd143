-- Timed jobs. A firing moves next_fire_at and writes the scheduler.fired
-- event in one transaction; due rows are taken FOR UPDATE SKIP LOCKED, so
-- however many scheduler instances run, each due time fires once.
CREATE TABLE scheduler_jobs (
    name          text PRIMARY KEY,
    interval_s    bigint NOT NULL CHECK (interval_s > 0),
    next_fire_at  timestamptz NOT NULL DEFAULT now(),
    last_fired_at timestamptz,
    runs          bigint NOT NULL DEFAULT 0
);
