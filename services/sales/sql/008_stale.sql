-- Stale opportunities (停滞商机): an open, owned opportunity whose stage has
-- not changed for the service's stale days (sales_settings.stale_days, set
-- from CRM_SALES_STALE_DAYS at each start; 0: never) is owed a reminder to
-- its owner (opportunity.stale, the job sales.stale), once per stage entry.
-- What it is owed lives in crm_pending (lib/sql/014, kind
-- "opportunity.stale"), and its due time is published to the scheduler as
-- a per-record timer (lib/sql/012) so the job fires at that minute; both
-- kept by the triggers below in the statement that moves the time (a stage
-- change, an end, a reopening, a transfer to nobody, a delete), and for
-- every open opportunity when the stale days change.
CREATE TABLE sales_settings (
    id         integer PRIMARY KEY CHECK (id = 1),
    stale_days integer NOT NULL DEFAULT 14 CHECK (stale_days BETWEEN 0 AND 3650)
);
INSERT INTO sales_settings (id) VALUES (1);

-- When an opportunity goes stale (NULL: never).
CREATE FUNCTION sales_stale_due(status smallint, owner_id bigint, deleted_at timestamptz,
                                stage_changed_at timestamptz, days integer)
    RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN status = 1 AND owner_id <> 0 AND deleted_at IS NULL AND days > 0
                THEN stage_changed_at + days * interval '1 day' END;

-- Owed and published: the new due time of opportunity id (NULL clears).
CREATE FUNCTION sales_stale_set(id bigint, due timestamptz) RETURNS void LANGUAGE sql AS $$
    SELECT crm_pending_set('opportunity.stale', id, due);
    SELECT crm_timer_publish(id::text, crm_timer_entry('sales.stale', due));
$$;

CREATE FUNCTION opportunities_stale_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    days integer := (SELECT stale_days FROM sales_settings);
    due timestamptz := sales_stale_due(NEW.status, NEW.owner_id, NEW.deleted_at,
                                       NEW.stage_changed_at, days);
BEGIN
    IF due IS DISTINCT FROM sales_stale_due(OLD.status, OLD.owner_id, OLD.deleted_at,
                                            OLD.stage_changed_at, days) THEN
        PERFORM sales_stale_set(NEW.id, due);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER opportunities_stale_update AFTER UPDATE ON opportunities FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
          OR OLD.stage_changed_at IS DISTINCT FROM NEW.stage_changed_at)
    EXECUTE FUNCTION opportunities_stale_update();

-- New opportunities by statement (an import, a conversion's batch).
CREATE FUNCTION opportunities_stale_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_stale_set(i.id, d.due)
       FROM inserted i
      CROSS JOIN LATERAL (SELECT sales_stale_due(i.status, i.owner_id, i.deleted_at,
              i.stage_changed_at, (SELECT stale_days FROM sales_settings)) AS due) d
      WHERE d.due IS NOT NULL
      ORDER BY i.id;
    RETURN NULL;
END $$;

CREATE TRIGGER opportunities_stale_inserted AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION opportunities_stale_inserted();

-- The stale days changed (a start with another CRM_SALES_STALE_DAYS):
-- every open opportunity's due time moves with them.
CREATE FUNCTION sales_settings_stale_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_stale_set(o.id, sales_stale_due(o.status, o.owner_id, o.deleted_at,
                                                  o.stage_changed_at, NEW.stale_days))
       FROM opportunities o
      WHERE o.status = 1 AND o.deleted_at IS NULL AND o.owner_id <> 0
      ORDER BY o.id;
    RETURN NULL;
END $$;

CREATE TRIGGER sales_settings_stale_changed AFTER UPDATE OF stale_days ON sales_settings
    FOR EACH ROW WHEN (OLD.stale_days IS DISTINCT FROM NEW.stale_days)
    EXECUTE FUNCTION sales_settings_stale_changed();

-- The open opportunities there already.
SELECT sales_stale_set(id, sales_stale_due(status, owner_id, deleted_at, stage_changed_at, 14))
  FROM opportunities WHERE status = 1 AND deleted_at IS NULL AND owner_id <> 0 ORDER BY id;
