/* test_leads_history.c: a lead's history says what changed (issue #17),
 * over HTTP on real processes: an edit lists each changed field with its
 * old and new value; a transfer and a move to a pool list the owner, the
 * pool and the status the same way; a pool's member reads the contacts in
 * the history masked, as on the lead, and an admin reads them whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "http.h"
#include "suite.h"

static const char *base;
static char *admin, *member;

/* The change of field in the newest history entry with action, or NULL;
 * *r gets the response (caller frees). */
static json_t *s_change(t_resp_t *r, const char *token, long long lead, const char *action,
                        const char *field)
{
    t_httpf(r, "GET", base, token, NULL, "/api/v1/leads/%lld/history", lead);
    H_CHECK(r->status == 200, "history: %d %s", r->status, r->raw);
    json_t *items = json_object_get(r->body, "items"), *e;
    size_t i;
    json_array_foreach(items, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "action")), action) != 0)
            continue;
        json_t *changes = json_object_get(json_object_get(e, "detail"), "changes"), *c;
        size_t j;
        json_array_foreach(changes, j, c)
        {
            if (!strcmp(json_string_value(json_object_get(c, "field")), field))
                return c;
        }
        return NULL;
    }
    return NULL;
}

/* Checks that field changed from old to new (JSON texts) in the newest
 * entry of action. */
static void s_expect(const char *token, long long lead, const char *action, const char *field,
                     const char *old, const char *new)
{
    t_resp_t r;
    json_t *c = s_change(&r, token, lead, action, field);
    H_CHECK(c, "%s: no change of %s: %s", action, field, r.raw);
    char *o = json_dumps(json_object_get(c, "old"), JSON_ENCODE_ANY);
    char *n = json_dumps(json_object_get(c, "new"), JSON_ENCODE_ANY);
    H_CHECK(!strcmp(o, old) && !strcmp(n, new), "%s %s: %s -> %s, want %s -> %s", action, field, o,
            n, old, new);
    free(o);
    free(n);
    t_resp_free(&r);
}

static long long s_create(const char *token, const char *body, const char *path)
{
    t_resp_t r = t_expect(201, "POST", base, token, body, path);
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    return id;
}

/* POST /api/v1/leads/{lead}/{action} as the admin, with {key: value}. */
static void s_act(long long lead, const char *action, const char *key, long long value)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/%s", lead, action);
    char *body = crm_sprintf("{\"%s\":%lld}", key, value);
    t_resp_t r = t_expect(200, "POST", base, admin, body, path);
    t_resp_free(&r);
    free(body);
}

int main(void)
{
    h_t *h = h_new("leads_history");
    base = t_leads_gateway(h, &admin);
    long long member_id, other_id;
    member = t_new_user(base, admin, "member", "employee", 1, &member_id);
    free(t_new_user(base, admin, "other", "employee", 1, &other_id));

    long long lead = s_create(
        admin, "{\"name\":\"历史\",\"mobile\":\"13511112222\",\"remark\":\"a\"}", "/api/v1/leads");
    char path[96], *body;
    snprintf(path, sizeof path, "/api/v1/leads/%lld", lead);
    t_resp_t r = t_expect(200, "PATCH", base, admin,
                          "{\"remark\":\"b\",\"mobile\":\"13533334444\",\"tags\":[\"vip\"]}", path);
    t_resp_free(&r);
    s_expect(admin, lead, "updated", "remark", "\"a\"", "\"b\"");
    s_expect(admin, lead, "updated", "mobile", "\"13511112222\"", "\"13533334444\"");
    s_expect(admin, lead, "updated", "tags", "[]", "[\"vip\"]");
    t_resp_t u;
    H_CHECK(!s_change(&u, admin, lead, "updated", "name"), "an unchanged field is not listed");
    t_resp_free(&u);
    h_note("an edit: each changed field, old and new");

    /* A transfer: the owner, as from/to say. */
    s_act(lead, "transfer", "to_owner_id", other_id);
    char one[32];
    snprintf(one, sizeof one, "%lld", other_id);
    s_expect(admin, lead, "transferred", "owner_id", "1", one);

    /* Into a pool the member is in: owner, pool and status. */
    body = crm_sprintf("{\"name\":\"历史池\",\"member_user_ids\":[%lld]}", member_id);
    long long pool = s_create(admin, body, "/api/v1/lead-pools");
    free(body);
    s_act(lead, "pool", "pool_id", pool);
    char pid[32];
    snprintf(pid, sizeof pid, "%lld", pool);
    s_expect(admin, lead, "pooled", "owner_id", one, "0");
    s_expect(admin, lead, "pooled", "pool_id", "0", pid);
    s_expect(admin, lead, "pooled", "status", "\"pending\"", "\"unassigned\"");
    h_note("a transfer and a move to a pool: owner, pool and status alike");

    /* The member sees the lead masked: its history too. */
    s_expect(member, lead, "updated", "mobile", "\"135****2222\"", "\"135****4444\"");
    s_expect(member, lead, "updated", "remark", "\"a\"", "\"b\"");
    t_httpf(&r, "GET", base, member, NULL, "/api/v1/leads/%lld/history", lead);
    H_CHECK(!strstr(r.raw, "13511112222") && !strstr(r.raw, "13533334444"),
            "no whole number anywhere: %s", r.raw);
    t_resp_free(&r);
    s_expect(admin, lead, "updated", "mobile", "\"13511112222\"", "\"13533334444\"");
    h_note("history: contacts masked for whom the lead is masked");

    free(member);
    free(admin);
    h_stop(h, "gateway", 0);
    h_destroy(&h);
    return 0;
}
