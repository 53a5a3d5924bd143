/* customers_rpc.c: the Customers.* request handlers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/txn.h"
#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

#define WAIT_MAX_MS 1500 /* under the callers' RPC deadline (CRM_RPC_DEADLINE_MS, 2000) */
#define WAIT_STEP_MS 50

/* A read of one customer; GetByLead may wait for it to be made. */
typedef struct {
    customers_t *c;
    crm_rpc_call_t *call;
    int64_t id;
    uint64_t until_ms; /* GetByLead: look again until then (0: no waiting) */
    uv_timer_t *timer; /* while waiting; freed in its close callback */
} req_t;

static req_t *s_req(customers_t *c, crm_rpc_call_t *call, int64_t id)
{
    req_t *r = crm_calloc(1, sizeof *r);
    r->c = c;
    r->call = call;
    r->id = id;
    return r;
}

static void s_timer_closed(uv_handle_t *h)
{
    req_t *r = h->data;
    free(h);
    free(r);
}

static void s_req_free(req_t *r)
{
    if (r->timer)
        uv_close((uv_handle_t *)r->timer, s_timer_closed);
    else
        free(r);
}

static void s_by_lead_query(req_t *r);

static void s_look_again(uv_timer_t *t)
{
    s_by_lead_query(t->data);
}

static void s_not_found(req_t *r, const char *field)
{
    crm_rpc_fail(r->call, CRM__STATUS__NOT_FOUND, field, "customer not found (%s %lld)", field,
                 (long long)r->id);
}

/* ---- Get, GetByLead --------------------------------------------------- */

static void s_loaded(void *arg, const crm_db_result_t *res)
{
    req_t *r = arg;
    const Crm__Caller *caller = crm_rpc_call_caller(r->call);
    if (res->err) {
        crm_fail_db(r->call, res);
    } else if (PQntuples(res->results[0]) == 0 && r->until_ms > crm_mono_ms()) {
        /* Not made yet: look again in a moment. */
        if (!r->timer) {
            r->timer = crm_malloc(sizeof *r->timer);
            uv_timer_init(crm_service_loop(r->c->svc), r->timer);
            r->timer->data = r;
        }
        uv_timer_start(r->timer, s_look_again, WAIT_STEP_MS, 0);
        return;
    } else if (PQntuples(res->results[0]) == 0 ||
               !crm_scope_allows(caller, crm_db_get_i64(res->results[0], 0, 10))) {
        s_not_found(r, strcmp(crm_rpc_call_method(r->call), "Customers.GetByLead") == 0 ? "lead_id"
                                                                                        : "id");
    } else {
        Crm__Customers__Customer cust;
        customers_store_row(res->results[0], 0, &cust);
        crm_rpc_reply(r->call, &cust.base);
    }
    s_req_free(r);
}

static void s_get(crm_rpc_call_t *call, const Crm__Customers__GetCustomerRequest *req, void *arg)
{
    if (!crm_check_id(call, "id", req->id))
        return;
    customers_t *c = arg;
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_exec(c->db, "customer_get", 1, p, s_loaded, s_req(c, call, req->id));
}

static void s_by_lead_query(req_t *r)
{
    char id[24];
    const char *p[] = {crm_i64(id, r->id)};
    crm_db_exec(r->c->db, "customer_by_lead", 1, p, s_loaded, r);
}

static void s_get_by_lead(crm_rpc_call_t *call, const Crm__Customers__GetCustomerByLeadRequest *req,
                          void *arg)
{
    if (!crm_check_id(call, "lead_id", req->lead_id))
        return;
    if (req->wait_ms > WAIT_MAX_MS) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "wait_ms", "at most %d ms", WAIT_MAX_MS);
        return;
    }
    req_t *r = s_req(arg, call, req->lead_id);
    r->until_ms = req->wait_ms ? crm_mono_ms() + req->wait_ms : 0;
    s_by_lead_query(r);
}

/* ---- FollowUp --------------------------------------------------------- */

/* Round 1: the customer, locked. */
static void s_followup_read(crm_txn_t *t)
{
    const Crm__Customers__FollowUpRequest *req = crm_txn_request(t);
    char id[24];
    const char *p[] = {crm_i64(id, req->customer_id)};
    crm_txn_read(t, "customer", "customer_lock", 1, p);
}

/* The follow-up, the customer's new time, its event; the reply is the
 * customer as updated. */
static int s_followup_decide(crm_txn_t *t)
{
    const Crm__Customers__FollowUpRequest *req = crm_txn_request(t);
    const Crm__Caller *caller = crm_txn_caller(t);
    const PGresult *row = crm_txn_result(t, "customer");
    if (PQntuples(row) == 0 || !crm_scope_allows(caller, crm_db_get_i64(row, 0, 10)))
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "customer_id",
                              "customer not found (customer_id %lld)", (long long)req->customer_id);
    if (crm_db_get_i64(row, 0, 10) == 0)
        return crm_txn_refuse(t, CRM__STATUS__FAILED_PRECONDITION, "customer_id",
                              "the customer is in the pool; claim it first");
    char id[24], user[24];
    const char *p[] = {crm_i64(id, req->customer_id), crm_i64(user, caller->user_id), req->content};
    crm_db_batch_t *b = crm_txn_batch(t);
    crm_db_batch_add(b, "customer_followup", 3, p);
    Crm__Events__CustomerFollowedUp ev = CRM__EVENTS__CUSTOMER_FOLLOWED_UP__INIT;
    ev.customer_id = req->customer_id;
    ev.user_id = caller->user_id;
    ev.content = req->content;
    ev.at_us = crm_txn_now(t);
    crm_outbox_add(b, "customer.followed_up", id, &ev.base);
    Crm__Customers__Customer cust;
    customers_store_row(row, 0, &cust);
    cust.last_followup_at_us = cust.updated_at_us = ev.at_us;
    crm_txn_reply(t, &cust.base);
    return 0;
}

static const crm_txn_op_t s_followup_op = {.read = s_followup_read, .decide = s_followup_decide};

static void s_followup(crm_rpc_call_t *call, const Crm__Customers__FollowUpRequest *req, void *arg)
{
    if (!crm_check_id(call, "customer_id", req->customer_id) ||
        !crm_check_text(call, "content", req->content, 5000, 1))
        return;
    customers_t *c = arg;
    crm_txn_run(&c->env, call, &s_followup_op, NULL);
}

/* ---- Recycle ---------------------------------------------------------- */

/* The work of Customers.Recycle: arg is the days asked for (0: each
 * pool's rule). */
static void s_recycle_work(void *arg, crm_job_run_t *run)
{
    customers_recycle(run, (int)(intptr_t)arg);
}

static void s_recycle_reply(crm_txn_t *t, int64_t count)
{
    Crm__Customers__RecycleReply reply = CRM__CUSTOMERS__RECYCLE_REPLY__INIT;
    reply.recycled = count;
    crm_txn_reply(t, &reply.base);
}

static void s_recycle(crm_rpc_call_t *call, const Crm__Customers__RecycleRequest *req, void *arg)
{
    const Crm__Caller *caller = crm_rpc_call_caller(call);
    if (req->days < 0 || req->days > 3650) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "days", "days must be 0..3650");
        return;
    }
    if (caller->role != CRM__ROLE__ROLE_ADMIN && caller->role != CRM__ROLE__ROLE_SYSTEM) {
        crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL,
                     "only an admin may run recycling by hand");
        return;
    }
    customers_t *c = arg;
    crm_job_run_now(&c->env, call, s_recycle_work, (void *)(intptr_t)req->days, s_recycle_reply);
}

void customers_rpc_register(customers_t *c)
{
    c->handlers = (customers_handlers_t){
        .arg = c,
        .get = s_get,
        .get_by_lead = s_get_by_lead,
        .follow_up = s_followup,
        .recycle = s_recycle,
    };
    customers_serve(crm_service_rpc(c->svc), &c->handlers);
}
