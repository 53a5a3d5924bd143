/* digest.c: a domain's daily digest job (see digest.h): its settings, and
 * its work, one OwnerDigest event per user with anything to report, page
 * by page inside the job's transaction. */
#include "crm/digest.h"

#include <jansson.h>
#include <stdlib.h>

#include "crm/config.h"
#include "crm/log.h"
#include "crm/outbox.h"
#include "crm/util.h"
#include "events.pb-c.h"

/* Users per page: one round trip reads each user's three sections, so a
 * page must stay well inside CRM_DB_ROUND_TIMEOUT_MS however many records
 * its users hold (about 0.15 s for 100 users of 500 customers each). */
#define PAGE 100

/* One run: the digest, its job run and how many events it wrote. */
typedef struct {
    const crm_digest_t *d;
    crm_job_run_t *run;
    int64_t sent;
} digest_run_t;

/* One section's listed records, read from its JSON (which they point into:
 * it lives as long as they do). */
typedef struct {
    json_t *json;
    Crm__Events__DigestItem *items;
    Crm__Events__DigestItem **ptrs;
    size_t n;
} section_t;

/* Reads the items of column col of row i into s. */
static void s_section_read(section_t *s, const PGresult *rows, int i, int col)
{
    s->json = json_loads(crm_db_get(rows, i, col), 0, NULL);
    s->n = json_array_size(s->json);
    s->items = crm_calloc(s->n ? s->n : 1, sizeof *s->items);
    s->ptrs = crm_calloc(s->n ? s->n : 1, sizeof *s->ptrs);
    for (size_t k = 0; k < s->n; k++) {
        json_t *o = json_array_get(s->json, k);
        Crm__Events__DigestItem *it = &s->items[k];
        crm__events__digest_item__init(it);
        it->id = json_integer_value(json_object_get(o, "id"));
        const char *name = json_string_value(json_object_get(o, "name"));
        it->name = (char *)(name ? name : "");
        it->at_us = json_integer_value(json_object_get(o, "at_us"));
        s->ptrs[k] = it;
    }
}

static void s_section_clear(section_t *s)
{
    json_decref(s->json);
    free(s->items);
    free(s->ptrs);
}

/* The event of each user of the page with anything to report. */
static void s_page(void *arg, const PGresult *rows, crm_db_batch_t *b)
{
    digest_run_t *r = arg;
    int owner = PQfnumber(rows, "owner_id"), day = PQfnumber(rows, "day");
    int today = PQfnumber(rows, "today"), recycling = PQfnumber(rows, "recycling"),
        overdue = PQfnumber(rows, "overdue");
    int today_items = PQfnumber(rows, "today_items"),
        recycling_items = PQfnumber(rows, "recycling_items"),
        overdue_items = PQfnumber(rows, "overdue_items");
    for (int i = 0; i < PQntuples(rows); i++) {
        Crm__Events__OwnerDigest ev = CRM__EVENTS__OWNER_DIGEST__INIT;
        ev.today = crm_db_get_i64(rows, i, today);
        ev.recycling = crm_db_get_i64(rows, i, recycling);
        ev.overdue = crm_db_get_i64(rows, i, overdue);
        if (!ev.today && !ev.recycling && !ev.overdue)
            continue; /* nothing to report: no digest */
        ev.owner_id = crm_db_get_i64(rows, i, owner);
        ev.day = (char *)crm_db_get(rows, i, day);
        ev.recycle_days = r->d->recycle_days;
        section_t t, c, o;
        s_section_read(&t, rows, i, today_items);
        s_section_read(&c, rows, i, recycling_items);
        s_section_read(&o, rows, i, overdue_items);
        ev.today_items = t.ptrs, ev.n_today_items = t.n;
        ev.recycling_items = c.ptrs, ev.n_recycling_items = c.n;
        ev.overdue_items = o.ptrs, ev.n_overdue_items = o.n;
        crm_outbox_add(b, r->d->event, crm_db_get(rows, i, owner), &ev.base);
        s_section_clear(&t);
        s_section_clear(&c);
        s_section_clear(&o);
        r->sent++;
    }
}

static void s_done(void *arg, crm_db_batch_t *last, int64_t count, const crm_db_result_t *err)
{
    (void)count; /* users read; the run reports the digests sent */
    digest_run_t *r = arg;
    crm_job_end(r->run, last, r->sent, err);
    free(r);
}

static void s_work(void *arg, crm_job_run_t *run)
{
    static const char *const after[] = {"owner_id"};
    digest_run_t *r = crm_calloc(1, sizeof *r);
    r->d = arg;
    r->run = run;
    char days[24];
    const char *v[] = {r->d->tz, crm_i64(days, r->d->recycle_days)};
    crm_tx_pages_after(crm_job_tx(run), r->d->sql, 2, v, PAGE, after, 1, s_page, s_done, r);
}

void crm_digest_declare(crm_service_t *svc, const char *job, crm_digest_t *d)
{
    const crm_config_t *cfg = crm_service_config(svc);
    const char *at = crm_env_service_str(cfg->service, "DIGEST_AT", "08:30");
    crm_job_schedule_t when = CRM_DAILY(at);
    crm_err_t err;
    if (crm_job_schedule_ok(&when, &err) < 0) {
        char name[96];
        crm_env_service_var(name, sizeof name, cfg->service, "DIGEST_AT");
        crm_log(CRM_ERROR, "bad configuration value", "variable", name, "value", at, "expected",
                "HH:MM, 00:00 to 23:59", NULL);
        exit(2);
    }
    d->tz = cfg->tz;
    d->recycle_days = (int)crm_env_service_int(cfg->service, "DIGEST_RECYCLE_DAYS", 3, 1, 365);
    crm_job_declare(svc, job, when, s_work, d);
}
