-- The organisation's guard (crm_org_require) names every field at fault,
-- as a change's read of its references does (crm_org_check): one error per
-- field, its first unknown or deactivated reference, in the order named.
-- PostgreSQL carries one error per statement, so the guard raises one
-- (SQLSTATE 22023, invalid_argument) naming the first field as its
-- constraint with the first's message, and lists each further field in its
-- detail, one line "field: message" per field (lib/src/rpc_db.c reads them
-- back into the reply's further fields at fault).
CREATE OR REPLACE FUNCTION crm_org_require(fields text[], kinds text[], ids bigint[]) RETURNS void
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    bad text[];
    said text[];
BEGIN
    SELECT array_agg(b.field ORDER BY b.n),
           array_agg(format('%s %s %s', b.kind, b.id,
                            CASE WHEN b.known THEN 'is deactivated' ELSE 'does not exist' END)
                     ORDER BY b.n)
      INTO bad, said
      FROM (SELECT DISTINCT ON (r.field) r.field, r.kind, r.id, r.known, r.n
              FROM crm_org_refs(fields, kinds, ids)
                   WITH ORDINALITY AS r(field, kind, id, known, active, department_id, n)
             WHERE NOT r.active
             ORDER BY r.field, r.n) b;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023', CONSTRAINT = bad[1], MESSAGE = said[1],
            DETAIL = coalesce((SELECT string_agg(bad[i] || ': ' || said[i], E'\n' ORDER BY i)
                                 FROM generate_subscripts(bad, 1) i WHERE i > 1), '');
    END IF;
END $$;
