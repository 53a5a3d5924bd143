/* arena.c: memory from large blocks, freed all at once (see crm/arena.h).
 * Blocks are chained, the newest first; a request bumps the newest block's
 * offset, or takes a new block (its own when larger than a block). */
#include "crm/arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

#include "crm/util.h"

#define DEFAULT_BLOCK (64 * 1024)
#define ALIGN alignof(max_align_t)

typedef struct block {
    struct block *prev;
    size_t size, used;
    alignas(max_align_t) char data[];
} block_t;

struct crm_arena {
    ProtobufCAllocator pb; /* handed to protobuf-c: allocator_data is the arena */
    block_t *top;
    size_t block;
    size_t used;
};

static void *s_pb_alloc(void *data, size_t n)
{
    return crm_arena_alloc(data, n);
}

static void s_pb_free(void *data, void *p)
{
    (void)data;
    (void)p; /* the arena frees everything at once */
}

crm_arena_t *crm_arena_new(size_t block)
{
    crm_arena_t *a = crm_calloc(1, sizeof *a);
    a->block = block ? block : DEFAULT_BLOCK;
    a->pb = (ProtobufCAllocator){.alloc = s_pb_alloc, .free = s_pb_free, .allocator_data = a};
    return a;
}

void crm_arena_destroy(crm_arena_t **a_p)
{
    crm_arena_t *a = a_p ? *a_p : NULL;
    if (!a)
        return;
    for (block_t *b = a->top, *prev; b; b = prev) {
        prev = b->prev;
        free(b);
    }
    free(a);
    *a_p = NULL;
}

void *crm_arena_alloc(crm_arena_t *a, size_t n)
{
    size_t need = (n + ALIGN - 1) / ALIGN * ALIGN;
    if (need == 0)
        need = ALIGN;
    block_t *b = a->top;
    if (!b || b->size - b->used < need) {
        size_t size = need > a->block ? need : a->block;
        block_t *nb = crm_malloc(sizeof *nb + size);
        nb->size = size;
        nb->used = 0;
        if (need > a->block && b) { /* a block of its own, behind the current one */
            nb->prev = b->prev;
            b->prev = nb;
        } else {
            nb->prev = b;
            a->top = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += n;
    return p;
}

ProtobufCAllocator *crm_arena_allocator(crm_arena_t *a)
{
    return &a->pb;
}

size_t crm_arena_used(const crm_arena_t *a)
{
    return a->used;
}
