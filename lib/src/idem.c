/* idem.c: changes applied at most once per call (see idem.h). */
#include "idem.h"

#include <stdlib.h>

#include "crm/util.h"

#define PRUNE_EVERY 256

void crm_idem_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "crm_idem_lock", "SELECT pg_advisory_xact_lock(hashtext('idem:' || $1))");
    crm_db_prepare(db, "crm_idem_find", "SELECT reply FROM crm_idempotency WHERE key = $1");
    crm_db_prepare(db, "crm_idem_store",
                   "INSERT INTO crm_idempotency (key, method, reply) VALUES ($1, $2, $3::bytea)");
    crm_db_prepare(db, "crm_idem_prune",
                   "DELETE FROM crm_idempotency WHERE created_at < now() - interval '1 day'");
}

int crm_idem_lookup(crm_db_batch_t *b, crm_rpc_call_t *call)
{
    const char *key = crm_rpc_call_key(call);
    if (!*key)
        return 0;
    const char *p[] = {key};
    crm_db_batch_add(b, "crm_idem_lock", 1, p);
    crm_db_batch_add(b, "crm_idem_find", 1, p);
    return 2;
}

int crm_idem_replayed(crm_rpc_call_t *call, const PGresult *found)
{
    if (!found || PQntuples(found) == 0)
        return 0;
    size_t len;
    uint8_t *reply = crm_db_get_bytea(found, 0, 0, &len);
    crm_rpc_reply_raw(call, reply, len);
    free(reply);
    return 1;
}

uint8_t *crm_idem_record(crm_db_batch_t *b, crm_rpc_call_t *call, const ProtobufCMessage *reply,
                         size_t *len)
{
    static unsigned stored;
    *len = protobuf_c_message_get_packed_size(reply);
    uint8_t *bytes = crm_malloc(*len ? *len : 1);
    protobuf_c_message_pack(reply, bytes);
    const char *key = crm_rpc_call_key(call);
    if (!*key)
        return bytes;
    char *hex = crm_db_bytea_hex(bytes, *len);
    const char *p[] = {key, crm_rpc_call_method(call), hex};
    crm_db_batch_add(b, "crm_idem_store", 3, p);
    free(hex);
    if (++stored % PRUNE_EVERY == 0)
        crm_db_batch_add(b, "crm_idem_prune", 0, NULL);
    return bytes;
}
