/* leads_probe.c: what a pool's mask hides, kept hidden from the dedup check,
 * from a create's duplicate refusal and from an import's duplicate
 * outcomes (issue #17, docs/leads.md "What the mask hides").
 *
 * A member who sees 137****0004 in a pool could otherwise confirm the number
 * by trying its 10,000 candidates. A number given to a check, a create or an
 * import row is a masked probe when a pooled lead masked to the caller has a
 * number of the same masked form (same length, first three and last four
 * characters): the check then answers that form and the pool, never whether
 * the number is the same, and each masked probe costs one of the caller's
 * probes of the day (CRM_DEDUP_MASKED_DAILY), counted in the leads database
 * in the same transaction; past the budget the call is refused
 * (rate_limited), and an import row held back (invalid) whether or not its
 * number is the lead's. */
#include <stdio.h>
#include <string.h>

#include "crm/scope.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "leads.h"
#include "leads_import.h"

/* The pooled leads masked to caller $2. */
#define MASKED_LEADS                                                                               \
    "SELECT l.id, l.pool_id, l.status FROM leads l JOIN lead_pools p ON p.id = l.pool_id"          \
    " WHERE l.owner_id = 0 AND l.pool_id <> 0 AND l.deleted_at IS NULL"                            \
    " AND NOT $2::bigint = ANY(p.admin_ids)"

/* ... whose <col> has the masked form of <number> (the partial indexes of
 * sql/008_masked_probes.sql). */
#define SAME_FORM(col, number)                                                                     \
    " AND l." col " <> '' AND left(l." col ", 3) || right(l." col ", 4) = left(" number            \
    ", 3) || right(" number ", 4) AND length(l." col ") = length(" number ")"

#define PROBE_HITS(col) MASKED_LEADS SAME_FORM(col, "$1") " ORDER BY l.id LIMIT 50"

/* For each mobile of $1 (a text array) of a masked lead's form: the first
 * lead of that form and every one with the mobile itself, by mobile in
 * byte order (as strcmp has it). */
#define FORM_OF_EACH SAME_FORM("mobile", "k.m")
#define PROBE_MOBILES                                                                              \
    "SELECT k.m AS mobile, h.id, h.pool_id FROM unnest($1::text[]) k(m) CROSS JOIN LATERAL"        \
    " ((" MASKED_LEADS FORM_OF_EACH " ORDER BY l.id LIMIT 1)"                                      \
    " UNION (" MASKED_LEADS " AND l.mobile <> '' AND l.mobile = k.m)) h"                           \
    " WHERE length(k.m) > 7 ORDER BY k.m COLLATE \"C\", h.id"

/* Today in the business time zone ($2). */
#define PROBE_DAY "(now() AT TIME ZONE $2)::date"

void leads_probe_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "lead_probe_mobile", PROBE_HITS("mobile"));
    crm_db_prepare(db, "lead_probe_telephone", PROBE_HITS("telephone"));
    crm_db_prepare(db, "lead_probe_mobiles", PROBE_MOBILES);
    crm_db_prepare(db, "lead_probe_lock",
                   "SELECT pg_advisory_xact_lock(hashtext('lead.probe:' || $1))");
    crm_db_prepare(db, "lead_probe_used",
                   "SELECT coalesce(sum(used), 0) FROM lead_probes"
                   " WHERE user_id = $1::bigint AND day = " PROBE_DAY);
    crm_db_prepare(db, "lead_probe_charge",
                   "WITH gone AS (DELETE FROM lead_probes WHERE user_id = $1::bigint"
                   " AND day < " PROBE_DAY ") INSERT INTO lead_probes (user_id, day, used)"
                   " VALUES ($1::bigint, " PROBE_DAY ", $3::int) ON CONFLICT (user_id, day)"
                   " DO UPDATE SET used = lead_probes.used + EXCLUDED.used");
}

/* Does a mask hide any of number? (crm_phone_mask keeps all of 7 or fewer
 * characters hidden: nothing to confirm cheaply.) */
static int s_maskable(const char *number)
{
    return number && strlen(number) > 7;
}

/* Adds the reads of the caller's budget: its probes serialised until
 * commit, today's count. user: the caller's id, as text. */
static void s_read_budget(crm_txn_t *t, const char *user)
{
    const leads_t *l = crm_txn_env(t)->ctx;
    const char *p[] = {user, l->tz};
    crm_txn_read(t, "probe_lock", "lead_probe_lock", 1, p);
    crm_txn_read(t, "probe_used", "lead_probe_used", 2, p);
}

/* Adds to the writes the caller's cost of today's probes. */
static void s_charge(crm_txn_t *t, int64_t cost)
{
    const leads_t *l = crm_txn_env(t)->ctx;
    char user[24], n[24];
    const char *p[] = {crm_i64(user, crm_txn_caller(t)->user_id), l->tz, crm_i64(n, cost)};
    crm_db_batch_add(crm_txn_batch(t), "lead_probe_charge", 3, p);
}

void leads_probe_read(crm_txn_t *t, const char *mobile, const char *telephone)
{
    const Crm__Caller *c = crm_txn_caller(t);
    if (crm_scope_all(c) || (!s_maskable(mobile) && !s_maskable(telephone)))
        return;
    char user[24];
    s_read_budget(t, crm_i64(user, c->user_id));
    if (s_maskable(mobile)) {
        const char *p[] = {mobile, user};
        crm_txn_read(t, "probe_mobile", "lead_probe_mobile", 2, p);
    }
    if (s_maskable(telephone)) {
        const char *p[] = {telephone, user};
        crm_txn_read(t, "probe_telephone", "lead_probe_telephone", 2, p);
    }
}

const PGresult *leads_probe_hits(const crm_txn_t *t, const char *field)
{
    const char *slot = !strcmp(field, "mobile") ? "probe_mobile" : "probe_telephone";
    if (!crm_txn_has(t, slot))
        return NULL;
    const PGresult *r = crm_txn_result(t, slot);
    return PQntuples(r) > 0 ? r : NULL;
}

/* The row of lead id among the hits of field, or -1. */
static int s_find(const crm_txn_t *t, const char *field, int64_t id)
{
    const PGresult *r = leads_probe_hits(t, field);
    for (int i = 0; r && i < PQntuples(r); i++)
        if (crm_db_get_i64(r, i, 0) == id)
            return i;
    return -1;
}

int leads_probe_charge(crm_txn_t *t, crm_err_t *err)
{
    static const char *const fields[] = {"mobile", "telephone"};
    const char *first = NULL;
    int cost = 0;
    for (size_t i = 0; i < 2; i++)
        if (leads_probe_hits(t, fields[i])) {
            first = first ? first : fields[i];
            cost++;
        }
    if (!cost)
        return 0;
    const leads_t *l = crm_txn_env(t)->ctx;
    int64_t used = crm_db_get_i64(crm_txn_result(t, "probe_used"), 0, 0);
    if (used + cost > l->probe_budget)
        return crm_err_set(err, CRM__STATUS__RATE_LIMITED, first,
                           "%s matches the masked form of a pooled lead's number, and you have "
                           "used today's %d checks of masked numbers; try again tomorrow, or "
                           "claim the lead to see its contacts",
                           first, l->probe_budget);
    s_charge(t, cost);
    return 0;
}

int leads_probe_duplicate(crm_txn_t *t, const PGresult *dup, const char *mobile, const char *verb,
                          crm_err_t *err)
{
    if (leads_probe_charge(t, err) < 0)
        return -1;
    if (PQntuples(dup) == 0)
        return 0;
    int64_t id = crm_db_get_i64(dup, 0, 0);
    int hit = s_find(t, "mobile", id);
    if (hit < 0)
        return crm_err_set(err, CRM__STATUS__ALREADY_EXISTS, "mobile",
                           "lead %lld already has mobile %s (set allow_duplicate to %s anyway)",
                           (long long)id, mobile, verb);
    char masked[CRM_POOL_MASK_LEN];
    crm_phone_mask(mobile, masked, sizeof masked);
    return crm_err_set(err, CRM__STATUS__ALREADY_EXISTS, "mobile",
                       "a lead of pool %lld already has mobile %s (claim it to see it, or set "
                       "allow_duplicate to %s anyway)",
                       (long long)crm_db_get_i64(leads_probe_hits(t, "mobile"), hit, 1), masked,
                       verb);
}

/* ---- an import's rows ----------------------------------------------------- */

void leads_probe_read_mobiles(crm_txn_t *t, const char *mobiles)
{
    const Crm__Caller *c = crm_txn_caller(t);
    if (crm_scope_all(c))
        return;
    char user[24];
    s_read_budget(t, crm_i64(user, c->user_id));
    const char *p[] = {mobiles, user};
    crm_txn_read(t, "probe_mobiles", "lead_probe_mobiles", 2, p);
}

/* The rows of r (mobile, id, pool_id; by mobile) of mobile: how many, the
 * first at *first. */
static int s_rows_of(const PGresult *r, const char *mobile, int *first)
{
    int lo = 0, hi = PQntuples(r), n = 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(crm_db_get(r, mid, 0), mobile) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo + n < PQntuples(r) && strcmp(crm_db_get(r, lo + n, 0), mobile) == 0)
        n++;
    *first = lo;
    return n;
}

int leads_probe_screen(crm_txn_t *t, crm_import_row_t *v, import_rows_t *rows)
{
    if (!crm_txn_has(t, "probe_mobiles"))
        return 0;
    const leads_t *l = crm_txn_env(t)->ctx;
    const PGresult *hits = crm_txn_result(t, "probe_mobiles");
    int64_t left = l->probe_budget - crm_db_get_i64(crm_txn_result(t, "probe_used"), 0, 0);
    int64_t cost = 0;
    for (size_t i = 0; i < rows->n; i++) {
        crm_import_row_t *row = &v[i];
        int first = 0;
        if (row->field || row->dup_row || !row->key || !s_rows_of(hits, row->key, &first))
            continue;
        char masked[CRM_POOL_MASK_LEN], *msg = rows->rows[i].msg;
        size_t cap = sizeof rows->rows[i].msg;
        crm_phone_mask(row->key, masked, sizeof masked);
        if (cost >= left) { /* the same for every number of the form */
            row->field = "mobile";
            row->message = msg;
            snprintf(msg, cap,
                     "%s: a pooled lead's number has this masked form, and today's %d checks "
                     "of masked numbers are used; import the row again tomorrow",
                     masked, l->probe_budget);
            continue;
        }
        cost++;
        for (int j = first; j < PQntuples(hits) && !strcmp(crm_db_get(hits, j, 0), row->key); j++)
            if (crm_db_get_i64(hits, j, 1) == row->duplicate_of) {
                row->unnamed = 1;
                row->message = msg;
                snprintf(msg, cap,
                         "a lead of pool %lld already has mobile %s (claim it to see it, or "
                         "import with allow_duplicates)",
                         (long long)crm_db_get_i64(hits, j, 2), masked);
            }
    }
    if (cost)
        s_charge(t, cost);
    return 0;
}
