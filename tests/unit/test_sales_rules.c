/* test_sales_rules.c: the sales service's pure rules (services/sales,
 * crm_sales_rules): a pipeline's stages and lost reasons as an admin gives
 * them, every field at fault named; an opportunity's status table (every
 * move of every status, legal or refused) and its stage changes (on, back,
 * won with the required feedback, lost with a reason from the list,
 * invalid, reopened by admins only); a line's amount, exact, rounded half
 * up, its bounds. */
#include <stdio.h>
#include <string.h>

#include "sales_rules.h"
#include "unit.h"

/* Stages named names[0..n), probability 10 each. */
static void s_stages(Crm__Sales__Stage *st, Crm__Sales__Stage **v, const char *const *names,
                     size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crm__sales__stage__init(&st[i]);
        st[i].name = (char *)names[i];
        st[i].probability = 10;
        v[i] = &st[i];
    }
}

/* Is field among the errors? */
static int s_named(const crm_errs_t *errs, const char *field)
{
    for (size_t i = 0; i < errs->n; i++)
        if (!strcmp(errs->e[i].field, field))
            return 1;
    return 0;
}

static void s_pipeline_checks(void)
{
    static const char *const names[] = {"初步接洽", "需求确认", "方案制定"};
    Crm__Sales__Stage st[SALES_STAGES_MAX + 1], *v[SALES_STAGES_MAX + 1];
    char *reasons[] = {"价格因素", "其他"};
    s_stages(st, v, names, 3);
    sales_pipeline_input_t in = {"华东流程", v, 3, 1, reasons, 2, 1, 0, 0};
    crm_errs_t errs = {.n = 0};
    CHECK(sales_pipeline_check(&in, &errs) == 0 && errs.n == 0);

    /* Stale days: 0 (never) to 3650; not given, not checked. */
    static const int32_t out[] = {-1, SALES_STALE_DAYS_MAX + 1};
    for (size_t k = 0; k < 2; k++) {
        sales_pipeline_input_t days = {.has_stale_days = 1, .stale_days = out[k]};
        errs.n = 0;
        CHECK(sales_pipeline_check(&days, &errs) == -1 && errs.n == 1 &&
              s_named(&errs, "stale_days"));
    }
    sales_pipeline_input_t days = {.has_stale_days = 1, .stale_days = SALES_STALE_DAYS_MAX};
    errs.n = 0;
    CHECK(sales_pipeline_check(&days, &errs) == 0);
    days.stale_days = 0;
    CHECK(sales_pipeline_check(&days, &errs) == 0);

    /* Nothing given: nothing to check (an update of other fields). */
    sales_pipeline_input_t none = {0};
    CHECK(sales_pipeline_check(&none, &errs) == 0);

    /* Every field at fault at once, each named. */
    char *req_bad[] = {"预算", " 预算 "};
    st[0].probability = 101;
    st[1].name = " 初步接洽"; /* the first's name, with a space */
    st[2].required_fields = req_bad;
    st[2].n_required_fields = 2;
    st[2].id = -1;
    in.name = "  ";
    char *dup_reasons[] = {"其他", "其他"};
    in.lost_reasons = dup_reasons;
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == -1);
    CHECK(s_named(&errs, "name") && s_named(&errs, "stages[0].probability") &&
          s_named(&errs, "stages[1].name") && s_named(&errs, "stages[2].required_fields") &&
          s_named(&errs, "stages[2].id") && s_named(&errs, "lost_reasons"));
    CHECK(errs.n == 6 && errs.e[0].status == CRM__STATUS__INVALID_ARGUMENT);

    /* Sizes: 1..20 stages, 1..30 reasons, 10 required fields, 0..100. */
    s_stages(st, v, names, 3);
    in = (sales_pipeline_input_t){"x", v, 0, 1, reasons, 2, 1, 0, 0};
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == -1 && s_named(&errs, "stages"));
    const char *many[SALES_STAGES_MAX + 1];
    char names21[SALES_STAGES_MAX + 1][8];
    for (int i = 0; i <= SALES_STAGES_MAX; i++) {
        snprintf(names21[i], sizeof names21[i], "s%d", i);
        many[i] = names21[i];
    }
    s_stages(st, v, many, SALES_STAGES_MAX + 1);
    in.n_stages = SALES_STAGES_MAX + 1;
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == -1 && s_named(&errs, "stages"));
    in.n_stages = SALES_STAGES_MAX;
    st[19].probability = 100;
    st[18].probability = 0;
    st[17].id = 5;
    st[16].id = 5;
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == -1 && errs.n == 1 && s_named(&errs, "stages[17].id"));
    st[17].id = 6;
    char *eleven[SALES_REQUIRED_MAX + 1] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"};
    st[3].required_fields = eleven;
    st[3].n_required_fields = SALES_REQUIRED_MAX + 1;
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == -1 && s_named(&errs, "stages[3].required_fields"));
    st[3].n_required_fields = SALES_REQUIRED_MAX;
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == 0);
    in.n_lost_reasons = 0;
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == -1 && s_named(&errs, "lost_reasons"));
    char *long_reason[] = {"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五"
                           "六七八九十一二三四五六七八九十一"};
    in.lost_reasons = long_reason;
    in.n_lost_reasons = 1;
    errs.n = 0;
    CHECK(sales_pipeline_check(&in, &errs) == -1 && s_named(&errs, "lost_reasons"));
}

#define ST(x) CRM__SALES__OPPORTUNITY_STATUS__OPPORTUNITY_STATUS_##x

/* Every status under every action: where it goes, or that it is refused. */
static void s_status_table(void)
{
    const char *why;
    static const struct {
        int from;
        sales_action_t action;
        unsigned facts;
        int to; /* 0: refused */
    } rows[] = {
        {ST(OPEN), SALES_ACT_MOVE, 0, ST(OPEN)},
        {ST(OPEN), SALES_ACT_WIN, 0, ST(WON)},
        {ST(OPEN), SALES_ACT_LOSE, 0, ST(LOST)},
        {ST(OPEN), SALES_ACT_INVALIDATE, 0, ST(INVALID)},
        {ST(OPEN), SALES_ACT_REOPEN, SALES_FACT_ADMIN, 0},
        {ST(OPEN), SALES_ACT_EDIT, 0, ST(OPEN)},
        {ST(OPEN), SALES_ACT_FOLLOW_UP, 0, ST(OPEN)},
        {ST(OPEN), SALES_ACT_TRANSFER, 0, ST(OPEN)},
        {ST(OPEN), SALES_ACT_DELETE, 0, ST(OPEN)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK(sales_next_status(rows[i].from, rows[i].action, rows[i].facts, &why) == rows[i].to);
    int closed[] = {ST(WON), ST(LOST), ST(INVALID)};
    for (int k = 0; k < 3; k++) {
        int c = closed[k];
        for (int a = SALES_ACT_MOVE; a <= SALES_ACT_INVALIDATE; a++) {
            CHECK(sales_next_status(c, a, SALES_FACT_ADMIN, &why) == 0);
            CHECK(strstr(why, "final unless an admin reopens it") != NULL);
        }
        CHECK(sales_next_status(c, SALES_ACT_EDIT, SALES_FACT_ADMIN, &why) == 0);
        CHECK(sales_next_status(c, SALES_ACT_REOPEN, SALES_FACT_ADMIN, &why) == ST(OPEN));
        CHECK(sales_next_status(c, SALES_ACT_REOPEN, 0, &why) == 0 &&
              !strcmp(why, "only an admin may reopen a closed opportunity"));
        CHECK(sales_next_status(c, SALES_ACT_FOLLOW_UP, 0, &why) == c);
        CHECK(sales_next_status(c, SALES_ACT_TRANSFER, 0, &why) == c);
        CHECK(sales_next_status(c, SALES_ACT_DELETE, 0, &why) == c);
    }
    CHECK(sales_next_status(ST(WON), SALES_ACT_WIN, 0, &why) == 0 && strstr(why, "won (赢单)"));
    CHECK(sales_next_status(0, SALES_ACT_MOVE, 0, &why) == 0); /* not a status */
    CHECK(sales_next_status(ST(OPEN), 31, 0, &why) == 0);      /* not an action */
}

/* The pipeline 1 of stages 11 (10%), 12 (30%, requires 预算 and 决策人),
 * 13 (50%), lost reasons 价格 and 其他. */
static void s_pipeline(Crm__Sales__Pipeline *p, Crm__Sales__Stage *st, Crm__Sales__Stage **v)
{
    static const char *const names[] = {"初步接洽", "需求确认", "方案制定"};
    static char *required[] = {"预算", "决策人"};
    static char *reasons[] = {"价格", "其他"};
    crm__sales__pipeline__init(p);
    s_stages(st, v, names, 3);
    for (int i = 0; i < 3; i++) {
        st[i].id = 11 + i;
        st[i].position = i + 1;
        st[i].probability = 10 + 20 * i;
    }
    st[1].required_fields = required;
    st[1].n_required_fields = 2;
    p->id = 1;
    p->name = "默认";
    p->stages = v;
    p->n_stages = 3;
    p->lost_reasons = reasons;
    p->n_lost_reasons = 2;
}

static void s_stage_changes(void)
{
    Crm__Sales__Pipeline p;
    Crm__Sales__Stage st[3], *v[3];
    s_pipeline(&p, st, v);
    sales_stage_to_t to;
    crm_err_t err;
    Crm__Sales__FeedbackEntry budget = CRM__SALES__FEEDBACK_ENTRY__INIT,
                              who = CRM__SALES__FEEDBACK_ENTRY__INIT;
    budget.field = "预算";
    budget.value = "100万";
    who.field = "决策人";
    who.value = "  ";
    Crm__Sales__FeedbackEntry *one[] = {&budget}, *both[] = {&budget, &who};

    /* On, skipping a stage; back. */
    sales_stage_ask_t ask = {.action = SALES_ACT_MOVE, .stage_id = 13};
    CHECK(sales_stage_decide(&p, ST(OPEN), 11, &ask, &to, &err) == 0 && to.stage_id == 13 &&
          to.probability == 50 && !to.back && to.status == ST(OPEN));
    ask.stage_id = 11;
    CHECK(sales_stage_decide(&p, ST(OPEN), 13, &ask, &to, &err) == 0 && to.back &&
          to.probability == 10);
    /* Moving on from 需求确认 needs its feedback, not blank; back does not. */
    ask.stage_id = 13;
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == -1 &&
          err.status == CRM__STATUS__INVALID_ARGUMENT && !strcmp(err.field, "feedback") &&
          strstr(err.message, "预算, 决策人"));
    ask.feedback = both;
    ask.n_feedback = 2;
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == -1 &&
          strstr(err.message, "决策人") && !strstr(err.message, "预算"));
    who.value = "王总";
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == 0 && to.stage_id == 13);
    ask.feedback = one;
    ask.n_feedback = 1;
    ask.stage_id = 11;
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == 0 && to.back);
    /* Not a stage of the pipeline; the stage it is in. */
    ask.stage_id = 99;
    CHECK(sales_stage_decide(&p, ST(OPEN), 11, &ask, &to, &err) == -1 &&
          !strcmp(err.field, "stage_id") && err.status == CRM__STATUS__INVALID_ARGUMENT);
    ask.stage_id = 11;
    CHECK(sales_stage_decide(&p, ST(OPEN), 11, &ask, &to, &err) == -1 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION && !strcmp(err.field, "stage_id"));

    /* Won: 100%, the required feedback of the stage it leaves. */
    ask = (sales_stage_ask_t){.action = SALES_ACT_WIN};
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == -1 &&
          !strcmp(err.field, "feedback"));
    CHECK(sales_stage_decide(&p, ST(OPEN), 13, &ask, &to, &err) == 0 && to.status == ST(WON) &&
          to.probability == 100 && to.stage_id == 13);
    /* Lost: a reason from the list; invalid. */
    ask = (sales_stage_ask_t){.action = SALES_ACT_LOSE};
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == -1 &&
          !strcmp(err.field, "lost_reason"));
    ask.lost_reason = "太贵";
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == -1 &&
          !strcmp(err.field, "lost_reason"));
    ask.lost_reason = "价格";
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == 0 && to.status == ST(LOST) &&
          to.probability == 0 && to.stage_id == 12);
    ask = (sales_stage_ask_t){.action = SALES_ACT_INVALIDATE};
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == 0 && to.status == ST(INVALID) &&
          to.probability == 0);

    /* Ends are final; an admin reopens, to the stage it was in or another. */
    ask = (sales_stage_ask_t){.action = SALES_ACT_MOVE, .stage_id = 11};
    CHECK(sales_stage_decide(&p, ST(WON), 13, &ask, &to, &err) == -1 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION);
    ask = (sales_stage_ask_t){.action = SALES_ACT_REOPEN};
    CHECK(sales_stage_decide(&p, ST(LOST), 12, &ask, &to, &err) == -1 &&
          err.status == CRM__STATUS__PERMISSION_DENIED);
    ask.facts = SALES_FACT_ADMIN;
    CHECK(sales_stage_decide(&p, ST(LOST), 12, &ask, &to, &err) == 0 && to.status == ST(OPEN) &&
          to.stage_id == 12 && to.probability == 30);
    ask.stage_id = 11;
    CHECK(sales_stage_decide(&p, ST(INVALID), 12, &ask, &to, &err) == 0 && to.stage_id == 11);
    CHECK(sales_stage_decide(&p, ST(OPEN), 12, &ask, &to, &err) == -1 &&
          err.status == CRM__STATUS__FAILED_PRECONDITION);
    /* A reopen to a stage no longer in the pipeline names one. */
    ask.stage_id = 0;
    CHECK(sales_stage_decide(&p, ST(WON), 77, &ask, &to, &err) == -1 &&
          !strcmp(err.field, "stage_id"));

    /* Feedback's shape. */
    Crm__Sales__FeedbackEntry blank = CRM__SALES__FEEDBACK_ENTRY__INIT;
    blank.field = "";
    blank.value = "";
    Crm__Sales__FeedbackEntry *bad[] = {&blank}, *twice[] = {&budget, &budget};
    CHECK(sales_feedback_check(one, 1, &err) == 0);
    CHECK(sales_feedback_check(bad, 1, &err) == -1 && !strcmp(err.field, "feedback"));
    CHECK(sales_feedback_check(twice, 2, &err) == -1 && strstr(err.message, "twice"));
}

/* Amounts are exact: integers all the way, half up to the minor unit. */
static void s_money(void)
{
    CHECK(sales_line_amount(3, 12345, 0) == 37035);
    CHECK(sales_line_amount(1, 999, 500) == 949);   /* 949.05 */
    CHECK(sales_line_amount(1, 1, 5000) == 1);      /* 0.5 up */
    CHECK(sales_line_amount(1, 3, 5000) == 2);      /* 1.5 up */
    CHECK(sales_line_amount(1, 1, 5001) == 0);      /* 0.4999 down */
    CHECK(sales_line_amount(7, 333, 3333) == 1554); /* 1554.0777 */
    CHECK(sales_line_amount(3, 10001, 1) == 30000); /* 29999.9997 */
    CHECK(sales_line_amount(5, 200, 10000) == 0);   /* free */
    CHECK(sales_line_amount(100000, INT64_C(10000000000), 0) == SALES_LINE_AMOUNT_MAX);
    CHECK(sales_line_amount(100001, INT64_C(10000000000), 0) == -1); /* over 10^15 */
    /* 10^9 x 10^13 would not fit 64 bits on the way: refused, not wrapped. */
    CHECK(sales_line_amount(SALES_QUANTITY_MAX, SALES_UNIT_PRICE_MAX, 0) == -1);
    CHECK(sales_line_amount(SALES_QUANTITY_MAX, SALES_UNIT_PRICE_MAX, 9999) == -1);
    CHECK(sales_line_amount(0, 1, 0) == -1 && sales_line_amount(1, -1, 0) == -1 &&
          sales_line_amount(1, 1, 10001) == -1 && sales_line_amount(1, 1, -1) == -1);
    CHECK(sales_line_amount(SALES_QUANTITY_MAX, 1, 0) == SALES_QUANTITY_MAX);

    Crm__Sales__OpportunityLine a = CRM__SALES__OPPORTUNITY_LINE__INIT,
                                b = CRM__SALES__OPPORTUNITY_LINE__INIT;
    a.product_id = 1;
    a.quantity = 2;
    b.product_id = 0;
    b.quantity = 0;
    b.unit_price = -1;
    b.discount_bp = 10001;
    b.remark = "";
    Crm__Sales__OpportunityLine *v[] = {&a, &b};
    crm_errs_t errs = {.n = 0};
    CHECK(sales_lines_check(v, 1, &errs) == 0);
    CHECK(sales_lines_check(v, 2, &errs) == -1 && errs.n == 4);
    CHECK(s_named(&errs, "lines[1].product_id") && s_named(&errs, "lines[1].quantity") &&
          s_named(&errs, "lines[1].unit_price") && s_named(&errs, "lines[1].discount_bp"));
    CHECK(sales_line_field(1, "quantity") == sales_line_field(1, "quantity")); /* static */
}

int main(void)
{
    s_money();
    s_pipeline_checks();
    s_status_table();
    s_stage_changes();
    return unit_result("test_sales_rules");
}
