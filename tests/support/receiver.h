/* receiver.h: a webhook receiver for the tests: a small HTTP/1.1 server on
 * 127.0.0.1 in a thread of the test process, which records every POST
 * (path, the Standard Webhooks headers, body) and answers as told: 200,
 * 500, or nothing at all (the sender's timeout). It can be stopped (then
 * connections are refused) and started again on the same port. And a
 * verifier of Standard Webhooks 1.0 signatures written from the
 * specification with OpenSSL, sharing nothing with the service. */
#ifndef CRM_TEST_RECEIVER_H
#define CRM_TEST_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct t_rcv t_rcv_t;

/* What the receiver does with the next requests. */
typedef enum {
    T_RCV_OK,   /* 200 */
    T_RCV_FAIL, /* 500 */
    T_RCV_HANG, /* reads the request and never answers */
} t_rcv_mode_t;

/* One request as received. */
typedef struct {
    char path[64];
    char id[80];        /* webhook-id */
    char timestamp[32]; /* webhook-timestamp */
    char signature[512];
    char *body;
    int answered; /* the status it was answered with, 0 if none */
} t_rcv_req_t;

/* Starts listening on a free port. */
t_rcv_t *t_rcv_new(void);
void t_rcv_destroy(t_rcv_t **r_p);
/* "http://127.0.0.1:PORT" + path; caller frees. */
char *t_rcv_url(t_rcv_t *r, const char *path);
/* The next n requests get mode (n < 0: every one from now on), then 200. */
void t_rcv_mode(t_rcv_t *r, t_rcv_mode_t mode, int n);
/* Closes the listener and every connection (the port refuses), and opens
 * it again on the same port. */
void t_rcv_stop(t_rcv_t *r);
void t_rcv_start(t_rcv_t *r);
/* How many of the requests t_rcv_mode asked for are still to come (0 once
 * all were met; negative: every one from now on). */
int t_rcv_mode_left(t_rcv_t *r);
/* How many requests were received (any answer). */
size_t t_rcv_count(t_rcv_t *r);
/* A copy of the requests received so far (free with t_rcv_free_reqs). */
t_rcv_req_t *t_rcv_reqs(t_rcv_t *r, size_t *n);
void t_rcv_free_reqs(t_rcv_req_t *v, size_t n);

/* Standard Webhooks 1.0 verification: 1 when one of the space-separated
 * "v1,<base64>" signatures is HMAC-SHA256 of "{id}.{timestamp}.{body}"
 * keyed with the base64-decoded secret after "whsec_", and the timestamp
 * is within tolerance_s of now_s (both ways); else 0. */
int t_wh_verify(const char *secret, const char *id, const char *timestamp, const char *body,
                const char *signature, int64_t now_s, int64_t tolerance_s);

#endif
