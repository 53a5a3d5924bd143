/* identity_tokens.c: API tokens of Org.* (proto/gateway.proto): a token
 * for an integration acts as a user, with a name and a scope ("read": GET
 * only). A new token's reply holds the token, shown once and stored only
 * as its hash: it is written in one statement and its reply is never
 * stored (crm/idem.h stores replies); a revocation is a crm_txn op. */
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/rowmap.h"
#include "crm/util.h"
#include "identity_impl.h"

static const Crm__Empty s_empty = CRM__EMPTY__INIT;

typedef struct {
    crm_rpc_call_t *call;
    char token[44];
    char hash[65];
} s_newtoken_t;

static void s_created(void *arg, const crm_db_result_t *res)
{
    s_newtoken_t *t = arg;
    if (res->err) {
        crm_fail_db(t->call, res);
        free(t);
        return;
    }
    Crm__Gateway__ApiToken at = CRM__GATEWAY__API_TOKEN__INIT;
    crm_row_to_message(res->results[0], 0, &at.base, NULL);
    Crm__Gateway__CreateApiTokenReply reply = CRM__GATEWAY__CREATE_API_TOKEN_REPLY__INIT;
    reply.token = t->token;
    reply.api_token = &at;
    crm_rpc_reply(t->call, &reply.base);
    free(t);
}

static void s_create(crm_rpc_call_t *call, const Crm__Gateway__CreateApiTokenRequest *req,
                     void *arg)
{
    gw_identity_t *id = arg;
    if (!crm_check_text(call, "name", req->name, 100, 1) ||
        !crm_check_id(call, "user_id", req->user_id))
        return;
    if (strcmp(req->scope, "read") != 0 && strcmp(req->scope, "write") != 0) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "scope", "read or write");
        return;
    }
    s_newtoken_t *t = crm_calloc(1, sizeof *t);
    t->call = call;
    id_token_new(t->token, t->hash);
    char uid[24];
    const char *p[] = {"api", t->hash, crm_i64(uid, req->user_id), req->name, req->scope, "0"};
    crm_db_exec(id->db, "gw_token_insert", 6, p, s_created, t);
}

static void s_listed(void *arg, const crm_db_result_t *res)
{
    crm_rpc_call_t *call = arg;
    if (res->err) {
        crm_fail_db(call, res);
        return;
    }
    Crm__Gateway__ListApiTokensReply reply = CRM__GATEWAY__LIST_API_TOKENS_REPLY__INIT;
    const PGresult *r = res->results[0];
    crm_rowmap_items(&reply.base, "items", r, (size_t)PQntuples(r), NULL);
    crm_rpc_reply(call, &reply.base);
    crm_rowmap_items_clear(&reply.base, "items");
}

static void s_list(crm_rpc_call_t *call, const Crm__Gateway__ListApiTokensRequest *req, void *arg)
{
    (void)req;
    gw_identity_t *id = arg;
    crm_db_exec(id->db, "gw_api_token_list", 0, NULL, s_listed, call);
}

static int s_revoked(crm_txn_t *t, const crm_db_result_t *res)
{
    if (PQntuples(res->results[0]) == 0)
        return crm_txn_refuse(t, CRM__STATUS__NOT_FOUND, "id", "no such live API token");
    crm_txn_reply(t, &s_empty.base);
    return 0;
}

static int s_revoke_decide(crm_txn_t *t)
{
    const Crm__Gateway__RevokeApiTokenRequest *req = crm_txn_request(t);
    char id[24];
    const char *p[] = {crm_i64(id, req->id)};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "gw_api_token_revoke", 1, p);
    return crm_txn_then(t, &b, s_revoked);
}

static void s_revoke_committed(crm_txn_t *t)
{
    id_forget_all(crm_txn_env(t)->ctx); /* only the hash knows the cache key */
}

static const crm_txn_op_t s_revoke_op = {.decide = s_revoke_decide,
                                         .committed = s_revoke_committed};

static void s_revoke(crm_rpc_call_t *call, const Crm__Gateway__RevokeApiTokenRequest *req,
                     void *arg)
{
    gw_identity_t *id = arg;
    if (crm_check_id(call, "id", req->id))
        crm_txn_run(&id->env, call, &s_revoke_op, NULL);
}

void id_tokens_fill(org_handlers_t *h)
{
    h->create_api_token = s_create;
    h->list_api_tokens = s_list;
    h->revoke_api_token = s_revoke;
}
