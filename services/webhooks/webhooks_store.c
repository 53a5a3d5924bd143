/* webhooks_store.c: the webhooks service's SQL: subscriptions, the events
 * taken from the producers, deliveries and their claims. */
#include "webhooks.h"

/* Does one of the patterns of text[] column `types` match event type `t`?
 * The same rule as wh_pattern_matches. */
#define WH_MATCH(types, t)                                                                         \
    "EXISTS (SELECT 1 FROM unnest(" types ") p WHERE p = '*' OR p = " t                            \
    " OR (right(p, 2) = '.*' AND starts_with(" t ", left(p, -1))))"

#define DELIVERY_COLUMNS                                                                           \
    "d.id, d.webhook_id, e.event_id, e.type AS event_type, e.producer, e.seq AS sequence,"         \
    " CASE WHEN d.delivered THEN 2 ELSE 1 END AS status, d.attempts, d.last_status_code,"          \
    " d.last_error, CASE WHEN d.delivered THEN 0 ELSE crm_us(d.next_attempt_at) END"               \
    " AS next_attempt_at_us, crm_us(d.delivered_at) AS delivered_at_us,"                           \
    " crm_us(d.created_at) AS created_at_us"

static void s_prepare_webhooks(crm_db_t *db)
{
    crm_db_prepare(db, "wh_insert",
                   "INSERT INTO webhooks (url, event_types, description, secret)"
                   " VALUES ($1, $2::text[], $3, $4) RETURNING secret, " WEBHOOK_COLUMNS);
    crm_db_prepare(db, "wh_get", "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1::bigint");
    /* NULL parameters keep their column. Resuming clears the failures and
     * makes the waiting deliveries due at once, in their order. */
    crm_db_prepare(db, "wh_update",
                   "WITH r AS (UPDATE webhook_deliveries SET next_attempt_at = now()"
                   "  WHERE webhook_id = $1::bigint AND NOT delivered AND $5::boolean = false)"
                   " UPDATE webhooks SET url = COALESCE($2, url),"
                   " event_types = COALESCE($3::text[], event_types),"
                   " description = COALESCE($4, description),"
                   " paused = COALESCE($5::boolean, paused),"
                   " failures = CASE WHEN $5::boolean = false THEN 0 ELSE failures END,"
                   " updated_at = now() WHERE id = $1::bigint RETURNING " WEBHOOK_COLUMNS);
    crm_db_prepare(db, "wh_delete",
                   "DELETE FROM webhooks WHERE id = $1::bigint RETURNING " WEBHOOK_COLUMNS);
}

static void s_prepare_deliveries(crm_db_t *db)
{
    /* Retry: a waiting delivery becomes due now; a delivered one is sent
     * again as a new delivery (after those waiting). Then the newest
     * delivery of that event for the subscription. */
    crm_db_prepare(
        db, "wh_retry",
        "WITH old AS (SELECT id, webhook_id, event_ref, delivered FROM webhook_deliveries"
        "  WHERE id = $2::bigint AND webhook_id = $1::bigint FOR UPDATE),"
        " due AS (UPDATE webhook_deliveries d SET next_attempt_at = now() FROM old"
        "  WHERE d.id = old.id AND NOT old.delivered RETURNING d.id)"
        " INSERT INTO webhook_deliveries (webhook_id, event_ref)"
        " SELECT webhook_id, event_ref FROM old WHERE old.delivered");
    crm_db_prepare(db, "wh_delivery_newest",
                   "SELECT " DELIVERY_COLUMNS " FROM webhook_deliveries d"
                   " JOIN webhook_events e ON e.id = d.event_ref WHERE d.webhook_id = $1::bigint"
                   " AND d.event_ref = (SELECT event_ref FROM webhook_deliveries"
                   "  WHERE id = $2::bigint AND webhook_id = $1::bigint)"
                   " ORDER BY d.id DESC LIMIT 1");
    crm_db_prepare(db, "wh_kept_from",
                   /* The oldest event kept, or, with none kept, the next to come. */
                   "SELECT coalesce((SELECT min(seq) FROM webhook_events WHERE producer = $1),"
                   " (SELECT coalesce(max(last_seq), 0) + 1 FROM crm_consumer_offsets"
                   " WHERE producer = $1))");
    crm_db_prepare(
        db, "wh_replay",
        "WITH i AS (INSERT INTO webhook_deliveries (webhook_id, event_ref)"
        " SELECT w.id, e.id FROM webhooks w JOIN webhook_events e"
        "  ON e.producer = $2 AND e.seq >= $3::bigint"
        " WHERE w.id = $1::bigint AND " WH_MATCH(
            "w.event_types", "e.type") " ORDER BY e.seq RETURNING 1) SELECT count(*) FROM i");
}

/* The consumer's one statement per event: the event, rendered once, and a
 * delivery for each subscription it matches (paused ones included). */
static void s_prepare_consumer(crm_db_t *db)
{
    crm_db_prepare(db, "wh_event",
                   "WITH e AS (INSERT INTO webhook_events (producer, seq, event_id, type, body)"
                   " VALUES ($1, $2::bigint, $3, $4, $5) ON CONFLICT (producer, seq) DO NOTHING"
                   " RETURNING id, type)"
                   " INSERT INTO webhook_deliveries (webhook_id, event_ref)"
                   " SELECT w.id, e.id FROM e JOIN webhooks w"
                   " ON " WH_MATCH("w.event_types", "e.type") " ORDER BY w.id");
}

/* The sender's: the claim of the next delivery of each subscription whose
 * turn it is (one in flight per subscription: the subscription's lease),
 * and the outcomes. */
static void s_prepare_sender(crm_db_t *db)
{
    crm_db_prepare(db, "wh_claim",
                   "WITH c AS (SELECT w.id FROM webhooks w"
                   "  WHERE NOT w.paused AND w.lease_until < now()"
                   "  AND (SELECT d.next_attempt_at FROM webhook_deliveries d"
                   "       WHERE d.webhook_id = w.id AND NOT d.delivered ORDER BY d.id LIMIT 1)"
                   "      <= now()"
                   "  ORDER BY w.id LIMIT $2::int FOR UPDATE SKIP LOCKED),"
                   " u AS (UPDATE webhooks w SET lease_until = now() + make_interval("
                   "  secs => $1::int / 1000.0), lease_token = $3::bigint FROM c"
                   "  WHERE w.id = c.id RETURNING w.id, w.url, w.secret)"
                   " SELECT u.id, u.url, u.secret, d.id, e.event_id, e.body FROM u"
                   " CROSS JOIN LATERAL (SELECT d.id, d.event_ref FROM webhook_deliveries d"
                   "  WHERE d.webhook_id = u.id AND NOT d.delivered ORDER BY d.id LIMIT 1) d"
                   " JOIN webhook_events e ON e.id = d.event_ref");
    crm_db_prepare(db, "wh_sent",
                   "WITH d AS (UPDATE webhook_deliveries SET delivered = true,"
                   "  delivered_at = now(), attempts = attempts + 1, last_status_code = $4::int,"
                   "  last_error = '' WHERE id = $2::bigint)"
                   " UPDATE webhooks SET failures = 0, lease_until = '-infinity'"
                   " WHERE id = $1::bigint AND lease_token = $3::bigint");
    /* Back-off: $6 ms doubled per attempt, at most $7 ms; $5 failures in a
     * row pause the subscription. */
    crm_db_prepare(db, "wh_failed",
                   "WITH d AS (UPDATE webhook_deliveries SET attempts = attempts + 1,"
                   "  last_status_code = $4::int, last_error = $8,"
                   "  next_attempt_at = now() + make_interval(secs => least($7::float8,"
                   "   $6::float8 * 2 ^ least(attempts, 30)) / 1000.0)"
                   "  WHERE id = $2::bigint AND NOT delivered)"
                   " UPDATE webhooks SET failures = failures + 1,"
                   " paused = paused OR failures + 1 >= $5::int, lease_until = '-infinity'"
                   " WHERE id = $1::bigint AND lease_token = $3::bigint RETURNING paused");
}

/* Pruning ($1 hours kept, $2 rows at most). */
static void s_prepare_prune(crm_db_t *db)
{
    crm_db_prepare(db, "wh_prune_deliveries",
                   "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries"
                   " WHERE delivered AND delivered_at < now() - make_interval(hours => $1::int)"
                   " LIMIT $2::int)");
    crm_db_prepare(db, "wh_prune_events",
                   "DELETE FROM webhook_events WHERE id IN (SELECT e.id FROM webhook_events e"
                   " WHERE e.created_at < now() - make_interval(hours => $1::int)"
                   " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_ref = e.id)"
                   " ORDER BY e.id LIMIT $2::int)");
}

void webhooks_store_prepare(crm_db_t *db)
{
    s_prepare_prune(db);
    s_prepare_webhooks(db);
    s_prepare_deliveries(db);
    s_prepare_consumer(db);
    s_prepare_sender(db);
}

const char *const webhooks_delivery_list_sql =
    "SELECT " DELIVERY_COLUMNS " FROM webhook_deliveries d JOIN webhook_events e"
    " ON e.id = d.event_ref WHERE d.webhook_id = ";
