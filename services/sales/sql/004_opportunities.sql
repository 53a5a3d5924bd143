-- Opportunities (商机): a customer of the read model (sql/002), a pipeline
-- and a stage (sql/003), product lines with their prices copied, the
-- stage changes with their feedback (the ground of the funnel), and
-- follow-ups.

CREATE TABLE opportunities (
    id                    bigserial   PRIMARY KEY,
    name                  text        NOT NULL CHECK (btrim(name) <> ''),
    customer_id           bigint      NOT NULL,
    contact_ids           bigint[]    NOT NULL DEFAULT '{}',
    -- minor units: the lines' total unless given (amount_given)
    amount                bigint      NOT NULL DEFAULT 0 CHECK (amount >= 0),
    amount_given          boolean     NOT NULL DEFAULT false,
    expected_close_on     date,
    pipeline_id           bigint      NOT NULL REFERENCES pipelines (id),
    stage_id              bigint      NOT NULL REFERENCES pipeline_stages (id),
    -- 1 open, 2 won, 3 lost, 4 invalid (OpportunityStatus)
    status                smallint    NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 4),
    win_probability       smallint    NOT NULL CHECK (win_probability BETWEEN 0 AND 100),
    lost_reason           text        NOT NULL DEFAULT '',
    source                text        NOT NULL DEFAULT '',
    lead_id               bigint,
    owner_id              bigint      NOT NULL,
    department_id         bigint      NOT NULL DEFAULT 0,
    team_member_ids       bigint[]    NOT NULL DEFAULT '{}',   -- read-write
    team_reader_ids       bigint[]    NOT NULL DEFAULT '{}',   -- read-only
    remark                text        NOT NULL DEFAULT '',
    last_followup_at      timestamptz,
    last_followup_content text        NOT NULL DEFAULT '',
    next_contact_at       timestamptz,
    creator_id            bigint      NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    stage_changed_at      timestamptz NOT NULL DEFAULT now(),
    closed_at             timestamptz,
    deleted_at            timestamptz
);
-- The lists: a view's scope is owner_id = ANY(...) (a few owners: each
-- one's first rows from these indexes, merged), its order one of the sorts;
-- an expected close date not set sorts as the largest day.
CREATE INDEX opportunities_owner_created ON opportunities (owner_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX opportunities_owner_updated ON opportunities (owner_id, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX opportunities_owner_close ON opportunities
    (owner_id, COALESCE(expected_close_on - DATE '1970-01-01', 2147483647), id)
    WHERE deleted_at IS NULL;
CREATE INDEX opportunities_owner_amount ON opportunities (owner_id, amount, id)
    WHERE deleted_at IS NULL;
CREATE INDEX opportunities_created ON opportunities (created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX opportunities_customer ON opportunities (customer_id) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_lead ON opportunities (lead_id) WHERE lead_id IS NOT NULL;
-- The open opportunities of a stage (a stage is removed only when it
-- holds none; the stage view).
CREATE INDEX opportunities_stage_open ON opportunities (pipeline_id, stage_id)
    WHERE status = 1 AND deleted_at IS NULL;
-- 我参与的: the team, both accesses.
CREATE INDEX opportunities_team ON opportunities
    USING gin ((team_member_ids || team_reader_ids)) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_name_trgm ON opportunities USING gin (name gin_trgm_ops)
    WHERE deleted_at IS NULL;

-- Product lines (产品明细): the product's name, code, unit and price as they
-- were when the line was written; the amount computed exactly.
CREATE TABLE opportunity_lines (
    opportunity_id bigint  NOT NULL REFERENCES opportunities (id),
    position       integer NOT NULL,
    product_id     bigint  NOT NULL REFERENCES products (id),
    product_name   text    NOT NULL,
    product_code   text    NOT NULL,
    unit           text    NOT NULL DEFAULT '',
    quantity       bigint  NOT NULL CHECK (quantity BETWEEN 1 AND 1000000000),
    unit_price     bigint  NOT NULL CHECK (unit_price BETWEEN 0 AND 10000000000000),
    discount_bp    integer NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
    amount         bigint  NOT NULL CHECK (amount BETWEEN 0 AND 1000000000000000),
    remark         text    NOT NULL DEFAULT '',
    PRIMARY KEY (opportunity_id, position)
);
CREATE INDEX opportunity_lines_product ON opportunity_lines (product_id);

-- Every stage change (阶段变更), the creation's entry into its first stage
-- included: from where to where, forward or back, the feedback, the lost
-- reason, the amount and probability then. The funnel and the forecast
-- are computed from these rows, so a past period reads the same tomorrow.
CREATE TABLE opportunity_stage_changes (
    id             bigserial   PRIMARY KEY,
    opportunity_id bigint      NOT NULL REFERENCES opportunities (id),
    pipeline_id    bigint      NOT NULL,
    from_stage_id  bigint,                 -- NULL: the creation
    to_stage_id    bigint      NOT NULL,
    from_status    smallint,               -- NULL: the creation
    to_status      smallint    NOT NULL,
    back           boolean     NOT NULL DEFAULT false,
    feedback       text        NOT NULL DEFAULT '[]',  -- [{"field", "value"}]
    note           text        NOT NULL DEFAULT '',
    lost_reason    text        NOT NULL DEFAULT '',
    amount         bigint      NOT NULL,
    probability    smallint    NOT NULL,
    owner_id       bigint      NOT NULL,
    department_id  bigint      NOT NULL DEFAULT 0,
    actor_id       bigint      NOT NULL DEFAULT 0,
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opportunity_stage_changes_opportunity ON opportunity_stage_changes
    (opportunity_id, id);
CREATE INDEX opportunity_stage_changes_at ON opportunity_stage_changes (pipeline_id, at);

-- Follow-ups (跟进记录).
CREATE TABLE opportunity_followups (
    id              bigserial   PRIMARY KEY,
    opportunity_id  bigint      NOT NULL REFERENCES opportunities (id),
    user_id         bigint      NOT NULL,
    at              timestamptz NOT NULL,
    content         text        NOT NULL,
    method          smallint    NOT NULL CHECK (method BETWEEN 1 AND 7),
    contact_id      bigint,
    next_contact_at timestamptz,
    attachments     text[]      NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opportunity_followups_opportunity ON opportunity_followups
    (opportunity_id, at DESC, id DESC);
