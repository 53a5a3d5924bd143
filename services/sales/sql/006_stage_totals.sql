-- The stage view's counts and sums kept by the writes (docs/sales.md,
-- "Totals per stage"): the open opportunities (status 1, not deleted) per
-- (pipeline, stage, department, owner), so that a view in scope sums a few
-- rows per owner instead of reading every opportunity.
--
-- Writers never update a shared row: each statement on opportunities
-- appends its net change per key to opportunity_stage_deltas (a trigger on
-- the statement's transition tables, in the writer's transaction), and
-- opportunity_stage_fold() moves the deltas into opportunity_stage_totals
-- (the service calls it every second; one folder at a time). The exact
-- figure is always totals plus the deltas not yet folded
-- (opportunity_stage_sums), both read in one snapshot.

CREATE TABLE opportunity_stage_totals (
    owner_id      bigint NOT NULL,
    pipeline_id   bigint NOT NULL,
    stage_id      bigint NOT NULL,
    department_id bigint NOT NULL,
    count         bigint NOT NULL,
    amount        bigint NOT NULL,
    PRIMARY KEY (owner_id, pipeline_id, stage_id, department_id)
);

CREATE TABLE opportunity_stage_deltas (
    id            bigserial PRIMARY KEY,
    owner_id      bigint NOT NULL,
    pipeline_id   bigint NOT NULL,
    stage_id      bigint NOT NULL,
    department_id bigint NOT NULL,
    count         bigint NOT NULL,
    amount        bigint NOT NULL
);

-- What a view sums: the folded totals and the deltas since.
CREATE VIEW opportunity_stage_sums AS
    SELECT owner_id, pipeline_id, stage_id, department_id, count, amount
      FROM opportunity_stage_totals
    UNION ALL
    SELECT owner_id, pipeline_id, stage_id, department_id, count, amount
      FROM opportunity_stage_deltas;

-- The net change of one statement on opportunities: +1 and +amount per
-- open row after it, -1 and -amount per open row before it, per key; the
-- keys it leaves as they were write nothing.
CREATE FUNCTION opportunity_stage_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opportunity_stage_deltas
               (owner_id, pipeline_id, stage_id, department_id, count, amount)
        SELECT owner_id, pipeline_id, stage_id, department_id, count(*), sum(amount)
          FROM new_rows WHERE status = 1 AND deleted_at IS NULL
         GROUP BY 1, 2, 3, 4;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO opportunity_stage_deltas
               (owner_id, pipeline_id, stage_id, department_id, count, amount)
        SELECT owner_id, pipeline_id, stage_id, department_id, sum(n), sum(a)
          FROM (SELECT owner_id, pipeline_id, stage_id, department_id, 1 AS n, amount AS a
                  FROM new_rows WHERE status = 1 AND deleted_at IS NULL
                UNION ALL
                SELECT owner_id, pipeline_id, stage_id, department_id, -1, -amount
                  FROM old_rows WHERE status = 1 AND deleted_at IS NULL) d
         GROUP BY 1, 2, 3, 4
        HAVING sum(n) <> 0 OR sum(a) <> 0;
    ELSE
        INSERT INTO opportunity_stage_deltas
               (owner_id, pipeline_id, stage_id, department_id, count, amount)
        SELECT owner_id, pipeline_id, stage_id, department_id, -count(*), -sum(amount)
          FROM old_rows WHERE status = 1 AND deleted_at IS NULL
         GROUP BY 1, 2, 3, 4;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER opportunities_stage_insert AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opportunity_stage_delta();
CREATE TRIGGER opportunities_stage_update AFTER UPDATE ON opportunities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opportunity_stage_delta();
CREATE TRIGGER opportunities_stage_delete AFTER DELETE ON opportunities
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opportunity_stage_delta();

-- A TRUNCATE of the opportunities (a benchmark's fresh start) empties both.
CREATE FUNCTION opportunity_stage_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM opportunity_stage_deltas;
    DELETE FROM opportunity_stage_totals;
    RETURN NULL;
END $$;
CREATE TRIGGER opportunities_stage_truncate AFTER TRUNCATE ON opportunities
    FOR EACH STATEMENT EXECUTE FUNCTION opportunity_stage_truncate();

-- Moves up to max_rows of the oldest committed deltas into the totals, in
-- one transaction (so a reader sees them in one place or the other, never
-- both); the number of deltas moved, 0 when another folder holds the lock.
CREATE FUNCTION opportunity_stage_fold(max_rows integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('opportunity_stage_fold')) THEN
        RETURN 0;
    END IF;
    WITH gone AS (
        DELETE FROM opportunity_stage_deltas
         WHERE id IN (SELECT id FROM opportunity_stage_deltas ORDER BY id LIMIT max_rows)
        RETURNING owner_id, pipeline_id, stage_id, department_id, count, amount
    ), moved_rows AS (
        SELECT count(*) AS n FROM gone
    ), ins AS (
        INSERT INTO opportunity_stage_totals AS t
               (owner_id, pipeline_id, stage_id, department_id, count, amount)
        SELECT owner_id, pipeline_id, stage_id, department_id, sum(count), sum(amount)
          FROM gone GROUP BY 1, 2, 3, 4
        ON CONFLICT (owner_id, pipeline_id, stage_id, department_id) DO UPDATE
           SET count = t.count + EXCLUDED.count, amount = t.amount + EXCLUDED.amount
    )
    SELECT n INTO moved FROM moved_rows;
    RETURN moved;
END $$;

-- The opportunities already there.
INSERT INTO opportunity_stage_totals
       (owner_id, pipeline_id, stage_id, department_id, count, amount)
SELECT owner_id, pipeline_id, stage_id, department_id, count(*), sum(amount)
  FROM opportunities WHERE status = 1 AND deleted_at IS NULL
 GROUP BY 1, 2, 3, 4;

-- A manager's stage view pages each column over their people (each
-- owner's first rows of the stage, merged): an owner's open ones of a stage
-- newest first (the view's default sort), read from this index alone.
CREATE INDEX opportunities_owner_stage_open ON opportunities
    (owner_id, stage_id, created_at DESC, id DESC) WHERE status = 1 AND deleted_at IS NULL;
