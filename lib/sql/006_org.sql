-- The organisation as a read model (crm/org.h): every service's own copy of
-- the gateway's users and departments, kept from the events user.* and
-- department.* (proto/org.proto) exactly once by the consumer of the
-- gateway's stream. Checks of the references a request makes read it in
-- the transaction of the change.
CREATE TABLE crm_org_departments (
    id        bigint  PRIMARY KEY,
    parent_id bigint  NOT NULL DEFAULT 0,  -- 0: a root
    active    boolean NOT NULL DEFAULT true
);

CREATE TABLE crm_org_users (
    id            bigint  PRIMARY KEY,
    department_id bigint  NOT NULL DEFAULT 0,
    active        boolean NOT NULL DEFAULT true
);

-- A department and its ancestors, nearest first (a cycle, which the gateway
-- refuses, would stop at 64 levels).
CREATE FUNCTION crm_org_path(dept bigint) RETURNS bigint[]
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (WITH RECURSIVE up(id, parent_id, depth) AS (
                SELECT id, parent_id, 1 FROM crm_org_departments WHERE id = dept
                UNION ALL
                SELECT d.id, d.parent_id, up.depth + 1 FROM crm_org_departments d
                  JOIN up ON d.id = up.parent_id WHERE up.depth < 64)
            SELECT coalesce(array_agg(id ORDER BY depth), '{}') FROM up);

-- The references a request makes (the request field naming each, its kind
-- 'user' or 'department', the id), in their order: whether each is known
-- and active, and a user's department (crm_org_read).
CREATE FUNCTION crm_org_refs(fields text[], kinds text[], ids bigint[])
    RETURNS TABLE (field text, kind text, id bigint, known boolean, active boolean,
                   department_id bigint)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.field, r.kind, r.id,
           CASE r.kind WHEN 'user' THEN u.id IS NOT NULL ELSE d.id IS NOT NULL END,
           coalesce(CASE r.kind WHEN 'user' THEN u.active ELSE d.active END, false),
           coalesce(u.department_id, 0)
      FROM unnest(fields, kinds, ids) WITH ORDINALITY AS r(field, kind, id, n)
      LEFT JOIN crm_org_users u ON r.kind = 'user' AND u.id = r.id
      LEFT JOIN crm_org_departments d ON r.kind = 'department' AND d.id = r.id
     ORDER BY r.n
$$;

-- The same as a guard inside a write (crm_org_require): the first unknown
-- or deactivated reference fails the statement as invalid_argument
-- (SQLSTATE 22023) with its field as the constraint name.
CREATE FUNCTION crm_org_require(fields text[], kinds text[], ids bigint[]) RETURNS void
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    bad record;
BEGIN
    SELECT * INTO bad FROM crm_org_refs(fields, kinds, ids) r WHERE NOT r.active LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '22023', CONSTRAINT = bad.field,
            MESSAGE = format('%s %s %s', bad.kind, bad.id,
                             CASE WHEN bad.known THEN 'is deactivated' ELSE 'does not exist' END);
    END IF;
END $$;
