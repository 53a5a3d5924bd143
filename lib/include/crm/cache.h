/* cache.h: Redis as a shared cache, through hiredis' async API on the loop.
 *
 * Redis is never the source of truth: every operation may miss. While Redis
 * is down, gets miss at once, sets and deletes are dropped, and the client
 * reconnects in the background with back-off; a reply slower than the
 * timeout counts as a miss. So a service keeps serving from PostgreSQL and
 * uses the cache again when it returns. */
#ifndef CRM_CACHE_H
#define CRM_CACHE_H

#include <stddef.h>
#include <uv.h>

typedef struct crm_cache crm_cache_t;

/* Connects to url ("redis://host:port"; NULL or "" gives a cache that always
 * misses). timeout_ms bounds how long a get waits. */
crm_cache_t *crm_cache_new(uv_loop_t *loop, const char *url, unsigned timeout_ms);

/* Is the connection up? */
int crm_cache_connected(const crm_cache_t *c);

/* value NULL on a miss; valid during the callback only. cb runs exactly
 * once, from the loop. */
typedef void (*crm_cache_get_cb)(void *arg, const char *value, size_t len);
void crm_cache_get(crm_cache_t *c, const char *key, crm_cache_get_cb cb, void *arg);

/* Stores value under key for ttl_s seconds; fire and forget. */
void crm_cache_set(crm_cache_t *c, const char *key, const void *value, size_t len, unsigned ttl_s);

/* Deletes key; fire and forget. */
void crm_cache_del(crm_cache_t *c, const char *key);

/* Disconnects; pending gets are answered as misses. Safe on NULL. */
void crm_cache_destroy(crm_cache_t **c_p);

#endif
