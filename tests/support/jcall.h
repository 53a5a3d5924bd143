/* jcall.h: RPC calls written as JSON, for domain tests that make many calls
 * with many fields: the request is JSON text (printf-style), the reply comes
 * back as JSON (crm/pbjson.h: proto field names, enums as their names).
 * Plus callers of every role. */
#ifndef CRM_TEST_JCALL_H
#define CRM_TEST_JCALL_H

#include <jansson.h>

#include "suite.h"

/* Calls method ("Leads.Create") on service with the request built from
 * the JSON text fmt. Returns the status; on OK *reply (if not NULL) gets
 * the reply as JSON (caller json_decref's); otherwise *err (if not NULL)
 * gets "message [field]" (caller frees). A request that does not build
 * fails the test. */
Crm__Status t_json(h_t *h, const char *service, const char *method, const Crm__Caller *caller,
                   json_t **reply, char **err, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* The same, failing the test unless the status is want; returns the reply
 * (OK) or NULL. */
json_t *t_json_expect(h_t *h, Crm__Status want, const char *service, const char *method,
                      const Crm__Caller *caller, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The same wanting OK: the reply's "id" (a record made). */
int64_t t_json_id(h_t *h, const char *service, const char *method, const Crm__Caller *caller,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The field at fault of the last failed t_json / t_json_expect call ("" if
 * none), and its message. */
const char *t_json_field(void);
const char *t_json_message(void);

/* After a refused call: the field at fault must be field (NULL: not
 * checked) and the message contain part (NULL: anything); otherwise fails
 * the test, naming method. */
void t_json_says(const char *method, const char *field, const char *part);

/* Integer / string member at a dotted path ("lead.owner_id", "leads.0.id")
 * of a reply; 0 / "" if absent. */
int64_t t_int(json_t *j, const char *path);
const char *t_str(json_t *j, const char *path);
/* The same at a path written printf-style ("results.%d.outcome"). */
int64_t t_intf(json_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *t_strf(json_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Callers that stay valid until the next call of the same function with
 * the same slot (0..7): an admin, a manager who sees users[0..n), an
 * employee. */
const Crm__Caller *t_admin(int slot, int64_t user_id);
const Crm__Caller *t_manager(int slot, int64_t user_id, int64_t dept, const int64_t *users,
                             size_t n);
const Crm__Caller *t_user(int slot, int64_t user_id, int64_t dept);

#endif
