/* notify_digest.c: the daily digest (每日摘要) in the notification centre.
 * The leads and customers services each send an owner's digest of the day
 * (lead.digest, customer.digest: crm.events.OwnerDigest); the gateway keeps
 * ONE notification per user and business day (type "digest"), the domains'
 * parts merged into it as they arrive, with their totals and a title from
 * them (sql/006_digest_escalation.sql). A domain's part is replaced only by
 * a later event of its producer's stream (a higher sequence), so an event
 * applied again, or an older one, changes nothing; a later digest of the
 * same day (the job fired again) refreshes its part, and makes the
 * notification unread again only when it says something new. The event
 * stream carries each digest event to its owner as any other
 * (notify_feed.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"
#include "notify_impl.h"

void ntf_digest_prepare(crm_db_t *db)
{
    /* $1 the user, $2 the event, $3 the day, $4 the section ("leads",
     * "customers"),
     * $5 the part (the payload with event_id and sequence). */
    crm_db_prepare(db, "gw_digest_merge",
                   "INSERT INTO gw_notifications AS n (user_id, event_id, type, title,"
                   " aggregate_id, event, digest_day)"
                   " SELECT $1::bigint, $2::uuid, 'digest', gw_digest_title(x.doc), $3::text,"
                   " x.doc::text, $3::date FROM (SELECT gw_digest_put(jsonb_build_object('day',"
                   " $3::text), $4::text, $5::jsonb) AS doc) x"
                   " ON CONFLICT (user_id, digest_day) WHERE digest_day IS NOT NULL DO UPDATE"
                   " SET event = gw_digest_put(n.event::jsonb, $4::text, $5::jsonb)::text,"
                   " title = gw_digest_title(gw_digest_put(n.event::jsonb, $4::text, $5::jsonb)),"
                   " read_at = CASE WHEN gw_digest_changes(n.event::jsonb, $4::text, $5::jsonb)"
                   " THEN NULL ELSE n.read_at END"
                   " WHERE gw_digest_newer(n.event::jsonb, $4::text, $5::jsonb)");
}

/* The part of the digest event of type fills, or NULL when type is not a
 * digest. */
static const char *s_section(const char *type)
{
    if (!strcmp(type, "lead.digest"))
        return "leads";
    if (!strcmp(type, "customer.digest"))
        return "customers";
    return NULL;
}

/* Is day a date, YYYY-MM-DD (so the statement's cast cannot fail)? */
static int s_is_date(const char *day)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!day || strlen(day) != 10)
        return 0;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? day[i] != '-' : !isdigit((unsigned char)day[i]))
            return 0;
    int y = atoi(day), m = atoi(day + 5), d = atoi(day + 8);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m != 2 || d <= 28 || leap;
}

void ntf_digest_add(crm_db_batch_t *b, const Crm__Event *ev, json_t *j, int *locked)
{
    const char *section = s_section(ev->type);
    if (!section)
        return;
    json_t *payload = json_object_get(j, "payload");
    json_int_t user = json_integer_value(json_object_get(payload, "owner_id"));
    const char *day = json_string_value(json_object_get(payload, "day"));
    if (user <= 0 || !s_is_date(day)) {
        crm_log(CRM_WARN, "a digest without its owner or day; skipped", "event", ev->event_id,
                NULL);
        return;
    }
    ntf_feed_lock(b, locked); /* before the digest's row (notify_impl.h) */
    json_t *part = json_deep_copy(payload);
    json_object_set_new(part, "event_id", json_string(ev->event_id));
    json_object_set_new(part, "sequence", json_integer((json_int_t)ev->sequence));
    char *text = json_dumps(part, JSON_COMPACT);
    json_decref(part);
    char uid[24];
    const char *p[] = {crm_i64(uid, (int64_t)user), ev->event_id, day, section, text};
    crm_db_batch_add(b, "gw_digest_merge", 5, p);
    free(text);
}
