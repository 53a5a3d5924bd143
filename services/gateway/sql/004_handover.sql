-- Handover when someone leaves (离职交接, identity_handover.c): who an
-- admin named to take over a deactivated user's records (one person, and
-- per domain), and each domain's progress as its handover.progressed
-- events report it (consumed exactly once with the consumer's offset).
CREATE TABLE gw_handovers (
    user_id           bigint      PRIMARY KEY,
    successor_id      bigint      NOT NULL DEFAULT 0,
    successor_domains text[]      NOT NULL DEFAULT '{}',  -- with successor_ids: per domain
    successor_ids     bigint[]    NOT NULL DEFAULT '{}',
    requested_by      bigint      NOT NULL DEFAULT 0,
    requested_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gw_handover_domains (
    user_id      bigint      NOT NULL,
    domain       text        NOT NULL,
    successor_id bigint      NOT NULL,
    state        text        NOT NULL,
    moved        bigint      NOT NULL,
    total        bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, domain)
);
