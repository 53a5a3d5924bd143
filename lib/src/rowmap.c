/* rowmap.c: query rows into protobuf messages by column name (see
 * crm/rowmap.h). */
#include "crm/rowmap.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "crm/db.h"
#include "crm/util.h"
#include "db_binary.h"

/* How a column is read: in text (libpq's default), or in binary
 * (crm_db_batch_binary) as its type is. */
typedef struct {
    int col;
    const ProtobufCFieldDescriptor *f;
    int binary;
    Oid type;
} s_pair_t;

struct crm_rowmap {
    const ProtobufCMessageDescriptor *d;
    s_pair_t *pairs;
    int n;
};

/* Can a column fill field f? */
static int s_fillable(const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_INT64;
    return f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_BYTES &&
           !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
}

/* What a binary column of type must be to fill field f. */
static db_bin_kind_t s_kind_for(const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return f->type == PROTOBUF_C_TYPE_STRING ? DB_BIN_TEXTS : DB_BIN_INTS;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return DB_BIN_TEXT;
    case PROTOBUF_C_TYPE_BOOL:
        return DB_BIN_BOOL;
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_FLOAT:
        return DB_BIN_FLOAT;
    default: /* integers and enums */
        return DB_BIN_INT;
    }
}

/* Does column col of r read into f as its format and type are? A time
 * read as text is not a number (select crm_us(t), or ask for binary); a
 * binary column must be of a type read into f's. */
static int s_readable(const PGresult *r, int col, const ProtobufCFieldDescriptor *f)
{
    Oid type = PQftype(r, col);
    if (PQfformat(r, col) == 1)
        return db_bin_kind(type) == s_kind_for(f);
    return !(s_kind_for(f) == DB_BIN_INT && db_bin_is_time(type));
}

crm_rowmap_t *crm_rowmap_new(const ProtobufCMessageDescriptor *d, const PGresult *r, crm_err_t *err)
{
    crm_rowmap_t *m = crm_calloc(1, sizeof *m);
    m->d = d;
    m->pairs = crm_calloc(d->n_fields + 1, sizeof *m->pairs);
    char *paired = crm_calloc(d->n_fields + 1, 1);
    /* Each column finds its field by name (the descriptor's sorted index);
     * the first column of a name fills it, as PQfnumber would find it. */
    for (int col = 0, ncols = PQnfields(r); col < ncols; col++) {
        const char *name = PQfname(r, col);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, name);
        if (!f || paired[f - d->fields])
            continue;
        paired[f - d->fields] = 1;
        if (!s_fillable(f) || !s_readable(r, col, f)) {
            crm_err_set(err, CRM__STATUS__INTERNAL, f->name, "column %s cannot fill %s.%s", f->name,
                        d->name, f->name);
            free(paired);
            crm_rowmap_destroy(&m);
            return NULL;
        }
        m->pairs[m->n++] = (s_pair_t){
            .col = col, .f = f, .binary = PQfformat(r, col) == 1, .type = PQftype(r, col)};
    }
    free(paired);
    return m;
}

void crm_rowmap_destroy(crm_rowmap_t **m_p)
{
    crm_rowmap_t *m = m_p ? *m_p : NULL;
    if (!m)
        return;
    free(m->pairs);
    free(m);
    *m_p = NULL;
}

int crm_rowmap_columns(const crm_rowmap_t *m)
{
    return m->n;
}

/* Sets the integer or enum at p of type t to v. */
static void s_set_int(ProtobufCType t, void *p, int64_t v)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(int64_t *)p = v;
        break;
    default: /* int32, sint32, sfixed32, uint32, fixed32, enum: 32 bits */
        *(int32_t *)p = (int32_t)v;
        break;
    }
}

/* Sets the scalar at p of type t from column col of row `row` of r (text). */
static void s_scalar(ProtobufCType t, void *p, const PGresult *r, int row, int col)
{
    switch (t) {
    case PROTOBUF_C_TYPE_STRING:
        *(const char **)p = crm_db_get(r, row, col);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)p = crm_db_get_bool(r, row, col);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)p = strtod(crm_db_get(r, row, col), NULL);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)p = strtof(crm_db_get(r, row, col), NULL);
        break;
    default:
        s_set_int(t, p, crm_db_get_i64(r, row, col));
        break;
    }
}

/* The same from a binary value (v, len bytes) of the pair's type, checked
 * against the field by crm_rowmap_new. */
static void s_scalar_binary(const s_pair_t *pr, void *p, const char *v, int len)
{
    int64_t i;
    double x;
    switch (pr->f->type) {
    case PROTOBUF_C_TYPE_STRING:
        *(const char **)p = v;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)p = len == 1 && v[0] != 0;
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        db_bin_f64(pr->type, v, len, &x);
        *(double *)p = x;
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        db_bin_f64(pr->type, v, len, &x);
        *(float *)p = (float)x;
        break;
    default:
        db_bin_i64(pr->type, v, len, &i);
        s_set_int(pr->f->type, p, i);
        break;
    }
}

void crm_rowmap_fill(const crm_rowmap_t *m, const PGresult *r, int row, ProtobufCMessage *msg)
{
    for (int i = 0; i < m->n; i++) {
        const s_pair_t *pr = &m->pairs[i];
        const ProtobufCFieldDescriptor *f = pr->f;
        int col = pr->col;
        void *p = (char *)msg + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t *n = (size_t *)((char *)msg + f->quantifier_offset);
            if (f->type == PROTOBUF_C_TYPE_STRING)
                *(char ***)p = crm_db_get_text_array(r, row, col, n);
            else
                *(int64_t **)p = crm_db_get_i64_array(r, row, col, n);
            continue;
        }
        if (PQgetisnull(r, row, col))
            continue; /* the default */
        if (pr->binary)
            s_scalar_binary(pr, p, PQgetvalue(r, row, col), PQgetlength(r, row, col));
        else
            s_scalar(f->type, p, r, row, col);
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
            *(protobuf_c_boolean *)((char *)msg + f->quantifier_offset) = 1;
    }
}

int crm_row_to_message(const PGresult *r, int row, ProtobufCMessage *msg, crm_err_t *err)
{
    crm_rowmap_t *m = crm_rowmap_new(msg->descriptor, r, err);
    if (!m)
        return -1;
    crm_rowmap_fill(m, r, row, msg);
    crm_rowmap_destroy(&m);
    return 0;
}

void crm_rowmap_clear(ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REPEATED || !s_fillable(f))
            continue;
        void **p = (void **)((char *)msg + f->offset);
        free(*p);
        *p = NULL;
        *(size_t *)((char *)msg + f->quantifier_offset) = 0;
    }
}

/* The repeated message field `name` of list: its count and array. */
static const ProtobufCFieldDescriptor *s_items(ProtobufCMessage *list, const char *name, size_t **n,
                                               void ***v)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(list->descriptor, name);
    assert(f && f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE);
    *n = (size_t *)((char *)list + f->quantifier_offset);
    *v = (void **)((char *)list + f->offset);
    return f;
}

int crm_rowmap_items(ProtobufCMessage *list, const char *items, const PGresult *r, size_t n,
                     crm_err_t *err)
{
    size_t *count;
    void **array;
    const ProtobufCMessageDescriptor *d = s_items(list, items, &count, &array)->descriptor;
    crm_rowmap_t *m = crm_rowmap_new(d, r, err);
    if (!m)
        return -1;
    /* One block: the pointers, then the messages (freed with the block). */
    ProtobufCMessage **ptrs = crm_calloc(1, (n + 1) * sizeof *ptrs + n * d->sizeof_message);
    char *elems = (char *)(ptrs + n + 1);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = (ProtobufCMessage *)(elems + i * d->sizeof_message);
        d->message_init(ptrs[i]);
        crm_rowmap_fill(m, r, (int)i, ptrs[i]);
    }
    crm_rowmap_destroy(&m);
    *count = n;
    *array = ptrs;
    return 0;
}

void crm_rowmap_items_clear(ProtobufCMessage *list, const char *items)
{
    size_t *count;
    void **array;
    s_items(list, items, &count, &array);
    ProtobufCMessage **ptrs = *array;
    for (size_t i = 0; i < *count; i++)
        crm_rowmap_clear(ptrs[i]);
    free(ptrs);
    *array = NULL;
    *count = 0;
}
