/* calls.h: RPC calls kept in flight against a service, for the
 * benchmarks: each call's request made by a function, its latency kept,
 * the percentiles printed (stats.h); from one client or from several
 * callers at once, each its own client. */
#ifndef CRM_BENCH_CALLS_H
#define CRM_BENCH_CALLS_H

#include <protobuf-c/protobuf-c.h>

#include "crm/rpc.h"
#include "rpc.pb-c.h"

/* Makes the request of call i (a message the maker keeps until the next
 * call) and its caller. */
typedef const ProtobufCMessage *(*calls_make_fn)(void *arg, int i, const Crm__Caller **caller);

/* Sees the reply of call i, whatever its status: 0, or -1 to end the
 * benchmark (a reply the run does not expect). */
typedef int (*calls_check_fn)(void *arg, int i, const crm_rpc_result_t *res);

/* A run of calls of one method. */
typedef struct {
    const char *endpoint;
    const char *method;
    const ProtobufCMessageDescriptor *out;
    calls_make_fn make;
    /* Optional: without it, any reply but OK ends the benchmark. */
    calls_check_fn check;
    void *arg; /* make's and check's */
    const char *label;
} calls_spec_t;

/* Runs total calls of spec from callers RPC clients (each its own ZeroMQ
 * socket), each keeping inflight calls at a time: caller k makes calls k,
 * k + callers, k + 2 * callers, ... Prints the latencies of every call
 * under spec->label and returns calls per second. */
double calls_run_spec(void *zctx, const calls_spec_t *spec, int total, int callers, int inflight);

/* Runs total calls of method at endpoint, inflight at a time from one
 * client, each made by make; exits on a failed call. Prints the latencies
 * under label and returns calls per second. */
double calls_run(void *zctx, const char *endpoint, const char *method,
                 const ProtobufCMessageDescriptor *out, calls_make_fn make, void *arg, int total,
                 int inflight, const char *label);

/* A caller of role with its scope (all, or users[0..n)); one static
 * caller, overwritten by the next call. */
const Crm__Caller *calls_caller(Crm__Role role, int64_t user, int64_t dept, int all,
                                const int64_t *users, size_t n);

/* The caller of call i among the benchmarks' seeded people (seed.h:
 * SEED_OWNERS users in departments of SEED_TEAM, all under the division
 * CALLS_DIVISION): role 0 an employee (rotating over them, seeing their
 * own), 1 the division's manager (user 5000, seeing them all), 2 an admin.
 * One static caller, as calls_caller's. */
#define CALLS_DIVISION 100
const Crm__Caller *calls_seeded_caller(int role, int i);

#endif
