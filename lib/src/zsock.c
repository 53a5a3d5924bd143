/* zsock.c: a ZeroMQ socket driven by a libuv loop.
 *
 * ZMQ_FD is edge-triggered and only means "look at ZMQ_EVENTS". The shape:
 *
 *   uv_poll (readable on ZMQ_FD)  wakes the loop; it does nothing else.
 *   uv_check                      after each poll phase, receives up to
 *                                 BATCH messages while ZMQ_EVENTS says
 *                                 POLLIN, re-reading ZMQ_EVENTS after each.
 *   uv_prepare                    before the loop blocks, reads ZMQ_EVENTS
 *                                 once more and, if a message is waiting,
 *                                 starts a uv_idle so the loop polls with a
 *                                 zero timeout and the check runs again.
 *
 * Every send re-reads ZMQ_EVENTS too (a send can swallow the fd's edge), and
 * starts the idle handle when something became readable.
 *
 * Destruction closes the ZeroMQ socket at once and frees the struct after
 * the close callbacks of all four handles have run and no receive callback
 * is on the stack (hiredis' "free after the callback" rule). */
#include "crm/zsock.h"
#include "crm/curve.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/util.h"

/* Messages delivered per loop turn, so one busy socket cannot starve the
 * rest of the loop. */
#define BATCH 64

struct crm_zsock {
    uv_loop_t *loop;
    void *zs; /* NULL once closed */
    uv_poll_t poll;
    uv_prepare_t prepare;
    uv_check_t check;
    uv_idle_t idle;
    crm_zsock_recv_cb cb;
    void *arg;
    int open_handles; /* libuv handles not yet closed */
    int in_cb;        /* receive callbacks on the stack */
    int destroying;
};

/* Returns ZMQ_EVENTS (ZMQ_POLLIN | ZMQ_POLLOUT), or 0 if it cannot be read. */
static int s_events(crm_zsock_t *s)
{
    int ev = 0;
    size_t len = sizeof ev;
    if (!s->zs || zmq_getsockopt(s->zs, ZMQ_EVENTS, &ev, &len) != 0)
        return 0;
    return ev;
}

static void s_idle_cb(uv_idle_t *h)
{
    /* Nothing to do: being active keeps uv_run from blocking. */
}

static void s_poll_cb(uv_poll_t *h, int status, int events)
{
    /* The wake-up alone is the point: the check handle runs next. */
}

/* Keeps the loop spinning while a message is waiting, lets it block
 * otherwise. */
static void s_want_idle(crm_zsock_t *s, int ev)
{
    if (s->destroying)
        return;
    if (ev & ZMQ_POLLIN)
        uv_idle_start(&s->idle, s_idle_cb);
    else
        uv_idle_stop(&s->idle);
}

static void s_maybe_free(crm_zsock_t *s)
{
    if (s->destroying && s->open_handles == 0 && s->in_cb == 0)
        free(s);
}

/* Receives one whole multipart message into msg. Returns 1 when one was
 * received (msg->nparts is 0 if it had too many parts and was dropped), 0
 * when nothing is waiting, -1 on error. */
static int s_recv_one(crm_zsock_t *s, crm_zmsg_t *msg)
{
    msg->nparts = 0;
    size_t total = 0;
    int more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        /* The parts of a message arrive together, so DONTWAIT is right for
         * the later ones as well. */
        if (zmq_msg_recv(&part, s->zs, ZMQ_DONTWAIT) < 0) {
            int err = errno;
            zmq_msg_close(&part);
            if (err == EINTR)
                continue;
            for (size_t i = 0; i < msg->nparts; i++)
                zmq_msg_close(&msg->parts[i]);
            msg->nparts = 0;
            errno = err;
            if (total == 0)
                return err == EAGAIN ? 0 : -1;
            return -1; /* lost the rest of a message: the socket is closing */
        }
        total++;
        more = zmq_msg_more(&part);
        if (total <= CRM_ZSOCK_MAX_PARTS)
            msg->parts[msg->nparts++] = part;
        else
            zmq_msg_close(&part);
    }
    if (total > CRM_ZSOCK_MAX_PARTS) {
        for (size_t i = 0; i < msg->nparts; i++)
            zmq_msg_close(&msg->parts[i]);
        msg->nparts = 0;
        crm_logf(CRM_WARN, "zsock: message of %zu parts dropped (at most %d)", total,
                 CRM_ZSOCK_MAX_PARTS);
    }
    return 1;
}

/* Delivers up to BATCH waiting messages. */
static void s_dispatch(crm_zsock_t *s)
{
    int ev = s_events(s);
    for (int n = 0; n < BATCH && (ev & ZMQ_POLLIN) && !s->destroying; n++) {
        crm_zmsg_t msg;
        int rc = s_recv_one(s, &msg);
        if (rc <= 0) {
            if (rc < 0 && errno != EINTR && errno != ETERM)
                crm_logf(CRM_WARN, "zsock: receive failed: %s", zmq_strerror(errno));
            ev = s_events(s);
            break;
        }
        if (msg.nparts > 0 && s->cb) {
            s->in_cb++;
            s->cb(s, &msg, s->arg);
            s->in_cb--;
        }
        for (size_t i = 0; i < msg.nparts; i++)
            zmq_msg_close(&msg.parts[i]);
        ev = s_events(s);
    }
    if (s->destroying) {
        s_maybe_free(s);
        return;
    }
    s_want_idle(s, ev);
}

static void s_check_cb(uv_check_t *h)
{
    s_dispatch(h->data);
}

static void s_prepare_cb(uv_prepare_t *h)
{
    crm_zsock_t *s = h->data;
    s_want_idle(s, s_events(s));
}

crm_zsock_t *crm_zsock_new(uv_loop_t *loop, void *zctx, int type)
{
    void *zs = zmq_socket(zctx, type);
    if (!zs) {
        crm_logf(CRM_ERROR, "zsock: cannot create socket: %s", zmq_strerror(errno));
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(zs, ZMQ_LINGER, &linger, sizeof linger);
    if (crm_curve_setup(zs, type) != 0) {
        zmq_close(zs);
        return NULL;
    }
    int fd;
    size_t fdlen = sizeof fd;
    if (zmq_getsockopt(zs, ZMQ_FD, &fd, &fdlen) != 0) {
        crm_logf(CRM_ERROR, "zsock: cannot read ZMQ_FD: %s", zmq_strerror(errno));
        zmq_close(zs);
        return NULL;
    }
    crm_zsock_t *s = crm_calloc(1, sizeof *s);
    s->loop = loop;
    s->zs = zs;
    int rc = uv_poll_init(loop, &s->poll, fd);
    if (rc != 0) {
        crm_logf(CRM_ERROR, "zsock: cannot poll ZMQ_FD: %s", uv_strerror(rc));
        zmq_close(zs);
        free(s);
        return NULL;
    }
    uv_prepare_init(loop, &s->prepare);
    uv_check_init(loop, &s->check);
    uv_idle_init(loop, &s->idle);
    s->poll.data = s->prepare.data = s->check.data = s->idle.data = s;
    s->open_handles = 4;
    /* The poll handle is what keeps the loop alive for this socket; the
     * helpers must not. */
    uv_unref((uv_handle_t *)&s->prepare);
    uv_unref((uv_handle_t *)&s->check);
    return s;
}

void *crm_zsock_raw(crm_zsock_t *sock)
{
    return sock->zs;
}

int crm_zsock_start(crm_zsock_t *sock, crm_zsock_recv_cb cb, void *arg)
{
    if (sock->destroying)
        return -EINVAL;
    sock->cb = cb;
    sock->arg = arg;
    int rc = uv_poll_start(&sock->poll, UV_READABLE, s_poll_cb);
    if (rc != 0)
        return rc;
    uv_prepare_start(&sock->prepare, s_prepare_cb);
    uv_check_start(&sock->check, s_check_cb);
    /* Messages may have arrived before we started watching. */
    uv_idle_start(&sock->idle, s_idle_cb);
    return 0;
}

/* After a send: a send may have consumed the fd's edge for pending input. */
static void s_after_send(crm_zsock_t *s)
{
    if (s->cb && (s_events(s) & ZMQ_POLLIN))
        s_want_idle(s, ZMQ_POLLIN);
}

int crm_zsock_send(crm_zsock_t *sock, const void *const *data, const size_t *len, size_t n)
{
    if (!sock->zs || n == 0) {
        errno = sock->zs ? EINVAL : ENOTSOCK;
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
        if (zmq_send(sock->zs, data[i], len[i], flags) < 0) {
            /* Only the first frame can meet a full or absent peer; later
             * ones of the same message are always taken. */
            rc = -1;
            break;
        }
    }
    int err = errno;
    s_after_send(sock);
    errno = err;
    return rc;
}

int crm_zsock_send_msgs(crm_zsock_t *sock, zmq_msg_t *msgs, size_t n)
{
    int rc = 0;
    size_t i = 0;
    if (!sock->zs || n == 0) {
        errno = sock->zs ? EINVAL : ENOTSOCK;
        rc = -1;
    }
    for (; rc == 0 && i < n; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
        if (zmq_msg_send(&msgs[i], sock->zs, flags) < 0) {
            rc = -1;
            break;
        }
    }
    int err = errno;
    for (; i < n; i++)
        zmq_msg_close(&msgs[i]); /* the unsent ones: we own them */
    if (sock->zs)
        s_after_send(sock);
    errno = err;
    return rc;
}

static void s_closed(uv_handle_t *h)
{
    crm_zsock_t *s = h->data;
    s->open_handles--;
    s_maybe_free(s);
}

void crm_zsock_destroy(crm_zsock_t **sock_p)
{
    crm_zsock_t *s = sock_p ? *sock_p : NULL;
    if (!s)
        return;
    *sock_p = NULL;
    assert(!s->destroying);
    s->destroying = 1;
    /* Stop watching the fd before ZeroMQ closes it. */
    uv_close((uv_handle_t *)&s->poll, s_closed);
    uv_close((uv_handle_t *)&s->prepare, s_closed);
    uv_close((uv_handle_t *)&s->check, s_closed);
    uv_close((uv_handle_t *)&s->idle, s_closed);
    zmq_close(s->zs);
    s->zs = NULL;
}
