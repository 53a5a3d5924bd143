/* crmctl_call.c: `crmctl call` (see crmctl.h): one RPC with a JSON request,
 * its reply printed as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crm/pbjson.h"
#include "crmctl.h"

/* Reads all of stdin. Caller frees. */
static char *s_read_stdin(void)
{
    size_t cap = 4096, len = 0;
    char *buf = crm_malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = crm_realloc(buf, cap);
        }
    }
    buf[len] = '\0';
    return buf;
}

int ctl_call(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0;
    const char *endpoint = NULL, *role_s = NULL, *scope = NULL, *v;
    int64_t deadline = DEFAULT_DEADLINE_MS, user = 0, department = 0;
    int missing = 0, options_done = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || strncmp(a, "--", 2) != 0) {
            if (npos == 3)
                return ctl_bad_usage("call: unexpected argument '%s'", a);
            pos[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = 1;
        } else if ((v = ctl_opt(argc, argv, &i, "--endpoint", &missing))) {
            endpoint = v;
        } else if ((v = ctl_opt(argc, argv, &i, "--deadline-ms", &missing))) {
            if (ctl_parse_count(v, 1, 3600000, &deadline) < 0)
                return ctl_bad_usage("call: --deadline-ms wants milliseconds, not '%s'", v);
        } else if ((v = ctl_opt(argc, argv, &i, "--user", &missing))) {
            if (crm_parse_i64(v, &user) < 0)
                return ctl_bad_usage("call: --user wants a user id, not '%s'", v);
        } else if ((v = ctl_opt(argc, argv, &i, "--department", &missing))) {
            if (crm_parse_i64(v, &department) < 0)
                return ctl_bad_usage("call: --department wants an id, not '%s'", v);
        } else if ((v = ctl_opt(argc, argv, &i, "--role", &missing))) {
            role_s = v;
        } else if ((v = ctl_opt(argc, argv, &i, "--scope", &missing))) {
            scope = v;
        } else if (missing) {
            return ctl_bad_usage("call: %s wants a value", a);
        } else {
            return ctl_bad_usage("call: unknown option '%s'", a);
        }
        if (missing)
            return ctl_bad_usage("call: %s wants a value", a);
    }
    if (npos < 2)
        return ctl_bad_usage("call: wants a service and a method");
    const char *service = pos[0], *method = pos[1];
    if (!ctl_known_service(service))
        return ctl_bad_usage("call: unknown service '%s'", service);
    Crm__Role role = CRM__ROLE__ROLE_SYSTEM;
    if (role_s && ctl_parse_role(role_s, &role) < 0)
        return ctl_bad_usage("call: unknown role '%s'", role_s);
    const ProtobufCMessageDescriptor *in, *out;
    if (crm_rpc_method_types(method, &in, &out) < 0)
        return ctl_bad_usage("call: unknown method '%s'", method);
    char *env = ctl_env_name(service, "RPC");
    if (!endpoint)
        endpoint = getenv(env);
    if (!endpoint || !*endpoint) {
        int rc = ctl_bad_usage("call: no endpoint: set %s or give --endpoint", env);
        free(env);
        return rc;
    }
    free(env);

    char *text = NULL;
    if (pos[2] && strcmp(pos[2], "-") == 0)
        text = s_read_stdin();
    json_error_t jerr;
    json_t *j = json_loads(text ? text : pos[2] ? pos[2] : "{}", JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!j) {
        char *msg =
            crm_sprintf("bad JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        ctl_print(ctl_bad_request_json(msg, ""));
        free(msg);
        return EXIT_USAGE;
    }
    char *err = NULL, *field = NULL;
    ProtobufCMessage *req = crm_pb_from_json_as(in, j, CRM_PBJSON_WIRE, &err, &field);
    json_decref(j);
    if (!req) {
        ctl_print(ctl_bad_request_json(err, field));
        free(err);
        free(field);
        return EXIT_USAGE;
    }

    Crm__Caller caller;
    Crm__DataScope scope_msg;
    int64_t *ids;
    if (ctl_make_caller(user, department, role, scope, &caller, &scope_msg, &ids) < 0) {
        protobuf_c_message_free_unpacked(req, NULL);
        return ctl_bad_usage("call: --scope wants 'all' or user ids, not '%s'", scope);
    }

    void *zctx = zmq_ctx_new();
    ProtobufCMessage *reply = NULL;
    char *call_err = NULL;
    Crm__Status st = crm_rpc_call_sync(zctx, endpoint, (unsigned)deadline, method, req, out,
                                       &caller, &reply, &call_err);
    ctl_print(ctl_outcome_json(st, reply, call_err));
    protobuf_c_message_free_unpacked(reply, NULL);
    protobuf_c_message_free_unpacked(req, NULL);
    free(call_err);
    free(ids);
    zmq_ctx_term(zctx);
    return st == CRM__STATUS__OK ? EXIT_OK : EXIT_FAILED;
}
