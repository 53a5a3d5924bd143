/* suite.h: calls into the running suite for integration tests: RPC with a
 * chosen caller, and the domain steps tests repeat (create and convert a
 * lead). Every helper fails the test on an unexpected status. */
#ifndef CRM_TEST_SUITE_H
#define CRM_TEST_SUITE_H

#include "crm/rpc.h"
#include "customers.pb-c.h"
#include "harness.h"
#include "leads.pb-c.h"
#include "scheduler.pb-c.h"

/* Callers: the system (sees all), an admin, and an employee (sees only
 * their own records) of department dept. */
const Crm__Caller *t_system(void);
const Crm__Caller *t_employee(int64_t user_id, int64_t dept);

/* Calls method on service's instances; returns the status. *reply (may be
 * NULL) is set on OK; *err (may be NULL) gets "message [field]". */
Crm__Status t_call(h_t *h, const char *service, const char *method, const ProtobufCMessage *req,
                   const ProtobufCMessageDescriptor *out, const Crm__Caller *caller,
                   ProtobufCMessage **reply, char **err);

/* The same, on one endpoint, with a deadline. */
Crm__Status t_call_at(const char *endpoints, unsigned deadline_ms, const char *method,
                      const ProtobufCMessage *req, const ProtobufCMessageDescriptor *out,
                      const Crm__Caller *caller, ProtobufCMessage **reply, char **err);

/* Creates a lead owned by owner (the system creates it) and returns its id. */
int64_t t_create_lead(h_t *h, const char *name, const char *mobile, int64_t owner);

/* Converts lead id; fails the test unless OK. */
void t_convert(h_t *h, int64_t id);

/* Starts an import of service's records ("leads", "customers":
 * <Service>.StartImport) for owner (the system starts it) and returns its
 * id. */
int64_t t_start_import(h_t *h, const char *service, int64_t owner, int64_t expected_rows);

/* The shared ZeroMQ context of the test process. */
void *t_zctx(void);

#endif
