/* gateway_names.c: people's names beside their ids, on the way out. The
 * gateway owns the users, so it adds them: in every successful JSON reply
 * (at any depth) a person field "<x>_id" > 0 gets "<x>_name" beside it,
 * and a list "<x>_ids" gets "<x>_names" in the same order (owner, creator,
 * actor, follow-up user, pool admins and members, team members:
 * gw_people, generated with the OpenAPI schemas from glue.py's PEOPLE).
 * The name is the user's display name, else their username; an id of no
 * user gets "" and 0 (the system, a pool) gets none. Names come from an
 * in-process cache (entries kept CRM_NAMES_CACHE_MS, so a user renamed on
 * another instance shows within that time; this instance's own changes of
 * the organisation drop them at once), the missing ones from one read of
 * the users table per reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/pbjson.h"
#include "crm/util.h"
#include "gateway_map.h"
#include "gateway_names.h"

struct gw_names {
    gw_t *gw;
    gw_map_t *cache; /* "<id>" -> s_entry_t */
    gw_map_t *plans; /* message type -> s_plan_t */
    uint64_t ttl_ms;
};

/* Where the people of a message type are, worked out once per type (a
 * page of an export asks for every row): its person fields and its
 * message fields, inside which there may be more. */
typedef struct {
    size_t n;
    struct {
        const ProtobufCFieldDescriptor *f;
        int person; /* else a message field */
    } at[];
} s_plan_t;

typedef struct {
    uint64_t at_ms;
    char name[];
} s_entry_t;

gw_names_t *gw_names_new(gw_t *gw, int ttl_ms)
{
    gw_names_t *n = crm_calloc(1, sizeof *n);
    n->gw = gw;
    n->cache = gw_map_new(free);
    n->plans = gw_map_new(free);
    n->ttl_ms = (uint64_t)ttl_ms;
    return n;
}

void gw_names_destroy(gw_names_t **names_p)
{
    if (!names_p || !*names_p)
        return;
    gw_map_destroy(&(*names_p)->cache);
    gw_map_destroy(&(*names_p)->plans);
    free(*names_p);
    *names_p = NULL;
}

void gw_names_forget(void *names)
{
    gw_map_clear(((gw_names_t *)names)->cache);
}

/* The cached name of id, or NULL when missing (or, with fresh, stale). */
static const char *s_cached(gw_names_t *n, int64_t id, int fresh)
{
    char key[24];
    s_entry_t *e = gw_map_get(n->cache, crm_i64(key, id));
    return e && (!fresh || uv_now(n->gw->loop) - e->at_ms < n->ttl_ms) ? e->name : NULL;
}

static void s_remember(gw_names_t *n, int64_t id, const char *name)
{
    char key[24];
    size_t len = strlen(name);
    s_entry_t *e = crm_malloc(sizeof *e + len + 1);
    e->at_ms = uv_now(n->gw->loop);
    memcpy(e->name, name, len + 1);
    gw_map_put(n->cache, crm_i64(key, id), e);
}

/* The name member written after field f of a message of type d (the
 * writer's hook, crm_pb_extra_t), unless d has a field of that name. */
static const char *s_key(void *arg, const ProtobufCMessageDescriptor *d,
                         const ProtobufCFieldDescriptor *f)
{
    (void)arg;
    for (size_t p = 0; gw_people[p].id; p++)
        if (strcmp(f->name, gw_people[p].id) == 0)
            return protobuf_c_message_descriptor_get_field_by_name(d, gw_people[p].name)
                       ? NULL
                       : gw_people[p].name;
    return NULL;
}

/* The name of user id as cached ("" for an id of no user); NULL for 0 (the
 * system, a pool), which gets no name. */
static const char *s_value(void *arg, int64_t id)
{
    if (id <= 0)
        return NULL;
    const char *name = s_cached(arg, id, 0);
    return name ? name : "";
}

static const s_plan_t *s_plan(gw_names_t *n, const ProtobufCMessageDescriptor *d)
{
    s_plan_t *p = gw_map_get(n->plans, d->name);
    if (p)
        return p;
    p = crm_calloc(1, sizeof *p + d->n_fields * sizeof p->at[0]);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        int person = f->type == PROTOBUF_C_TYPE_INT64 && s_key(NULL, d, f);
        if (person || f->type == PROTOBUF_C_TYPE_MESSAGE) {
            p->at[p->n].f = f;
            p->at[p->n++].person = person;
        }
    }
    gw_map_put(n->plans, d->name, p);
    return p;
}

/* Adds to *ids the person ids of msg (at any depth) not cached, or stale. */
static void s_missing(gw_names_t *n, const ProtobufCMessage *msg, int64_t **ids, size_t *count,
                      int depth)
{
    const s_plan_t *plan = s_plan(n, msg->descriptor);
    const char *base = (const char *)msg;
    for (size_t i = 0; depth < 6 && i < plan->n; i++) {
        const ProtobufCFieldDescriptor *f = plan->at[i].f;
        int repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        size_t k = repeated ? *(const size_t *)(base + f->quantifier_offset) : 1;
        const void *at = repeated ? *(const void *const *)(base + f->offset) : base + f->offset;
        if (!plan->at[i].person) {
            for (size_t j = 0; at && j < k; j++) {
                const ProtobufCMessage *m =
                    repeated ? ((ProtobufCMessage *const *)at)[j] : *(ProtobufCMessage *const *)at;
                if (m)
                    s_missing(n, m, ids, count, depth + 1);
            }
        } else {
            for (size_t j = 0; at && j < k; j++) {
                int64_t id = ((const int64_t *)at)[j];
                if (id > 0 && !s_cached(n, id, 1)) {
                    *ids = crm_realloc(*ids, (*count + 1) * sizeof **ids);
                    (*ids)[(*count)++] = id;
                }
            }
        }
    }
}

crm_pb_extra_t gw_names_extra(gw_names_t *n)
{
    return (crm_pb_extra_t){s_key, s_value, n};
}

/* Replies msg with the names beside the ids, as cached. */
static void s_send(gw_call_t *c, const ProtobufCMessage *msg)
{
    crm_pb_extra_t names = gw_names_extra(c->gw->names);
    int http;
    size_t len;
    char *s = gw_call_reply_text(c, msg, &names, &http, &len);
    gw_call_reply_raw(c, http, "application/json", s, len);
    free(s);
}

/* A read of the names the cache lacks. */
typedef struct {
    gw_names_t *n;
    int64_t *ids;
    size_t count;
    void (*done)(void *arg, int ok);
    void *arg;
} s_fetch_t;

static void s_read(void *arg, const crm_db_result_t *res)
{
    s_fetch_t *f = arg;
    if (!res->err) {
        /* Ids of no user are remembered as "" too: asked once per TTL. */
        for (size_t i = 0; i < f->count; i++)
            s_remember(f->n, f->ids[i], "");
        const PGresult *r = res->results[0];
        for (int row = 0; row < PQntuples(r); row++)
            s_remember(f->n, crm_db_get_i64(r, row, 0), crm_db_get(r, row, 1));
    }
    f->done(f->arg, !res->err);
    free(f->ids);
    free(f);
}

/* Does a message of type d (or one inside it) have a person field? */
static int s_names_people(const ProtobufCMessageDescriptor *d, int depth)
{
    for (unsigned i = 0; d && depth < 6 && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && s_names_people(f->descriptor, depth + 1))
            return 1;
        for (size_t p = 0; f->type == PROTOBUF_C_TYPE_INT64 && gw_people[p].id; p++)
            if (strcmp(f->name, gw_people[p].id) == 0)
                return 1;
    }
    return 0;
}

static int s_cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int gw_names_fetch(gw_names_t *n, const ProtobufCMessage *msg, void (*done)(void *arg, int ok),
                   void *arg)
{
    if (!s_names_people(msg->descriptor, 0))
        return 1;
    int64_t *ids = NULL;
    size_t count = 0;
    s_missing(n, msg, &ids, &count, 0);
    if (count == 0)
        return 1;
    /* A page of a list names the same people again and again. */
    qsort(ids, count, sizeof *ids, s_cmp_id);
    size_t k = 0;
    for (size_t i = 0; i < count; i++)
        if (i == 0 || ids[i] != ids[k - 1])
            ids[k++] = ids[i];
    s_fetch_t *f = crm_calloc(1, sizeof *f);
    *f = (s_fetch_t){.n = n, .ids = ids, .count = k, .done = done, .arg = arg};
    char *arr = crm_db_i64_array(ids, k);
    const char *v[] = {arr};
    crm_db_exec(n->gw->db,
                "SELECT id, COALESCE(NULLIF(display_name, ''), username) AS name FROM users"
                " WHERE id = ANY($1::bigint[])",
                1, v, s_read, f);
    free(arr);
    return 0;
}

/* A reply waiting for the names its cache lacks: its payload, encoded (the
 * result is the RPC callback's only). */
typedef struct {
    gw_call_t *c;
    const ProtobufCMessageDescriptor *desc;
    uint8_t *raw;
    size_t raw_len;
} s_pending_t;

static void s_fetched(void *arg, int ok)
{
    s_pending_t *p = arg;
    ProtobufCMessage *msg =
        ok ? protobuf_c_message_unpack(p->desc, NULL, p->raw_len, p->raw) : NULL;
    if (!msg) {
        gw_call_fail(p->c, CRM__STATUS__UNAVAILABLE, NULL, "cannot read the users' names");
    } else {
        s_send(p->c, msg);
        protobuf_c_message_free_unpacked(msg, NULL);
    }
    free(p->raw);
    free(p);
}

void gw_names_answer(gw_call_t *c, const crm_rpc_result_t *res)
{
    if (res->status != CRM__STATUS__OK || !res->payload) {
        gw_call_answer(c, res);
        return;
    }
    s_pending_t *p = crm_calloc(1, sizeof *p);
    p->c = c;
    p->desc = res->payload->descriptor;
    if (gw_names_fetch(c->gw->names, res->payload, s_fetched, p)) {
        free(p);
        s_send(c, res->payload);
        return;
    }
    /* A miss (once per user per TTL): the payload outlives this callback
     * as its bytes, decoded again once the names are read. */
    p->raw_len = protobuf_c_message_get_packed_size(res->payload);
    p->raw = crm_malloc(p->raw_len ? p->raw_len : 1);
    protobuf_c_message_pack(res->payload, p->raw);
}
