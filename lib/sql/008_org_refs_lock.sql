-- A change's references hold the users and departments they name until the
-- change commits (FOR SHARE), and read them as they are once any change to
-- them has committed. Without the lock a lead could be given to a user in
-- the moment the user is deactivated and handed over: the change read
-- "active" before the deactivation committed, and committed after the
-- handover had moved the user's records. With it, the consumer applying
-- user.deactivated (an UPDATE of the row) waits for such a change, and its
-- handover, a later statement, sees the record; a change that starts after
-- waits for the deactivation and is refused.
--
-- The values come from the locked rows themselves: after waiting for a lock
-- PostgreSQL returns the row's newest version, where a second scan in the
-- same statement would still read the statement's older snapshot.
CREATE OR REPLACE FUNCTION crm_org_refs(fields text[], kinds text[], ids bigint[])
    RETURNS TABLE (field text, kind text, id bigint, known boolean, active boolean,
                   department_id bigint)
    LANGUAGE sql VOLATILE AS $$
    WITH r AS MATERIALIZED (
        SELECT f AS field, k AS kind, i AS id, n
          FROM unnest(fields, kinds, ids) WITH ORDINALITY AS x(f, k, i, n)),
    u AS MATERIALIZED (
        SELECT cu.id, cu.department_id, cu.active FROM crm_org_users cu
         WHERE cu.id IN (SELECT r.id FROM r WHERE r.kind = 'user')
         ORDER BY cu.id FOR SHARE),
    d AS MATERIALIZED (
        SELECT cd.id, cd.active FROM crm_org_departments cd
         WHERE cd.id IN (SELECT r.id FROM r WHERE r.kind = 'department')
         ORDER BY cd.id FOR SHARE)
    SELECT r.field, r.kind, r.id,
           CASE r.kind WHEN 'user' THEN u.id IS NOT NULL ELSE d.id IS NOT NULL END,
           coalesce(CASE r.kind WHEN 'user' THEN u.active ELSE d.active END, false),
           coalesce(u.department_id, 0)
      FROM r
      LEFT JOIN u ON r.kind = 'user' AND u.id = r.id
      LEFT JOIN d ON r.kind = 'department' AND d.id = r.id
     ORDER BY r.n
$$;

-- The guard calls it, so it locks too.
ALTER FUNCTION crm_org_require(text[], text[], bigint[]) VOLATILE;
