/* wh.h: webhook steps the tests share: subscribing through the service's
 * RPC, the events a producer published (the expected deliveries, from its
 * outbox), and the check that a receiver got every one of them, in order,
 * each signature verified and each body a CloudEvents 1.0 object. */
#ifndef CRM_TEST_WH_H
#define CRM_TEST_WH_H

#include <stddef.h>

#include "harness.h"
#include "receiver.h"
#include "webhooks.pb-c.h"

/* Subscribes url to the comma-separated patterns with secret (NULL: made
 * by the service); fails the test unless OK. Returns the webhook (caller
 * frees with protobuf_c_message_free_unpacked). */
Crm__Webhooks__Webhook *t_wh_create(h_t *h, const char *url, const char *patterns,
                                    const char *secret);

/* The ids of producer's published events of type, in sequence order
 * (waits until n of them are published when n > 0); caller frees with
 * crm_strv_free. */
char **t_wh_published(h_t *h, const char *producer, const char *type, size_t want, size_t *n);

/* Waits (up to timeout_ms) until every id of ids[0..n) was answered 200 at
 * path, then checks: in the order of their first 2xx the ids come in ids'
 * order and never go back (a repeat only of the last one: at least once);
 * every request at path verifies with secret and the five-minute
 * tolerance; each body is a CloudEvents 1.0 object with the header's id.
 * Returns how many 2xx answers were repeats. */
size_t t_wh_expect(t_rcv_t *r, const char *path, const char *secret, char **ids, size_t n,
                   int timeout_ms);

#endif
