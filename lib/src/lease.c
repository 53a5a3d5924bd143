/* lease.c: leadership by a PostgreSQL advisory lock (see lease.h). */
#include "lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"

#define LEASE_CHECK_MS 1000
#define LEASE_CLASS 0x43524d /* "CRM": the first key of our two-key locks */

struct crm_lease {
    crm_db_t *db;
    uv_timer_t timer;
    char *name;
    char key[16];
    crm_lease_cb on_change;
    void *arg;
    int held;
    int checking; /* a lock query is in flight */
    int closing;
};

/* A stable 31-bit key for name (FNV-1a). */
static int32_t s_key(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return (int32_t)(h & 0x7fffffff);
}

static void s_set_held(crm_lease_t *l, int held)
{
    if (l->held == held)
        return;
    l->held = held;
    crm_log(CRM_INFO, held ? "lease taken" : "lease lost", "lease", l->name, NULL);
    if (l->on_change)
        l->on_change(l->arg, held);
}

static void s_free(crm_lease_t *l)
{
    free(l->name);
    free(l);
}

static void s_timer_closed(uv_handle_t *h)
{
    crm_lease_t *l = h->data;
    if (!l->checking)
        s_free(l);
    else
        l->closing = 2; /* the pending check frees it */
}

static void s_checked(void *arg, const crm_db_result_t *res)
{
    crm_lease_t *l = arg;
    l->checking = 0;
    if (l->closing) {
        if (l->closing == 2)
            s_free(l);
        return;
    }
    if (res->err) {
        s_set_held(l, 0);
        return;
    }
    s_set_held(l, crm_db_get_bool(res->results[0], 0, 0));
}

static void s_check(crm_lease_t *l)
{
    if (l->checking || l->closing || !crm_db_ready(l->db))
        return;
    l->checking = 1;
    char cls[16];
    snprintf(cls, sizeof cls, "%d", LEASE_CLASS);
    const char *params[] = {cls, l->key};
    crm_db_exec(l->db, "crm_lease_lock", 2, params, s_checked, l);
}

static void s_tick(uv_timer_t *t)
{
    s_check(t->data);
}

static void s_connected(void *arg, int connected)
{
    crm_lease_t *l = arg;
    if (!connected)
        s_set_held(l, 0);
    else
        s_check(l);
}

crm_lease_t *crm_lease_new(uv_loop_t *loop, const char *conninfo, const char *name,
                           crm_lease_cb on_change, void *arg)
{
    crm_lease_t *l = crm_calloc(1, sizeof *l);
    l->name = crm_strdup(name);
    snprintf(l->key, sizeof l->key, "%d", s_key(name));
    l->on_change = on_change;
    l->arg = arg;
    l->db = crm_db_new(loop, conninfo, 1);
    crm_db_set_role(l->db, name);
    /* Held already (a second call in the same session must not stack the
     * lock), or free to take. */
    crm_db_prepare(l->db, "crm_lease_lock",
                   "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                   " AND pid = pg_backend_pid() AND classid = $1::int::oid"
                   " AND objid = $2::int::oid AND objsubid = 2 AND granted)"
                   " THEN true ELSE pg_try_advisory_lock($1::int, $2::int) END");
    crm_db_on_connect(l->db, s_connected, l);
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, s_tick, LEASE_CHECK_MS, LEASE_CHECK_MS);
    return l;
}

int crm_lease_held(const crm_lease_t *l)
{
    return l && l->held;
}

crm_db_t *crm_lease_db(crm_lease_t *l)
{
    return l->db;
}

void crm_lease_destroy(crm_lease_t **l_p)
{
    crm_lease_t *l = l_p ? *l_p : NULL;
    if (!l)
        return;
    *l_p = NULL;
    l->closing = 1;
    l->held = 0;
    crm_db_destroy(&l->db); /* fails a pending check, which sees closing */
    uv_timer_stop(&l->timer);
    uv_close((uv_handle_t *)&l->timer, s_timer_closed);
}
