/* scheduler_timers.c: the owners' per-record timers. A service publishes
 * the due times of its records as "timer.set" events (written by its
 * database's triggers, lib/sql/012), each naming the job whose work
 * handles it; the scheduler keeps the latest of each (job, record) in
 * scheduler_timers (a cleared one deleted), consumed exactly once and in
 * the owner's order (scheduler_owners.c). A batch of events is one
 * statement: its timers gathered here, the last of each (job, record)
 * kept. A job whose timer has come fires at the next tick
 * (scheduler_jobs.c), its work finding the records due by their stored
 * times, so a timer that fires late or for a time that moved meanwhile
 * changes nothing twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/log.h"
#include "crm/util.h"
#include "scheduler.h"

/* Longest record id a timer may name. */
#define TIMER_MAX_RECORD 200

/* The timers of the batch being added: one consumer's batch is gathered
 * and flushed in one turn of the loop, so one set serves every owner. */
static struct {
    char **jobs, **records;
    int64_t *due;
    size_t n, cap;
} s_g;

void scheduler_timers_prepare(crm_db_t *db)
{
    /* $1..$3: the batch's timers in stream order; the last of each (job,
     * record) wins: a time set, or none (<= 0) deleted. */
    crm_db_prepare(db, "timers_set",
                   "WITH d AS (SELECT DISTINCT ON (job, record) job, record, due FROM"
                   " unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY"
                   " AS d(job, record, due, ord) ORDER BY job, record, ord DESC),"
                   " cleared AS (DELETE FROM scheduler_timers t USING d WHERE d.due <= 0"
                   "  AND t.job = d.job AND t.record = d.record)"
                   " INSERT INTO scheduler_timers (job, record, due_at)"
                   " SELECT job, record, 'epoch'::timestamptz + due * interval '1 microsecond'"
                   " FROM d WHERE due > 0"
                   " ON CONFLICT (job, record) DO UPDATE SET due_at = excluded.due_at");
}

/* A timer another service may not set: a job not of its producer's, or a
 * record id out of bounds. Skipped (logged), never applied, so one bad
 * event does not hold back the owner's stream. */
static int s_foreign(const Crm__Event *ev, const Crm__Events__TimerSet *t, const char *job)
{
    size_t n = strlen(ev->producer);
    if (strncmp(job, ev->producer, n) == 0 && job[n] == '.' && *t->record &&
        strlen(t->record) <= TIMER_MAX_RECORD)
        return 0;
    crm_log(CRM_WARN, "a timer not its producer's to set: skipped", "producer", ev->producer, "job",
            job, "record", t->record, NULL);
    return 1;
}

static void s_gather(const char *job, const char *record, int64_t due)
{
    if (s_g.n == s_g.cap) {
        s_g.cap = s_g.cap ? 2 * s_g.cap : 256;
        s_g.jobs = crm_realloc(s_g.jobs, s_g.cap * sizeof *s_g.jobs);
        s_g.records = crm_realloc(s_g.records, s_g.cap * sizeof *s_g.records);
        s_g.due = crm_realloc(s_g.due, s_g.cap * sizeof *s_g.due);
    }
    s_g.jobs[s_g.n] = crm_strdup(job);
    s_g.records[s_g.n] = crm_strdup(record);
    s_g.due[s_g.n++] = due;
}

static void s_drop(void)
{
    crm_strv_free(s_g.jobs, s_g.n);
    crm_strv_free(s_g.records, s_g.n);
    free(s_g.due);
    memset(&s_g, 0, sizeof s_g);
}

int scheduler_timer_set(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                        crm_db_batch_t *b)
{
    (void)arg;
    (void)b;
    const Crm__Events__TimerSet *t = (const Crm__Events__TimerSet *)payload;
    for (size_t i = 0; i < t->n_timers; i++)
        if (!s_foreign(ev, t, t->timers[i]->name))
            s_gather(t->timers[i]->name, t->record, t->timers[i]->due_at_us);
    return 0;
}

void scheduler_timers_gathered(void *arg, crm_db_batch_t *b)
{
    (void)arg;
    if (b && s_g.n > 0) {
        char *p[] = {crm_db_text_array(s_g.jobs, s_g.n), crm_db_text_array(s_g.records, s_g.n),
                     crm_db_i64_array(s_g.due, s_g.n)};
        crm_db_batch_add(b, "timers_set", 3, (const char *const *)p);
        for (int k = 0; k < 3; k++)
            free(p[k]);
    }
    s_drop();
}
