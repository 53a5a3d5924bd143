-- Stale days per pipeline (sql/008's stale opportunities): a pipeline may
-- carry its own (0: never; NULL: the service's, sales_settings.stale_days
-- from CRM_SALES_STALE_DAYS). An opportunity's due time takes its
-- pipeline's; a change of a pipeline's days moves the due time of each of
-- its open opportunities, a change of the service's those of the pipelines
-- without their own, in the statement that changes them.
ALTER TABLE pipelines ADD COLUMN stale_days integer CHECK (stale_days BETWEEN 0 AND 3650);

-- The stale days of pipeline id: its own, else the service's.
CREATE FUNCTION sales_stale_days(id bigint) RETURNS integer LANGUAGE sql STABLE
    RETURN COALESCE((SELECT p.stale_days FROM pipelines p WHERE p.id = sales_stale_days.id),
                    (SELECT s.stale_days FROM sales_settings s));

-- sql/008's triggers, each taking its opportunity's pipeline's days.
CREATE OR REPLACE FUNCTION opportunities_stale_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_stale_set(NEW.id, d.now_due)
       FROM (SELECT sales_stale_due(NEW.status, NEW.owner_id, NEW.deleted_at,
                                    NEW.stage_changed_at, k.days) AS now_due,
                    sales_stale_due(OLD.status, OLD.owner_id, OLD.deleted_at,
                                    OLD.stage_changed_at, k.days) AS was_due
               FROM (SELECT sales_stale_days(NEW.pipeline_id) AS days) k) d
      WHERE d.now_due IS DISTINCT FROM d.was_due;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION opportunities_stale_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_stale_set(i.id, d.due)
       FROM inserted i
      CROSS JOIN LATERAL (SELECT sales_stale_due(i.status, i.owner_id, i.deleted_at,
              i.stage_changed_at, sales_stale_days(i.pipeline_id)) AS due) d
      WHERE d.due IS NOT NULL
      ORDER BY i.id;
    RETURN NULL;
END $$;

-- The open opportunities of the pipelines days applies to (pipeline: one;
-- NULL: those without their own) owe their reminder at the new time.
CREATE FUNCTION sales_stale_reset(pipeline bigint, days integer) RETURNS void
LANGUAGE sql AS $$
    SELECT sales_stale_set(o.id, sales_stale_due(o.status, o.owner_id, o.deleted_at,
                                                 o.stage_changed_at, days))
      FROM opportunities o JOIN pipelines p ON p.id = o.pipeline_id
     WHERE o.status = 1 AND o.deleted_at IS NULL AND o.owner_id <> 0
       AND (p.id = pipeline OR (pipeline IS NULL AND p.stale_days IS NULL))
     ORDER BY o.id;
$$;

CREATE OR REPLACE FUNCTION sales_settings_stale_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_stale_reset(NULL, NEW.stale_days);
    RETURN NULL;
END $$;

CREATE FUNCTION pipelines_stale_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_stale_reset(NEW.id, sales_stale_days(NEW.id));
    RETURN NULL;
END $$;

CREATE TRIGGER pipelines_stale_changed AFTER UPDATE OF stale_days ON pipelines
    FOR EACH ROW WHEN (OLD.stale_days IS DISTINCT FROM NEW.stale_days)
    EXECUTE FUNCTION pipelines_stale_changed();
