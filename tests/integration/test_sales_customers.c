/* test_sales_customers.c: the sales service's read model of customers and
 * contacts (sales_customers, sales_contacts), kept from the customers
 * service's events, never from its database. Customers made, edited,
 * transferred, given a team, given up into a pool and assigned out of it,
 * deleted; contacts made, renamed, deleted: the model equals the customers
 * service's records (name, owner, department, pool, team; the contacts of
 * the customers not deleted, by customer and name) and its offset the producer's last sequence.
 * Then the sales service stopped past the customers' retention ceiling (its next event pruned)
 * comes back, rebuilds the model from the snapshot "customers" while customers keep changing, and
 * converges the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "jcall.h"
#include "sales_model.h"
#include "suite.h"

static h_t *h;
static const char *base;
static char *admin;

static long long s_customer(const char *token, const char *name)
{
    char *body = crm_sprintf(
        "{\"name\":\"%s\",\"allow_duplicate\":true,\"contact\":{\"name\":\"%s联系人\"}}", name,
        name);
    long long id = t_created(base, token, "/api/v1/customers", body);
    free(body);
    return id;
}

static void s_post(const char *token, const char *body, const char *fmt, long long id)
{
    char path[128];
    snprintf(path, sizeof path, fmt, id);
    t_resp_t r = t_expect(200, "POST", base, token, body, path);
    t_resp_free(&r);
}

static void s_patch(const char *token, const char *body, const char *fmt, long long id)
{
    char path[128];
    snprintf(path, sizeof path, fmt, id);
    t_resp_t r = t_expect(200, "PATCH", base, token, body, path);
    t_resp_free(&r);
}

/* Every kind of change a customer and a contact take. */
static void s_changes(const char *tag, long long u1, long long u2, char *t1)
{
    char name[64];
    snprintf(name, sizeof name, "%s甲", tag);
    long long a = s_customer(t1, name);
    snprintf(name, sizeof name, "%s乙", tag);
    long long b = s_customer(admin, name);
    snprintf(name, sizeof name, "%s丙", tag);
    long long c = s_customer(t1, name);
    char *body = crm_sprintf("{\"name\":\"%s改名\"}", tag);
    s_patch(t1, body, "/api/v1/customers/%lld", a);
    free(body);
    body = crm_sprintf("{\"to_owner_id\":%lld,\"reason\":\"调整\"}", u2);
    s_post(admin, body, "/api/v1/customers/%lld/transfer", b);
    free(body);
    body = crm_sprintf("{\"user_ids\":[%lld],\"access\":\"write\"}", u2);
    s_post(t1, body, "/api/v1/customers/%lld/team-members", a);
    free(body);
    s_post(admin, "{\"reason\":\"放弃\"}", "/api/v1/customers/%lld/pool", c);
    body = crm_sprintf("{\"to_owner_id\":%lld}", u1);
    s_post(admin, body, "/api/v1/customers/%lld/assign", c);
    free(body);
    t_resp_t r;
    t_httpf(&r, "DELETE", base, admin, NULL, "/api/v1/customers/%lld", b);
    H_CHECK(r.status == 200, "delete: %d %s", r.status, r.raw);
    t_resp_free(&r);
    body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"第二联系人\"}}", a);
    long long k = t_created(base, t1, "/api/v1/contacts", body);
    free(body);
    s_patch(t1, "{\"name\":\"改名联系人\"}", "/api/v1/contacts/%lld", k);
    body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"临时联系人\"}}", c);
    k = t_created(base, t1, "/api/v1/contacts", body);
    free(body);
    t_httpf(&r, "DELETE", base, t1, NULL, "/api/v1/contacts/%lld", k);
    H_CHECK(r.status == 200, "delete contact: %d %s", r.status, r.raw);
    t_resp_free(&r);
}

#define REBUILDING "rebuilding the read model"
#define REBUILT "read model rebuilt from the producer's snapshot"
/* The customers' stream's lines (the organisation's may rebuild too). */
#define OF_CUSTOMERS "\"producer\":\"customers\""

static int s_rebuilding(void *arg)
{
    return h_log_count(h, "sales", 0, REBUILDING, OF_CUSTOMERS) > *(int *)arg;
}

int main(void)
{
    h = h_new("sales_customers");
    h_suite(h, 1, 1, 1, 1);
    h_setenv(h, "CRM_OUTBOX_KEEP_HOURS=0");
    h_setenv(h, "CRM_OUTBOX_PRUNE_MS=200");
    h_setenv(h, "CRM_OUTBOX_CEILING_S=3");
    h_setenv(h, "CRM_CONSUMER_ACK_MS=200");
    h_setenv(h, "CRM_CLONE_PAGE=2");            /* a snapshot of many pages */
    h_setenv(h, "CRM_FAULT_CLONE_PAGE_MS=150"); /* and time to change things meanwhile */
    base = h_gateway(h);
    h_start_all(h);
    admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long d1 = t_new_dept(base, admin, "销售一部", 1),
              d2 = t_new_dept(base, admin, "销售二部", 1);
    long long u1, u2;
    char *t1 = t_new_user(base, admin, "u1", "employee", d1, &u1);
    char *t2 = t_new_user(base, admin, "u2", "employee", d2, &u2);

    s_changes("一", u1, u2, t1);
    t_sales_model_converges(h, "live", 30000);
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM sales_customers WHERE deleted") == 1,
            "the deleted customer is kept, deleted");
    H_CHECK(h_sql_int(h, "sales", "SELECT count(*) FROM sales_contacts WHERE deleted") == 1,
            "the deleted contact is kept, deleted");
    h_note("read model: created, renamed, transferred, team, pooled, assigned, deleted; contacts");

    /* Stopped past the ceiling while customers change; rebuilt from the
     * snapshot while they go on changing. */
    h_stop(h, "sales", 0);
    s_changes("二", u2, u1, t2);
    H_CHECK(h_wait_sql(h, "customers",
                       "SELECT count(*) FROM crm_outbox WHERE type LIKE 'customer.%' OR type LIKE"
                       " 'contact.%'",
                       0, 15000) == 0,
            "the customers service pruned past the stopped consumer");
    int starts = h_log_count(h, "sales", 0, REBUILDING, OF_CUSTOMERS);
    int rebuilt = h_log_count(h, "sales", 0, REBUILT, OF_CUSTOMERS);
    h_start(h, "sales", 0);
    H_CHECK(h_wait_until(s_rebuilding, &starts, 15000), "the sales service rebuilds");
    s_changes("三", u1, u2, t1);
    t_sales_model_converges(h, "after the rebuild", 30000);
    H_CHECK(h_log_count(h, "sales", 0, REBUILT, OF_CUSTOMERS) == rebuilt + 1, "rebuilt once");
    s_changes("四", u2, u1, t2);
    t_sales_model_converges(h, "live after the rebuild", 30000);
    h_note("read model: stopped past the window, rebuilt from the snapshot while changing,"
           " converged");

    /* Bus.Snapshot "customers": customers first, each with its contacts. */
    json_t *r = t_json_expect(h, CRM__STATUS__OK, "customers", "Bus.Snapshot", t_system(),
                              "{\"name\": \"customers\", \"limit\": 1}");
    json_t *recs = json_object_get(r, "records");
    H_CHECK(json_array_size(recs) >= 2 &&
                !strcmp(json_string_value(json_object_get(json_array_get(recs, 0), "type")),
                        "customer.snapshot") &&
                !strcmp(json_string_value(json_object_get(json_array_get(recs, 1), "type")),
                        "contact.snapshot"),
            "a customer, then its contacts");
    json_decref(r);

    free(t1);
    free(t2);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
