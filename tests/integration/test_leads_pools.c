/* test_leads_pools.c: lead pools (线索池): who manages them, masked
 * contacts until a claim, the claim rules (members only, claiming allowed,
 * daily limit, holding cap, cool-off for the previous owner), assignment by
 * a pool admin, two users claiming one lead at the same moment, automatic
 * recycling of neglected leads with one lead.recycled each (a recycled
 * lead read from the cache before reads as pooled at once, by
 * Leads.Recycle and by the job), and the scheduler's reminders of due
 * follow-ups and warnings before recycling, each sent once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jcall.h"

#define OK CRM__STATUS__OK
#define INVALID CRM__STATUS__INVALID_ARGUMENT
#define NOT_FOUND CRM__STATUS__NOT_FOUND
#define DENIED CRM__STATUS__PERMISSION_DENIED
#define PRECONDITION CRM__STATUS__FAILED_PRECONDITION

static h_t *h;

#define REFUSED(want, part, caller, method, ...)                                                   \
    do {                                                                                           \
        t_json_expect(h, want, "leads", method, caller, __VA_ARGS__);                              \
        t_json_says(method, NULL, part);                                                           \
    } while (0)

/* Users: 2 pool admin; 11, 12 members; 13 member by department 8; 20 not a member. */
static int64_t s_pool(const char *name, const char *rules)
{
    return t_json_id(h, "leads", "Leads.CreatePool", t_admin(0, 1),
                     "{\"name\": \"%s\", \"admin_ids\": [2], \"member_user_ids\": [11, 12],"
                     " \"member_department_ids\": [8], %s}",
                     name, rules);
}

static int64_t s_pooled_lead(int64_t pool, const char *name, const char *mobile)
{
    return t_json_id(h, "leads", "Leads.Create", t_admin(0, 1),
                     "{\"name\": \"%s\", \"mobile\": \"%s\", \"email\": \"a@b.cn\","
                     " \"pool_id\": %lld}",
                     name, mobile, (long long)pool);
}

static void test_pool_management(void)
{
    REFUSED(DENIED, "admins", t_user(0, 11, 5), "Leads.CreatePool", "{\"name\": \"华东\"}");
    REFUSED(INVALID, NULL, t_admin(0, 1), "Leads.CreatePool", "{\"name\": \"\"}");
    REFUSED(INVALID, NULL, t_admin(0, 1), "Leads.CreatePool",
            "{\"name\": \"负数\", \"holding_cap\": -1}");
    int64_t p = s_pool("华东线索池", "\"allow_claim\": true, \"daily_claim_limit\": 2");
    REFUSED(CRM__STATUS__ALREADY_EXISTS, NULL, t_admin(0, 1), "Leads.CreatePool",
            "{\"name\": \"华东线索池\"}");
    json_t *r = t_json_expect(h, OK, "leads", "Leads.UpdatePool", t_admin(0, 1),
                              "{\"id\": %lld, \"update_mask\": [\"admin_ids\","
                              " \"member_user_ids\", \"member_department_ids\","
                              " \"daily_claim_limit\"], \"admin_ids\": [2],"
                              " \"member_user_ids\": [11, 12], \"member_department_ids\": [8],"
                              " \"daily_claim_limit\": 3}",
                              (long long)p);
    H_CHECK(t_int(r, "daily_claim_limit") == 3, "rule updated");
    json_decref(r);
    /* Members list their pools; a stranger sees none. */
    r = t_json_expect(h, OK, "leads", "Leads.ListPools", t_user(0, 13, 8), "{}");
    H_CHECK(json_array_size(json_object_get(r, "items")) == 1, "member by department sees it");
    json_decref(r);
    r = t_json_expect(h, OK, "leads", "Leads.ListPools", t_user(0, 20, 9), "{}");
    H_CHECK(json_array_size(json_object_get(r, "items")) == 0, "stranger sees no pool");
    json_decref(r);
    /* Reads and writes of a pool that is not there, or of no pool. */
    REFUSED(NOT_FOUND, "pool not found", t_admin(0, 1), "Leads.GetPool", "{\"id\": 999999}");
    REFUSED(INVALID, NULL, t_admin(0, 1), "Leads.GetPool", "{\"id\": 0}");
    REFUSED(NOT_FOUND, "pool not found", t_admin(0, 1), "Leads.UpdatePool",
            "{\"id\": 999999, \"update_mask\": [\"name\"], \"name\": \"无此池\"}");
    REFUSED(INVALID, NULL, t_admin(0, 1), "Leads.UpdatePool",
            "{\"id\": %lld, \"update_mask\": [\"recycle_days\"], \"recycle_days\": 4000}",
            (long long)p);
    REFUSED(DENIED, "admins", t_user(0, 11, 5), "Leads.UpdatePool",
            "{\"id\": %lld, \"update_mask\": [\"name\"], \"name\": \"改名\"}", (long long)p);
    r = t_json_expect(h, OK, "leads", "Leads.GetPool", t_user(0, 11, 5), "{\"id\": %lld}",
                      (long long)p);
    H_CHECK(t_int(r, "daily_claim_limit") == 3, "the rule as updated");
    json_decref(r);
    /* A stranger cannot read the pool's people and rules either; an update
     * of an unknown id naming an existing pool changes nothing and says so. */
    REFUSED(NOT_FOUND, "pool not found", t_user(0, 20, 9), "Leads.GetPool", "{\"id\": %lld}",
            (long long)p);
    REFUSED(NOT_FOUND, "pool not found", t_admin(0, 1), "Leads.UpdatePool",
            "{\"id\": 999999, \"update_mask\": [\"name\"], \"name\": \"华东线索池\"}");
    r = t_json_expect(h, OK, "leads", "Leads.GetPool", t_admin(0, 1), "{\"id\": %lld}",
                      (long long)p);
    H_CHECK(t_int(r, "daily_claim_limit") == 3 &&
                json_array_size(json_object_get(r, "admin_ids")) == 1,
            "the pool named is untouched");
    json_decref(r);
    /* Putting a lead into a pool that does not exist. */
    json_t *l =
        t_json_expect(h, OK, "leads", "Leads.Create", t_user(0, 11, 5), "{\"name\": \"无池可放\"}");
    REFUSED(NOT_FOUND, "pool 999999 not found", t_user(0, 11, 5), "Leads.PutInPool",
            "{\"ids\": [%lld], \"pool_id\": 999999}", (long long)t_int(l, "id"));
    json_decref(l);
    h_note("pools: admins manage, members list");
}

static void test_masking_and_claim(void)
{
    int64_t p = s_pool("掩码池", "\"allow_claim\": true");
    int64_t id = s_pooled_lead(p, "池中线索", "13812345678");

    json_t *r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(0, 11, 5), "{\"id\": %lld}",
                              (long long)id);
    H_CHECK(strcmp(t_str(r, "mobile"), "138****5678") == 0, "member sees it masked: %s",
            t_str(r, "mobile"));
    H_CHECK(strcmp(t_str(r, "email"), "13812345678") != 0 &&
                json_is_true(json_object_get(r, "masked")),
            "masked flag");
    H_CHECK(strcmp(t_str(r, "status"), "LEAD_STATUS_UNASSIGNED") == 0, "unassigned");
    json_decref(r);
    r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(0, 2, 5), "{\"id\": %lld}",
                      (long long)id);
    H_CHECK(strcmp(t_str(r, "mobile"), "13812345678") == 0, "pool admin sees the number");
    json_decref(r);
    REFUSED(NOT_FOUND, NULL, t_user(0, 20, 9), "Leads.Get", "{\"id\": %lld}", (long long)id);
    /* The mask cannot be read back through the search: a member finds the
     * lead by its name, not by the digits the mask hides (138****5678 +
     * "1381234" would confirm them); an admin searches numbers. */
    r = t_json_expect(h, OK, "leads", "Leads.List", t_user(0, 11, 5),
                      "{\"view\": \"LEAD_VIEW_POOL\", \"pool_id\": %lld, \"keyword\": \"池中线\"}",
                      (long long)p);
    H_CHECK(json_array_size(json_object_get(r, "items")) == 1, "a member finds it by name");
    json_decref(r);
    const char *probes[] = {"1381234", "13812345678", "138"};
    for (size_t i = 0; i < 3; i++) {
        r = t_json_expect(h, OK, "leads", "Leads.List", t_user(0, 11, 5),
                          "{\"view\": \"LEAD_VIEW_POOL\", \"pool_id\": %lld, \"keyword\": \"%s\"}",
                          (long long)p, probes[i]);
        H_CHECK(json_array_size(json_object_get(r, "items")) == 0,
                "the number %s confirmed through the pool's search", probes[i]);
        json_decref(r);
    }
    r = t_json_expect(h, OK, "leads", "Leads.List", t_admin(0, 1),
                      "{\"view\": \"LEAD_VIEW_POOL\", \"pool_id\": %lld, \"keyword\": \"1381234\"}",
                      (long long)p);
    H_CHECK(json_array_size(json_object_get(r, "items")) == 1, "an admin searches the number");
    json_decref(r);
    /* To a stranger the pool's leads do not exist. */
    REFUSED(NOT_FOUND, "not found", t_user(0, 20, 9), "Leads.Claim", "{\"ids\": [%lld]}",
            (long long)id);
    /* Pooled leads cannot be followed up or converted before a claim. */
    REFUSED(PRECONDITION, "claim it", t_admin(0, 1), "Leads.Convert", "{\"id\": %lld}",
            (long long)id);

    r = t_json_expect(h, OK, "leads", "Leads.Claim", t_user(0, 13, 8), "{\"ids\": [%lld]}",
                      (long long)id);
    H_CHECK(t_int(r, "leads.0.owner_id") == 13, "claimed by the department member");
    H_CHECK(strcmp(t_str(r, "leads.0.mobile"), "13812345678") == 0, "unmasked once claimed");
    H_CHECK(strcmp(t_str(r, "leads.0.status"), "LEAD_STATUS_PENDING") == 0, "pending");
    json_decref(r);
    REFUSED(PRECONDITION, "holds it already", t_user(0, 11, 5), "Leads.Claim", "{\"ids\": [%lld]}",
            (long long)id);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'lead.claimed'") ==
                1,
            "one lead.claimed");
    h_note("pools: masked until claimed, members only");
}

static void test_claim_rules(void)
{
    /* Daily limit 2, holding cap 3, cool-off 1 day. */
    int64_t p = s_pool("规则池", "\"allow_claim\": true, \"daily_claim_limit\": 2,"
                                 " \"holding_cap\": 3, \"cooloff_days\": 1");
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        char mobile[16];
        snprintf(mobile, sizeof mobile, "1360000000%d", i);
        ids[i] = s_pooled_lead(p, "规则线索", mobile);
    }
    const Crm__Caller *u = t_user(0, 12, 5);
    REFUSED(PRECONDITION, "limit of 2 claims a day", u, "Leads.Claim",
            "{\"ids\": [%lld, %lld, %lld]}", (long long)ids[0], (long long)ids[1],
            (long long)ids[2]);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM lead_claims WHERE user_id = 12") == 0,
            "the refused batch claimed nothing");
    json_decref(t_json_expect(h, OK, "leads", "Leads.Claim", u, "{\"ids\": [%lld, %lld]}",
                              (long long)ids[0], (long long)ids[1]));
    REFUSED(PRECONDITION, "limit", u, "Leads.Claim", "{\"ids\": [%lld]}", (long long)ids[2]);

    /* Give one back: the cool-off keeps it from its previous owner. */
    json_decref(t_json_expect(h, OK, "leads", "Leads.PutInPool", u,
                              "{\"ids\": [%lld], \"reason\": \"没意向\"}", (long long)ids[0]));
    PQclear(h_sql(h, "leads", "DELETE FROM lead_claims")); /* a new day for the limit */
    REFUSED(PRECONDITION, "gave this lead up", u, "Leads.Claim", "{\"ids\": [%lld]}",
            (long long)ids[0]);
    /* The cap: 12 holds 1; claims 2 more → 3; the next is over the cap. */
    json_decref(t_json_expect(h, OK, "leads", "Leads.Claim", u, "{\"ids\": [%lld, %lld]}",
                              (long long)ids[2], (long long)ids[3]));
    PQclear(h_sql(h, "leads", "DELETE FROM lead_claims"));
    REFUSED(PRECONDITION, "cap", u, "Leads.Claim", "{\"ids\": [%lld]}", (long long)ids[4]);
    /* After the cool-off, someone else's claim is fine. */
    json_decref(t_json_expect(h, OK, "leads", "Leads.Claim", t_user(1, 11, 5), "{\"ids\": [%lld]}",
                              (long long)ids[0]));

    /* A pool that does not let members claim: its admin assigns. */
    int64_t q = s_pool("分配池", "\"allow_claim\": false");
    int64_t lead = s_pooled_lead(q, "分配线索", "13500000009");
    REFUSED(DENIED, "assign", t_user(0, 11, 5), "Leads.Claim", "{\"ids\": [%lld]}",
            (long long)lead);
    REFUSED(DENIED, "admins", t_user(0, 11, 5), "Leads.Assign",
            "{\"ids\": [%lld], \"to_owner_id\": 11}", (long long)lead);
    json_t *r = t_json_expect(h, OK, "leads", "Leads.Assign", t_user(0, 2, 5),
                              "{\"ids\": [%lld], \"to_owner_id\": 11, \"to_department_id\": 5}",
                              (long long)lead);
    H_CHECK(t_int(r, "leads.0.owner_id") == 11, "assigned by the pool admin");
    json_decref(r);
    h_note("claim rules: limit, cool-off, cap, assign-only pools");
}

/* ---- two users, one lead, one moment ----------------------------------- */

typedef struct {
    const char *endpoint;
    int64_t lead;
    int64_t user;
    Crm__Status st;
} racer_t;

static void *s_race(void *arg)
{
    racer_t *r = arg;
    Crm__DataScope scope = CRM__DATA_SCOPE__INIT;
    int64_t self = r->user;
    scope.user_ids = &self;
    scope.n_user_ids = 1;
    Crm__Caller c = CRM__CALLER__INIT;
    c.user_id = r->user;
    c.department_id = 5;
    c.role = CRM__ROLE__ROLE_EMPLOYEE;
    c.scope = &scope;
    Crm__Leads__LeadIdsRequest req = CRM__LEADS__LEAD_IDS_REQUEST__INIT;
    req.ids = &r->lead;
    req.n_ids = 1;
    r->st = t_call_at(r->endpoint, 5000, "Leads.Claim", &req.base, NULL, &c, NULL, NULL);
    return NULL;
}

static void test_concurrent_claim(void)
{
    int64_t p = s_pool("抢池", "\"allow_claim\": true");
    for (int round = 0; round < 20; round++) {
        char mobile[16];
        snprintf(mobile, sizeof mobile, "133000001%02d", round);
        int64_t lead = s_pooled_lead(p, "抢", mobile);
        racer_t a = {h_rpc(h, "leads"), lead, 11, 0}, b = {h_rpc(h, "leads"), lead, 12, 0};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, s_race, &a);
        pthread_create(&tb, NULL, s_race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        int wins = (a.st == OK) + (b.st == OK);
        H_CHECK(wins == 1, "round %d: exactly one claim wins (%s, %s)", round,
                crm_status_name(a.st), crm_status_name(b.st));
        H_CHECK((a.st == OK ? b.st : a.st) == PRECONDITION, "the loser is told it is taken");
    }
    H_CHECK(
        h_sql_int(h, "leads", "SELECT count(*) FROM leads WHERE name = '抢' AND owner_id = 0") == 0,
        "every contested lead has one owner");
    h_note("concurrent claim: one winner in 20 races");
}

/* Lead id read by its owner 11 (twice: the second from the cache), who
 * sees its contacts. */
static void s_read_cached(int64_t id)
{
    for (int i = 0; i < 2; i++) {
        json_t *r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(0, 11, 5), "{\"id\": %lld}",
                                  (long long)id);
        H_CHECK(t_int(r, "owner_id") == 11 && !json_is_true(json_object_get(r, "masked")),
                "11's lead, unmasked");
        json_decref(r);
    }
    char key[32];
    snprintf(key, sizeof key, "lead:%lld", (long long)id);
    H_CHECK(h_redis_exists(h, key), "lead %lld is cached", (long long)id);
}

/* Does lead id read as back in the pool, masked to its old owner 11? */
static int s_reads_pooled(void *arg)
{
    int64_t id = *(const int64_t *)arg;
    json_t *r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(0, 11, 5), "{\"id\": %lld}",
                              (long long)id);
    int pooled = t_int(r, "owner_id") == 0 && json_is_true(json_object_get(r, "masked"));
    json_decref(r);
    return pooled;
}

static void test_recycle(void)
{
    int64_t p = s_pool("回收池", "\"allow_claim\": true, \"recycle_days\": 3");
    int64_t fresh = s_pooled_lead(p, "新领的", "13200000001");
    int64_t stale = s_pooled_lead(p, "放久了", "13200000002");
    int64_t followed = s_pooled_lead(p, "跟进过", "13200000003");
    json_decref(t_json_expect(h, OK, "leads", "Leads.Claim", t_user(0, 11, 5),
                              "{\"ids\": [%lld, %lld, %lld]}", (long long)fresh, (long long)stale,
                              (long long)followed));
    json_decref(t_json_expect(h, OK, "leads", "Leads.FollowUp", t_user(0, 11, 5),
                              "{\"lead_id\": %lld, \"content\": \"聊过\","
                              " \"method\": \"FOLLOW_UP_METHOD_WECHAT\"}",
                              (long long)followed));
    /* The recycle timers the backdating publishes would fire the job at
     * once: paused, so the call below is the run that recycles. */
    PQclear(h_sql(h, "scheduler",
                  "UPDATE scheduler_jobs SET paused = true WHERE name = 'leads.recycle'"));
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE leads SET owner_since = now() - interval '4 days' WHERE id IN (%lld, %lld)",
             (long long)stale, (long long)followed);
    PQclear(h_sql(h, "leads", sql));
    s_read_cached(stale);
    REFUSED(DENIED, "admins", t_user(0, 11, 5), "Leads.Recycle", "{}");
    json_t *r = t_json_expect(h, OK, "leads", "Leads.Recycle", t_admin(0, 1), "{}");
    H_CHECK(t_int(r, "recycled") == 1, "only the stale, never followed-up lead: %lld",
            (long long)t_int(r, "recycled"));
    json_decref(r);
    /* Its cached copy went with the commit, before the reply: the old
     * owner reads it pooled and masked at once. */
    H_CHECK(s_reads_pooled(&stale), "the cached lead reads as pooled at once");
    r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(0, 2, 5), "{\"id\": %lld}",
                      (long long)stale);
    H_CHECK(t_int(r, "owner_id") == 0 && t_int(r, "previous_owner_id") == 11, "back in the pool");
    H_CHECK(strcmp(t_str(r, "status"), "LEAD_STATUS_UNASSIGNED") == 0, "unassigned again");
    json_decref(r);
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'lead.recycled'") ==
                1,
            "one lead.recycled");
    H_CHECK(h_sql_int(h, "leads", "SELECT count(*) FROM lead_history WHERE action = 'recycled'") ==
                1,
            "history says recycled");
    H_CHECK(h_sql_int(h, "leads",
                      "SELECT count(*) FROM lead_history WHERE action = 'recycled' AND"
                      " detail::jsonb->'changes' @> '[{\"field\": \"owner_id\", \"old\": 11,"
                      " \"new\": 0}, {\"field\": \"status\", \"old\": \"pending\","
                      " \"new\": \"unassigned\"}]'") == 1,
            "its detail: the owner and the status, old and new");
    /* Running the rule again finds nothing more. */
    r = t_json_expect(h, OK, "leads", "Leads.Recycle", t_admin(0, 1), "{}");
    H_CHECK(t_int(r, "recycled") == 0, "nothing twice");
    json_decref(r);
    h_note("recycle: neglected leads back to their pool, once");
}

static int64_t s_outbox(const char *type)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_outbox WHERE type = '%s'", type);
    return h_sql_int(h, "leads", sql);
}

/* Fires job now and waits until the leads service has applied it. */
static void s_fire(const char *job)
{
    json_decref(t_json_expect(h, OK, "scheduler", "Scheduler.FireNow", t_admin(0, 1),
                              "{\"name\": \"%s\"}", job));
    int64_t last =
        h_wait_sql(h, "scheduler", "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0, 5000);
    H_CHECK(last == 0, "firing published");
    int64_t seq = h_sql_int(h, "scheduler", "SELECT last_seq FROM crm_outbox_relay");
    H_CHECK(h_wait_sql(h, "leads",
                       "SELECT COALESCE(max(last_seq), 0) FROM crm_consumer_offsets"
                       " WHERE producer = 'scheduler'",
                       seq, 10000) >= seq,
            "leads applied the firing of %s", job);
}

static void test_reminders_and_warnings(void)
{
    int64_t p = s_pool("提醒池", "\"allow_claim\": true, \"recycle_days\": 3, \"warn_days\": 1");
    int64_t soon = s_pooled_lead(p, "快回收了", "13100000001");
    int64_t later = s_pooled_lead(p, "还早", "13100000002");
    json_decref(t_json_expect(h, OK, "leads", "Leads.Claim", t_user(0, 11, 5),
                              "{\"ids\": [%lld, %lld]}", (long long)soon, (long long)later));
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE leads SET owner_since = now() - interval '2 days 12 hours' WHERE id = %lld",
             (long long)soon);
    PQclear(h_sql(h, "leads", sql));
    /* A lead whose next follow-up time has come. */
    int64_t due = 0;
    json_t *r = t_json_expect(h, OK, "leads", "Leads.Create", t_user(0, 11, 5),
                              "{\"name\": \"该跟进了\", \"next_followup_at_us\": %lld}",
                              (long long)(time(NULL) - 60) * 1000000LL);
    due = t_int(r, "id");
    json_decref(r);

    s_fire("leads.remind");
    H_CHECK(s_outbox("lead.reminder") == 1, "one reminder: %lld",
            (long long)s_outbox("lead.reminder"));
    H_CHECK(s_outbox("lead.recycle_warning") == 1, "one warning: %lld",
            (long long)s_outbox("lead.recycle_warning"));
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM crm_outbox WHERE type = 'lead.reminder' AND aggregate_id = '%lld'",
        (long long)due);
    H_CHECK(h_sql_int(h, "leads", sql) == 1, "the reminder is about the due lead");
    s_fire("leads.remind");
    H_CHECK(s_outbox("lead.reminder") == 1 && s_outbox("lead.recycle_warning") == 1,
            "each sent once, however often the job fires");
    /* A new next follow-up time is reminded of again when it comes. */
    snprintf(sql, sizeof sql,
             "UPDATE leads SET next_followup_at = now() - interval '1 second' WHERE id = %lld",
             (long long)due);
    PQclear(h_sql(h, "leads", sql));
    s_fire("leads.remind");
    H_CHECK(s_outbox("lead.reminder") == 2, "the new due time reminded");

    /* The scheduler's recycle job does what Leads.Recycle does. */
    snprintf(sql, sizeof sql,
             "UPDATE leads SET owner_since = now() - interval '4 days' WHERE id = %lld",
             (long long)soon);
    PQclear(h_sql(h, "leads", sql));
    s_read_cached(soon);
    int64_t before = s_outbox("lead.recycled");
    s_fire("leads.recycle");
    H_CHECK(s_outbox("lead.recycled") == before + 1, "the job recycled the neglected lead");
    /* The consumer drops the copy once its batch commits: within moments,
     * not the cache's 5 minutes. */
    H_CHECK(h_wait_until(s_reads_pooled, &soon, 3000), "the job's recycled lead reads as pooled");
    h_note("reminders and warnings: once per due time; the recycle job");
}

int main(void)
{
    h = h_new("leads_pools");
    h_suite(h, 1, 0, 0, 1);
    h_start_all(h);
    test_pool_management();
    test_masking_and_claim();
    test_claim_rules();
    test_concurrent_claim();
    test_recycle();
    test_reminders_and_warnings();
    h_stop(h, "scheduler", 0);
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("leads_pools: ok\n");
    return 0;
}
