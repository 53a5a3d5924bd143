/* test_form.c: a record's typed fields checked as a table (crm/form.h,
 * pure): every field at fault named at once, fields not given skipped,
 * phones normalised, dates (leap years), unified social credit codes
 * (their check character), tags. */
#include <string.h>

#include "crm/form.h"
#include "unit.h"

static void test_dates(void)
{
    CHECK(crm_form_date_valid("2024-02-29"));
    CHECK(!crm_form_date_valid("2023-02-29"));
    CHECK(crm_form_date_valid("2000-02-29"));
    CHECK(!crm_form_date_valid("1900-02-29"));
    CHECK(!crm_form_date_valid("2024-13-01"));
    CHECK(!crm_form_date_valid("2024-04-31"));
    CHECK(!crm_form_date_valid("2024-4-01"));
    CHECK(!crm_form_date_valid("2024-04-01x"));
    CHECK(!crm_form_date_valid("99999-01-01"));
    CHECK(!crm_form_date_valid("2024/04/01"));
}

static void test_credit_codes(void)
{
    CHECK(crm_form_credit_code_valid("91350100M000100Y43"));
    CHECK(crm_form_credit_code_valid("9144030071526726XG"));
    CHECK(crm_form_credit_code_valid("91110000802100433B"));
    CHECK(!crm_form_credit_code_valid("91350100M000100Y44")); /* wrong check character */
    CHECK(!crm_form_credit_code_valid("91350100M000100Y4"));  /* 17 characters */
    CHECK(!crm_form_credit_code_valid("91350100I000100Y43")); /* I is not in the alphabet */
    CHECK(!crm_form_credit_code_valid("91350100m000100Y43")); /* lower case */
}

static void test_table(void)
{
    char mobile[12] = "x", tel[32];
    crm_form_field_t f[] = {
        {.field = "name", .value = "", .kind = CRM_FORM_TEXT, .max = 10, .required = 1},
        {.field = "mobile",
         .value = "+86 138-0013-8000",
         .kind = CRM_FORM_MOBILE,
         .out = mobile,
         .cap = sizeof mobile},
        {.field = "telephone", .value = NULL, .kind = CRM_FORM_LANDLINE, .out = tel, .cap = 32},
        {.field = "email", .value = "no-at", .kind = CRM_FORM_EMAIL},
        {.field = "qq", .value = "12a", .kind = CRM_FORM_DIGITS},
        {.field = "remark", .value = "长长长长长长长长长长长", .kind = CRM_FORM_TEXT, .max = 10},
        {.field = "founded_on", .value = "", .kind = CRM_FORM_DATE},
    };
    crm_errs_t errs = {.n = 0};
    CHECK(crm_form_check(f, sizeof f / sizeof f[0], &errs) == -1);
    CHECK(errs.n == 4);
    CHECK(!strcmp(errs.e[0].field, "name") && !strcmp(errs.e[1].field, "email") &&
          !strcmp(errs.e[2].field, "qq") && !strcmp(errs.e[3].field, "remark"));
    CHECK(!strcmp(mobile, "13800138000")); /* normalised */
    /* A bad mobile is named; an empty optional one is "". */
    f[1].value = "12345";
    errs.n = 0;
    crm_form_check(&f[1], 1, &errs);
    CHECK(errs.n == 1 && !strcmp(errs.e[0].field, "mobile"));
    f[1].value = "";
    errs.n = 0;
    CHECK(crm_form_check(&f[1], 1, &errs) == 0 && mobile[0] == '\0');
    /* Tags: at most n, each 1..max characters. */
    char *tags[] = {"a", "", "c"};
    errs.n = 0;
    CHECK(crm_form_tags(&errs, "tags", tags, 3, 20, 30) == -1 && errs.n == 1);
    errs.n = 0;
    CHECK(crm_form_tags(&errs, "tags", tags, 3, 2, 30) == -1);
    CHECK(crm_form_tags(&errs, "tags", tags, 1, 2, 30) == 0);
}

int main(void)
{
    test_dates();
    test_credit_codes();
    test_table();
    return unit_result("form");
}
