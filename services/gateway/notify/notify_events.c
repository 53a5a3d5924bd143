/* notify_events.c: notifications from events. The gateway consumes the
 * leads, customers and sales services' events (crm/consumer.h: each
 * applied exactly once) and keeps, per user, the ones that ask them to do
 * something: a next follow-up time come, a warning before recycling, a
 * lead, customer, opportunity or order given to them, an order or a
 * contract to approve (theirs, or their role's) or decided, a payment of
 * theirs confirmed, rejected or refunded, an instalment of a payment plan
 * coming due or overdue, a contract of
 * theirs ending soon or expired, a lead or customer taken back to its pool, their
 * daily digest (notify_digest.c), a reminder their team left undone
 * (notify_escalation.c); and, for the event stream, every event naming a
 * user as an owner (notify_feed.c). The same consumer hands identity the
 * domains' handover reports (id_handover_event). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/event_types.h"
#include "crm/log.h"
#include "crm/util.h"
#include "identity/identity.h"
#include "notify_impl.h"

/* What an event type tells whom: the payload member naming the user, and
 * the title's words before the lead's or customer's name. */
static const struct {
    const char *type;
    const char *user; /* dotted path into the payload */
    const char *name; /* the record's name, or NULL */
    const char *title;
} s_kinds[] = {
    {"lead.reminder", "owner_id", "name", "今日待跟进线索"},
    {"lead.recycle_warning", "owner_id", "name", "线索即将被收回线索池"},
    {"lead.transferred", "to_owner_id", "lead.name", "线索转移给你"},
    {"lead.assigned", "to_owner_id", "lead.name", "线索池分配给你"},
    {"lead.recycled", "previous_owner_id", "lead.name", "线索已被收回线索池"},
    {"customer.recycled", "previous_owner_id", NULL, "客户已被收回公海"},
    {"customer.transferred", "to_owner_id", "customer.name", "客户转移给你"},
    {"customer.recycle_warning", "owner_id", "name", "客户即将被收回公海"},
    {"customer.reminder", "owner_id", "name", "今日需联系客户"},
    {"opportunity.transferred", "to_owner_id", "opportunity.name", "商机转移给你"},
    {"opportunity.stale", "owner_id", "name", "商机停滞未推进"},
    {"contract.expiring", "contract.owner_id", "contract.name", "合同即将到期"},
    {"contract.expired", "contract.owner_id", "contract.name", "合同已到期"},
    {"order.submitted", "order.approver_id", "order.number", "订单待你审批"},
    {"order.approval_advanced", "order.approver_id", "order.number", "订单待你审批"},
    {"order.approved", "order.owner_id", "order.number", "订单审批通过"},
    {"order.rejected", "order.owner_id", "order.number", "订单被驳回"},
    {"order.transferred", "to_owner_id", "order.number", "订单转移给你"},
    {"contract.submitted", "contract.approver_id", "contract.name", "合同待你审批"},
    {"contract.approval_advanced", "contract.approver_id", "contract.name", "合同待你审批"},
    {"contract.approved", "contract.owner_id", "contract.name", "合同审批通过"},
    {"contract.rejected", "contract.owner_id", "contract.name", "合同被驳回"},
    {"payment.confirmed", "payment.owner_id", "payment.order_number", "回款已确认"},
    {"payment.rejected", "payment.owner_id", "payment.order_number", "回款被驳回"},
    {"payment.refunded", "payment.owner_id", "payment.order_number", "回款已退款"},
    {"payment_plan.due", "owner_id", "order_number", "回款计划即将到期"},
    {"payment_plan.overdue", "owner_id", "order_number", "回款计划已逾期"},
};

/* An approval waiting on a role (审批角色) rather than a person (the user
 * member 0): the member naming the role, whose every active holder is
 * told, but the record's owner. */
static const struct {
    const char *type, *role, *owner; /* dotted paths into the payload */
} s_role_kinds[] = {
    {"order.submitted", "order.approver_role", "order.owner_id"},
    {"order.approval_advanced", "order.approver_role", "order.owner_id"},
    {"contract.submitted", "contract.approver_role", "contract.owner_id"},
    {"contract.approval_advanced", "contract.approver_role", "contract.owner_id"},
};

static json_t *s_at(json_t *j, const char *path)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); j && k; k = strtok_r(NULL, ".", &save))
        j = json_object_get(j, k);
    return j;
}

/* The role the event of type asks in payload (NULL: none), and the owner. */
static const char *s_role_of(const char *type, json_t *payload, json_int_t *owner)
{
    for (size_t k = 0; k < sizeof s_role_kinds / sizeof s_role_kinds[0]; k++)
        if (!strcmp(s_role_kinds[k].type, type)) {
            const char *role = json_string_value(s_at(payload, s_role_kinds[k].role));
            *owner = json_integer_value(s_at(payload, s_role_kinds[k].owner));
            return role && *role ? role : NULL;
        }
    return NULL;
}

/* Adds the notification ev (as JSON j) makes, if it makes one, to b. */
static void s_add(crm_db_batch_t *b, const Crm__Event *ev, json_t *j)
{
    size_t k = 0;
    while (k < sizeof s_kinds / sizeof s_kinds[0] && strcmp(s_kinds[k].type, ev->type) != 0)
        k++;
    if (k == sizeof s_kinds / sizeof s_kinds[0])
        return;
    json_t *payload = json_object_get(j, "payload");
    json_int_t user = json_integer_value(s_at(payload, s_kinds[k].user));
    json_int_t owner = 0;
    const char *role = user > 0 ? NULL : s_role_of(ev->type, payload, &owner);
    if (user <= 0 && !role)
        return;
    const char *name = s_kinds[k].name ? json_string_value(s_at(payload, s_kinds[k].name)) : 0;
    char *title = name && *name ? crm_sprintf("%s：%s", s_kinds[k].title, name)
                                : crm_sprintf("%s：%s", s_kinds[k].title, ev->aggregate_id);
    char *text = json_dumps(j, JSON_COMPACT);
    char uid[24];
    if (user > 0) {
        const char *p[] = {
            crm_i64(uid, (int64_t)user), ev->event_id, ev->type, title, ev->aggregate_id, text};
        crm_db_batch_add(b, "gw_notification_insert", 6, p);
    } else {
        const char *p[] = {role,
                           ev->event_id,
                           ev->type,
                           title,
                           ev->aggregate_id,
                           text,
                           crm_i64(uid, (int64_t)owner)};
        crm_db_batch_add(b, "gw_notification_insert_role", 7, p);
    }
    free(title);
    free(text);
}

static void s_inserted(void *arg, const crm_db_result_t *res)
{
    crm_consumer_batch_t *batch = arg;
    if (res->err)
        crm_log(CRM_WARN, "notifications not stored; retried", "error", res->message, NULL);
    crm_consumer_done(batch, NULL, !res->err);
}

static void s_apply(void *arg, crm_db_tx_t *tx, Crm__Event *const *events, size_t n,
                    crm_consumer_batch_t *batch)
{
    (void)arg;
    crm_db_batch_t *b = crm_db_batch_new();
    int locked = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *j = crm_event_to_json(events[i]);
        s_add(b, events[i], j);
        ntf_digest_add(b, events[i], j, &locked);     /* a user's digest of the day */
        ntf_escalation_add(b, events[i], j, &locked); /* to the owner's manager */
        ntf_feed_add(b, events[i], j, &locked);       /* the event stream's */
        json_decref(j);
        id_handover_event(b, events[i]); /* the domains' handover reports */
    }
    if (crm_db_batch_size(b) == 0) {
        crm_db_batch_destroy(&b);
        crm_consumer_done(batch, NULL, 1);
        return;
    }
    crm_db_tx_submit(tx, &b, s_inserted, batch);
}

void ntf_events_start(gw_notify_t *n)
{
    crm_service_consume(n->svc, "leads", s_apply, n, 0);
    crm_service_consume(n->svc, "customers", s_apply, n, 0);
    crm_service_consume(n->svc, "sales", s_apply, n, 0);
}
