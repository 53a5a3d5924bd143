/* rfc3339.h: instants as people and HTTP clients write them
 * ("2026-11-23T10:00:00+08:00") to and from the protos' microseconds since
 * the epoch. Pure functions. */
#ifndef CRM_RFC3339_H
#define CRM_RFC3339_H

#include <stdint.h>

/* Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (a space may
 * stand for the T; z for Z; the fraction is cut to microseconds). Returns 0
 * with *us set, or -1 if s is not such a time or not a real date. */
int crm_rfc3339_parse(const char *s, int64_t *us);

/* Writes the instant us in the local time zone (the process's TZ: the
 * business time zone, CRM_TZ) with its offset and microseconds,
 * "2026-01-02T03:04:05.000006+08:00", into buf (at least 40 bytes).
 * Returns its length, or -1 if the time zone cannot place it. */
#define CRM_RFC3339_MAX 40
int crm_rfc3339_format(int64_t us, char *buf);

#endif
