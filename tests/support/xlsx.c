/* xlsx.c: a spreadsheet's cells for the tests (see xlsx.h): the body is
 * written to the harness's folder and read by xlsx_rows.py. */
#include "xlsx.h"

#include <stdio.h>
#include <stdlib.h>

#include "crm/util.h"

json_t *t_xlsx_sheets(h_t *h, const char *body, size_t len)
{
    static int n;
    char *path = crm_sprintf("%s/export-%d.xlsx", h_dir(h), ++n);
    FILE *f = fopen(path, "wb");
    H_CHECK(f && fwrite(body, 1, len, f) == len && fclose(f) == 0, "cannot write %s", path);
    char *cmd = crm_sprintf("python3 %s/tests/support/xlsx_rows.py %s", CRM_SOURCE_DIR, path);
    FILE *p = popen(cmd, "r");
    H_CHECK(p, "cannot run %s", cmd);
    json_error_t err;
    json_t *doc = json_loadf(p, 0, &err);
    int rc = pclose(p);
    H_CHECK(rc == 0 && json_is_object(doc), "%s: exit %d, %s", cmd, rc, doc ? "" : err.text);
    free(cmd);
    free(path);
    return doc;
}
