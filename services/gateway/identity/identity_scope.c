/* identity_scope.c: the data scope of a department manager: every user of
 * their department and of its sub-departments (a recursive query), cached
 * in Redis.
 *
 * Scope cache: "gw:scope:<version>:<department>" -> "1,2,3", where the
 * version is "gw:orgver", set to a new value after every committed change
 * of users or departments. A stale entry is never read again once the
 * version moved; entries expire after SCOPE_TTL_S anyway (Redis may have
 * missed the version write). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "identity_impl.h"

#define SCOPE_TTL_S 300
#define VERSION_TTL_S (30 * 24 * 3600)
#define VERSION_KEY "gw:orgver"

typedef struct {
    gw_identity_t *id;
    gw_principal_t *who;
    void (*cb)(void *arg, int ok);
    void *arg;
    char key[96];
} s_scope_t;

static void s_finish(s_scope_t *s, int ok)
{
    void (*cb)(void *, int) = s->cb;
    void *arg = s->arg;
    free(s);
    cb(arg, ok);
}

/* Parses "1,2,3" into who's scope. */
static void s_parse(gw_principal_t *who, const char *v, size_t len)
{
    size_t n = len ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        n += v[i] == ',';
    who->scope_ids = crm_malloc((n ? n : 1) * sizeof(int64_t));
    who->n_scope = 0;
    const char *p = v, *end = v + len;
    while (p < end) {
        char *stop;
        who->scope_ids[who->n_scope++] = strtoll(p, &stop, 10);
        p = stop + 1;
    }
}

static void s_loaded(void *arg, const crm_db_result_t *res)
{
    s_scope_t *s = arg;
    if (res->err) {
        s_finish(s, 0);
        return;
    }
    const PGresult *r = res->results[0];
    int n = PQntuples(r);
    size_t cap = (size_t)n * 21 + 1, len = 0;
    char *text = crm_malloc(cap);
    text[0] = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? "," : "", crm_db_get(r, i, 0));
    crm_cache_set(s->id->cache, s->key, text, len, SCOPE_TTL_S);
    s_parse(s->who, text, len);
    free(text);
    s_finish(s, 1);
}

static void s_cached(void *arg, const char *value, size_t len)
{
    s_scope_t *s = arg;
    if (value) {
        s_parse(s->who, value, len);
        s_finish(s, 1);
        return;
    }
    char dept[24];
    const char *p[] = {crm_i64(dept, s->who->department_id)};
    crm_db_exec(s->id->db, "gw_scope_users", 1, p, s_loaded, s);
}

static void s_version_got(void *arg, const char *value, size_t len)
{
    s_scope_t *s = arg;
    snprintf(s->key, sizeof s->key, "gw:scope:%.*s:%lld", value ? (int)len : 1, value ? value : "0",
             (long long)s->who->department_id);
    crm_cache_get(s->id->cache, s->key, s_cached, s);
}

void id_scope_resolve(gw_identity_t *id, gw_principal_t *who, void (*cb)(void *arg, int ok),
                      void *arg)
{
    s_scope_t *s = crm_calloc(1, sizeof *s);
    s->id = id;
    s->who = who;
    s->cb = cb;
    s->arg = arg;
    crm_cache_get(id->cache, VERSION_KEY, s_version_got, s);
}

void id_scope_changed(gw_identity_t *id)
{
    char v[24];
    crm_i64(v, crm_now_us());
    crm_cache_set(id->cache, VERSION_KEY, v, strlen(v), VERSION_TTL_S);
}
