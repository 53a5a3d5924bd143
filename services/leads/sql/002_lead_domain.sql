-- The lead domain: the lead's remaining fields, pools and their rules,
-- follow-ups, history, claims, imports and the configurable lists.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE leads
    ADD COLUMN wechat                text        NOT NULL DEFAULT '',
    ADD COLUMN qq                    text        NOT NULL DEFAULT '',
    ADD COLUMN tags                  text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN province              text        NOT NULL DEFAULT '',
    ADD COLUMN city                  text        NOT NULL DEFAULT '',
    ADD COLUMN district              text        NOT NULL DEFAULT '',
    ADD COLUMN address               text        NOT NULL DEFAULT '',
    ADD COLUMN next_followup_at      timestamptz,
    ADD COLUMN last_followup_at      timestamptz,
    ADD COLUMN last_followup_content text        NOT NULL DEFAULT '',
    ADD COLUMN pool_id               bigint      NOT NULL DEFAULT 0,
    ADD COLUMN previous_owner_id     bigint      NOT NULL DEFAULT 0,
    ADD COLUMN owner_since           timestamptz,
    ADD COLUMN pooled_at             timestamptz,
    ADD COLUMN deleted_at            timestamptz;

UPDATE leads SET owner_since = created_at WHERE owner_id <> 0;

-- Lists: every view is "a scope (owners) + a sort + keyset (sort key, id)".
DROP INDEX leads_owner;
CREATE INDEX leads_owner_created ON leads (owner_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX leads_created ON leads (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_status_created ON leads (status, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX leads_pool_created ON leads (pool_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND owner_id = 0;
CREATE INDEX leads_owner_next ON leads (owner_id, next_followup_at)
    WHERE deleted_at IS NULL AND next_followup_at IS NOT NULL;
CREATE INDEX leads_name_trgm ON leads USING gin (name gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX leads_tags ON leads USING gin (tags) WHERE deleted_at IS NULL;
CREATE INDEX leads_telephone ON leads (telephone) WHERE telephone <> '';
CREATE INDEX leads_name ON leads (name);
-- Recycling looks for owned, active leads of pools with a rule.
CREATE INDEX leads_recycle ON leads (pool_id, owner_id)
    WHERE deleted_at IS NULL AND owner_id <> 0 AND status IN (2, 3);

-- Pools (线索池) and their rules.
CREATE TABLE lead_pools (
    id                    bigserial PRIMARY KEY,
    name                  text        NOT NULL UNIQUE CHECK (name <> ''),
    description           text        NOT NULL DEFAULT '',
    admin_ids             bigint[]    NOT NULL DEFAULT '{}',
    member_user_ids       bigint[]    NOT NULL DEFAULT '{}',
    member_department_ids bigint[]    NOT NULL DEFAULT '{}',
    allow_claim           boolean     NOT NULL DEFAULT true,
    daily_claim_limit     integer     NOT NULL DEFAULT 0 CHECK (daily_claim_limit >= 0),
    holding_cap           integer     NOT NULL DEFAULT 0 CHECK (holding_cap >= 0),
    cooloff_days          integer     NOT NULL DEFAULT 0 CHECK (cooloff_days >= 0),
    recycle_days          integer     NOT NULL DEFAULT 0 CHECK (recycle_days >= 0),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Follow-ups (跟进记录).
CREATE TABLE lead_followups (
    id               bigserial PRIMARY KEY,
    lead_id          bigint      NOT NULL REFERENCES leads (id),
    user_id          bigint      NOT NULL,
    at               timestamptz NOT NULL,
    content          text        NOT NULL CHECK (content <> ''),
    method           smallint    NOT NULL CHECK (method BETWEEN 1 AND 6),
    next_followup_at timestamptz,
    attachments      text[]      NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_followups_lead ON lead_followups (lead_id, id DESC);

-- Everything that touched a lead, who and when.
CREATE TABLE lead_history (
    id            bigserial PRIMARY KEY,
    lead_id       bigint      NOT NULL,
    action        text        NOT NULL,
    actor_id      bigint      NOT NULL DEFAULT 0,
    at            timestamptz NOT NULL DEFAULT now(),
    from_owner_id bigint      NOT NULL DEFAULT 0,
    to_owner_id   bigint      NOT NULL DEFAULT 0,
    pool_id       bigint      NOT NULL DEFAULT 0,
    reason        text        NOT NULL DEFAULT '',
    detail        text        NOT NULL DEFAULT ''
);
CREATE INDEX lead_history_lead ON lead_history (lead_id, id DESC);

-- Claims, for the per-user daily limit.
CREATE TABLE lead_claims (
    user_id bigint      NOT NULL,
    pool_id bigint      NOT NULL,
    lead_id bigint      NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_claims_user ON lead_claims (user_id, pool_id, at);

-- Imports: the job and each applied chunk's results (so a chunk sent again
-- is not applied twice).
CREATE TABLE lead_imports (
    id                bigserial PRIMARY KEY,
    target_pool_id    bigint      NOT NULL DEFAULT 0,
    target_owner_id   bigint      NOT NULL DEFAULT 0,
    target_department_id bigint   NOT NULL DEFAULT 0,
    allow_duplicates  boolean     NOT NULL DEFAULT false,
    file_name         text        NOT NULL DEFAULT '',
    expected_rows     bigint      NOT NULL DEFAULT 0,
    rows              bigint      NOT NULL DEFAULT 0,
    created           bigint      NOT NULL DEFAULT 0,
    duplicates        bigint      NOT NULL DEFAULT 0,
    invalid           bigint      NOT NULL DEFAULT 0,
    chunks            integer     NOT NULL DEFAULT 0,
    done              boolean     NOT NULL DEFAULT false,
    csv_header        text        NOT NULL DEFAULT '', -- the CSV header of chunk 1
    created_by        bigint      NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE lead_import_chunks (
    import_id bigint  NOT NULL REFERENCES lead_imports (id),
    seq       integer NOT NULL,
    results   bytea   NOT NULL, -- the ImportChunkReply's results, encoded
    PRIMARY KEY (import_id, seq)
);

-- Configurable lists (数据字典).
CREATE TABLE lead_options (
    kind     text    NOT NULL CHECK (kind IN ('level', 'industry', 'source')),
    position integer NOT NULL,
    value    text    NOT NULL CHECK (value <> ''),
    PRIMARY KEY (kind, value)
);
INSERT INTO lead_options (kind, position, value) VALUES
    ('level', 1, '重点客户'), ('level', 2, '优质客户'), ('level', 3, '普通客户'),
    ('level', 4, '意向客户'),
    ('industry', 1, '仓储'), ('industry', 2, '花木'), ('industry', 3, '冶金'),
    ('industry', 4, '化工'), ('industry', 5, '纺织'), ('industry', 6, '金融'),
    ('industry', 7, '物流'), ('industry', 8, '教育'), ('industry', 9, '制造'),
    ('industry', 10, '互联网'), ('industry', 11, '其他'),
    ('source', 1, '个人资源'), ('source', 2, '广告'), ('source', 3, '转介绍'),
    ('source', 4, '公司资源'), ('source', 5, '电话咨询'), ('source', 6, '展会'),
    ('source', 7, '官网'), ('source', 8, '市场活动'), ('source', 9, '其他');
