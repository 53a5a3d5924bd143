-- The event stream's feed (GET /api/v1/events/stream): one row per user and
-- event that names them as an owner, written by the gateway's consumers of
-- the services' events in the transaction that moves their offset (so each
-- event is written once). A row's id is what the stream sends as its SSE
-- id and what Last-Event-ID resumes after: the writers take the advisory
-- lock 'gw_feed' before inserting, so ids are given in commit order and a
-- reader that saw id n will never see a smaller one commit later. NOTIFY
-- gw_feed (payload: the user) tells every gateway instance there is more.
-- Rows older than CRM_SSE_KEEP_HOURS are pruned.
CREATE TABLE gw_feed (
    id         bigserial PRIMARY KEY,
    user_id    bigint      NOT NULL,
    type       text        NOT NULL,
    event      text        NOT NULL, -- the event as JSON (the API's wire form)
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gw_feed_user ON gw_feed (user_id, id);
CREATE INDEX gw_feed_created ON gw_feed (created_at);

CREATE FUNCTION gw_feed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gw_feed', NEW.user_id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER gw_feed_notify AFTER INSERT ON gw_feed
    FOR EACH ROW EXECUTE FUNCTION gw_feed_notify();
