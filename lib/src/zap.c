/* zap.c: the ZAP handler (RFC 27) of a process that serves: a CurveZMQ
 * client is let in only if its public key is one of the .pub files of
 * CRM_CURVE_DIR (see curve.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crm/curve.h"
#include "crm/log.h"
#include "crm/util.h"
#include "crm/zsock.h"

#define KEY_Z85 40
#define KEY_BYTES 32
#define RESCAN_MS 1000 /* the folder is read again at most this often */

struct crm_zap {
    crm_zsock_t *rep;
    uint8_t (*allowed)[KEY_BYTES];
    size_t nallowed;
    uint64_t scanned_ms;
};

/* Reads every .pub of the folder into the allow list. */
static void s_scan(crm_zap_t *z)
{
    z->scanned_ms = crm_mono_ms();
    z->nallowed = 0;
    DIR *d = opendir(crm_curve_dir());
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".pub") != 0 || !strcmp(e->d_name, "server.pub"))
            continue;
        char z85[KEY_Z85 + 1];
        char *path = crm_sprintf("%s/%s", crm_curve_dir(), e->d_name);
        int ok = crm_curve_read_key(path, z85) == 0;
        free(path);
        if (!ok)
            continue;
        z->allowed = crm_realloc(z->allowed, (z->nallowed + 1) * sizeof *z->allowed);
        zmq_z85_decode(z->allowed[z->nallowed++], z85);
    }
    if (d)
        closedir(d);
}

/* The folder is read again before a handshake when a second has passed
 * since the last read, whoever knocks: a key added since is let in, and a
 * key removed since is refused (connections it already opened stay until
 * they break). */
static int s_allowed(crm_zap_t *z, const uint8_t *key)
{
    if (crm_mono_ms() - z->scanned_ms >= RESCAN_MS)
        s_scan(z);
    for (size_t i = 0; i < z->nallowed; i++)
        if (!memcmp(z->allowed[i], key, KEY_BYTES))
            return 1;
    return 0;
}

static void s_zap_request(crm_zsock_t *sock, crm_zmsg_t *msg, void *arg)
{
    crm_zap_t *z = arg;
    /* version, request id, domain, address, identity, mechanism, key. A REP
     * socket must answer every request, a malformed one too. */
    if (msg->nparts < 6) {
        const void *data[] = {"1.0", msg->nparts > 1 ? zmq_msg_data(&msg->parts[1]) : "",
                              "500", "malformed ZAP request",
                              "",    ""};
        size_t lens[] = {3, msg->nparts > 1 ? zmq_msg_size(&msg->parts[1]) : 0, 3, 21, 0, 0};
        crm_zsock_send(sock, data, lens, 6);
        return;
    }
    const char *mech = zmq_msg_data(&msg->parts[5]);
    size_t mlen = zmq_msg_size(&msg->parts[5]);
    int curve = mlen == 5 && !memcmp(mech, "CURVE", 5);
    int ok = curve && msg->nparts >= 7 && zmq_msg_size(&msg->parts[6]) == KEY_BYTES &&
             s_allowed(z, zmq_msg_data(&msg->parts[6]));
    if (!ok) {
        char addr[64];
        size_t alen = zmq_msg_size(&msg->parts[3]);
        snprintf(addr, sizeof addr, "%.*s", (int)(alen < 63 ? alen : 63),
                 (const char *)zmq_msg_data(&msg->parts[3]));
        crm_log(CRM_WARN, "a client with an unknown key was refused", "address", addr, NULL);
    }
    const void *data[] = {
        "1.0", zmq_msg_data(&msg->parts[1]), ok ? "200" : "400", ok ? "OK" : "unknown key", "", ""};
    size_t lens[] = {3, zmq_msg_size(&msg->parts[1]), 3, ok ? 2 : 11, 0, 0};
    crm_zsock_send(sock, data, lens, 6);
}

crm_zap_t *crm_zap_start(uv_loop_t *loop, void *zctx)
{
    if (!crm_curve_enabled())
        return NULL;
    crm_zap_t *z = crm_calloc(1, sizeof *z);
    z->rep = crm_zsock_new(loop, zctx, ZMQ_REP);
    if (!z->rep || zmq_bind(crm_zsock_raw(z->rep), "inproc://zeromq.zap.01") != 0) {
        crm_log(CRM_ERROR, "cannot start the ZAP handler", "error", zmq_strerror(errno), NULL);
        exit(1);
    }
    s_scan(z);
    crm_zsock_start(z->rep, s_zap_request, z);
    crm_log(CRM_INFO, "CurveZMQ on", "keys", crm_curve_dir(), NULL);
    return z;
}

void crm_zap_destroy(crm_zap_t **zap_p)
{
    crm_zap_t *z = zap_p ? *zap_p : NULL;
    if (!z)
        return;
    *zap_p = NULL;
    crm_zsock_destroy(&z->rep);
    free(z->allowed);
    free(z);
}
