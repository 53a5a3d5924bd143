/* org_handover.c: the consumer of the organisation's events (see org.h):
 * each batch's upserts of the read model, then, for each user.deactivated
 * naming a successor for this service, the domain's handover of the
 * leaver's records (crm_org_handover_t), all in the consumer's one
 * transaction with its offset. */
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/org.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "org.pb-c.h"
#include "org_impl.h"

#define DEFAULT_PAGE 500

/* One consumer: the service's name (its domain) and its handover. */
typedef struct {
    const char *domain;
    const crm_org_handover_t *h;
} org_t;

/* One batch being applied. */
typedef struct {
    const org_t *o;
    crm_db_tx_t *tx;
    Crm__Event *const *events;
    size_t n, next;
    crm_consumer_batch_t *batch;
    int64_t leaver, successor, total;
    char leaver_s[24], successor_s[24];
} run_t;

static void s_next(run_t *r);

static void s_end(run_t *r, int ok)
{
    crm_consumer_batch_t *batch = r->batch;
    free(r);
    crm_consumer_done(batch, NULL, ok);
}

static void s_failed(run_t *r, const crm_db_result_t *res)
{
    crm_log(CRM_WARN, "organisation events not applied; retried", "error", res->message, NULL);
    s_end(r, 0);
}

/* The successor user.deactivated ev names for domain (0: none). */
static int64_t s_successor(const Crm__Event *ev, const char *domain)
{
    if (strcmp(ev->type, "user.deactivated") != 0)
        return 0;
    Crm__OrgUser *u = crm__org_user__unpack(NULL, ev->payload.len, ev->payload.data);
    if (!u)
        return 0; /* the upserts refused it already */
    int64_t to = u->successor_id;
    for (size_t i = 0; i < u->n_successors; i++)
        if (!strcmp(u->successors[i]->domain, domain))
            to = u->successors[i]->successor_id;
    int64_t leaver = u->id;
    crm__org_user__free_unpacked(u, NULL);
    return to && to != leaver ? to : 0;
}

static int64_t s_leaver(const Crm__Event *ev)
{
    Crm__OrgUser *u = crm__org_user__unpack(NULL, ev->payload.len, ev->payload.data);
    int64_t id = u ? u->id : 0;
    crm__org_user__free_unpacked(u, NULL);
    return id;
}

static void s_page_rows(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    run_t *r = arg;
    const crm_org_handover_t *h = r->o->h;
    h->emit(h->arg, rows, b);
    int id = PQfnumber(rows, "id");
    for (int i = 0; h->cache_key && id >= 0 && i < PQntuples(rows); i++) {
        char key[32];
        h->cache_key(crm_db_get_i64(rows, i, id), key);
        crm_consumer_batch_uncache(r->batch, key);
    }
}

static void s_written(void *arg, const crm_db_result_t *res)
{
    run_t *r = arg;
    if (res->err)
        s_failed(r, res);
    else
        s_next(r);
}

/* Every page moved: the rest (after_sql), the progress event, then the
 * next leaver of the batch. */
static void s_moved(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    run_t *r = arg;
    if (err) {
        s_failed(r, err);
        return;
    }
    const crm_org_handover_t *h = r->o->h;
    if (h->after_sql) {
        const char *p[] = {r->leaver_s, r->successor_s};
        crm_db_batch_add(last, h->after_sql, 2, p);
    }
    Crm__OrgHandover ev = CRM__ORG_HANDOVER__INIT;
    ev.user_id = r->leaver;
    ev.domain = (char *)r->o->domain;
    ev.successor_id = r->successor;
    ev.state = "done";
    ev.moved = count;
    ev.total = r->total > count ? r->total : count;
    crm_outbox_add(last, "handover.progressed", r->leaver_s, &ev.base);
    char n[24];
    crm_log(CRM_INFO, "handover done", "user", r->leaver_s, "successor", r->successor_s, "moved",
            crm_i64(n, count), NULL);
    crm_db_tx_submit(r->tx, &last, s_written, r);
}

static void s_counted(void *arg, const crm_db_result_t *res)
{
    run_t *r = arg;
    if (res->err) {
        s_failed(r, res);
        return;
    }
    r->total = crm_db_get_i64(res->results[0], 0, 0);
    const crm_org_handover_t *h = r->o->h;
    const char *p[] = {r->leaver_s, r->successor_s};
    crm_tx_pages(r->tx, h->page_sql, 2, p, h->page ? h->page : DEFAULT_PAGE, s_page_rows, s_moved,
                 r);
}

/* The next user.deactivated of the batch with a successor here, handed
 * over; the batch done after the last. */
static void s_next(run_t *r)
{
    int64_t to = 0;
    while (r->o->h && r->next < r->n && !(to = s_successor(r->events[r->next], r->o->domain)))
        r->next++;
    if (!to) {
        s_end(r, 1);
        return;
    }
    r->leaver = s_leaver(r->events[r->next++]);
    r->successor = to;
    crm_i64(r->leaver_s, r->leaver);
    crm_i64(r->successor_s, r->successor);
    const char *p[] = {r->leaver_s};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, r->o->h->count_sql, 1, p);
    crm_db_tx_submit(r->tx, &b, s_counted, r);
}

static void s_upserted(void *arg, const crm_db_result_t *res)
{
    run_t *r = arg;
    if (res->err)
        s_failed(r, res);
    else
        s_next(r);
}

static void s_apply(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                    crm_consumer_batch_t *batch)
{
    run_t *r = crm_calloc(1, sizeof *r);
    *r = (run_t){.o = arg, .tx = tx, .events = events, .n = n, .batch = batch};
    crm_db_batch_t *b = crm_db_batch_new();
    for (size_t i = 0; i < n; i++)
        if (org_upsert(b, events[i]) < 0) {
            crm_db_batch_destroy(&b);
            s_end(r, 0);
            return;
        }
    if (crm_db_batch_size(b) == 0) {
        crm_db_batch_destroy(&b);
        s_next(r);
        return;
    }
    crm_db_tx_submit(tx, &b, s_upserted, r);
}

void crm_org_consume(crm_service_t *svc, const char *producer, const crm_org_handover_t *handover)
{
    org_t *o = crm_calloc(1, sizeof *o);
    o->domain = crm_service_config(svc)->service;
    o->h = handover;
    crm_consumer_t *c = crm_service_consume(svc, producer, s_apply, o, 0);
    if (!c) {
        free(o);
        return;
    }
    crm_service_on_stop(svc, free, o);
    /* Too far behind the gateway to replay: rebuild from its snapshot. What
     * the snapshot no longer holds (a department deleted) ends inactive. */
    crm_consumer_rebuild_from(c, CRM_ORG_SNAPSHOT,
                              "WITH d AS (UPDATE crm_org_departments SET active = false)"
                              " UPDATE crm_org_users SET active = false");
}
