/* idem.h: changes applied at most once per call, however often it is
 * retried.
 *
 * Our RPC client sends one idempotency key for every attempt of a call
 * (rpc.proto). A handler that changes data adds crm_idem_lookup to its
 * transaction's first batch: the attempts of one key are serialised (a
 * transaction-scoped advisory lock) and a reply stored by an attempt that
 * committed is found; crm_idem_replayed then answers with it and the
 * handler rolls back. Otherwise the handler adds crm_idem_record with its
 * reply to its commit batch, so the reply is stored exactly when
 * the change commits, and sends the same bytes after the commit. Stored
 * replies are kept for a day. Refusals are not stored: a retry is decided
 * again. */
#ifndef CRM_IDEM_H
#define CRM_IDEM_H

#include "db.h"
#include "rpc.h"

/* Registers the statements on db (the service runtime does it). */
void crm_idem_prepare(crm_db_t *db);

/* Adds the lock and the lookup to b; returns how many statements it added
 * (0 when the call has no key, else 2: the lookup is the second). */
int crm_idem_lookup(crm_db_batch_t *b, crm_rpc_call_t *call);

/* With the lookup's result (NULL when crm_idem_lookup added nothing): if a
 * reply is stored, sends it and returns 1; else 0. */
int crm_idem_replayed(crm_rpc_call_t *call, const PGresult *found);

/* Encodes reply (of the method's output type), adds to b the storing of it
 * under the call's key (nothing if it has none), and returns the encoding
 * in *len bytes (caller frees): the handler sends it with
 * crm_rpc_reply_raw once b has committed. */
uint8_t *crm_idem_record(crm_db_batch_t *b, crm_rpc_call_t *call, const ProtobufCMessage *reply,
                         size_t *len);

#endif
