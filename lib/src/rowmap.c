/* rowmap.c: query rows into protobuf messages by column name (see
 * crm/rowmap.h). */
#include "crm/rowmap.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "crm/db.h"
#include "crm/util.h"

typedef struct {
    int col;
    const ProtobufCFieldDescriptor *f;
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

crm_rowmap_t *crm_rowmap_new(const ProtobufCMessageDescriptor *d, const PGresult *r, crm_err_t *err)
{
    crm_rowmap_t *m = crm_calloc(1, sizeof *m);
    m->d = d;
    m->pairs = crm_calloc(d->n_fields + 1, sizeof *m->pairs);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        int col = PQfnumber(r, f->name);
        if (col < 0)
            continue;
        if (!s_fillable(f)) {
            crm_err_set(err, CRM__STATUS__INTERNAL, f->name, "column %s cannot fill %s.%s", f->name,
                        d->name, f->name);
            crm_rowmap_destroy(&m);
            return NULL;
        }
        m->pairs[m->n++] = (s_pair_t){.col = col, .f = f};
    }
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

/* Sets the scalar at p of type t from column col of row `row` of r. */
static void s_scalar(ProtobufCType t, void *p, const PGresult *r, int row, int col)
{
    switch (t) {
    case PROTOBUF_C_TYPE_STRING:
        *(const char **)p = crm_db_get(r, row, col);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(int64_t *)p = crm_db_get_i64(r, row, col);
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
    default: /* int32, sint32, sfixed32, uint32, fixed32, enum: 32 bits */
        *(int32_t *)p = (int32_t)crm_db_get_i64(r, row, col);
        break;
    }
}

void crm_rowmap_fill(const crm_rowmap_t *m, const PGresult *r, int row, ProtobufCMessage *msg)
{
    for (int i = 0; i < m->n; i++) {
        const ProtobufCFieldDescriptor *f = m->pairs[i].f;
        int col = m->pairs[i].col;
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
