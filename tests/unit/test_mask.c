/* test_mask.c: the field mask of an update (crm/mask.h): membership, the
 * check (at least one name, each editable, none twice, the error naming
 * update_mask and the name), and the mask as a text[] parameter. */
#include <stdlib.h>
#include <string.h>

#include "crm/mask.h"
#include "unit.h"

static const char *const s_editable[] = {"name", "remark", "tags", NULL};

static void test_has(void)
{
    char *mask[] = {"name", "tags"};
    CHECK(crm_mask_has(mask, 2, "tags") && crm_mask_has(mask, 2, "name"));
    CHECK(!crm_mask_has(mask, 2, "remark") && !crm_mask_has(mask, 2, "nam"));
    CHECK(!crm_mask_has(NULL, 0, "name"));
}

static void test_check(void)
{
    crm_err_t err;
    char *fine[] = {"remark", "name"};
    CHECK(crm_mask_check(fine, 2, s_editable, &err) == 0);
    CHECK(crm_mask_check(NULL, 0, s_editable, &err) < 0 &&
          err.status == CRM__STATUS__INVALID_ARGUMENT && strcmp(err.field, "update_mask") == 0);
    char *unknown[] = {"name", "owner_id"};
    CHECK(crm_mask_check(unknown, 2, s_editable, &err) < 0 &&
          strcmp(err.field, "update_mask") == 0 && strstr(err.message, "\"owner_id\""));
    char *twice[] = {"tags", "name", "tags"};
    CHECK(crm_mask_check(twice, 3, s_editable, &err) < 0 && strstr(err.message, "twice"));
    CHECK(crm_mask_check(unknown, 2, s_editable, NULL) < 0);
}

static void test_param(void)
{
    char *mask[] = {"name", "next_followup_at_us"};
    char *p = crm_mask_param(mask, 2);
    CHECK(strcmp(p, "{\"name\",\"next_followup_at_us\"}") == 0);
    free(p);
    p = crm_mask_param(NULL, 0);
    CHECK(strcmp(p, "{}") == 0);
    free(p);
}

int main(void)
{
    test_has();
    test_check();
    test_param();
    return unit_result("mask");
}
