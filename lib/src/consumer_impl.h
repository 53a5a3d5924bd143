/* consumer_impl.h: what the consumer's files share (consumer.c applies the
 * stream, consumer_clone.c registers with the producer and rebuilds from
 * its snapshot); not a public face. */
#ifndef CRM_CONSUMER_IMPL_H
#define CRM_CONSUMER_IMPL_H

#include "crm/consumer.h"
#include "crm/rpc.h"
#include "crm/zsock.h"
#include "lease.h"

#define RETRY_MS 500

struct crm_consumer {
    uv_loop_t *loop;
    char *name, *producer;
    crm_db_t *db;
    crm_lease_t *lease;
    crm_zsock_t *sub;
    crm_rpc_client_t *rpc;
    crm_consumer_apply_fn apply;
    void (*after_commit)(void *arg);
    void *after_commit_arg;
    crm_cache_t *cache; /* for the batches' keys to drop after commit */
    void *arg;
    int batch;
    uv_timer_t tick;

    int loaded; /* applied/queued come from the database */
    uint64_t applied, queued;
    Crm__Event **queue; /* events applied+1 .. queued, in order */
    size_t nqueue, capqueue;

    int loading, replaying, applying, want_replay;
    uint64_t heard_ms; /* last event, heartbeat or replay */
    uint64_t retry_at_ms;
    uint64_t announced;   /* the highest sequence the producer said it has */
    int producer_stalled; /* its last heartbeat said its relay is stalled */
    uint64_t moved_ms;    /* the last time applied moved, or nothing was behind */
    int64_t stall_ms;     /* CRM_CONSUMER_STALL_MS */
    int stalled;          /* the stall has been logged */
    char *last_error;     /* why the last batch or replay failed; NULL after a success */
    int64_t ack_ms;       /* CRM_CONSUMER_ACK_MS: how often Bus.Ack reports applied */
    uint64_t acked_ms;    /* when the last report was sent (0: report now) */
    int acking;           /* a Bus.Ack is in flight */
    int closing, open_handles;

    /* The Clone pattern (consumer_clone.c). */
    const char *snapshot;    /* the producer's snapshot to rebuild from (NULL: none) */
    const char *clone_reset; /* run first in the rebuild's transaction (NULL: none) */
    int64_t clone_page;      /* CRM_CLONE_PAGE: records per page */
    int64_t clone_delay_ms;  /* CRM_FAULT_CLONE_PAGE_MS: a pause before each page (tests) */
    int cloning;             /* a rebuild is under way */
    int clone_waiting;       /* the next page waits for clone_due_ms */
    uint64_t clone_due_ms;
    crm_db_tx_t *clone_tx; /* the rebuild's one transaction */
    char clone_id[64], clone_cursor[256];
    uint64_t clone_horizon; /* the snapshot's horizon */
    char **clone_skip;      /* its events already in it */
    size_t clone_nskip;
    uint64_t clone_records;
    char **skips; /* events after the offset to skip (crm_consumer_skips) */
    size_t nskips;
};

struct crm_consumer_batch {
    crm_consumer_t *c;
    crm_db_tx_t *tx;
    Crm__Event **events; /* taken out of the queue; owned here */
    size_t n;
    uint64_t to;
    int clone;      /* a snapshot page: 1, or 2 for the last (consumer_clone.c) */
    char **skipped; /* ids of the events left out as already applied (c->skips) */
    size_t nskipped;
    char **uncache; /* cache keys to drop once the batch commits */
    size_t nuncache;
};

/* consumer.c */
void consumer_pump(crm_consumer_t *c);
void consumer_maybe_free(crm_consumer_t *c);
void consumer_set_error(crm_consumer_t *c, const char *why);
void consumer_backoff(crm_consumer_t *c);
void consumer_queue_reset(crm_consumer_t *c);
void consumer_batch_free(crm_consumer_batch_t *a);
/* An Event copied out of a message that owns it (freed with
 * crm__event__free_unpacked). */
Crm__Event *consumer_event_copy(const Crm__Event *ev);

/* consumer_clone.c */
/* Reports the applied position to the producer when due (Bus.Ack). */
void consumer_ack(crm_consumer_t *c);
/* Starts the rebuild from the producer's snapshot (when Replay says the
 * next event is gone and the consumer has a snapshot to rebuild from). */
void consumer_clone_start(crm_consumer_t *c);
/* The next page, when it waits and is due (from the tick). */
void consumer_clone_tick(crm_consumer_t *c);
/* At destroy: ends a rebuild waiting for its next page. */
void consumer_clone_stop(crm_consumer_t *c);
/* crm_consumer_done of a snapshot page. */
void consumer_clone_done(crm_consumer_batch_t *a, crm_db_batch_t **last, int ok);
/* c->skips from a text[] column (row 0, column 0) of r. */
void consumer_skips_load(crm_consumer_t *c, const PGresult *r);
/* Moves into a->skipped the events of a that c->skips names. */
void consumer_skip_filter(crm_consumer_t *c, crm_consumer_batch_t *a);
/* After a batch commits: forgets the ids it skipped. */
void consumer_skip_forget(crm_consumer_t *c, const crm_consumer_batch_t *a);

#endif
