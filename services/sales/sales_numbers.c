/* sales_numbers.c: the numbers of contracts and orders (合同编号, 订单编号):
 * a pattern from the environment (checked when the service starts), the
 * business day's next sequence of the kind, taken in the transaction of
 * the record that uses it (sql/020's sales_numbers: a number given back by
 * a rollback is not lost, and two records never share one). */
#include <stdlib.h>

#include "crm/log.h"
#include "crm/util.h"
#include "sales.h"
#include "sales_rules.h"

const char *sales_number_pattern(const char *env, const char *def)
{
    const char *p = getenv(env);
    p = p && *p ? p : def;
    char out[128];
    if (sales_number_format(p, "20261231", 1, out, sizeof out) < 0) {
        crm_log(CRM_ERROR, "a number pattern needs {seq} and knows {yyyyMMdd} {yyyy} {MM} {dd}",
                "env", env, "pattern", p, NULL);
        exit(2);
    }
    return p;
}

void sales_read_number(crm_txn_t *t, const char *kind, const char *tz)
{
    const char *p[] = {kind, tz && *tz ? tz : "UTC"};
    crm_txn_read(t, "number", "sales_number_next", 2, p);
}

char *sales_number_of(crm_txn_t *t, const char *pattern)
{
    const PGresult *r = crm_txn_result(t, "number");
    char out[128];
    if (sales_number_format(pattern, crm_db_get(r, 0, 0), crm_db_get_i64(r, 0, 1), out,
                            sizeof out) < 0)
        return NULL; /* checked at start: a bug */
    return crm_strdup(out);
}

void sales_read_doc_number(crm_txn_t *t, const char *kind, const char *taken, const char *given,
                           const char *tz)
{
    if (*given)
        sales_read_unique(t, kind, taken, given, 0);
    else
        sales_read_number(t, kind, tz);
}

int sales_doc_number_ok(crm_txn_t *t, const char *noun, const char *pattern, char **number)
{
    if (*number)
        return sales_unique_free(t, "number", noun);
    *number = sales_number_of(t, pattern);
    return 0;
}
