/* customers_rpc.c: the Customers.* request handlers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/idem.h"
#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

typedef struct {
    customers_t *c;
    crm_rpc_call_t *call;
    crm_db_tx_t *tx;
    int64_t id;
    PGresult *row;
    Crm__Customers__Customer cust;
    int idem;       /* statements of the idempotency lookup */
    uint8_t *reply; /* the encoded reply, stored with the change */
    size_t reply_len;
} req_t;

static req_t *s_req(customers_t *c, crm_rpc_call_t *call, int64_t id)
{
    req_t *r = crm_calloc(1, sizeof *r);
    r->c = c;
    r->call = call;
    r->id = id;
    return r;
}

static void s_req_free(req_t *r)
{
    PQclear(r->row);
    free(r->reply);
    free(r);
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

static void s_get_by_lead(crm_rpc_call_t *call, const Crm__Customers__GetCustomerByLeadRequest *req,
                          void *arg)
{
    if (!crm_check_id(call, "lead_id", req->lead_id))
        return;
    customers_t *c = arg;
    char id[24];
    const char *p[] = {crm_i64(id, req->lead_id)};
    crm_db_exec(c->db, "customer_by_lead", 1, p, s_loaded, s_req(c, call, req->lead_id));
}

/* ---- FollowUp --------------------------------------------------------- */

static void s_followed_up(void *arg, const crm_db_result_t *res)
{
    req_t *r = arg;
    if (res->err)
        crm_fail_db(r->call, res);
    else {
        crm_rpc_reply_raw(r->call, r->reply, r->reply_len);
        crm_relay_kick(r->c->relay);
    }
    s_req_free(r);
}

static void s_followup_locked(void *arg, const crm_db_result_t *res)
{
    req_t *r = arg;
    const Crm__Customers__FollowUpRequest *req =
        (const Crm__Customers__FollowUpRequest *)crm_rpc_call_request(r->call);
    const Crm__Caller *caller = crm_rpc_call_caller(r->call);
    if (res->err) {
        crm_db_tx_rollback(r->tx);
        crm_fail_db(r->call, res);
        s_req_free(r);
        return;
    }
    if (r->idem && crm_idem_replayed(r->call, res->results[1])) {
        crm_db_tx_rollback(r->tx); /* an earlier attempt of this call recorded it */
        s_req_free(r);
        return;
    }
    const PGresult *row = res->results[r->idem];
    if (PQntuples(row) == 0 || !crm_scope_allows(caller, crm_db_get_i64(row, 0, 10))) {
        crm_db_tx_rollback(r->tx);
        s_not_found(r, "customer_id");
        s_req_free(r);
        return;
    }
    if (crm_db_get_i64(row, 0, 10) == 0) {
        crm_db_tx_rollback(r->tx);
        crm_rpc_fail(r->call, CRM__STATUS__FAILED_PRECONDITION, "customer_id",
                     "the customer is in the pool; claim it first");
        s_req_free(r);
        return;
    }
    /* The second round: the follow-up, the new time, and the event. The
     * reply needs the row as updated, so it is read back in the same batch. */
    char id[24], user[24];
    const char *p[] = {crm_i64(id, r->id), crm_i64(user, caller->user_id), req->content};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "customer_followup", 3, p);
    Crm__Events__CustomerFollowedUp ev = CRM__EVENTS__CUSTOMER_FOLLOWED_UP__INIT;
    ev.customer_id = r->id;
    ev.user_id = caller->user_id;
    ev.content = req->content;
    ev.at_us = crm_now_us();
    crm_outbox_add(b, "customer.followed_up", id, &ev.base);
    r->row = PQcopyResult(row, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    customers_store_row(r->row, 0, &r->cust);
    r->cust.last_followup_at_us = r->cust.updated_at_us = ev.at_us;
    r->reply = crm_idem_record(b, r->call, &r->cust.base, &r->reply_len);
    crm_db_tx_commit(r->tx, &b, s_followed_up, r);
}

static void s_followup_began(void *arg, crm_db_tx_t *tx, const crm_db_result_t *err)
{
    req_t *r = arg;
    if (!tx) {
        crm_fail_db(r->call, err);
        s_req_free(r);
        return;
    }
    r->tx = tx;
    char id[24];
    const char *p[] = {crm_i64(id, r->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    r->idem = crm_idem_lookup(b, r->call);
    crm_db_batch_add(b, "customer_lock", 1, p);
    crm_db_tx_submit(tx, &b, s_followup_locked, r);
}

static void s_followup(crm_rpc_call_t *call, const Crm__Customers__FollowUpRequest *req, void *arg)
{
    if (!crm_check_id(call, "customer_id", req->customer_id) ||
        !crm_check_text(call, "content", req->content, 5000, 1))
        return;
    customers_t *c = arg;
    crm_db_begin(c->db, s_followup_began, s_req(c, call, req->customer_id));
}

/* ---- Recycle ---------------------------------------------------------- */

/* The work of Customers.Recycle: arg is the days asked for (0: each
 * pool's rule). */
static void s_recycle_work(void *arg, crm_db_tx_t *tx, crm_pages_done_fn done, void *done_arg)
{
    customers_recycle(tx, (int)(intptr_t)arg, done, done_arg);
}

static void s_recycle_reply(crm_rpc_call_t *call, int64_t count)
{
    Crm__Customers__RecycleReply reply = CRM__CUSTOMERS__RECYCLE_REPLY__INIT;
    reply.recycled = count;
    crm_rpc_reply(call, &reply.base);
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
    crm_job_run_now(call, c->db, c->relay, s_recycle_work, (void *)(intptr_t)req->days,
                    s_recycle_reply);
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
