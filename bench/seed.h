/* seed.h: rows written straight by SQL for the benchmarks, so a table is
 * as big as a company's (a million rows) in under a minute; the customers
 * the customers' benchmarks share; the raw limit of a list over them. */
#ifndef CRM_BENCH_SEED_H
#define CRM_BENCH_SEED_H

#include <stdint.h>

#include "harness.h"

/* Writes rows into table of database db by insert (SQL), with the table's
 * indexes (but those named in keep, a list of SQL strings) dropped first
 * and built after, then VACUUM ANALYZE; prints how long it took. */
void seed_rows(h_t *h, const char *db, const char *table, const char *keep, const char *insert);

/* The seeded customers' owners: SEED_OWNERS users in departments of
 * SEED_TEAM (user u in department 1 + (u - 1) / SEED_TEAM). */
#define SEED_OWNERS 200
#define SEED_TEAM 20

/* Fills the customers table of h's customers service with n customers
 * (ids 1..n in a fresh table) by seed_rows: 200 owners in 10 departments of 20;
 * 5 levels, 6 sources, 7 industries and the names' parts spread over
 * every owner alike (1% of each owner's names contain 恒通科技); 10%
 * tagged; a year of creation times; a third with a next contact time in
 * the month around today. With pooled_every > 0, every pooled_every-th
 * customer (id % pooled_every = 0) is in pool pool_id instead: no owner,
 * given up by the owner it would have had, 0 to 29 days ago. */
void seed_customers(h_t *h, int n, int pooled_every, int64_t pool_id);

/* Fills the opportunities table of h's sales service with n opportunities
 * (ids 1..n) by seed_rows: owner g % 200 + 1, its department; each
 * owner's spread alike (by g / 200, so that nothing goes with the owner):
 * a stage of the default pipeline (stages 1..5), 70% open, the rest won,
 * lost or invalid; amounts up to ¥1,000,000, win probabilities 10..90,
 * expected close days over the year ahead, a year of creation times. */
void seed_opportunities(h_t *h, int n);

/* The raw limit of a list: sql (its one parameter the owner, rotating over
 * SEED_OWNERS as the benchmarks' callers do) run calls times straight on
 * database db by libpq, no service; prints its latencies as
 * "  raw: <label>". */
void seed_raw(h_t *h, const char *db, const char *sql, int calls, const char *label);

#endif
