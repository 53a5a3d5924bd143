/* pool.c: a pool's people, claim rules, deadlines and masking (see
 * crm/pool.h). */
#include "crm/pool.h"

#include <string.h>

#include "crm/scope.h"
#include "crm/validate.h"

#define DAY_US 86400000000LL

static int s_has(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

crm_pool_person_t crm_pool_person(const Crm__Caller *c)
{
    crm_pool_person_t who = {0};
    if (!c)
        return who;
    who.user_id = c->user_id;
    who.all = crm_scope_all(c);
    who.departments = &c->department_id;
    who.n_departments = c->department_id ? 1 : 0;
    return who;
}

int crm_pool_is_admin(const crm_pool_t *p, const crm_pool_person_t *who)
{
    return who->all || (p && who->user_id && s_has(p->admin_ids, p->n_admin_ids, who->user_id));
}

int crm_pool_is_member(const crm_pool_t *p, const crm_pool_person_t *who)
{
    if (crm_pool_is_admin(p, who))
        return 1;
    if (!p || !who->user_id)
        return 0;
    if (s_has(p->member_user_ids, p->n_member_user_ids, who->user_id))
        return 1;
    for (size_t i = 0; i < who->n_departments; i++)
        if (who->departments[i] &&
            s_has(p->member_department_ids, p->n_member_department_ids, who->departments[i]))
            return 1;
    return 0;
}

int crm_pool_check(const crm_pool_t *p, crm_err_t *err)
{
    if (crm_text_check(err, "name", p->name, 100, 1) < 0 ||
        crm_text_check(err, "description", p->description, 1000, 0) < 0)
        return -1;
    const struct {
        const char *field;
        int32_t v, max;
    } nums[] = {{"daily_claim_limit", p->daily_claim_limit, 10000},
                {"holding_cap", p->holding_cap, 1000000},
                {"cooloff_days", p->cooloff_days, 3650},
                {"recycle_days", p->recycle_days, 3650},
                {"warn_days", p->warn_days, 365}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (nums[i].v < 0 || nums[i].v > nums[i].max)
            return crm_err_invalid(err, nums[i].field, "must be between 0 and %d", nums[i].max);
    return 0;
}

int crm_pool_may_claim(const crm_pool_t *p, const crm_pool_person_t *who,
                       const crm_pool_claim_t *claim, int64_t now_us, crm_err_t *err)
{
    if (!crm_pool_is_member(p, who))
        return crm_err_set(err, CRM__STATUS__PERMISSION_DENIED, NULL,
                           "you are not a member of pool \"%s\"", p->name);
    if (!p->allow_claim && !crm_pool_is_admin(p, who))
        return crm_err_set(err, CRM__STATUS__PERMISSION_DENIED, NULL,
                           "pool \"%s\" does not let members claim; its admins assign %s", p->name,
                           p->nouns);
    int64_t until = claim->pooled_at_us + (int64_t)p->cooloff_days * DAY_US;
    if (p->cooloff_days && claim->previous_owner_id == who->user_id && now_us < until)
        return crm_err_set(err, CRM__STATUS__FAILED_PRECONDITION, NULL,
                           "you gave this %s up less than %d days ago; pool \"%s\" lets you "
                           "claim it back from %lld (microseconds since the epoch)",
                           p->noun, p->cooloff_days, p->name, (long long)until);
    if (p->daily_claim_limit && claim->claimed_today >= p->daily_claim_limit)
        return crm_err_set(err, CRM__STATUS__FAILED_PRECONDITION, NULL,
                           "you reached pool \"%s\"'s limit of %d claims a day", p->name,
                           p->daily_claim_limit);
    if (p->holding_cap && claim->holding >= p->holding_cap)
        return crm_err_set(err, CRM__STATUS__FAILED_PRECONDITION, NULL,
                           "you hold %d %s of pool \"%s\", its cap; follow up or release some "
                           "first",
                           p->holding_cap, p->nouns, p->name);
    return 0;
}

int64_t crm_pool_recycle_at(const crm_pool_t *p, int64_t last_followup_us, int64_t owner_since_us,
                            int64_t created_us)
{
    if (!p || p->recycle_days <= 0)
        return 0;
    int64_t last = last_followup_us ? last_followup_us
                   : owner_since_us ? owner_since_us
                                    : created_us;
    return last + (int64_t)p->recycle_days * DAY_US;
}

int64_t crm_pool_warn_at(const crm_pool_t *p, int64_t recycle_at_us)
{
    if (!p || !recycle_at_us || p->warn_days <= 0)
        return 0;
    return recycle_at_us - (int64_t)p->warn_days * DAY_US;
}

int crm_pool_must_mask(const crm_pool_t *p, int64_t pool_id, int64_t owner_id,
                       const crm_pool_person_t *who)
{
    return owner_id == 0 && pool_id && !crm_pool_is_admin(p, who);
}

void crm_pool_mask(char **const *fields, size_t n, char (*buf)[CRM_POOL_MASK_LEN])
{
    for (size_t i = 0; i < n; i++) {
        if (!*fields[i] || !**fields[i])
            continue;
        if (strlen(*fields[i]) >= CRM_POOL_MASK_LEN)
            strcpy(buf[i], "****");
        else
            crm_phone_mask(*fields[i], buf[i], CRM_POOL_MASK_LEN);
        *fields[i] = buf[i];
    }
}

/* The address of msg's field name, or NULL when it has none. */
static const void *s_field(const ProtobufCMessage *msg, const char *name,
                           const ProtobufCFieldDescriptor **f)
{
    *f = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    return *f ? (const char *)msg + (*f)->offset : NULL;
}

static int64_t s_int(const ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f;
    const void *p = s_field(msg, name, &f);
    if (!p)
        return 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
        return *(const int64_t *)p;
    case PROTOBUF_C_TYPE_INT32:
        return *(const int32_t *)p;
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)p;
    default:
        return 0;
    }
}

static const char *s_text(const ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f;
    const void *p = s_field(msg, name, &f);
    return p && f->type == PROTOBUF_C_TYPE_STRING ? *(char *const *)p : "";
}

static const int64_t *s_ids(const ProtobufCMessage *msg, const char *name, size_t *n)
{
    const ProtobufCFieldDescriptor *f;
    const void *p = s_field(msg, name, &f);
    *n = p ? *(const size_t *)((const char *)msg + f->quantifier_offset) : 0;
    return p ? *(int64_t *const *)p : NULL;
}

const crm_pool_t *crm_pool_view(const ProtobufCMessage *msg, const char *noun, const char *nouns,
                                crm_pool_t *v)
{
    if (!msg)
        return NULL;
    memset(v, 0, sizeof *v);
    v->id = s_int(msg, "id");
    v->name = s_text(msg, "name");
    v->description = s_text(msg, "description");
    v->admin_ids = s_ids(msg, "admin_ids", &v->n_admin_ids);
    v->member_user_ids = s_ids(msg, "member_user_ids", &v->n_member_user_ids);
    v->member_department_ids = s_ids(msg, "member_department_ids", &v->n_member_department_ids);
    v->allow_claim = (int)s_int(msg, "allow_claim");
    v->daily_claim_limit = (int32_t)s_int(msg, "daily_claim_limit");
    v->holding_cap = (int32_t)s_int(msg, "holding_cap");
    v->cooloff_days = (int32_t)s_int(msg, "cooloff_days");
    v->recycle_days = (int32_t)s_int(msg, "recycle_days");
    v->warn_days = (int32_t)s_int(msg, "warn_days");
    v->noun = noun;
    v->nouns = nouns;
    return v;
}
