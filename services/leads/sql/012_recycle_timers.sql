-- A held lead's recycle time and the warning before it, published to the
-- scheduler as per-record timers (lib/sql/012) like its next follow-up time
-- (sql/010): leads.recycle fires at the minute a lead's pool rule takes it
-- back, and leads.remind at the minute it is warned (its record key
-- "<id>:warn", beside the follow-up timer "<id>"), not at their sweeps. The
-- times are what the sweeps compute (LEADS_RECYCLE_AT in leads.h: the last
-- follow-up, else the time its owner got it, else its creation, plus the
-- pool's recycle_days; the warning warn_days before), published when a
-- change to the lead or to its pool's rule moves them; the jobs find the
-- leads due by the same rule when they fire, so a time moved meanwhile
-- changes nothing.

-- When a lead is recycled (NULL: never: not held open, or its pool has no
-- rule).
CREATE FUNCTION leads_recycle_due(owner_id bigint, status smallint, deleted_at timestamptz,
                                  last_followup_at timestamptz, owner_since timestamptz,
                                  created_at timestamptz, recycle_days integer)
    RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN owner_id <> 0 AND status IN (2, 3) AND deleted_at IS NULL
                     AND recycle_days > 0
                THEN COALESCE(last_followup_at, owner_since, created_at)
                     + recycle_days * interval '1 day' END;

-- When it is warned (NULL: never).
CREATE FUNCTION leads_warn_due(recycle_at timestamptz, warn_days integer)
    RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN warn_days > 0 THEN recycle_at - warn_days * interval '1 day' END;

-- The timers of a lead whose recycle and warning times moved from (r0, w0)
-- to (r1, w1): nothing when neither moved.
CREATE FUNCTION leads_recycle_timers_publish(id bigint, r0 timestamptz, w0 timestamptz,
                                             r1 timestamptz, w1 timestamptz)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF r1 IS DISTINCT FROM r0 THEN
        PERFORM crm_timer_publish(id::text, crm_timer_entry('leads.recycle', r1));
    END IF;
    IF w1 IS DISTINCT FROM w0 THEN
        PERFORM crm_timer_publish(id || ':warn', crm_timer_entry('leads.remind', w1));
    END IF;
END $$;

CREATE FUNCTION leads_recycle_timers_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p0 lead_pools;
    p1 lead_pools;
    r0 timestamptz;
    r1 timestamptz;
BEGIN
    SELECT * INTO p1 FROM lead_pools WHERE id = NEW.pool_id;
    r1 := leads_recycle_due(NEW.owner_id, NEW.status, NEW.deleted_at, NEW.last_followup_at,
                            NEW.owner_since, NEW.created_at, p1.recycle_days);
    IF TG_OP = 'UPDATE' THEN
        IF OLD.pool_id IS NOT DISTINCT FROM NEW.pool_id THEN
            p0 := p1;
        ELSE
            SELECT * INTO p0 FROM lead_pools WHERE id = OLD.pool_id;
        END IF;
        r0 := leads_recycle_due(OLD.owner_id, OLD.status, OLD.deleted_at, OLD.last_followup_at,
                                OLD.owner_since, OLD.created_at, p0.recycle_days);
    END IF;
    PERFORM leads_recycle_timers_publish(NEW.id, r0, leads_warn_due(r0, p0.warn_days),
                                         r1, leads_warn_due(r1, p1.warn_days));
    RETURN NULL;
END $$;

CREATE TRIGGER leads_recycle_timers_insert AFTER INSERT ON leads FOR EACH ROW
    WHEN (NEW.owner_id <> 0 AND NEW.pool_id <> 0)
    EXECUTE FUNCTION leads_recycle_timers_keep();
CREATE TRIGGER leads_recycle_timers_update AFTER UPDATE ON leads FOR EACH ROW
    WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
          OR OLD.pool_id IS DISTINCT FROM NEW.pool_id
          OR OLD.last_followup_at IS DISTINCT FROM NEW.last_followup_at
          OR OLD.owner_since IS DISTINCT FROM NEW.owner_since
          OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION leads_recycle_timers_keep();

-- A pool's rule changed: its held leads' times move with it, in the same
-- transaction.
CREATE FUNCTION lead_pools_timers_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM leads_recycle_timers_publish(l.id, x.r0, leads_warn_due(x.r0, OLD.warn_days),
                                         x.r1, leads_warn_due(x.r1, NEW.warn_days))
       FROM leads l
      CROSS JOIN LATERAL (SELECT
            leads_recycle_due(l.owner_id, l.status, l.deleted_at, l.last_followup_at,
                              l.owner_since, l.created_at, OLD.recycle_days) AS r0,
            leads_recycle_due(l.owner_id, l.status, l.deleted_at, l.last_followup_at,
                              l.owner_since, l.created_at, NEW.recycle_days) AS r1) x
      WHERE l.pool_id = NEW.id AND l.owner_id <> 0 AND l.deleted_at IS NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER lead_pools_timers AFTER UPDATE ON lead_pools FOR EACH ROW
    WHEN (OLD.recycle_days IS DISTINCT FROM NEW.recycle_days
          OR OLD.warn_days IS DISTINCT FROM NEW.warn_days)
    EXECUTE FUNCTION lead_pools_timers_keep();

-- The times to come of the leads held now: published once (those already
-- past are the sweeps').
SELECT leads_recycle_timers_publish(l.id, NULL, NULL,
           CASE WHEN x.r > now() THEN x.r END,
           CASE WHEN leads_warn_due(x.r, p.warn_days) > now()
                THEN leads_warn_due(x.r, p.warn_days) END)
  FROM leads l JOIN lead_pools p ON p.id = l.pool_id
 CROSS JOIN LATERAL (SELECT leads_recycle_due(l.owner_id, l.status, l.deleted_at,
        l.last_followup_at, l.owner_since, l.created_at, p.recycle_days) AS r) x
 WHERE x.r > now();
