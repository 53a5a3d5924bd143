/* test_arena.c: memory from blocks freed at once (crm/arena.h): aligned,
 * distinct and writable parts, a part larger than a block, and a message
 * of many strings decoded with the arena's allocator read back whole and
 * dropped with the arena (no leak, nothing freed twice, under the
 * sanitizers). */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/arena.h"
#include "leads.pb-c.h"
#include "unit.h"

static void s_parts(void)
{
    crm_arena_t *a = crm_arena_new(256);
    char *p[100];
    for (int i = 0; i < 100; i++) {
        size_t n = (size_t)(i % 37) + 1;
        p[i] = crm_arena_alloc(a, n);
        CHECK((uintptr_t)p[i] % alignof(max_align_t) == 0);
        memset(p[i], i, n);
    }
    for (int i = 0; i < 100; i++) /* nothing overwrote anything */
        CHECK(p[i][0] == (char)i && p[i][i % 37] == (char)i);
    char *big = crm_arena_alloc(a, 10000); /* larger than a block */
    memset(big, 7, 10000);
    char *after = crm_arena_alloc(a, 8); /* still from the current block */
    memset(after, 9, 8);
    CHECK(big[9999] == 7 && after[7] == 9 && p[99][0] == 99);
    CHECK(crm_arena_alloc(a, 0) != NULL);
    CHECK(crm_arena_used(a) >= 10008);
    crm_arena_destroy(&a);
    CHECK(a == NULL);
    crm_arena_destroy(&a); /* safe on NULL */
}

/* A list of 500 leads, encoded, decoded into an arena. */
static void s_unpack(void)
{
    enum { N = 500 };
    Crm__Leads__Lead leads[N], *items[N];
    char names[N][32];
    for (int i = 0; i < N; i++) {
        crm__leads__lead__init(&leads[i]);
        snprintf(names[i], sizeof names[i], "客户 %d", i);
        leads[i].id = i + 1;
        leads[i].name = names[i];
        items[i] = &leads[i];
    }
    Crm__Leads__LeadList list = CRM__LEADS__LEAD_LIST__INIT;
    list.items = items;
    list.n_items = N;
    list.next_cursor = "next";
    size_t len = crm__leads__lead_list__get_packed_size(&list);
    uint8_t *buf = malloc(len);
    crm__leads__lead_list__pack(&list, buf);

    crm_arena_t *a = crm_arena_new(0);
    Crm__Leads__LeadList *got = crm__leads__lead_list__unpack(crm_arena_allocator(a), len, buf);
    free(buf); /* the decoded strings are the arena's, not the buffer's */
    CHECK(got && got->n_items == N && !strcmp(got->next_cursor, "next"));
    for (int i = 0; got && i < N; i++)
        CHECK(got->items[i]->id == i + 1 && !strcmp(got->items[i]->name, names[i]));
    CHECK(crm_arena_used(a) > N * sizeof(Crm__Leads__Lead));
    crm__leads__lead_list__free_unpacked(got, crm_arena_allocator(a)); /* frees nothing */
    crm_arena_destroy(&a);
}

int main(void)
{
    s_parts();
    s_unpack();
    return unit_result("test_arena");
}
