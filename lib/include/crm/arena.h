/* arena.h: memory handed out from large blocks and given back all at once.
 * Its protobuf-c allocator decodes a message whose parts all go together
 * (an export's page of thousands of records, each string a part): one free
 * of a few blocks instead of a free per string.
 *
 *     crm_arena_t *mem = crm_arena_new(0);
 *     ProtobufCMessage *page = protobuf_c_message_unpack(d, crm_arena_allocator(mem), len, buf);
 *     ... read page ...
 *     crm_arena_destroy(&mem);   // page and all its parts; no free_unpacked */
#ifndef CRM_ARENA_H
#define CRM_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct crm_arena crm_arena_t;

/* A new arena taking blocks of block bytes (0: 64 KiB) as it needs them.
 * Caller owns it (crm_arena_destroy). */
crm_arena_t *crm_arena_new(size_t block);

/* Frees every block, so all that a handed out; safe on NULL; sets *a_p to
 * NULL. */
void crm_arena_destroy(crm_arena_t **a_p);

/* n bytes aligned for any type (max_align_t), valid until the arena goes;
 * a request larger than a block gets a block of its own. Aborts when memory
 * runs out, as crm_malloc does. */
void *crm_arena_alloc(crm_arena_t *a, size_t n);

/* A protobuf-c allocator drawing from a: its free does nothing (the arena
 * frees all at once), so protobuf_c_message_free_unpacked need not be
 * called. Valid while a lives. */
ProtobufCAllocator *crm_arena_allocator(crm_arena_t *a);

/* Bytes handed out so far (for tests and reports). */
size_t crm_arena_used(const crm_arena_t *a);

#endif
