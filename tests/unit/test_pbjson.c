/* test_pbjson.c: protobuf messages to JSON and back, and every input error
 * with the path of the field at fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.pb-c.h"
#include "customers.pb-c.h"
#include "crm/pbjson.h"
#include "leads.pb-c.h"
#include "rpc.pb-c.h"
#include "scheduler.pb-c.h"
#include "unit.h"

/* Packs msg, converts to JSON text and back, packs again: both encodings
 * must be the same bytes. Returns the JSON text (caller frees). */
static char *s_round_trip(const ProtobufCMessage *msg)
{
    json_t *j = crm_pb_to_json(msg);
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);

    json_error_t jerr;
    json_t *back = json_loads(text, 0, &jerr);
    CHECK(back != NULL);
    char *err = NULL, *field = NULL;
    ProtobufCMessage *m = crm_pb_from_json(msg->descriptor, back, &err, &field);
    json_decref(back);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "  %s: %s [%s]\n", text, err, field);
        free(err);
        free(field);
        return text;
    }
    size_t n1 = protobuf_c_message_get_packed_size(msg), n2 = protobuf_c_message_get_packed_size(m);
    uint8_t *b1 = malloc(n1 + 1), *b2 = malloc(n2 + 1);
    protobuf_c_message_pack(msg, b1);
    protobuf_c_message_pack(m, b2);
    CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
    free(b1);
    free(b2);
    protobuf_c_message_free_unpacked(m, NULL);
    return text;
}

/* Converts text to desc; expects a failure naming want_field, with a
 * message containing want_msg. */
static void s_bad(const ProtobufCMessageDescriptor *desc, const char *text, const char *want_field,
                  const char *want_msg)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!j) {
        fprintf(stderr, "  bad test JSON %s: %s\n", text, jerr.text);
        unit_failed++;
        return;
    }
    char *err = NULL, *field = NULL;
    ProtobufCMessage *m = crm_pb_from_json(desc, j, &err, &field);
    json_decref(j);
    CHECK(m == NULL);
    if (m) {
        fprintf(stderr, "  accepted: %s\n", text);
        protobuf_c_message_free_unpacked(m, NULL);
        return;
    }
    CHECK(err && field);
    if (!err || !field)
        return;
    if (strcmp(field, want_field) != 0 || !strstr(err, want_msg)) {
        fprintf(stderr, "  %s -> \"%s\" [%s], want \"...%s...\" [%s]\n", text, err, field, want_msg,
                want_field);
        unit_failed++;
    }
    free(err);
    free(field);
}

/* Converts text to desc; expects success. Caller frees the message. */
static ProtobufCMessage *s_good(const ProtobufCMessageDescriptor *desc, const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    CHECK(j != NULL);
    char *err = NULL, *field = NULL;
    ProtobufCMessage *m = crm_pb_from_json(desc, j, &err, &field);
    json_decref(j);
    if (!m) {
        fprintf(stderr, "  rejected %s: %s [%s]\n", text, err, field);
        unit_failed++;
    }
    free(err);
    free(field);
    return m;
}

static void s_create_lead(void)
{
    Crm__Leads__CreateLeadRequest r = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    r.name = "上海某某科技有限公司 — 张三";
    r.mobile = "13812345678";
    r.source = "广告";
    r.level = "重点客户";
    r.remark = "line\nbreak \"quoted\" \\ tab\t 😀";
    r.owner_id = 9007199254740993LL; /* not exact as a double */
    r.department_id = -7;
    r.allow_duplicate = 1;
    char *text = s_round_trip(&r.base);
    /* Every field is written, zero and empty ones too; Chinese stays UTF-8. */
    CHECK(strstr(text, "\"name\":\"上海某某科技有限公司 — 张三\"") != NULL);
    CHECK(strstr(text, "\"telephone\":\"\"") != NULL);
    CHECK(strstr(text, "\"owner_id\":9007199254740993") != NULL);
    CHECK(strstr(text, "\"allow_duplicate\":true") != NULL);
    free(text);

    /* Empty message: every field still present. */
    Crm__Leads__CreateLeadRequest e = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    json_t *j = crm_pb_to_json(&e.base);
    CHECK(json_object_size(j) == crm__leads__create_lead_request__descriptor.n_fields);
    CHECK(json_integer_value(json_object_get(j, "owner_id")) == 0);
    CHECK(json_is_false(json_object_get(j, "allow_duplicate")));
    json_decref(j);

    /* Decoded from text: UTF-8 survives into the message. */
    Crm__Leads__CreateLeadRequest *m = (Crm__Leads__CreateLeadRequest *)s_good(
        &crm__leads__create_lead_request__descriptor,
        "{\"name\":\"北京\\u5ba2\\u6237\",\"owner_id\":\"-42\",\"department_id\":12.0,"
        "\"mobile\":null}");
    if (m) {
        CHECK(strcmp(m->name, "北京客户") == 0);
        CHECK(m->owner_id == -42);
        CHECK(m->department_id == 12);
        CHECK(strcmp(m->mobile, "") == 0);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
}

static void s_request(void)
{
    int64_t ids[] = {1, -2, 9223372036854775807LL, (-9223372036854775807LL - 1)};
    Crm__DataScope scope = CRM__DATA_SCOPE__INIT;
    scope.n_user_ids = 4;
    scope.user_ids = ids;
    Crm__Caller caller = CRM__CALLER__INIT;
    caller.user_id = 17;
    caller.department_id = 3;
    caller.role = CRM__ROLE__ROLE_MANAGER;
    caller.scope = &scope;
    uint8_t payload[] = {0x08, 0x96, 0x01, 0x00, 0xff};
    Crm__Request r = CRM__REQUEST__INIT;
    r.method = "Leads.Get";
    r.request_id = 18446744073709551615ULL;
    r.caller = &caller;
    r.deadline_ms = 4294967295u;
    r.payload.data = payload;
    r.payload.len = sizeof payload;
    char *text = s_round_trip(&r.base);
    CHECK(strstr(text, "\"role\":\"ROLE_MANAGER\"") != NULL);
    CHECK(strstr(text, "\"user_ids\":[1,-2,9223372036854775807,-9223372036854775808]") != NULL);
    CHECK(strstr(text, "\"request_id\":\"18446744073709551615\"") != NULL);
    CHECK(strstr(text, "\"payload\":\"CJYBAP8=\"") != NULL);
    free(text);

    /* Absent sub-messages are left out, empty repeated fields are []. */
    Crm__Caller bare = CRM__CALLER__INIT;
    json_t *j = crm_pb_to_json(&bare.base);
    CHECK(json_object_get(j, "scope") == NULL);
    CHECK(json_object_size(j) == 5); /* its scalar fields, scope left out */
    json_decref(j);
    Crm__DataScope none = CRM__DATA_SCOPE__INIT;
    j = crm_pb_to_json(&none.base);
    CHECK(json_is_array(json_object_get(j, "user_ids")));
    CHECK(json_array_size(json_object_get(j, "user_ids")) == 0);
    json_decref(j);

    /* Enums by number, int64 by string, URL-safe unpadded base64. */
    Crm__Request *m = (Crm__Request *)s_good(
        &crm__request__descriptor,
        "{\"caller\":{\"role\":1,\"scope\":{\"all\":true,\"user_ids\":[\"5\",6]}},"
        "\"payload\":\"-_8\",\"request_id\":\"18446744073709551615\"}");
    if (m) {
        CHECK(m->caller && m->caller->role == CRM__ROLE__ROLE_ADMIN);
        CHECK(m->caller && m->caller->scope && m->caller->scope->all);
        CHECK(m->caller && m->caller->scope && m->caller->scope->n_user_ids == 2 &&
              m->caller->scope->user_ids[0] == 5 && m->caller->scope->user_ids[1] == 6);
        CHECK(m->payload.len == 2 && m->payload.data[0] == 0xfb && m->payload.data[1] == 0xff);
        CHECK(m->request_id == 18446744073709551615ULL);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
}

static void s_event(void)
{
    /* Every byte value, and every length modulo 3. */
    uint8_t bytes[259];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= 5; len++) {
        Crm__Event ev = CRM__EVENT__INIT;
        ev.event_id = "0b6c3c1e-9f5c-4c49-8f0e-6f8f6b2b9a11";
        ev.type = "lead.created";
        ev.producer = "leads";
        ev.sequence = len + 1;
        ev.occurred_at_us = 1764000000000000LL;
        ev.aggregate_id = "42";
        ev.payload.data = len ? bytes : NULL;
        ev.payload.len = len;
        free(s_round_trip(&ev.base));
    }
    Crm__Event ev = CRM__EVENT__INIT;
    ev.type = "客户.跟进";
    ev.payload.data = bytes;
    ev.payload.len = sizeof bytes;
    free(s_round_trip(&ev.base));

    Crm__Event *m = (Crm__Event *)s_good(&crm__event__descriptor,
                                         "{\"payload\":\"aGVsbG8=\",\"type\":\"lead.converted\"}");
    if (m) {
        CHECK(m->payload.len == 5 && memcmp(m->payload.data, "hello", 5) == 0);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
    m = (Crm__Event *)s_good(&crm__event__descriptor, "{\"payload\":\"\"}");
    if (m) {
        CHECK(m->payload.len == 0);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
}

static void s_list_jobs(void)
{
    Crm__Scheduler__Job a = CRM__SCHEDULER__JOB__INIT, b = CRM__SCHEDULER__JOB__INIT;
    a.name = "customers.recycle";
    a.interval_s = 3600;
    a.next_fire_at_us = 1764000000000000LL;
    a.runs = 12;
    b.name = "sales.remind";
    b.interval_s = 60;
    Crm__Scheduler__Job *jobs[] = {&a, &b};
    Crm__Scheduler__ListJobsReply r = CRM__SCHEDULER__LIST_JOBS_REPLY__INIT;
    r.n_jobs = 2;
    r.jobs = jobs;
    char *text = s_round_trip(&r.base);
    CHECK(strstr(text, "{\"jobs\":[{\"name\":\"customers.recycle\",\"interval_s\":3600,") == text);
    CHECK(strstr(text,
                 "\"last_fired_at_us\":0,\"runs\":0,\"owner\":\"\",\"paused\":false,"
                 "\"declared_interval_s\":0,\"overridden\":false,\"next_timer_at_us\":0}]}") !=
          NULL);
    free(text);

    Crm__Scheduler__ListJobsReply none = CRM__SCHEDULER__LIST_JOBS_REPLY__INIT;
    text = s_round_trip(&none.base);
    CHECK(strcmp(text, "{\"jobs\":[]}") == 0);
    free(text);
}

static void s_errors(void)
{
    const ProtobufCMessageDescriptor *req = &crm__request__descriptor;
    const ProtobufCMessageDescriptor *lead = &crm__leads__create_lead_request__descriptor;
    const ProtobufCMessageDescriptor *jobs = &crm__scheduler__list_jobs_reply__descriptor;

    /* Unknown fields, at any depth. */
    s_bad(lead, "{\"name\":\"x\",\"nmae\":\"y\"}", "nmae", "unknown field \"nmae\"");
    s_bad(req, "{\"caller\":{\"scope\":{\"al\":true}}}", "caller.scope.al", "unknown field \"al\"");
    s_bad(jobs, "{\"jobs\":[{},{\"nam\":\"x\"}]}", "jobs[1].nam", "unknown field");

    /* Wrong JSON types and ranges for integers. */
    s_bad(req, "{\"caller\":{\"scope\":{\"user_ids\":[1,2,\"x3\"]}}}", "caller.scope.user_ids[2]",
          "expected an integer (int64)");
    s_bad(req, "{\"caller\":{\"scope\":{\"user_ids\":[1,2,3.5]}}}", "caller.scope.user_ids[2]",
          "non-integer");
    s_bad(req, "{\"caller\":{\"scope\":{\"user_ids\":[true]}}}", "caller.scope.user_ids[0]",
          "got a boolean");
    s_bad(req, "{\"caller\":{\"scope\":{\"user_ids\":[null]}}}", "caller.scope.user_ids[0]",
          "null");
    s_bad(req, "{\"caller\":{\"scope\":{\"user_ids\":5}}}", "caller.scope.user_ids",
          "expected an array");
    s_bad(req, "{\"caller\":{\"user_id\":\"9223372036854775808\"}}", "caller.user_id",
          "out of range for int64");
    s_bad(req, "{\"caller\":{\"user_id\":\"\"}}", "caller.user_id", "expected an integer");
    s_bad(req, "{\"caller\":{\"user_id\":\" 1\"}}", "caller.user_id", "expected an integer");
    s_bad(req, "{\"caller\":{\"user_id\":1e300}}", "caller.user_id", "out of range");
    s_bad(req, "{\"deadline_ms\":4294967296}", "deadline_ms", "out of range for uint32");
    s_bad(req, "{\"deadline_ms\":-1}", "deadline_ms", "out of range for uint32");
    s_bad(req, "{\"deadline_ms\":\"5\"}", "deadline_ms", "expected an integer (uint32)");
    s_bad(req, "{\"request_id\":-1}", "request_id", "out of range for uint64");
    s_bad(req, "{\"request_id\":\"-1\"}", "request_id", "out of range for uint64");
    s_bad(req, "{\"request_id\":\"18446744073709551616\"}", "request_id", "expected an integer");
    s_bad(&crm__customers__customer_level_days__descriptor, "{\"days\":2147483648}", "days",
          "out of range for int32");
    s_bad(&crm__customers__customer_level_days__descriptor, "{\"days\":-2147483649}", "days",
          "out of range for int32");

    /* Enums. */
    s_bad(req, "{\"caller\":{\"role\":\"ROLE_BOSS\"}}", "caller.role",
          "unknown value \"ROLE_BOSS\"");
    s_bad(req, "{\"caller\":{\"role\":99}}", "caller.role", "unknown value 99");
    s_bad(req, "{\"caller\":{\"role\":1.5}}", "caller.role", "expected a value name");

    /* Strings, booleans, bytes, messages. */
    s_bad(lead, "{\"name\":5}", "name", "expected a string");
    s_bad(lead, "{\"allow_duplicate\":1}", "allow_duplicate", "expected a boolean");
    s_bad(req, "{\"payload\":\"a*bc\"}", "payload", "invalid base64");
    s_bad(req, "{\"payload\":\"abcde\"}", "payload", "invalid base64");
    s_bad(req, "{\"payload\":\"ab=c\"}", "payload", "invalid base64");
    s_bad(req, "{\"payload\":[1]}", "payload", "expected a base64 string");
    s_bad(req, "{\"caller\":[]}", "caller", "expected an object, got an array");
    s_bad(req, "{\"caller\":{\"scope\":\"all\"}}", "caller.scope", "expected an object");
    s_bad(jobs, "{\"jobs\":[{\"runs\":1},7]}", "jobs[1]", "expected an object");
    s_bad(req, "[]", "", "expected an object, got an array");
    s_bad(req, "\"x\"", "", "expected an object");

    /* Errors deep in repeated messages, after partial work is done. */
    s_bad(jobs, "{\"jobs\":[{\"name\":\"a\"},{\"name\":\"b\",\"interval_s\":\"soon\"}]}",
          "jobs[1].interval_s", "expected an integer (int64)");

    /* No crash and a message when err/field are not wanted or obj is NULL. */
    CHECK(crm_pb_from_json(req, NULL, NULL, NULL) == NULL);
    char *err = NULL, *field = NULL;
    CHECK(crm_pb_from_json(req, NULL, &err, &field) == NULL);
    CHECK(err && field && strcmp(field, "") == 0);
    free(err);
    free(field);
    json_t *j = json_loads("{\"caller\":{\"role\":\"nope\"}}", 0, NULL);
    CHECK(crm_pb_from_json(req, j, NULL, NULL) == NULL);
    json_decref(j);

    /* Deeply nested input fails cleanly at the first level that does not fit. */
    json_t *deep = json_object();
    for (int i = 0; i < 200; i++) {
        json_t *outer = json_object();
        json_object_set_new(outer, "caller", deep);
        deep = outer;
    }
    CHECK(crm_pb_from_json(req, deep, NULL, NULL) == NULL);
    json_decref(deep);
}

/* Instants may be given in RFC 3339 under the name without "_us". */
static void s_times(void)
{
    Crm__Leads__FollowUpLeadRequest *f = (Crm__Leads__FollowUpLeadRequest *)s_good(
        &crm__leads__follow_up_lead_request__descriptor,
        "{\"lead_id\": 1, \"at\": \"2026-11-23T18:00:00+08:00\","
        " \"next_followup_at\": \"2026-11-24T01:30:00.25Z\"}");
    CHECK(f && f->at_us == 1795428000000000LL);
    CHECK(f && f->next_followup_at_us == 1795483800250000LL);
    if (f)
        protobuf_c_message_free_unpacked(&f->base, NULL);
    s_bad(&crm__leads__follow_up_lead_request__descriptor, "{\"at\": \"yesterday\"}", "at",
          "RFC 3339");
    s_bad(&crm__leads__follow_up_lead_request__descriptor, "{\"at\": 5}", "at", "RFC 3339");
    /* Only int64 "<x>_us" fields have the alias. */
    s_bad(&crm__leads__follow_up_lead_request__descriptor, "{\"lead\": \"x\"}", "lead",
          "unknown field");
}

int main(void)
{
    s_times();
    s_create_lead();
    s_request();
    s_event();
    s_list_jobs();
    s_errors();
    if (unit_failed) {
        fprintf(stderr, "test_pbjson: %d check(s) failed\n", unit_failed);
        return 1;
    }
    printf("test_pbjson: ok\n");
    return 0;
}
