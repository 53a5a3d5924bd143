/* crmctl.c: the suite's command-line client. `crmctl call` makes one RPC
 * with a JSON request and prints the reply as JSON; `crmctl events` follows
 * services' event streams and prints one JSON line per event. See s_usage.
 *
 * Exit status: 0 ok, 1 the call failed (an error status), 2 bad usage or a
 * request that does not convert (the field at fault is printed). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <zmq.h>

#include "crm/config.h"
#include "crm/curve.h"
#include "crm/event_types.h"
#include "crm/pbjson.h"
#include "crm/registry.h"
#include "crm/rpc.h"
#include "crm/util.h"
#include "crm_suite.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define DEFAULT_DEADLINE_MS 5000

/* The services crmctl reaches: every domain of the suite (crm/registry.h)
 * and the gateway. */
#define GATEWAY "gateway"

static void s_usage(FILE *out)
{
    fputs("usage: crmctl call <service> <Service.Method> ['<json>'|-] [options]\n"
          "       crmctl events <service>[,<service>...] [options]\n"
          "       crmctl keys <dir> <name>...\n"
          "       crmctl --help\n"
          "\nservices: ",
          out);
    const crm_registry_t *suite = crm_registry_get();
    for (size_t i = 0; i < suite->n_domains; i++)
        fprintf(out, "%s, ", suite->domains[i].name);
    fputs(GATEWAY
          "\n"
          "\n"
          "call: sends one request, its fields given as a JSON object (default {}; - reads\n"
          "  it from stdin), to the service's RPC endpoints (CRM_<SERVICE>_RPC, comma-\n"
          "  separated, e.g. CRM_LEADS_RPC) and prints the outcome as one JSON object:\n"
          "    {\"status\":\"ok\",\"reply\":{...}}\n"
          "    {\"status\":\"not_found\",\"message\":\"...\",\"field\":\"...\"}\n"
          "  The JSON of the HTTP API (docs/api.md): field names are the proto names;\n"
          "  enums short words (\"pending\"); an instant <x>_us is <x> in RFC 3339\n"
          "  (\"2026-12-01T09:00:00+08:00\"); int64 as numbers or decimal strings; bytes\n"
          "  in base64.\n"
          "  options:\n"
          "    --endpoint EP       endpoint(s), instead of CRM_<SERVICE>_RPC\n"
          "    --deadline-ms N     how long one attempt waits (default 5000)\n"
          "    --user ID           the acting user (default 0, the system)\n"
          "    --role ROLE         admin|manager|employee|system (default system)\n"
          "    --department ID     the user's department (default 0)\n"
          "    --scope all|ID,...  the records the caller may see (default: all for admin and\n"
          "                        system, the user's own for manager and employee)\n"
          "  example: crmctl call leads Leads.Get '{\"id\": 42}'\n"
          "\n"
          "events: subscribes to the services' event streams (CRM_<SERVICE>_PUB,\n"
          "  comma-separated) and prints each event as one JSON line: the envelope's\n"
          "  fields with the payload decoded by its type (base64 if the type is unknown).\n"
          "  Ends on SIGINT or SIGTERM.\n"
          "  options:\n"
          "    --endpoint EP       endpoint(s), instead of CRM_<SERVICE>_PUB\n"
          "    --topic PREFIX      only event types starting with PREFIX (repeatable)\n"
          "    --count N           exit after N events\n"
          "    --heartbeats        also print the producers' heartbeats\n"
          "  example: crmctl events leads,customers --topic lead. --count 10\n"
          "\n"
          "keys: writes the CurveZMQ key pair <dir>/<name>.key (secret, mode 0600) and\n"
          "  <dir>/<name>.pub for each name that has none: \"server\" (the services' server\n"
          "  sockets), each service, crmctl, an integrator. With CRM_CURVE_DIR=<dir> every\n"
          "  process authenticates with its pair and serves only the folder's .pub keys\n"
          "  (crmctl uses crmctl.key, or CRM_CURVE_NAME's).\n"
          "  example: crmctl keys .data/keys server leads customers crmctl\n"
          "\n"
          "exit status: 0 ok, 1 the call failed, 2 bad usage or request.\n",
          out);
}

static int s_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int s_bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("crmctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (crmctl --help for usage)\n", stderr);
    return EXIT_USAGE;
}

/* ---- pure helpers (unit-tested) -------------------------------------- */

static int s_known_service(const char *s)
{
    const crm_registry_t *suite = crm_registry_get();
    for (size_t i = 0; i < suite->n_domains; i++)
        if (strcmp(s, suite->domains[i].name) == 0)
            return 1;
    return strcmp(s, GATEWAY) == 0;
}

/* "leads", "RPC" -> "CRM_LEADS_RPC". Caller frees. */
static char *s_env_name(const char *service, const char *kind)
{
    char *name = crm_sprintf("CRM_%s_%s", service, kind);
    for (char *p = name; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return name;
}

static int s_parse_role(const char *s, Crm__Role *out)
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
static int s_make_caller(int64_t user, int64_t department, Crm__Role role, const char *scope,
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
static void s_split_error(const char *err, char **message, char **field)
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
static json_t *s_outcome_json(Crm__Status status, const ProtobufCMessage *reply, const char *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(crm_status_name(status)));
    if (status == CRM__STATUS__OK) {
        json_object_set_new(o, "reply",
                            reply ? crm_pb_to_json_as(reply, CRM_PBJSON_WIRE) : json_object());
        return o;
    }
    char *message, *field;
    s_split_error(err, &message, &field);
    json_object_set_new(o, "message", json_string(message));
    json_object_set_new(o, "field", json_string(field));
    free(message);
    free(field);
    return o;
}

/* A request that did not make it to the wire: like an INVALID_ARGUMENT
 * reply, for the same readers. */
static json_t *s_bad_request_json(const char *message, const char *field)
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
static json_t *s_event_json(const void *topic, size_t tlen, const uint8_t *body, size_t blen,
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
static void s_print(json_t *o)
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
static const char *s_opt(int argc, char **argv, int *i, const char *name, int *missing)
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

static int s_parse_count(const char *s, int64_t min, int64_t max, int64_t *out)
{
    return crm_parse_i64(s, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}

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

/* ---- call ------------------------------------------------------------- */

static int s_call(int argc, char **argv)
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
                return s_bad_usage("call: unexpected argument '%s'", a);
            pos[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = 1;
        } else if ((v = s_opt(argc, argv, &i, "--endpoint", &missing))) {
            endpoint = v;
        } else if ((v = s_opt(argc, argv, &i, "--deadline-ms", &missing))) {
            if (s_parse_count(v, 1, 3600000, &deadline) < 0)
                return s_bad_usage("call: --deadline-ms wants milliseconds, not '%s'", v);
        } else if ((v = s_opt(argc, argv, &i, "--user", &missing))) {
            if (crm_parse_i64(v, &user) < 0)
                return s_bad_usage("call: --user wants a user id, not '%s'", v);
        } else if ((v = s_opt(argc, argv, &i, "--department", &missing))) {
            if (crm_parse_i64(v, &department) < 0)
                return s_bad_usage("call: --department wants an id, not '%s'", v);
        } else if ((v = s_opt(argc, argv, &i, "--role", &missing))) {
            role_s = v;
        } else if ((v = s_opt(argc, argv, &i, "--scope", &missing))) {
            scope = v;
        } else if (missing) {
            return s_bad_usage("call: %s wants a value", a);
        } else {
            return s_bad_usage("call: unknown option '%s'", a);
        }
        if (missing)
            return s_bad_usage("call: %s wants a value", a);
    }
    if (npos < 2)
        return s_bad_usage("call: wants a service and a method");
    const char *service = pos[0], *method = pos[1];
    if (!s_known_service(service))
        return s_bad_usage("call: unknown service '%s'", service);
    Crm__Role role = CRM__ROLE__ROLE_SYSTEM;
    if (role_s && s_parse_role(role_s, &role) < 0)
        return s_bad_usage("call: unknown role '%s'", role_s);
    const ProtobufCMessageDescriptor *in, *out;
    if (crm_rpc_method_types(method, &in, &out) < 0)
        return s_bad_usage("call: unknown method '%s'", method);
    char *env = s_env_name(service, "RPC");
    if (!endpoint)
        endpoint = getenv(env);
    if (!endpoint || !*endpoint) {
        int rc = s_bad_usage("call: no endpoint: set %s or give --endpoint", env);
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
        s_print(s_bad_request_json(msg, ""));
        free(msg);
        return EXIT_USAGE;
    }
    char *err = NULL, *field = NULL;
    ProtobufCMessage *req = crm_pb_from_json_as(in, j, CRM_PBJSON_WIRE, &err, &field);
    json_decref(j);
    if (!req) {
        s_print(s_bad_request_json(err, field));
        free(err);
        free(field);
        return EXIT_USAGE;
    }

    Crm__Caller caller;
    Crm__DataScope scope_msg;
    int64_t *ids;
    if (s_make_caller(user, department, role, scope, &caller, &scope_msg, &ids) < 0) {
        protobuf_c_message_free_unpacked(req, NULL);
        return s_bad_usage("call: --scope wants 'all' or user ids, not '%s'", scope);
    }

    void *zctx = zmq_ctx_new();
    ProtobufCMessage *reply = NULL;
    char *call_err = NULL;
    Crm__Status st = crm_rpc_call_sync(zctx, endpoint, (unsigned)deadline, method, req, out,
                                       &caller, &reply, &call_err);
    s_print(s_outcome_json(st, reply, call_err));
    protobuf_c_message_free_unpacked(reply, NULL);
    protobuf_c_message_free_unpacked(req, NULL);
    free(call_err);
    free(ids);
    zmq_ctx_term(zctx);
    return st == CRM__STATUS__OK ? EXIT_OK : EXIT_FAILED;
}

/* ---- events ----------------------------------------------------------- */

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    s_stop = 1;
}

/* Receives one whole multipart message into parts (at most max; the rest
 * is drained). Returns the number of parts, 0 if none is waiting, -1 on an
 * error. */
static int s_recv_parts(void *sock, zmq_msg_t *parts, int max)
{
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&m);
            if (n == 0 && errno == EAGAIN)
                return 0;
            for (int i = 0; i < n && i < max; i++)
                zmq_msg_close(&parts[i]);
            return -1;
        }
        more = zmq_msg_more(&m);
        if (n < max)
            parts[n] = m;
        else
            zmq_msg_close(&m);
        n++;
    }
    return n;
}

static int s_events(int argc, char **argv)
{
    const char *services = NULL, *endpoint = NULL, *v;
    const char **topics = crm_calloc((size_t)argc + 1, sizeof *topics);
    size_t ntopics = 0;
    int64_t count = 0;
    int heartbeats = 0, missing = 0, rc = EXIT_OK;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (services) {
                free(topics);
                return s_bad_usage("events: unexpected argument '%s'", a);
            }
            services = a;
        } else if ((v = s_opt(argc, argv, &i, "--endpoint", &missing))) {
            endpoint = v;
        } else if ((v = s_opt(argc, argv, &i, "--topic", &missing))) {
            topics[ntopics++] = v;
        } else if ((v = s_opt(argc, argv, &i, "--count", &missing))) {
            if (s_parse_count(v, 1, INT64_MAX, &count) < 0) {
                free(topics);
                return s_bad_usage("events: --count wants a positive number, not '%s'", v);
            }
        } else if (strcmp(a, "--heartbeats") == 0) {
            heartbeats = 1;
        } else {
            free(topics);
            if (missing)
                return s_bad_usage("events: %s wants a value", a);
            return s_bad_usage("events: unknown option '%s'", a);
        }
        if (missing) {
            free(topics);
            return s_bad_usage("events: %s wants a value", a);
        }
    }
    if (!services) {
        free(topics);
        return s_bad_usage("events: wants one or more services");
    }

    /* Endpoints: --endpoint, or every service's CRM_<SERVICE>_PUB. */
    char **svc, **eps = NULL;
    size_t nsvc = crm_split_csv(services, &svc), neps = 0;
    for (size_t i = 0; i < nsvc && rc == EXIT_OK; i++) {
        if (!s_known_service(svc[i])) {
            rc = s_bad_usage("events: unknown service '%s'", svc[i]);
            break;
        }
        if (endpoint)
            continue;
        char *env = s_env_name(svc[i], "PUB");
        const char *list = getenv(env);
        if (!list || !*list) {
            rc = s_bad_usage("events: no endpoint: set %s or give --endpoint", env);
        } else {
            char **one;
            size_t n = crm_split_csv(list, &one);
            eps = crm_realloc(eps, (neps + n) * sizeof *eps);
            memcpy(eps + neps, one, n * sizeof *one);
            neps += n;
            free(one);
        }
        free(env);
    }
    crm_strv_free(svc, nsvc);
    if (rc == EXIT_OK && nsvc == 0)
        rc = s_bad_usage("events: wants one or more services");
    if (rc == EXIT_OK && endpoint)
        neps = crm_split_csv(endpoint, &eps);
    if (rc == EXIT_OK && neps == 0)
        rc = s_bad_usage("events: no endpoint");
    if (rc != EXIT_OK) {
        crm_strv_free(eps, neps);
        free(topics);
        return rc;
    }

    void *zctx = zmq_ctx_new();
    void *sub = zmq_socket(zctx, ZMQ_SUB);
    int zero = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    if (crm_curve_setup(sub, ZMQ_SUB) != 0)
        rc = EXIT_USAGE;
    for (size_t i = 0; rc == EXIT_OK && i < neps; i++)
        if (zmq_connect(sub, eps[i]) != 0) {
            rc = s_bad_usage("events: cannot connect to '%s': %s", eps[i], zmq_strerror(errno));
            break;
        }
    if (ntopics == 0)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    for (size_t i = 0; i < ntopics; i++)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topics[i], strlen(topics[i]));
    if (ntopics && heartbeats)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "_heartbeat", 10);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: zmq_poll returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int64_t printed = 0;
    while (rc == EXIT_OK && !s_stop && (count == 0 || printed < count)) {
        zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
        int n = zmq_poll(&item, 1, 1000);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "crmctl: zmq_poll: %s\n", zmq_strerror(errno));
            rc = EXIT_FAILED;
            break;
        }
        /* Every waiting message, each a whole multipart. */
        while (!s_stop && (count == 0 || printed < count)) {
            zmq_msg_t parts[2];
            int np = s_recv_parts(sub, parts, 2);
            if (np <= 0) {
                if (np < 0 && errno != EINTR && errno != EAGAIN) {
                    fprintf(stderr, "crmctl: receive: %s\n", zmq_strerror(errno));
                    rc = EXIT_FAILED;
                }
                break;
            }
            int bad = np != 2;
            json_t *o = NULL;
            if (np == 2)
                o = s_event_json(zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]),
                                 zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), heartbeats,
                                 &bad);
            if (bad)
                fprintf(stderr, "crmctl: skipped a message that is not [topic][event]\n");
            for (int i = 0; i < np && i < 2; i++)
                zmq_msg_close(&parts[i]);
            if (o) {
                s_print(o);
                printed++;
            }
        }
    }

    zmq_close(sub);
    zmq_ctx_term(zctx);
    crm_strv_free(eps, neps);
    free(topics);
    return rc;
}

/* ---- main ------------------------------------------------------------- */

#ifndef CRMCTL_NO_MAIN
/* crmctl keys DIR NAME...: writes the missing key pairs. */
static int s_keys(int argc, char **argv)
{
    if (argc < 2)
        return s_bad_usage("keys: give a folder and at least one name");
    if (mkdir(argv[0], 0700) != 0 && errno != EEXIST)
        return s_bad_usage("keys: cannot make '%s': %s", argv[0], strerror(errno));
    for (int i = 1; i < argc; i++)
        if (crm_curve_keygen(argv[0], argv[i]) != 0)
            return EXIT_FAILED;
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    crm_registry_set(&crm_suite);
    crm_tz_apply(); /* instants in RFC 3339 with the business offset, as over HTTP */
    if (argc < 2) {
        s_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        s_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "call") == 0)
        return s_call(argc - 2, argv + 2);
    if (strcmp(argv[1], "events") == 0)
        return s_events(argc - 2, argv + 2);
    if (strcmp(argv[1], "keys") == 0)
        return s_keys(argc - 2, argv + 2);
    return s_bad_usage("unknown command '%s'", argv[1]);
}
#endif
