-- The funnel (销售漏斗) kept from the stage history (sql/004's
-- opportunity_stage_changes) as it is written, so that a period's figures
-- are sums of rows that never change once written: a past period gives the
-- same figures tomorrow (docs/sales.md, "The funnel and the forecast").
--
-- Each stage change adds funnel events: the first time an opportunity
-- reaches a stage, or passes it (a move to a later stage, or won, passes
-- every stage before), one "reached" event per stage, with the amount then;
-- an end (won, lost with its reason, invalid) one event; a reopening one
-- event of -1 undoing the end it reopens (on the day of the reopening, for
-- whoever the end was counted for). Each event is counted for the owner and
-- department of the change.
--
-- A department's or the company's funnel sums a day's events per
-- department (opportunity_funnel_days), folded in by
-- opportunity_funnel_fold() with the service's time zone (the service
-- calls it every second with the stage totals' fold): writers only append,
-- no row is shared. The events not folded yet (opportunity_funnel_pending)
-- are read beside the days, so the figures are exact at any moment. A
-- person's funnel reads their events.

CREATE TABLE opportunity_funnel_events (
    id             bigserial   PRIMARY KEY,
    opportunity_id bigint      NOT NULL,
    pipeline_id    bigint      NOT NULL,
    -- 1 reached stage_id; 2 won, 3 lost, 4 invalid (OpportunityStatus)
    kind           smallint    NOT NULL CHECK (kind BETWEEN 1 AND 4),
    stage_id       bigint      NOT NULL DEFAULT 0,
    lost_reason    text        NOT NULL DEFAULT '',
    count          smallint    NOT NULL CHECK (count IN (-1, 1)),
    amount         bigint      NOT NULL,  -- the amount then, signed as count
    owner_id       bigint      NOT NULL,
    department_id  bigint      NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX opportunity_funnel_events_opportunity ON opportunity_funnel_events
    (opportunity_id, kind, stage_id);
CREATE INDEX opportunity_funnel_events_owner ON opportunity_funnel_events
    (owner_id, pipeline_id, at) INCLUDE (kind, stage_id, count, amount);

CREATE TABLE opportunity_funnel_pending (
    event_id bigint PRIMARY KEY
);

CREATE TABLE opportunity_funnel_days (
    pipeline_id   bigint   NOT NULL,
    department_id bigint   NOT NULL,
    day           date     NOT NULL,
    kind          smallint NOT NULL,
    stage_id      bigint   NOT NULL,
    lost_reason   text     NOT NULL,
    count         bigint   NOT NULL,
    amount        bigint   NOT NULL,
    PRIMARY KEY (pipeline_id, department_id, day, kind, stage_id, lost_reason)
);

-- The funnel events of one stage change c (the trigger's, and the backfill
-- of the history written before this migration).
CREATE FUNCTION opportunity_funnel_apply(c opportunity_stage_changes) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ended opportunity_funnel_events;
    pos integer;
BEGIN
    IF c.from_status > 1 AND c.to_status = 1 THEN
        SELECT * INTO ended FROM opportunity_funnel_events
         WHERE opportunity_id = c.opportunity_id AND kind = c.from_status AND count = 1
         ORDER BY id DESC LIMIT 1;
        IF FOUND THEN
            WITH ins AS (
                INSERT INTO opportunity_funnel_events (opportunity_id, pipeline_id, kind,
                       lost_reason, count, amount, owner_id, department_id, at)
                VALUES (c.opportunity_id, ended.pipeline_id, ended.kind, ended.lost_reason, -1,
                        -ended.amount, ended.owner_id, ended.department_id, c.at)
                RETURNING id)
            INSERT INTO opportunity_funnel_pending SELECT id FROM ins;
        END IF;
    END IF;
    IF c.to_status IN (1, 2) THEN
        SELECT position INTO pos FROM pipeline_stages WHERE id = c.to_stage_id;
        WITH ins AS (
            INSERT INTO opportunity_funnel_events (opportunity_id, pipeline_id, kind, stage_id,
                   count, amount, owner_id, department_id, at)
            SELECT c.opportunity_id, c.pipeline_id, 1, s.id, 1, c.amount, c.owner_id,
                   c.department_id, c.at
              FROM pipeline_stages s
             WHERE s.pipeline_id = c.pipeline_id AND s.removed_at IS NULL
               AND (c.to_status = 2 OR s.position <= pos OR s.id = c.to_stage_id)
               AND NOT EXISTS (SELECT 1 FROM opportunity_funnel_events e
                                WHERE e.opportunity_id = c.opportunity_id AND e.kind = 1
                                  AND e.stage_id = s.id)
            RETURNING id)
        INSERT INTO opportunity_funnel_pending SELECT id FROM ins;
    END IF;
    IF c.to_status > 1 THEN
        WITH ins AS (
            INSERT INTO opportunity_funnel_events (opportunity_id, pipeline_id, kind,
                   lost_reason, count, amount, owner_id, department_id, at)
            VALUES (c.opportunity_id, c.pipeline_id, c.to_status, c.lost_reason, 1, c.amount,
                    c.owner_id, c.department_id, c.at)
            RETURNING id)
        INSERT INTO opportunity_funnel_pending SELECT id FROM ins;
    END IF;
END $$;

CREATE FUNCTION opportunity_funnel_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM opportunity_funnel_apply(NEW);
    RETURN NULL;
END $$;
CREATE TRIGGER opportunity_stage_changes_funnel AFTER INSERT ON opportunity_stage_changes
    FOR EACH ROW EXECUTE FUNCTION opportunity_funnel_record();

-- Moves up to max_rows pending events into their days (in time zone tz),
-- in one transaction; how many, 0 when another folder holds the lock.
CREATE FUNCTION opportunity_funnel_fold(max_rows integer, tz text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('opportunity_funnel_fold')) THEN
        RETURN 0;
    END IF;
    WITH gone AS (
        DELETE FROM opportunity_funnel_pending
         WHERE event_id IN (SELECT event_id FROM opportunity_funnel_pending
                             ORDER BY event_id LIMIT max_rows)
        RETURNING event_id
    ), moved_rows AS (
        SELECT count(*) AS n FROM gone
    ), ins AS (
        INSERT INTO opportunity_funnel_days AS d
               (pipeline_id, department_id, day, kind, stage_id, lost_reason, count, amount)
        SELECT e.pipeline_id, e.department_id, (e.at AT TIME ZONE tz)::date, e.kind, e.stage_id,
               e.lost_reason, sum(e.count), sum(e.amount)
          FROM gone g JOIN opportunity_funnel_events e ON e.id = g.event_id
         GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (pipeline_id, department_id, day, kind, stage_id, lost_reason) DO UPDATE
           SET count = d.count + EXCLUDED.count, amount = d.amount + EXCLUDED.amount
    )
    SELECT n INTO moved FROM moved_rows;
    RETURN moved;
END $$;

-- The history written before: its events, in the order it was written.
DO $$
DECLARE
    c opportunity_stage_changes;
BEGIN
    FOR c IN SELECT * FROM opportunity_stage_changes ORDER BY id LOOP
        PERFORM opportunity_funnel_apply(c);
    END LOOP;
END $$;
