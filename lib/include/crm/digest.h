/* digest.h: the daily digest (每日摘要) a domain service sends each owner of
 * its records: what to contact today, what is about to be recycled, what is
 * overdue. A daily job of the owning service (crm/job.h) writes one event
 * per owner with anything in it, in the job's transaction: exactly once per
 * firing. The gateway merges the domains' digests of a user and day into one
 * notification.
 *
 * A domain gives its three sections as SQL, composed into one statement at
 * compile time: each a SELECT of id, name and at (the time that puts the
 * record in the section) of the records of owner u.id, over the bounds of
 * d: d.day_start and d.day_end (today in the business time zone, CRM_TZ)
 * and d.horizon (now plus the recycle days).
 *
 *     static crm_digest_t s_digest = {
 *         .event = "customer.digest",
 *         .sql = CRM_DIGEST_SQL(TODAY_SQL, RECYCLING_SQL, OVERDUE_SQL)};
 *     crm_digest_declare(svc, "customers.digest", &s_digest);
 *
 * The statement reads the active users of the service's read model of the
 * organisation (crm/org.h, crm_org_users) a page at a time and, for each,
 * every section along the domain's per-owner indexes: counted whole, its
 * first CRM_DIGEST_TOP listed earliest first. A user with all three
 * sections empty gets no event. */
#ifndef CRM_DIGEST_H
#define CRM_DIGEST_H

#include "job.h"
#include "service.h"

/* How many records each section of a digest lists. */
#define CRM_DIGEST_TOP 20
#define CRM_DIGEST_TOP_SQL "20"

/* One section over its records (items, as above): n its count, items the
 * first CRM_DIGEST_TOP as a JSON array of {"id", "name", "at_us"}. */
#define CRM_DIGEST_SECTION_SQL(items)                                                              \
    "LATERAL (SELECT count(*) AS n, COALESCE(json_agg(json_build_object('id', x.id, 'name',"       \
    " x.name, 'at_us', crm_us(x.at)) ORDER BY x.at, x.id) FILTER (WHERE x.rn "                     \
    "<= " CRM_DIGEST_TOP_SQL                                                                       \
    "), '[]') AS items FROM (SELECT q.id, q.name, q.at, row_number() OVER"                         \
    " (ORDER BY q.at, q.id) AS rn FROM (" items ") q) x)"

/* The page statement of a domain's digest: $1 the business time zone, $2
 * the recycle days, $3 the page size (users), $4 the last user of the
 * page before (NULL on the first: crm_tx_pages_after). One row per user:
 * owner_id, day (the business day, YYYY-MM-DD), and each section's count
 * and items (today, today_items, recycling, ..., overdue_items). */
#define CRM_DIGEST_SQL(today, recycling, overdue)                                                  \
    "WITH d AS (SELECT date_trunc('day', now() AT TIME ZONE $1::text) AT TIME ZONE $1::text"       \
    "   AS day_start, (date_trunc('day', now() AT TIME ZONE $1::text) + interval '1 day')"         \
    "   AT TIME ZONE $1::text AS day_end, now() + $2::int * interval '1 day' AS horizon,"          \
    "   to_char(now() AT TIME ZONE $1::text, 'YYYY-MM-DD') AS day),"                               \
    " u AS (SELECT id FROM crm_org_users WHERE active"                                             \
    "   AND ($4::bigint IS NULL OR id > $4::bigint) ORDER BY id LIMIT $3::int)"                    \
    " SELECT u.id AS owner_id, d.day, t.n AS today, t.items AS today_items,"                       \
    " r.n AS recycling, r.items AS recycling_items, o.n AS overdue, o.items AS overdue_items"      \
    " FROM d CROSS JOIN u CROSS JOIN " CRM_DIGEST_SECTION_SQL(                                     \
        today) " t CROSS JOIN " CRM_DIGEST_SECTION_SQL(recycling) " r CROSS "                      \
                                                                  "JOIN " CRM_DIGEST_SECTION_SQL(  \
                                                                      overdue) " o"                \
                                                                               " ORDER BY u.id"

/* A domain's digest. The domain sets event and sql; crm_digest_declare
 * the rest. It must outlive the process. */
typedef struct {
    const char *event; /* the event type, "customer.digest" (crm.events.OwnerDigest) */
    const char *sql;   /* CRM_DIGEST_SQL(...) */
    const char *tz;    /* the business time zone */
    int recycle_days;  /* how far ahead "about to be recycled" looks */
} crm_digest_t;

/* Declares job (a literal) on svc: daily at CRM_<SVC>_DIGEST_AT (HH:MM in
 * the business time zone, default 08:30), recycling looking
 * CRM_<SVC>_DIGEST_RECYCLE_DAYS ahead (1..365, default 3). A malformed
 * value stops the process at start (status 2), as crm/config.h does. Call
 * before the loop runs. */
void crm_digest_declare(crm_service_t *svc, const char *job, crm_digest_t *d);

#endif
