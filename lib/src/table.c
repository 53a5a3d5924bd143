/* table.c: messages as the rows of a table in the wire form (see
 * crm/table.h). The columns are worked out once per message type; a row
 * writes each cell's text into the rows' one text buffer, so a page of
 * rows is two allocations that grow, whatever its size. */
#include "crm/table.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/rfc3339.h"
#include "crm/util.h"
#include "crm/validate.h"
#include "pbjson_impl.h"

/* A column: field f (said as kind), or (extra) the member the hook writes
 * after it. */
typedef struct {
    const ProtobufCFieldDescriptor *f;
    pbj_kind_t kind;
    int extra;
    char *name;
} s_col_t;

struct crm_table {
    const ProtobufCMessageDescriptor *d;
    const crm_pb_extra_t *extra;
    s_col_t *cols;
    size_t n;
};

crm_table_t *crm_table_new(const ProtobufCMessageDescriptor *d, const crm_pb_extra_t *extra)
{
    crm_table_t *t = crm_calloc(1, sizeof *t);
    t->d = d;
    t->extra = extra;
    t->cols = crm_calloc(2 * (size_t)d->n_fields + 1, sizeof *t->cols);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char key[160];
        pbj_kind_t kind = pbj_wire_kind(f);
        t->cols[t->n++] = (s_col_t){f, kind, 0, crm_strdup(pbj_wire_key(f, key, sizeof key))};
        const char *name =
            extra && f->type == PROTOBUF_C_TYPE_INT64 ? extra->key(extra->arg, d, f) : NULL;
        if (name)
            t->cols[t->n++] = (s_col_t){f, kind, 1, crm_strdup(name)};
    }
    return t;
}

void crm_table_destroy(crm_table_t **t_p)
{
    crm_table_t *t = t_p ? *t_p : NULL;
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->cols[i].name);
    free(t->cols);
    free(t);
    *t_p = NULL;
}

size_t crm_table_ncols(const crm_table_t *t)
{
    return t->n;
}

const char *crm_table_column(const crm_table_t *t, size_t i)
{
    return i < t->n ? t->cols[i].name : NULL;
}

/* ---- cells ------------------------------------------------------------ */

static void s_put(crm_cells_t *c, const char *s, size_t n)
{
    if (c->len + n > c->tcap) {
        c->tcap = c->tcap ? c->tcap : 4096;
        while (c->len + n > c->tcap)
            c->tcap *= 2;
        c->text = crm_realloc(c->text, c->tcap);
    }
    memcpy(c->text + c->len, s, n);
    c->len += n;
}

static void s_puts(crm_cells_t *c, const char *s)
{
    s_put(c, s, strlen(s));
}

/* A new cell at the end of c; its text (if any) starts at c->len, and
 * s_end gives it the text written since. Writing text never moves the
 * cells, so the pointer stays good until the next s_cell. */
static crm_cell_t *s_cell(crm_cells_t *c, crm_cell_kind_t kind)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->cells = crm_realloc(c->cells, c->cap * sizeof *c->cells);
    }
    crm_cell_t *cell = &c->cells[c->n++];
    *cell = (crm_cell_t){.kind = kind, .off = c->len};
    return cell;
}

static void s_end(crm_cells_t *c, crm_cell_t *cell)
{
    cell->len = c->len - cell->off;
    s_put(c, "", 1); /* a NUL after it, for the writers that want one */
}

/* A string as the JSON writer says it: text that is not UTF-8 is "". */
static const char *s_utf8(const char *s)
{
    return s && crm_utf8_len(s) >= 0 ? s : "";
}

/* s_puts of s_utf8(s), in one pass over s. */
static void s_put_utf8(crm_cells_t *c, const char *s)
{
    long n = s ? crm_utf8_bytes(s) : -1;
    if (n > 0)
        s_put(c, s, (size_t)n);
}

/* A "<x>_json" document as compact JSON (as the JSON reply writes it), or
 * the text itself if it is not JSON. */
static void s_put_document(crm_cells_t *c, const char *s)
{
    json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    s_puts(c, text ? text : s_utf8(s));
    free(text);
    json_decref(j);
}

/* One value of field f at p as text (an element of a list, or a value the
 * cell kinds do not carry as a number). */
static void s_put_value(crm_cells_t *c, const ProtobufCFieldDescriptor *f, const void *p)
{
    char buf[CRM_RFC3339_MAX > 40 ? CRM_RFC3339_MAX : 40];
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        s_puts(c, crm_i64(buf, *(const int32_t *)p));
        return;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        s_puts(c, crm_i64(buf, *(const uint32_t *)p));
        return;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        s_puts(c, crm_i64(buf, *(const int64_t *)p));
        return;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)p);
        s_puts(c, buf);
        return;
    case PROTOBUF_C_TYPE_FLOAT:
        snprintf(buf, sizeof buf, "%.17g", (double)*(const float *)p);
        s_puts(c, buf);
        return;
    case PROTOBUF_C_TYPE_DOUBLE:
        snprintf(buf, sizeof buf, "%.17g", *(const double *)p);
        s_puts(c, buf);
        return;
    case PROTOBUF_C_TYPE_BOOL:
        s_puts(c, *(const protobuf_c_boolean *)p ? "true" : "false");
        return;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
        s_puts(c, ev ? pbj_enum_word(f->descriptor, ev, buf, sizeof buf) : crm_i64(buf, v));
        return;
    }
    case PROTOBUF_C_TYPE_STRING:
        s_put_utf8(c, *(char *const *)p);
        return;
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *s = pbj_b64_encode(b->data, b->data ? b->len : 0);
        s_puts(c, s);
        free(s);
        return;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        size_t len;
        char *s = crm_pb_to_json_text(m, CRM_PBJSON_WIRE, &len);
        s_put(c, s, len);
        free(s);
        return;
    }
    }
}

/* The cell of a singular field f (of wire kind kind) at p. */
static void s_single(crm_cells_t *c, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                     pbj_kind_t kind, const void *p)
{
    if (!pbj_present(msg, f)) {
        s_cell(c, CRM_CELL_EMPTY);
        return;
    }
    switch (kind) {
    case PBJ_TIME: {
        char buf[CRM_RFC3339_MAX];
        int64_t us = *(const int64_t *)p;
        if (!us || crm_rfc3339_format(us, buf) < 0) {
            s_cell(c, CRM_CELL_EMPTY);
            return;
        }
        crm_cell_t *cell = s_cell(c, CRM_CELL_WORD);
        s_puts(c, buf);
        s_end(c, cell);
        return;
    }
    case PBJ_JSON: {
        const char *s = *(char *const *)p;
        if (!s || !*s) {
            s_cell(c, CRM_CELL_EMPTY);
            return;
        }
        crm_cell_t *cell = s_cell(c, CRM_CELL_WORD);
        s_put_document(c, s);
        s_end(c, cell);
        return;
    }
    case PBJ_PLAIN:
        break;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        s_cell(c, CRM_CELL_INT)->i = *(const int32_t *)p;
        return;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        s_cell(c, CRM_CELL_INT)->i = *(const uint32_t *)p;
        return;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        s_cell(c, CRM_CELL_INT)->i = *(const int64_t *)p;
        return;
    case PROTOBUF_C_TYPE_FLOAT:
        s_cell(c, CRM_CELL_DOUBLE)->d = *(const float *)p;
        return;
    case PROTOBUF_C_TYPE_DOUBLE:
        s_cell(c, CRM_CELL_DOUBLE)->d = *(const double *)p;
        return;
    case PROTOBUF_C_TYPE_BOOL:
        s_cell(c, CRM_CELL_BOOL)->i = *(const protobuf_c_boolean *)p != 0;
        return;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        if (ev && pbj_enum_unspecified(ev)) {
            s_cell(c, CRM_CELL_EMPTY);
            return;
        }
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        if (!*(const ProtobufCMessage *const *)p) {
            s_cell(c, CRM_CELL_EMPTY);
            return;
        }
        break;
    default:
        break;
    }
    /* Text: a string; a word, base64, a message's JSON, a uint64 past
     * int64 (said as its digits). */
    crm_cell_t *cell = s_cell(c, f->type == PROTOBUF_C_TYPE_STRING ? CRM_CELL_TEXT : CRM_CELL_WORD);
    s_put_value(c, f, p);
    s_end(c, cell);
}

/* The cell of a repeated field f of msg: its values joined by ';'. */
static void s_list(crm_cells_t *c, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)msg;
    size_t n = *(const size_t *)(base + f->quantifier_offset);
    const char *arr = *(const char *const *)(base + f->offset);
    if (!n || !arr) {
        s_cell(c, CRM_CELL_EMPTY);
        return;
    }
    crm_cell_t *cell = s_cell(c, f->type == PROTOBUF_C_TYPE_STRING ? CRM_CELL_TEXT : CRM_CELL_WORD);
    size_t sz = pbj_elem_size(f);
    for (size_t k = 0; k < n; k++) {
        if (k)
            s_put(c, ";", 1);
        s_put_value(c, f, arr + k * sz);
    }
    s_end(c, cell);
}

/* The hook's member after int64 field f of msg (people's names). */
static void s_extra(const crm_table_t *t, crm_cells_t *c, const ProtobufCMessage *msg,
                    const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)msg;
    const crm_pb_extra_t *x = t->extra;
    size_t n = 1;
    const int64_t *ids = (const int64_t *)(base + f->offset);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        n = *(const size_t *)(base + f->quantifier_offset);
        ids = *(const int64_t *const *)(base + f->offset);
    }
    const char *one =
        n == 1 && f->label != PROTOBUF_C_LABEL_REPEATED ? x->value(x->arg, ids[0]) : NULL;
    if (!n || !ids || (f->label != PROTOBUF_C_LABEL_REPEATED && !one)) {
        s_cell(c, CRM_CELL_EMPTY);
        return;
    }
    crm_cell_t *cell = s_cell(c, CRM_CELL_TEXT);
    for (size_t k = 0; k < n; k++) {
        if (k)
            s_put(c, ";", 1);
        s_put_utf8(c, one ? one : x->value(x->arg, ids[k]));
    }
    s_end(c, cell);
}

void crm_table_row(const crm_table_t *t, const ProtobufCMessage *msg, crm_cells_t *out)
{
    const char *base = (const char *)msg;
    for (size_t i = 0; i < t->n; i++) {
        const s_col_t *col = &t->cols[i];
        if (col->extra)
            s_extra(t, out, msg, col->f);
        else if (col->f->label == PROTOBUF_C_LABEL_REPEATED)
            s_list(out, msg, col->f);
        else
            s_single(out, msg, col->f, col->kind, base + col->f->offset);
    }
}

void crm_cells_clear(crm_cells_t *c)
{
    c->n = 0;
    c->len = 0;
}

void crm_cells_free(crm_cells_t *c)
{
    free(c->cells);
    free(c->text);
    *c = (crm_cells_t){0};
}
