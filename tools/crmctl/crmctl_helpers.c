/* crmctl_helpers.c: crmctl's pure helpers (see crmctl.h), the library
 * crmctl_core that test_crmctl tests: services and their environment names,
 * roles and the caller, errors and outcomes as JSON, events as JSON lines,
 * option parsing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm/event_types.h"
#include "crm/pbjson.h"
#include "crmctl.h"

int ctl_bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("crmctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (crmctl --help for usage)\n", stderr);
    return EXIT_USAGE;
}

/* ---- services, callers, outcomes and events as JSON -------------------- */

int ctl_known_service(const char *s)
{
    const crm_registry_t *suite = crm_registry_get();
    for (size_t i = 0; i < suite->n_domains; i++)
        if (strcmp(s, suite->domains[i].name) == 0)
            return 1;
    return strcmp(s, GATEWAY) == 0;
}

/* "leads", "RPC" -> "CRM_LEADS_RPC". Caller frees. */
char *ctl_env_name(const char *service, const char *kind)
{
    char *name = crm_sprintf("CRM_%s_%s", service, kind);
    for (char *p = name; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return name;
}

int ctl_parse_role(const char *s, Crm__Role *out)
{
    static const struct {
        const char *name;
        Crm__Role role;
    } roles[] = {{"admin", CRM__ROLE__ROLE_ADMIN},
                 {"manager", CRM__ROLE__ROLE_MANAGER},
                 {"employee", CRM__ROLE__ROLE_EMPLOYEE},
                 {"system", CRM__ROLE__ROLE_SYSTEM}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcasecmp(s, roles[i].name) == 0) {
            *out = roles[i].role;
            return 0;
        }
    return -1;
}

/* The caller of a call: who, in which department, with which role and
 * scope. scope is "all", a list of user ids, or NULL for the role's
 * default. Fills caller and scope_msg (ids in *ids_p, caller frees).
 * Returns 0, or -1 if scope is malformed. */
int ctl_make_caller(int64_t user, int64_t department, Crm__Role role, const char *scope,
                    Crm__Caller *caller, Crm__DataScope *scope_msg, int64_t **ids_p)
{
    crm__caller__init(caller);
    crm__data_scope__init(scope_msg);
    *ids_p = NULL;
    caller->user_id = user;
    caller->department_id = department;
    caller->role = role;
    caller->scope = scope_msg;
    if (!scope) {
        if (role == CRM__ROLE__ROLE_ADMIN || role == CRM__ROLE__ROLE_SYSTEM) {
            scope_msg->all = 1;
        } else {
            *ids_p = crm_malloc(sizeof **ids_p);
            (*ids_p)[0] = user;
            scope_msg->user_ids = *ids_p;
            scope_msg->n_user_ids = 1;
        }
        return 0;
    }
    if (strcmp(scope, "all") == 0) {
        scope_msg->all = 1;
        return 0;
    }
    char **v;
    size_t n = crm_split_csv(scope, &v);
    int64_t *ids = crm_calloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        if (crm_parse_i64(v[i], &ids[i]) < 0) {
            crm_strv_free(v, n);
            free(ids);
            return -1;
        }
    crm_strv_free(v, n);
    if (n == 0) {
        free(ids);
        return -1;
    }
    *ids_p = ids;
    scope_msg->user_ids = ids;
    scope_msg->n_user_ids = n;
    return 0;
}

/* Splits crm_rpc_call_sync's "message [field]" into its parts (each
 * malloc'd; field "" when there is none). */
void ctl_split_error(const char *err, char **message, char **field)
{
    if (!err)
        err = "";
    size_t len = strlen(err);
    const char *open = NULL;
    if (len >= 2 && err[len - 1] == ']') {
        for (const char *p = err + len - 1; p > err; p--)
            if (p[0] == '[' && p[-1] == ' ') {
                open = p;
                break;
            }
    }
    if (!open) {
        *message = crm_strdup(err);
        *field = crm_strdup("");
        return;
    }
    *message = crm_strndup(err, (size_t)(open - 1 - err));
    *field = crm_strndup(open + 1, (size_t)(err + len - 1 - (open + 1)));
}

/* The printed outcome of a call. reply is NULL unless status is OK. */
json_t *ctl_outcome_json(Crm__Status status, const ProtobufCMessage *reply, const char *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(crm_status_name(status)));
    if (status == CRM__STATUS__OK) {
        json_object_set_new(o, "reply",
                            reply ? crm_pb_to_json_as(reply, CRM_PBJSON_WIRE) : json_object());
        return o;
    }
    char *message, *field;
    ctl_split_error(err, &message, &field);
    json_object_set_new(o, "message", json_string(message));
    json_object_set_new(o, "field", json_string(field));
    free(message);
    free(field);
    return o;
}

/* A request that did not make it to the wire: like an INVALID_ARGUMENT
 * reply, for the same readers. */
json_t *ctl_bad_request_json(const char *message, const char *field)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("invalid_argument"));
    json_object_set_new(o, "message", json_string(message ? message : ""));
    json_object_set_new(o, "field", json_string(field ? field : ""));
    return o;
}

/* One received [topic][body] as a JSON line's object, or NULL when it is
 * not to be printed (a heartbeat unless heartbeats) or does not decode
 * (*bad set then). */
json_t *ctl_event_json(const void *topic, size_t tlen, const uint8_t *body, size_t blen,
                       int heartbeats, int *bad)
{
    static const uint8_t none[1];
    *bad = 0;
    if (!blen)
        body = none;
    if (tlen == 10 && memcmp(topic, "_heartbeat", 10) == 0) {
        if (!heartbeats)
            return NULL;
        Crm__Heartbeat *hb = crm__heartbeat__unpack(NULL, blen, body);
        if (!hb) {
            *bad = 1;
            return NULL;
        }
        json_t *o = json_object(), *fields = crm_pb_to_json_as(&hb->base, CRM_PBJSON_WIRE);
        json_object_set_new(o, "type", json_string("_heartbeat"));
        json_object_update(o, fields);
        json_decref(fields);
        crm__heartbeat__free_unpacked(hb, NULL);
        return o;
    }
    Crm__Event *ev = crm__event__unpack(NULL, blen, body);
    if (!ev) {
        *bad = 1;
        return NULL;
    }
    json_t *o = crm_event_to_json(ev);
    crm__event__free_unpacked(ev, NULL);
    return o;
}

/* Prints o as one compact line and drops it. */
void ctl_print(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(s);
    }
    json_decref(o);
}

/* ---- options ---------------------------------------------------------- */

/* Takes "--name value" or "--name=value" at argv[*i]. Returns the value (and
 * advances *i), NULL if argv[*i] is not that option, or sets *missing. */
const char *ctl_opt(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int ctl_parse_count(const char *s, int64_t min, int64_t max, int64_t *out)
{
    return crm_parse_i64(s, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}
