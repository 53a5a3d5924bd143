/* seed.c: rows written straight by SQL for the benchmarks (see seed.h). */
#include "seed.h"

#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

void seed_rows(h_t *h, const char *db, const char *table, const char *keep, const char *insert)
{
    uint64_t t0 = stats_now_ns();
    char *sql = NULL;
    if (asprintf(&sql,
                 "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '%s' AND"
                 " indexname NOT IN (%s)",
                 table, keep) < 0)
        exit(1);
    PGresult *defs = h_sql(h, db, sql);
    free(sql);
    for (int i = 0; i < PQntuples(defs); i++) {
        char *drop = NULL;
        if (asprintf(&drop, "DROP INDEX %s", PQgetvalue(defs, i, 0)) < 0)
            exit(1);
        PQclear(h_sql(h, db, drop));
        free(drop);
    }
    PQclear(h_sql(h, db, insert));
    PQclear(h_sql(h, db, "SET maintenance_work_mem = '256MB'"));
    for (int i = 0; i < PQntuples(defs); i++)
        PQclear(h_sql(h, db, PQgetvalue(defs, i, 1)));
    PQclear(defs);
    if (asprintf(&sql, "VACUUM ANALYZE %s", table) < 0)
        exit(1);
    PQclear(h_sql(h, db, sql));
    free(sql);
    printf("seed: %s written and indexed in %.0f s\n", table, (double)(stats_now_ns() - t0) / 1e9);
}

void seed_customers(h_t *h, int n, int pooled_every, int64_t pool_id)
{
    /* Whether row g is pooled, as SQL. */
    char pooled[64];
    if (pooled_every > 0)
        snprintf(pooled, sizeof pooled, "g %% %d = 0", pooled_every);
    else
        snprintf(pooled, sizeof pooled, "false");
    char *sql = NULL;
    if (asprintf(
            &sql,
            "INSERT INTO customers (name, company, mobile, source, level, industry, tags, owner_id,"
            " department_id, creator_id, created_at, updated_at, next_contact_at,"
            " last_followup_at, owner_since, province, city, pool_id, previous_owner_id,"
            " pooled_at)"
            " SELECT n, n, '13' || lpad(g::text, 9, '0'),"
            " (ARRAY['', '广告', '转介绍', '官网', '展会', '电话咨询'])[1 + (g / 200) %% 6],"
            " (ARRAY['', 'A', 'B', 'C', 'D'])[1 + (g / 200) %% 5],"
            " (ARRAY['花木', '冶金', '化工', '纺织', '金融', '物流', '教育'])[1 + (g / 200) %% 7],"
            " CASE WHEN g %% 10 = 0 THEN ARRAY['vip'] ELSE '{}' END,"
            " CASE WHEN %s THEN 0 ELSE 1 + g %% %d END, 1 + (g %% %d) / %d, 1,"
            " now() - g * interval '31 seconds', now() - g * interval '29 seconds',"
            " CASE WHEN g %% 3 = 0 THEN date_trunc('day', now()) + ((g / 200) %% 30 - 10) *"
            " interval '1 day' + (g %% 86400) * interval '1 second' END,"
            " CASE WHEN (g / 7) %% 5 <> 0 THEN now() - g * interval '17 seconds' END,"
            " CASE WHEN %s THEN NULL ELSE now() - g * interval '31 seconds' END, '浙江', '杭州',"
            " CASE WHEN %s THEN %lld ELSE 1 END, CASE WHEN %s THEN 1 + g %% %d ELSE 0 END,"
            " CASE WHEN %s THEN now() - (g %% 30) * interval '1 day' END"
            " FROM (SELECT g, (ARRAY['上海','北京','广州','深圳','杭州','南京','成都','武汉',"
            "'西安','苏州'])[1 + (g / 200) %% 10] || (ARRAY['华信','恒通','金盛','宏达','新元',"
            "'天成','博远','瑞丰','嘉禾','正泰','永安','汇丰','中联','鼎盛','东方','远航','华美',"
            "'长城','光明','海洋'])[1 + (g / 2000) %% 20] || (ARRAY['科技','贸易','物流','制造',"
            "'咨询'])[1 + (g / 40000) %% 5] || '有限公司' || g AS n"
            " FROM generate_series(1, %d) g) s",
            pooled, SEED_OWNERS, SEED_OWNERS, SEED_TEAM, pooled, pooled, (long long)pool_id, pooled,
            SEED_OWNERS, pooled, n) < 0)
        exit(1);
    seed_rows(h, "customers", "customers", "'customers_pkey', 'customers_lead_id_key'", sql);
    free(sql);
}

void seed_raw(h_t *h, const char *db, const char *sql, int calls, const char *label)
{
    PGconn *c = PQconnectdb(h_pg(h, db));
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "raw: %s\n", PQerrorMessage(c));
        exit(1);
    }
    stats_t st = {0};
    for (int i = 0; i < calls; i++) {
        char owner[24];
        snprintf(owner, sizeof owner, "%d", 1 + (i * 37) % SEED_OWNERS);
        const char *p[] = {owner};
        uint64_t t0 = stats_now_ns();
        PGresult *r = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
        stats_add(&st, stats_now_ns() - t0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "raw: %s\n", PQerrorMessage(c));
            exit(1);
        }
        PQclear(r);
    }
    PQfinish(c);
    char line[160];
    snprintf(line, sizeof line, "  raw: %s", label);
    stats_print(&st, line);
    stats_free(&st);
}

void seed_opportunities(h_t *h, int n)
{
    char *sql = NULL;
    if (asprintf(
            &sql,
            "INSERT INTO opportunities (id, name, customer_id, amount, expected_close_on,"
            " pipeline_id, stage_id, status, win_probability, owner_id, department_id,"
            " created_at, updated_at, stage_changed_at, closed_at)"
            " SELECT g, '商机' || g || CASE WHEN (g / %d) %% 100 = 0 THEN '恒通项目' ELSE '' END,"
            " 1 + g %% 50000, (g::bigint * 7919) %% 100000000, current_date + ((g / 7) %% 365),"
            " 1, 1 + (g / %d) %% 5, CASE WHEN (g / %d) %% 10 < 7 THEN 1 ELSE 2 + (g / %d)"
            " %% 3 END, 10 + 20 * ((g / %d) %% 5), 1 + g %% %d, 1 + (g %% %d) / %d,"
            " now() - (g %% 525600) * interval '1 minute', now() - (g %% 1000) * interval"
            " '1 minute', now(), CASE WHEN (g / %d) %% 10 >= 7 THEN now() END"
            " FROM generate_series(1, %d) g",
            SEED_OWNERS, SEED_OWNERS, SEED_OWNERS, SEED_OWNERS, SEED_OWNERS, SEED_OWNERS,
            SEED_OWNERS, SEED_TEAM, SEED_OWNERS, n) < 0)
        exit(1);
    seed_rows(h, "sales", "opportunities", "'opportunities_pkey'", sql);
    free(sql);
    if (asprintf(&sql, "SELECT setval('opportunities_id_seq', %d)", n) < 0)
        exit(1);
    PQclear(h_sql(h, "sales", sql));
    free(sql);
}
