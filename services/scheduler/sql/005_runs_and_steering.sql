-- Admins see and steer the jobs (scheduler issue): a job may be paused
-- (it does not fire on schedule; FireNow still fires it) and may have an
-- admin's schedule (override_s) that replaces its owner's declared one
-- (interval_s) until cleared. The run history: each run of a job's work as
-- the service that owns it reported it (job.ran, committed with the work),
-- the last 1,000 runs per job kept.
ALTER TABLE scheduler_jobs
    ADD COLUMN paused     boolean NOT NULL DEFAULT false,
    ADD COLUMN override_s bigint CHECK (override_s > 0);

CREATE TABLE scheduler_runs (
    id          bigserial PRIMARY KEY,
    job         text        NOT NULL,
    run         bigint      NOT NULL,
    due_at      timestamptz,
    manual      boolean     NOT NULL DEFAULT false,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms bigint      NOT NULL,
    affected    bigint      NOT NULL DEFAULT 0,
    outcome     smallint    NOT NULL CHECK (outcome IN (1, 2)),
    error       text        NOT NULL DEFAULT '',
    instance    text        NOT NULL DEFAULT '',
    producer    text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduler_runs_job ON scheduler_runs (job, id DESC);
