/* escalation.c: a domain's escalation job (see escalation.h): its
 * settings, and its work, one ReminderEscalated per record marked, page by
 * page inside the job's transaction. */
#include "crm/escalation.h"

#include <stdlib.h>

#include "crm/config.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "events.pb-c.h"

#define PAGE 500
/* How often the job looks (admins may give it another schedule). */
#define EVERY_S 300

/* One run: the escalation and its job run. */
typedef struct {
    const crm_escalation_t *e;
    crm_job_run_t *run;
} escalation_run_t;

static void s_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    const crm_escalation_t *e = ((escalation_run_t *)arg)->e;
    int id = PQfnumber(rows, "id"), name = PQfnumber(rows, "name"),
        owner = PQfnumber(rows, "owner_id"), dept = PQfnumber(rows, "department_id"),
        due = PQfnumber(rows, "due_at_us");
    for (int i = 0; i < PQntuples(rows); i++) {
        Crm__Events__ReminderEscalated ev = CRM__EVENTS__REMINDER_ESCALATED__INIT;
        ev.id = crm_db_get_i64(rows, i, id);
        ev.name = (char *)crm_db_get(rows, i, name);
        ev.owner_id = crm_db_get_i64(rows, i, owner);
        ev.department_id = crm_db_get_i64(rows, i, dept);
        ev.due_at_us = crm_db_get_i64(rows, i, due);
        ev.after_hours = e->after_hours;
        crm_outbox_add(b, e->event, crm_db_get(rows, i, id), &ev.base);
    }
}

static void s_done(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    escalation_run_t *r = arg;
    crm_job_end(r->run, last, count, err);
    free(r);
}

static void s_work(void *arg, crm_job_run_t *run)
{
    static const char *const after[] = {"after_at", "after_id"};
    escalation_run_t *r = crm_calloc(1, sizeof *r);
    r->e = arg;
    r->run = run;
    char hours[24];
    const char *v[] = {crm_i64(hours, r->e->after_hours)};
    crm_tx_pages_after(crm_job_tx(run), r->e->sql, 1, v, PAGE, after, 2, s_page, s_done, r);
}

void crm_escalation_declare(crm_service_t *svc, const char *job, crm_escalation_t *e)
{
    const char *service = crm_service_config(svc)->service;
    e->after_hours = (int)crm_env_service_int(service, "ESCALATE_AFTER_H", 24, 1, 8760);
    crm_job_declare(svc, job, CRM_EVERY(EVERY_S), s_work, e);
}
