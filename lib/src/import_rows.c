/* import_rows.c: the pure logic of a chunk's row verdicts (crm/import.h):
 * the keys repeated inside a chunk, a row the screen holds back for a
 * fault of its own passing its place to the next row of its key, and a
 * repeat following its first row once the rows are screened. No database,
 * no call: unit-tested in tests/unit/test_import_rows.c. */
#include <stdlib.h>
#include <string.h>

#include "crm/import.h"
#include "crm/util.h"

/* Orders row indices by key, then by position (qsort_r). */
static int s_by_key(const void *a, const void *b, void *arg)
{
    const char *const *keys = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(keys[i], keys[j]);
    return c ? c : (i > j) - (i < j);
}

const char **crm_import_dedup(const char *const *keys, size_t n, size_t *dup, size_t *n_keys)
{
    size_t *idx = crm_malloc((n ? n : 1) * sizeof *idx), k = 0;
    for (size_t i = 0; i < n; i++) {
        dup[i] = 0;
        if (keys[i] && *keys[i])
            idx[k++] = i;
    }
    const char **out = NULL;
    *n_keys = 0;
    if (k) {
        qsort_r(idx, k, sizeof *idx, s_by_key, (void *)keys);
        out = crm_malloc(k * sizeof *out);
        size_t first = 0; /* the first row of the current key */
        for (size_t a = 0; a < k; a++) {
            if (*n_keys && strcmp(out[*n_keys - 1], keys[idx[a]]) == 0) {
                dup[idx[a]] = first + 1;
            } else {
                out[(*n_keys)++] = keys[idx[a]];
                first = idx[a];
            }
        }
    }
    free(idx);
    return out;
}

void crm_import_hold(crm_import_row_t *rows, size_t n, size_t i, const char *field,
                     const char *message)
{
    crm_import_row_t *row = &rows[i];
    if (!row->dup_row) {
        /* Its repeats: the first not held back is the key's first now. */
        size_t heir = 0; /* 1 + its index; 0: none */
        for (size_t j = i + 1; j < n; j++) {
            crm_import_row_t *r = &rows[j];
            if (r->dup_row != i + 1)
                continue;
            if (!heir && !r->field) {
                heir = j + 1;
                r->dup_row = 0;
                r->duplicate_of = row->duplicate_of;
                r->unnamed = row->unnamed;
                r->message = row->unnamed ? row->message : NULL;
            } else if (heir) {
                r->dup_row = heir;
            }
        }
    }
    row->field = field;
    row->message = message;
    row->unnamed = 0;
    row->duplicate_of = 0;
}

int crm_import_follow(crm_import_row_t *rows, size_t i)
{
    crm_import_row_t *row = &rows[i];
    if (row->field)
        return 0;
    if (!row->dup_row)
        return !row->duplicate_of;
    const crm_import_row_t *first = &rows[row->dup_row - 1];
    if (first->field) {
        row->field = first->field;
        row->message = first->message;
        return 0;
    }
    row->duplicate_of = first->id ? first->id : first->duplicate_of;
    row->unnamed = !first->id && first->unnamed;
    row->message = row->unnamed ? first->message : NULL;
    return 0;
}
