/* test_pool.c: the kit's pool rules (crm/pool.h, pure): admins and
 * members (users, departments with their subtree through the person's
 * ancestors), the rules' ranges, each claim rule in its order with its
 * status and words, the recycle and warning deadlines (and their SQL), and
 * masking. */
#include <string.h>

#include "crm/pool.h"
#include "unit.h"

#define DAY 86400000000LL

static const int64_t s_admins[] = {1}, s_users[] = {2, 3}, s_depts[] = {10};

static crm_pool_t s_pool(void)
{
    return (crm_pool_t){.id = 7,
                        .name = "华北",
                        .description = "",
                        .admin_ids = s_admins,
                        .n_admin_ids = 1,
                        .member_user_ids = s_users,
                        .n_member_user_ids = 2,
                        .member_department_ids = s_depts,
                        .n_member_department_ids = 1,
                        .allow_claim = 1,
                        .noun = "customer",
                        .nouns = "customers"};
}

static crm_pool_person_t s_user(int64_t id, const int64_t *depts, size_t n)
{
    return (crm_pool_person_t){.user_id = id, .departments = depts, .n_departments = n};
}

static void test_people(void)
{
    crm_pool_t p = s_pool();
    const int64_t d10[] = {10}, d11[] = {11, 10, 1}, d12[] = {12, 1};
    crm_pool_person_t admin = s_user(1, NULL, 0), member = s_user(2, NULL, 0),
                      in_dept = s_user(4, d10, 1), below = s_user(5, d11, 3),
                      other = s_user(6, d12, 2), system = {.all = 1};
    CHECK(crm_pool_is_admin(&p, &admin) && crm_pool_is_member(&p, &admin));
    CHECK(!crm_pool_is_admin(&p, &member) && crm_pool_is_member(&p, &member));
    CHECK(crm_pool_is_member(&p, &in_dept));
    CHECK(crm_pool_is_member(&p, &below)); /* a sub-department of 10 */
    CHECK(!crm_pool_is_member(&p, &other) && !crm_pool_is_admin(&p, &other));
    CHECK(crm_pool_is_admin(&p, &system) && crm_pool_is_admin(NULL, &system));
    CHECK(!crm_pool_is_admin(NULL, &admin) && !crm_pool_is_member(NULL, &member));

    /* From a caller: their own department only. */
    Crm__Caller c = CRM__CALLER__INIT;
    c.user_id = 4;
    c.department_id = 10;
    c.role = CRM__ROLE__ROLE_EMPLOYEE;
    crm_pool_person_t who = crm_pool_person(&c);
    CHECK(who.user_id == 4 && !who.all && who.n_departments == 1 && who.departments[0] == 10);
    CHECK(crm_pool_is_member(&p, &who));
    c.department_id = 0;
    who = crm_pool_person(&c);
    CHECK(who.n_departments == 0 && !crm_pool_is_member(&p, &who));
    c.role = CRM__ROLE__ROLE_ADMIN;
    who = crm_pool_person(&c);
    CHECK(who.all && crm_pool_is_admin(&p, &who));
    who = crm_pool_person(NULL);
    CHECK(!who.all && !crm_pool_is_member(&p, &who));
}

static void test_check(void)
{
    crm_pool_t p = s_pool();
    crm_err_t err;
    CHECK(crm_pool_check(&p, &err) == 0);
    p.name = "";
    CHECK(crm_pool_check(&p, &err) == -1 && strcmp(err.field, "name") == 0 &&
          err.status == CRM__STATUS__INVALID_ARGUMENT);
    p = s_pool();
    p.holding_cap = -1;
    CHECK(crm_pool_check(&p, &err) == -1 && strcmp(err.field, "holding_cap") == 0 &&
          strcmp(err.message, "must be between 0 and 1000000") == 0);
    p = s_pool();
    p.warn_days = 366;
    CHECK(crm_pool_check(&p, &err) == -1 && strcmp(err.field, "warn_days") == 0);
    CHECK(crm_pool_check(&p, NULL) == -1);
}

static void test_claim(void)
{
    crm_pool_t p = s_pool();
    crm_pool_person_t member = s_user(2, NULL, 0), admin = s_user(1, NULL, 0),
                      stranger = s_user(9, NULL, 0);
    crm_pool_claim_t claim = {.previous_owner_id = 3, .pooled_at_us = 100 * DAY};
    int64_t now = 101 * DAY;
    crm_err_t err;
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == 0);
    CHECK(crm_pool_may_claim(&p, &stranger, &claim, now, &err) == -1 &&
          err.status == CRM__STATUS__PERMISSION_DENIED && err.field == NULL &&
          strcmp(err.message, "you are not a member of pool \"华北\"") == 0);

    /* Only admins assign: members are refused, the pool's admins are not. */
    p.allow_claim = 0;
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == -1 &&
          err.status == CRM__STATUS__PERMISSION_DENIED &&
          strcmp(err.message, "pool \"华北\" does not let members claim; its admins assign "
                              "customers") == 0);
    CHECK(crm_pool_may_claim(&p, &admin, &claim, now, &err) == 0);
    p.allow_claim = 1;

    /* Cool-off: the previous owner waits cooloff_days from the pooling. */
    crm_pool_person_t previous = s_user(3, NULL, 0);
    p.cooloff_days = 2;
    CHECK(crm_pool_may_claim(&p, &previous, &claim, now, &err) == -1 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION && strstr(err.message, "this customer") &&
          strstr(err.message, "less than 2 days ago"));
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == 0);
    CHECK(crm_pool_may_claim(&p, &previous, &claim, 102 * DAY, &err) == 0);
    p.cooloff_days = 0;
    CHECK(crm_pool_may_claim(&p, &previous, &claim, now, &err) == 0);

    /* The daily limit, then the cap: counts include this request's. */
    p.daily_claim_limit = 2;
    claim.claimed_today = 1;
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == 0);
    claim.claimed_today = 2;
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == -1 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION &&
          strcmp(err.message, "you reached pool \"华北\"'s limit of 2 claims a day") == 0);
    p.holding_cap = 3;
    claim.holding = 3;
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == -1 &&
          strstr(err.message, "limit of 2")); /* the limit is checked first */
    claim.claimed_today = 0;
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == -1 &&
          strcmp(err.message, "you hold 3 customers of pool \"华北\", its cap; follow up or "
                              "release some first") == 0);
    claim.holding = 2;
    CHECK(crm_pool_may_claim(&p, &member, &claim, now, &err) == 0);

    /* A long name is carried whole. */
    char name[301];
    memset(name, 'x', 300);
    name[300] = 0;
    p.name = name;
    p.cooloff_days = 3650;
    CHECK(crm_pool_may_claim(&p, &previous, &claim, now, &err) == -1 && strstr(err.message, name) &&
          strstr(err.message, "(microseconds since the epoch)"));
}

static void test_deadlines(void)
{
    crm_pool_t p = s_pool();
    CHECK(crm_pool_recycle_at(&p, 5 * DAY, 3 * DAY, 1 * DAY) == 0); /* no rule */
    CHECK(crm_pool_recycle_at(NULL, 5 * DAY, 3 * DAY, 1 * DAY) == 0);
    p.recycle_days = 30;
    CHECK(crm_pool_recycle_at(&p, 5 * DAY, 3 * DAY, 1 * DAY) == 35 * DAY);
    CHECK(crm_pool_recycle_at(&p, 0, 3 * DAY, 1 * DAY) == 33 * DAY);
    CHECK(crm_pool_recycle_at(&p, 0, 0, 1 * DAY) == 31 * DAY);
    CHECK(crm_pool_warn_at(&p, 35 * DAY) == 0); /* no warning */
    p.warn_days = 3;
    CHECK(crm_pool_warn_at(&p, 35 * DAY) == 32 * DAY);
    CHECK(crm_pool_warn_at(&p, 0) == 0);
    CHECK(strcmp(CRM_POOL_RECYCLE_AT_SQL("f", "s", "c", "d"),
                 "(COALESCE(f, s, c) + d * interval '1 day')") == 0);
    CHECK(strcmp(CRM_POOL_WARN_AT_SQL("r", "w"), "(r - w * interval '1 day')") == 0);
}

static void test_mask(void)
{
    crm_pool_t p = s_pool();
    crm_pool_person_t admin = s_user(1, NULL, 0), member = s_user(2, NULL, 0);
    CHECK(crm_pool_must_mask(&p, 7, 0, &member));
    CHECK(!crm_pool_must_mask(&p, 7, 0, &admin));
    CHECK(!crm_pool_must_mask(&p, 7, 2, &member)); /* owned: claimed */
    CHECK(!crm_pool_must_mask(&p, 0, 0, &member)); /* not in a pool */
    CHECK(crm_pool_must_mask(NULL, 7, 0, &admin)); /* pool not known */

    char long_value[80];
    memset(long_value, 'a', 79);
    long_value[79] = 0;
    char *mobile = "13812345678", *phone = "", *mail = long_value, *qq = NULL;
    char **const fields[] = {&mobile, &phone, &mail, &qq};
    char buf[4][CRM_POOL_MASK_LEN];
    crm_pool_mask(fields, 4, buf);
    CHECK(strcmp(mobile, "138****5678") == 0 && mobile == buf[0]);
    CHECK(strcmp(phone, "") == 0 && phone != buf[1]);
    CHECK(strcmp(mail, "****") == 0 && qq == NULL);
}

int main(void)
{
    test_people();
    test_check();
    test_claim();
    test_deadlines();
    test_mask();
    return unit_result("pool");
}
