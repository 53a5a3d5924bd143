/* mask.c: the field mask of an update (see crm/mask.h). */
#include "crm/mask.h"

#include <string.h>

#include "crm/db.h"

int crm_mask_has(char *const *mask, size_t n, const char *field)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(mask[i], field) == 0)
            return 1;
    return 0;
}

static int s_listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

int crm_mask_check(char *const *mask, size_t n, const char *const *editable, crm_err_t *err)
{
    if (n == 0)
        return crm_err_invalid(err, "update_mask", "name the fields to change");
    for (size_t i = 0; i < n; i++) {
        if (!s_listed(editable, mask[i]))
            return crm_err_invalid(err, "update_mask", "\"%.64s\" is not an editable field",
                                   mask[i]);
        if (crm_mask_has(mask, i, mask[i]))
            return crm_err_invalid(err, "update_mask", "\"%.64s\" is named twice", mask[i]);
    }
    return 0;
}

char *crm_mask_param(char *const *mask, size_t n)
{
    return crm_db_text_array(mask, n);
}
