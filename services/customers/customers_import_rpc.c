/* customers_import_rpc.c: the RPCs every kind of the customers' imports
 * answers alike, each the kit's (crm/import.h) for its kind: a chunk,
 * get, cancel and list, of customers (Customers.ImportChunk, GetImport,
 * CancelImport, ListImports: customers_import.c's kind) and of contacts
 * (ContactImportChunk, GetContactImport, CancelContactImport,
 * ListContactImports: customers_contact_import.c's). Starting one is each
 * kind's own (its target, or none). */
#include "customers_contact_import.h"
#include "customers_import.h"

/* The four handlers of kind k, named prefix_chunk, prefix_get,
 * prefix_cancel and prefix_list; Chunk is its chunk request's type. */
#define IMPORT_RPCS(prefix, k, Chunk)                                                              \
    static void prefix##_chunk(crm_rpc_call_t *call, const Chunk *req, void *arg)                  \
    {                                                                                              \
        crm_import_chunk_call(&k, &((customers_t *)arg)->env, call, &req->base);                   \
    }                                                                                              \
    static void prefix##_get(crm_rpc_call_t *call,                                                 \
                             const Crm__Customers__GetCustomerImportRequest *req, void *arg)       \
    {                                                                                              \
        crm_import_get(&k, ((customers_t *)arg)->db, call, req->id);                               \
    }                                                                                              \
    static void prefix##_cancel(crm_rpc_call_t *call,                                              \
                                const Crm__Customers__GetCustomerImportRequest *req, void *arg)    \
    {                                                                                              \
        crm_import_cancel(&k, ((customers_t *)arg)->db, call, req->id);                            \
    }                                                                                              \
    static void prefix##_list(crm_rpc_call_t *call,                                                \
                              const Crm__Customers__ListCustomerImportsRequest *req, void *arg)    \
    {                                                                                              \
        crm_import_list(&k, ((customers_t *)arg)->db, call, req->limit, req->cursor, req->total);  \
    }

IMPORT_RPCS(s_customers, customers_import_kind, Crm__Customers__CustomerImportChunkRequest)
IMPORT_RPCS(s_contacts, customers_contact_import_kind, Crm__Customers__ContactImportChunkRequest)

void customers_import_rpc_handlers(customers_t *cs)
{
    cs->handlers.import_chunk = s_customers_chunk;
    cs->handlers.get_import = s_customers_get;
    cs->handlers.cancel_import = s_customers_cancel;
    cs->handlers.list_imports = s_customers_list;
    cs->handlers.contact_import_chunk = s_contacts_chunk;
    cs->handlers.get_contact_import = s_contacts_get;
    cs->handlers.cancel_contact_import = s_contacts_cancel;
    cs->handlers.list_contact_imports = s_contacts_list;
}
