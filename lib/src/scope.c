/* scope.c: data permissions, and the owners a list's view covers (see
 * scope.h). */
#include "crm/scope.h"

#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/util.h"

int crm_scope_all(const Crm__Caller *c)
{
    return c && (c->role == CRM__ROLE__ROLE_ADMIN || c->role == CRM__ROLE__ROLE_SYSTEM ||
                 (c->scope && c->scope->all));
}

int crm_scope_allows(const Crm__Caller *c, int64_t owner_id)
{
    if (!c)
        return 0;
    if (crm_scope_all(c))
        return 1;
    if (owner_id == 0)
        return 0;
    if (c->user_id == owner_id)
        return 1;
    for (size_t i = 0; c->scope && i < c->scope->n_user_ids; i++)
        if (c->scope->user_ids[i] == owner_id)
            return 1;
    return 0;
}

/* ---- views --------------------------------------------------------------- */

static int s_has(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

void crm_view_scope(const Crm__Caller *c, crm_view_t view, const int64_t *filter, size_t nf,
                    crm_view_scope_t *s)
{
    memset(s, 0, sizeof *s);
    s->me = c->user_id;
    if (view == CRM_VIEW_TEAM) {
        s->team = 1;
        return;
    }
    int with_self = view == CRM_VIEW_ALL;
    size_t ns = c->scope ? c->scope->n_user_ids : 0;
    s->owners = crm_calloc(ns + nf + 2, sizeof *s->owners);
    if (view == CRM_VIEW_MINE) {
        if (s->me > 0 && (!nf || s_has(filter, nf, s->me)))
            s->owners[s->n++] = s->me;
        return;
    }
    if (crm_scope_all(c) && !nf) {
        s->everyone = 1;
        s->others = !with_self;
        return;
    }
    /* The caller and their scope's users (or, for those who see everyone,
     * the filter's), each once, in the filter when there is one. */
    for (size_t i = 0; i <= ns + nf; i++) {
        int64_t id = crm_scope_all(c) ? (i < nf ? filter[i] : 0)
                     : i == 0         ? c->user_id
                     : i <= ns        ? c->scope->user_ids[i - 1]
                                      : 0;
        if (id > 0 && (with_self || id != s->me) && !s_has(s->owners, s->n, id) &&
            (crm_scope_all(c) || !nf || s_has(filter, nf, id)))
            s->owners[s->n++] = id;
    }
}

void crm_view_scope_clear(crm_view_scope_t *s)
{
    free(s->owners);
    s->owners = NULL;
}

void crm_view_scope_sql(crm_sqlbuf_t *q, const crm_view_scope_t *s, const char *alias,
                        crm_view_team_fn team)
{
    if (s->team) {
        team(q, alias, s->me);
    } else if (s->everyone) {
        crm_sqlbuf_addf(q, " AND %s.owner_id <> 0", alias);
        if (s->others)
            crm_sqlbuf_addp_i64(q, " AND owner_id <> $?::bigint", s->me);
    } else if (s->n == 0) {
        crm_sqlbuf_add(q, " AND false");
    } else {
        char *a = crm_db_i64_array(s->owners, s->n);
        crm_sqlbuf_addf(q, " AND %s.owner_id = ANY(", alias);
        crm_sqlbuf_addp(q, "$?::bigint[])", a);
        free(a);
    }
}
