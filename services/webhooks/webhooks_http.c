/* webhooks_http.c: HTTP POSTs with libcurl's multi interface on the
 * service's libuv loop (the shape of curl's own multi-uv.c): libcurl tells
 * which sockets to watch (CURLMOPT_SOCKETFUNCTION: one uv_poll each) and
 * when to wake it (CURLMOPT_TIMERFUNCTION: one uv_timer); each readiness
 * or timeout is handed back with curl_multi_socket_action, and finished
 * transfers are read from curl_multi_info_read. Connections are kept alive
 * between requests by the multi handle's cache. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "crm/util.h"
#include "webhooks.h"

struct wh_http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    long timeout_ms;
    int handles; /* uv handles open (the timer and the polls) */
    int closing;
    struct wh_sock *socks; /* watched sockets */
    struct wh_req *reqs;   /* requests in flight */
};

/* One socket libcurl asked us to watch. */
typedef struct wh_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    wh_http_t *h;
    struct wh_sock *prev, *next;
} wh_sock_t;

/* One request in flight. */
typedef struct wh_req {
    struct wh_req *prev, *next;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    wh_http_cb cb;
    void *arg;
    char error[CURL_ERROR_SIZE];
} wh_req_t;

#define S_UNLINK(head, x)                                                                          \
    do {                                                                                           \
        if ((x)->prev)                                                                             \
            (x)->prev->next = (x)->next;                                                           \
        else                                                                                       \
            (head) = (x)->next;                                                                    \
        if ((x)->next)                                                                             \
            (x)->next->prev = (x)->prev;                                                           \
    } while (0)
#define S_LINK(head, x)                                                                            \
    do {                                                                                           \
        (x)->prev = NULL;                                                                          \
        (x)->next = (head);                                                                        \
        if (head)                                                                                  \
            (head)->prev = (x);                                                                    \
        (head) = (x);                                                                              \
    } while (0)

static void s_req_free(wh_http_t *h, wh_req_t *r)
{
    S_UNLINK(h->reqs, r);
    curl_multi_remove_handle(h->multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    free(r);
}

static void s_free_if_done(wh_http_t *h)
{
    if (h->closing && h->handles == 0)
        free(h);
}

static void s_handle_closed(uv_handle_t *hd)
{
    wh_http_t *h = hd->data;
    if (hd->type == UV_POLL)
        free(hd); /* the poll is a wh_sock_t's first member */
    h->handles--;
    s_free_if_done(h);
}

/* Hands finished transfers to their callbacks. */
static void s_check_done(wh_http_t *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        wh_req_t *r;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        long status = 0;
        const char *error = "";
        if (m->data.result == CURLE_OK)
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        else
            error = *r->error ? r->error : curl_easy_strerror(m->data.result);
        char why[CURL_ERROR_SIZE];
        snprintf(why, sizeof why, "%s", error);
        wh_http_cb cb = r->cb;
        void *arg = r->arg;
        s_req_free(h, r);
        cb(arg, status, why);
    }
}

static void s_on_poll(uv_poll_t *p, int status, int events)
{
    wh_sock_t *s = (wh_sock_t *)p; /* its first member */
    int flags = status < 0 ? CURL_CSELECT_ERR : 0;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    wh_http_t *h = s->h;
    curl_multi_socket_action(h->multi, s->fd, flags, &running);
    s_check_done(h);
}

static void s_on_timer(uv_timer_t *t)
{
    wh_http_t *h = t->data;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    s_check_done(h);
}

static void s_sock_close(wh_http_t *h, wh_sock_t *s)
{
    S_UNLINK(h->socks, s);
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, s_handle_closed);
}

static int s_socket_fn(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    wh_http_t *h = userp;
    wh_sock_t *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            s_sock_close(h, s);
            curl_multi_assign(h->multi, fd, NULL);
        }
        return 0;
    }
    if (!s) {
        s = crm_calloc(1, sizeof *s);
        s->fd = fd;
        s->h = h;
        uv_poll_init_socket(h->loop, &s->poll, fd);
        s->poll.data = h;
        h->handles++;
        S_LINK(h->socks, s);
        curl_multi_assign(h->multi, fd, s);
    }
    int ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= UV_WRITABLE;
    uv_poll_start(&s->poll, ev, s_on_poll);
    return 0;
}

static int s_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
    wh_http_t *h = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&h->timer);
    else
        uv_timer_start(&h->timer, s_on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* The answer's body is not kept. */
static size_t s_discard(char *p, size_t size, size_t n, void *arg)
{
    return size * n;
}

wh_http_t *wh_http_new(uv_loop_t *loop, long timeout_ms)
{
    wh_http_t *h = crm_calloc(1, sizeof *h);
    h->loop = loop;
    h->timeout_ms = timeout_ms;
    h->multi = curl_multi_init();
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, s_socket_fn);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, s_timer_fn);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    uv_timer_init(loop, &h->timer);
    h->timer.data = h;
    h->handles = 1;
    return h;
}

void wh_http_post(wh_http_t *h, const char *url, const char *const *headers, size_t nheaders,
                  const char *body, size_t len, wh_http_cb cb, void *arg)
{
    wh_req_t *r = crm_calloc(1, sizeof *r);
    r->cb = cb;
    r->arg = arg;
    r->body = crm_strndup(body, len);
    r->easy = curl_easy_init();
    for (size_t i = 0; i < nheaders; i++)
        r->headers = curl_slist_append(r->headers, headers[i]);
    r->headers = curl_slist_append(r->headers, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(r->easy, CURLOPT_URL, url);
    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "crm-webhooks");
    S_LINK(h->reqs, r);
    curl_multi_add_handle(h->multi, r->easy);
}

void wh_http_destroy(wh_http_t **h_p)
{
    wh_http_t *h = *h_p;
    if (!h)
        return;
    *h_p = NULL;
    while (h->reqs) {
        wh_http_cb cb = h->reqs->cb;
        void *arg = h->reqs->arg;
        s_req_free(h, h->reqs);
        cb(arg, -1, "stopped");
    }
    h->closing = 1;
    curl_multi_cleanup(h->multi);
    while (h->socks)
        s_sock_close(h, h->socks);
    uv_timer_stop(&h->timer);
    uv_close((uv_handle_t *)&h->timer, s_handle_closed);
}
