-- Pending reminders (crm/pending.h): what a job owes its records, one row
-- per kind and record with the time it falls due, kept by the owning
-- table's triggers in the transaction that moves the time, and deleted by
-- the job in the transaction that writes the reminder. Once per due time:
-- a reminded record leaves the table until its time moves again.
--
-- Kept beside the records rather than as a "reminded" mark in their rows:
-- at a million customers, marking 10,000 reminded in their own rows costs
-- seconds (each an out-of-place update through every index of the table,
-- its trigram index among them), deleting 10,000 narrow rows here does not.
CREATE TABLE crm_pending (
    kind      text        NOT NULL, -- "customer.contact", "lead.followup", ...
    record_id bigint      NOT NULL,
    due_at    timestamptz NOT NULL,
    PRIMARY KEY (kind, record_id)
);
CREATE INDEX crm_pending_due ON crm_pending (kind, due_at, record_id);

-- A record's reminder of kind owed at due; NULL: none owed any more.
CREATE FUNCTION crm_pending_set(kind text, record_id bigint, due timestamptz) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF due IS NULL THEN
        DELETE FROM crm_pending p WHERE p.kind = $1 AND p.record_id = $2;
    ELSE
        INSERT INTO crm_pending AS p (kind, record_id, due_at) VALUES ($1, $2, due)
            ON CONFLICT ON CONSTRAINT crm_pending_pkey DO UPDATE SET due_at = EXCLUDED.due_at;
    END IF;
END $$;
