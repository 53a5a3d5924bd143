/* import_msg.c: an import, a page of imports and a chunk's results as the
 * domain's messages (crm/import.h: the kind's import_msg, list_msg and
 * reply_msg), filled by field name, and a chunk's request read by field
 * name, so a domain declares its messages in its proto and writes no code
 * to fill or read them. A field the domain's message
 * does not have is left out (a customer import's target has no
 * department). A message is built of a few blocks (the repeated fields'
 * messages in one each) and its strings point into what it was built
 * from; import_msg_clear frees the blocks. */
#include <assert.h>
#include <stdlib.h>

#include "crm/list.h"
#include "crm/util.h"
#include "import_impl.h"

/* A block of n zeroed items of size bytes, freed by import_msg_clear. */
static void *s_block(import_msg_t *m, size_t n, size_t size)
{
    assert(m->n < IMPORT_MSG_BLOCKS);
    return m->blocks[m->n++] = crm_calloc(n ? n : 1, size);
}

/* n initialised messages of type d in one block. */
static ProtobufCMessage *s_messages(import_msg_t *m, const ProtobufCMessageDescriptor *d, size_t n)
{
    char *b = s_block(m, n, d->sizeof_message);
    for (size_t i = 0; i < n; i++)
        d->message_init((ProtobufCMessage *)(b + i * d->sizeof_message));
    return (ProtobufCMessage *)b;
}

/* Message i of a block of messages of type d. */
static ProtobufCMessage *s_at(const ProtobufCMessageDescriptor *d, ProtobufCMessage *block,
                              size_t i)
{
    return (ProtobufCMessage *)((char *)block + i * d->sizeof_message);
}

/* The member of field name in msg, or NULL if msg has no such field. */
static void *s_member(ProtobufCMessage *msg, const char *name, const ProtobufCFieldDescriptor **f)
{
    *f = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    return *f ? (char *)msg + (*f)->offset : NULL;
}

/* Sets an integer, enum or bool field. */
static void s_int(ProtobufCMessage *msg, const char *name, int64_t v)
{
    const ProtobufCFieldDescriptor *f;
    void *at = s_member(msg, name, &f);
    if (!at)
        return;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)at = v;
        break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        *(int32_t *)at = (int32_t)v;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)at = v != 0;
        break;
    default:
        assert(!"an import's number in a field of another type");
    }
}

static void s_str(ProtobufCMessage *msg, const char *name, const char *v)
{
    const ProtobufCFieldDescriptor *f;
    void *at = s_member(msg, name, &f);
    if (!at)
        return;
    assert(f->type == PROTOBUF_C_TYPE_STRING);
    *(const char **)at = v ? v : "";
}

/* Sets message field name (NULL when msg has none). */
static ProtobufCMessage *s_sub(import_msg_t *m, ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f;
    void *at = s_member(msg, name, &f);
    if (!at)
        return NULL;
    assert(f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED);
    ProtobufCMessage *sub = s_messages(m, f->descriptor, 1);
    *(ProtobufCMessage **)at = sub;
    return sub;
}

/* Sets repeated message field name to n new messages; returns the block. */
static ProtobufCMessage *s_repeated(import_msg_t *m, ProtobufCMessage *msg, const char *name,
                                    size_t n)
{
    const ProtobufCFieldDescriptor *f;
    void *at = s_member(msg, name, &f);
    assert(at && f->type == PROTOBUF_C_TYPE_MESSAGE && f->label == PROTOBUF_C_LABEL_REPEATED);
    ProtobufCMessage *block = s_messages(m, f->descriptor, n);
    ProtobufCMessage **ptrs = s_block(m, n, sizeof *ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = s_at(f->descriptor, block, i);
    *(ProtobufCMessage ***)at = ptrs;
    *(size_t *)((char *)msg + f->quantifier_offset) = n;
    return block;
}

/* imp into msg (the kind's import_msg). */
static void s_import(import_msg_t *m, const crm_import_t *imp, ProtobufCMessage *msg)
{
    ProtobufCMessage *target = s_sub(m, msg, "target");
    if (target) {
        s_int(target, "pool_id", imp->pool_id);
        s_int(target, "owner_id", imp->owner_id);
        s_int(target, "department_id", imp->department_id);
    }
    s_int(msg, "id", imp->id);
    s_int(msg, "allow_duplicates", imp->allow_duplicates);
    s_str(msg, "file_name", imp->file_name);
    s_int(msg, "expected_rows", imp->expected_rows);
    s_int(msg, "rows", imp->rows);
    s_int(msg, "created", imp->created);
    s_int(msg, "duplicates", imp->duplicates);
    s_int(msg, "invalid", imp->invalid);
    s_int(msg, "chunks", imp->chunks);
    s_int(msg, "done", imp->done);
    s_int(msg, "cancelled", imp->cancelled);
    s_int(msg, "created_by", imp->created_by);
    s_int(msg, "created_at_us", imp->created_at_us);
    s_int(msg, "updated_at_us", imp->updated_at_us);
}

ProtobufCMessage *import_msg_import(import_msg_t *m, const crm_import_kind_t *k,
                                    const crm_import_t *imp)
{
    ProtobufCMessage *msg = s_messages(m, k->import_msg, 1);
    s_import(m, imp, msg);
    return msg;
}

ProtobufCMessage *import_msg_list(import_msg_t *m, const crm_import_kind_t *k,
                                  const crm_import_t *imps, size_t n, const char *next_cursor,
                                  const PGresult *total)
{
    ProtobufCMessage *list = s_messages(m, k->list_msg, 1);
    ProtobufCMessage *items = s_repeated(m, list, "items", n);
    for (size_t i = 0; i < n; i++)
        s_import(m, &imps[i], s_at(k->import_msg, items, i));
    s_str(list, "next_cursor", next_cursor);
    if (total)
        crm_page_set_total(list, total);
    return list;
}

ProtobufCMessage *import_msg_reply(import_msg_t *m, const crm_import_kind_t *k,
                                   const crm_import_result_t *res, size_t n,
                                   const crm_import_t *imp)
{
    ProtobufCMessage *reply = s_messages(m, k->reply_msg, 1);
    ProtobufCMessage *results = s_repeated(m, reply, "results", n);
    const ProtobufCMessageDescriptor *d =
        protobuf_c_message_descriptor_get_field_by_name(k->reply_msg, "results")->descriptor;
    for (size_t i = 0; i < n; i++) {
        ProtobufCMessage *r = s_at(d, results, i);
        s_int(r, "row", res[i].row);
        s_int(r, "outcome", res[i].outcome);
        s_int(r, k->record_id, res[i].id);
        s_int(r, "duplicate_of", res[i].duplicate_of);
        s_str(r, "field", res[i].field);
        s_str(r, "message", res[i].message);
    }
    ProtobufCMessage *msg = s_sub(m, reply, "import");
    assert(msg);
    s_import(m, imp, msg);
    return reply;
}

/* ---- the numbers of a chunk's request ---------------------------------------- */

int64_t import_msg_int(const ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f;
    const void *at = s_member((ProtobufCMessage *)msg, name, &f);
    if (!at)
        return 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
        return *(const int64_t *)at;
    case PROTOBUF_C_TYPE_INT32:
        return *(const int32_t *)at;
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)at;
    default:
        assert(!"a chunk's number in a field of another type");
        return 0;
    }
}

void import_msg_clear(import_msg_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->blocks[i]);
    m->n = 0;
}
