/* crmctl.h: what crmctl's files share (not public). crmctl.c: usage, `keys`
 * and main; crmctl_helpers.c: the pure helpers (services, environment names,
 * roles, the caller, errors and outcomes as JSON, events as JSON, option
 * parsing), the library crmctl_core that test_crmctl also links;
 * crmctl_call.c: `crmctl call`; crmctl_events.c: `crmctl events`. Functions
 * shared across these files start with ctl_.
 *
 * Exit status: 0 ok, 1 the call failed (an error status), 2 bad usage or a
 * request that does not convert (the field at fault is printed). */
#ifndef CRM_CRMCTL_H
#define CRM_CRMCTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crm/config.h"
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

/* ---- crmctl_helpers.c ------------------------------------------------- */

/* Prints "crmctl: <message> (crmctl --help for usage)" to stderr; returns
 * EXIT_USAGE. */
int ctl_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 if s is a domain of the suite or the gateway. */
int ctl_known_service(const char *s);

/* "leads", "RPC" -> "CRM_LEADS_RPC". Caller frees. */
char *ctl_env_name(const char *service, const char *kind);

/* "admin", "manager", "employee", "system" (any case). 0, or -1. */
int ctl_parse_role(const char *s, Crm__Role *out);

/* The caller of a call: who, in which department, with which role and
 * scope. scope is "all", a list of user ids, or NULL for the role's
 * default. Fills caller and scope_msg (ids in *ids_p, caller frees).
 * Returns 0, or -1 if scope is malformed. */
int ctl_make_caller(int64_t user, int64_t department, Crm__Role role, const char *scope,
                    Crm__Caller *caller, Crm__DataScope *scope_msg, int64_t **ids_p);

/* Splits crm_rpc_call_sync's "message [field]" into its parts (each
 * malloc'd; field "" when there is none). */
void ctl_split_error(const char *err, char **message, char **field);

/* The printed outcome of a call. reply is NULL unless status is OK. */
json_t *ctl_outcome_json(Crm__Status status, const ProtobufCMessage *reply, const char *err);

/* A request that did not make it to the wire: like an INVALID_ARGUMENT
 * reply, for the same readers. */
json_t *ctl_bad_request_json(const char *message, const char *field);

/* One received [topic][body] as a JSON line's object, or NULL when it is
 * not to be printed (a heartbeat unless heartbeats) or does not decode
 * (*bad set then). */
json_t *ctl_event_json(const void *topic, size_t tlen, const uint8_t *body, size_t blen,
                       int heartbeats, int *bad);

/* Prints o as one compact line and drops it. */
void ctl_print(json_t *o);

/* Takes "--name value" or "--name=value" at argv[*i]. Returns the value (and
 * advances *i), NULL if argv[*i] is not that option, or sets *missing. */
const char *ctl_opt(int argc, char **argv, int *i, const char *name, int *missing);

/* s as a number in [min, max] into *out: 0, or -1. */
int ctl_parse_count(const char *s, int64_t min, int64_t max, int64_t *out);

/* ---- the commands (crmctl_call.c, crmctl_events.c) -------------------- */

/* crmctl call <service> <Service.Method> ['<json>'|-] [options]; argv
 * after "call". Returns the exit status. */
int ctl_call(int argc, char **argv);

/* crmctl events <service>[,<service>...] [options]; argv after "events".
 * Returns the exit status. */
int ctl_events(int argc, char **argv);

#endif
