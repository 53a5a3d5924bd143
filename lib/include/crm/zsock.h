/* zsock.h: a ZeroMQ socket driven by a libuv loop.
 *
 * ZMQ_FD is edge-triggered and only says "look at ZMQ_EVENTS": a uv_poll
 * wakes us, and after every receive and every send ZMQ_EVENTS is read again.
 * Messages are dispatched in bounded batches so one busy socket cannot starve
 * the loop; while messages remain, an idle handle keeps the loop from
 * blocking. */
#ifndef CRM_ZSOCK_H
#define CRM_ZSOCK_H

#include <stddef.h>
#include <uv.h>
#include <zmq.h>

typedef struct crm_zsock crm_zsock_t;

#define CRM_ZSOCK_MAX_PARTS 8

/* One received multipart message. parts[i] are valid during the callback
 * only; a message with more than CRM_ZSOCK_MAX_PARTS parts is dropped. */
typedef struct {
    zmq_msg_t parts[CRM_ZSOCK_MAX_PARTS];
    size_t nparts;
} crm_zmsg_t;

typedef void (*crm_zsock_recv_cb)(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg);

/* Creates a socket of type (ZMQ_ROUTER, ZMQ_DEALER, ZMQ_PUB, ZMQ_SUB, ...)
 * on loop, with linger 0. Returns NULL (and logs) on failure. */
crm_zsock_t *crm_zsock_new(uv_loop_t *loop, void *zctx, int type);

/* The raw ZeroMQ socket, for setsockopt, bind and connect. */
void *crm_zsock_raw(crm_zsock_t *sock);

/* Starts delivering received messages to cb. Returns 0 or a negative errno. */
int crm_zsock_start(crm_zsock_t *sock, crm_zsock_recv_cb cb, void *arg);

/* Sends n frames without blocking. Returns 0, or -1 with errno (EAGAIN when
 * no peer can take it now). */
int crm_zsock_send(crm_zsock_t *sock, const void *const *data, const size_t *len, size_t n);

/* Sends frames given as zmq_msg_t (moved: each is closed/transferred). */
int crm_zsock_send_msgs(crm_zsock_t *sock, zmq_msg_t *msgs, size_t n);

/* Closes the ZeroMQ socket now and frees the handle after libuv's close
 * callbacks; safe on NULL and from inside the socket's own callback.
 * Sets *sock_p to NULL. */
void crm_zsock_destroy(crm_zsock_t **sock_p);

#endif
