/* pbjson_wire.c: the names of the wire form (CRM_PBJSON_WIRE, see
 * pbjson.h), derived from the descriptors, never from hand-kept tables:
 *
 *   enums     a value's short word: its name without the prefix every value
 *             of the enum shares (cut at a '_'), lower-cased:
 *             LEAD_STATUS_PENDING -> "pending"; *_UNSPECIFIED is never said
 *   instants  an int64 field "<x>_us" is the key "<x>", RFC 3339
 *   objects   a string field "<x>_json" holds a JSON document: the key "<x>"
 *             with the document as its value */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pbjson_impl.h"

/* The length of the prefix every value name of ed shares, cut after its
 * last '_' (0 when they share none, or when ed has one value). */
static size_t s_enum_prefix(const ProtobufCEnumDescriptor *ed)
{
    if (ed->n_values < 2)
        return 0;
    const char *first = ed->values[0].name;
    size_t n = strlen(first);
    for (unsigned i = 1; i < ed->n_values; i++) {
        const char *other = ed->values[i].name;
        size_t k = 0;
        while (k < n && first[k] == other[k])
            k++;
        n = k;
    }
    while (n > 0 && first[n - 1] != '_')
        n--;
    return n;
}

const char *pbj_enum_word(const ProtobufCEnumDescriptor *ed, const ProtobufCEnumValue *ev,
                          char *buf, size_t cap)
{
    const char *s = ev->name + s_enum_prefix(ed);
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = '\0';
    return buf;
}

int pbj_enum_unspecified(const ProtobufCEnumValue *ev)
{
    size_t n = strlen(ev->name);
    return ev->value == 0 && n >= 11 && strcmp(ev->name + n - 11, "UNSPECIFIED") == 0;
}

const ProtobufCEnumValue *pbj_enum_by_word(const ProtobufCEnumDescriptor *ed, const char *word)
{
    char buf[128];
    for (unsigned i = 0; i < ed->n_values; i++) {
        const ProtobufCEnumValue *ev = &ed->values[i];
        if (!pbj_enum_unspecified(ev) && !strcmp(pbj_enum_word(ed, ev, buf, sizeof buf), word))
            return ev;
    }
    return NULL;
}

void pbj_enum_words(const ProtobufCEnumDescriptor *ed, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < ed->n_values && len < cap; i++) {
        char word[128];
        if (pbj_enum_unspecified(&ed->values[i]))
            continue;
        int n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
                         pbj_enum_word(ed, &ed->values[i], word, sizeof word));
        if (n < 0)
            return;
        len += (size_t)n;
    }
}

/* Whether f's name ends with suffix, and f is a single value of the type. */
static int s_named(const ProtobufCFieldDescriptor *f, const char *suffix, int time)
{
    size_t n = strlen(f->name), k = strlen(suffix);
    if (f->label == PROTOBUF_C_LABEL_REPEATED || n <= k || strcmp(f->name + n - k, suffix) != 0)
        return 0;
    if (time)
        return f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64 ||
               f->type == PROTOBUF_C_TYPE_SFIXED64;
    return f->type == PROTOBUF_C_TYPE_STRING;
}

pbj_kind_t pbj_wire_kind(const ProtobufCFieldDescriptor *f)
{
    if (s_named(f, "_us", 1))
        return PBJ_TIME;
    if (s_named(f, "_json", 0))
        return PBJ_JSON;
    return PBJ_PLAIN;
}

const char *pbj_wire_key(const ProtobufCFieldDescriptor *f, char *buf, size_t cap)
{
    pbj_kind_t kind = pbj_wire_kind(f);
    if (kind == PBJ_PLAIN)
        return f->name;
    size_t n = strlen(f->name) - (kind == PBJ_TIME ? 3 : 5);
    snprintf(buf, cap, "%.*s", (int)n, f->name);
    return buf;
}

const ProtobufCFieldDescriptor *pbj_wire_field(const ProtobufCMessageDescriptor *d, const char *key)
{
    static const char *const suffixes[] = {"_us", "_json"};
    char name[160];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (snprintf(name, sizeof name, "%s%s", key, suffixes[i]) >= (int)sizeof name)
            return NULL;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, name);
        if (f && pbj_wire_kind(f) != PBJ_PLAIN)
            return f;
    }
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
    return f && pbj_wire_kind(f) == PBJ_PLAIN ? f : NULL;
}

const ProtobufCFieldDescriptor *crm_pb_wire_field(const ProtobufCMessageDescriptor *desc,
                                                  const char *key)
{
    return pbj_wire_field(desc, key);
}
