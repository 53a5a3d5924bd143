-- The notification centre (通知待办): one row per user and event that
-- concerns them, made by the gateway's consumers of the services' events,
-- exactly once (the consumer's offset commits with the rows).
CREATE TABLE gw_notifications (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL,
    event_id     uuid        NOT NULL,
    type         text        NOT NULL,
    title        text        NOT NULL,
    aggregate_id text        NOT NULL DEFAULT '',
    event        text        NOT NULL, -- the event as JSON
    created_at   timestamptz NOT NULL DEFAULT now(),
    read_at      timestamptz,
    UNIQUE (event_id, user_id)
);
CREATE INDEX gw_notifications_user ON gw_notifications (user_id, id DESC);
CREATE INDEX gw_notifications_unread ON gw_notifications (user_id) WHERE read_at IS NULL;
