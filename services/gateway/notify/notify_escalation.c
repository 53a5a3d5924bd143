/* notify_escalation.c: escalation (升级) in the notification centre. A
 * next contact time left undone (lead.reminder_escalated,
 * customer.reminder_escalated: crm.events.ReminderEscalated) goes to the
 * manager of its owner's department, as the gateway knows them: the
 * owner's department (the event's, for an owner it does not know), else
 * the nearest department above it that has one, managers being the active
 * users of role manager other than the owner (so a manager's own goes to
 * the manager above). Every manager of that department gets a
 * notification and a row of their event stream, once per event; when no
 * department up to the root has one, nobody is notified (the event still
 * reaches the owner's stream and webhooks). */
#include <stdlib.h>
#include <string.h>

#include "crm/util.h"
#include "notify_impl.h"

/* The title's words for the manager of an escalation of type, or NULL
 * when type is not one. */
static const char *s_title(const char *type)
{
    if (!strcmp(type, "lead.reminder_escalated"))
        return "下属线索逾期未跟进";
    if (!strcmp(type, "customer.reminder_escalated"))
        return "下属客户逾期未联系";
    return NULL;
}

void ntf_escalation_prepare(crm_db_t *db)
{
    /* $1 the owner, $2 the event's department, $3 the event, $4 its type,
     * $5 the title's words, $6 the record's id, $7 the event as JSON, $8 the
     * stream's row, $9 the record's name. */
    crm_db_prepare(
        db, "gw_escalation_notify",
        "WITH RECURSIVE up(id, parent_id, depth) AS ("
        "  SELECT d.id, d.parent_id, 1 FROM departments d WHERE d.id = COALESCE((SELECT"
        "  u.department_id FROM users u WHERE u.id = $1::bigint), NULLIF($2::bigint, 0))"
        "  UNION ALL SELECT d.id, d.parent_id, up.depth + 1 FROM departments d"
        "  JOIN up ON d.id = up.parent_id WHERE up.depth < 64),"
        " managers AS (SELECT u.id, up.depth FROM up JOIN users u ON u.department_id = up.id"
        "  WHERE u.role = 'manager' AND u.active AND u.id <> $1::bigint),"
        " told AS (INSERT INTO gw_notifications (user_id, event_id, type, title, aggregate_id,"
        "  event) SELECT m.id, $3::uuid, $4::text, format('%s：%s（%s）', $5::text, $9::text,"
        "  COALESCE((SELECT COALESCE(NULLIF(o.display_name, ''), o.username) FROM users o"
        "  WHERE o.id = $1::bigint), '用户 ' || $1::bigint)), $6::text, $7::text"
        "  FROM managers m WHERE m.depth = (SELECT min(depth) FROM managers)"
        "  ON CONFLICT (event_id, user_id) DO NOTHING RETURNING user_id)"
        " INSERT INTO gw_feed (user_id, type, event) SELECT user_id, $4::text, $8::text FROM told");
}

void ntf_escalation_add(crm_db_batch_t *b, const Crm__Event *ev, json_t *j, int *locked)
{
    const char *title = s_title(ev->type);
    if (!title)
        return;
    json_t *payload = json_object_get(j, "payload");
    char owner[24], dept[24];
    crm_i64(owner, (int64_t)json_integer_value(json_object_get(payload, "owner_id")));
    crm_i64(dept, (int64_t)json_integer_value(json_object_get(payload, "department_id")));
    const char *name = json_string_value(json_object_get(payload, "name"));
    ntf_feed_lock(b, locked); /* before the managers' rows */
    char *text = json_dumps(j, JSON_COMPACT);
    char *feed = ntf_feed_text(ev, payload);
    const char *p[] = {owner, dept, ev->event_id,    ev->type, title, ev->aggregate_id,
                       text,  feed, name ? name : ""};
    crm_db_batch_add(b, "gw_escalation_notify", 9, p);
    free(text);
    free(feed);
}
