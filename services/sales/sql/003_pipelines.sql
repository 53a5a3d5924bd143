-- Stage pipelines (销售流程): each an ordered list of stages with a win
-- probability and the feedback fields a move on from it requires, and the
-- reasons a lost opportunity may give. 赢单 (won), 输单 (lost) and 无效
-- (invalid) are the ends every pipeline shares, not rows here.

CREATE TABLE pipelines (
    id           bigserial PRIMARY KEY,
    name         text        NOT NULL CHECK (btrim(name) <> ''),
    lost_reasons text[]      NOT NULL DEFAULT '{}',
    is_default   boolean     NOT NULL DEFAULT false,
    enabled      boolean     NOT NULL DEFAULT true,
    creator_id   bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (enabled OR NOT is_default)
);
CREATE UNIQUE INDEX pipelines_name ON pipelines (lower(btrim(name)));
-- One default (a change making another one the default unsets this one in
-- the same transaction).
CREATE UNIQUE INDEX pipelines_one_default ON pipelines (is_default) WHERE is_default;

-- A stage keeps its id for life: renamed, moved, its probability changed.
-- A stage an update leaves out is removed (removed_at), not deleted: the
-- opportunities and the stage history that name it keep their meaning.
CREATE TABLE pipeline_stages (
    id              bigserial   PRIMARY KEY,
    pipeline_id     bigint      NOT NULL REFERENCES pipelines (id),
    position        integer     NOT NULL CHECK (position >= 1),
    name            text        NOT NULL CHECK (btrim(name) <> ''),
    probability     smallint    NOT NULL CHECK (probability BETWEEN 0 AND 100),
    required_fields text[]      NOT NULL DEFAULT '{}',
    removed_at      timestamptz
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position)
    WHERE removed_at IS NULL;

-- The default pipeline (seed 002 3.2, the issue's stages).
INSERT INTO pipelines (name, lost_reasons, is_default)
    VALUES ('默认销售流程', '{价格因素,竞争对手,需求变化,预算不足,联系不上,其他}', true);
INSERT INTO pipeline_stages (pipeline_id, position, name, probability) VALUES
    (1, 1, '初步接洽', 10), (1, 2, '需求确认', 30), (1, 3, '方案制定', 50),
    (1, 4, '商务谈判', 70), (1, 5, '合同签订', 90);
