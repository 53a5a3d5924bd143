/* receiver.c: the tests' webhook receiver (a small HTTP/1.1 server in a
 * thread: poll over the listener and its connections, keep-alive, bodies
 * by Content-Length) and an independent Standard Webhooks verifier
 * (OpenSSL HMAC). See receiver.h. */
#include "receiver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crm/util.h"
#include "harness.h"

#define MAX_CONN 64

typedef struct {
    int fd;
    char *buf;
    size_t len, cap;
    int hung;
} conn_t;

struct t_rcv {
    pthread_t thread;
    pthread_mutex_t mu;
    int port;
    int lfd;
    int want_listen, listening, quit;
    conn_t conns[MAX_CONN];
    t_rcv_mode_t mode;
    int mode_n;
    t_rcv_req_t *reqs;
    size_t nreqs, capreqs;
};

static int s_listen(int port, int *out_port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) {
        close(fd);
        return -1;
    }
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *out_port = ntohs(a.sin_port);
    return fd;
}

/* The value of header name in head (up to its line's end) into out. */
static void s_header(const char *head, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t len = e ? (size_t)(e - v) : strlen(v);
            if (len >= cap)
                len = cap - 1;
            memcpy(out, v, len);
            out[len] = 0;
            return;
        }
    }
}

static void s_close(conn_t *c)
{
    close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* Handles every complete request in c's buffer (under mu). */
static void s_requests(t_rcv_t *r, conn_t *c)
{
    for (;;) {
        if (c->hung)
            return;
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end)
            return;
        size_t hlen = (size_t)(end - c->buf) + 4;
        char *head = crm_strndup(c->buf, hlen);
        char cl[24];
        s_header(head, "content-length", cl, sizeof cl);
        size_t blen = (size_t)atol(cl);
        if (c->len < hlen + blen) {
            free(head);
            return;
        }
        t_rcv_req_t q = {0};
        sscanf(head, "%*s %63s", q.path);
        s_header(head, "webhook-id", q.id, sizeof q.id);
        s_header(head, "webhook-timestamp", q.timestamp, sizeof q.timestamp);
        s_header(head, "webhook-signature", q.signature, sizeof q.signature);
        q.body = crm_strndup(c->buf + hlen, blen);
        free(head);
        memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
        c->len -= hlen + blen;
        t_rcv_mode_t m = r->mode_n != 0 ? r->mode : T_RCV_OK;
        if (r->mode_n > 0)
            r->mode_n--;
        const char *answer = NULL;
        if (m == T_RCV_OK) {
            q.answered = 200;
            answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        } else if (m == T_RCV_FAIL) {
            q.answered = 500;
            answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nfail";
        } else {
            c->hung = 1;
        }
        if (r->nreqs == r->capreqs) {
            r->capreqs = r->capreqs ? r->capreqs * 2 : 64;
            r->reqs = crm_realloc(r->reqs, r->capreqs * sizeof *r->reqs);
        }
        r->reqs[r->nreqs++] = q;
        if (answer && write(c->fd, answer, strlen(answer)) < 0)
            c->hung = 1;
    }
}

static void s_read(t_rcv_t *r, conn_t *c)
{
    char buf[65536];
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n <= 0) {
        s_close(c);
        return;
    }
    if (c->len + (size_t)n > c->cap) {
        c->cap = (c->len + (size_t)n) * 2;
        c->buf = crm_realloc(c->buf, c->cap);
    }
    memcpy(c->buf + c->len, buf, (size_t)n);
    c->len += (size_t)n;
    s_requests(r, c);
}

/* Opens or closes the listener (and the connections) as asked (under mu). */
static void s_apply_listen(t_rcv_t *r)
{
    if (r->want_listen && !r->listening) {
        int port;
        r->lfd = s_listen(r->port, &port);
        r->listening = r->lfd >= 0;
    } else if (!r->want_listen && r->listening) {
        close(r->lfd);
        r->lfd = -1;
        for (int i = 0; i < MAX_CONN; i++)
            if (r->conns[i].fd >= 0)
                s_close(&r->conns[i]);
        r->listening = 0;
    }
}

static void *s_run(void *arg)
{
    t_rcv_t *r = arg;
    for (;;) {
        struct pollfd p[MAX_CONN + 1];
        int idx[MAX_CONN + 1], n = 0;
        pthread_mutex_lock(&r->mu);
        if (r->quit) {
            r->want_listen = 0;
            s_apply_listen(r);
            pthread_mutex_unlock(&r->mu);
            return NULL;
        }
        s_apply_listen(r);
        if (r->listening)
            p[n] = (struct pollfd){.fd = r->lfd, .events = POLLIN}, idx[n++] = -1;
        for (int i = 0; i < MAX_CONN; i++)
            if (r->conns[i].fd >= 0)
                p[n] = (struct pollfd){.fd = r->conns[i].fd, .events = POLLIN}, idx[n++] = i;
        pthread_mutex_unlock(&r->mu);
        if (poll(p, (nfds_t)n, 20) <= 0)
            continue;
        pthread_mutex_lock(&r->mu);
        for (int k = 0; k < n; k++) {
            if (!p[k].revents)
                continue;
            if (idx[k] < 0 && r->listening) {
                int fd = accept(r->lfd, NULL, NULL);
                int i = 0;
                while (i < MAX_CONN && r->conns[i].fd >= 0)
                    i++;
                if (fd >= 0 && i < MAX_CONN)
                    r->conns[i].fd = fd;
                else if (fd >= 0)
                    close(fd);
            } else if (idx[k] >= 0 && r->conns[idx[k]].fd == p[k].fd) {
                s_read(r, &r->conns[idx[k]]);
            }
        }
        pthread_mutex_unlock(&r->mu);
    }
}

t_rcv_t *t_rcv_new(void)
{
    t_rcv_t *r = crm_calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    for (int i = 0; i < MAX_CONN; i++)
        r->conns[i].fd = -1;
    r->lfd = s_listen(0, &r->port);
    H_CHECK(r->lfd >= 0, "receiver: cannot listen: %s", strerror(errno));
    r->want_listen = r->listening = 1;
    pthread_create(&r->thread, NULL, s_run, r);
    return r;
}

void t_rcv_destroy(t_rcv_t **r_p)
{
    t_rcv_t *r = *r_p;
    if (!r)
        return;
    *r_p = NULL;
    pthread_mutex_lock(&r->mu);
    r->quit = 1;
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    for (size_t i = 0; i < r->nreqs; i++)
        free(r->reqs[i].body);
    free(r->reqs);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

char *t_rcv_url(t_rcv_t *r, const char *path)
{
    return crm_sprintf("http://127.0.0.1:%d%s", r->port, path);
}

void t_rcv_mode(t_rcv_t *r, t_rcv_mode_t mode, int n)
{
    pthread_mutex_lock(&r->mu);
    r->mode = mode;
    r->mode_n = n;
    pthread_mutex_unlock(&r->mu);
}

/* Asks the thread to (not) listen and waits until it does. */
static void s_want(t_rcv_t *r, int on)
{
    pthread_mutex_lock(&r->mu);
    r->want_listen = on;
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&r->mu);
        int done = r->listening == on;
        pthread_mutex_unlock(&r->mu);
        if (done)
            return;
        usleep(10000);
    }
    H_CHECK(0, "receiver: cannot %s port %d", on ? "listen on" : "close", r->port);
}

void t_rcv_stop(t_rcv_t *r)
{
    s_want(r, 0);
}

void t_rcv_start(t_rcv_t *r)
{
    s_want(r, 1);
}

int t_rcv_mode_left(t_rcv_t *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->mode_n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

size_t t_rcv_count(t_rcv_t *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->nreqs;
    pthread_mutex_unlock(&r->mu);
    return n;
}

t_rcv_req_t *t_rcv_reqs(t_rcv_t *r, size_t *n)
{
    pthread_mutex_lock(&r->mu);
    t_rcv_req_t *v = crm_calloc(r->nreqs + 1, sizeof *v);
    for (size_t i = 0; i < r->nreqs; i++) {
        v[i] = r->reqs[i];
        v[i].body = crm_strdup(r->reqs[i].body);
    }
    *n = r->nreqs;
    pthread_mutex_unlock(&r->mu);
    return v;
}

void t_rcv_free_reqs(t_rcv_req_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].body);
    free(v);
}

/* ---- verification (Standard Webhooks 1.0, from the specification) ---- */

int t_wh_verify(const char *secret, const char *id, const char *timestamp, const char *body,
                const char *signature, int64_t now_s, int64_t tolerance_s)
{
    char *end;
    long long ts = strtoll(timestamp, &end, 10);
    if (!*timestamp || *end || ts < now_s - tolerance_s || ts > now_s + tolerance_s)
        return 0;
    if (strncmp(secret, "whsec_", 6))
        return 0;
    const char *b64 = secret + 6;
    unsigned char key[256];
    int klen = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)strlen(b64));
    if (klen < 0)
        return 0;
    for (const char *p = b64 + strlen(b64); p > b64 && p[-1] == '='; p--)
        klen--; /* EVP_DecodeBlock counts the padding */
    char *msg = crm_sprintf("%s.%s.%s", id, timestamp, body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), key, klen, (const unsigned char *)msg, strlen(msg), mac, &mlen);
    free(msg);
    char want[128];
    EVP_EncodeBlock((unsigned char *)want, mac, (int)mlen);
    /* Several signatures may be given, space-separated; one must match. */
    char *copy = crm_strdup(signature), *save = NULL;
    int ok = 0;
    for (char *s = strtok_r(copy, " ", &save); s && !ok; s = strtok_r(NULL, " ", &save))
        ok = !strncmp(s, "v1,", 3) && strlen(s + 3) == strlen(want) &&
             CRYPTO_memcmp(s + 3, want, strlen(want)) == 0;
    free(copy);
    return ok;
}
