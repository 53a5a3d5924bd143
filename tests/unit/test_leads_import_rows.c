/* test_leads_import_rows.c: the rows of an import chunk
 * (services/leads/leads_import_rows.c, pure): header names in Chinese and
 * English, ignored and unknown columns, the stored mapping read back for a
 * later chunk, the header repeated by a later chunk, tags split on ; ； ，, all-empty records
 * skipped, a wrong column count, the checks of each row against the lists, and duplicate mobiles
 * inside a chunk pointing at their first row. */
#include "../../services/leads/leads_import_rows.c"
#include "../../services/leads/leads_validate.c"
#include "unit.h"

static int s_csv(const char *csv, const char *header, import_rows_t *out, char *msg)
{
    return leads_import_from_csv(csv, strlen(csv), header, out, msg, 256);
}

static void test_header(void)
{
    import_rows_t rows;
    char msg[256] = "";
    CHECK(s_csv("ID,线索,手机,电话,备注,详细地址,部门id,推送类型\n,张三,13800138000,,,,,\n", "",
                &rows, msg) == 0);
    CHECK(rows.n == 1 && strcmp(rows.rows[0].in.name, "张三") == 0 &&
          strcmp(rows.rows[0].in.mobile, "13800138000") == 0);
    CHECK(rows.header && strcmp(rows.header, ",name,mobile,telephone,remark,address,,") == 0);
    char *stored = crm_strdup(rows.header);
    leads_import_rows_clear(&rows);
    /* a later chunk: no header, the stored mapping */
    CHECK(s_csv("9, 李四 ,13900139000,010-1234567,备注,地址,1,x\n", stored, &rows, msg) == 0);
    CHECK(rows.n == 1 && strcmp(rows.rows[0].in.name, "李四") == 0 &&
          strcmp(rows.rows[0].in.remark, "备注") == 0 && rows.header == NULL);
    leads_import_rows_clear(&rows);
    /* a later chunk may repeat the header (by any of its names): skipped;
     * in another order, refused; a record that is no header, read */
    CHECK(s_csv("ID,name,手机号,电话,备注,地址,部门id,推送类型\n,王五,13800138001,,,,,\n", stored,
                &rows, msg) == 0);
    CHECK(rows.n == 1 && strcmp(rows.rows[0].in.name, "王五") == 0 && rows.header == NULL);
    leads_import_rows_clear(&rows);
    CHECK(s_csv("ID,手机,线索,电话,备注,详细地址,部门id,推送类型\n", stored, &rows, msg) == -1 &&
          strstr(msg, "header"));
    CHECK(s_csv("ID,线索,手机\n", stored, &rows, msg) == 0 && rows.n == 1 && rows.rows[0].field &&
          strcmp(rows.rows[0].field, "csv") == 0);
    leads_import_rows_clear(&rows);
    CHECK(s_csv(",线索,备注,,,,,\n", stored, &rows, msg) == 0 && rows.n == 1 &&
          strcmp(rows.rows[0].in.name, "线索") == 0 && strcmp(rows.rows[0].in.mobile, "备注") == 0);
    leads_import_rows_clear(&rows);
    free(stored);
    CHECK(s_csv("Name,MOBILE,WeChat,qq,公司名称,线索来源\nA,1,w,2,c,s\n", "", &rows, msg) == 0);
    CHECK(strcmp(rows.rows[0].in.wechat, "w") == 0 && strcmp(rows.rows[0].in.company, "c") == 0 &&
          strcmp(rows.rows[0].in.source, "s") == 0);
    leads_import_rows_clear(&rows);
    CHECK(s_csv("线索,生日\n", "", &rows, msg) == -1 && strstr(msg, "生日") && rows.rows == NULL);
    CHECK(s_csv("线索,name\n", "", &rows, msg) == -1 && strstr(msg, "twice"));
    CHECK(s_csv("手机\n1\n", "", &rows, msg) == -1 && strstr(msg, "name"));
    CHECK(s_csv("", "", &rows, msg) == -1 && strstr(msg, "header"));
    CHECK(s_csv("线索\n\"a\n", "", &rows, msg) == -1 && strstr(msg, "line 2"));
    CHECK(s_csv("\xcf\xdf\xcb\xf7\n\xd5\xc5\xc8\xfd\n", "", &rows, msg) == -1 && /* GBK */
          strstr(msg, "UTF-8"));
}

static void test_records(void)
{
    import_rows_t rows;
    char msg[256];
    CHECK(s_csv("线索,标签,备注\na,\"x; y；z，w;;\",r\n,,\n b , ,\nc,d,e,f\n", "", &rows, msg) ==
          0);
    CHECK(rows.n == 3); /* the all-empty record is skipped */
    const lead_input_t *in = &rows.rows[0].in;
    CHECK(in->n_tags == 4 && strcmp(in->tags[0], "x") == 0 && strcmp(in->tags[1], "y") == 0 &&
          strcmp(in->tags[2], "z") == 0 && strcmp(in->tags[3], "w") == 0 &&
          strcmp(in->remark, "r") == 0); /* a column after the tags is intact */
    CHECK(strcmp(rows.rows[1].in.name, "b") == 0 && rows.rows[1].in.n_tags == 0);
    CHECK(rows.rows[2].field && strcmp(rows.rows[2].field, "csv") == 0 &&
          strstr(rows.rows[2].msg, "line 5") && strstr(rows.rows[2].msg, "4 columns"));
    leads_import_rows_clear(&rows);
}

static void test_checks(void)
{
    import_rows_t rows;
    char msg[256];
    CHECK(s_csv("线索,手机,等级,来源\n"
                "一,13800000001,重点客户,\n" /* 1 fine */
                "二,+86 138 0000 0001,,\n"   /* 2 duplicate of 1 */
                "三,12345,,\n"               /* 3 bad mobile */
                ",13800000002,,\n"           /* 4 no name */
                "五,13800000003,超级,\n"     /* 5 unknown level */
                "六,138-0000-0001,,广告\n"   /* 6 duplicate of 1 */
                "七,,,\n"                    /* 7 no mobile: never a duplicate */
                "八,,,\n",
                "", &rows, msg) == 0);
    const char *levels[] = {"重点客户"}, *sources[] = {"广告"};
    crm_options_t o = {{levels, NULL, sources}, {1, 0, 1}};
    size_t n = 0;
    const char **mobiles = leads_import_check(&rows, &o, 0, &n);
    CHECK(n == 1 && strcmp(mobiles[0], "13800000001") == 0);
    import_row_t *r = rows.rows;
    CHECK(!r[0].field && !r[0].dup_row);
    CHECK(!r[1].field && r[1].dup_row == 1 && r[5].dup_row == 1);
    CHECK(r[2].field && strcmp(r[2].field, "mobile") == 0);
    CHECK(r[3].field && strcmp(r[3].field, "name") == 0 && strstr(r[3].msg, "required"));
    CHECK(r[4].field && strcmp(r[4].field, "level") == 0 && strstr(r[4].msg, "超级"));
    CHECK(!r[6].field && !r[6].dup_row && !r[7].field && !r[7].dup_row);
    free(mobiles);
    /* allowed duplicates: no mobiles to look up, none marked */
    for (size_t i = 0; i < rows.n; i++)
        rows.rows[i].field = NULL, rows.rows[i].dup_row = 0;
    mobiles = leads_import_check(&rows, &o, 1, &n);
    CHECK(mobiles == NULL && n == 0 && rows.rows[1].dup_row == 0);
    leads_import_rows_clear(&rows);
}

static void test_request_rows(void)
{
    Crm__Leads__ImportRow a = CRM__LEADS__IMPORT_ROW__INIT, b = CRM__LEADS__IMPORT_ROW__INIT;
    a.name = "甲";
    a.mobile = "13800000009";
    b.name = "乙";
    b.mobile = "13800000009";
    Crm__Leads__ImportRow *v[] = {&a, &b};
    import_rows_t rows;
    leads_import_from_rows(v, 2, &rows);
    crm_options_t o = {{NULL}, {0}};
    size_t n = 0;
    const char **mobiles = leads_import_check(&rows, &o, 0, &n);
    CHECK(n == 1 && rows.rows[1].dup_row == 1 && rows.header == NULL);
    free(mobiles);
    leads_import_rows_clear(&rows);
    leads_import_from_rows(NULL, 0, &rows);
    CHECK(leads_import_check(&rows, &o, 0, &n) == NULL && n == 0);
    leads_import_rows_clear(&rows);
}

int main(void)
{
    test_header();
    test_records();
    test_checks();
    test_request_rows();
    return unit_result("leads_import_rows");
}
