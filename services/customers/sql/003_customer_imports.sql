-- Customer imports (导入), on the kit's import pipeline (crm/import.h): the
-- import and its counters, and each applied chunk's results (so a chunk
-- sent again is answered from them and applied once). The same shape as
-- the leads' lead_imports and lead_import_chunks; a customer import has no
-- department target (the column stays 0).
CREATE TABLE customer_imports (
    id                   bigserial PRIMARY KEY,
    target_pool_id       bigint      NOT NULL DEFAULT 0,
    target_owner_id      bigint      NOT NULL DEFAULT 0,
    target_department_id bigint      NOT NULL DEFAULT 0,
    allow_duplicates     boolean     NOT NULL DEFAULT false,
    file_name            text        NOT NULL DEFAULT '',
    expected_rows        bigint      NOT NULL DEFAULT 0,
    rows                 bigint      NOT NULL DEFAULT 0,
    created              bigint      NOT NULL DEFAULT 0,
    duplicates           bigint      NOT NULL DEFAULT 0,
    invalid              bigint      NOT NULL DEFAULT 0,
    chunks               integer     NOT NULL DEFAULT 0,
    done                 boolean     NOT NULL DEFAULT false,
    cancelled            boolean     NOT NULL DEFAULT false,
    csv_header           text        NOT NULL DEFAULT '', -- the column mapping of chunk 1
    created_by           bigint      NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_imports_creator ON customer_imports (created_by, id DESC);
CREATE TABLE customer_import_chunks (
    import_id bigint  NOT NULL REFERENCES customer_imports (id),
    seq       integer NOT NULL,
    results   bytea   NOT NULL, -- the chunk's results (crm.ImportResults), encoded
    PRIMARY KEY (import_id, seq)
);
