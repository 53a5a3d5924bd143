-- Approval flows (审批流程): an admin configures, per document kind (1
-- order, 2 contract: ApprovalDocKind) and optionally per department (0: the
-- company's), an ordered list of levels, each naming who approves at it
-- (ApprovalLevel as JSON: a named user, the owner's supervisor, a role, or
-- the submitter's choice). A document's submission copies the flow's
-- levels, their approvers resolved, into approval_steps: a later edit of
-- the flow leaves the documents already in approval as they were.

CREATE TABLE approval_flows (
    id            bigserial   PRIMARY KEY,
    name          text        NOT NULL CHECK (btrim(name) <> ''),
    doc_kind      smallint    NOT NULL CHECK (doc_kind BETWEEN 1 AND 2),
    department_id bigint      NOT NULL DEFAULT 0,
    levels        jsonb       NOT NULL CHECK (jsonb_typeof(levels) = 'array'),
    creator_id    bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);
-- One live flow per kind and department.
CREATE UNIQUE INDEX approval_flows_scope ON approval_flows (doc_kind, department_id)
    WHERE deleted_at IS NULL;

-- The flow of a document of kind k in department dept: the one of dept or
-- of the nearest department above that has one, else the company's (0).
CREATE FUNCTION sales_approval_flow_for(k smallint, dept bigint) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT f.id FROM approval_flows f
              LEFT JOIN unnest(crm_org_path(dept)) WITH ORDINALITY AS p(dept, depth)
                     ON p.dept = f.department_id
             WHERE f.doc_kind = k AND f.deleted_at IS NULL
               AND (f.department_id = 0 OR p.dept IS NOT NULL)
             ORDER BY f.department_id = 0, p.depth LIMIT 1);

-- The levels of a document's last submission (ApprovalStep), one row per
-- level: who approves it (approver_id, or any holder of role but the
-- owner), where it stands (decision: 1 queued, 2 waiting, 3 approved, 4
-- rejected, 5 withdrawn: ApprovalDecision), who decided, the comment, when.
-- Written only under the document's row lock.
CREATE TABLE approval_steps (
    doc_kind    smallint    NOT NULL,
    doc_id      bigint      NOT NULL,
    level       smallint    NOT NULL CHECK (level >= 1),
    flow_id     bigint      NOT NULL DEFAULT 0,
    name        text        NOT NULL DEFAULT '',
    approver    smallint    NOT NULL CHECK (approver BETWEEN 1 AND 4),
    approver_id bigint      NOT NULL DEFAULT 0,
    role        text        NOT NULL DEFAULT '',
    decision    smallint    NOT NULL CHECK (decision BETWEEN 1 AND 5),
    decided_by  bigint      NOT NULL DEFAULT 0,
    comment     text        NOT NULL DEFAULT '',
    decided_at  timestamptz,
    PRIMARY KEY (doc_kind, doc_id, level)
);
-- 待我审批 of a role's holders: the levels waiting on a role.
CREATE INDEX approval_steps_role_waiting ON approval_steps (role, doc_kind, doc_id)
    WHERE decision = 2 AND role <> '';
-- A document waits on one level at most.
CREATE UNIQUE INDEX approval_steps_one_waiting ON approval_steps (doc_kind, doc_id)
    WHERE decision = 2;

-- A flow's history is the service's history (kind 'approval_flow'). The
-- kinds' check is widened as it stands, so the kinds other migrations
-- added to it stay.
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
     WHERE conrelid = 'sales_history'::regclass AND conname = 'sales_history_kind_check';
    ALTER TABLE sales_history DROP CONSTRAINT sales_history_kind_check;
    EXECUTE 'ALTER TABLE sales_history ADD CONSTRAINT sales_history_kind_check '
            || regexp_replace(def, '^CHECK \((.*)\)$', 'CHECK ((\1) OR kind = ''approval_flow'')');
END $$;
