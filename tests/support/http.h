/* http.h: a small HTTP/JSON client for the gateway's integration tests,
 * over libcurl (one keep-alive connection per test process). */
#ifndef CRM_TEST_HTTP_H
#define CRM_TEST_HTTP_H

#include <jansson.h>

#include "harness.h"

/* A response. body is the parsed JSON (NULL if the body was not JSON). */
typedef struct {
    int status;
    char *raw;  /* the body as received, NUL-terminated */
    size_t len; /* its length (a binary body may hold NULs) */
    json_t *body;
    char retry_after[16];  /* the Retry-After header, "" if none */
    char content_type[96]; /* the Content-Type header, "" if none */
    char location[256];    /* the Location header, "" if none */
    char request_id[80];   /* the X-Request-Id header, "" if none */
    char disposition[256]; /* the Content-Disposition header, "" if none */
    char encoding[32];     /* the Transfer-Encoding header, "" if none */
} t_resp_t;

/* Sends method url with an optional bearer token and raw body (NULL: none;
 * sent as application/json). Fails the test if the request cannot be made
 * at all. The response must be freed with t_resp_free. */
void t_http(t_resp_t *r, const char *method, const char *url, const char *token, const char *body);

/* The same with body[0..len) of content_type (a workbook, binary). */
void t_http_bytes(t_resp_t *r, const char *method, const char *url, const char *token,
                  const void *body, size_t len, const char *content_type);

/* In a child process just forked: its requests on connections of its own
 * (the parent's would carry both processes' requests). */
void t_http_after_fork(void);

/* Adds header ("Name: value"; kept by the caller) to the next request only. */
void t_http_header(const char *header);

/* Same as t_http with url = base + path (printf-style path). */
void t_httpf(t_resp_t *r, const char *method, const char *base, const char *token, const char *body,
             const char *path_fmt, ...) __attribute__((format(printf, 6, 7)));

void t_resp_free(t_resp_t *r);

/* The code of a problem document ("" if absent), and the field at fault
 * of its first "errors" entry: its JSON pointer ("/mobile"), URL
 * parameter ("limit") or header ("Idempotency-Key"); "" if absent. */
const char *t_err_code(const t_resp_t *r);
const char *t_err_field(const t_resp_t *r);

/* An integer / string member of the body (0 / "" if absent). Dotted paths
 * reach into objects and arrays: "user.id", "items.0.id". */
long long t_json_int(const t_resp_t *r, const char *path);
const char *t_json_str(const t_resp_t *r, const char *path);

/* t_httpf to base + path, checking the status is want (fails the test
 * otherwise, with the body). Returns the response (t_resp_free it). */
t_resp_t t_expect(int want, const char *method, const char *base, const char *token,
                  const char *body, const char *path);

/* POSTs body to base + path as token, wanting 201 (a create): the new
 * record's id. */
long long t_created(const char *base, const char *token, const char *path, const char *body);

/* t_expect of an error: also checks that it is a problem document
 * (application/problem+json with type, title, status, detail), its code
 * and, when field is not NULL, its field (see t_err_field). */
void t_expect_error(int want, const char *code, const char *field, const char *method,
                    const char *base, const char *token, const char *body, const char *path);

/* Is record id among the items of the list at base + path (its first
 * page) as token? */
int t_listed(const char *base, const char *token, const char *path, long long id);
/* Is record id a row of the CSV export at base + path (its first column
 * the id) as token? */
int t_exported(const char *base, const char *token, const char *path, long long id);

/* Signs in and returns the token (caller frees); fails the test unless 200. */
char *t_login(const char *base, const char *user, const char *password);

/* A raw TCP connection to the gateway at base (for streams and requests
 * sent at the same time); fails the test if it cannot connect. */
int t_raw_connect(const char *base);
/* Writes all of text to fd; fails the test otherwise. */
void t_raw_write(int fd, const char *text);
/* Reads a response's head from fd (up to timeout_ms) and returns its status
 * code; fails the test on a timeout or a closed connection. */
int t_raw_status(int fd, int timeout_ms);

/* As admin, creates department name under parent; returns its id (fails
 * the test unless 201). */
long long t_new_dept(const char *base, const char *admin, const char *name, long long parent);

/* As admin, creates user name (role, department dept) with an initial
 * password, signs in as them and replaces it, so the user can do anything
 * their role allows. Returns their token (caller frees); *id gets theirs. */
char *t_new_user(const char *base, const char *admin, const char *name, const char *role,
                 long long dept, long long *id);

/* As admin, runs job now (POST /api/v1/scheduler/jobs/{job}/run) and waits
 * until the scheduler has its run recorded done (the work committed);
 * returns its run number, or fails the test. Needs the scheduler's
 * database on h. */
long long t_run_job(h_t *h, const char *base, const char *admin, const char *job);

/* Simulated time (h_clock_fake): moves the clock by seconds, then runs job
 * of service svc once more and waits until svc has consumed the
 * scheduler's events. The scheduler fires the timers the jump made due at
 * once, but each process reads the jump up to a second apart: a run in a
 * session that had not read it yet finds nothing due (docs/scheduler.md,
 * clocks), so, every process having read it (h_clock_advance waits for
 * that), the job is run now too, as a fresh admin (tokens expire). */
void t_advance_and_run(h_t *h, const char *base, long long seconds, const char *svc,
                       const char *job);

/* Puts job's own schedule a year away (its timers still fire it), for the
 * tests that run it by t_advance_and_run. */
void t_job_postpone(h_t *h, const char *job);

/* As admin, creates customer name owned by owner and waits until the sales
 * service's read model holds it; returns its id. */
long long t_sales_customer(h_t *h, const char *base, const char *admin, const char *name,
                           long long owner);

/* Declares and starts one leads instance and the gateway on h, and signs
 * in as the first admin: returns the gateway's base URL; *admin gets the
 * token (caller frees). */
const char *t_leads_gateway(h_t *h, char **admin);

#endif
