/* cron.h: when a cron-like schedule fires next, in the business time zone
 * (the process's local time: crm_config sets TZ to CRM_TZ).
 *
 * An expression is five fields, "minute hour day-of-month month
 * day-of-week" (0-59, 0-23, 1-31, 1-12, 0-7 with 0 and 7 Sunday), each
 * `*`, a number, a range `a-b`, a step `*` or `a-b` followed by `/n`, or a
 * comma list of those. As in Vixie cron, when both day fields are
 * restricted a day matches either. "daily at 09:30" is "30 9 * * *".
 *
 *     crm_cron_t c;
 *     if (crm_cron_parse("0 9 * * 1-5", &c, &err) == 0)
 *         next = crm_cron_next(&c, now_us);   // 09:00 of the next weekday
 *
 * Pure: no allocation, no I/O. */
#ifndef CRM_CRON_H
#define CRM_CRON_H

#include <stdint.h>

#include "err.h"

typedef struct {
    uint64_t minutes; /* bit m: minute m */
    uint32_t hours;   /* bit h */
    uint32_t days;    /* bit d, 1..31 */
    uint16_t months;  /* bit m, 1..12 */
    uint8_t weekdays; /* bit w, 0..6 (Sunday 0) */
    int any_day;      /* the day-of-month field is "*" */
    int any_weekday;  /* the day-of-week field is "*" */
} crm_cron_t;

/* Parses expr into *out: 0, or -1 with *err (field "schedule") saying which
 * field is wrong and why. */
int crm_cron_parse(const char *expr, crm_cron_t *out, crm_err_t *err);

/* "HH:MM" (00:00 to 23:59) as the cron of every day at that time: 0, or -1
 * with *err. */
int crm_cron_daily(const char *hhmm, crm_cron_t *out, crm_err_t *err);

/* The first whole minute strictly after after_us (microseconds since the
 * epoch) that c matches, in microseconds; 0 if none comes within five
 * years (an impossible date such as "0 0 31 2 *"). */
int64_t crm_cron_next(const crm_cron_t *c, int64_t after_us);

#endif
