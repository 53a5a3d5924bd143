/* gateway_ratelimit.h: token buckets per key (see gateway_ratelimit.c). */
#ifndef GATEWAY_RATELIMIT_H
#define GATEWAY_RATELIMIT_H

#include <stdint.h>

typedef struct gw_ratelimit gw_ratelimit_t;

/* Caller owns it (gw_ratelimit_destroy). */
gw_ratelimit_t *gw_ratelimit_new(double rps, double burst);
/* Takes one token for key at now_ms. Returns 1 if allowed; else 0 and the
 * seconds until one is available in *retry_after_s. */
int gw_ratelimit_take(gw_ratelimit_t *rl, const char *key, uint64_t now_ms,
                      unsigned *retry_after_s);
/* Safe on NULL; sets *rl_p to NULL. */
void gw_ratelimit_destroy(gw_ratelimit_t **rl_p);

#endif
