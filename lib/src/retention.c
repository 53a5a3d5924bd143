/* retention.c: which published events the active relay deletes (see
 * outbox.h, "Retention").
 *
 * An event goes once every registered consumer (crm_bus_consumers, filled
 * by Bus.Ack) has applied it and it is older than CRM_OUTBOX_KEEP_HOURS;
 * with no consumer registered, age alone decides. A consumer that does not
 * apply does not pin events forever: past the ceiling (published longer
 * than CRM_OUTBOX_CEILING_S ago, or more than CRM_OUTBOX_CEILING_EVENTS
 * behind the newest) an event goes anyway. A consumer silent longer than
 * CRM_OUTBOX_FORGET_S (default 90 days) is forgotten (it registers again
 * with its next Ack): until then it stays named as passed by the ceiling.
 * Deletion takes a prefix of the sequence, at most PRUNE_ROWS at a time, so
 * what is kept stays without holes. After each prune the laggard (the
 * registered consumer furthest behind) is looked at: holding retention (its
 * next event is kept for it past the keep time and has waited longer than
 * CRM_OUTBOX_ALERT_S, default 600, so a consumer a moment behind is not
 * named) or passed by the ceiling
 * (its next event is gone) is logged when it starts and shown as a
 * degraded "retention" check naming it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/util.h"
#include "outbox_impl.h"

#define PRUNE_ROWS 10000 /* published events deleted per statement */
#define PRUNE_ROWS_S "10000"

/* What the last look found about the laggard. */
typedef enum { S_FINE, S_HOLDING, S_PASSED } s_state_t;

struct crm_retention {
    crm_db_t *db;
    char *producer;
    int64_t keep_hours; /* CRM_OUTBOX_KEEP_HOURS */
    int64_t ceiling_s;  /* CRM_OUTBOX_CEILING_S */
    int64_t ceiling_n;  /* CRM_OUTBOX_CEILING_EVENTS (0: no bound by count) */
    int64_t forget_s;   /* CRM_OUTBOX_FORGET_S */
    int64_t alert_s;    /* CRM_OUTBOX_ALERT_S */
    int64_t prune_ms;   /* CRM_OUTBOX_PRUNE_MS */
    uint64_t next_ms;   /* the next prune is due then */
    int pruning, closing, looked;
    s_state_t state;
    char laggard[101];
    int64_t applied, silent_s, oldest, consumers;
};

static void s_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "crm_retention_forget",
                   "DELETE FROM crm_bus_consumers WHERE acked_at < now()"
                   " - make_interval(secs => $1::double precision) RETURNING consumer, applied");
    /* The cut: applied by all and older than keep, or past the ceiling by
     * age or count; deleted as a prefix of the oldest PRUNE_ROWS. */
    crm_db_prepare(
        db, "crm_retention_prune",
        "WITH head AS (SELECT seq, published_at FROM crm_outbox WHERE seq IS NOT NULL"
        "   ORDER BY seq LIMIT " PRUNE_ROWS_S "),"
        " relay AS (SELECT last_seq FROM crm_outbox_relay WHERE id = 1),"
        " cut AS (SELECT GREATEST("
        "   LEAST(COALESCE((SELECT min(applied) FROM crm_bus_consumers),"
        "                  (SELECT last_seq FROM relay)),"
        "         COALESCE((SELECT max(seq) FROM head"
        "                   WHERE published_at < now() - make_interval(hours => $1::int)), 0)),"
        "   COALESCE((SELECT max(seq) FROM head WHERE published_at"
        "             < now() - make_interval(secs => $2::double precision)), 0),"
        "   CASE WHEN $3::bigint > 0 THEN (SELECT last_seq FROM relay) - $3::bigint ELSE 0 END)"
        "   AS seq),"
        " gone AS (DELETE FROM crm_outbox WHERE seq IS NOT NULL AND seq <= (SELECT seq FROM cut)"
        "   AND seq <= (SELECT max(seq) FROM head) RETURNING seq)"
        " SELECT count(*), COALESCE(max(seq), 0) FROM gone");
    /* The laggard: its name, applied, silence, whether its next event is
     * kept past the keep time, the oldest kept, how many are registered. */
    crm_db_prepare(db, "crm_retention_laggard",
                   "SELECT c.consumer, c.applied,"
                   " extract(epoch FROM now() - c.acked_at)::bigint,"
                   " COALESCE((SELECT published_at < now() - make_interval(hours => $1::int)"
                   "           AND published_at < now() - make_interval(secs => $2::double"
                   "           precision) FROM crm_outbox WHERE seq = c.applied + 1), false),"
                   " COALESCE((SELECT min(seq) FROM crm_outbox WHERE seq IS NOT NULL),"
                   "          (SELECT last_seq + 1 FROM crm_outbox_relay WHERE id = 1)),"
                   " (SELECT count(*) FROM crm_bus_consumers)"
                   " FROM crm_bus_consumers c ORDER BY c.applied, c.consumer LIMIT 1");
}

crm_retention_t *crm_retention_new(crm_db_t *db, const char *producer)
{
    crm_retention_t *rt = crm_calloc(1, sizeof *rt);
    rt->db = db;
    rt->producer = crm_strdup(producer);
    rt->keep_hours = crm_env_int("CRM_OUTBOX_KEEP_HOURS", 168, 0, 24 * 3650);
    rt->ceiling_s = crm_env_int("CRM_OUTBOX_CEILING_S", 30 * 86400, 1, 3650LL * 86400);
    rt->alert_s = crm_env_int("CRM_OUTBOX_ALERT_S", 600, 1, 3650LL * 86400);
    rt->forget_s = crm_env_int("CRM_OUTBOX_FORGET_S", 90 * 86400, 1, 3650LL * 86400);
    rt->ceiling_n = crm_env_int("CRM_OUTBOX_CEILING_EVENTS", 0, 0, INT64_MAX / 2);
    rt->prune_ms = crm_env_int("CRM_OUTBOX_PRUNE_MS", 3600000, 100, 86400000);
    /* The first look soon after taking the lease, then every prune_ms. */
    rt->next_ms = crm_mono_ms() + (uint64_t)(rt->prune_ms < 5000 ? rt->prune_ms : 5000);
    s_prepare(db);
    return rt;
}

static void s_maybe_free(crm_retention_t *rt)
{
    if (rt->closing && !rt->pruning) {
        free(rt->producer);
        free(rt);
    }
}

/* Logs the laggard's state when it changes. */
static void s_alert(crm_retention_t *rt, s_state_t was)
{
    if (rt->state == was)
        return;
    char applied[24], oldest[24], silent[24];
    crm_i64(applied, rt->applied);
    crm_i64(oldest, rt->oldest);
    crm_i64(silent, rt->silent_s);
    if (rt->state == S_HOLDING)
        crm_log(CRM_ERROR, "a consumer holds the outbox's retention", "producer", rt->producer,
                "consumer", rt->laggard, "applied", applied, "silent_s", silent, NULL);
    else if (rt->state == S_PASSED)
        crm_log(CRM_ERROR,
                "the retention ceiling pruned events a consumer has not applied: it must"
                " rebuild from a snapshot",
                "producer", rt->producer, "consumer", rt->laggard, "applied", applied,
                "oldest_kept", oldest, NULL);
    else
        crm_log(CRM_INFO, "no consumer holds the outbox's retention", "producer", rt->producer,
                NULL);
}

static void s_look(crm_retention_t *rt, const PGresult *r)
{
    s_state_t was = rt->state;
    rt->looked = 1;
    rt->consumers = PQntuples(r) ? crm_db_get_i64(r, 0, 5) : 0;
    if (!PQntuples(r)) {
        rt->state = S_FINE;
        rt->laggard[0] = 0;
        s_alert(rt, was);
        return;
    }
    snprintf(rt->laggard, sizeof rt->laggard, "%s", crm_db_get(r, 0, 0));
    rt->applied = crm_db_get_i64(r, 0, 1);
    rt->silent_s = crm_db_get_i64(r, 0, 2);
    rt->oldest = crm_db_get_i64(r, 0, 4);
    rt->state = rt->applied + 1 < rt->oldest ? S_PASSED
                : crm_db_get_bool(r, 0, 3)   ? S_HOLDING
                                             : S_FINE;
    s_alert(rt, was);
}

static void s_pruned(void *arg, const crm_db_result_t *res)
{
    crm_retention_t *rt = arg;
    rt->pruning = 0;
    if (rt->closing) {
        s_maybe_free(rt);
        return;
    }
    if (res->err) {
        crm_log(CRM_WARN, "outbox pruning failed", "error", res->message, NULL);
        return;
    }
    for (int i = 0; i < PQntuples(res->results[0]); i++)
        crm_log(CRM_WARN, "a consumer silent for CRM_OUTBOX_FORGET_S is forgotten", "producer",
                rt->producer, "consumer", crm_db_get(res->results[0], i, 0), "applied",
                crm_db_get(res->results[0], i, 1), NULL);
    int64_t n = crm_db_get_i64(res->results[1], 0, 0);
    if (n > 0)
        crm_log(CRM_INFO, "outbox pruned", "events", crm_db_get(res->results[1], 0, 0), "up_to",
                crm_db_get(res->results[1], 0, 1), NULL);
    if (n == PRUNE_ROWS)
        rt->next_ms = 0; /* more to do: next tick */
    s_look(rt, res->results[2]);
}

void crm_retention_tick(crm_retention_t *rt)
{
    if (!rt || rt->pruning || rt->closing || crm_mono_ms() < rt->next_ms)
        return;
    rt->pruning = 1;
    rt->next_ms = crm_mono_ms() + (uint64_t)rt->prune_ms;
    char keep[24], ceil_s[24], ceil_n[24], forget_s[24];
    const char *forget[] = {crm_i64(forget_s, rt->forget_s)};
    const char *prune[] = {crm_i64(keep, rt->keep_hours), crm_i64(ceil_s, rt->ceiling_s),
                           crm_i64(ceil_n, rt->ceiling_n)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "crm_retention_forget", 1, forget);
    crm_db_batch_add(b, "crm_retention_prune", 3, prune);
    char alert[24];
    const char *look[] = {keep, crm_i64(alert, rt->alert_s)};
    crm_db_batch_add(b, "crm_retention_laggard", 2, look);
    crm_db_submit(rt->db, &b, s_pruned, rt);
}

void crm_retention_report(const crm_retention_t *rt, crm_retention_report_t *out)
{
    *out = (crm_retention_report_t){0};
    if (!rt || !rt->looked)
        return;
    out->looked = 1;
    out->state = rt->state == S_PASSED    ? CRM_RETENTION_PASSED
                 : rt->state == S_HOLDING ? CRM_RETENTION_HOLDING
                                          : CRM_RETENTION_FINE;
    snprintf(out->laggard, sizeof out->laggard, "%s", rt->laggard);
    out->applied = rt->applied;
    out->oldest = rt->oldest;
    out->silent_s = rt->silent_s;
    out->consumers = rt->consumers;
    out->keep_hours = rt->keep_hours;
    out->ceiling_s = rt->ceiling_s;
}

void crm_retention_destroy(crm_retention_t **rt_p)
{
    crm_retention_t *rt = rt_p ? *rt_p : NULL;
    if (!rt)
        return;
    *rt_p = NULL;
    rt->closing = 1;
    s_maybe_free(rt);
}
