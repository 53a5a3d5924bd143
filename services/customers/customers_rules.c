/* customers_rules.c: a customer pool's recycle rules (回收规则): their
 * checks, their stored form (a JSON array in the API's wire form, read by
 * the customer_deadline function of sql/008), the recomputation of the
 * held customers' deadlines when a pool's rules change (in the change's
 * transaction), and the dry run of a change (Customers.PreviewPoolRules:
 * how many and which customers it would recycle, and when), computed by
 * the same SQL function the real change uses; and who manages pools and
 * their rules (admins). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/check.h"
#include "crm/log.h"
#include "crm/mask.h"
#include "crm/pbjson.h"
#include "crm/rowmap.h"
#include "crm/scope.h"
#include "crm/util.h"
#include "customers.h"

typedef Crm__Customers__CustomerRecycleRule rule_t;

#define RULES_MAX 3   /* one per kind */
#define LEVELS_MAX 20 /* levels of one rule */
#define DAYS_MAX 3650

int customers_pools_admin_only(crm_rpc_call_t *call)
{
    if (crm_scope_all(crm_rpc_call_caller(call)))
        return 1;
    crm_rpc_fail(call, CRM__STATUS__PERMISSION_DENIED, NULL, "only admins manage customer pools");
    return 0;
}

/* ---- stored form ---------------------------------------------------------- */

void customers_rules_decode(const char *text, Crm__Customers__CustomerPool *p)
{
    json_t *a = json_loads(text, 0, NULL);
    json_t *obj = json_pack("{s:o?}", "recycle_rules", a);
    Crm__Customers__CustomerPool *parsed = (Crm__Customers__CustomerPool *)crm_pb_from_json_as(
        &crm__customers__customer_pool__descriptor, obj, CRM_PBJSON_WIRE, NULL, NULL);
    json_decref(obj);
    if (!parsed) {
        crm_log(CRM_ERROR, "a pool's stored recycle rules do not read", "rules", text, NULL);
        return;
    }
    p->recycle_rules = parsed->recycle_rules;
    p->n_recycle_rules = parsed->n_recycle_rules;
    parsed->recycle_rules = NULL;
    parsed->n_recycle_rules = 0;
    protobuf_c_message_free_unpacked(&parsed->base, NULL);
}

void customers_rules_clear(Crm__Customers__CustomerPool *p)
{
    for (size_t i = 0; i < p->n_recycle_rules; i++)
        protobuf_c_message_free_unpacked(&p->recycle_rules[i]->base, NULL);
    free(p->recycle_rules);
    p->recycle_rules = NULL;
    p->n_recycle_rules = 0;
}

char *customers_rules_json(rule_t *const *rules, size_t n)
{
    Crm__Customers__CustomerPool p = CRM__CUSTOMERS__CUSTOMER_POOL__INIT;
    p.recycle_rules = (rule_t **)rules;
    p.n_recycle_rules = n;
    json_t *obj = crm_pb_to_json_as(&p.base, CRM_PBJSON_WIRE);
    json_t *a = json_object_get(obj, "recycle_rules"); /* left out while empty */
    char *text = a ? json_dumps(a, JSON_COMPACT) : crm_strdup("[]");
    json_decref(obj);
    return text;
}

/* ---- checks --------------------------------------------------------------- */

/* The fields at fault, by rule (static text for crm_err_t). */
static const char *const s_kind_field[RULES_MAX] = {
    "recycle_rules[0].kind", "recycle_rules[1].kind", "recycle_rules[2].kind"};
static const char *const s_days_field[RULES_MAX] = {
    "recycle_rules[0].days", "recycle_rules[1].days", "recycle_rules[2].days"};
static const char *const s_levels_field[RULES_MAX] = {
    "recycle_rules[0].level_days", "recycle_rules[1].level_days", "recycle_rules[2].level_days"};

static int s_check_levels(const rule_t *r, size_t i, crm_err_t *err)
{
    if (r->n_level_days > LEVELS_MAX)
        return crm_err_invalid(err, s_levels_field[i], "at most %d levels", LEVELS_MAX);
    if (r->days != 0)
        return crm_err_invalid(err, s_days_field[i],
                               "a rule with level_days takes its days from them: leave days 0");
    for (size_t j = 0; j < r->n_level_days; j++) {
        const Crm__Customers__CustomerLevelDays *l = r->level_days[j];
        if (!l->level || !*l->level)
            return crm_err_invalid(err, s_levels_field[i], "level %zu has no level", j + 1);
        if (l->days < 1 || l->days > DAYS_MAX)
            return crm_err_invalid(err, s_levels_field[i], "level %s: days must be 1..%d", l->level,
                                   DAYS_MAX);
        for (size_t k = 0; k < j; k++)
            if (!strcmp(r->level_days[k]->level, l->level))
                return crm_err_invalid(err, s_levels_field[i], "level %s is given twice", l->level);
    }
    return 0;
}

int customers_rules_check(rule_t *const *rules, size_t n, crm_err_t *err)
{
    if (n > RULES_MAX)
        return crm_err_invalid(err, "recycle_rules",
                               "at most %d rules: one each of followup, opportunity, deal",
                               RULES_MAX);
    for (size_t i = 0; i < n; i++) {
        const rule_t *r = rules[i];
        if (r->kind < CRM__CUSTOMERS__RECYCLE_RULE_KIND__RECYCLE_RULE_KIND_FOLLOWUP ||
            r->kind > CRM__CUSTOMERS__RECYCLE_RULE_KIND__RECYCLE_RULE_KIND_DEAL)
            return crm_err_invalid(err, s_kind_field[i], "kind is followup, opportunity or deal");
        for (size_t k = 0; k < i; k++)
            if (rules[k]->kind == r->kind)
                return crm_err_invalid(err, s_kind_field[i], "one rule of each kind");
        if (r->n_level_days > 0) {
            if (s_check_levels(r, i, err) < 0)
                return -1;
        } else if (r->days < 1 || r->days > DAYS_MAX) {
            return crm_err_invalid(err, s_days_field[i], "days must be 1..%d (or level_days)",
                                   DAYS_MAX);
        }
    }
    return 0;
}

char *customers_rules_levels(rule_t *const *rules, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += rules[i]->n_level_days;
    char **levels = crm_calloc(count + 1, sizeof *levels);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < rules[i]->n_level_days; j++)
            levels[k++] = rules[i]->level_days[j]->level;
    char *a = crm_db_text_array(levels, k);
    free(levels);
    return a;
}

/* ---- recomputation -------------------------------------------------------- */

/* The held customers of a pool ($1) under rules $2 (NULL: the pool's own;
 * none once it is deleted) and warn_days $3 (NULL: the pool's): their
 * deadline now (cur) and under the rules (at, warn_at, rule, days; NULL:
 * none). */
#define DEADLINES_SQL                                                                              \
    "WITH p AS (SELECT id, CASE WHEN deleted_at IS NULL THEN COALESCE($2::jsonb, recycle_rules)"   \
    "  ELSE '[]' END AS rules, COALESCE($3::int, warn_days) AS warn, deleted_at FROM "             \
    "customer_pools"                                                                               \
    "  WHERE id = $1::bigint),"                                                                    \
    " d AS (SELECT c.id, c.name, c.owner_id, c.recycle_at AS cur, c.recycle_warn_at AS cur_warn,"  \
    "  c.recycle_rule AS cur_rule, c.recycle_rule_days AS cur_days, x.at, x.warn_at,"              \
    "  COALESCE(x.rule, '') AS rule, COALESCE(x.days, 0) AS days"                                  \
    "  FROM p JOIN customers c ON c.pool_id = p.id AND c.owner_id <> 0 AND c.deleted_at IS NULL"   \
    "  LEFT JOIN LATERAL customer_deadline(p.rules, p.warn, c) x ON true)"

void customers_rules_prepare(crm_db_t *db)
{
    /* After a pool's rules or warn_days change (the pool's row written
     * first, in the same transaction): its held customers' deadlines,
     * written where they move. */
    crm_db_prepare(db, "customer_deadlines_recompute",
                   DEADLINES_SQL " UPDATE customers c SET recycle_at = d.at,"
                                 " recycle_warn_at = d.warn_at, recycle_rule = d.rule,"
                                 " recycle_rule_days = d.days FROM d WHERE c.id = d.id AND"
                                 " (d.cur, d.cur_warn, d.cur_rule, d.cur_days) IS DISTINCT FROM"
                                 " (d.at, d.warn_at, d.rule, d.days)");
    /* The dry run in one pass over the held customers (d, materialised as
     * it is read twice): the counts on every row, beside the 200 earliest
     * deadlines (none: one row of counts, its item columns NULL). */
    crm_db_prepare(db, "customer_deadlines_preview",
                   DEADLINES_SQL
                   ", n AS (SELECT (SELECT count(*) FROM p WHERE deleted_at IS NULL) AS found,"
                   " count(*) AS held, count(*) FILTER (WHERE at <= now()) AS due_now,"
                   " count(*) FILTER (WHERE at <= now() + interval '7 days') AS due_7,"
                   " count(*) FILTER (WHERE at <= now() + interval '30 days') AS due_30,"
                   " count(*) FILTER (WHERE at IS NULL) AS exempt,"
                   " count(*) FILTER (WHERE at IS DISTINCT FROM cur) AS changed FROM d),"
                   " i AS (SELECT id AS customer_id, name, owner_id, at, crm_us(at) AS"
                   " recycle_at_us, crm_us(cur) AS current_recycle_at_us,"
                   " array_position(ARRAY['followup', 'opportunity', 'deal'], rule) AS rule,"
                   " days AS rule_days FROM d WHERE at IS NOT NULL ORDER BY at, id LIMIT 200)"
                   " SELECT n.*, i.* FROM n LEFT JOIN i ON true ORDER BY i.at, i.customer_id");
}

void customers_rules_recompute(crm_db_batch_t *b, int64_t pool_id)
{
    char id[24];
    const char *p[] = {crm_i64(id, pool_id), NULL, NULL};
    crm_db_batch_add(b, "customer_deadlines_recompute", 3, p);
}

/* ---- Customers.PreviewPoolRules ------------------------------------------- */

typedef struct {
    crm_rpc_call_t *call;
    int64_t pool_id;
} preview_t;

static void s_previewed(void *arg, const crm_db_result_t *res)
{
    preview_t *pv = arg;
    if (res->err) {
        crm_fail_db(pv->call, res);
        free(pv);
        return;
    }
    const PGresult *n = res->results[0];
    if (crm_db_get_i64(n, 0, 0) == 0) {
        crm_rpc_fail(pv->call, CRM__STATUS__NOT_FOUND, "id", "pool %lld not found",
                     (long long)pv->pool_id);
        free(pv);
        return;
    }
    Crm__Customers__RecyclePreview reply = CRM__CUSTOMERS__RECYCLE_PREVIEW__INIT;
    reply.pool_id = pv->pool_id;
    reply.held = crm_db_get_i64(n, 0, 1);
    reply.due_now = crm_db_get_i64(n, 0, 2);
    reply.due_in_7_days = crm_db_get_i64(n, 0, 3);
    reply.due_in_30_days = crm_db_get_i64(n, 0, 4);
    reply.exempt = crm_db_get_i64(n, 0, 5);
    reply.changed = crm_db_get_i64(n, 0, 6);
    size_t items = PQgetisnull(n, 0, PQfnumber(n, "customer_id")) ? 0 : (size_t)PQntuples(n);
    crm_err_t err;
    if (crm_rowmap_items(&reply.base, "items", n, items, &err) < 0)
        crm_rpc_fail_err(pv->call, &err);
    else
        crm_rpc_reply(pv->call, &reply.base);
    crm_rowmap_items_clear(&reply.base, "items");
    free(pv);
}

static void s_preview(crm_rpc_call_t *call, const Crm__Customers__UpdateCustomerPoolRequest *req,
                      void *arg)
{
    customers_t *cs = arg;
    crm_err_t err;
    if (!customers_pools_admin_only(call) || !crm_check_id(call, "id", req->id))
        return;
    int has_rules = crm_mask_has(req->update_mask, req->n_update_mask, "recycle_rules");
    int has_warn = crm_mask_has(req->update_mask, req->n_update_mask, "warn_days");
    if (has_rules && customers_rules_check(req->recycle_rules, req->n_recycle_rules, &err) < 0) {
        crm_rpc_fail_err(call, &err);
        return;
    }
    if (has_warn && (req->warn_days < 0 || req->warn_days > 365)) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "warn_days", "warn_days is 0..365");
        return;
    }
    char id[24], warn[16];
    char *rules = has_rules ? customers_rules_json(req->recycle_rules, req->n_recycle_rules) : NULL;
    snprintf(warn, sizeof warn, "%d", req->warn_days);
    const char *p[] = {crm_i64(id, req->id), rules, has_warn ? warn : NULL};
    crm_db_batch_t *b = crm_db_batch_new();
    crm_db_batch_add(b, "customer_deadlines_preview", 3, p);
    free(rules);
    preview_t *pv = crm_calloc(1, sizeof *pv);
    *pv = (preview_t){call, req->id};
    crm_db_submit(cs->db, &b, s_previewed, pv);
}

void customers_rules_handlers(customers_t *cs)
{
    cs->handlers.preview_pool_rules = s_preview;
}
