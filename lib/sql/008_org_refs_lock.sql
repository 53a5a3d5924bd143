-- A change's references hold the users and departments they name until the
-- change commits, and read them as they are once any change to them has
-- committed. Without this a lead could be given to a user in the moment the
-- user is deactivated and handed over: the change read "active" before the
-- deactivation committed, and committed after the handover had moved the
-- user's records. Now a change takes a shared advisory lock per reference
-- before it reads them (crm_org_refs below), and the consumer applying
-- a user.* or department.* event takes the exclusive one first
-- (crm_org_hold): it waits for such a change, and its handover, a later
-- statement, sees the record; a change that starts after waits for the
-- deactivation, reads it, and is refused.
--
-- Advisory locks, not FOR SHARE on the rows: a row lock writes the row (and
-- a multixact when many changes name one user at once, as a busy owner's
-- creates do); an advisory lock stays in memory. The two-key form keeps
-- these apart from the single-key locks of the rest of the suite. A user
-- and a department whose ids agree in their low 31 bits share a lock: a
-- wait, never a wrong answer.
CREATE FUNCTION crm_org_lock_key(kind text) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE kind WHEN 'user' THEN 1330795861 ELSE 1330791524 END;

CREATE FUNCTION crm_org_hold(kind text, ref bigint) RETURNS void
    LANGUAGE sql VOLATILE
    RETURN pg_advisory_xact_lock(crm_org_lock_key(kind), (ref & 2147483647)::int);

-- A change's check (lib/src/org.c): the shared lock of each reference, in a
-- fixed order so two changes never wait for each other, then, in a later
-- statement that sees what committed while it waited, one row per
-- reference. plpgsql with generic plans: a SQL function over the request's
-- arrays was planned anew on every call (the planner prices a plan for
-- three references below one for an unknown number), a fifth of the
-- database's time in a lead create.
CREATE OR REPLACE FUNCTION crm_org_refs(fields text[], kinds text[], ids bigint[])
    RETURNS TABLE (field text, kind text, id bigint, known boolean, active boolean,
                   department_id bigint)
    LANGUAGE plpgsql VOLATILE
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    ref record;
BEGIN
    FOR ref IN SELECT DISTINCT x.k, x.i FROM unnest(kinds, ids) AS x(k, i) ORDER BY x.k, x.i LOOP
        PERFORM pg_advisory_xact_lock_shared(crm_org_lock_key(ref.k), (ref.i & 2147483647)::int);
    END LOOP;
    RETURN QUERY
    SELECT r.field, r.kind, r.id,
           CASE r.kind WHEN 'user' THEN u.id IS NOT NULL ELSE d.id IS NOT NULL END,
           coalesce(CASE r.kind WHEN 'user' THEN u.active ELSE d.active END, false),
           coalesce(u.department_id, 0::bigint)
      FROM unnest(fields, kinds, ids) WITH ORDINALITY AS r(field, kind, id, n)
      -- Lateral lookups kept apart from the join (OFFSET 0): one
      -- primary-key probe per reference, where a generic plan would hash
      -- the whole table for a handful of ids.
      LEFT JOIN LATERAL (SELECT cu.id, cu.active, cu.department_id FROM crm_org_users cu
                          WHERE r.kind = 'user' AND cu.id = r.id OFFSET 0) u ON true
      LEFT JOIN LATERAL (SELECT cd.id, cd.active FROM crm_org_departments cd
                          WHERE r.kind = 'department' AND cd.id = r.id OFFSET 0) d ON true
     ORDER BY r.n;
END $$;

-- The guard calls it, so it locks too.
ALTER FUNCTION crm_org_require(text[], text[], bigint[]) VOLATILE;
