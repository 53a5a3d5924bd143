/* curve.c: CurveZMQ on the suite's sockets, with keys from a folder (see
 * curve.h). The ZAP handler that lets in only the folder's keys is zap.c. */
#include "crm/curve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/log.h"
#include "crm/util.h"

#define KEY_Z85 40   /* a key in Z85 */
#define KEY_BYTES 32 /* a key in binary */

/* ---- keys ---------------------------------------------------------------- */

typedef struct {
    int loaded, on;
    int server_read; /* server_secret read (once, by the first server socket) */
    char *dir;
    char server_secret[KEY_Z85 + 1];
    char server_public[KEY_Z85 + 1];
    char public_key[KEY_Z85 + 1], secret_key[KEY_Z85 + 1];
} s_keys_t;

static s_keys_t s_keys;

int crm_curve_read_key(const char *path, char out[41])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[128];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    uint8_t bin[KEY_BYTES];
    if (n != KEY_Z85 || !zmq_z85_decode(bin, buf))
        return -1;
    memcpy(out, buf, KEY_Z85 + 1);
    return 0;
}

/* The process's name for its key files. */
static const char *s_name(void)
{
    const char *name = getenv("CRM_CURVE_NAME");
    if (name && *name)
        return name;
    name = program_invocation_short_name;
    return !strncmp(name, "crm-", 4) ? name + 4 : name;
}

static void s_fail_config(const char *what, const char *path)
{
    crm_log(CRM_ERROR, "CRM_CURVE_DIR: a key is missing or unreadable", "key", what, "path", path,
            NULL);
    exit(2);
}

static void s_load(void)
{
    s_keys.loaded = 1;
    const char *dir = getenv("CRM_CURVE_DIR");
    if (!dir || !*dir)
        return;
    s_keys.dir = crm_strdup(dir);
    char *path = crm_sprintf("%s/server.pub", dir);
    if (crm_curve_read_key(path, s_keys.server_public) < 0)
        s_fail_config("server.pub", path);
    free(path);
    const char *name = s_name();
    path = crm_sprintf("%s/%s.pub", dir, name);
    if (crm_curve_read_key(path, s_keys.public_key) < 0)
        s_fail_config("the process's public key", path);
    free(path);
    path = crm_sprintf("%s/%s.key", dir, name);
    if (crm_curve_read_key(path, s_keys.secret_key) < 0)
        s_fail_config("the process's secret key", path);
    free(path);
    s_keys.on = 1;
}

const char *crm_curve_dir(void)
{
    return crm_curve_enabled() ? s_keys.dir : NULL;
}

int crm_curve_enabled(void)
{
    if (!s_keys.loaded)
        s_load();
    return s_keys.on;
}

int crm_curve_setup(void *raw, int type)
{
    if (!crm_curve_enabled())
        return 0;
    int rc = 0;
    if (type == ZMQ_ROUTER || type == ZMQ_PUB) {
        /* Only a process that serves reads the server's secret (an
         * integrator's folder need not hold it). */
        if (!s_keys.server_read) {
            char *path = crm_sprintf("%s/server.key", s_keys.dir);
            int bad = crm_curve_read_key(path, s_keys.server_secret) < 0;
            if (bad)
                crm_log(CRM_ERROR, "this process serves but cannot read the server's secret key",
                        "path", path, NULL);
            free(path);
            if (bad)
                return -1;
            s_keys.server_read = 1;
        }
        int one = 1;
        rc |= zmq_setsockopt(raw, ZMQ_CURVE_SERVER, &one, sizeof one);
        rc |= zmq_setsockopt(raw, ZMQ_CURVE_SECRETKEY, s_keys.server_secret, KEY_Z85);
        rc |= zmq_setsockopt(raw, ZMQ_ZAP_DOMAIN, "crm", 3);
    } else if (type == ZMQ_DEALER || type == ZMQ_SUB) {
        rc |= zmq_setsockopt(raw, ZMQ_CURVE_SERVERKEY, s_keys.server_public, KEY_Z85);
        rc |= zmq_setsockopt(raw, ZMQ_CURVE_PUBLICKEY, s_keys.public_key, KEY_Z85);
        rc |= zmq_setsockopt(raw, ZMQ_CURVE_SECRETKEY, s_keys.secret_key, KEY_Z85);
    }
    if (rc != 0) {
        crm_log(CRM_ERROR, "cannot set up CurveZMQ on a socket", "error", zmq_strerror(errno),
                NULL);
        return -1;
    }
    return 0;
}

int crm_curve_keygen(const char *dir, const char *name)
{
    char *pub = crm_sprintf("%s/%s.pub", dir, name), *key = crm_sprintf("%s/%s.key", dir, name);
    int rc = 0;
    if (access(pub, F_OK) != 0 || access(key, F_OK) != 0) {
        char public_key[KEY_Z85 + 1], secret_key[KEY_Z85 + 1];
        int fd = -1;
        FILE *f = NULL;
        if (zmq_curve_keypair(public_key, secret_key) != 0 ||
            (fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
            write(fd, secret_key, KEY_Z85) != KEY_Z85 || write(fd, "\n", 1) != 1 ||
            !(f = fopen(pub, "w")) || fprintf(f, "%s\n", public_key) < 0) {
            crm_log(CRM_ERROR, "cannot write a key pair", "name", name, "dir", dir, "error",
                    strerror(errno), NULL);
            rc = -1;
        }
        if (fd >= 0)
            close(fd);
        if (f && fclose(f) != 0)
            rc = -1;
    }
    free(pub);
    free(key);
    return rc;
}
