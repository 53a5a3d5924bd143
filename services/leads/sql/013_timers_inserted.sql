-- The timers of new leads published by statement, not row by row: an
-- import of a hundred thousand leads writes their timer.set events in one
-- INSERT over the statement's new rows (a transition table): the next
-- follow-up time (sql/010) and, for a held lead of a pool with a rule, its
-- recycle and warning times (sql/012). Those files' insert triggers are
-- dropped here; their update triggers stay.
DROP TRIGGER leads_timers_insert ON leads;
DROP TRIGGER leads_recycle_timers_insert ON leads;

CREATE FUNCTION leads_timers_publish_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)
    SELECT gen_random_uuid(), 'timer.set', t.record, crm_timer_payload(t.record, t.entries)
      FROM (SELECT i.id, 0 AS part, i.id::text AS record,
                   CASE WHEN d.follow IS NOT NULL THEN crm_timer_entry('leads.remind', d.follow)
                        ELSE ''::bytea END
                || CASE WHEN d.recycle IS NOT NULL THEN crm_timer_entry('leads.recycle', d.recycle)
                        ELSE ''::bytea END AS entries,
                   d.follow IS NOT NULL OR d.recycle IS NOT NULL AS any
              FROM inserted i
              LEFT JOIN lead_pools p ON p.id = i.pool_id
             CROSS JOIN LATERAL (SELECT
                    leads_followup_due(i.owner_id, i.status, i.deleted_at, i.next_followup_at)
                        AS follow,
                    leads_recycle_due(i.owner_id, i.status, i.deleted_at, i.last_followup_at,
                                      i.owner_since, i.created_at, p.recycle_days) AS recycle) d
            UNION ALL
            SELECT i.id, 1, i.id || ':warn',
                   crm_timer_entry('leads.remind', w.at), w.at IS NOT NULL
              FROM inserted i
              JOIN lead_pools p ON p.id = i.pool_id
             CROSS JOIN LATERAL (SELECT leads_warn_due(leads_recycle_due(i.owner_id, i.status,
                    i.deleted_at, i.last_followup_at, i.owner_since, i.created_at,
                    p.recycle_days), p.warn_days) AS at) w) t
     WHERE t.any
     ORDER BY t.id, t.part;
    RETURN NULL;
END $$;

CREATE TRIGGER leads_timers_inserted AFTER INSERT ON leads
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION leads_timers_publish_inserted();
