/* notify_feed.c: the event stream's feed (gw_feed, read by the SSE stream
 * in gateway_events.c). Every event the gateway consumes that names a user
 * as an owner (owner_id of the record it carries, to_owner_id,
 * from_owner_id, previous_owner_id; at the top of the payload or one object
 * down) becomes one row per user so named, written in the consumer's
 * transaction: once, and resumable by its id. The advisory lock taken
 * before the first row makes ids follow commit order (see
 * sql/005_feed.sql). */
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "crm/event_types.h"
#include "notify_impl.h"

#define MAX_USERS 8

void ntf_feed_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "gw_feed_lock", "SELECT pg_advisory_xact_lock(hashtext('gw_feed'))");
    crm_db_prepare(db, "gw_feed_insert",
                   "INSERT INTO gw_feed (user_id, type, event) VALUES ($1::bigint, $2, $3)");
}

static void s_note(int64_t *users, size_t *n, int64_t user)
{
    for (size_t i = 0; i < *n; i++)
        if (users[i] == user)
            return;
    if (*n < MAX_USERS)
        users[(*n)++] = user;
}

/* The users obj (or an object directly inside it) names as owners. */
static void s_owners(json_t *obj, int depth, int64_t *users, size_t *n)
{
    static const char *const keys[] = {"owner_id", "to_owner_id", "from_owner_id",
                                       "previous_owner_id"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        if (json_is_integer(v) && json_integer_value(v) > 0)
            s_note(users, n, json_integer_value(v));
    }
    const char *k;
    json_t *v;
    if (depth == 0)
        json_object_foreach(obj, k, v) if (json_is_object(v)) s_owners(v, 1, users, n);
}

void ntf_feed_lock(crm_db_batch_t *b, int *locked)
{
    if (!*locked) {
        crm_db_batch_add(b, "gw_feed_lock", 0, NULL);
        *locked = 1;
    }
}

char *ntf_feed_text(const Crm__Event *ev, json_t *payload)
{
    json_t *ce = crm_cloudevent(ev, payload); /* the shape webhooks deliver */
    char *text = json_dumps(ce, JSON_COMPACT);
    json_decref(ce);
    return text;
}

void ntf_feed_add(crm_db_batch_t *b, const Crm__Event *ev, json_t *j, int *locked)
{
    json_t *payload = json_object_get(j, "payload");
    if (!json_is_object(payload))
        return;
    int64_t users[MAX_USERS];
    size_t n = 0;
    s_owners(payload, 0, users, &n);
    if (!n)
        return;
    ntf_feed_lock(b, locked);
    char *text = ntf_feed_text(ev, payload);
    for (size_t i = 0; i < n; i++) {
        char uid[24];
        const char *p[] = {crm_i64(uid, users[i]), ev->type, text};
        crm_db_batch_add(b, "gw_feed_insert", 3, p);
    }
    free(text);
}
