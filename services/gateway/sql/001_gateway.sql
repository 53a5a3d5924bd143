-- The gateway's own data: the organisation (departments as a tree, users
-- with a role) and the tokens that sign requests in (sessions and API
-- tokens, stored as hashes only). Constraint names are the request fields
-- they guard, so a violation reports the field at fault.
CREATE TABLE departments (
    id         bigserial   PRIMARY KEY,
    name       text        NOT NULL CONSTRAINT name CHECK (name <> ''),
    parent_id  bigint      CONSTRAINT parent_id REFERENCES departments (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX departments_parent ON departments (parent_id);

CREATE TABLE users (
    id                   bigserial   PRIMARY KEY,
    username             text        NOT NULL CONSTRAINT username UNIQUE,
    password_hash        text        NOT NULL,  -- argon2id, libsodium's crypto_pwhash_str
    display_name         text        NOT NULL DEFAULT '',
    department_id        bigint      NOT NULL CONSTRAINT department_id REFERENCES departments (id),
    role                 text        NOT NULL CONSTRAINT role
                                     CHECK (role IN ('admin', 'manager', 'employee')),
    must_change_password boolean     NOT NULL DEFAULT false,
    active               boolean     NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_department ON users (department_id);

-- kind 'session': from a login, expires; kind 'api': an integration's token,
-- with a name and a scope ('read': GET only, 'write': everything its user may).
CREATE TABLE tokens (
    id         bigserial   PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('session', 'api')),
    token_hash text        NOT NULL UNIQUE,  -- hex BLAKE2b of the token
    user_id    bigint      NOT NULL CONSTRAINT user_id REFERENCES users (id),
    name       text        NOT NULL DEFAULT '',
    scope      text        NOT NULL DEFAULT 'write' CONSTRAINT scope CHECK (scope IN ('read', 'write')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,                  -- NULL: never (API tokens)
    revoked_at timestamptz
);
CREATE INDEX tokens_user ON tokens (user_id) WHERE revoked_at IS NULL;

-- A time as RFC 3339 in UTC ("2026-01-02T03:04:05Z"), the API's form.
CREATE FUNCTION gw_time(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
