-- The customers domain (customers issue): the customer's whole record, its
-- contacts (联系人), enterprises (企业), follow-ups with their method and
-- contact, team members (相关团队), history, and the configurable lists.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Enterprises come first: customers refer to them.
CREATE TABLE enterprises (
    id                 bigserial PRIMARY KEY,
    name               text        NOT NULL CHECK (name <> ''),
    industry           text        NOT NULL DEFAULT '',
    scale              text        NOT NULL DEFAULT '',
    company_type       text        NOT NULL DEFAULT '',
    registered_capital text        NOT NULL DEFAULT '',
    founded_on         date,
    registered_address text        NOT NULL DEFAULT '',
    office_address     text        NOT NULL DEFAULT '',
    profile            text        NOT NULL DEFAULT '',
    owner_id           bigint      NOT NULL,
    department_id      bigint      NOT NULL DEFAULT 0,
    creator_id         bigint      NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- One enterprise per name, whatever the case and surrounding spaces.
CREATE UNIQUE INDEX enterprises_name ON enterprises (lower(btrim(name)));
CREATE INDEX enterprises_owner ON enterprises (owner_id, created_at DESC, id DESC);
CREATE INDEX enterprises_created ON enterprises (created_at DESC, id DESC);
CREATE INDEX enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops);

-- The customer's whole record. last_followup_at now means a follow-up
-- (NULL: never); the time its owner got it is owner_since.
ALTER TABLE customers
    ADD COLUMN wechat                text        NOT NULL DEFAULT '',
    ADD COLUMN qq                    text        NOT NULL DEFAULT '',
    ADD COLUMN enterprise_id         bigint      REFERENCES enterprises (id),
    ADD COLUMN type                  smallint    NOT NULL DEFAULT 1 CHECK (type IN (1, 2)),
    ADD COLUMN tags                  text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN province              text        NOT NULL DEFAULT '',
    ADD COLUMN city                  text        NOT NULL DEFAULT '',
    ADD COLUMN district              text        NOT NULL DEFAULT '',
    ADD COLUMN address               text        NOT NULL DEFAULT '',
    ADD COLUMN remark                text        NOT NULL DEFAULT '',
    ADD COLUMN legal_representative  text        NOT NULL DEFAULT '',
    ADD COLUMN credit_code           text        NOT NULL DEFAULT '',
    ADD COLUMN bank                  text        NOT NULL DEFAULT '',
    ADD COLUMN bank_account          text        NOT NULL DEFAULT '',
    ADD COLUMN next_contact_at       timestamptz,
    ADD COLUMN creator_id            bigint      NOT NULL DEFAULT 0,
    ADD COLUMN deal_status           smallint    NOT NULL DEFAULT 1 CHECK (deal_status IN (1, 2)),
    ADD COLUMN dealt_at              timestamptz,
    ADD COLUMN locked                boolean     NOT NULL DEFAULT false,
    ADD COLUMN claim_count           integer     NOT NULL DEFAULT 0,
    ADD COLUMN last_followup_content text        NOT NULL DEFAULT '',
    ADD COLUMN completeness          smallint    NOT NULL DEFAULT 0,
    ADD COLUMN owner_since           timestamptz,
    ADD COLUMN previous_owner_id     bigint      NOT NULL DEFAULT 0,
    ADD COLUMN deleted_at            timestamptz;
UPDATE customers SET owner_since = last_followup_at WHERE owner_id <> 0;
ALTER TABLE customers ALTER COLUMN last_followup_at DROP NOT NULL,
    ALTER COLUMN last_followup_at DROP DEFAULT;
ALTER TABLE customers DROP COLUMN contact_name;

-- The lists: a view's scope is owner_id = ANY(...) (or the department), its
-- order one of the sorts; a time that may be unset sorts as ±infinity, as
-- the lists write it.
DROP INDEX customers_owner;
DROP INDEX customers_recycle;
CREATE INDEX customers_owner_created ON customers (owner_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_updated ON customers (owner_id, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_next ON customers
    (owner_id, COALESCE(next_contact_at, 'infinity'), id) WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_last ON customers
    (owner_id, COALESCE(last_followup_at, '-infinity'), id) WHERE deleted_at IS NULL;
CREATE INDEX customers_created ON customers (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_enterprise ON customers (enterprise_id) WHERE enterprise_id IS NOT NULL;
CREATE INDEX customers_recycle ON customers
    (pool_id, COALESCE(last_followup_at, owner_since, created_at))
    WHERE owner_id <> 0 AND deleted_at IS NULL;
-- Dedup (查重): by name (any case, spaces around) and by mobile.
CREATE INDEX customers_name ON customers (lower(btrim(name))) WHERE deleted_at IS NULL;
CREATE INDEX customers_mobile ON customers (mobile) WHERE mobile <> '' AND deleted_at IS NULL;
CREATE INDEX customers_telephone ON customers (telephone)
    WHERE telephone <> '' AND deleted_at IS NULL;
-- The keyword: name and company in one trigram index (the expression is
-- customers_list.c's CUSTOMERS_KEYWORD_TEXT).
CREATE INDEX customers_keyword_trgm ON customers
    USING gin ((name || E'\x1f' || company) gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX customers_tags ON customers USING gin (tags) WHERE deleted_at IS NULL;

-- Team members (相关团队): read or write access, optionally until a time.
CREATE TABLE customer_team (
    customer_id bigint      NOT NULL REFERENCES customers (id),
    user_id     bigint      NOT NULL,
    access      smallint    NOT NULL CHECK (access IN (1, 2)),
    expires_at  timestamptz,
    added_by    bigint      NOT NULL DEFAULT 0,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, user_id)
);
CREATE INDEX customer_team_user ON customer_team (user_id, customer_id);

-- Contacts (联系人): several per customer, at most one primary.
CREATE TABLE contacts (
    id          bigserial PRIMARY KEY,
    customer_id bigint      NOT NULL REFERENCES customers (id),
    name        text        NOT NULL CHECK (name <> ''),
    title       text        NOT NULL DEFAULT '',
    mobile      text        NOT NULL DEFAULT '',
    telephone   text        NOT NULL DEFAULT '',
    email       text        NOT NULL DEFAULT '',
    wechat      text        NOT NULL DEFAULT '',
    birthday    date,
    remark      text        NOT NULL DEFAULT '',
    is_primary  boolean     NOT NULL DEFAULT false,
    creator_id  bigint      NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX contacts_customer ON contacts (customer_id, is_primary DESC, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX contacts_one_primary ON contacts (customer_id)
    WHERE is_primary AND deleted_at IS NULL;
CREATE INDEX contacts_mobile ON contacts (mobile) WHERE mobile <> '' AND deleted_at IS NULL;
CREATE INDEX contacts_created ON contacts (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX contacts_name_trgm ON contacts USING gin (name gin_trgm_ops) WHERE deleted_at IS NULL;

-- Follow-ups: how, with whom, what next; those copied from a lead keep it.
ALTER TABLE customer_followups
    ADD COLUMN at              timestamptz,
    ADD COLUMN method          smallint    NOT NULL DEFAULT 6 CHECK (method BETWEEN 1 AND 7),
    ADD COLUMN contact_id      bigint      REFERENCES contacts (id),
    ADD COLUMN next_contact_at timestamptz,
    ADD COLUMN attachments     text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN lead_id         bigint;
UPDATE customer_followups SET at = created_at;
ALTER TABLE customer_followups ALTER COLUMN at SET NOT NULL;
DROP INDEX customer_followups_customer;
CREATE INDEX customer_followups_customer ON customer_followups (customer_id, at DESC, id DESC);

-- Everything that touched a customer or an enterprise, who and when.
CREATE TABLE customer_history (
    id            bigserial PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('customer', 'enterprise')),
    record_id     bigint      NOT NULL,
    action        text        NOT NULL,
    actor_id      bigint      NOT NULL DEFAULT 0,
    at            timestamptz NOT NULL DEFAULT now(),
    from_owner_id bigint      NOT NULL DEFAULT 0,
    to_owner_id   bigint      NOT NULL DEFAULT 0,
    reason        text        NOT NULL DEFAULT '',
    detail        text        NOT NULL DEFAULT ''
);
CREATE INDEX customer_history_record ON customer_history (kind, record_id, id DESC);

-- The configurable lists (level, industry, source).
CREATE TABLE customer_options (
    kind     text    NOT NULL CHECK (kind IN ('level', 'industry', 'source')),
    position integer NOT NULL,
    value    text    NOT NULL CHECK (value <> ''),
    PRIMARY KEY (kind, value)
);
INSERT INTO customer_options (kind, position, value) VALUES
    ('level', 1, 'A'), ('level', 2, 'B'), ('level', 3, 'C'),
    ('industry', 1, '仓储'), ('industry', 2, '花木'), ('industry', 3, '冶金'),
    ('industry', 4, '化工'), ('industry', 5, '纺织'), ('industry', 6, '金融'),
    ('industry', 7, '物流'), ('industry', 8, '教育'), ('industry', 9, '制造'),
    ('industry', 10, '互联网'), ('industry', 11, '其他'),
    ('source', 1, '个人资源'), ('source', 2, '广告'), ('source', 3, '转介绍'),
    ('source', 4, '公司资源'), ('source', 5, '电话咨询'), ('source', 6, '展会'),
    ('source', 7, '官网'), ('source', 8, '市场活动'), ('source', 9, '线索转化'),
    ('source', 10, '其他');
