/* test_customer_pool_reads.c: what a customer pool's (公海) people read of
 * a pooled customer besides the customer itself, through the HTTP API:
 * its contacts (a member's masked, its admin's whole, an outsider's
 * nothing: 404) by customer, one by one and through the contacts' list,
 * and its follow-ups (readable as written); a keyword never matching a
 * masked contact's number; a contact's duplicate check not confirming
 * one; writes refused until it is claimed (claim it first, 409; an
 * outsider's 404); and, once claimed, its contacts whole again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static const char *base;

/* A person of the test: their name, id and token. */
typedef struct {
    const char *name;
    long long id;
    char *token;
} s_person_t;

static s_person_t owner = {.name = "rowner"}, member = {.name = "rmember"},
                  padmin = {.name = "rpadmin"}, outsider = {.name = "routsider"};

/* The pooled customer and what it has. */
static long long cust, k1, k2;

/* The string member f of object o ("" if absent). */
static const char *s_str(const json_t *o, const char *f)
{
    const char *v = json_string_value(json_object_get(o, f));
    return v ? v : "";
}

/* GET path as who wanting 200; the response (t_resp_free it). */
static t_resp_t s_get(const s_person_t *who, const char *path)
{
    return t_expect(200, "GET", base, who->token, NULL, path);
}

static long long s_contact(const s_person_t *who, long long customer, const char *fields)
{
    char *body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,%s}}", customer, fields);
    long long id = t_created(base, who->token, "/api/v1/contacts", body);
    free(body);
    return id;
}

/* The owner's customer with two contacts and a follow-up naming a
 * number, given up into pool. */
static void s_pooled_customer(long long pool)
{
    cust = t_created(base, owner.token, "/api/v1/customers",
                     "{\"name\":\"公海联系人客户\",\"mobile\":\"13600136001\","
                     "\"contact\":{\"name\":\"王经理\",\"mobile\":\"13700137001\"}}");
    k2 = s_contact(&owner, cust,
                   "\"name\":\"李助理\",\"telephone\":\"010-62345678\","
                   "\"email\":\"lizhuli@example.com\",\"wechat\":\"lizhuli_wx\"");
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/contacts", cust);
    t_resp_t r = s_get(&owner, path);
    json_t *items = json_object_get(r.body, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (!strcmp(s_str(json_array_get(items, i), "name"), "王经理"))
            k1 = json_integer_value(json_object_get(json_array_get(items, i), "id"));
    H_CHECK(k1 && json_array_size(items) == 2, "the owner's contacts: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups", cust);
    r = t_expect(201, "POST", base, owner.token,
                 "{\"content\":\"电话沟通王经理 13700137001，有采购意向\",\"method\":\"phone\"}",
                 path);
    t_resp_free(&r);
    char *body = crm_sprintf("{\"pool_id\":%lld,\"reason\":\"暂无预算\"}", pool);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/pool", cust);
    r = t_expect(200, "POST", base, owner.token, body, path);
    H_CHECK(t_json_int(&r, "owner_id") == 0, "pooled: %s", r.raw);
    t_resp_free(&r);
    free(body);
}

/* Contact k of the pooled customer (raw: the response, for messages) as
 * it should be: whole, or masked the pool's way with masked set. */
static void s_check_contact(const json_t *k, const char *raw, int want_masked)
{
    static const char *const fields[] = {"mobile", "telephone", "email", "wechat"};
    static const char *const whole[2][4] = {
        {"13700137001", "", "", ""}, {"", "010-62345678", "lizhuli@example.com", "lizhuli_wx"}};
    static const char *const masked[2][4] = {
        {"137****7001", "", "", ""}, {"", "010*****5678", "liz************.com", "liz***i_wx"}};
    int second = !strcmp(s_str(k, "name"), "李助理");
    H_CHECK(second || !strcmp(s_str(k, "name"), "王经理"), "names stay: %s", raw);
    for (int i = 0; i < 4; i++) {
        const char *want = (want_masked ? masked : whole)[second][i];
        H_CHECK(!strcmp(s_str(k, fields[i]), want), "%s %s, not %s: %s", fields[i],
                want_masked ? "masked" : "whole", s_str(k, fields[i]), raw);
    }
    H_CHECK(json_is_true(json_object_get(k, "masked")) == want_masked, "masked says so: %s", raw);
}

/* The customer's contacts as who reads them: by customer, through the
 * contacts' list, one by one. */
static void s_read_contacts(const s_person_t *who, int want_masked)
{
    const char *fmt[] = {"/api/v1/customers/%lld/contacts", "/api/v1/contacts?customer_id=%lld"};
    char path[128];
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, fmt[f], cust);
        t_resp_t r = s_get(who, path);
        json_t *items = json_object_get(r.body, "items");
        H_CHECK(json_array_size(items) == 2, "%s reads both contacts: %s", who->name, r.raw);
        for (size_t i = 0; i < 2; i++)
            s_check_contact(json_array_get(items, i), r.raw, want_masked);
        t_resp_free(&r);
    }
    long long ids[] = {k1, k2};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/api/v1/contacts/%lld", ids[i]);
        t_resp_t r = s_get(who, path);
        s_check_contact(r.body, r.raw, want_masked);
        t_resp_free(&r);
    }
}

static void s_read_followups(const s_person_t *who)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups?total=true", cust);
    t_resp_t r = s_get(who, path);
    H_CHECK(
        t_json_int(&r, "total") == 1 &&
            !strcmp(t_json_str(&r, "items.0.content"), "电话沟通王经理 13700137001，有采购意向") &&
            t_json_int(&r, "items.0.user_id") == owner.id,
        "%s reads the follow-ups as written: %s", who->name, r.raw);
    t_resp_free(&r);
}

static void s_outsider_sees_nothing(void)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/contacts", cust);
    t_expect_error(404, "not_found", "customer_id", "GET", base, outsider.token, NULL, path);
    snprintf(path, sizeof path, "/api/v1/contacts?customer_id=%lld", cust);
    t_expect_error(404, "not_found", "customer_id", "GET", base, outsider.token, NULL, path);
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k1);
    t_expect_error(404, "not_found", "id", "GET", base, outsider.token, NULL, path);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups", cust);
    t_expect_error(404, "not_found", "customer_id", "GET", base, outsider.token, NULL, path);
}

/* A keyword never matches a masked number: not by customer, not across
 * customers (where pooled customers' contacts are never listed). */
static void s_keyword(char *admin)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/contacts?customer_id=%lld&keyword=1370013700", cust);
    t_resp_t r = s_get(&member, path);
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 0,
            "a masked number is not searched: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/contacts?customer_id=%lld&keyword=%%E7%%8E%%8B", cust);
    r = s_get(&member, path); /* 王: the name is searched */
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 1 &&
                t_json_int(&r, "items.0.id") == k1 &&
                !strcmp(t_json_str(&r, "items.0.mobile"), "137****7001"),
            "a name is: %s", r.raw);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/contacts?customer_id=%lld&keyword=1370013700", cust);
    r = t_expect(200, "GET", base, admin, NULL, path);
    H_CHECK(t_json_int(&r, "items.0.id") == k1, "an admin of everything searches it: %s", r.raw);
    t_resp_free(&r);
    r = t_expect(200, "GET", base, admin, NULL, "/api/v1/contacts?keyword=1370013700");
    H_CHECK(json_array_size(json_object_get(r.body, "items")) == 0,
            "contacts across customers leave pooled ones out: %s", r.raw);
    t_resp_free(&r);
}

/* Writes wait for a claim: its pool's people are told so, others get 404. */
static void s_writes_refused(void)
{
    char *body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"赵\"}}", cust);
    t_expect_error(409, "failed_precondition", "/contact/customer_id", "POST", base, member.token,
                   body, "/api/v1/contacts");
    t_expect_error(409, "failed_precondition", "/contact/customer_id", "POST", base, padmin.token,
                   body, "/api/v1/contacts");
    t_expect_error(404, "not_found", "/contact/customer_id", "POST", base, outsider.token, body,
                   "/api/v1/contacts");
    free(body);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k2);
    t_expect_error(409, "failed_precondition", "id", "PATCH", base, member.token,
                   "{\"title\":\"经理\"}", path);
    t_expect_error(409, "failed_precondition", "id", "DELETE", base, member.token, NULL, path);
    t_expect_error(404, "not_found", "id", "PATCH", base, outsider.token, "{\"title\":\"经理\"}",
                   path);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/follow-ups", cust);
    const char *followup = "{\"content\":\"想跟进\",\"method\":\"phone\"}";
    t_expect_error(409, "failed_precondition", "customer_id", "POST", base, member.token, followup,
                   path);
    t_expect_error(409, "failed_precondition", "customer_id", "POST", base, padmin.token, followup,
                   path);
    t_expect_error(404, "not_found", "customer_id", "POST", base, outsider.token, followup, path);
}

/* A contact's duplicate check does not confirm a masked number: a
 * member's contact of it is saved; an admin of everything is refused. */
static void s_duplicate_unconfirmed(char *admin)
{
    long long mine =
        t_created(base, member.token, "/api/v1/customers", "{\"name\":\"成员自己的客户\"}");
    s_contact(&member, mine, "\"name\":\"同号\",\"mobile\":\"13700137001\"");
    long long theirs = t_created(base, admin, "/api/v1/customers", "{\"name\":\"管理员的客户\"}");
    char *body = crm_sprintf("{\"contact\":{\"customer_id\":%lld,\"name\":\"同号\","
                             "\"mobile\":\"13700137001\"}}",
                             theirs);
    t_expect_error(409, "already_exists", "/mobile", "POST", base, admin, body, "/api/v1/contacts");
    free(body);
}

int main(void)
{
    h_t *h = h_new("customer_pool_reads");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    base = h_gateway(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long sales = t_new_dept(base, admin, "销售部", 1),
              far = t_new_dept(base, admin, "市场部", 1);
    s_person_t *people[] = {&owner, &member, &padmin, &outsider};
    for (size_t i = 0; i < 4; i++)
        people[i]->token = t_new_user(base, admin, people[i]->name, "employee",
                                      people[i] == &outsider ? far : sales, &people[i]->id);
    char *body = crm_sprintf("{\"name\":\"联系人公海\",\"admin_ids\":[%lld],"
                             "\"member_user_ids\":[%lld,%lld],\"allow_claim\":true}",
                             padmin.id, owner.id, member.id);
    long long pool = t_created(base, admin, "/api/v1/customer-pools", body);
    free(body);
    s_pooled_customer(pool);

    s_read_contacts(&member, 1);
    s_read_contacts(&padmin, 0);
    s_read_contacts(&(s_person_t){"admin", 0, admin}, 0);
    s_read_followups(&member);
    s_read_followups(&padmin);
    s_outsider_sees_nothing();
    h_note("a pooled customer's contacts (masked for members) and follow-ups: ok");
    s_keyword(admin);
    s_duplicate_unconfirmed(admin);
    h_note("a keyword and a duplicate check confirm no masked number: ok");
    s_writes_refused();
    h_note("writes wait for a claim: ok");

    /* Claimed: its contacts whole again, and its new owner's to change. */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/claim", cust);
    t_resp_t r = t_expect(200, "POST", base, member.token, "{}", path);
    H_CHECK(t_json_int(&r, "owner_id") == member.id, "claimed: %s", r.raw);
    t_resp_free(&r);
    s_read_contacts(&member, 0);
    snprintf(path, sizeof path, "/api/v1/contacts/%lld", k2);
    r = t_expect(200, "PATCH", base, member.token, "{\"title\":\"经理\"}", path);
    t_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/customers/%lld/contacts", cust);
    t_expect_error(404, "not_found", "customer_id", "GET", base, padmin.token, NULL, path);
    h_note("claimed: whole again: ok");

    h_stop(h, "gateway", 0);
    h_destroy(&h);
    for (size_t i = 0; i < 4; i++)
        free(people[i]->token);
    free(admin);
    return 0;
}
