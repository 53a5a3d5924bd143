-- A user's role (admin, manager, employee) in the organisation's read model
-- (crm/org.h), kept from user.* as the rest: a domain finds the manager of
-- someone's department (an order's approver by default) without asking the
-- gateway. Users not changed since keep '' until their next event or a
-- rebuild from the gateway's snapshot.
ALTER TABLE crm_org_users ADD COLUMN role text NOT NULL DEFAULT '';

-- The manager of user u's department, else of the nearest department above
-- that has one: the active users of role manager other than u, the lowest
-- id first (0: none).
CREATE FUNCTION crm_org_manager_of(u bigint) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT m.id FROM unnest(crm_org_path((SELECT department_id
                         FROM crm_org_users WHERE id = u))) WITH ORDINALITY AS p(dept, depth)
                       JOIN crm_org_users m ON m.department_id = p.dept AND m.role = 'manager'
                            AND m.active AND m.id <> u
                      ORDER BY p.depth, m.id LIMIT 1), 0);
