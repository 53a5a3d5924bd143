/* test_leads_actions.c: the life of a lead through the leads service: create
 * (validation, configured lists, dedup), edit, follow up, invalidate and
 * resume, void and restore, transfer, convert, delete; each refused move
 * with its status and field; batch actions all or nothing; data scope; the
 * history and the events each change leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcall.h"

#define OK CRM__STATUS__OK
#define INVALID CRM__STATUS__INVALID_ARGUMENT
#define NOT_FOUND CRM__STATUS__NOT_FOUND
#define EXISTS CRM__STATUS__ALREADY_EXISTS
#define DENIED CRM__STATUS__PERMISSION_DENIED
#define PRECONDITION CRM__STATUS__FAILED_PRECONDITION

static h_t *h;

/* Expects method to fail with want on field; the message must contain
 * part (NULL: anything). */
#define REFUSED(want, field, part, caller, method, ...)                                            \
    do {                                                                                           \
        t_json_expect(h, want, "leads", method, caller, __VA_ARGS__);                              \
        t_json_says(method, field, part);                                                          \
    } while (0)

static int64_t s_create(const Crm__Caller *c, const char *json)
{
    json_t *r = t_json_expect(h, OK, "leads", "Leads.Create", c, "%s", json);
    int64_t id = t_int(r, "id");
    json_decref(r);
    return id;
}

static const char *s_status(int64_t id)
{
    static char buf[64];
    json_t *r =
        t_json_expect(h, OK, "leads", "Leads.Get", t_admin(7, 1), "{\"id\": %lld}", (long long)id);
    snprintf(buf, sizeof buf, "%s", t_str(r, "status"));
    json_decref(r);
    return buf;
}

static int64_t s_count(const char *sql)
{
    return h_sql_int(h, "leads", sql);
}

static void test_create_checks(void)
{
    const Crm__Caller *u = t_user(0, 11, 5);
    REFUSED(INVALID, "name", "required", u, "Leads.Create", "{\"name\": \"\"}");
    REFUSED(INVALID, "mobile", NULL, u, "Leads.Create",
            "{\"name\": \"甲\", \"mobile\": \"12345\"}");
    REFUSED(INVALID, "telephone", NULL, u, "Leads.Create",
            "{\"name\": \"甲\", \"telephone\": \"abc\"}");
    REFUSED(INVALID, "email", NULL, u, "Leads.Create", "{\"name\": \"甲\", \"email\": \"x@\"}");
    REFUSED(INVALID, "level", "configured", u, "Leads.Create",
            "{\"name\": \"甲\", \"level\": \"超级客户\"}");
    REFUSED(INVALID, "tags", NULL, u, "Leads.Create", "{\"name\": \"甲\", \"tags\": [\"%s\"]}",
            "一个非常非常非常非常非常非常非常非常非常非常非常非常长的标签超过三十个字");
    REFUSED(DENIED, "owner_id", NULL, u, "Leads.Create", "{\"name\": \"甲\", \"owner_id\": 12}");
    REFUSED(INVALID, "next_followup_at_us", "negative", u, "Leads.Create",
            "{\"name\": \"甲\", \"next_followup_at_us\": -5}");
    REFUSED(INVALID, "owner_id", "not both", u, "Leads.Create",
            "{\"name\": \"甲\", \"owner_id\": 11, \"pool_id\": 1}");
    H_CHECK(s_count("SELECT count(*) FROM leads") == 0, "nothing written by refused creates");

    /* The configured lists can change: a new level becomes valid. */
    json_t *o = t_json_expect(h, OK, "leads", "Leads.GetOptions", u, "{}");
    H_CHECK(json_array_size(json_object_get(o, "levels")) == 4, "four default levels");
    json_decref(o);
    REFUSED(DENIED, "", NULL, u, "Leads.SetOptions", "{\"levels\": [\"A\"]}");
    REFUSED(INVALID, "levels", "twice", t_admin(0, 1), "Leads.SetOptions",
            "{\"levels\": [\"A\", \"A\"]}");
    REFUSED(INVALID, "sources", NULL, t_admin(0, 1), "Leads.SetOptions", "{\"sources\": [\"\"]}");
    json_decref(t_json_expect(h, OK, "leads", "Leads.SetOptions", t_admin(0, 1),
                              "{\"levels\": [\"重点客户\", \"普通客户\", \"超级客户\"],"
                              " \"industries\": [\"化工\", \"其他\"],"
                              " \"sources\": [\"广告\", \"转介绍\"]}"));

    int64_t id = s_create(u, "{\"name\": \"上海某某科技\", \"mobile\": \"+86 138-0013-8000\","
                             " \"telephone\": \"021 6123 4567\", \"level\": \"超级客户\","
                             " \"source\": \"广告\", \"tags\": [\"展会\", \"华东\"],"
                             " \"province\": \"上海\", \"city\": \"上海\"}");
    json_t *r = t_json_expect(h, OK, "leads", "Leads.Get", u, "{\"id\": %lld}", (long long)id);
    H_CHECK(strcmp(t_str(r, "mobile"), "13800138000") == 0, "mobile normalised");
    H_CHECK(strcmp(t_str(r, "telephone"), "021-61234567") == 0, "landline normalised: %s",
            t_str(r, "telephone"));
    H_CHECK(strcmp(t_str(r, "status"), "LEAD_STATUS_PENDING") == 0, "owned: pending");
    H_CHECK(t_int(r, "owner_id") == 11 && t_int(r, "creator_id") == 11, "owner and creator");
    H_CHECK(strcmp(t_str(r, "tags.1"), "华东") == 0, "tags kept");
    json_decref(r);

    /* Dedup by normalised mobile, unless explicitly allowed. */
    REFUSED(EXISTS, "mobile", "already has mobile", u, "Leads.Create",
            "{\"name\": \"乙\", \"mobile\": \"13800138000\"}");
    s_create(u, "{\"name\": \"乙\", \"mobile\": \"138 0013 8000\", \"allow_duplicate\": true}");
    H_CHECK(s_count("SELECT count(*) FROM leads WHERE mobile = '13800138000'") == 2,
            "duplicate allowed when asked");
    H_CHECK(s_count("SELECT count(*) FROM crm_outbox WHERE type = 'lead.created'") == 2,
            "one lead.created per lead");
    h_note("create: validation, lists, dedup");
}

static void test_life_cycle(void)
{
    const Crm__Caller *u = t_user(0, 11, 5);
    int64_t id = s_create(u, "{\"name\": \"生命周期\", \"mobile\": \"13900000001\"}");

    /* Follow-up: needs a method and content; pending → following. */
    REFUSED(INVALID, "method", NULL, u, "Leads.FollowUp",
            "{\"lead_id\": %lld, \"content\": \"打了电话\"}", (long long)id);
    REFUSED(INVALID, "at_us", "negative", u, "Leads.FollowUp",
            "{\"lead_id\": %lld, \"content\": \"x\", \"method\": \"FOLLOW_UP_METHOD_SMS\","
            " \"at_us\": -1}",
            (long long)id);
    REFUSED(INVALID, "at_us", "future", u, "Leads.FollowUp",
            "{\"lead_id\": %lld, \"content\": \"x\", \"method\": \"FOLLOW_UP_METHOD_SMS\","
            " \"at_us\": 4000000000000000}",
            (long long)id);
    REFUSED(INVALID, "attachments", "20", u, "Leads.FollowUp",
            "{\"lead_id\": %lld, \"content\": \"x\", \"method\": \"FOLLOW_UP_METHOD_SMS\","
            " \"attachments\": [\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
            "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]}",
            (long long)id);
    REFUSED(INVALID, "content", NULL, u, "Leads.FollowUp",
            "{\"lead_id\": %lld, \"method\": \"FOLLOW_UP_METHOD_PHONE\"}", (long long)id);
    json_t *r = t_json_expect(h, OK, "leads", "Leads.FollowUp", u,
                              "{\"lead_id\": %lld, \"content\": \"约了下周见面\","
                              " \"method\": \"FOLLOW_UP_METHOD_PHONE\","
                              " \"next_followup_at_us\": 1900000000000000,"
                              " \"attachments\": [\"file:42\"]}",
                              (long long)id);
    H_CHECK(strcmp(t_str(r, "lead.status"), "LEAD_STATUS_FOLLOWING") == 0, "following");
    H_CHECK(strcmp(t_str(r, "lead.last_followup_content"), "约了下周见面") == 0, "last content");
    H_CHECK(t_int(r, "lead.next_followup_at_us") == 1900000000000000LL, "next follow-up set");
    H_CHECK(t_int(r, "follow_up.id") > 0 && t_int(r, "lead.last_followup_at_us") > 0,
            "follow-up recorded");
    json_decref(r);
    /* Invalid: no follow-up, no convert until resumed; resume → following. */
    json_decref(t_json_expect(h, OK, "leads", "Leads.Invalidate", u,
                              "{\"ids\": [%lld], \"reason\": \"空号\"}", (long long)id));
    H_CHECK(strcmp(s_status(id), "LEAD_STATUS_INVALID") == 0, "invalid");
    REFUSED(PRECONDITION, "lead_id", "resume it", u, "Leads.FollowUp",
            "{\"lead_id\": %lld, \"content\": \"x\", \"method\": \"FOLLOW_UP_METHOD_SMS\"}",
            (long long)id);
    REFUSED(PRECONDITION, "id", "resume it", u, "Leads.Convert", "{\"id\": %lld}", (long long)id);
    REFUSED(INVALID, "next_followup_at_us", "negative", u, "Leads.Convert",
            "{\"id\": %lld, \"next_followup_at_us\": -1}", (long long)id);
    REFUSED(INVALID, "next_followup_at_us", "10000", u, "Leads.Convert",
            "{\"id\": %lld, \"next_followup_at_us\": 9223372036854775807}", (long long)id);
    REFUSED(PRECONDITION, "ids", "already invalid", u, "Leads.Invalidate", "{\"ids\": [%lld]}",
            (long long)id);
    json_decref(
        t_json_expect(h, OK, "leads", "Leads.Resume", u, "{\"ids\": [%lld]}", (long long)id));
    H_CHECK(strcmp(s_status(id), "LEAD_STATUS_FOLLOWING") == 0, "resumed to following");
    REFUSED(PRECONDITION, "ids", "only an invalid", u, "Leads.Resume", "{\"ids\": [%lld]}",
            (long long)id);

    /* Void needs a reason; only an admin restores. */
    REFUSED(INVALID, "reason", "required", u, "Leads.Discard", "{\"ids\": [%lld]}", (long long)id);
    json_decref(t_json_expect(h, OK, "leads", "Leads.Discard", u,
                              "{\"ids\": [%lld], \"reason\": \"垃圾数据\"}", (long long)id));
    H_CHECK(strcmp(s_status(id), "LEAD_STATUS_VOIDED") == 0, "voided");
    REFUSED(PRECONDITION, "id", "voided", u, "Leads.Convert", "{\"id\": %lld}", (long long)id);
    REFUSED(PRECONDITION, "id", "voided", u, "Leads.Update",
            "{\"id\": %lld, \"update_mask\": [\"name\"], \"name\": \"x\"}", (long long)id);
    REFUSED(DENIED, "", "admin", u, "Leads.Restore", "{\"ids\": [%lld]}", (long long)id);
    json_decref(t_json_expect(h, OK, "leads", "Leads.Restore", t_admin(0, 1), "{\"ids\": [%lld]}",
                              (long long)id));
    H_CHECK(strcmp(s_status(id), "LEAD_STATUS_FOLLOWING") == 0, "restored to following");

    /* Convert with the follow-ups copied; twice is refused. */
    r = t_json_expect(h, OK, "leads", "Leads.Convert", u,
                      "{\"id\": %lld, \"customer_name\": \"生命周期有限公司\","
                      " \"copy_followups\": true, \"mobile\": \"13900000002\"}",
                      (long long)id);
    H_CHECK(strcmp(t_str(r, "lead.status"), "LEAD_STATUS_CONVERTED") == 0, "converted");
    H_CHECK(t_int(r, "lead.converted_at_us") > 0, "conversion time");
    json_decref(r);
    REFUSED(PRECONDITION, "id", "already converted", u, "Leads.Convert", "{\"id\": %lld}",
            (long long)id);
    REFUSED(PRECONDITION, "ids", "final", u, "Leads.Invalidate", "{\"ids\": [%lld]}",
            (long long)id);
    REFUSED(PRECONDITION, "ids", "origin", u, "Leads.Delete", "{\"ids\": [%lld]}", (long long)id);

    /* The event carries the follow-up and the override. */
    PGresult *ev =
        h_sql(h, "leads", "SELECT count(*) FROM crm_outbox WHERE type = 'lead.converted'");
    H_CHECK(atoi(PQgetvalue(ev, 0, 0)) == 1, "one lead.converted");
    PQclear(ev);

    /* History: every step, who and when. */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM lead_history WHERE lead_id = %lld",
             (long long)id);
    int64_t steps = h_sql_int(h, "leads", sql);
    H_CHECK(steps == 7,
            "created, followed_up, invalidated, resumed, voided, restored, converted:"
            " %lld entries",
            (long long)steps);
    const char *types[] = {"lead.followed_up", "lead.invalidated", "lead.resumed", "lead.voided",
                           "lead.restored"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM crm_outbox WHERE type = '%s'", types[i]);
        H_CHECK(s_count(sql) == 1, "one %s event", types[i]);
    }
    /* A follow-up without a next time keeps the reminder; clearing it is
     * said explicitly (and not together with a new time). On a lead of its
     * own. */
    int64_t kept =
        s_create(u, "{\"name\": \"提醒保留\", \"next_followup_at_us\": 1900000000000000}");
    r = t_json_expect(h, OK, "leads", "Leads.FollowUp", u,
                      "{\"lead_id\": %lld, \"content\": \"又打了一次\","
                      " \"method\": \"FOLLOW_UP_METHOD_PHONE\"}",
                      (long long)kept);
    H_CHECK(t_int(r, "lead.next_followup_at_us") == 1900000000000000LL, "the reminder is kept");
    json_decref(r);
    REFUSED(INVALID, "clear_next_followup", "not both", u, "Leads.FollowUp",
            "{\"lead_id\": %lld, \"content\": \"x\", \"method\": \"FOLLOW_UP_METHOD_SMS\","
            " \"next_followup_at_us\": 1900000000000000, \"clear_next_followup\": true}",
            (long long)kept);
    r = t_json_expect(h, OK, "leads", "Leads.FollowUp", u,
                      "{\"lead_id\": %lld, \"content\": \"不用再跟了\","
                      " \"method\": \"FOLLOW_UP_METHOD_PHONE\", \"clear_next_followup\": true}",
                      (long long)kept);
    H_CHECK(t_int(r, "lead.next_followup_at_us") == 0, "the reminder is cleared when asked");
    json_decref(r);

    h_note("life cycle: follow-up, invalid/resume, void/restore, convert");
}

static void test_update(void)
{
    const Crm__Caller *u = t_user(0, 11, 5);
    int64_t a = s_create(u, "{\"name\": \"编辑A\", \"mobile\": \"13700000001\"}");
    s_create(u, "{\"name\": \"编辑B\", \"mobile\": \"13700000002\"}");
    REFUSED(INVALID, "update_mask", "not an editable", u, "Leads.Update",
            "{\"id\": %lld, \"update_mask\": [\"owner_id\"]}", (long long)a);
    REFUSED(INVALID, "update_mask", NULL, u, "Leads.Update", "{\"id\": %lld}", (long long)a);
    REFUSED(INVALID, "mobile", NULL, u, "Leads.Update",
            "{\"id\": %lld, \"update_mask\": [\"mobile\"], \"mobile\": \"1\"}", (long long)a);
    REFUSED(EXISTS, "mobile", "13700000002", u, "Leads.Update",
            "{\"id\": %lld, \"update_mask\": [\"mobile\"], \"mobile\": \"13700000002\"}",
            (long long)a);
    REFUSED(NOT_FOUND, "id", NULL, t_user(1, 12, 5), "Leads.Update",
            "{\"id\": %lld, \"update_mask\": [\"name\"], \"name\": \"偷改\"}", (long long)a);
    json_t *r =
        t_json_expect(h, OK, "leads", "Leads.Update", u,
                      "{\"id\": %lld, \"update_mask\": [\"name\", \"tags\", \"remark\"],"
                      " \"name\": \"编辑A公司\", \"tags\": [\"重要\"], \"mobile\": \"ignored\"}",
                      (long long)a);
    H_CHECK(strcmp(t_str(r, "name"), "编辑A公司") == 0, "name changed");
    H_CHECK(strcmp(t_str(r, "mobile"), "13700000001") == 0, "unmasked field kept");
    json_decref(r);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_history WHERE lead_id = %lld AND action = 'updated'"
             " AND detail LIKE '%%name%%' AND detail LIKE '%%tags%%'",
             (long long)a);
    H_CHECK(s_count(sql) == 1, "history names the changed fields");
    H_CHECK(s_count("SELECT count(*) FROM crm_outbox WHERE type = 'lead.updated'") == 1,
            "one lead.updated");
    h_note("update: mask, dedup, scope");
}

static void test_transfer_and_batches(void)
{
    const Crm__Caller *u = t_user(0, 21, 6);
    int64_t a = s_create(u, "{\"name\": \"转移A\"}");
    int64_t b = s_create(u, "{\"name\": \"转移B\"}");
    int64_t c = s_create(u, "{\"name\": \"转移C\"}");
    json_decref(t_json_expect(h, OK, "leads", "Leads.Convert", u, "{\"id\": %lld}", (long long)c));

    /* Batch: all or nothing; the error names the lead at fault. */
    char part[48];
    snprintf(part, sizeof part, "lead %lld", (long long)c);
    REFUSED(PRECONDITION, "ids", part, u, "Leads.Transfer",
            "{\"ids\": [%lld, %lld, %lld], \"to_owner_id\": 22}", (long long)a, (long long)b,
            (long long)c);
    json_t *r = t_json_expect(h, OK, "leads", "Leads.Get", u, "{\"id\": %lld}", (long long)a);
    H_CHECK(t_int(r, "owner_id") == 21, "nothing moved by the refused batch");
    json_decref(r);
    REFUSED(INVALID, "ids", "twice", u, "Leads.Transfer",
            "{\"ids\": [%lld, %lld], \"to_owner_id\": 22}", (long long)a, (long long)a);
    REFUSED(INVALID, "ids", NULL, u, "Leads.Transfer", "{\"ids\": [], \"to_owner_id\": 22}");
    REFUSED(INVALID, "to_owner_id", NULL, u, "Leads.Transfer", "{\"ids\": [%lld]}", (long long)a);
    REFUSED(NOT_FOUND, "ids", NULL, u, "Leads.Transfer",
            "{\"ids\": [%lld, 999999], \"to_owner_id\": 22}", (long long)a);
    /* Someone else's lead is not found, not forbidden: its existence stays hidden. */
    REFUSED(NOT_FOUND, "ids", NULL, t_user(1, 23, 6), "Leads.Transfer",
            "{\"ids\": [%lld], \"to_owner_id\": 23}", (long long)a);

    r = t_json_expect(h, OK, "leads", "Leads.Transfer", u,
                      "{\"ids\": [%lld, %lld], \"to_owner_id\": 22, \"to_department_id\": 7,"
                      " \"reason\": \"调岗\"}",
                      (long long)a, (long long)b);
    H_CHECK(json_array_size(json_object_get(r, "leads")) == 2, "two leads back");
    H_CHECK(t_int(r, "leads.0.owner_id") == 22 && t_int(r, "leads.0.previous_owner_id") == 21,
            "new owner, previous kept");
    H_CHECK(t_int(r, "leads.1.department_id") == 7, "department follows");
    json_decref(r);
    REFUSED(NOT_FOUND, "id", NULL, u, "Leads.Get", "{\"id\": %lld}", (long long)a);
    r = t_json_expect(h, OK, "leads", "Leads.Get", t_user(1, 22, 7), "{\"id\": %lld}",
                      (long long)a);
    json_decref(r);
    REFUSED(PRECONDITION, "to_owner_id", "holds it", t_user(1, 22, 7), "Leads.Transfer",
            "{\"ids\": [%lld], \"to_owner_id\": 22}", (long long)a);
    /* A manager of 22 acts on 22's leads. */
    int64_t team[] = {22};
    json_decref(t_json_expect(h, OK, "leads", "Leads.Transfer", t_manager(2, 30, 7, team, 1),
                              "{\"ids\": [%lld], \"to_owner_id\": 21}", (long long)b));
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM lead_history WHERE lead_id = %lld AND action = 'transferred'",
             (long long)b);
    H_CHECK(s_count(sql) == 2, "each transfer in the history");

    /* Delete: gone for reads, kept in the history. */
    json_decref(t_json_expect(h, OK, "leads", "Leads.Delete", t_user(1, 22, 7), "{\"ids\": [%lld]}",
                              (long long)a));
    REFUSED(NOT_FOUND, "id", NULL, t_admin(0, 1), "Leads.Get", "{\"id\": %lld}", (long long)a);
    REFUSED(NOT_FOUND, "ids", NULL, t_admin(0, 1), "Leads.Delete", "{\"ids\": [%lld]}",
            (long long)a);
    H_CHECK(s_count("SELECT count(*) FROM crm_outbox WHERE type = 'lead.deleted'") == 1,
            "one lead.deleted");
    h_note("transfer, batches all or nothing, delete");
}

/* 相关团队成员: team members read a lead and follow it up; the owner's side
 * stays with the owner's scope; they list it under the TEAM view. */
static void test_team(void)
{
    const Crm__Caller *owner = t_user(0, 41, 8), *mate = t_user(1, 42, 9);
    int64_t id = s_create(owner, "{\"name\": \"团队线索\"}");
    REFUSED(NOT_FOUND, "id", NULL, mate, "Leads.Get", "{\"id\": %lld}", (long long)id);
    REFUSED(INVALID, "user_ids", NULL, owner, "Leads.AddTeamMembers", "{\"ids\": [%lld]}",
            (long long)id);
    REFUSED(INVALID, "user_ids", "owns it", owner, "Leads.AddTeamMembers",
            "{\"ids\": [%lld], \"user_ids\": [41]}", (long long)id);
    REFUSED(NOT_FOUND, "ids", NULL, mate, "Leads.AddTeamMembers",
            "{\"ids\": [%lld], \"user_ids\": [42]}", (long long)id);
    json_t *r = t_json_expect(h, OK, "leads", "Leads.AddTeamMembers", owner,
                              "{\"ids\": [%lld], \"user_ids\": [42, 43, 42]}", (long long)id);
    json_t *lead0 = json_array_get(json_object_get(r, "leads"), 0);
    H_CHECK(json_array_size(json_object_get(lead0, "team_member_ids")) == 2,
            "two members, once each");
    json_decref(r);
    /* The member reads it (also from the cache) and follows it up. */
    for (int i = 0; i < 2; i++) {
        r = t_json_expect(h, OK, "leads", "Leads.Get", mate, "{\"id\": %lld}", (long long)id);
        json_decref(r);
    }
    r = t_json_expect(h, OK, "leads", "Leads.FollowUp", mate,
                      "{\"lead_id\": %lld, \"content\": \"协助跟进\","
                      " \"method\": \"FOLLOW_UP_METHOD_VISIT\"}",
                      (long long)id);
    H_CHECK(!strcmp(t_str(r, "lead.status"), "LEAD_STATUS_FOLLOWING"), "followed up by the team");
    json_decref(r);
    /* Not the owner's side. */
    REFUSED(DENIED, "ids", "team members", mate, "Leads.Transfer",
            "{\"ids\": [%lld], \"to_owner_id\": 42}", (long long)id);
    REFUSED(DENIED, "id", "team members", mate, "Leads.Convert", "{\"id\": %lld}", (long long)id);
    /* Listed under TEAM, not MINE. */
    r = t_json_expect(h, OK, "leads", "Leads.List", mate, "{\"view\": \"LEAD_VIEW_TEAM\"}");
    H_CHECK(json_array_size(json_object_get(r, "items")) == 1 && t_int(r, "items.0.id") == id,
            "the TEAM view");
    json_decref(r);
    r = t_json_expect(h, OK, "leads", "Leads.List", mate, "{\"view\": \"LEAD_VIEW_MINE\"}");
    H_CHECK(json_array_size(json_object_get(r, "items")) == 0, "not MINE");
    json_decref(r);
    /* Removed: the lead is out of reach again. */
    REFUSED(INVALID, "user_ids", NULL, owner, "Leads.RemoveTeamMembers",
            "{\"ids\": [%lld], \"user_ids\": [0]}", (long long)id);
    REFUSED(INVALID, "ids", NULL, owner, "Leads.RemoveTeamMembers", "{\"user_ids\": [42]}");
    json_decref(t_json_expect(h, OK, "leads", "Leads.RemoveTeamMembers", owner,
                              "{\"ids\": [%lld], \"user_ids\": [42]}", (long long)id));
    REFUSED(NOT_FOUND, "id", NULL, mate, "Leads.Get", "{\"id\": %lld}", (long long)id);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM leads WHERE id = %lld AND team_member_ids ="
             " '{43}'",
             (long long)id);
    H_CHECK(s_count(sql) == 1, "user 43 stays");
    H_CHECK(s_count("SELECT count(*) FROM crm_outbox WHERE type = 'lead.team_changed'") == 2,
            "one lead.team_changed per change");
    h_note("team members: read and follow up, listed under TEAM, not the owner's side");
}

int main(void)
{
    h = h_new("leads_actions");
    h_suite(h, 1, 0, 0, 0);
    h_start_all(h);
    test_create_checks();
    test_life_cycle();
    test_update();
    test_transfer_and_batches();
    test_team();
    h_stop(h, "leads", 0);
    h_destroy(&h);
    printf("leads_actions: ok\n");
    return 0;
}
