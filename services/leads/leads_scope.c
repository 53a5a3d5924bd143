/* leads_scope.c: whose leads a caller's list or count covers (their data
 * scope and the view they ask for), as SQL conditions (see leads.h). */
#include <stdlib.h>
#include <string.h>

#include "crm/scope.h"
#include "crm/util.h"
#include "leads.h"

static int s_has(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* The owners a caller who does not see everything sees: themselves and
 * scope->user_ids (0 left out, each once), without themselves unless
 * with_self, narrowed to filter[0..nf) when nf. Caller frees; *n may be 0. */
static int64_t *s_owners(const Crm__Caller *c, int with_self, const int64_t *filter, size_t nf,
                         size_t *n)
{
    size_t ns = c->scope ? c->scope->n_user_ids : 0;
    int64_t *v = crm_calloc(ns + 1, sizeof *v);
    *n = 0;
    for (size_t i = 0; i <= ns; i++) {
        int64_t id = i == 0 ? c->user_id : c->scope->user_ids[i - 1];
        if (id > 0 && (with_self || id != c->user_id) && !s_has(v, *n, id) &&
            (!nf || s_has(filter, nf, id)))
            v[(*n)++] = id;
    }
    return v;
}

/* Appends the condition "owner_id is one of v[0..n)" ("false" if none). */
static void s_add_owners(crm_sqlbuf_t *q, const int64_t *v, size_t n)
{
    if (n == 0) {
        crm_sqlbuf_add(q, "false");
    } else if (n == 1) {
        crm_sqlbuf_addp_i64(q, "owner_id = $?::bigint", v[0]);
    } else {
        char *a = crm_db_i64_array(v, n);
        crm_sqlbuf_addp(q, "owner_id = ANY($?::bigint[])", a);
        free(a);
    }
}

/* The scope of view for caller c: the owned leads it shows (of the owners
 * in filter when nf), and for ALL the unowned leads of the caller's
 * department (without an owner filter). Free with leads_scope_clear. */
void leads_scope(const Crm__Caller *c, Crm__Leads__LeadView view, const int64_t *filter, size_t nf,
                 leads_scope_t *s)
{
    memset(s, 0, sizeof *s);
    s->me = c->user_id;
    int with_self = view == CRM__LEADS__LEAD_VIEW__LEAD_VIEW_ALL;
    if (!with_self && view != CRM__LEADS__LEAD_VIEW__LEAD_VIEW_SUBORDINATES) {
        /* MINE, PENDING, TODAY: the caller's own. */
        s->owners = crm_calloc(1, sizeof *s->owners);
        s->owners[0] = s->me;
        s->n = s->me > 0 && (!nf || s_has(filter, nf, s->me));
    } else if (crm_scope_all(c) && !nf) {
        s->everyone = 1;
        s->others = !with_self;
    } else if (crm_scope_all(c)) {
        s->owners = crm_calloc(nf, sizeof *s->owners);
        for (size_t i = 0; i < nf; i++)
            if ((with_self || filter[i] != s->me) && !s_has(s->owners, s->n, filter[i]))
                s->owners[s->n++] = filter[i];
    } else {
        s->owners = s_owners(c, with_self, filter, nf, &s->n);
        if (with_self && !nf && s->me)
            s->dept = c->department_id;
    }
}

void leads_scope_clear(leads_scope_t *s)
{
    free(s->owners);
    s->owners = NULL;
}

/* Appends the scope's condition. Pooled leads show only through the POOL
 * view; with_pooled adds them for callers who see everyone (Stats). */
void leads_add_scope(crm_sqlbuf_t *q, const leads_scope_t *s, int with_pooled)
{
    if (s->unscoped)
        return;
    if (s->everyone) {
        if (s->others)
            crm_sqlbuf_addp_i64(q, " AND owner_id <> 0 AND owner_id <> $?::bigint", s->me);
        else if (!with_pooled)
            crm_sqlbuf_add(q, " AND (owner_id <> 0 OR pool_id = 0)");
        return;
    }
    crm_sqlbuf_add(q, " AND (");
    s_add_owners(q, s->owners, s->n);
    if (s->dept)
        crm_sqlbuf_addp_i64(q, " OR (owner_id = 0 AND pool_id = 0 AND department_id = $?::bigint)",
                            s->dept);
    crm_sqlbuf_add(q, ")");
}
