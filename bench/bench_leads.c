/* bench_leads.c: the leads service's two figures, each beside its raw limit.
 *
 * 1. Lead create throughput: Leads.Create (unique random mobiles, so the
 *    duplicate check runs and finds nothing) at 1 and 16 calls in flight,
 *    and in the same run pgbench on the same database running the SQL one
 *    create runs, in one transaction per lead: the idempotency key's lock
 *    and lookup, the next id, the check of the configured lists, the
 *    mobile's advisory lock and duplicate lookup, the INSERT of the lead,
 *    its history entry, its outbox row (a lead.created of the same size) and
 *    the stored reply, at 1 and 16 clients.
 * 2. Lists at 1,000,000 leads (200 owners in 10 departments of 20; every
 *    status, source, level and industry; a year of creation times): p50/p99
 *    of typical Leads.List calls, one in flight.
 *
 *     bench_leads [creates-per-run] [list-calls-per-kind] [profile-depth]
 *
 * 0 skips a part. A profile depth runs only the creates, at that many in
 * flight, with no pgbench beside them: for a profiler attached to the run.
 *
 * CRM_DB_POOL, when set, is passed to the service (default 4 connections).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/db.h"
#include "crm/rpc.h"
#include "events.pb-c.h"
#include "harness.h"
#include "leads.pb-c.h"
#include "calls.h"
#include "pgbench.h"
#include "seed.h"
#include "stats.h"

#define LEADS_SEEDED 1000000
#define OWNERS 200
#define TEAM 20

static int s_creates = 10000;
static int s_list_calls = 500;

/* ---- 1. create throughput ------------------------------------------------ */

typedef struct {
    Crm__Leads__CreateLeadRequest req;
    char mobile[16];
    int base;
} create_arg_t;

static const ProtobufCMessage *s_make_create(void *arg, int i, const Crm__Caller **caller)
{
    create_arg_t *a = arg;
    crm__leads__create_lead_request__init(&a->req);
    a->req.name = "压测线索";
    /* Unique and spread: a multiplicative step over 10^8 numbers. */
    snprintf(a->mobile, sizeof a->mobile, "139%08lld",
             (long long)(((int64_t)(a->base + i) * 48271) % 100000000));
    a->req.mobile = a->mobile;
    a->req.owner_id = 1;
    a->req.department_id = 1;
    *caller = calls_caller(CRM__ROLE__ROLE_SYSTEM, 0, 0, 1, NULL, 0);
    return &a->req.base;
}

/* The pgbench script: one create's statements in one transaction. */
static char *s_pgbench_script(h_t *h)
{
    char *hex = pgbench_lead_created_hex();
    char *path = NULL;
    if (asprintf(&path, "%s/create.sql", h_dir(h)) < 0)
        exit(1);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "\\set m random(0, 99999999)\n"
            "BEGIN;\n"
            "SELECT pg_advisory_xact_lock(hashtext('idem:' || :client_id || '-' || :m));\n"
            "SELECT reply FROM crm_idempotency WHERE key = :client_id || '-' || :m;\n"
            "SELECT nextval('leads_id_seq') AS id, crm_us(now()) AS now \\gset\n"
            "SELECT v.k FROM (VALUES ('level', ''::text), ('industry', ''::text),"
            " ('source', ''::text)) v(k, val) WHERE v.val <> '' AND NOT EXISTS"
            " (SELECT 1 FROM lead_options o WHERE o.kind = v.k AND o.value = v.val);\n"
            "SELECT pg_advisory_xact_lock(hashtext('lead.mobile:138' || lpad(:m::text, 8, '0')));\n"
            "SELECT id, owner_id FROM leads WHERE mobile = '138' || lpad(:m::text, 8, '0')"
            " AND status <> 6 AND deleted_at IS NULL AND id <> 0 ORDER BY id LIMIT 1;\n"
            "INSERT INTO leads (id, name, mobile, telephone, email, wechat, qq, company, source,"
            " level, industry, remark, tags, province, city, district, address, owner_id,"
            " department_id, status, next_followup_at, last_followup_at, last_followup_content,"
            " pool_id, previous_owner_id, owner_since, converted_at, updated_at, pooled_at,"
            " created_at, creator_id) VALUES (:id, '压测线索', '138' || lpad(:m::text, 8, '0'),"
            " '', '', '', '', '', '', '', '', '', '{}'::text[], '', '', '', '', 1, 1, 2,"
            " crm_ts(0), crm_ts(0), '', 0, 0, crm_ts(:now), crm_ts(0), crm_ts(:now), crm_ts(0),"
            " crm_ts(:now), 1);\n"
            "INSERT INTO lead_history (lead_id, action, actor_id, at, from_owner_id, to_owner_id,"
            " pool_id, reason, detail) VALUES (:id, 'created', 0, crm_ts(:now), 0, 1, 0, '',"
            " '');\n"
            "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload) VALUES"
            " (gen_random_uuid(), 'lead.created', :id, '%s'::bytea);\n"
            "INSERT INTO crm_idempotency (key, method, reply) VALUES"
            " (gen_random_uuid()::text, 'Leads.Create', '%s'::bytea);\n"
            "END;\n",
            hex, hex);
    fclose(f);
    free(hex);
    return path;
}

/* Creates only, at one depth, with no pgbench beside them: for a profiler
 * attached to the run (bench_leads N 0 DEPTH). */
static void s_profile_create(h_t *h, void *zctx, int inflight)
{
    create_arg_t a = {.base = 1};
    printf("lead create, profile run: %d in flight, no pgbench\n", inflight);
    double rate = calls_run(zctx, h_rpc(h, "leads"), "Leads.Create", &crm__leads__lead__descriptor,
                            s_make_create, &a, s_creates, inflight, "Leads.Create");
    printf("  %.0f leads/s\n", rate);
}

static void s_bench_create(h_t *h, void *zctx)
{
    char *script = s_pgbench_script(h), *bare = pgbench_bare_lead_script(h);
    printf("lead create: %d Leads.Create per run; pgbench %d s per run\n", s_creates,
           PGBENCH_SECONDS);
    create_arg_t a = {0};
    int base = 1;
    for (int inflight = 1; inflight <= 16; inflight *= 16) {
        double raw = pgbench_run(h, "leads", script, inflight);
        a.base = base;
        base += s_creates;
        char label[64];
        snprintf(label, sizeof label, "Leads.Create, %d in flight", inflight);
        double ours =
            calls_run(zctx, h_rpc(h, "leads"), "Leads.Create", &crm__leads__lead__descriptor,
                      s_make_create, &a, s_creates, inflight, label);
        double bare_tps = pgbench_run(h, "leads", bare, inflight);
        printf("  %2d: pgbench, a create's statements (raw limit) %8.0f leads/s   Leads.Create"
               " %8.0f leads/s   %.0f%%\n",
               inflight, raw, ours, 100 * ours / raw);
        printf("  %2d: pgbench, the lead and its outbox row only %8.0f leads/s   Leads.Create"
               " %.0f%% of it\n",
               inflight, bare_tps, 100 * ours / bare_tps);
    }
    free(script);
    free(bare);
}

/* ---- 2. lists at a million leads ------------------------------------------- */

/* Fills leads with LEADS_SEEDED rows, building the indexes after. */
static void s_seed(h_t *h)
{
    char sql[4096];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO leads (name, mobile, source, level, industry, tags, owner_id,"
        " department_id, creator_id, status, created_at, updated_at, next_followup_at,"
        " last_followup_at, owner_since)"
        " SELECT (ARRAY['上海','北京','广州','深圳','杭州','南京','成都','武汉','西安','苏州'])"
        "[1 + g %% 10] || (ARRAY['华信','恒通','金盛','宏达','新元','天成','博远','瑞丰',"
        "'嘉禾','正泰','永安','汇丰','中联','鼎盛','东方','远航','华美','长城','光明',"
        "'海洋'])[1 + (g / 10) %% 20] || (ARRAY['科技','贸易','物流','制造','咨询'])"
        "[1 + (g / 200) %% 5] || '有限公司' || g,"
        " '13' || lpad(g::text, 9, '0'),"
        " (ARRAY['', '广告', '转介绍', '官网', '展会', '电话咨询'])[1 + g %% 6],"
        " (ARRAY['', '重点客户', '优质客户', '普通客户', '意向客户'])[1 + g %% 5],"
        " (ARRAY['花木', '冶金', '化工', '纺织', '金融', '物流', '教育'])[1 + g %% 7],"
        " CASE WHEN g %% 10 = 0 THEN ARRAY['vip'] ELSE '{}' END,"
        " 1 + g %% %d, 1 + (g %% %d) / %d, 1, 2 + (g / 7) %% 5,"
        " now() - g * interval '31 seconds', now() - g * interval '29 seconds',"
        " CASE WHEN g %% 3 = 0 THEN date_trunc('day', now()) + (g %% 30 - 10) *"
        " interval '1 day' END,"
        " CASE WHEN (g / 7) %% 5 <> 0 THEN now() - g * interval '17 seconds' END,"
        " now() - g * interval '31 seconds'"
        " FROM generate_series(1, %d) g",
        OWNERS, OWNERS, TEAM, LEADS_SEEDED);
    seed_rows(h, "leads", "leads", "'leads_pkey'", sql);
}

/* One kind of list call: who asks (by call number) and what. */
typedef struct {
    const char *label;
    Crm__Leads__ListLeadsRequest req;
    int role; /* 0: employee (one of the 200), 1: manager of 20, 2: admin */
    Crm__Leads__LeadStatus status;
    int page2; /* ask for page 2: the cursor of page 1 first */
    char cursor[256];
    int64_t team[TEAM];
} list_arg_t;

static const ProtobufCMessage *s_make_list(void *arg, int i, const Crm__Caller **caller)
{
    list_arg_t *a = arg;
    int64_t user = 1 + (i * 37) % OWNERS, dept = 1 + (user - 1) / TEAM;
    for (int k = 0; k < TEAM; k++)
        a->team[k] = (dept - 1) * TEAM + 1 + k;
    *caller = a->role == 0 ? calls_caller(CRM__ROLE__ROLE_EMPLOYEE, user, dept, 0, &user, 1)
              : a->role == 1
                  ? calls_caller(CRM__ROLE__ROLE_MANAGER, 1000 + dept, dept, 0, a->team, TEAM)
                  : calls_caller(CRM__ROLE__ROLE_ADMIN, 1, 1, 1, NULL, 0);
    a->req.statuses = &a->status;
    a->req.n_statuses = a->status ? 1 : 0;
    a->req.cursor = a->page2 ? a->cursor : "";
    return &a->req.base;
}

/* The first page's cursor of a's request for the caller of call i (the
 * same caller s_make_list makes for it). */
static void s_first_cursor(h_t *h, void *zctx, list_arg_t *a, int i)
{
    a->page2 = 0;
    const Crm__Caller *c;
    const ProtobufCMessage *req = s_make_list(a, i, &c);
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    if (crm_rpc_call_sync(zctx, h_rpc(h, "leads"), 10000, "Leads.List", req,
                          &crm__leads__lead_list__descriptor, c, &out, &err) != CRM__STATUS__OK) {
        fprintf(stderr, "first page: %s\n", err);
        exit(1);
    }
    snprintf(a->cursor, sizeof a->cursor, "%s", ((Crm__Leads__LeadList *)out)->next_cursor);
    protobuf_c_message_free_unpacked(out, NULL);
    a->page2 = 1;
}

static void s_bench_lists(h_t *h, void *zctx)
{
    s_seed(h);
    list_arg_t kinds[7];
    memset(kinds, 0, sizeof kinds);
    for (size_t k = 0; k < 7; k++)
        crm__leads__list_leads_request__init(&kinds[k].req);
    kinds[0].label = "my leads (employee)";
    kinds[0].req.view = CRM__LEADS__LEAD_VIEW__LEAD_VIEW_MINE;
    kinds[1].label = "pending (employee)";
    kinds[1].req.view = CRM__LEADS__LEAD_VIEW__LEAD_VIEW_PENDING;
    kinds[2].label = "all, manager of 20";
    kinds[2].role = 1;
    kinds[3].label = "keyword 恒通科技, manager";
    kinds[3].role = 1;
    kinds[3].req.keyword = "恒通科技";
    kinds[4].label = "status following, manager";
    kinds[4].role = 1;
    kinds[4].status = CRM__LEADS__LEAD_STATUS__LEAD_STATUS_FOLLOWING;
    kinds[5].label = "page 2 by cursor, manager";
    kinds[5].role = 1;
    kinds[5].page2 = 1;
    kinds[6].label = "all + source 广告, admin";
    kinds[6].role = 2;
    kinds[6].req.source = "广告";
    printf("lists: %d calls per kind, 1 in flight, 20 per page\n", s_list_calls);
    for (size_t k = 0; k < 7; k++) {
        if (kinds[k].page2) {
            /* One caller (call 0's) for every call, its page 2. */
            s_first_cursor(h, zctx, &kinds[k], 0);
            kinds[k].role = 1;
        }
        calls_run(zctx, h_rpc(h, "leads"), "Leads.List", &crm__leads__lead_list__descriptor,
                  s_make_list, &kinds[k], s_list_calls, 1, kinds[k].label);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        s_creates = atoi(argv[1]);
    if (argc > 2)
        s_list_calls = atoi(argv[2]);
    int profile_depth = argc > 3 ? atoi(argv[3]) : 0;
    h_t *h = h_new("bench_leads");
    h_suite(h, 1, 0, 0, 0);
    pgbench_pass_pool(h);
    h_start_all(h);
    void *zctx = zmq_ctx_new();
    if (s_list_calls > 0) /* first: the creates' leads would be the newest */
        s_bench_lists(h, zctx);
    if (s_creates > 0 && profile_depth > 0)
        s_profile_create(h, zctx, profile_depth);
    else if (s_creates > 0)
        s_bench_create(h, zctx);
    zmq_ctx_term(zctx);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    return 0;
}
