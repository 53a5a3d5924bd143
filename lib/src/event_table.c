/* event_table.c: a consumer's events applied by type (see event_table.h). */
#include "crm/event_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/trace.h"
#include "crm/util.h"

struct crm_event_apply {
    const crm_event_table_t *table;
    void *arg;
};

/* One batch of events whose statements are running. */
typedef struct {
    const crm_event_apply_t *a;
    crm_consumer_batch_t *batch;
    crm_trace_t *traces; /* per statement: the trace of the event that added it */
    size_t ntraces;
} s_run_t;

/* The run whose applied hook is running (crm_event_applied_trace). */
static const s_run_t *s_applying;

void crm_event_applied_trace(size_t i)
{
    if (s_applying)
        crm_trace_swap(i < s_applying->ntraces ? s_applying->traces[i].id : NULL);
}

static void s_run_free(s_run_t *run)
{
    free(run->traces);
    free(run);
}

crm_event_apply_t *crm_event_apply_new(const crm_event_table_t *table, void *arg)
{
    crm_event_apply_t *a = crm_calloc(1, sizeof *a);
    a->table = table;
    a->arg = arg;
    return a;
}

void crm_event_apply_destroy(crm_event_apply_t **a_p)
{
    if (a_p && *a_p) {
        free(*a_p);
        *a_p = NULL;
    }
}

static const crm_event_handler_t *s_handler(const crm_event_table_t *t, const char *type)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->handlers[i].type, type))
            return &t->handlers[i];
    return NULL;
}

static void s_ran(void *arg, const crm_db_result_t *res)
{
    s_run_t *run = arg;
    crm_consumer_batch_t *batch = run->batch;
    if (res->err) {
        crm_log(CRM_WARN, "events not applied; retried", "error", res->message, NULL);
        s_run_free(run);
        crm_consumer_done(batch, NULL, 0);
        return;
    }
    crm_db_batch_t *commit = NULL;
    if (run->a->table->applied) {
        commit = crm_db_batch_new();
        crm_trace_t was = crm_trace_keep();
        s_applying = run;
        run->a->table->applied(run->a->arg, res, commit);
        s_applying = NULL;
        crm_trace_restore(&was);
    }
    s_run_free(run);
    crm_consumer_done(batch, &commit, 1);
}

/* Adds ev's statements to b: 0 (also for a type not in the table), or -1. */
static int s_add(const crm_event_apply_t *a, const Crm__Event *ev, crm_db_batch_t *b)
{
    const crm_event_handler_t *h = s_handler(a->table, ev->type);
    if (!h)
        return 0;
    /* The event's trace is current while it is applied: the events its
     * statements write carry it on, the lines logged name it. */
    crm_trace_t was = crm_trace_swap(ev->trace_id);
    int rc = -1;
    ProtobufCMessage *payload =
        protobuf_c_message_unpack(h->payload, NULL, ev->payload.len, ev->payload.data);
    if (!payload) {
        crm_log(CRM_ERROR, "an event's payload does not decode; the stream waits", "type", ev->type,
                "event_id", ev->event_id, NULL);
    } else {
        rc = h->add(a->arg, ev, payload, b);
        protobuf_c_message_free_unpacked(payload, NULL);
        crm_log(CRM_DEBUG, "event gathered", "type", ev->type, "producer", ev->producer, "event_id",
                ev->event_id, NULL);
    }
    crm_trace_restore(&was);
    return rc;
}

void crm_event_apply(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                     crm_consumer_batch_t *batch)
{
    const crm_event_apply_t *a = arg;
    crm_db_batch_t *b = crm_db_batch_new();
    s_run_t *run = crm_calloc(1, sizeof *run);
    for (size_t i = 0; i < n; i++) {
        size_t before = crm_db_batch_size(b);
        if (s_add(a, events[i], b) < 0) {
            if (a->table->gathered)
                a->table->gathered(a->arg, NULL);
            crm_db_batch_destroy(&b);
            s_run_free(run);
            crm_consumer_done(batch, NULL, 0);
            return;
        }
        size_t added = crm_db_batch_size(b) - before;
        if (added && a->table->applied) { /* only a hook that reads results needs them */
            run->traces = crm_realloc(run->traces, (run->ntraces + added) * sizeof *run->traces);
            for (size_t k = 0; k < added; k++)
                snprintf(run->traces[run->ntraces++].id, sizeof run->traces->id, "%s",
                         events[i]->trace_id ? events[i]->trace_id : "");
        }
    }
    if (a->table->gathered)
        a->table->gathered(a->arg, b);
    if (crm_db_batch_size(b) == 0) {
        crm_db_batch_destroy(&b);
        s_run_free(run);
        crm_consumer_done(batch, NULL, 1);
        return;
    }
    run->a = a;
    run->batch = batch;
    crm_db_tx_submit(tx, &b, s_ran, run);
}
