/* pending.c: a job taking the reminders it owes (see pending.h). */
#include "crm/pending.h"

#include "crm/util.h"

#define PAGE 500

void crm_pending_take(crm_job_run_t *run, const char *sql, crm_page_fn on_rows)
{
    static const char *const after[] = {"after_at", "after_id"};
    char at[24];
    const char *v[] = {crm_i64(at, crm_job_fired_at_us(run))};
    crm_tx_pages_after(crm_job_tx(run), sql, 1, v, PAGE, after, 2, on_rows, crm_job_end, run);
}
