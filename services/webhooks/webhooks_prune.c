/* webhooks_prune.c: keeps the service's tables bounded: every
 * CRM_WEBHOOK_PRUNE_MS it deletes the deliveries delivered more than
 * CRM_WEBHOOK_KEEP_HOURS ago, then the events that old which no delivery
 * refers to any more (a waiting delivery keeps its event however old),
 * 10,000 rows a statement. Every instance prunes; the deletes are the
 * same whoever runs them. */
#include <stdlib.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/util.h"
#include "webhooks.h"

#define PRUNE_ROWS "10000"

typedef struct {
    webhooks_t *w;
    uv_timer_t timer;
    char hours[24];
} wh_prune_t;

static void s_pruned(void *arg, const crm_db_result_t *res)
{
    if (res->err)
        crm_log(CRM_WARN, "webhook pruning failed", "error", res->message, NULL);
}

static void s_tick(uv_timer_t *t)
{
    wh_prune_t *p = t->data;
    const char *v[] = {p->hours, PRUNE_ROWS};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "wh_prune_deliveries", 2, v);
    crm_db_batch_add(b, "wh_prune_events", 2, v);
    crm_db_submit(p->w->db, &b, s_pruned, p);
}

static void s_closed(uv_handle_t *h)
{
    free(h->data);
}

static void s_stop(void *arg)
{
    wh_prune_t *p = arg;
    uv_close((uv_handle_t *)&p->timer, s_closed);
}

void wh_prune_start(webhooks_t *w)
{
    wh_prune_t *p = crm_calloc(1, sizeof *p);
    p->w = w;
    crm_i64(p->hours, crm_env_int("CRM_WEBHOOK_KEEP_HOURS", 168, 0, 87600));
    int64_t every = crm_env_int("CRM_WEBHOOK_PRUNE_MS", 3600000, 10, 86400000);
    uv_timer_init(crm_service_loop(w->svc), &p->timer);
    p->timer.data = p;
    uv_timer_start(&p->timer, s_tick, (uint64_t)every, (uint64_t)every);
    crm_service_on_stop(w->svc, s_stop, p);
}
