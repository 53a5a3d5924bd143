/* outbox.c: events written with their change (see outbox.h); the relay
 * that publishes them is relay.c, Bus.* is bus_serve.c. */
#include "crm/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/log.h"
#include "crm/trace.h"
#include "crm/util.h"
#include "outbox_impl.h"

/* ---- writing ---------------------------------------------------------- */

void crm_outbox_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "crm_outbox_insert", CRM_OUTBOX_INSERT_SQL);
    crm_db_prepare(db, "crm_outbox_insert_many",
                   "INSERT INTO crm_outbox (event_id, type, aggregate_id, payload, trace_id)"
                   " SELECT u::uuid, $1, a, p::bytea, NULLIF($5, '')"
                   " FROM unnest($2::text[], $3::text[], $4::text[]) AS t(u, a, p)");
    /* A page: up to $2 events, stopping before the one that would start past
     * $3 bytes of payload (the first is always taken). */
    crm_db_prepare(db, "crm_replay",
                   "SELECT " EVENT_COLUMNS " FROM (SELECT *, sum(octet_length(payload))"
                   " OVER (ORDER BY seq) - octet_length(payload) AS before FROM crm_outbox"
                   " WHERE seq >= $1::bigint ORDER BY seq LIMIT $2::int) page"
                   " WHERE before < $3::bigint ORDER BY seq");
    crm_db_prepare(db, "crm_replay_last", "SELECT last_seq FROM crm_outbox_relay WHERE id = 1");
    /* The oldest event still kept (the relay prunes old published ones). */
    crm_db_prepare(db, "crm_replay_first",
                   "SELECT COALESCE(min(seq), (SELECT last_seq + 1 FROM crm_outbox_relay"
                   " WHERE id = 1)) FROM crm_outbox WHERE seq IS NOT NULL");
    /* Bus.Ack: a consumer says how far it has applied (registering it). A
     * position past the last sequence handed out means this database was
     * restored to an earlier point: the sequence is raised past it, so the
     * next events get numbers the consumer takes; a row names the step. */
    crm_db_prepare(db, "crm_bus_ack",
                   "WITH acked AS (INSERT INTO crm_bus_consumers AS c (consumer, applied)"
                   " VALUES ($1, $2::bigint) ON CONFLICT (consumer) DO UPDATE"
                   " SET applied = EXCLUDED.applied, acked_at = now() RETURNING applied),"
                   " was AS (SELECT last_seq FROM crm_outbox_relay WHERE id = 1),"
                   " raised AS (UPDATE crm_outbox_relay r SET last_seq = acked.applied FROM acked"
                   " WHERE r.id = 1 AND r.last_seq < acked.applied RETURNING r.last_seq)"
                   " SELECT (SELECT last_seq FROM was), last_seq FROM raised");
}

/* An event over the bound: the batch fails with a message saying so. */
static int s_too_big(crm_db_batch_t *b, const char *type, size_t len)
{
    if (len <= CRM_EVENT_MAX_BYTES)
        return 0;
    char *msg = crm_sprintf("event %s of %zu bytes is over the bound of %d bytes", type, len,
                            CRM_EVENT_MAX_BYTES);
    const char *p[] = {msg};
    crm_db_batch_add(b, "SELECT crm_raise($1)", 1, p);
    crm_log(CRM_ERROR, "event over its size bound: the change is refused", "type", type, NULL);
    free(msg);
    return 1;
}

void crm_outbox_add(crm_db_batch_t *b, const char *type, const char *aggregate_id,
                    const ProtobufCMessage *payload)
{
    char id[37];
    crm_uuid(id);
    size_t len = protobuf_c_message_get_packed_size(payload);
    if (s_too_big(b, type, len))
        return;
    uint8_t *buf = crm_malloc(len);
    protobuf_c_message_pack(payload, buf);
    char *hex = crm_db_bytea_hex(buf, len);
    const char *trace = crm_trace();
    const char *params[] = {id, type, aggregate_id ? aggregate_id : "", hex, trace ? trace : ""};
    crm_db_batch_add(b, "crm_outbox_insert", 5, params);
    free(hex);
    free(buf);
}

struct crm_outbox_many {
    crm_db_batch_t *b;
    char *type;
    char **ids, **aggs, **hex;
    size_t n, cap;
};

crm_outbox_many_t *crm_outbox_many_begin(crm_db_batch_t *b, const char *type)
{
    crm_outbox_many_t *m = crm_calloc(1, sizeof *m);
    m->b = b;
    m->type = crm_strdup(type);
    return m;
}

void crm_outbox_many_put(crm_outbox_many_t *m, const char *aggregate_id,
                         const ProtobufCMessage *payload)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->ids = crm_realloc(m->ids, m->cap * sizeof *m->ids);
        m->aggs = crm_realloc(m->aggs, m->cap * sizeof *m->aggs);
        m->hex = crm_realloc(m->hex, m->cap * sizeof *m->hex);
    }
    size_t i = m->n++;
    m->ids[i] = crm_malloc(37);
    crm_uuid(m->ids[i]);
    m->aggs[i] = crm_strdup(aggregate_id ? aggregate_id : "");
    size_t len = protobuf_c_message_get_packed_size(payload);
    if (s_too_big(m->b, m->type, len)) { /* the batch fails; the row goes in empty */
        m->hex[i] = crm_db_bytea_hex(NULL, 0);
        return;
    }
    uint8_t *buf = crm_malloc(len ? len : 1);
    protobuf_c_message_pack(payload, buf);
    m->hex[i] = crm_db_bytea_hex(buf, len);
    free(buf);
}

void crm_outbox_many_end(crm_outbox_many_t **m_p)
{
    crm_outbox_many_t *m = *m_p;
    *m_p = NULL;
    if (m->n > 0) {
        const char *trace = crm_trace();
        char *params[] = {m->type, crm_db_text_array(m->ids, m->n),
                          crm_db_text_array(m->aggs, m->n), crm_db_text_array(m->hex, m->n),
                          (char *)(trace ? trace : "")};
        crm_db_batch_add(m->b, "crm_outbox_insert_many", 5, (const char *const *)params);
        for (size_t k = 1; k < 4; k++)
            free(params[k]);
    }
    crm_strv_free(m->ids, m->n);
    crm_strv_free(m->aggs, m->n);
    crm_strv_free(m->hex, m->n);
    free(m->type);
    free(m);
}

void crm_outbox_add_many(crm_db_batch_t *b, const char *type, size_t n,
                         const char *const *aggregate_ids, const ProtobufCMessage *const *payloads)
{
    crm_outbox_many_t *m = crm_outbox_many_begin(b, type);
    for (size_t i = 0; i < n; i++)
        crm_outbox_many_put(m, aggregate_ids[i], payloads[i]);
    crm_outbox_many_end(&m);
}

void crm_event_from_row(const PGresult *r, int i, const char *producer, Crm__Event *ev,
                        uint8_t **payload_buf)
{
    crm__event__init(ev);
    ev->sequence = (uint64_t)crm_db_get_i64(r, i, 0);
    ev->event_id = (char *)crm_db_get(r, i, 1);
    ev->type = (char *)crm_db_get(r, i, 2);
    ev->aggregate_id = (char *)crm_db_get(r, i, 3);
    size_t len = 0;
    *payload_buf = crm_db_get_bytea(r, i, 4, &len);
    ev->payload.data = *payload_buf;
    ev->payload.len = len;
    ev->occurred_at_us = crm_db_get_i64(r, i, 5);
    ev->trace_id = (char *)crm_db_get(r, i, 6);
    ev->producer = (char *)producer;
}
