/* test_kill_import.c: a domain service dies (SIGKILL) in the middle of an
 * import chunk, for each kind of import on the kit (leads, customers,
 * contacts). 20,000 rows go as CSV in chunks of 1,000; during chunk 10 the
 * service is killed about halfway through the chunk's usual time; the
 * client gets no reply, restarts the service and sends the chunk again, as
 * a client must. Afterwards: exactly 20,000 records, one history entry
 * (where the kind keeps history) and one created event each (all
 * published), the customers' first contacts and their events once each,
 * the imported contacts on their customer with one primary, and the
 * import's counters right, whether the killed chunk had committed or not. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/pbjson.h"
#include "crm/util.h"
#include "suite.h"

#define ROWS 20000
#define CHUNK 1000
#define KILLED_CHUNK 10

static h_t *h;

/* A kind of import, and what it leaves. */
typedef struct {
    const char *service; /* its process and database */
    const char *chunk;   /* its method */
    const char *header;  /* the CSV header */
    const char *row;     /* a record: printf of the row's number, three times */
    const char *records, *history, *imports, *chunks; /* its tables (history: NULL if none) */
    const char *event;                                /* its created event */
    const char *also; /* a further check: SQL counting ROWS, or NULL */
    /* An import without a target: its start method ("" : <Service>.StartImport
     * for an owner), and a call made first ("" : none) with its JSON. */
    const char *start, *setup, *setup_json;
} domain_t;

static const domain_t s_domains[] = {
    {"leads", "Leads.ImportChunk", "线索,手机", "杀导入%05d,139%08d\n", "leads", "lead_history",
     "lead_imports", "lead_import_chunks", "lead.created", NULL, "", "", ""},
    {"customers", "Customers.ImportChunk", "客户名称,手机,联系人",
     "杀导入%05d,139%08d,联系人%05d\n", "customers", "customer_history", "customer_imports",
     "customer_import_chunks", "customer.created",
     "SELECT count(*) FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE k.is_primary"
     " AND k.name = '联系人' || substr(c.name, 4) AND (SELECT count(*) FROM crm_outbox o WHERE"
     " o.type = 'contact.created' AND o.aggregate_id = k.id::text) = 1",
     "", "", ""},
    /* Contacts of one customer, named in each row: its first row its
     * primary contact. */
    {"customers", "Customers.ContactImportChunk", "客户名称,姓名,手机",
     "联系人导入目标,杀导入%05d,137%08d\n", "contacts", NULL, "contact_imports",
     "contact_import_chunks", "contact.created",
     "SELECT count(*) FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE"
     " c.name = '联系人导入目标' AND k.name LIKE '杀导入%' AND (SELECT string_agg(x.name, ',')"
     " FROM contacts x WHERE x.customer_id = c.id AND x.is_primary) = '杀导入00000'",
     "Customers.StartContactImport", "Customers.Create",
     "{\"name\": \"联系人导入目标\", \"owner_id\": 7}"},
};

typedef struct {
    h_proc_t *proc;
    unsigned delay_ms;
} killer_t;

static void *s_killer(void *arg)
{
    killer_t *k = arg;
    struct timespec ts = {k->delay_ms / 1000, (long)(k->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    h_signal(k->proc, SIGKILL);
    return NULL;
}

/* Calls d's method with the request of JSON obj (taken), once, with a
 * deadline; the reply as JSON in *reply (or NULL). */
static Crm__Status s_call(const domain_t *d, const char *method, json_t *obj, unsigned deadline_ms,
                          json_t **reply)
{
    const ProtobufCMessageDescriptor *in, *out;
    H_CHECK(crm_rpc_method_types(method, &in, &out) == 0, "unknown method %s", method);
    char *err = NULL, *field = NULL;
    ProtobufCMessage *req = crm_pb_from_json(in, obj, &err, &field);
    H_CHECK(req, "%s: %s [%s]", method, err, field);
    json_decref(obj);
    ProtobufCMessage *rep = NULL;
    Crm__Status st =
        t_call_at(h_rpc(h, d->service), deadline_ms, method, req, out, t_system(), &rep, NULL);
    *reply = rep ? crm_pb_to_json(rep) : NULL;
    if (rep)
        protobuf_c_message_free_unpacked(rep, NULL);
    protobuf_c_message_free_unpacked(req, NULL);
    return st;
}

/* Chunk seq (rows from (seq - 1) * CHUNK) as CSV, sent once with a
 * deadline; an answer must say every row was created. */
static Crm__Status s_send(const domain_t *d, int64_t imp, int seq, unsigned deadline_ms)
{
    size_t cap = 64 + CHUNK * 64, len = 0;
    char *csv = crm_malloc(cap);
    csv[0] = '\0';
    if (seq == 1)
        len += (size_t)snprintf(csv, cap, "%s\n", d->header);
    for (int i = 0; i < CHUNK; i++) {
        int n = (seq - 1) * CHUNK + i;
        len += (size_t)snprintf(csv + len, cap - len, d->row, n, n, n);
    }
    json_t *reply = NULL;
    Crm__Status st = s_call(d, d->chunk,
                            json_pack("{sI si sb ss}", "import_id", (json_int_t)imp, "seq", seq,
                                      "last", seq == ROWS / CHUNK, "csv", csv),
                            deadline_ms, &reply);
    free(csv);
    if (reply) {
        json_t *results = json_object_get(reply, "results");
        H_CHECK(json_array_size(results) == CHUNK, "one result per row");
        for (size_t i = 0; i < json_array_size(results); i++) {
            const char *o =
                json_string_value(json_object_get(json_array_get(results, i), "outcome"));
            H_CHECK(o && strstr(o, "_CREATED"), "row %zu created: %s", i, o ? o : "");
        }
        json_decref(reply);
    }
    return st;
}

/* Sends the chunk with the service killed during it; then resends it to
 * the restarted service. */
static void s_killed_chunk(const domain_t *d, int64_t imp, unsigned delay_ms)
{
    killer_t k = {h_proc(h, d->service, 0), delay_ms};
    pthread_t t;
    H_CHECK(pthread_create(&t, NULL, s_killer, &k) == 0, "killer thread");
    Crm__Status st = s_send(d, imp, KILLED_CHUNK, 3000);
    pthread_join(t, NULL);
    int exit_status = h_wait(k.proc, 10000);
    H_CHECK(exit_status == 128 + SIGKILL, "%s was killed (status %d)", d->service, exit_status);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE import_id = %lld AND seq = %d",
             d->chunks, (long long)imp, KILLED_CHUNK);
    int committed = h_sql_int(h, d->service, sql) == 1;
    h_note("%s: killed %u ms into chunk %d: reply %s, chunk %s", d->service, delay_ms, KILLED_CHUNK,
           crm_status_name(st), committed ? "had committed" : "had not committed");
    h_start(h, d->service, 0);
    H_CHECK(s_send(d, imp, KILLED_CHUNK, 30000) == CRM__STATUS__OK, "the chunk sent again");
}

static int64_t s_count(const domain_t *d, const char *fmt, const char *a, const char *b)
{
    char sql[512];
    snprintf(sql, sizeof sql, fmt, a, b);
    return h_sql_int(h, d->service, sql);
}

/* Starts d's import (made ready by its setup call). */
static int64_t s_start(const domain_t *d)
{
    json_t *reply = NULL;
    if (*d->setup) {
        H_CHECK(s_call(d, d->setup, json_loads(d->setup_json, 0, NULL), 30000, &reply) ==
                    CRM__STATUS__OK,
                "%s", d->setup);
        json_decref(reply);
    }
    if (!*d->start)
        return t_start_import(h, d->service, 7, ROWS);
    H_CHECK(s_call(d, d->start, json_pack("{sI}", "expected_rows", (json_int_t)ROWS), 30000,
                   &reply) == CRM__STATUS__OK,
            "%s", d->start);
    int64_t id = json_integer_value(json_object_get(reply, "id"));
    json_decref(reply);
    return id;
}

static void s_import(const domain_t *d)
{
    int64_t imp = s_start(d);
    uint64_t spent = 0;
    for (int seq = 1; seq <= ROWS / CHUNK; seq++) {
        if (seq == KILLED_CHUNK) {
            s_killed_chunk(d, imp, (unsigned)(spent / (uint64_t)(seq - 1) / 2));
            continue;
        }
        uint64_t t0 = crm_mono_ms();
        H_CHECK(s_send(d, imp, seq, 30000) == CRM__STATUS__OK, "chunk %d", seq);
        spent += crm_mono_ms() - t0;
    }
    const char *mine = "SELECT count(*) FROM %s WHERE name LIKE '杀导入%%'%s";
    H_CHECK(s_count(d, mine, d->records, "") == ROWS, "exactly %d %s", ROWS, d->records);
    H_CHECK(s_count(d, "SELECT count(DISTINCT mobile) FROM %s WHERE name LIKE '杀导入%%'%s",
                    d->records, "") == ROWS,
            "no mobile twice");
    H_CHECK(s_count(d,
                    "SELECT count(*) FROM crm_outbox o JOIN %s r ON o.aggregate_id = r.id::text"
                    " WHERE o.type = '%s' AND r.name LIKE '杀导入%%'",
                    d->records, d->event) == ROWS,
            "one created event per record");
    H_CHECK(s_count(d,
                    "SELECT count(*) FROM %s r WHERE NOT EXISTS (SELECT 1 FROM crm_outbox o"
                    " WHERE o.type = '%s' AND o.aggregate_id = r.id::text)",
                    d->records, d->event) == 0,
            "each record's event");
    H_CHECK(h_wait_sql(h, d->service, "SELECT count(*) FROM crm_outbox WHERE seq IS NULL", 0,
                       30000) == 0,
            "every event published");
    if (d->history)
        H_CHECK(s_count(d, "SELECT count(*) FROM %s WHERE action = 'imported'%s", d->history, "") ==
                    ROWS,
                "one history entry per record");
    if (d->also)
        H_CHECK(h_sql_int(h, d->service, d->also) == ROWS, "%s", d->also);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s WHERE id = %lld AND rows = %d AND created = %d"
             " AND duplicates = 0 AND invalid = 0 AND chunks = %d AND done",
             d->imports, (long long)imp, ROWS, ROWS, ROWS / CHUNK);
    H_CHECK(h_sql_int(h, d->service, sql) == 1, "the import's counters");
    h_note("%s: kill -9 during an import of %d rows: exactly %d %s and events", d->service, ROWS,
           ROWS, d->records);
}

int main(void)
{
    h = h_new("kill_import");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    for (size_t i = 0; i < sizeof s_domains / sizeof s_domains[0]; i++)
        s_import(&s_domains[i]);
    h_stop(h, "customers", 0);
    h_stop(h, "leads", 0);
    h_stop(h, "scheduler", 0);
    h_destroy(&h);
    printf("kill_import: ok\n");
    return 0;
}
