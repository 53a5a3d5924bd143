/* calls.h: RPC calls kept in flight against a service, for the
 * benchmarks: each call's request made by a function, its latency kept,
 * the percentiles printed (stats.h). */
#ifndef CRM_BENCH_CALLS_H
#define CRM_BENCH_CALLS_H

#include <protobuf-c/protobuf-c.h>

#include "rpc.pb-c.h"

/* Makes the request of call i (a message the maker keeps until the next
 * call) and its caller. */
typedef const ProtobufCMessage *(*calls_make_fn)(void *arg, int i, const Crm__Caller **caller);

/* Runs total calls of method at endpoint, inflight at a time, each made by
 * make; exits on a failed call. Prints the latencies under label and
 * returns calls per second. */
double calls_run(void *zctx, const char *endpoint, const char *method,
                 const ProtobufCMessageDescriptor *out, calls_make_fn make, void *arg, int total,
                 int inflight, const char *label);

/* A caller of role with its scope (all, or users[0..n)); one static
 * caller, overwritten by the next call. */
const Crm__Caller *calls_caller(Crm__Role role, int64_t user, int64_t dept, int all,
                                const int64_t *users, size_t n);

#endif
