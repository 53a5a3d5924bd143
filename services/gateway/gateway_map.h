/* gateway_map.h: a string-keyed hash map for the gateway's in-process
 * caches (resolved tokens, rate-limit buckets). Values are owned by the
 * map and freed with the free_value given at creation. */
#ifndef GATEWAY_MAP_H
#define GATEWAY_MAP_H

#include <stddef.h>

typedef struct gw_map gw_map_t;

/* Caller owns the map (gw_map_destroy). */
gw_map_t *gw_map_new(void (*free_value)(void *));
void *gw_map_get(gw_map_t *m, const char *key);
/* Stores value under key (replacing and freeing an old one). */
void gw_map_put(gw_map_t *m, const char *key, void *value);
void gw_map_del(gw_map_t *m, const char *key);
size_t gw_map_size(const gw_map_t *m);
void gw_map_clear(gw_map_t *m);
/* Frees m and its values; safe on NULL; sets *m_p to NULL. */
void gw_map_destroy(gw_map_t **m_p);

#endif
