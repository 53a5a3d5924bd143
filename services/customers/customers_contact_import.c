/* customers_contact_import.c: importing contacts (联系人导入) on the kit's
 * pipeline (crm/import.h): Customers.StartContactImport (no target: each
 * row names its customer; the other RPCs are customers_import_rpc.c's).
 * The customers service supplies the import kind: the rows of a chunk (customers_contact_import_
 * rows.c), the customers they name read and locked before the mobiles
 * (the kind's refs), the dedup by mobile under Customers.CreateContact's
 * locks and its mask rule, the screen that gives each row its customer and
 * the primary contacts (customers_contact_import_screen.c), the insert of
 * the created contacts with their events (customers_contact_import_store.c),
 * and the messages of customers.proto (which the kit fills). */
#include <string.h>

#include "customers_contact_import.h"

/* A chunk's rows and customers, as the contacts import reads them. */
typedef struct {
    contact_rows_t rows;
    contact_customers_t customers;
} chunk_t;

static void s_clear(void *state)
{
    chunk_t *ch = state;
    contact_import_rows_clear(&ch->rows);
    contact_customers_clear(&ch->customers);
}

/* The chunk's rows (from the request, or CSV under the import's header),
 * checked into the kit's verdicts. */
static int s_rows(crm_import_chunk_t *c, const char *csv_header, const char ***keys, size_t *n_keys)
{
    contact_rows_t *rows = &((chunk_t *)crm_import_state(c))->rows;
    const Crm__Customers__ContactImportChunkRequest *req = crm_txn_request(crm_import_txn(c));
    char msg[256];
    if (!*req->csv)
        contact_import_from_rows(req->rows, req->n_rows, rows);
    else if (crm_import_csv_read(c,
                                 contact_import_from_csv(req->csv, strlen(req->csv), csv_header,
                                                         rows, msg, sizeof msg),
                                 msg, rows->n) < 0)
        return -1;
    size_t n = rows->n;
    crm_import_row_t *v = crm_import_rows(c, &n);
    *keys = contact_import_check(rows, v, crm_import_current(c)->allow_duplicates, n_keys);
    crm_import_set_header(c, rows->header);
    return 0;
}

/* The customers the rows name, locked, and their primary contacts. */
static void s_refs(crm_import_chunk_t *c)
{
    contact_rows_t *rows = &((chunk_t *)crm_import_state(c))->rows;
    size_t n = rows->n;
    contact_import_store_refs(crm_import_txn(c), rows, crm_import_rows(c, &n),
                              crm_import_current(c)->id);
}

/* The mobiles locked, and the contacts that have them. */
static void s_dedup(crm_import_chunk_t *c, const char *const *keys, size_t n)
{
    contact_import_store_dedup(crm_import_txn(c), keys, n);
}

/* Each row's customer and the primaries. */
static int s_screen(crm_import_chunk_t *c)
{
    chunk_t *ch = crm_import_state(c);
    size_t n = ch->rows.n;
    if (n)
        contact_import_screen(crm_import_txn(c), crm_import_rows(c, &n), &ch->rows, &ch->customers,
                              crm_import_current(c)->rows + 1, crm_import_now(c));
    return 0;
}

/* The created contacts, their events, the primaries they make. */
static void s_insert(crm_import_chunk_t *c, crm_db_batch_t *b)
{
    chunk_t *ch = crm_import_state(c);
    size_t n = ch->rows.n;
    const crm_import_t *imp = crm_import_current(c);
    contact_import_store_created(b, &ch->rows, crm_import_rows(c, &n), &ch->customers, imp->id,
                                 imp->rows + 1, crm_txn_caller(crm_import_txn(c))->user_id,
                                 crm_import_now(c));
}

const crm_import_kind_t customers_contact_import_kind = {
    .imports = "contact_imports",
    .chunks = "contact_import_chunks",
    .id_seq = "contacts_id_seq",
    .nouns = "contacts",
    .untargeted = 1,
    .size = sizeof(chunk_t),
    .clear = s_clear,
    .rows = s_rows,
    .refs = s_refs,
    .dedup = s_dedup,
    .screen = s_screen,
    .insert = s_insert,
    .import_msg = &crm__customers__contact_import__descriptor,
    .list_msg = &crm__customers__contact_import_list__descriptor,
    .reply_msg = &crm__customers__contact_import_chunk_reply__descriptor,
    .record_id = "contact_id",
};

void customers_contact_import_prepare(crm_db_t *db)
{
    crm_import_prepare(db, &customers_contact_import_kind);
    contact_import_store_prepare(db);
}

/* ---- the RPCs ------------------------------------------------------------- */

static void s_start(crm_rpc_call_t *call, const Crm__Customers__StartContactImportRequest *req,
                    void *arg)
{
    crm_import_t imp = {.allow_duplicates = req->allow_duplicates,
                        .file_name = req->file_name,
                        .expected_rows = req->expected_rows};
    crm_err_t err;
    if (crm_import_check_start(&customers_contact_import_kind, &imp, crm_rpc_call_caller(call),
                               &err) < 0)
        crm_rpc_fail_err(call, &err);
    else
        crm_import_start(&customers_contact_import_kind, ((customers_t *)arg)->db, call, &imp);
}

void customers_contact_import_handlers(customers_t *cs)
{
    cs->handlers.start_contact_import = s_start;
}
