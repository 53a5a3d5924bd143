/* gateway_map.c: a string-keyed hash map (chaining, doubling), for the
 * gateway's in-process caches: resolved tokens and rate-limit buckets. */
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "gateway_map.h"

typedef struct s_entry {
    struct s_entry *next;
    uint64_t hash;
    void *value;
    char key[]; /* NUL-terminated */
} s_entry_t;

struct gw_map {
    s_entry_t **buckets;
    size_t nbuckets; /* a power of two */
    size_t size;
    void (*free_value)(void *);
};

static uint64_t s_hash(const char *key)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

gw_map_t *gw_map_new(void (*free_value)(void *))
{
    gw_map_t *m = crm_calloc(1, sizeof *m);
    m->nbuckets = 64;
    m->buckets = crm_calloc(m->nbuckets, sizeof *m->buckets);
    m->free_value = free_value;
    return m;
}

static s_entry_t **s_find(gw_map_t *m, const char *key, uint64_t h)
{
    s_entry_t **e = &m->buckets[h & (m->nbuckets - 1)];
    while (*e && ((*e)->hash != h || strcmp((*e)->key, key) != 0))
        e = &(*e)->next;
    return e;
}

void *gw_map_get(gw_map_t *m, const char *key)
{
    s_entry_t **e = s_find(m, key, s_hash(key));
    return *e ? (*e)->value : NULL;
}

static void s_grow(gw_map_t *m)
{
    size_t n = m->nbuckets * 2;
    s_entry_t **b = crm_calloc(n, sizeof *b);
    for (size_t i = 0; i < m->nbuckets; i++) {
        s_entry_t *e = m->buckets[i];
        while (e) {
            s_entry_t *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

void gw_map_put(gw_map_t *m, const char *key, void *value)
{
    uint64_t h = s_hash(key);
    s_entry_t **e = s_find(m, key, h);
    if (*e) {
        if (m->free_value && (*e)->value != value)
            m->free_value((*e)->value);
        (*e)->value = value;
        return;
    }
    size_t klen = strlen(key);
    s_entry_t *n = crm_malloc(sizeof *n + klen + 1);
    memcpy(n->key, key, klen + 1);
    n->hash = h;
    n->value = value;
    n->next = NULL;
    *e = n;
    if (++m->size > m->nbuckets)
        s_grow(m);
}

void gw_map_del(gw_map_t *m, const char *key)
{
    s_entry_t **e = s_find(m, key, s_hash(key));
    if (!*e)
        return;
    s_entry_t *dead = *e;
    *e = dead->next;
    if (m->free_value)
        m->free_value(dead->value);
    free(dead);
    m->size--;
}

size_t gw_map_size(const gw_map_t *m)
{
    return m->size;
}

void gw_map_clear(gw_map_t *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        s_entry_t *e = m->buckets[i];
        while (e) {
            s_entry_t *next = e->next;
            if (m->free_value)
                m->free_value(e->value);
            free(e);
            e = next;
        }
        m->buckets[i] = NULL;
    }
    m->size = 0;
}

void gw_map_destroy(gw_map_t **m_p)
{
    if (!m_p || !*m_p)
        return;
    gw_map_clear(*m_p);
    free((*m_p)->buckets);
    free(*m_p);
    *m_p = NULL;
}
