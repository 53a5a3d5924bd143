-- Leads (线索): the walking skeleton's table. The lead domain issue adds
-- pools, follow-ups and history in later migrations.
CREATE TABLE leads (
    id            bigserial PRIMARY KEY,
    name          text        NOT NULL CHECK (name <> ''),
    mobile        text        NOT NULL DEFAULT '',  -- normalised: 11 digits
    telephone     text        NOT NULL DEFAULT '',
    email         text        NOT NULL DEFAULT '',
    company       text        NOT NULL DEFAULT '',
    source        text        NOT NULL DEFAULT '',
    level         text        NOT NULL DEFAULT '',
    industry      text        NOT NULL DEFAULT '',
    remark        text        NOT NULL DEFAULT '',
    owner_id      bigint      NOT NULL DEFAULT 0,   -- 0: in a pool
    department_id bigint      NOT NULL DEFAULT 0,
    creator_id    bigint      NOT NULL DEFAULT 0,
    -- crm.leads.LeadStatus: 1 unassigned, 2 pending, 3 following,
    -- 4 invalid, 5 converted, 6 voided
    status        smallint    NOT NULL CHECK (status BETWEEN 1 AND 6),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    converted_at  timestamptz
);
CREATE INDEX leads_mobile ON leads (mobile) WHERE mobile <> '';
CREATE INDEX leads_owner ON leads (owner_id, id);
