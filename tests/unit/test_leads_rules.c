/* test_leads_rules.c: the leads service's pure rules: every status move a
 * lead may and may not make (the seeds' life cycle), and the checks and
 * normal forms of the fields people type. */
#include <string.h>

#include "leads.h"
#include "unit.h"

#define NONE ((lead_status_t)0)

/* The whole table: for each action and each status, where it goes (NONE:
 * refused). Columns: unassigned, pending, following, invalid, converted,
 * voided. */
static const struct {
    lead_act_t act;
    const char *name;
    lead_status_t to[6];
} s_moves[] = {
    {LEAD_ACT_FOLLOW_UP, "follow up", {NONE, LS(FOLLOWING), LS(FOLLOWING), NONE, NONE, NONE}},
    {LEAD_ACT_TRANSFER, "transfer", {NONE, LS(PENDING), LS(FOLLOWING), LS(INVALID), NONE, NONE}},
    {LEAD_ACT_POOL, "pool", {NONE, LS(UNASSIGNED), LS(UNASSIGNED), LS(UNASSIGNED), NONE, NONE}},
    {LEAD_ACT_CLAIM, "claim", {LS(PENDING), NONE, NONE, NONE, NONE, NONE}},
    {LEAD_ACT_INVALIDATE, "invalidate", {NONE, LS(INVALID), LS(INVALID), NONE, NONE, NONE}},
    {LEAD_ACT_VOID, "void", {LS(VOIDED), LS(VOIDED), LS(VOIDED), LS(VOIDED), NONE, NONE}},
    {LEAD_ACT_RESTORE, "restore", {NONE, NONE, NONE, NONE, NONE, LS(VOIDED)}},
    {LEAD_ACT_CONVERT, "convert", {NONE, LS(CONVERTED), LS(CONVERTED), NONE, NONE, NONE}},
    {LEAD_ACT_EDIT, "edit", {LS(UNASSIGNED), LS(PENDING), LS(FOLLOWING), LS(INVALID), NONE, NONE}},
    {LEAD_ACT_DELETE,
     "delete",
     {LS(UNASSIGNED), LS(PENDING), LS(FOLLOWING), LS(INVALID), NONE, LS(VOIDED)}},
};

static void test_moves(void)
{
    for (size_t i = 0; i < sizeof s_moves / sizeof s_moves[0]; i++) {
        for (int from = 1; from <= 6; from++) {
            const char *why = NULL;
            lead_status_t to = leads_next_status(s_moves[i].act, (lead_status_t)from, 1, &why);
            lead_status_t want = s_moves[i].to[from - 1];
            if (to != want)
                fprintf(stderr, "%s from %s: got %d, want %d\n", s_moves[i].name,
                        leads_status_name((lead_status_t)from), to, want);
            CHECK(to == want);
            /* A refusal always says why; a move never does. */
            CHECK((to == NONE) == (why != NULL && *why));
        }
    }
    const char *why;
    /* Resume picks pending or following by whether it was followed up. */
    CHECK(leads_next_status(LEAD_ACT_RESUME, LS(INVALID), 0, &why) == LS(PENDING));
    CHECK(leads_next_status(LEAD_ACT_RESUME, LS(INVALID), 1, &why) == LS(FOLLOWING));
    CHECK(leads_next_status(LEAD_ACT_RESUME, LS(PENDING), 1, &why) == NONE && why);
    /* Restore goes back to where a lead would be. */
    CHECK(leads_restored_status(0, 1) == LS(UNASSIGNED));
    CHECK(leads_restored_status(7, 0) == LS(PENDING));
    CHECK(leads_restored_status(7, 1) == LS(FOLLOWING));
    /* The messages tell the user what to do. */
    leads_next_status(LEAD_ACT_CONVERT, LS(CONVERTED), 1, &why);
    CHECK(strstr(why, "already converted") != NULL);
    leads_next_status(LEAD_ACT_CONVERT, LS(VOIDED), 1, &why);
    CHECK(strstr(why, "admin must restore") != NULL);
    leads_next_status(LEAD_ACT_FOLLOW_UP, LS(UNASSIGNED), 1, &why);
    CHECK(strstr(why, "claim it") != NULL);
}

static int s_bad(const lead_input_t *in, const char *want_field)
{
    lead_norm_t norm;
    const char *field = NULL;
    char msg[160];
    int rc = leads_validate(in, 0, &norm, &field, msg, sizeof msg);
    return rc < 0 && field && strcmp(field, want_field) == 0 && msg[0];
}

static void test_validate(void)
{
    lead_norm_t norm;
    const char *field;
    char msg[160];
    char *tags[] = {"展会", "华东"};
    lead_input_t ok = {.name = "上海某某",
                       .mobile = "+86 138-1234-5678",
                       .telephone = "(021) 6123-4567",
                       .email = "a@b.cn",
                       .qq = "10001",
                       .tags = tags,
                       .n_tags = 2};
    CHECK(leads_validate(&ok, 0, &norm, &field, msg, sizeof msg) == 0);
    CHECK(strcmp(norm.mobile, "13812345678") == 0);
    CHECK(strcmp(norm.telephone, "021-61234567") == 0);

    lead_input_t in = ok;
    in.name = "";
    CHECK(s_bad(&in, "name"));
    CHECK(leads_validate(&in, 1, &norm, &field, msg, sizeof msg) == 0); /* edits may omit it */
    in = ok;
    in.mobile = "1381234567";
    CHECK(s_bad(&in, "mobile"));
    in = ok;
    in.telephone = "12";
    CHECK(s_bad(&in, "telephone"));
    in = ok;
    in.email = "no-at-sign";
    CHECK(s_bad(&in, "email"));
    in = ok;
    in.qq = "abc";
    CHECK(s_bad(&in, "qq"));
    in = ok;
    in.name = "\xff\xfe";
    CHECK(s_bad(&in, "name"));
    in = ok;
    char *long_tag[] = {"这是一个超过三十个字符的标签这是一个超过三十个字符的标签这是一"};
    in.tags = long_tag;
    in.n_tags = 1;
    CHECK(s_bad(&in, "tags"));
    char *many[21];
    for (int i = 0; i < 21; i++)
        many[i] = "t";
    in.tags = many;
    in.n_tags = 21;
    CHECK(s_bad(&in, "tags"));
    in = ok;
    char name[700];
    memset(name, 'a', 201);
    name[201] = '\0';
    in.name = name;
    CHECK(s_bad(&in, "name"));
}

/* The opportunity part of a conversion: each field at fault named, at once. */
static void test_conversion_opportunity(void)
{
    Crm__Leads__ConversionOpportunity o = CRM__LEADS__CONVERSION_OPPORTUNITY__INIT;
    crm_errs_t errs = {.n = 0};
    o.name = "一期";
    o.amount = 100000000000000000LL; /* 10^17: the most */
    o.expected_close_date = "2028-02-29";
    CHECK(leads_check_conversion_opportunity(&o, &errs) == 0 && errs.n == 0);
    o.expected_close_date = "";
    o.amount = 0;
    CHECK(leads_check_conversion_opportunity(&o, &errs) == 0 && errs.n == 0);
    o.name = " \t ";
    o.amount = 100000000000000001LL;
    o.expected_close_date = "2027-02-29";
    o.pipeline_id = -1;
    CHECK(leads_check_conversion_opportunity(&o, &errs) == -1 && errs.n == 4);
    CHECK(strcmp(errs.e[0].field, "opportunity.name") == 0);
    CHECK(strcmp(errs.e[1].field, "opportunity.amount") == 0);
    CHECK(strcmp(errs.e[2].field, "opportunity.expected_close_date") == 0);
    CHECK(strcmp(errs.e[3].field, "opportunity.pipeline_id") == 0);
    errs.n = 0;
    o.name = "";
    o.amount = -1;
    o.expected_close_date = "2026-9-1";
    o.pipeline_id = 0;
    CHECK(leads_check_conversion_opportunity(&o, &errs) == -1 && errs.n == 3);
    errs.n = 0;
    char long_name[700];
    memset(long_name, 0, sizeof long_name);
    for (int i = 0; i < 201; i++)
        strcat(long_name, "商");
    o.name = long_name;
    o.amount = 1;
    o.expected_close_date = "";
    CHECK(leads_check_conversion_opportunity(&o, &errs) == -1 && errs.n == 1 &&
          strcmp(errs.e[0].field, "opportunity.name") == 0);
}

int main(void)
{
    test_moves();
    test_validate();
    test_conversion_opportunity();
    return unit_result("leads_rules");
}
