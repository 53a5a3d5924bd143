-- The daily digest (每日摘要) and escalations (升级) in the notification
-- centre (notify/notify_digest.c, notify/notify_escalation.c).
--
-- A user's digest is one notification per business day (digest_day),
-- type 'digest', its event the merged document:
--   {"day": "2026-03-05", "today": 3, "recycling": 1, "overdue": 2,
--    "leads": {<lead.digest's payload>, "event_id": ..., "sequence": ...},
--    "customers": {<customer.digest's payload>, ...}}
-- each domain's part the latest digest event of that domain and day (by its
-- sequence in the producer's stream), the totals the sums of the parts.
ALTER TABLE gw_notifications ADD COLUMN digest_day date;
CREATE UNIQUE INDEX gw_notifications_digest ON gw_notifications (user_id, digest_day)
    WHERE digest_day IS NOT NULL;

-- doc with part as its section (a domain's digest), and the totals again.
CREATE FUNCTION gw_digest_put(doc jsonb, section text, part jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (SELECT x.d || t.totals
              FROM (SELECT doc || jsonb_build_object(section, part) AS d) x
             CROSS JOIN LATERAL (
                   SELECT jsonb_build_object(
                          'today', COALESCE(sum((e.v ->> 'today')::bigint), 0),
                          'recycling', COALESCE(sum((e.v ->> 'recycling')::bigint), 0),
                          'overdue', COALESCE(sum((e.v ->> 'overdue')::bigint), 0)) AS totals
                     FROM jsonb_each(x.d) e(k, v) WHERE jsonb_typeof(e.v) = 'object') t);

-- The digest's title, for people.
CREATE FUNCTION gw_digest_title(doc jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN format('每日摘要 %s：今日需联系 %s，即将回收 %s，已逾期 %s', doc ->> 'day',
                  doc ->> 'today', doc ->> 'recycling', doc ->> 'overdue');

-- part is a newer digest of its section than doc holds.
CREATE FUNCTION gw_digest_newer(doc jsonb, section text, part jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN COALESCE((doc -> section ->> 'sequence')::numeric < (part ->> 'sequence')::numeric,
                    true);

-- Does part say something else than doc's section (its counts or records,
-- not which event brought them)?
CREATE FUNCTION gw_digest_changes(doc jsonb, section text, part jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (doc -> section) - 'event_id' - 'sequence'
           IS DISTINCT FROM part - 'event_id' - 'sequence';
