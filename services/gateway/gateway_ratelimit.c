/* gateway_ratelimit.c: a token bucket per key (a token's hash, or the
 * client's address before sign-in): rps tokens a second, at most burst.
 * Buckets live in memory; when there are too many, full ones are the same
 * as absent ones, so the table is simply emptied. */
#include <math.h>
#include <stdlib.h>

#include "crm/util.h"
#include "gateway_map.h"
#include "gateway_ratelimit.h"

#define MAX_BUCKETS 100000

typedef struct {
    double tokens;
    uint64_t at_ms;
} s_bucket_t;

struct gw_ratelimit {
    double rps, burst;
    gw_map_t *buckets;
};

gw_ratelimit_t *gw_ratelimit_new(double rps, double burst)
{
    gw_ratelimit_t *rl = crm_calloc(1, sizeof *rl);
    rl->rps = rps;
    rl->burst = burst < 1 ? 1 : burst;
    rl->buckets = gw_map_new(free);
    return rl;
}

int gw_ratelimit_take(gw_ratelimit_t *rl, const char *key, uint64_t now_ms, unsigned *retry_after_s)
{
    if (rl->rps <= 0)
        return 1;
    s_bucket_t *b = gw_map_get(rl->buckets, key);
    if (!b) {
        if (gw_map_size(rl->buckets) >= MAX_BUCKETS)
            gw_map_clear(rl->buckets);
        b = crm_malloc(sizeof *b);
        b->tokens = rl->burst;
        b->at_ms = now_ms;
        gw_map_put(rl->buckets, key, b);
    }
    b->tokens += (double)(now_ms - b->at_ms) * rl->rps / 1000.0;
    if (b->tokens > rl->burst)
        b->tokens = rl->burst;
    b->at_ms = now_ms;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 1;
    }
    *retry_after_s = (unsigned)ceil((1 - b->tokens) / rl->rps);
    if (*retry_after_s == 0)
        *retry_after_s = 1;
    return 0;
}

void gw_ratelimit_destroy(gw_ratelimit_t **rl_p)
{
    if (!rl_p || !*rl_p)
        return;
    gw_map_destroy(&(*rl_p)->buckets);
    free(*rl_p);
    *rl_p = NULL;
}
