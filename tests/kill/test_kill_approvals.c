/* test_kill_approvals.c: orders going through a 3-level approval flow (a
 * named user, a role, another named user) under kill -9. Two sales
 * instances (one killed at a time, so calls go on) are killed eight times,
 * between chunks of calls,
 * while 96 orders are made, submitted and approved level after level (a
 * second holder of the role approving level 2 again now and then: refused
 * once it is decided). Whatever a killed call
 * did or did not do, afterwards every order's steps, status, history and
 * events agree: nothing decided twice, nothing lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "jcall.h"
#include "kills.h"
#include "suite.h"

#define ORDERS 96
#define CHUNK 12

static h_t *h;
static int64_t cust, product;
static int failed;

static const char *const s_rounds[] = {
    "kill sales 0; start sales 0",
    "kill sales 1; start sales 1",
    "kill sales 0; sleep 100; start sales 0",
    "kill sales 1; kill sales 0; start sales 0; start sales 1",
    "kill sales 0; start sales 0",
    "kill sales 1; sleep 200; start sales 1",
    "kill sales 0; kill sales 1; start sales 1; start sales 0",
    "kill sales 1; start sales 1",
};

static json_t *s_sales(const Crm__Caller *caller, const char *method, char *req)
{
    json_t *reply = NULL;
    if (t_json(h, "sales", method, caller, &reply, NULL, "%s", req) != CRM__STATUS__OK)
        failed++;
    free(req);
    return reply;
}

static void s_approve(const Crm__Caller *caller, int64_t id)
{
    json_decref(s_sales(caller, "Sales.ApproveOrder", crm_sprintf("{\"id\":%lld}", (long long)id)));
}

/* Order i: made by owner 7, submitted, approved level by level (any step
 * may be cut off: the order stays where it got, the later steps refused). */
static void s_order(int i)
{
    json_t *o = s_sales(t_system(), "Sales.CreateOrder",
                        crm_sprintf("{\"customer_id\":%lld,\"owner_id\":7,\"lines\":[{"
                                    "\"product_id\":%lld,\"quantity\":%d}]}",
                                    (long long)cust, (long long)product, 1 + i % 5));
    if (!o)
        return;
    int64_t id = t_int(o, "id");
    json_decref(o);
    json_decref(s_sales(t_system(), "Sales.SubmitOrder",
                        crm_sprintf("{\"id\":%lld,\"comment\":\"请审批\"}", (long long)id)));
    s_approve(t_user(0, 8, 1), id);
    s_approve(t_manager(0, 10 + i % 2, 1, NULL, 0), id);
    if (i % 3 == 0) /* the other manager, naming level 2: decided already */
        json_decref(s_sales(t_manager(1, 11 - i % 2, 1, NULL, 0), "Sales.ApproveOrder",
                            crm_sprintf("{\"id\":%lld,\"level\":2}", (long long)id)));
    if (i % 4 != 3) /* a quarter left waiting at level 3 */
        s_approve(t_user(0, 9, 1), id);
}

/* Orders whose rows, steps, history and events disagree. */
static int64_t s_disagreeing(void)
{
    return h_sql_int(
        h, "sales",
        "WITH d AS (SELECT o.id, o.status, (SELECT count(*) FROM approval_steps s WHERE"
        " s.doc_kind = 1 AND s.doc_id = o.id AND s.decision = 3) AS approved, (SELECT count(*)"
        " FROM approval_steps s WHERE s.doc_kind = 1 AND s.doc_id = o.id AND s.decision = 2) AS"
        " waiting, (SELECT min(level) FROM approval_steps s WHERE s.doc_kind = 1 AND s.doc_id ="
        " o.id AND s.decision = 2) AS level, (SELECT count(*) FROM approval_steps s WHERE"
        " s.doc_kind = 1 AND s.doc_id = o.id) AS levels, (SELECT count(*) FROM sales_history h"
        " WHERE h.kind = 'order' AND h.record_id = o.id AND h.action = 'approved') AS entries,"
        " (SELECT count(*) FROM crm_outbox e WHERE e.aggregate_id = o.id::text AND e.type ="
        " 'order.approval_advanced') AS advanced, (SELECT count(*) FROM crm_outbox e WHERE"
        " e.aggregate_id = o.id::text AND e.type = 'order.approved') AS final FROM orders o)"
        " SELECT count(*) FROM d WHERE NOT ((status = 1 AND levels = 0 AND entries = 0) OR"
        " (status = 2 AND levels = 3 AND waiting = 1 AND level = approved + 1 AND entries ="
        " approved AND advanced = approved AND final = 0) OR (status = 3 AND levels = 3 AND"
        " waiting = 0 AND approved = 3 AND entries = 3 AND advanced = 2 AND final = 1))");
}

int main(void)
{
    h = h_new("kill_approvals");
    h_suite(h, 1, 1, 2, 1);
    h_start_all(h);
    /* Users 10 and 11 are managers (a role level's holders). */
    h_execf(h, "sales", "UPDATE crm_org_users SET role = 'manager' WHERE id IN (10, 11)");
    cust = t_json_id(h, "customers", "Customers.Create", t_system(),
                     "{\"name\":\"客户\",\"owner_id\":7,\"allow_duplicate\":true}");
    H_CHECK(h_wait_sql(h, "sales", "SELECT count(*) FROM sales_customers", 1, 20000) == 1,
            "sales knows the customer");
    product = t_json_id(h, "sales", "Sales.CreateProduct", t_system(),
                        "{\"name\":\"产品\",\"code\":\"P1\",\"list_price\":999}");
    t_json_id(h, "sales", "Sales.CreateApprovalFlow", t_system(),
              "{\"name\":\"三级审批\",\"doc_kind\":\"APPROVAL_DOC_KIND_ORDER\",\"levels\":["
              "{\"approver\":\"APPROVER_KIND_USER\",\"user_id\":8},"
              "{\"approver\":\"APPROVER_KIND_ROLE\",\"role\":\"manager\"},"
              "{\"approver\":\"APPROVER_KIND_USER\",\"user_id\":9}]}");

    for (int i = 0; i < ORDERS; i++) {
        s_order(i);
        t_kills_after(h, i, CHUNK, s_rounds, sizeof s_rounds / sizeof s_rounds[0]);
    }
    int64_t approved = h_sql_int(h, "sales", "SELECT count(*) FROM orders WHERE status = 3");
    int64_t pending = h_sql_int(h, "sales", "SELECT count(*) FROM orders WHERE status = 2");
    h_note("%d orders through 3 levels (%d calls cut off or refused, the second approvals of"
           " level 2 among them) with sales killed %d times: %lld approved, %lld pending",
           ORDERS, failed, ORDERS / CHUNK, (long long)approved, (long long)pending);
    H_CHECK(s_disagreeing() == 0,
            "every order's status, steps, history entries and events agree (%lld do not)",
            (long long)s_disagreeing());
    H_CHECK(approved > ORDERS / 2 && pending > ORDERS / 8,
            "the burst approved most, left some waiting (%lld, %lld)", (long long)approved,
            (long long)pending);
    h_stop(h, "sales", 0);
    h_stop(h, "sales", 1);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_approvals: ok\n");
    return 0;
}
