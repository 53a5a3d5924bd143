/* scheduler_owners.c: what the scheduler consumes from the services that
 * own jobs (CRM_SCHEDULER_OWNERS, default leads, customers, sales; those
 * configured among them): the reports of their jobs' runs ("job.ran",
 * scheduler_runs.c) and the due times of their records ("timer.set",
 * scheduler_timers.c). One consumer per owner, each event applied once. */
#include <stdlib.h>
#include <string.h>

#include "crm/config.h"
#include "crm/event_table.h"
#include "crm/util.h"
#include "scheduler.h"

static const crm_event_handler_t s_handlers[] = {
    {"job.ran", &crm__events__job_ran__descriptor, scheduler_run_report},
    {"timer.set", &crm__events__timer_set__descriptor, scheduler_timer_set},
};
static const crm_event_table_t s_table = {.handlers = s_handlers,
                                          .n = sizeof s_handlers / sizeof s_handlers[0],
                                          .gathered = scheduler_timers_gathered};

void scheduler_owners_start(scheduler_t *s)
{
    scheduler_runs_prepare(s->db);
    scheduler_timers_prepare(s->db);
    const char *owners = crm_env_str("CRM_SCHEDULER_OWNERS", "leads,customers,sales");
    char *list = crm_strdup(owners), *save = NULL;
    for (char *o = strtok_r(list, ", ", &save); o; o = strtok_r(NULL, ", ", &save))
        crm_service_consume_events(s->svc, o, &s_table, s, 0); /* (copied) */
    free(list);
}
