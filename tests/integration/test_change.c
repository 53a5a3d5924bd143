/* test_change.c: the kit's write path (crm/txn.h, crm/change.h) on its own,
 * against a real PostgreSQL, with a toy record kind ("item") served over a
 * real RPC server on the loop. Leads' tests cover the engine through a whole
 * domain; these pin what every domain relies on:
 *   - a batch is all or nothing: the first record refused rolls everything
 *     back, and the refusal names the record and the request field;
 *   - an unknown id is not_found, naming it;
 *   - each changed record gets its save and its history entry, the reply is
 *     built from the records as changed, and stored under the call's key;
 *   - named reads: an op's own reads come back under their names;
 *   - rounds: a txn op that reads again twice (CRM_TXN_AGAIN) sees each
 *     round's results under that round's names, and its writes commit once;
 *   - later: a txn op doing paged work of its own (CRM_TXN_LATER) commits
 *     what the pages wrote with its reply;
 *   - an event over CRM_EVENT_MAX_BYTES refuses the whole change
 *     (failed_precondition, saying so) and nothing of it commits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crm/change.h"
#include "crm/job.h"
#include "crm/migrate.h"
#include "crm/outbox.h"
#include "crm/service.h"
#include "crm/util.h"
#include "harness.h"
#include "leads.pb-c.h"

static uv_loop_t s_loop;
static h_t *s_h;

/* ---- the toy kind: items (id, name, state) -------------------------------- */

typedef struct {
    int64_t id;
    const char *name;
    int64_t state;
} item_t;

static void s_decode(const PGresult *r, int row, void *rec)
{
    item_t *it = rec;
    it->id = crm_db_get_i64(r, row, 0);
    it->name = crm_db_get(r, row, 1);
    it->state = crm_db_get_i64(r, row, 2);
}

static void s_save(crm_change_t *c, const void *prev, const void *rec, crm_db_batch_t *b)
{
    const item_t *it = rec;
    char id[24], st[24];
    const char *p[] = {crm_i64(id, it->id), it->name, crm_i64(st, it->state)};
    crm_db_batch_add(b, "UPDATE items SET name = $2, state = $3::int WHERE id = $1::bigint", 3, p);
    const char *h[] = {id, crm_change_op(c)->action, crm_change_reason(c)};
    crm_db_batch_add(
        b, "INSERT INTO item_history (item_id, action, reason) VALUES ($1::bigint, $2, $3)", 3, h);
}

/* The reply: the items as changed, as leads (id and name). */
static void s_reply(crm_change_t *c)
{
    size_t n = crm_change_count(c);
    Crm__Leads__Lead *leads = crm_calloc(n, sizeof *leads);
    Crm__Leads__Lead **ptrs = crm_calloc(n, sizeof *ptrs);
    for (size_t i = 0; i < n; i++) {
        const item_t *it = crm_change_record(c, i);
        crm__leads__lead__init(&leads[i]);
        leads[i].id = it->id;
        leads[i].name = (char *)it->name;
        ptrs[i] = &leads[i];
    }
    Crm__Leads__LeadsReply reply = CRM__LEADS__LEADS_REPLY__INIT;
    reply.n_leads = n;
    reply.leads = ptrs;
    crm_change_reply(c, &reply.base);
    free(ptrs);
    free(leads);
}

static const crm_change_kind_t s_item_kind = {
    .noun = "item",
    .lock = "SELECT id, name, state FROM items WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
    .size = sizeof(item_t),
    .decode = s_decode,
    .save = s_save,
    .reply = s_reply,
};

/* The op: renames each item to "<name>!" and counts it; refuses an item in
 * state 2, naming the request's to_owner_id field. Reads a suffix under a
 * name of its own. */
static void s_rename_read(crm_change_t *c)
{
    crm_change_read(c, "suffix", "SELECT '!'::text", 0, NULL);
}

static int s_rename_apply(crm_change_t *c, void *rec, const void *prev)
{
    item_t *it = rec;
    if (it->state == 2)
        return crm_change_refuse(c, CRM__STATUS__FAILED_PRECONDITION, "to_owner_id",
                                 "it is frozen");
    const char *suffix = crm_db_get(crm_change_result(c, "suffix"), 0, 0);
    it->name = crm_change_keep(c, crm_sprintf("%s%s", it->name, suffix));
    it->state++;
    return 0;
}

static const crm_change_op_t s_rename_op = {
    .action = "renamed", .ids_field = "ids", .read = s_rename_read, .apply = s_rename_apply};

static crm_txn_env_t s_env;

static void s_transfer(crm_rpc_call_t *call, void *arg)
{
    const Crm__Leads__TransferLeadsRequest *req = (const void *)crm_rpc_call_request(call);
    if (!crm_change_check_ids(call, "ids", req->ids, req->n_ids, 10))
        return;
    crm_change_run(&s_env, call, &s_item_kind, &s_rename_op, req->ids, req->n_ids, req->reason,
                   NULL);
}

/* ---- a txn op of three rounds (Leads.Get's route) ------------------------ */

static void s_rounds_read(crm_txn_t *t)
{
    crm_txn_read(t, "a", "SELECT 20::bigint", 0, NULL);
}

static int s_rounds_decide(crm_txn_t *t)
{
    char v[24];
    switch (crm_txn_round(t)) {
    case 1: { /* a = 20: read b = a + 1 */
        const char *p[] = {crm_i64(v, crm_db_get_i64(crm_txn_result(t, "a"), 0, 0) + 1)};
        crm_txn_read(t, "b", "SELECT $1::bigint", 1, p);
        return CRM_TXN_AGAIN;
    }
    case 2: { /* b = 21: read c = b * 2 */
        H_CHECK(!crm_txn_has(t, "a"), "round 2 sees only its own reads");
        const char *p[] = {crm_i64(v, crm_db_get_i64(crm_txn_result(t, "b"), 0, 0) * 2)};
        crm_txn_read(t, "c", "SELECT $1::bigint", 1, p);
        return CRM_TXN_AGAIN;
    }
    default: { /* c = 42: write it, answer it */
        int64_t c = crm_db_get_i64(crm_txn_result(t, "c"), 0, 0);
        const char *p[] = {crm_i64(v, c)};
        crm_db_batch_add(crm_txn_batch(t),
                         "INSERT INTO item_history (item_id, action) VALUES"
                         " ($1::bigint, 'rounds')",
                         1, p);
        Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
        lead.id = c;
        crm_txn_reply(t, &lead.base);
        return 0;
    }
    }
}

static const crm_txn_op_t s_rounds_op = {.read = s_rounds_read, .decide = s_rounds_decide};

static void s_get(crm_rpc_call_t *call, void *arg)
{
    crm_txn_run(&s_env, call, &s_rounds_op, NULL);
}

/* ---- paged work of its own (Leads.Recycle's route) ----------------------- */

static void s_page_rows(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    for (int i = 0; i < PQntuples(rows); i++) {
        const char *p[] = {crm_db_get(rows, i, 0)};
        crm_db_batch_add(
            b, "INSERT INTO item_history (item_id, action) VALUES ($1::bigint, 'paged')", 1, p);
    }
}

static void s_work(void *arg, crm_job_run_t *run)
{
    /* Items in state 0, two at a time, moved to state 5. */
    crm_tx_pages(crm_job_tx(run),
                 "UPDATE items SET state = 5 WHERE id IN (SELECT id FROM items WHERE state = 0"
                 " ORDER BY id LIMIT $1::int) RETURNING id",
                 0, NULL, 2, s_page_rows, crm_job_end, run);
}

static void s_work_reply(crm_txn_t *t, int64_t count)
{
    Crm__Leads__RecycleLeadsReply reply = CRM__LEADS__RECYCLE_LEADS_REPLY__INIT;
    reply.recycled = count;
    crm_txn_reply(t, &reply.base);
}

static void s_recycle(crm_rpc_call_t *call, void *arg)
{
    crm_job_run_now(&s_env, call, s_work, NULL, s_work_reply);
}

/* ---- an event over its bound (Leads.Delete's route) ---------------------- */

static int s_big_decide(crm_txn_t *t)
{
    crm_db_batch_t *b = crm_txn_batch(t);
    crm_db_batch_add(b, "INSERT INTO item_history (item_id, action) VALUES (7, 'big')", 0, NULL);
    Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
    char *remark = crm_malloc(CRM_EVENT_MAX_BYTES + 2);
    memset(remark, 'x', CRM_EVENT_MAX_BYTES + 1);
    remark[CRM_EVENT_MAX_BYTES + 1] = '\0';
    lead.remark = remark;
    crm_outbox_add(b, "item.big", "7", &lead.base);
    free(remark);
    Crm__Leads__LeadsReply reply = CRM__LEADS__LEADS_REPLY__INIT;
    crm_txn_reply(t, &reply.base);
    return 0;
}

static const crm_txn_op_t s_big_op = {.decide = s_big_decide};

static void s_delete(crm_rpc_call_t *call, void *arg)
{
    crm_txn_run(&s_env, call, &s_big_op, NULL);
}

/* ---- calling ------------------------------------------------------------- */

typedef struct {
    int done;
    Crm__Status status;
    char message[256];
    char field[32];
    ProtobufCMessage *reply;
} s_res_t;

static void s_replied(void *arg, const crm_rpc_result_t *res)
{
    s_res_t *r = arg;
    r->done = 1;
    r->status = res->status;
    snprintf(r->message, sizeof r->message, "%s", res->message ? res->message : "");
    snprintf(r->field, sizeof r->field, "%s", res->field ? res->field : "");
    if (res->payload)
        r->reply =
            protobuf_c_message_unpack(res->payload->descriptor, NULL, res->raw_len, res->raw);
}

static void s_tick(uv_timer_t *t) {}

static void s_call(crm_rpc_client_t *cl, const char *method, const ProtobufCMessage *req,
                   const ProtobufCMessageDescriptor *out, s_res_t *r)
{
    memset(r, 0, sizeof *r);
    H_CHECK(crm_rpc_call(cl, method, req, out, NULL, s_replied, r) == 0, "call %s", method);
    uv_timer_t tick;
    uv_timer_init(&s_loop, &tick);
    uv_timer_start(&tick, s_tick, 5, 5);
    uint64_t until = crm_mono_ms() + 10000;
    while (!r->done && crm_mono_ms() < until)
        uv_run(&s_loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&s_loop, UV_RUN_NOWAIT);
    H_CHECK(r->done, "no answer to %s", method);
}

static void s_transfer_ids(crm_rpc_client_t *cl, const int64_t *ids, size_t n, s_res_t *r)
{
    Crm__Leads__TransferLeadsRequest req = CRM__LEADS__TRANSFER_LEADS_REQUEST__INIT;
    req.ids = (int64_t *)ids;
    req.n_ids = n;
    req.reason = "测试";
    s_call(cl, "Leads.Transfer", &req.base, &crm__leads__leads_reply__descriptor, r);
}

static int64_t s_int(const char *sql)
{
    return h_sql_int(s_h, "kit", sql);
}

int main(void)
{
    s_h = h_new("change");
    const char *conninfo = h_pg(s_h, "kit");
    H_CHECK(crm_migrate(conninfo, "crm", crm_migrations_common) >= 0, "common migrations");
    PQclear(h_sql(s_h, "kit",
                  "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL,"
                  " state int NOT NULL);"
                  "CREATE TABLE item_history (item_id bigint NOT NULL, action text NOT NULL,"
                  " reason text);"
                  "INSERT INTO items VALUES (1, 'one', 1), (2, 'two', 1), (3, 'three', 2),"
                  " (4, 'four', 0), (5, 'five', 0), (6, 'six', 0)"));
    uv_loop_init(&s_loop);
    void *zctx = zmq_ctx_new();
    char *ep = h_free_endpoint();
    crm_rpc_server_t *srv = crm_rpc_server_new(&s_loop, zctx, ep, 0);
    H_CHECK(srv, "server");
    const ProtobufCServiceDescriptor *d = &crm__leads__leads__descriptor;
    crm_rpc_server_handle(srv, d, "Transfer", s_transfer, NULL);
    crm_rpc_server_handle(srv, d, "Get", s_get, NULL);
    crm_rpc_server_handle(srv, d, "Recycle", s_recycle, NULL);
    crm_rpc_server_handle(srv, d, "Delete", s_delete, NULL);
    crm_db_t *db = crm_db_new(&s_loop, conninfo, 2);
    crm_txn_prepare(db);
    crm_outbox_prepare(db);
    s_env = (crm_txn_env_t){.db = db};
    crm_rpc_client_t *cl = crm_rpc_client_new(&s_loop, zctx, ep, 5000, 1);
    s_res_t r;

    /* All or nothing: item 3 is frozen, so 1 and 2 stay as they are. */
    int64_t frozen[] = {1, 3, 2};
    s_transfer_ids(cl, frozen, 3, &r);
    H_CHECK(r.status == CRM__STATUS__FAILED_PRECONDITION && !strcmp(r.field, "to_owner_id") &&
                !strcmp(r.message, "item 3: it is frozen"),
            "refusal: %s [%s] %s", crm_status_name(r.status), r.field, r.message);
    H_CHECK(s_int("SELECT count(*) FROM items WHERE name LIKE '%!'") == 0 &&
                s_int("SELECT count(*) FROM item_history") == 0,
            "a refused batch wrote something");
    h_note("all or nothing, the refusal naming the record and the field: ok");

    int64_t missing[] = {1, 99};
    s_transfer_ids(cl, missing, 2, &r);
    H_CHECK(r.status == CRM__STATUS__NOT_FOUND && !strcmp(r.field, "ids") &&
                !strcmp(r.message, "item 99: not found"),
            "unknown id: %s [%s] %s", crm_status_name(r.status), r.field, r.message);
    int64_t twice[] = {1, 1};
    s_transfer_ids(cl, twice, 2, &r);
    H_CHECK(r.status == CRM__STATUS__INVALID_ARGUMENT && !strcmp(r.field, "ids"),
            "an id twice: %s [%s]", crm_status_name(r.status), r.field);
    h_note("unknown and repeated ids: ok");

    int64_t ok[] = {2, 1};
    s_transfer_ids(cl, ok, 2, &r);
    H_CHECK(r.status == CRM__STATUS__OK, "rename: %s %s", crm_status_name(r.status), r.message);
    const Crm__Leads__LeadsReply *lr = (const void *)r.reply;
    H_CHECK(lr && lr->n_leads == 2 && lr->leads[0]->id == 2 &&
                !strcmp(lr->leads[0]->name, "two!") && lr->leads[1]->id == 1 &&
                !strcmp(lr->leads[1]->name, "one!"),
            "the reply holds the records as changed, in request order");
    protobuf_c_message_free_unpacked(r.reply, NULL);
    H_CHECK(s_int("SELECT count(*) FROM items WHERE name IN ('one!', 'two!') AND state = 2") == 2,
            "both saved");
    H_CHECK(
        s_int("SELECT count(*) FROM item_history WHERE action = 'renamed' AND reason = '测试'") ==
            2,
        "one history entry each");
    H_CHECK(s_int("SELECT count(*) FROM crm_idempotency WHERE method = 'Leads.Transfer'") == 1,
            "the reply is stored under the call's key");
    h_note("a batch saved with history and its stored reply: ok");

    Crm__Leads__GetLeadRequest get = CRM__LEADS__GET_LEAD_REQUEST__INIT;
    get.id = 1;
    s_call(cl, "Leads.Get", &get.base, &crm__leads__lead__descriptor, &r);
    H_CHECK(r.status == CRM__STATUS__OK && r.reply && ((Crm__Leads__Lead *)r.reply)->id == 42,
            "three rounds: %s %s", crm_status_name(r.status), r.message);
    protobuf_c_message_free_unpacked(r.reply, NULL);
    H_CHECK(s_int("SELECT count(*) FROM item_history WHERE action = 'rounds' AND item_id = 42") ==
                1,
            "the rounds' write committed once");
    h_note("three rounds of named reads: ok");

    Crm__Leads__RecycleLeadsRequest rec = CRM__LEADS__RECYCLE_LEADS_REQUEST__INIT;
    s_call(cl, "Leads.Recycle", &rec.base, &crm__leads__recycle_leads_reply__descriptor, &r);
    H_CHECK(r.status == CRM__STATUS__OK && r.reply &&
                ((Crm__Leads__RecycleLeadsReply *)r.reply)->recycled == 3,
            "paged work: %s %s", crm_status_name(r.status), r.message);
    protobuf_c_message_free_unpacked(r.reply, NULL);
    H_CHECK(s_int("SELECT count(*) FROM items WHERE state = 5") == 3 &&
                s_int("SELECT count(*) FROM item_history WHERE action = 'paged'") == 3,
            "the pages' changes and writes committed with the reply");
    h_note("paged work of its own: ok");

    Crm__Leads__LeadIdsRequest del = CRM__LEADS__LEAD_IDS_REQUEST__INIT;
    s_call(cl, "Leads.Delete", &del.base, &crm__leads__leads_reply__descriptor, &r);
    H_CHECK(r.status == CRM__STATUS__FAILED_PRECONDITION && strstr(r.message, "item.big") &&
                strstr(r.message, "over the bound"),
            "an event over its bound: %s %s", crm_status_name(r.status), r.message);
    H_CHECK(s_int("SELECT count(*) FROM item_history WHERE action = 'big'") == 0 &&
                s_int("SELECT count(*) FROM crm_outbox") == 0,
            "nothing of the refused change committed");
    h_note("an event over its bound refuses the change: ok");

    crm_rpc_client_destroy(&cl);
    crm_rpc_server_destroy(&srv);
    crm_db_destroy(&db);
    uv_run(&s_loop, UV_RUN_DEFAULT);
    H_CHECK(uv_loop_close(&s_loop) == 0, "handles left open on the loop");
    zmq_ctx_term(zctx);
    free(ep);
    h_destroy(&s_h);
    h_note("test_change: ok");
    return 0;
}
