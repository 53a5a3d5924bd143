/* crmctl_events.c: `crmctl events` (see crmctl.h): follows services' event
 * streams and prints one JSON line per event until a signal or --count. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crm/curve.h"
#include "crmctl.h"

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    s_stop = 1;
}

/* Receives one whole multipart message into parts (at most max; the rest
 * is drained). Returns the number of parts, 0 if none is waiting, -1 on an
 * error. */
static int s_recv_parts(void *sock, zmq_msg_t *parts, int max)
{
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&m);
            if (n == 0 && errno == EAGAIN)
                return 0;
            for (int i = 0; i < n && i < max; i++)
                zmq_msg_close(&parts[i]);
            return -1;
        }
        more = zmq_msg_more(&m);
        if (n < max)
            parts[n] = m;
        else
            zmq_msg_close(&m);
        n++;
    }
    return n;
}

int ctl_events(int argc, char **argv)
{
    const char *services = NULL, *endpoint = NULL, *v;
    const char **topics = crm_calloc((size_t)argc + 1, sizeof *topics);
    size_t ntopics = 0;
    int64_t count = 0;
    int heartbeats = 0, missing = 0, rc = EXIT_OK;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (services) {
                free(topics);
                return ctl_bad_usage("events: unexpected argument '%s'", a);
            }
            services = a;
        } else if ((v = ctl_opt(argc, argv, &i, "--endpoint", &missing))) {
            endpoint = v;
        } else if ((v = ctl_opt(argc, argv, &i, "--topic", &missing))) {
            topics[ntopics++] = v;
        } else if ((v = ctl_opt(argc, argv, &i, "--count", &missing))) {
            if (ctl_parse_count(v, 1, INT64_MAX, &count) < 0) {
                free(topics);
                return ctl_bad_usage("events: --count wants a positive number, not '%s'", v);
            }
        } else if (strcmp(a, "--heartbeats") == 0) {
            heartbeats = 1;
        } else {
            free(topics);
            if (missing)
                return ctl_bad_usage("events: %s wants a value", a);
            return ctl_bad_usage("events: unknown option '%s'", a);
        }
        if (missing) {
            free(topics);
            return ctl_bad_usage("events: %s wants a value", a);
        }
    }
    if (!services) {
        free(topics);
        return ctl_bad_usage("events: wants one or more services");
    }

    /* Endpoints: --endpoint, or every service's CRM_<SERVICE>_PUB. */
    char **svc, **eps = NULL;
    size_t nsvc = crm_split_csv(services, &svc), neps = 0;
    for (size_t i = 0; i < nsvc && rc == EXIT_OK; i++) {
        if (!ctl_known_service(svc[i])) {
            rc = ctl_bad_usage("events: unknown service '%s'", svc[i]);
            break;
        }
        if (endpoint)
            continue;
        char *env = ctl_env_name(svc[i], "PUB");
        const char *list = getenv(env);
        if (!list || !*list) {
            rc = ctl_bad_usage("events: no endpoint: set %s or give --endpoint", env);
        } else {
            char **one;
            size_t n = crm_split_csv(list, &one);
            eps = crm_realloc(eps, (neps + n) * sizeof *eps);
            memcpy(eps + neps, one, n * sizeof *one);
            neps += n;
            free(one);
        }
        free(env);
    }
    crm_strv_free(svc, nsvc);
    if (rc == EXIT_OK && nsvc == 0)
        rc = ctl_bad_usage("events: wants one or more services");
    if (rc == EXIT_OK && endpoint)
        neps = crm_split_csv(endpoint, &eps);
    if (rc == EXIT_OK && neps == 0)
        rc = ctl_bad_usage("events: no endpoint");
    if (rc != EXIT_OK) {
        crm_strv_free(eps, neps);
        free(topics);
        return rc;
    }

    void *zctx = zmq_ctx_new();
    void *sub = zmq_socket(zctx, ZMQ_SUB);
    int zero = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    if (crm_curve_setup(sub, ZMQ_SUB) != 0)
        rc = EXIT_USAGE;
    for (size_t i = 0; rc == EXIT_OK && i < neps; i++)
        if (zmq_connect(sub, eps[i]) != 0) {
            rc = ctl_bad_usage("events: cannot connect to '%s': %s", eps[i], zmq_strerror(errno));
            break;
        }
    if (ntopics == 0)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    for (size_t i = 0; i < ntopics; i++)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topics[i], strlen(topics[i]));
    if (ntopics && heartbeats)
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "_heartbeat", 10);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: zmq_poll returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int64_t printed = 0;
    while (rc == EXIT_OK && !s_stop && (count == 0 || printed < count)) {
        zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
        int n = zmq_poll(&item, 1, 1000);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "crmctl: zmq_poll: %s\n", zmq_strerror(errno));
            rc = EXIT_FAILED;
            break;
        }
        /* Every waiting message, each a whole multipart. */
        while (!s_stop && (count == 0 || printed < count)) {
            zmq_msg_t parts[2];
            int np = s_recv_parts(sub, parts, 2);
            if (np <= 0) {
                if (np < 0 && errno != EINTR && errno != EAGAIN) {
                    fprintf(stderr, "crmctl: receive: %s\n", zmq_strerror(errno));
                    rc = EXIT_FAILED;
                }
                break;
            }
            int bad = np != 2;
            json_t *o = NULL;
            if (np == 2)
                o = ctl_event_json(zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]),
                                   zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), heartbeats,
                                   &bad);
            if (bad)
                fprintf(stderr, "crmctl: skipped a message that is not [topic][event]\n");
            for (int i = 0; i < np && i < 2; i++)
                zmq_msg_close(&parts[i]);
            if (o) {
                ctl_print(o);
                printed++;
            }
        }
    }

    zmq_close(sub);
    zmq_ctx_term(zctx);
    crm_strv_free(eps, neps);
    free(topics);
    return rc;
}
