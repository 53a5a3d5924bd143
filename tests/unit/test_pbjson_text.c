/* test_pbjson_text.c: crm_pb_to_json_text writes the same document as
 * crm_pb_to_json (then json_dumps): every scalar type, enums known and
 * unknown, strings that need escaping or are not UTF-8, bytes, uint64 over
 * INT64_MAX, doubles (fractions, whole, NaN), repeated fields empty and
 * full, nested and absent messages. The text is compared as parsed JSON
 * and, with the keys in field order, byte for byte; in the proto form and
 * in the wire form (CRM_PBJSON_WIRE: instants in RFC 3339, enums as short
 * words, documents as JSON). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.pb-c.h"
#include "crm/pbjson.h"
#include "events.pb-c.h"
#include "leads.pb-c.h"
#include "unit.h"

/* Checks text(msg) == dumps(tree(msg)), and returns the text (caller frees). */
static char *s_same_as(const ProtobufCMessage *msg, unsigned flags)
{
    size_t len = 0;
    char *text = crm_pb_to_json_text(msg, flags, &len);
    json_t *tree = crm_pb_to_json_as(msg, flags);
    char *dumped = json_dumps(tree, JSON_COMPACT | JSON_ENCODE_ANY);
    CHECK(strlen(text) == len);
    json_t *parsed = json_loads(text, JSON_DECODE_ANY, NULL);
    CHECK(parsed && json_equal(parsed, tree));
    CHECK(dumped && strcmp(dumped, text) == 0);
    if (dumped && strcmp(dumped, text) != 0)
        fprintf(stderr, "  text:   %s\n  dumped: %s\n", text, dumped);
    json_decref(parsed);
    json_decref(tree);
    free(dumped);
    return text;
}

static char *s_same(const ProtobufCMessage *msg)
{
    return s_same_as(msg, 0);
}

static void test_lead(void)
{
    Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
    lead.id = 42;
    lead.name = "张三 \"quoted\" back\\slash\nnew\tline\x01 /";
    lead.mobile = "13800138000";
    lead.company = "\xff\xfe not UTF-8";
    lead.owner_id = -7;
    lead.status = CRM__LEADS__LEAD_STATUS__LEAD_STATUS_CONVERTED;
    lead.created_at_us = INT64_MIN;
    lead.updated_at_us = INT64_MAX;
    char *tags[] = {"a", "重点", ""};
    lead.tags = tags;
    lead.n_tags = 3;
    char *text = s_same(&lead.base);
    CHECK(strstr(text, "\"company\":\"\""));
    CHECK(strstr(text, "\"status\":\"LEAD_STATUS_CONVERTED\""));
    free(text);

    lead.status = 99; /* a value the enum does not name: its number */
    lead.n_tags = 0;
    lead.tags = NULL;
    text = s_same(&lead.base);
    CHECK(strstr(text, "\"status\":99") && strstr(text, "\"tags\":[]"));
    free(text);
}

static void test_nested_and_lists(void)
{
    Crm__Leads__Lead a = CRM__LEADS__LEAD__INIT, b = CRM__LEADS__LEAD__INIT;
    a.id = 1;
    b.id = 2;
    Crm__Leads__Lead *items[] = {&a, &b};
    Crm__Leads__LeadList list = CRM__LEADS__LEAD_LIST__INIT;
    list.items = items;
    list.n_items = 2;
    list.next_cursor = "abc";
    free(s_same(&list.base));

    Crm__Leads__ConvertLeadReply reply = CRM__LEADS__CONVERT_LEAD_REPLY__INIT;
    char *text = s_same(&reply.base); /* absent sub-message: left out */
    CHECK(strcmp(text, "{}") == 0);
    free(text);
    reply.lead = &a;
    free(s_same(&reply.base));
}

static void test_numbers_and_bytes(void)
{
    Crm__Event ev = CRM__EVENT__INIT;
    ev.type = "lead.created";
    ev.sequence = UINT64_MAX; /* over INT64_MAX: a decimal string */
    uint8_t raw[] = {0, 1, 2, 250, 251, 252, 253};
    ev.payload.data = raw;
    ev.payload.len = sizeof raw;
    char *text = s_same(&ev.base);
    CHECK(strstr(text, "\"sequence\":\"18446744073709551615\""));
    free(text);

    Crm__Leads__LeadStats stats = CRM__LEADS__LEAD_STATS__INIT;
    double rates[] = {0.1, 1.0, 1e-300, 123456789.125};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        stats.rate = rates[i];
        free(s_same(&stats.base));
    }
    stats.rate = NAN;
    text = crm_pb_to_json_text(&stats.base, 0, NULL);
    CHECK(strstr(text, "\"rate\":\"NaN\""));
    free(text);

    text = crm_pb_to_json_text(NULL, 0, NULL);
    CHECK(strcmp(text, "null") == 0);
    free(text);
}

/* The wire form: each non-zero "<x>_us" is "<x>" in RFC 3339, in the
 * process's time zone with its offset, and no "<x>_us"; a zero instant
 * is left out. */
static void test_times(void)
{
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
    lead.created_at_us = 1767323045000006LL; /* 2026-01-02T03:04:05.000006Z */
    lead.updated_at_us = -1;                 /* 1970-01-01T07:59:59.999999+08:00 */
    char *text = s_same_as(&lead.base, CRM_PBJSON_WIRE);
    CHECK(strstr(text, "\"created_at\":\"2026-01-02T11:04:05.000006+08:00\""));
    CHECK(strstr(text, "\"updated_at\":\"1970-01-01T07:59:59.999999+08:00\""));
    CHECK(!strstr(text, "_us\""));            /* no twins */
    CHECK(!strstr(text, "\"converted_at\"")); /* 0: left out */
    free(text);
    setenv("TZ", "America/St_Johns", 1); /* -03:30 in January */
    tzset();
    text = crm_pb_to_json_text(&lead.base, CRM_PBJSON_WIRE, NULL);
    CHECK(strstr(text, "\"created_at\":\"2026-01-01T23:34:05.000006-03:30\""));
    free(text);
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
}

/* The wire form: enums as short words, *_UNSPECIFIED left out, a
 * document "<x>_json" as the JSON value itself; and the same words read
 * back, the old names and numbers refused. */
static void test_wire(void)
{
    Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
    char *text = s_same_as(&lead.base, CRM_PBJSON_WIRE);
    CHECK(!strstr(text, "\"status\"")); /* LEAD_STATUS_UNSPECIFIED: not said */
    free(text);
    lead.status = CRM__LEADS__LEAD_STATUS__LEAD_STATUS_PENDING;
    text = s_same_as(&lead.base, CRM_PBJSON_WIRE);
    CHECK(strstr(text, "\"status\":\"pending\""));
    free(text);
    Crm__Leads__HistoryEntry h = CRM__LEADS__HISTORY_ENTRY__INIT;
    h.detail_json = "{\"changed\":[\"name\"]}";
    text = s_same_as(&h.base, CRM_PBJSON_WIRE);
    CHECK(strstr(text, "\"detail\":{\"changed\":[\"name\"]}"));
    free(text);
    h.detail_json = "";
    text = s_same_as(&h.base, CRM_PBJSON_WIRE);
    CHECK(!strstr(text, "\"detail"));
    free(text);

    const ProtobufCMessageDescriptor *d = &crm__leads__lead__descriptor;
    json_t *j = json_pack("{s:s, s:s}", "status", "following", "next_followup_at",
                          "2026-01-02T11:04:05+08:00");
    char *err = NULL, *field = NULL;
    Crm__Leads__Lead *m =
        (Crm__Leads__Lead *)crm_pb_from_json_as(d, j, CRM_PBJSON_WIRE, &err, &field);
    CHECK(m && m->status == CRM__LEADS__LEAD_STATUS__LEAD_STATUS_FOLLOWING &&
          m->next_followup_at_us == 1767323045000000LL);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    json_decref(j);
    static const char *const refused[] = {"{\"status\": \"LEAD_STATUS_PENDING\"}",
                                          "{\"status\": 2}", "{\"status\": \"unspecified\"}",
                                          "{\"created_at_us\": 5}"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        j = json_loads(refused[i], 0, NULL);
        CHECK(crm_pb_from_json_as(d, j, CRM_PBJSON_WIRE, &err, &field) == NULL);
        CHECK(err && field && !strstr(err, "crm.") && !strstr(err, "LeadStatus"));
        if (i < 3)
            CHECK(!strcmp(field, "status") && strstr(err, "one of unassigned, pending"));
        free(err);
        free(field);
        json_decref(j);
    }
    j = json_pack("{s:{s:[i]}}", "detail", "changed", 1);
    Crm__Leads__HistoryEntry *e = (Crm__Leads__HistoryEntry *)crm_pb_from_json_as(
        &crm__leads__history_entry__descriptor, j, CRM_PBJSON_WIRE, NULL, NULL);
    CHECK(e && !strcmp(e->detail_json, "{\"changed\":[1]}"));
    protobuf_c_message_free_unpacked(&e->base, NULL);
    json_decref(j);
}

/* crm_pb_from_json_all goes on after a fault: every field at fault, nested
 * ones by their path, one per array. */
static void test_all_faults(void)
{
    json_t *j =
        json_loads("{\"name\": 1, \"status\": \"LEAD_STATUS_PENDING\", \"colour\": 2,"
                   " \"tags\": [\"a\", 3, 4], \"created_at\": \"soon\", \"mobile\": \"ok\"}",
                   0, NULL);
    crm_pb_fault_t *f = NULL;
    size_t n = 0;
    CHECK(crm_pb_from_json_all(&crm__leads__lead__descriptor, j, CRM_PBJSON_WIRE, &f, &n) == NULL);
    static const char *const want[] = {"name", "status", "colour", "tags[1]", "created_at"};
    CHECK(n == sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n && i < sizeof want / sizeof want[0]; i++)
        CHECK(!strcmp(f[i].field, want[i]) && *f[i].message);
    crm_pb_faults_free(f, n);
    json_decref(j);
    j = json_loads("{\"name\": \"ok\"}", 0, NULL);
    ProtobufCMessage *m =
        crm_pb_from_json_all(&crm__leads__lead__descriptor, j, CRM_PBJSON_WIRE, &f, &n);
    CHECK(m && n == 0);
    crm_pb_faults_free(f, n);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
    j = json_loads("[]", 0, NULL);
    CHECK(!crm_pb_from_json_all(&crm__leads__lead__descriptor, j, CRM_PBJSON_WIRE, &f, &n) &&
          n == 1 && !strcmp(f[0].field, ""));
    crm_pb_faults_free(f, n);
    json_decref(j);
}

int main(void)
{
    test_all_faults();
    test_times();
    test_wire();
    test_lead();
    test_nested_and_lists();
    test_numbers_and_bytes();
    return unit_result("pbjson_text");
}
