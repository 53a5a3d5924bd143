/* identity_handover.c: handover when someone leaves (离职交接). An admin
 * deactivates a user and names who takes over their records, one person
 * or per domain (Org.DeactivateUser); the user.deactivated event carries
 * the successors to every domain service, which moves the records in its
 * own transaction (crm/org.h) and reports with handover.progressed; the
 * gateway keeps the reports (id_handover_event) for the admin's view
 * (Org.GetHandover). */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/registry.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "identity_impl.h"

/* ---- checks ------------------------------------------------------------------ */

static int s_domain_known(const char *name)
{
    const crm_registry_t *r = crm_registry_get();
    for (size_t i = 0; i < r->n_domains; i++)
        if (!strcmp(r->domains[i].name, name))
            return 1;
    return 0;
}

/* The request's shape: who leaves, and a successor for them (not
 * themselves) in known domains. */
static int s_check(crm_rpc_call_t *call, const Crm__Gateway__DeactivateUserRequest *req)
{
    if (!crm_check_id(call, "id", req->id))
        return 0;
    if (req->id == crm_rpc_call_caller(call)->user_id) {
        crm_rpc_fail(call, CRM__STATUS__FAILED_PRECONDITION, "id",
                     "you cannot deactivate yourself");
        return 0;
    }
    if (!req->successor_id && !req->n_successors) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "successor_id",
                     "name who takes over the user's records (successor_id, or successors per "
                     "domain)");
        return 0;
    }
    if (req->successor_id && !crm_check_id(call, "successor_id", req->successor_id))
        return 0;
    for (size_t i = 0; i < req->n_successors; i++) {
        const Crm__Gateway__Successor *s = req->successors[i];
        char field[64];
        snprintf(field, sizeof field, "successors[%zu].domain", i);
        if (!s_domain_known(s->domain)) {
            crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, field,
                         "no domain \"%s\" in this suite", s->domain);
            return 0;
        }
        snprintf(field, sizeof field, "successors[%zu].successor_id", i);
        if (!crm_check_id(call, field, s->successor_id))
            return 0;
    }
    return 1;
}

/* ---- Org.DeactivateUser ----------------------------------------------------------- */

/* Every successor named: the ids to read. Caller frees. */
static int64_t *s_successor_ids(const Crm__Gateway__DeactivateUserRequest *req, size_t *n)
{
    int64_t *ids = crm_calloc(req->n_successors + 1, sizeof *ids);
    *n = 0;
    if (req->successor_id)
        ids[(*n)++] = req->successor_id;
    for (size_t i = 0; i < req->n_successors; i++)
        ids[(*n)++] = req->successors[i]->successor_id;
    return ids;
}

static void s_read(crm_txn_t *t)
{
    const Crm__Gateway__DeactivateUserRequest *req = crm_txn_request(t);
    size_t n;
    int64_t *ids = s_successor_ids(req, &n);
    char *arr = crm_db_i64_array(ids, n);
    const char *p[] = {arr};
    crm_txn_read(t, "successors", "SELECT id, active FROM users WHERE id = ANY($1::bigint[])", 1,
                 p);
    free(arr);
    free(ids);
}

/* Refuses unless successor is an active user other than the leaver. */
static int s_successor_ok(crm_txn_t *t, const char *field, int64_t successor)
{
    const Crm__Gateway__DeactivateUserRequest *req = crm_txn_request(t);
    const PGresult *r = crm_txn_result(t, "successors");
    if (successor == req->id)
        return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, field,
                              "user %lld cannot take over from themselves", (long long)successor);
    for (int i = 0; i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == successor)
            return crm_db_get_bool(r, i, 1)
                       ? 0
                       : crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, field,
                                        "user %lld is deactivated", (long long)successor);
    return crm_txn_refuse(t, CRM__STATUS__INVALID_ARGUMENT, field, "user %lld does not exist",
                          (long long)successor);
}

static int s_deactivated(crm_txn_t *t, const crm_db_result_t *res)
{
    const Crm__Gateway__DeactivateUserRequest *req = crm_txn_request(t);
    const PGresult *r = res->results[0];
    if (PQntuples(r) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "no such active user");
    size_t n = req->n_successors;
    Crm__OrgSuccessor *succ = crm_calloc(n + 1, sizeof *succ);
    Crm__OrgSuccessor **ptrs = crm_calloc(n + 1, sizeof *ptrs);
    for (size_t i = 0; i < n; i++) {
        crm__org_successor__init(&succ[i]);
        succ[i].domain = req->successors[i]->domain;
        succ[i].successor_id = req->successors[i]->successor_id;
        ptrs[i] = &succ[i];
    }
    id_event_user_left(crm_txn_batch(t), r, 0, req->successor_id, ptrs, n);
    free(ptrs);
    free(succ);
    Crm__Gateway__User u = CRM__GATEWAY__USER__INIT;
    crm_row_to_message(r, 0, &u.base, NULL);
    crm_txn_reply(t, &u.base);
    return 0;
}

/* The handover as asked: the successors per domain, as two arrays (a user
 * already gone is refused by s_deactivated, which rolls this back). */
static void s_add_request(crm_db_batch_t *b, crm_txn_t *t)
{
    const Crm__Gateway__DeactivateUserRequest *req = crm_txn_request(t);
    size_t n = req->n_successors;
    char **domains = crm_calloc(n + 1, sizeof *domains);
    int64_t *ids = crm_calloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        domains[i] = req->successors[i]->domain;
        ids[i] = req->successors[i]->successor_id;
    }
    char id[24], succ[24], by[24];
    char *d = crm_db_text_array(domains, n), *s = crm_db_i64_array(ids, n);
    const char *p[] = {crm_i64(id, req->id), crm_i64(succ, req->successor_id), d, s,
                       crm_i64(by, crm_txn_caller(t)->user_id)};
    crm_db_batch_add(b,
                     "INSERT INTO gw_handovers (user_id, successor_id, successor_domains,"
                     " successor_ids, requested_by) VALUES ($1::bigint, $2::bigint, $3::text[],"
                     " $4::bigint[], $5::bigint) ON CONFLICT (user_id) DO NOTHING",
                     5, p);
    free(d);
    free(s);
    free(domains);
    free(ids);
}

static int s_decide(crm_txn_t *t)
{
    const Crm__Gateway__DeactivateUserRequest *req = crm_txn_request(t);
    if (req->successor_id && s_successor_ok(t, "successor_id", req->successor_id) < 0)
        return -1;
    for (size_t i = 0; i < req->n_successors; i++) {
        char field[64];
        snprintf(field, sizeof field, "successors[%zu].successor_id", i);
        if (s_successor_ok(t, field, req->successors[i]->successor_id) < 0)
            return -1;
    }
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_user_deactivate", 1, p);
    crm_db_batch_add(b, "gw_tokens_revoke_user", 1, p);
    s_add_request(b, t);
    return crm_txn_then(t, &b, s_deactivated);
}

static const crm_txn_op_t s_deactivate_op = {
    .read = s_read, .decide = s_decide, .committed = id_org_changed};

static void s_deactivate(crm_rpc_call_t *call, const Crm__Gateway__DeactivateUserRequest *req,
                         void *arg)
{
    gw_identity_t *id = arg;
    if (s_check(call, req))
        crm_txn_run(&id->env, call, &s_deactivate_op, NULL);
}

/* ---- Org.GetHandover ---------------------------------------------------------------- */

static void s_reply(crm_rpc_call_t *call, const PGresult *h, const PGresult *d)
{
    Crm__Gateway__Handover reply = CRM__GATEWAY__HANDOVER__INIT;
    reply.user_id = crm_db_get_i64(h, 0, 0);
    reply.successor_id = crm_db_get_i64(h, 0, 1);
    size_t nd, ni;
    char **domains = crm_db_get_text_array(h, 0, 2, &nd);
    int64_t *ids = crm_db_get_i64_array(h, 0, 3, &ni);
    Crm__Gateway__Successor *succ = crm_calloc(nd + 1, sizeof *succ);
    Crm__Gateway__Successor **sp = crm_calloc(nd + 1, sizeof *sp);
    for (size_t i = 0; i < nd && i < ni; i++) {
        crm__gateway__successor__init(&succ[i]);
        succ[i].domain = domains[i];
        succ[i].successor_id = ids[i];
        sp[reply.n_successors++] = &succ[i];
    }
    reply.successors = sp;
    crm_rowmap_items(&reply.base, "domains", d, (size_t)PQntuples(d), NULL);
    crm_rpc_reply(call, &reply.base);
    crm_rowmap_items_clear(&reply.base, "domains");
    free(sp);
    free(succ);
    free(ids);
    free(domains);
}

static void s_got(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    const Crm__Gateway__GetUserRequest *req = (const void *)crm_rpc_call_request(call);
    if (res->err)
        crm_fail_db(call, res);
    else if (PQntuples(res->results[0]) == 0)
        crm_rpc_fail(call, CRM__STATUS__NOT_FOUND, "id", "no handover of user %lld",
                     (long long)req->id);
    else
        s_reply(call, res->results[0], res->results[1]);
}

static void s_get(crm_rpc_call_t *call, const Crm__Gateway__GetUserRequest *req, void *arg)
{
    gw_identity_t *id = arg;
    if (!crm_check_id(call, "id", req->id))
        return;
    char uid[24];
    const char *p[] = {crm_i64(uid, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b,
                     "SELECT user_id, successor_id, successor_domains, successor_ids"
                     " FROM gw_handovers WHERE user_id = $1::bigint",
                     1, p);
    crm_db_batch_add(b,
                     "SELECT domain, successor_id, state, moved, total FROM gw_handover_domains"
                     " WHERE user_id = $1::bigint ORDER BY domain",
                     1, p);
    crm_db_submit(id->db, &b, s_got, call);
}

/* ---- the domains' reports ------------------------------------------------------------- */

void id_handover_event(crm_db_batch_t *b, const Crm__Event *ev)
{
    if (strcmp(ev->type, "handover.progressed") != 0)
        return;
    Crm__OrgHandover *h = crm__org_handover__unpack(NULL, ev->payload.len, ev->payload.data);
    if (!h)
        return;
    char n[4][24];
    const char *p[] = {crm_i64(n[0], h->user_id),      h->domain,
                       crm_i64(n[1], h->successor_id), h->state,
                       crm_i64(n[2], h->moved),        crm_i64(n[3], h->total)};
    crm_db_batch_add(b,
                     "INSERT INTO gw_handover_domains (user_id, domain, successor_id, state, moved,"
                     " total) VALUES ($1::bigint, $2, $3::bigint, $4, $5::bigint, $6::bigint)"
                     " ON CONFLICT (user_id, domain) DO UPDATE SET successor_id ="
                     " EXCLUDED.successor_id, state = EXCLUDED.state, moved = EXCLUDED.moved,"
                     " total = EXCLUDED.total, updated_at = now()",
                     6, p);
    crm__org_handover__free_unpacked(h, NULL);
}

void id_handover_fill(org_handlers_t *h)
{
    h->deactivate_user = s_deactivate;
    h->get_handover = s_get;
}
