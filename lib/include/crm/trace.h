/* trace.h: the request id (trace id) that follows one piece of work
 * through the suite: given by an HTTP client (X-Request-Id) or made by the
 * gateway, carried by every RPC it calls (Request.trace_id), written with
 * every event its changes commit (the outbox's trace_id, Event.trace_id),
 * and taken on by each consumer that applies one of those events, so the
 * work an event causes downstream carries it too. Every log line written
 * while a trace is current names it ("trace").
 *
 * A process has one loop, so "current" is a process-wide value that the
 * places where work resumes set and restore: the RPC server around a
 * handler, the RPC client around a reply's callback, the database pool
 * around a batch's callback (each batch keeps the trace current when it was
 * made), a consumer around each event it applies. Code in between needs to
 * do nothing. */
#ifndef CRM_TRACE_H
#define CRM_TRACE_H

#define CRM_TRACE_MAX 64

/* A trace id kept aside (by value): "" is none. */
typedef struct {
    char id[CRM_TRACE_MAX + 1];
} crm_trace_t;

/* The current trace id, or NULL. */
const char *crm_trace(void);

/* Makes id current (NULL or "": none) and returns what was, for
 * crm_trace_restore. An id that is not valid (crm_trace_valid) counts as
 * none. */
crm_trace_t crm_trace_swap(const char *id);
void crm_trace_restore(const crm_trace_t *was);

/* The current trace kept aside. */
crm_trace_t crm_trace_keep(void);

/* 1 when id is 1 to 64 characters of [A-Za-z0-9._:-]. */
int crm_trace_valid(const char *id);

/* A new random id: 32 hexadecimal digits. */
void crm_trace_new(char out[33]);

#endif
