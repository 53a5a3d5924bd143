/* scheduler_timers.c: the owners' per-record timers. A service publishes
 * the due times of its records as "timer.set" events (written by its
 * database's triggers, lib/sql/012), each naming the job whose work
 * handles it; the scheduler keeps the latest of each (job, record) in
 * scheduler_timers (a cleared one deleted), consumed exactly once and in
 * the owner's order (scheduler_owners.c). A job whose timer has come fires
 * at the next tick (scheduler_jobs.c), its work finding the records due by
 * their stored times, so a timer that fires late or for a time that moved
 * meanwhile changes nothing twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/db.h"
#include "crm/log.h"
#include "crm/util.h"
#include "scheduler.h"

/* Longest record id a timer may name. */
#define TIMER_MAX_RECORD 200

void scheduler_timers_prepare(crm_db_t *db)
{
    crm_db_prepare(db, "timer_set",
                   "INSERT INTO scheduler_timers (job, record, due_at)"
                   " SELECT d.job, $1, 'epoch'::timestamptz + d.due * interval '1 microsecond'"
                   " FROM unnest($2::text[], $3::bigint[]) AS d(job, due) WHERE d.due > 0"
                   " ON CONFLICT (job, record) DO UPDATE SET due_at = excluded.due_at");
    crm_db_prepare(db, "timer_clear",
                   "DELETE FROM scheduler_timers t USING unnest($2::text[], $3::bigint[])"
                   " AS d(job, due) WHERE d.due <= 0 AND t.job = d.job AND t.record = $1");
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

int scheduler_timer_set(void *arg, const Crm__Event *ev, const ProtobufCMessage *payload,
                        crm_db_batch_t *b)
{
    (void)arg;
    const Crm__Events__TimerSet *t = (const Crm__Events__TimerSet *)payload;
    char **jobs = crm_calloc(t->n_timers + 1, sizeof *jobs);
    int64_t *due = crm_calloc(t->n_timers + 1, sizeof *due);
    size_t n = 0;
    for (size_t i = 0; i < t->n_timers; i++) {
        if (s_foreign(ev, t, t->timers[i]->name))
            continue;
        jobs[n] = t->timers[i]->name;
        due[n++] = t->timers[i]->due_at_us;
    }
    if (n > 0) {
        char *p[] = {t->record, crm_db_text_array(jobs, n), crm_db_i64_array(due, n)};
        crm_db_batch_add(b, "timer_set", 3, (const char *const *)p);
        crm_db_batch_add(b, "timer_clear", 3, (const char *const *)p);
        free(p[1]);
        free(p[2]);
    }
    free(jobs);
    free(due);
    return 0;
}
