/* wh.c: webhook steps the tests share (see wh.h). */
#include "wh.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crm/util.h"
#include "suite.h"

Crm__Webhooks__Webhook *t_wh_create(h_t *h, const char *url, const char *patterns,
                                    const char *secret)
{
    Crm__Webhooks__CreateWebhookRequest req = CRM__WEBHOOKS__CREATE_WEBHOOK_REQUEST__INIT;
    req.url = (char *)url;
    req.n_event_types = crm_split_csv(patterns, &req.event_types);
    req.secret = (char *)(secret ? secret : "");
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    Crm__Status st = t_call(h, "webhooks", "Webhooks.Create", &req.base,
                            &crm__webhooks__webhook__descriptor, t_system(), &out, &err);
    H_CHECK(st == CRM__STATUS__OK, "Webhooks.Create %s: %d %s", url, st, err ? err : "");
    crm_strv_free(req.event_types, req.n_event_types);
    free(err);
    return (Crm__Webhooks__Webhook *)out;
}

char **t_wh_published(h_t *h, const char *producer, const char *type, size_t want, size_t *n)
{
    char *q =
        crm_sprintf("SELECT count(*) FROM crm_outbox WHERE type = '%s' AND seq IS NOT NULL", type);
    if (want)
        H_CHECK(h_wait_sql(h, producer, q, (int64_t)want, 20000) == (int64_t)want,
                "%zu %s events published", want, type);
    free(q);
    q = crm_sprintf("SELECT event_id FROM crm_outbox WHERE type = '%s' AND seq IS NOT NULL"
                    " ORDER BY seq",
                    type);
    PGresult *r = h_sql(h, producer, q);
    free(q);
    *n = (size_t)PQntuples(r);
    char **ids = crm_calloc(*n + 1, sizeof *ids);
    for (size_t i = 0; i < *n; i++)
        ids[i] = crm_strdup(PQgetvalue(r, (int)i, 0));
    PQclear(r);
    return ids;
}

/* The index of id in ids, or -1. */
static long s_index(char **ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ids[i], id))
            return (long)i;
    return -1;
}

/* How many of ids were answered 2xx at path. */
static size_t s_acked(t_rcv_req_t *v, size_t nv, const char *path, char **ids, size_t n)
{
    size_t got = 0;
    char *seen = crm_calloc(n + 1, 1);
    for (size_t i = 0; i < nv; i++) {
        long k = strcmp(v[i].path, path) || v[i].answered != 200 ? -1 : s_index(ids, n, v[i].id);
        if (k >= 0 && !seen[k]) {
            seen[k] = 1;
            got++;
        }
    }
    free(seen);
    return got;
}

static void s_check_body(const t_rcv_req_t *q)
{
    json_error_t je;
    json_t *b = json_loads(q->body, 0, &je);
    H_CHECK(b && json_is_object(b), "body is a JSON object: %s", q->body);
    H_CHECK(!strcmp(json_string_value(json_object_get(b, "specversion")), "1.0"), "specversion");
    H_CHECK(!strcmp(json_string_value(json_object_get(b, "id")), q->id), "id is webhook-id");
    H_CHECK(json_is_string(json_object_get(b, "type")) &&
                json_is_string(json_object_get(b, "time")),
            "type and time: %s", q->body);
    H_CHECK(!strncmp(json_string_value(json_object_get(b, "source")), "crm/", 4), "source");
    H_CHECK(json_is_object(json_object_get(b, "data")), "data is an object: %s", q->body);
    json_decref(b);
}

size_t t_wh_expect(t_rcv_t *r, const char *path, const char *secret, char **ids, size_t n,
                   int timeout_ms)
{
    size_t nv = 0;
    t_rcv_req_t *v = NULL;
    for (int waited = 0;; waited += 50) {
        v = t_rcv_reqs(r, &nv);
        size_t got = s_acked(v, nv, path, ids, n);
        if (got == n)
            break;
        H_CHECK(waited < timeout_ms, "%s: %zu of %zu events delivered", path, got, n);
        t_rcv_free_reqs(v, nv);
        usleep(50000);
    }
    long last = -1;
    size_t repeats = 0;
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < nv; i++) {
        if (strcmp(v[i].path, path))
            continue;
        H_CHECK(t_wh_verify(secret, v[i].id, v[i].timestamp, v[i].body, v[i].signature, now, 300),
                "%s: request %zu verifies (id %s ts %s sig %s)", path, i, v[i].id, v[i].timestamp,
                v[i].signature);
        s_check_body(&v[i]);
        if (v[i].answered != 200)
            continue;
        long k = s_index(ids, n, v[i].id);
        if (k < 0)
            continue; /* an event of another kind */
        H_CHECK(k == last || k == last + 1, "%s: event %ld answered after %ld (out of order)", path,
                k, last);
        repeats += k == last;
        last = k;
    }
    t_rcv_free_reqs(v, nv);
    return repeats;
}
