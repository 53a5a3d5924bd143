/* curve.h: the suite's ZeroMQ sockets authenticated and encrypted with
 * CurveZMQ, and only the suite's own keys let in.
 *
 * CRM_CURVE_DIR names a folder of key files, made by `crmctl keys DIR NAME...`
 * (deploy/local/up.sh makes them under .data/keys):
 *   server.key, server.pub  the key pair every service's server sockets use
 *                           (RPC ROUTERs and event PUBs): clients know it;
 *   <name>.key, <name>.pub  each process's own pair as a client: "leads",
 *                           "gateway", "crmctl", an integrator's "erp", ...
 * A .key file holds the secret key and is readable by its owner only; a
 * .pub file the public key; both in Z85 (40 characters).
 *
 * With CRM_CURVE_DIR set, crm_zsock_new makes ROUTER and PUB sockets CURVE
 * servers and DEALER and SUB sockets CURVE clients of server.pub, with the
 * process's own pair (CRM_CURVE_NAME, default the program's name without
 * its "crm-" prefix); and every process that serves runs a ZAP handler
 * (crm_zap_start) that accepts a client only if its public key is one of
 * the folder's .pub files: a client without a known key gets no reply and
 * no event. Adding an integrator is adding its .pub file (the handler
 * looks at the folder again when it meets an unknown key, at most once a
 * second). Without CRM_CURVE_DIR the sockets are plain: anyone who reaches
 * a port is trusted, so run that way only on a closed network. */
#ifndef CRM_CURVE_H
#define CRM_CURVE_H

#include <uv.h>

/* Is CurveZMQ on (CRM_CURVE_DIR set and its keys loaded)? The first call
 * loads the keys; a folder without the process's keys stops the process
 * with a log line (exit 2), as any bad configuration does. */
int crm_curve_enabled(void);

/* CRM_CURVE_DIR when CurveZMQ is on, else NULL. */
const char *crm_curve_dir(void);

/* Reads the Z85 key in the file path into out. Returns 0, or -1. */
int crm_curve_read_key(const char *path, char out[41]);

/* Makes raw (a socket of type, not yet bound or connected) a CURVE server
 * or client as its type says. Nothing when CurveZMQ is off. Returns 0, or
 * -1 (logged) if an option is refused. */
int crm_curve_setup(void *raw, int type);

/* The ZAP handler of a context, on loop (zap.c). NULL when CurveZMQ is
 * off. */
typedef struct crm_zap crm_zap_t;
crm_zap_t *crm_zap_start(uv_loop_t *loop, void *zctx);
void crm_zap_destroy(crm_zap_t **zap_p);

/* Writes name's key pair into dir (name.key, mode 0600, and name.pub)
 * unless both exist. Returns 0, or -1 with the reason logged. */
int crm_curve_keygen(const char *dir, const char *name);

#endif
