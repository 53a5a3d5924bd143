/* test_outbox_many.c: crm_outbox_add_many writes the same rows as the same
 * number of crm_outbox_add calls (type, aggregate id, payload bytes, a
 * distinct event id each, in order), in one statement; nothing for none;
 * and a batch that fails after it leaves none of its rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.pb-c.h"
#include "crm/migrate.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "harness.h"

static uv_loop_t s_loop;

typedef struct {
    int done, err;
} s_res_t;

static void s_on_res(void *arg, const crm_db_result_t *r)
{
    s_res_t *o = arg;
    o->done = 1;
    o->err = r->err;
}

static void s_tick(uv_timer_t *t) {}

/* Submits b and runs the loop until its callback; returns err. */
static int s_submit(crm_db_t *db, crm_db_batch_t **b)
{
    s_res_t o = {0};
    crm_db_submit(db, b, s_on_res, &o);
    uv_timer_t tick;
    uv_timer_init(&s_loop, &tick);
    uv_timer_start(&tick, s_tick, 5, 5);
    uint64_t end = crm_mono_ms() + 10000;
    while (!o.done && crm_mono_ms() < end)
        uv_run(&s_loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&s_loop, UV_RUN_NOWAIT);
    H_CHECK(o.done, "no answer to a batch");
    return o.err;
}

/* The heartbeats used as payloads: producer p<i>, last_sequence i. */
static void s_payloads(Crm__Heartbeat *hb, char names[][16], const ProtobufCMessage **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crm__heartbeat__init(&hb[i]);
        snprintf(names[i], 16, "p%zu", i);
        hb[i].producer = names[i];
        hb[i].last_sequence = i; /* 0: the first payload encodes to fewer bytes */
        p[i] = &hb[i].base;
    }
}

int main(void)
{
    h_t *h = h_new("outbox_many");
    const char *conninfo = h_pg(h, "outbox");
    H_CHECK(crm_migrate(conninfo, "crm", crm_migrations_common) > 0, "outbox tables");
    uv_loop_init(&s_loop);
    crm_db_t *db = crm_db_new(&s_loop, conninfo, 1);
    crm_outbox_prepare(db);

    enum { N = 3 };
    Crm__Heartbeat hb[N];
    char names[N][16];
    const ProtobufCMessage *payloads[N];
    s_payloads(hb, names, payloads, N);
    const char *aggs[N] = {"a0", NULL, "a\"2,{x}"};
    /* The same events twice: singly (types "one") and at once ("many"). */
    crm_db_batch_t *b = crm_db_batch_new();
    for (size_t i = 0; i < N; i++)
        crm_outbox_add(b, "one", aggs[i], payloads[i]);
    crm_outbox_add_many(b, "many", N, aggs, payloads);
    crm_outbox_add_many(b, "none", 0, NULL, NULL);
    H_CHECK(crm_db_batch_size(b) == N + 1, "one statement for many, none for none");
    H_CHECK(s_submit(db, &b) == 0, "written");
    H_CHECK(h_sql_int(h, "outbox", "SELECT count(*) FROM crm_outbox WHERE type = 'many'") == N,
            "N rows");
    H_CHECK(
        h_sql_int(h, "outbox",
                  "SELECT count(*) FROM (SELECT row_number() OVER (ORDER BY id) n, aggregate_id,"
                  " payload FROM crm_outbox WHERE type = 'one') a JOIN (SELECT row_number()"
                  " OVER (ORDER BY id) n, aggregate_id, payload FROM crm_outbox WHERE type ="
                  " 'many') b USING (n, aggregate_id, payload)") == N,
        "the same aggregate ids and payloads in the same order");
    H_CHECK(h_sql_int(h, "outbox", "SELECT count(DISTINCT event_id) FROM crm_outbox") == 2 * N,
            "an event id each");
    PGresult *r = h_sql(h, "outbox",
                        "SELECT aggregate_id, payload FROM crm_outbox WHERE type = 'many'"
                        " ORDER BY id");
    H_CHECK(strcmp(PQgetvalue(r, 2, 0), "a\"2,{x}") == 0 && strcmp(PQgetvalue(r, 1, 0), "") == 0,
            "aggregate ids as given (NULL: empty)");
    size_t len = 0;
    uint8_t *bytes = crm_db_get_bytea(r, 2, 1, &len);
    Crm__Heartbeat *back = crm__heartbeat__unpack(NULL, len, bytes);
    H_CHECK(back && strcmp(back->producer, "p2") == 0 && back->last_sequence == 2,
            "the payload decodes");
    crm__heartbeat__free_unpacked(back, NULL);
    free(bytes);
    PQclear(r);

    /* All or nothing with the rest of its batch. */
    b = crm_db_batch_new();
    crm_outbox_add_many(b, "rolled back", N, aggs, payloads);
    crm_db_batch_add(b, "SELECT 1/0", 0, NULL);
    H_CHECK(s_submit(db, &b) != 0, "the batch fails");
    H_CHECK(h_sql_int(h, "outbox", "SELECT count(*) FROM crm_outbox WHERE type = 'rolled back'") ==
                0,
            "and leaves none of its events");

    crm_db_destroy(&db);
    uv_run(&s_loop, UV_RUN_DEFAULT);
    H_CHECK(uv_loop_close(&s_loop) == 0, "the loop closes cleanly");
    h_destroy(&h);
    printf("outbox_many: ok\n");
    return 0;
}
