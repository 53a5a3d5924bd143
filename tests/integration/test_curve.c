/* test_curve.c: with CRM_CURVE_DIR the suite's sockets let in only the
 * suite's keys. Services and this test hold keys of the folder: calls are
 * answered and events flow (a conversion makes its customer). A client with
 * a key the folder does not have, and a client without CurveZMQ, get
 * nothing: no reply to a call, no event and no heartbeat from a PUB, while
 * a subscriber with a known key hears the heartbeat. The service says in
 * its log that it refused a client. A key removed from the folder is
 * refused at the next handshake, a second later at most. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "crm/curve.h"
#include "crm/util.h"
#include "rpc.pb-c.h"
#include "suite.h"

/* A raw socket of type, connected to the first endpoint of eps: with keys
 * of its own that the suite does not know (stranger), with the test's known
 * keys (known), or plain. */
enum { PLAIN, STRANGER, KNOWN };

static void *s_socket(void *zctx, int type, const char *eps, int who, const char *keys)
{
    void *s = zmq_socket(zctx, type);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    if (who == KNOWN) {
        H_CHECK(crm_curve_setup(s, type) == 0, "curve setup");
    } else if (who == STRANGER) {
        char pub[41], sec[41], server[41];
        H_CHECK(zmq_curve_keypair(pub, sec) == 0, "keypair");
        char *path = crm_sprintf("%s/server.pub", keys);
        H_CHECK(crm_curve_read_key(path, server) == 0, "server key");
        free(path);
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
    }
    char ep[128];
    snprintf(ep, sizeof ep, "%s", eps);
    char *comma = strchr(ep, ',');
    if (comma)
        *comma = '\0';
    H_CHECK(zmq_connect(s, ep) == 0, "connect %s", ep);
    if (type == ZMQ_SUB)
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    return s;
}

/* A client's pair, and the servers' public key, as Z85 text. */
typedef struct {
    char pub[41], sec[41], server[41];
} pair_t;

static pair_t s_pair(const char *keys, const char *name)
{
    pair_t p;
    char *paths[] = {crm_sprintf("%s/%s.pub", keys, name), crm_sprintf("%s/%s.key", keys, name),
                     crm_sprintf("%s/server.pub", keys)};
    H_CHECK(crm_curve_read_key(paths[0], p.pub) == 0 && crm_curve_read_key(paths[1], p.sec) == 0 &&
                crm_curve_read_key(paths[2], p.server) == 0,
            "the keys of %s", name);
    for (int i = 0; i < 3; i++)
        free(paths[i]);
    return p;
}

/* A DEALER with the pair, connected to the first endpoint of eps. */
static void *s_dealer_as(void *zctx, const char *eps, const pair_t *p)
{
    void *s = zmq_socket(zctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, p->server, 40);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, p->pub, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, p->sec, 40);
    char ep[128];
    snprintf(ep, sizeof ep, "%s", eps);
    char *comma = strchr(ep, ',');
    if (comma)
        *comma = '\0';
    H_CHECK(zmq_connect(s, ep) == 0, "connect %s", ep);
    return s;
}

/* Does anything arrive on s within ms? */
static int s_hears(void *s, int ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    return zmq_poll(&it, 1, ms) == 1;
}

/* Sends System.Ping on a raw DEALER; 1 if a reply comes within ms. */
static int s_pinged(void *dealer, int ms)
{
    Crm__Request req = CRM__REQUEST__INIT;
    req.method = "System.Ping";
    req.request_id = 7;
    uint8_t buf[256];
    size_t len = crm__request__pack(&req, buf);
    zmq_send(dealer, buf, len, ZMQ_DONTWAIT);
    return s_hears(dealer, ms);
}

int main(void)
{
    h_t *h = h_new("curve");
    char *keys = crm_sprintf("%s/keys", h_dir(h));
    /* crmctl keys: bad usage is refused (exit 2); the pairs are made, the
     * secret readable by its owner only. */
    char *cmd = crm_sprintf("%s keys >/dev/null 2>&1", h_bin("tools/crmctl"));
    H_CHECK(WEXITSTATUS(system(cmd)) == 2, "crmctl keys without a folder and names");
    free(cmd);
    cmd = crm_sprintf("%s keys /proc/no/such/folder x >/dev/null 2>&1", h_bin("tools/crmctl"));
    H_CHECK(WEXITSTATUS(system(cmd)) == 2, "crmctl keys into a folder it cannot make");
    free(cmd);
    cmd = crm_sprintf("%s keys %s server leads >/dev/null 2>&1", h_bin("tools/crmctl"), keys);
    H_CHECK(WEXITSTATUS(system(cmd)) == 0, "crmctl keys");
    free(cmd);
    struct stat st;
    char *secret = crm_sprintf("%s/leads.key", keys);
    H_CHECK(stat(secret, &st) == 0 && (st.st_mode & 0777) == 0600, "leads.key is 0600");
    free(secret);
    const char *names[] = {"customers", "scheduler", "tester", "departing"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        H_CHECK(crm_curve_keygen(keys, names[i]) == 0, "keygen %s", names[i]);
    /* This process is "tester"; the services are named after themselves. */
    setenv("CRM_CURVE_DIR", keys, 1);
    setenv("CRM_CURVE_NAME", "tester", 1);
    H_CHECK(crm_curve_enabled(), "CurveZMQ on in the test");
    char *env = crm_sprintf("CRM_CURVE_DIR=%s", keys);
    h_setenv(h, env);
    free(env);
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h); /* each start waits for a System.Ping answered over CurveZMQ */

    int64_t id = t_create_lead(h, "加密线索", NULL, 1);
    t_convert(h, id);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM customers WHERE lead_id = %lld", (long long)id);
    H_CHECK(h_wait_sql(h, "customers", sql, 1, 20000) == 1, "events flow between known keys");
    h_note("known keys: calls answered, events flow");

    void *zctx = zmq_ctx_new();
    void *known = s_socket(zctx, ZMQ_SUB, h_pub(h, "leads"), KNOWN, keys);
    H_CHECK(s_hears(known, 5000), "a subscriber with a known key hears the heartbeat");
    void *stranger_sub = s_socket(zctx, ZMQ_SUB, h_pub(h, "leads"), STRANGER, keys);
    void *plain_sub = s_socket(zctx, ZMQ_SUB, h_pub(h, "leads"), PLAIN, keys);
    void *stranger = s_socket(zctx, ZMQ_DEALER, h_rpc(h, "leads"), STRANGER, keys);
    void *plain = s_socket(zctx, ZMQ_DEALER, h_rpc(h, "leads"), PLAIN, keys);
    t_create_lead(h, "陌生人看不到", NULL, 1); /* an event while they listen */
    H_CHECK(!s_pinged(stranger, 2500), "a client with an unknown key got a reply");
    H_CHECK(!s_pinged(plain, 500), "a client without CurveZMQ got a reply");
    H_CHECK(!s_hears(stranger_sub, 500) && !s_hears(plain_sub, 100),
            "a subscriber without a known key heard the bus");
    H_CHECK(h_log_count(h, "leads", 0, "a client with an unknown key was refused", NULL) > 0,
            "the service says it refused a client");
    h_note("unknown keys and plain clients: no reply, no event");

    /* An integrator's key removed from the folder: let in before, refused
     * at its next handshake (the handler reads the folder again, at most a
     * second later, whoever knocks). */
    pair_t pair = s_pair(keys, "departing");
    void *before = s_dealer_as(zctx, h_rpc(h, "leads"), &pair);
    H_CHECK(s_pinged(before, 5000), "a client with a key of the folder is answered");
    char *departing = crm_sprintf("%s/departing.pub", keys);
    H_CHECK(unlink(departing) == 0, "remove departing.pub");
    free(departing);
    struct timespec second = {1, 200 * 1000000};
    nanosleep(&second, NULL);
    void *after = s_dealer_as(zctx, h_rpc(h, "leads"), &pair);
    H_CHECK(!s_pinged(after, 2500), "a key removed from the folder is still let in");
    h_note("a removed key: refused at its next handshake");

    void *socks[] = {known, stranger_sub, plain_sub, stranger, plain, before, after};
    for (size_t i = 0; i < sizeof socks / sizeof socks[0]; i++)
        zmq_close(socks[i]);
    zmq_ctx_term(zctx);

    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    free(keys);
    printf("curve: ok\n");
    return 0;
}
