/* log.h: structured logs, one JSON object per line on stderr.
 *
 *   crm_log(CRM_INFO, "relay started", "endpoint", ep, "batch", "500", NULL);
 *
 * prints {"ts":"2026-11-23T06:49:32.123456Z","level":"info","service":"leads",
 * "msg":"relay started","endpoint":"tcp://...","batch":"500"}; while a
 * request's trace is current (trace.h), with "trace":"<its id>" after msg. */
#ifndef CRM_LOG_H
#define CRM_LOG_H

typedef enum { CRM_DEBUG = 0, CRM_INFO, CRM_WARN, CRM_ERROR } crm_log_level_t;

/* Names the process in every line and sets the lowest level printed
 * (CRM_LOG_LEVEL=debug|info|warn|error overrides min). */
void crm_log_init(const char *service, crm_log_level_t min);

/* Whether lines of level are printed (CRM_LOG_LEVEL): for a caller that
 * would format fields only to have them dropped. */
int crm_log_enabled(crm_log_level_t level);

/* Logs msg with string key/value pairs; the list ends with NULL. */
void crm_log(crm_log_level_t level, const char *msg, ...) __attribute__((sentinel));

/* Logs a printf-formatted message with no other fields. */
void crm_logf(crm_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
