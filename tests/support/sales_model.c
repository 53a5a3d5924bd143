/* sales_model.c: the sales read model of customers against the customers
 * service's records (see sales_model.h). */
#include "sales_model.h"

#include <stdlib.h>
#include <string.h>

/* The customers not deleted, each as id:name:owner:department:pool:team
 * (the team's users in order); their contacts as id:customer:name. */
#define TEAM_OF(t) "COALESCE((SELECT string_agg(u::text, '/' ORDER BY u) FROM " t "), '')"
#define CUSTOMER_LINE(team)                                                                        \
    "SELECT COALESCE(string_agg(c.id || ':' || c.name || ':' || c.owner_id || ':' ||"              \
    " c.department_id || ':' || c.pool_id || ':' || " TEAM_OF(team) ", ',' ORDER BY c.id), '')"
static const char s_customers_there[] =
    CUSTOMER_LINE("(SELECT t.user_id AS u FROM customer_team t WHERE t.customer_id = "
                  "c.id) x") " FROM customers c WHERE c.deleted_at IS NULL";
static const char s_customers_here[] =
    CUSTOMER_LINE("unnest(c.team_user_ids) u") " FROM sales_customers c WHERE NOT c.deleted";
#define CONTACT_LINE                                                                               \
    "SELECT COALESCE(string_agg(k.id || ':' || k.customer_id || ':' || k.name, ',' ORDER BY"       \
    " k.id), '') FROM "
static const char s_contacts_there[] =
    CONTACT_LINE "contacts k WHERE k.deleted_at IS NULL AND EXISTS (SELECT 1 FROM customers c"
                 " WHERE c.id = k.customer_id AND c.deleted_at IS NULL)";
static const char s_contacts_here[] =
    CONTACT_LINE "sales_contacts k WHERE NOT k.deleted AND EXISTS (SELECT 1 FROM sales_customers"
                 " c WHERE c.id = k.customer_id AND NOT c.deleted)";
static const char s_last[] = "SELECT last_seq FROM crm_outbox_relay";
static const char s_offset[] = "SELECT COALESCE((SELECT last_seq FROM crm_consumer_offsets WHERE"
                               " producer = 'customers'), 0)";

typedef struct {
    char *there[2], *here[2];
    int64_t last, offset;
} s_sides_t;

static void s_read(h_t *h, s_sides_t *s)
{
    s->there[0] = h_sql_text(h, "customers", s_customers_there);
    s->here[0] = h_sql_text(h, "sales", s_customers_here);
    s->there[1] = h_sql_text(h, "customers", s_contacts_there);
    s->here[1] = h_sql_text(h, "sales", s_contacts_here);
    s->last = h_sql_int(h, "customers", s_last);
    s->offset = h_sql_int(h, "sales", s_offset);
}

static void s_free(s_sides_t *s)
{
    for (int i = 0; i < 2; i++) {
        free(s->there[i]);
        free(s->here[i]);
    }
}

int t_sales_model_same(h_t *h)
{
    s_sides_t s;
    s_read(h, &s);
    int same =
        !strcmp(s.there[0], s.here[0]) && !strcmp(s.there[1], s.here[1]) && s.last == s.offset;
    s_free(&s);
    return same;
}

static int s_same(void *h)
{
    return t_sales_model_same(h);
}

void t_sales_model_converges(h_t *h, const char *when, int timeout_ms)
{
    if (h_wait_until(s_same, h, timeout_ms))
        return;
    s_sides_t s;
    s_read(h, &s);
    h_fail(__FILE__, __LINE__, "the read model converges",
           "%s:\n customers %.2000s\n model     %.2000s\n contacts %.2000s\n model    %.2000s\n"
           " offset %lld of %lld",
           when, s.there[0], s.here[0], s.there[1], s.here[1], (long long)s.offset,
           (long long)s.last);
}
