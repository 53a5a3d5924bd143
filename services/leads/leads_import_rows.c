/* leads_import_rows.c: the rows of one import chunk, from the request's
 * rows or from CSV text (the header names in Chinese or English, as the
 * import template has them), and the checks of each row: the typed fields
 * (leads_validate), the configured lists, and duplicate mobiles inside the
 * chunk. Pure: no database, no call. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm/csv.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "leads_import.h"

#define MAX_COLUMNS 64
#define TAGS_AT ((size_t)-1) /* the column of tags (a list, not a string) */

/* The columns a CSV header may name: the key (also the stored mapping), the
 * names the template and people use, and where the value goes. */
static const struct {
    const char *key, *zh, *zh2;
    size_t at;
} s_columns[] = {
    {"name", "线索", "线索名称", offsetof(lead_input_t, name)},
    {"mobile", "手机", "手机号", offsetof(lead_input_t, mobile)},
    {"telephone", "电话", "固定电话", offsetof(lead_input_t, telephone)},
    {"email", "邮箱", "电子邮箱", offsetof(lead_input_t, email)},
    {"wechat", "微信", "微信号", offsetof(lead_input_t, wechat)},
    {"qq", "QQ", "QQ号", offsetof(lead_input_t, qq)},
    {"company", "公司", "公司名称", offsetof(lead_input_t, company)},
    {"source", "来源", "线索来源", offsetof(lead_input_t, source)},
    {"level", "等级", "线索等级", offsetof(lead_input_t, level)},
    {"industry", "行业", "所属行业", offsetof(lead_input_t, industry)},
    {"tags", "标签", NULL, TAGS_AT},
    {"province", "省", "省份", offsetof(lead_input_t, province)},
    {"city", "市", "城市", offsetof(lead_input_t, city)},
    {"district", "区", "区县", offsetof(lead_input_t, district)},
    {"address", "详细地址", "地址", offsetof(lead_input_t, address)},
    {"remark", "备注", NULL, offsetof(lead_input_t, remark)},
};
#define N_COLUMNS (sizeof s_columns / sizeof s_columns[0])
#define IGNORED N_COLUMNS /* a column read and dropped */

/* Columns of the template that are accepted and ignored (an empty name
 * too: spreadsheets leave them). */
static const char *const s_ignored[] = {"",         "ID", "部门id", "推送类型", "department_id",
                                        "push_type"};

/* ---- storage ---------------------------------------------------------- */

static void *s_alloc(import_rows_t *out, size_t size)
{
    void *p = crm_calloc(1, size);
    out->blocks = crm_realloc(out->blocks, (out->nblocks + 1) * sizeof *out->blocks);
    out->blocks[out->nblocks++] = p;
    return p;
}

void leads_import_rows_clear(import_rows_t *out)
{
    for (size_t i = 0; i < out->nblocks; i++)
        free(out->blocks[i]);
    free(out->blocks);
    free(out->rows);
    free(out->header);
    memset(out, 0, sizeof *out);
}

void leads_import_from_rows(Crm__Leads__ImportRow *const *rows, size_t n, import_rows_t *out)
{
    memset(out, 0, sizeof *out);
    out->rows = crm_calloc(n ? n : 1, sizeof *out->rows);
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        const Crm__Leads__ImportRow *r = rows[i];
        out->rows[i].in = (lead_input_t){
            r->name,    r->mobile,   r->telephone, r->email,    r->wechat, r->qq,
            r->company, r->source,   r->level,     r->industry, r->remark, r->province,
            r->city,    r->district, r->address,   r->tags,     r->n_tags};
    }
}

/* ---- the header ------------------------------------------------------- */

/* s without the spaces and tabs around it, into out (cap bytes). */
static void s_trim(const char *s, char *out, size_t cap)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    snprintf(out, cap, "%.*s", (int)n, s);
}

/* The column a header name means: its index in s_columns, IGNORED, or -1. */
static int s_column(const char *name)
{
    for (size_t i = 0; i < N_COLUMNS; i++)
        if (strcasecmp(name, s_columns[i].key) == 0 || strcmp(name, s_columns[i].zh) == 0 ||
            (s_columns[i].zh2 && strcmp(name, s_columns[i].zh2) == 0))
            return (int)i;
    for (size_t i = 0; i < sizeof s_ignored / sizeof s_ignored[0]; i++)
        if (strcasecmp(name, s_ignored[i]) == 0)
            return IGNORED;
    return -1;
}

/* Maps header fields f[0..n) to columns map[0..n). Returns 0, or -1 with
 * msg. */
static int s_map_header(char **f, size_t n, int *map, char *msg, size_t cap)
{
    if (n > MAX_COLUMNS) {
        snprintf(msg, cap, "the header has %zu columns; at most %d", n, MAX_COLUMNS);
        return -1;
    }
    int seen[N_COLUMNS] = {0};
    for (size_t i = 0; i < n; i++) {
        char name[128];
        s_trim(f[i], name, sizeof name);
        map[i] = s_column(name);
        if (map[i] < 0) {
            snprintf(msg, cap,
                     "unknown column \"%s\" (column %zu of the header; see docs/leads.md)", name,
                     i + 1);
            return -1;
        }
        if (map[i] != IGNORED && seen[map[i]]++) {
            snprintf(msg, cap, "column \"%s\" appears twice in the header", name);
            return -1;
        }
    }
    if (!seen[0]) {
        snprintf(msg, cap, "the header has no 线索 (name) column");
        return -1;
    }
    return 0;
}

/* The mapping as stored for the later chunks: the keys, comma separated,
 * "" for an ignored column (read back by s_map_header). */
static char *s_mapping_text(const int *map, size_t n)
{
    char *out = crm_calloc(1, n * 12 + 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        if (map[i] != IGNORED)
            strcat(out, s_columns[map[i]].key);
    }
    return out;
}

/* ---- a record --------------------------------------------------------- */

/* Is s one of the tag separators (; ； ，)? Returns its length, or 0. */
static size_t s_tag_sep(const char *s)
{
    if (*s == ';')
        return 1;
    if (strncmp(s, "；", 3) == 0 || strncmp(s, "，", 3) == 0)
        return 3;
    return 0;
}

/* Splits the tags cell s (a copy the row owns) in place into tags. */
static size_t s_split_tags(char *s, char **tags)
{
    size_t n = 0;
    char *start = s;
    for (char *p = s;; p++) {
        size_t sep = *p ? s_tag_sep(p) : 1;
        if (!sep)
            continue;
        int end = !*p;
        *p = '\0';
        char *t = start;
        while (*t == ' ')
            t++;
        size_t len = strlen(t);
        while (len && t[len - 1] == ' ')
            t[--len] = '\0';
        if (len)
            tags[n++] = t;
        if (end)
            return n;
        p += sep - 1;
        start = p + 1;
    }
}

static int s_all_empty(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strspn(f[i], " \t") != strlen(f[i]))
            return 0;
    return 1;
}

/* Fills row from record f[0..n) under map[0..ncols). */
static void s_record(import_rows_t *out, import_row_t *row, char **f, size_t n, const int *map,
                     size_t ncols, size_t line)
{
    if (n != ncols) {
        row->field = "csv";
        snprintf(row->msg, sizeof row->msg,
                 "the record on line %zu has %zu columns; the header has %zu", line, n, ncols);
        return;
    }
    size_t bytes = 0, max_tags = 0;
    for (size_t i = 0; i < n; i++) {
        bytes += strlen(f[i]) + 1;
        if (map[i] != IGNORED && s_columns[map[i]].at == TAGS_AT)
            max_tags = strlen(f[i]) / 2 + 1; /* a tag and a separator: at least 2 bytes */
    }
    char **tags = s_alloc(out, max_tags * sizeof *tags + bytes);
    char *text = (char *)(tags + max_tags);
    for (size_t i = 0; i < n; i++) {
        if (map[i] == IGNORED)
            continue;
        s_trim(f[i], text, strlen(f[i]) + 1);
        size_t len = strlen(text); /* before the tags are cut in place */
        if (s_columns[map[i]].at == TAGS_AT) {
            row->in.tags = tags;
            row->in.n_tags = s_split_tags(text, tags);
        } else {
            *(const char **)((char *)&row->in + s_columns[map[i]].at) = text;
        }
        text += len + 1;
    }
}

static void s_push_row(import_rows_t *out, size_t *cap)
{
    if (out->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        out->rows = crm_realloc(out->rows, *cap * sizeof *out->rows);
    }
    memset(&out->rows[out->n++], 0, sizeof *out->rows);
}

/* Reads the header: from the stored mapping, or the text's first record. */
static int s_header(crm_csv_t *r, const char *stored, import_rows_t *out, int *map, size_t *ncols,
                    char *msg, size_t cap)
{
    char **f;
    size_t n = 0;
    int rc;
    if (*stored) {
        crm_csv_t *h = crm_csv_new(stored, strlen(stored));
        rc = crm_csv_next(h, &f, &n) == 1 ? s_map_header(f, n, map, msg, cap) : -1;
        crm_csv_destroy(&h);
        if (rc < 0)
            snprintf(msg, cap, "the import's stored header is damaged");
    } else {
        rc = crm_csv_next(r, &f, &n);
        if (rc == 0)
            snprintf(msg, cap, "the first CSV chunk of an import starts with the header");
        rc = rc == 1 ? s_map_header(f, n, map, msg, cap) : rc == 0 ? -1 : -2;
        if (rc == 0)
            out->header = s_mapping_text(map, n);
    }
    *ncols = n;
    return rc;
}

int leads_import_from_csv(const char *csv, size_t len, const char *header, import_rows_t *out,
                          char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (crm_utf8_len(csv) < 0) { /* Excel's plain "CSV" is GBK */
        snprintf(msg, cap, "the CSV is not UTF-8 text (save it as \"CSV UTF-8\")");
        return -1;
    }
    crm_csv_t *r = crm_csv_new(csv, len);
    int map[MAX_COLUMNS];
    size_t ncols = 0, rows_cap = 0;
    int rc = s_header(r, header, out, map, &ncols, msg, cap);
    char **f;
    size_t n;
    while (rc == 0 && (rc = crm_csv_next(r, &f, &n)) == 1) {
        rc = 0;
        if (s_all_empty(f, n))
            continue;
        s_push_row(out, &rows_cap);
        s_record(out, &out->rows[out->n - 1], f, n, map, ncols, crm_csv_line(r));
    }
    if (rc < 0 && crm_csv_error(r))
        snprintf(msg, cap, "line %zu: %s", crm_csv_line(r), crm_csv_error(r));
    crm_csv_destroy(&r);
    if (rc < 0) {
        leads_import_rows_clear(out);
        return -1;
    }
    return 0;
}

/* ---- checks ----------------------------------------------------------- */

static int s_listed(const char *v, const char **list, size_t n)
{
    if (!v || !*v)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

/* The typed fields and the lists: marks row invalid if one is wrong. */
static void s_check_row(import_row_t *row, const import_options_t *o)
{
    const char *field;
    char m[160];
    if (leads_validate(&row->in, 0, &row->norm, &field, m, sizeof m) < 0) {
        row->field = field;
        snprintf(row->msg, sizeof row->msg, "%s %s", field, m);
        return;
    }
    const struct {
        const char *field, *value, **list;
        size_t n;
    } lists[] = {
        {"level", row->in.level, o->levels, o->n_levels},
        {"industry", row->in.industry, o->industries, o->n_industries},
        {"source", row->in.source, o->sources, o->n_sources},
    };
    for (size_t i = 0; i < 3; i++) {
        if (!s_listed(lists[i].value, lists[i].list, lists[i].n)) {
            row->field = lists[i].field;
            snprintf(row->msg, sizeof row->msg,
                     "%s \"%s\" is not one of the configured values (Leads.GetOptions)",
                     lists[i].field, lists[i].value);
            return;
        }
    }
}

/* Orders row indices by mobile, then by position (qsort_r). */
static int s_by_mobile(const void *a, const void *b, void *arg)
{
    const import_row_t *rows = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(rows[i].norm.mobile, rows[j].norm.mobile);
    return c ? c : (i > j) - (i < j);
}

const char **leads_import_check(import_rows_t *rows, const import_options_t *opts,
                                int allow_duplicates, size_t *n)
{
    size_t *idx = crm_malloc((rows->n ? rows->n : 1) * sizeof *idx), k = 0;
    for (size_t i = 0; i < rows->n; i++) {
        if (!rows->rows[i].field)
            s_check_row(&rows->rows[i], opts);
        if (!rows->rows[i].field && rows->rows[i].norm.mobile[0])
            idx[k++] = i;
    }
    const char **mobiles = NULL;
    *n = 0;
    if (!allow_duplicates && k) {
        qsort_r(idx, k, sizeof *idx, s_by_mobile, rows->rows);
        mobiles = crm_malloc(k * sizeof *mobiles);
        size_t first = 0; /* the first row of the current mobile */
        for (size_t a = 0; a < k; a++) {
            import_row_t *row = &rows->rows[idx[a]];
            if (*n && strcmp(mobiles[*n - 1], row->norm.mobile) == 0) {
                row->dup_row = first + 1;
            } else {
                mobiles[(*n)++] = row->norm.mobile;
                first = idx[a];
            }
        }
    }
    free(idx);
    return mobiles;
}
