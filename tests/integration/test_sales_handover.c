/* test_sales_handover.c: handover when someone leaves (离职交接) in the
 * sales service. The gateway deactivates ann naming successors per domain;
 * the sales service's consumer of the organisation moves her opportunities
 * (not the deleted one, not others') to the successor named for sales, into
 * the successor's department, the successor leaving their teams, each with
 * a history entry and an opportunity.transferred (reason "handover") in the
 * transaction of the event; the gateway shows sales done with its counts
 * and notifies the successor (商机转移给你). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

int main(void)
{
    h_t *h = h_new("sales_handover");
    h_org_fixture(h, 0);
    h_suite_counts(h, "sales=1");
    const char *base = h_gateway(h);
    h_start_all(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long d2 = t_new_dept(base, admin, "接手部", 1);
    long long ann = 0, bob = 0, cat = 0;
    free(t_new_user(base, admin, "ann", "employee", 1, &ann));
    char *bob_token = t_new_user(base, admin, "bob", "employee", d2, &bob);
    free(t_new_user(base, admin, "cat", "employee", 1, &cat));
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_org_users WHERE id IN (%lld, %lld)", ann,
             bob);
    H_CHECK(h_wait_sql(h, "sales", sql, 2, 10000) == 2, "the sales service knows them");

    /* ann's three (bob on one's team, one deleted), cat's one. */
    snprintf(sql, sizeof sql,
             "INSERT INTO opportunities (name, customer_id, pipeline_id, stage_id, win_probability,"
             " owner_id, department_id, team_member_ids, deleted_at) VALUES"
             " ('一', 1, 1, 1, 10, %lld, 1, ARRAY[%lld, %lld], NULL),"
             " ('二', 1, 1, 1, 10, %lld, 1, '{}', NULL), ('删', 1, 1, 1, 10, %lld, 1, '{}', now()),"
             " ('别人', 1, 1, 1, 10, %lld, 1, '{}', NULL)",
             ann, bob, cat, ann, ann, cat);
    PQclear(h_sql(h, "sales", sql));

    char body[160], path[96];
    snprintf(body, sizeof body,
             "{\"successor_id\": %lld, \"successors\": [{\"domain\": \"sales\", \"successor_id\":"
             " %lld}]}",
             cat, bob);
    snprintf(path, sizeof path, "/api/v1/users/%lld/deactivate", ann);
    t_resp_t r = t_expect(200, "POST", base, admin, body, path);
    t_resp_free(&r);

    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM opportunities WHERE owner_id = %lld AND department_id = %lld"
             " AND deleted_at IS NULL",
             bob, d2);
    H_CHECK(h_wait_sql(h, "sales", sql, 2, 15000) == 2, "bob holds ann's two, in his department");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM opportunities WHERE name = '一' AND team_member_ids ="
             " ARRAY[%lld]::bigint[]",
             cat);
    H_CHECK(h_sql_int(h, "sales", sql) == 1, "bob left the team he now owns");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM opportunities WHERE owner_id = %lld AND deleted_at IS NOT NULL",
             ann);
    H_CHECK(h_sql_int(h, "sales", sql) == 1, "the deleted one stays");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM opportunities WHERE owner_id = %lld", cat);
    H_CHECK(h_sql_int(h, "sales", sql) == 1, "cat's own stays hers");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sales_history WHERE action = 'handed_over' AND from_owner_id ="
             " %lld AND to_owner_id = %lld AND reason = 'handover'",
             ann, bob);
    H_CHECK(h_sql_int(h, "sales", sql) == 2, "a history entry each");
    H_CHECK(h_sql_int(h, "sales",
                      "SELECT count(*) FROM crm_outbox WHERE type = 'opportunity.transferred'") ==
                2,
            "an opportunity.transferred each");

    /* The gateway: sales done, 2 of 2 to bob; bob told. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM gw_handover_domains WHERE user_id = %lld AND domain = 'sales'"
             " AND state = 'done' AND moved = 2 AND total = 2",
             ann);
    H_CHECK(h_wait_sql(h, "gateway", sql, 1, 15000) == 1, "the gateway shows sales done");
    snprintf(path, sizeof path, "/api/v1/users/%lld/handover", ann);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(strstr(r.raw, "\"domain\":\"sales\"") != NULL, "the view names sales: %s", r.raw);
    t_resp_free(&r);
    H_CHECK(h_wait_sql(h, "gateway",
                       "SELECT count(*) FROM gw_notifications WHERE title LIKE '商机转移给你%'", 2,
                       15000) == 2,
            "bob is told of each");
    r = t_expect(200, "GET", base, bob_token, NULL, "/api/v1/notifications");
    H_CHECK(strstr(r.raw, "商机转移给你") != NULL, "in bob's notifications: %s", r.raw);
    t_resp_free(&r);
    h_note("sales handover: ann's opportunities to bob with history, events, the view, notices");

    free(bob_token);
    free(admin);
    h_stop(h, "sales", 0);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
