-- Per-record timers: the due times of the owners' records (a customer's
-- next contact time, its recycle warning time, its recycle deadline...),
-- each attached to the job whose work handles it. The owners publish them
-- as "timer.set" events (lib/sql/012), consumed here exactly once and in
-- each owner's order, so the row holds a record's latest due time for that
-- job. A job fires when its schedule is due or one of its timers is; the
-- firing deletes the timers it covers, in the same transaction.
CREATE TABLE scheduler_timers (
    job      text        NOT NULL,
    record   text        NOT NULL,
    due_at   timestamptz NOT NULL,
    PRIMARY KEY (job, record)
);
CREATE INDEX scheduler_timers_due ON scheduler_timers (job, due_at);
