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
    uint64_t ttl_ms;
};

typedef struct {
    uint64_t at_ms;
    char name[];
} s_entry_t;

gw_names_t *gw_names_new(gw_t *gw, int ttl_ms)
{
    gw_names_t *n = crm_calloc(1, sizeof *n);
    n->gw = gw;
    n->cache = gw_map_new(free);
    n->ttl_ms = (uint64_t)ttl_ms;
    return n;
}

void gw_names_destroy(gw_names_t **names_p)
{
    if (!names_p || !*names_p)
        return;
    gw_map_destroy(&(*names_p)->cache);
    free(*names_p);
    *names_p = NULL;
}

void gw_names_forget(void *names)
{
    gw_map_clear(((gw_names_t *)names)->cache);
}

/* A person id of a JSON value (number or decimal string), or 0. */
static int64_t s_id(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    int64_t id;
    return json_is_string(v) && crm_parse_i64(json_string_value(v), &id) == 0 ? id : 0;
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

/* Walks v: with missing != NULL, appends the ids not cached (or stale) to
 * it, a JSON array; else sets the names beside the ids, as cached (the
 * read just refreshed the missing ones). */
static void s_walk(gw_names_t *n, json_t *v, json_t *missing)
{
    const char *key;
    json_t *e;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) s_walk(n, e, missing);
        return;
    }
    if (!json_is_object(v))
        return;
    for (size_t p = 0; gw_people[p].id; p++) {
        json_t *id = json_object_get(v, gw_people[p].id);
        if (!id || json_object_get(v, gw_people[p].name))
            continue;
        json_t *names = json_is_array(id) ? json_array() : NULL;
        size_t k, count = json_is_array(id) ? json_array_size(id) : 1;
        for (k = 0; k < count; k++) {
            int64_t uid = s_id(names ? json_array_get(id, k) : id);
            const char *name = uid > 0 ? s_cached(n, uid, missing != NULL) : NULL;
            if (missing && uid > 0 && !name)
                json_array_append_new(missing, json_integer(uid));
            else if (!missing && names)
                json_array_append_new(names, json_string(name ? name : ""));
            else if (!missing && uid > 0)
                json_object_set_new(v, gw_people[p].name, json_string(name ? name : ""));
        }
        if (names && !missing)
            json_object_set_new(v, gw_people[p].name, names);
        else
            json_decref(names);
    }
    json_object_foreach(v, key, e)
    {
        if (json_is_object(e) || json_is_array(e))
            s_walk(n, e, missing);
    }
}

typedef struct {
    gw_call_t *c;
    json_t *body;
    json_t *missing;
    int http;
} s_pending_t;

static void s_send(gw_call_t *c, int http, json_t *body)
{
    s_walk(c->gw->names, body, NULL);
    char *s = json_dumps(body, JSON_COMPACT);
    gw_call_reply_raw(c, http, "application/json", s, strlen(s));
    free(s);
    json_decref(body);
}

static void s_read(void *arg, const crm_db_result_t *res)
{
    s_pending_t *p = arg;
    gw_names_t *n = p->c->gw->names;
    if (res->err) {
        gw_call_fail(p->c, CRM__STATUS__UNAVAILABLE, NULL, "cannot read the users' names");
        json_decref(p->body);
    } else {
        /* Ids of no user are remembered as "" too: asked once per TTL. */
        size_t i;
        json_t *id;
        json_array_foreach(p->missing, i, id) s_remember(n, json_integer_value(id), "");
        const PGresult *r = res->results[0];
        for (int row = 0; row < PQntuples(r); row++)
            s_remember(n, crm_db_get_i64(r, row, 0), crm_db_get(r, row, 1));
        s_send(p->c, p->http, p->body);
    }
    json_decref(p->missing);
    free(p);
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

void gw_names_answer(gw_call_t *c, const crm_rpc_result_t *res)
{
    if (res->status != CRM__STATUS__OK || !res->payload ||
        !s_names_people(res->payload->descriptor, 0)) {
        gw_call_answer(c, res);
        return;
    }
    size_t len;
    int http;
    char *text = gw_call_reply_text(c, res->payload, &http, &len);
    json_t *body = json_loadb(text, len, 0, NULL);
    free(text);
    if (!body) {
        gw_call_fail(c, CRM__STATUS__INTERNAL, NULL, "cannot write the reply");
        return;
    }
    json_t *missing = json_array();
    s_walk(c->gw->names, body, missing);
    if (json_array_size(missing) == 0) {
        json_decref(missing);
        s_send(c, http, body);
        return;
    }
    int64_t *ids = crm_calloc(json_array_size(missing), sizeof *ids);
    for (size_t i = 0; i < json_array_size(missing); i++)
        ids[i] = json_integer_value(json_array_get(missing, i));
    char *arr = crm_db_i64_array(ids, json_array_size(missing));
    free(ids);
    s_pending_t *p = crm_calloc(1, sizeof *p);
    *p = (s_pending_t){.c = c, .body = body, .missing = missing, .http = http};
    const char *v[] = {arr};
    crm_db_exec(c->gw->db,
                "SELECT id, COALESCE(NULLIF(display_name, ''), username) AS name FROM users"
                " WHERE id = ANY($1::bigint[])",
                1, v, s_read, p);
    free(arr);
}
