/* jcall.c: RPC calls written as JSON (see jcall.h). */
#include "jcall.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/pbjson.h"

static char s_field[256], s_message[1024];

const char *t_json_field(void)
{
    return s_field;
}

const char *t_json_message(void)
{
    return s_message;
}

/* Splits "message [field]" into the two buffers. */
static void s_keep_error(const char *err)
{
    s_field[0] = s_message[0] = '\0';
    if (!err)
        return;
    snprintf(s_message, sizeof s_message, "%s", err);
    size_t n = strlen(err);
    const char *open = strrchr(err, '[');
    if (n > 2 && err[n - 1] == ']' && open && open > err) {
        snprintf(s_field, sizeof s_field, "%.*s", (int)(err + n - 1 - open - 1), open + 1);
        s_message[open - err - 1] = '\0';
    }
}

static Crm__Status s_vcall(h_t *h, const char *service, const char *method,
                           const Crm__Caller *caller, json_t **reply, char **err, const char *fmt,
                           va_list ap)
{
    const ProtobufCMessageDescriptor *in, *out;
    H_CHECK(crm_rpc_method_types(method, &in, &out) == 0, "unknown method %s", method);
    char *text = NULL;
    H_CHECK(vasprintf(&text, fmt, ap) >= 0, "out of memory");
    json_error_t jerr;
    json_t *obj = json_loads(text, 0, &jerr);
    H_CHECK(obj, "request JSON does not parse: %s: %s", jerr.text, text);
    char *perr = NULL, *pfield = NULL;
    ProtobufCMessage *req = crm_pb_from_json(in, obj, &perr, &pfield);
    H_CHECK(req, "request does not build: %s [%s]: %s", perr, pfield, text);
    json_decref(obj);
    free(text);
    ProtobufCMessage *rep = NULL;
    char *e = NULL;
    Crm__Status st = t_call(h, service, method, req, out, caller, &rep, &e);
    s_keep_error(e);
    if (reply)
        *reply = rep ? crm_pb_to_json(rep) : NULL;
    if (err)
        *err = e;
    else
        free(e);
    if (rep)
        protobuf_c_message_free_unpacked(rep, NULL);
    protobuf_c_message_free_unpacked(req, NULL);
    return st;
}

Crm__Status t_json(h_t *h, const char *service, const char *method, const Crm__Caller *caller,
                   json_t **reply, char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Crm__Status st = s_vcall(h, service, method, caller, reply, err, fmt, ap);
    va_end(ap);
    return st;
}

/* t_json_expect with its arguments as a va_list. */
static json_t *s_vexpect(h_t *h, Crm__Status want, const char *service, const char *method,
                         const Crm__Caller *caller, const char *fmt, va_list ap)
{
    json_t *reply = NULL;
    Crm__Status st = s_vcall(h, service, method, caller, &reply, NULL, fmt, ap);
    H_CHECK(st == want, "%s: want %s, got %s: %s [%s]", method, crm_status_name(want),
            crm_status_name(st), s_message, s_field);
    if (st != CRM__STATUS__OK && reply) {
        json_decref(reply);
        reply = NULL;
    }
    return reply;
}

json_t *t_json_expect(h_t *h, Crm__Status want, const char *service, const char *method,
                      const Crm__Caller *caller, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *reply = s_vexpect(h, want, service, method, caller, fmt, ap);
    va_end(ap);
    return reply;
}

int64_t t_json_id(h_t *h, const char *service, const char *method, const Crm__Caller *caller,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *reply = s_vexpect(h, CRM__STATUS__OK, service, method, caller, fmt, ap);
    va_end(ap);
    int64_t id = t_int(reply, "id");
    json_decref(reply);
    return id;
}

void t_json_says(const char *method, const char *field, const char *part)
{
    H_CHECK(!field || strcmp(s_field, field) == 0, "%s: field \"%s\", want \"%s\" (%s)", method,
            s_field, field ? field : "", s_message);
    H_CHECK(!part || strstr(s_message, part), "%s: message \"%s\", want it to say \"%s\"", method,
            s_message, part ? part : "");
}

/* The member at a dotted path; numbers index arrays. */
static json_t *s_at(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); j && k; k = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)strtoul(k, NULL, 10));
        else
            j = json_object_get(j, k);
    }
    return j;
}

int64_t t_int(json_t *j, const char *path)
{
    json_t *v = s_at(j, path);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

const char *t_str(json_t *j, const char *path)
{
    json_t *v = s_at(j, path);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* The path fmt, ap make (for the printf-style getters). */
static const char *s_vpath(char path[256], const char *fmt, va_list ap)
{
    vsnprintf(path, 256, fmt, ap);
    return path;
}

int64_t t_intf(json_t *j, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    int64_t v = t_int(j, s_vpath(path, fmt, ap));
    va_end(ap);
    return v;
}

const char *t_strf(json_t *j, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    const char *v = t_str(j, s_vpath(path, fmt, ap));
    va_end(ap);
    return v;
}

#define SLOTS 8

typedef struct {
    Crm__Caller caller;
    Crm__DataScope scope;
    int64_t ids[64];
} slot_t;

static const Crm__Caller *s_make(slot_t *s, Crm__Role role, int64_t user, int64_t dept, int all,
                                 const int64_t *users, size_t n)
{
    crm__caller__init(&s->caller);
    crm__data_scope__init(&s->scope);
    s->caller.user_id = user;
    s->caller.department_id = dept;
    s->caller.role = role;
    s->caller.scope = &s->scope;
    s->scope.all = all;
    s->ids[0] = user;
    size_t k = 1;
    for (size_t i = 0; i < n && k < 64; i++)
        if (users[i] != user)
            s->ids[k++] = users[i];
    s->scope.user_ids = s->ids;
    s->scope.n_user_ids = all ? 0 : k;
    return &s->caller;
}

const Crm__Caller *t_admin(int slot, int64_t user_id)
{
    static slot_t s[SLOTS];
    return s_make(&s[slot % SLOTS], CRM__ROLE__ROLE_ADMIN, user_id, 1, 1, NULL, 0);
}

const Crm__Caller *t_manager(int slot, int64_t user_id, int64_t dept, const int64_t *users,
                             size_t n)
{
    static slot_t s[SLOTS];
    return s_make(&s[slot % SLOTS], CRM__ROLE__ROLE_MANAGER, user_id, dept, 0, users, n);
}

const Crm__Caller *t_user(int slot, int64_t user_id, int64_t dept)
{
    static slot_t s[SLOTS];
    return s_make(&s[slot % SLOTS], CRM__ROLE__ROLE_EMPLOYEE, user_id, dept, 0, NULL, 0);
}
