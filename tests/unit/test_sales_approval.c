/* test_sales_approval.c: the pure rules of approval flows
 * (services/sales/sales_approval_rules.c, crm_sales_rules): a flow's
 * fields checked, every field at fault named; a submission's levels
 * resolved into steps (a named user, the supervisor, a role, the
 * submitter's choices in order; no flow: the chosen or the supervisor),
 * and each refusal with its status and field; who may decide a level (a
 * role's holders but the owner); a decision's effect on the steps
 * (approve moves on, the last ends it, reject and withdraw end it); the
 * summary a document shows. */
#include <string.h>

#include "sales_approval_rules.h"
#include "unit.h"

#define K(x) CRM__SALES__APPROVER_KIND__APPROVER_KIND_##x
#define D(x) CRM__SALES__APPROVAL_DECISION__APPROVAL_DECISION_##x
#define ORDER CRM__SALES__APPROVAL_DOC_KIND__APPROVAL_DOC_KIND_ORDER

static approval_level_t s_level(int kind, int64_t user, const char *role)
{
    approval_level_t l = CRM__SALES__APPROVAL_LEVEL__INIT;
    l.approver = kind;
    l.user_id = user;
    l.role = (char *)role;
    return l;
}

/* Does errs name field? */
static int s_names(const crm_errs_t *errs, const char *field)
{
    for (size_t i = 0; i < errs->n; i++)
        if (errs->e[i].field && !strcmp(errs->e[i].field, field))
            return 1;
    return 0;
}

static void s_check(void)
{
    approval_level_t l[4] = {s_level(K(USER), 7, ""), s_level(K(SUPERVISOR), 0, ""),
                             s_level(K(ROLE), 0, "manager"), s_level(K(CHOSEN), 0, "")};
    approval_level_t *lp[] = {&l[0], &l[1], &l[2], &l[3]};
    sales_flow_input_t in = {"订单审批", 1, ORDER, 0, lp, 4, 1};
    crm_errs_t errs = {.n = 0};
    CHECK(sales_flow_check(&in, &errs) == 0 && errs.n == 0);

    /* Each fault named, all at once. */
    approval_level_t bad[5] = {s_level(K(USER), 0, ""), s_level(K(ROLE), 0, "cfo"),
                               s_level(K(SUPERVISOR), 9, "admin"), s_level(0, 0, ""),
                               s_level(K(CHOSEN), 0, "")};
    bad[4].name = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
                  "一二三四五六七八九十一";
    approval_level_t *bp[] = {&bad[0], &bad[1], &bad[2], &bad[3], &bad[4]};
    sales_flow_input_t b = {"  ", 1, 9, -1, bp, 5, 1};
    errs.n = 0;
    CHECK(sales_flow_check(&b, &errs) < 0);
    CHECK(s_names(&errs, "name") && s_names(&errs, "doc_kind") && s_names(&errs, "department_id"));
    CHECK(s_names(&errs, "levels[0].user_id") && s_names(&errs, "levels[1].role") &&
          s_names(&errs, "levels[2].user_id") && s_names(&errs, "levels[2].role") &&
          s_names(&errs, "levels[3].approver") && s_names(&errs, "levels[4].name"));
    CHECK(!s_names(&errs, "levels[4].approver") && !s_names(&errs, "levels[0].role"));
    /* No levels, too many; an update gives only what it changes. */
    sales_flow_input_t none = {NULL, 0, 0, 0, lp, 0, 1};
    errs.n = 0;
    CHECK(sales_flow_check(&none, &errs) < 0 && errs.n == 1 && s_names(&errs, "levels"));
    approval_level_t *many[SALES_FLOW_LEVELS_MAX + 1];
    for (size_t i = 0; i <= SALES_FLOW_LEVELS_MAX; i++)
        many[i] = &l[1];
    sales_flow_input_t eleven = {NULL, 0, 0, 0, many, SALES_FLOW_LEVELS_MAX + 1, 1};
    errs.n = 0;
    CHECK(sales_flow_check(&eleven, &errs) < 0 && s_names(&errs, "levels"));
    eleven.n_levels = SALES_FLOW_LEVELS_MAX;
    errs.n = 0;
    CHECK(sales_flow_check(&eleven, &errs) == 0);
    sales_flow_input_t nothing = {NULL, 0, 0, 0, NULL, 0, 0};
    CHECK(sales_flow_check(&nothing, &errs) == 0);
}

static void s_steps_init(approval_step_t *s, approval_step_t **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crm__sales__approval_step__init(&s[i]);
        p[i] = &s[i];
    }
}

static void s_resolve(void)
{
    approval_level_t l[4] = {s_level(K(USER), 7, ""), s_level(K(SUPERVISOR), 0, ""),
                             s_level(K(ROLE), 0, "manager"), s_level(K(CHOSEN), 0, "")};
    l[2].name = "财务";
    approval_level_t *lp[] = {&l[0], &l[1], &l[2], &l[3]};
    int64_t chosen[] = {11};
    sales_approval_facts_t f = {.owner_id = 3,
                                .manager_id = 5,
                                .chosen = chosen,
                                .n_chosen = 1,
                                .chosen_field = "approver_ids",
                                .flow_id = 2,
                                .noun = "order"};
    approval_step_t s[4];
    approval_step_t *sp[4];
    s_steps_init(s, sp, 4);
    crm_err_t err;
    CHECK(sales_approval_resolve(lp, 4, &f, s, &err) == 0);
    CHECK(s[0].level == 1 && s[0].approver == K(USER) && s[0].approver_id == 7 &&
          s[0].decision == D(WAITING) && s[0].flow_id == 2);
    CHECK(s[1].level == 2 && s[1].approver_id == 5 && s[1].decision == D(QUEUED));
    CHECK(s[2].approver_id == 0 && !strcmp(s[2].role, "manager") && !strcmp(s[2].name, "财务"));
    CHECK(s[3].approver_id == 11 && s[3].approver == K(CHOSEN) && !*s[3].role);
    int64_t fid;
    int32_t level;
    char *role;
    sales_approval_summary(sp, 4, &fid, &level, &role);
    CHECK(fid == 2 && level == 1 && !*role);

    /* The chosen: as many as the chosen levels; not the owner. */
    f.n_chosen = 0;
    CHECK(sales_approval_resolve(lp, 4, &f, s, &err) < 0 &&
          err.status == CRM__STATUS__INVALID_ARGUMENT && !strcmp(err.field, "approver_ids"));
    int64_t two[] = {11, 12};
    f.chosen = two;
    f.n_chosen = 2;
    CHECK(sales_approval_resolve(lp, 4, &f, s, &err) < 0 && !strcmp(err.field, "approver_ids"));
    int64_t owner[] = {3};
    f.chosen = owner;
    f.n_chosen = 1;
    CHECK(sales_approval_resolve(lp, 4, &f, s, &err) < 0 &&
          err.status == CRM__STATUS__INVALID_ARGUMENT && strstr(err.message, "owns"));
    /* No supervisor; a user level naming the owner. */
    f.chosen = chosen;
    f.manager_id = 0;
    CHECK(sales_approval_resolve(lp, 4, &f, s, &err) < 0 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION && !strcmp(err.field, "id") &&
          strstr(err.message, "level 2"));
    f.manager_id = 5;
    l[0].user_id = 3;
    CHECK(sales_approval_resolve(lp, 4, &f, s, &err) < 0 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION && strstr(err.message, "level 1"));
    l[0].user_id = 7;

    /* No flow: the one chosen, else the supervisor; none, the owner, two. */
    f.chosen_field = "approver_id";
    CHECK(sales_approval_resolve(NULL, 0, &f, s, &err) == 0 && s[0].approver_id == 11 &&
          s[0].level == 1 && s[0].decision == D(WAITING) && s[0].flow_id == 0);
    f.n_chosen = 0;
    CHECK(sales_approval_resolve(NULL, 0, &f, s, &err) == 0 && s[0].approver_id == 5);
    f.manager_id = 0;
    CHECK(sales_approval_resolve(NULL, 0, &f, s, &err) < 0 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION && !strcmp(err.field, "approver_id"));
    f.chosen = owner;
    f.n_chosen = 1;
    CHECK(sales_approval_resolve(NULL, 0, &f, s, &err) < 0 &&
          err.status == CRM__STATUS__INVALID_ARGUMENT && !strcmp(err.field, "approver_id"));
    f.chosen = two;
    f.n_chosen = 2;
    CHECK(sales_approval_resolve(NULL, 0, &f, s, &err) < 0 &&
          err.status == CRM__STATUS__INVALID_ARGUMENT);
}

static void s_who(void)
{
    approval_step_t user = CRM__SALES__APPROVAL_STEP__INIT, role = CRM__SALES__APPROVAL_STEP__INIT;
    user.approver = K(SUPERVISOR);
    user.approver_id = 5;
    role.approver = K(ROLE);
    role.role = "manager";
    CHECK(sales_approval_is_approver(&user, 5, "employee", 3));
    CHECK(!sales_approval_is_approver(&user, 6, "manager", 3));
    CHECK(sales_approval_is_approver(&role, 6, "manager", 3));
    CHECK(!sales_approval_is_approver(&role, 3, "manager", 3)); /* the owner */
    CHECK(!sales_approval_is_approver(&role, 6, "admin", 3));
    CHECK(!sales_approval_is_approver(&role, 6, "", 3));
    CHECK(!sales_approval_is_approver(&user, 0, "", 3)); /* the system is nobody */
    approval_step_t done = CRM__SALES__APPROVAL_STEP__INIT;
    done.approver = K(USER);
    done.approver_id = 8;
    done.decided_by = 8;
    done.decision = D(APPROVED);
    role.decision = D(WAITING);
    approval_step_t *all[] = {&done, &role};
    CHECK(sales_approval_involves(all, 2, 8, "employee", 3));
    CHECK(sales_approval_involves(all, 2, 9, "manager", 3));
    CHECK(!sales_approval_involves(all, 2, 9, "employee", 3));
    CHECK(!sales_approval_involves(all, 2, 3, "manager", 3));
    role.decision = D(QUEUED); /* not reached: its people do not read it yet */
    CHECK(!sales_approval_involves(all, 2, 9, "manager", 3));
    CHECK(sales_approval_involves(all, 2, 8, "employee", 3));
}

static void s_decide(void)
{
    approval_step_t s[3];
    approval_step_t *sp[3];
    s_steps_init(s, sp, 3);
    for (int i = 0; i < 3; i++) {
        s[i].level = i + 1;
        s[i].decision = i ? D(QUEUED) : D(WAITING);
    }
    int last;
    CHECK(sales_approval_decide(sp, 3, SALES_APPROVAL_APPROVE, 7, "同意", 100, &last) == 0 &&
          !last);
    CHECK(s[0].decision == D(APPROVED) && s[0].decided_by == 7 && !strcmp(s[0].comment, "同意") &&
          s[0].decided_at_us == 100 && s[1].decision == D(WAITING) && s[2].decision == D(QUEUED));
    int64_t fid;
    int32_t level;
    char *role;
    sales_approval_summary(sp, 3, &fid, &level, &role);
    CHECK(level == 2);
    CHECK(sales_approval_decide(sp, 3, SALES_APPROVAL_APPROVE, 5, "", 200, &last) == 1 && !last);
    CHECK(sales_approval_decide(sp, 3, SALES_APPROVAL_APPROVE, 6, "", 300, &last) == 2 && last);
    CHECK(sales_approval_waiting(sp, 3) < 0);
    CHECK(sales_approval_decide(sp, 3, SALES_APPROVAL_APPROVE, 6, "", 300, &last) == -1);
    sales_approval_summary(sp, 3, &fid, &level, &role);
    CHECK(level == 3);

    /* A rejection at level 2 ends it; the third never reached. */
    for (int i = 0; i < 3; i++)
        s[i].decision = i == 0 ? D(APPROVED) : i == 1 ? D(WAITING) : D(QUEUED);
    CHECK(sales_approval_decide(sp, 3, SALES_APPROVAL_REJECT, 5, "太贵", 400, &last) == 1 && last);
    CHECK(s[1].decision == D(REJECTED) && s[2].decision == D(QUEUED) &&
          sales_approval_waiting(sp, 3) < 0);
    sales_approval_summary(sp, 3, &fid, &level, &role);
    CHECK(level == 2);
    /* A withdrawal marks the level waiting, nobody deciding. */
    s[1].decision = D(WAITING);
    s[1].decided_by = 0;
    CHECK(sales_approval_decide(sp, 3, SALES_APPROVAL_WITHDRAW, 0, NULL, 0, &last) == 1 && last);
    CHECK(s[1].decision == D(WITHDRAWN) && s[1].decided_by == 0 && s[2].decision == D(QUEUED));
}

int main(void)
{
    s_check();
    s_resolve();
    s_who();
    s_decide();
    return unit_result("test_sales_approval");
}
