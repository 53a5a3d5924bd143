/* pool.h: a pool of unowned records (线索池 of leads, 公海 of customers) as
 * rules any domain shares: its people (admins; members: users, and
 * departments with their whole subtree), who may claim how many and when
 * (daily limit, holding cap, cool-off before a previous owner claims back),
 * when a held record goes back (recycle) and when its holder is warned, and
 * the masking of contact fields for those who have not claimed it.
 *
 * Pure: no database, no call, no allocation. A decision returns 0, or -1
 * with a crm_err_t (status, field, message) that the domain answers as it
 * answers any refusal, so every domain words a refusal the same way. The
 * domain keeps its pools in its own table and message; it hands a view of
 * one (crm_pool_t, pointing into its message) to these functions. */
#ifndef CRM_POOL_H
#define CRM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "rpc.pb-c.h"

/* A pool's people and rules. Arrays and strings are the domain's. */
typedef struct {
    int64_t id;
    const char *name, *description;
    const int64_t *admin_ids;
    size_t n_admin_ids;
    const int64_t *member_user_ids;
    size_t n_member_user_ids;
    const int64_t *member_department_ids; /* each with its subtree */
    size_t n_member_department_ids;
    int allow_claim;           /* members may claim; else only admins assign */
    int32_t daily_claim_limit; /* claims per user per day; 0: none */
    int32_t holding_cap;       /* records of the pool one user holds at once; 0: none */
    int32_t cooloff_days;      /* before a previous owner may claim it back; 0: none */
    int32_t recycle_days;      /* a held record goes back after this long idle; 0: never */
    int32_t warn_days;         /* its holder is warned this long before; 0: never */
    const char *noun, *nouns;  /* the records in refusals: "lead", "leads" */
} crm_pool_t;

/* The view of a domain's pool message msg (its fields named as crm_pool_t's:
 * id, name, description, admin_ids, member_user_ids, member_department_ids,
 * allow_claim, daily_claim_limit, holding_cap, cooloff_days, recycle_days,
 * warn_days; read by the message's descriptor) in v, pointing into msg;
 * NULL when msg is. A field the message lacks keeps its zero. */
const crm_pool_t *crm_pool_view(const ProtobufCMessage *msg, const char *noun, const char *nouns,
                                crm_pool_t *v);

/* Who asks. departments: the person's department first, then its
 * ancestors, so a member department takes in its whole subtree. */
typedef struct {
    int64_t user_id; /* 0: the system */
    int all;         /* sees everything (admins, the system) */
    const int64_t *departments;
    size_t n_departments;
} crm_pool_person_t;

/* The person a call is made by. The Caller carries its own department
 * only, so departments is that one (pointing into c); a domain that knows
 * the ancestors sets departments itself. */
crm_pool_person_t crm_pool_person(const Crm__Caller *c);

/* Is who an admin of p? Admins of everything are. p may be NULL (a pool
 * not known): then only they are. */
int crm_pool_is_admin(const crm_pool_t *p, const crm_pool_person_t *who);

/* Is who a member of p (an admin of it, a member user, or in a member
 * department or below one)? NULL p: as crm_pool_is_admin. */
int crm_pool_is_member(const crm_pool_t *p, const crm_pool_person_t *who);

/* Checks the rules as a person gave them: the name (1..100 characters),
 * the description (..1000), each number in its range. 0, or -1 with
 * INVALID_ARGUMENT naming the field. */
int crm_pool_check(const crm_pool_t *p, crm_err_t *err);

/* One claim of one record of the pool, and what the claimer has already. */
typedef struct {
    int64_t previous_owner_id; /* the record's owner before it was pooled */
    int64_t pooled_at_us;      /* when it was pooled */
    int64_t claimed_today;     /* the claimer's claims of this pool today (in the business
                                  time zone), this request's earlier ones included */
    int64_t holding;           /* records of this pool the claimer holds, likewise */
} crm_pool_claim_t;

/* May who claim the record now? In this order: a member
 * (PERMISSION_DENIED), the pool lets members claim unless who is its admin
 * (PERMISSION_DENIED), the cool-off for its previous owner, the daily
 * limit, the holding cap (FAILED_PRECONDITION). 0, or -1 with err (no
 * field). */
int crm_pool_may_claim(const crm_pool_t *p, const crm_pool_person_t *who,
                       const crm_pool_claim_t *claim, int64_t now_us, crm_err_t *err);

/* When a held record goes back to p: its last activity (the last
 * follow-up, else when its owner took it, else when it was created: the
 * first of them that is set, non-zero) plus recycle_days. 0: never (no
 * rule). */
int64_t crm_pool_recycle_at(const crm_pool_t *p, int64_t last_followup_us, int64_t owner_since_us,
                            int64_t created_us);

/* When its holder is warned of the recycle at recycle_at_us: warn_days
 * before. 0: never. */
int64_t crm_pool_warn_at(const crm_pool_t *p, int64_t recycle_at_us);

/* The same deadlines in SQL, for the set-based jobs that recycle and warn:
 * expressions over the record's columns (timestamptz, NULL when unset) and
 * the pool's (integer days). */
#define CRM_POOL_LAST_ACT_SQL(followup, since, created)                                            \
    "COALESCE(" followup ", " since ", " created ")"
#define CRM_POOL_RECYCLE_AT_SQL(followup, since, created, days)                                    \
    "(" CRM_POOL_LAST_ACT_SQL(followup, since, created) " + " days " * interval '1 day')"
#define CRM_POOL_WARN_AT_SQL(recycle_at, warn_days)                                                \
    "(" recycle_at " - " warn_days " * interval '1 day')"

/* Must a record's contact fields be masked for who? When it is unowned in
 * a pool (pool_id set; p that pool, or NULL when not known) and who is not
 * the pool's admin. */
int crm_pool_must_mask(const crm_pool_t *p, int64_t pool_id, int64_t owner_id,
                       const crm_pool_person_t *who);

/* Bytes of one masked value. */
#define CRM_POOL_MASK_LEN 64

/* Masks the values *fields[0..n) in place: each non-empty one then points
 * to its masked form (138****5678; "****" for a value too long) in
 * buf[i], which must live as long as the values are used. */
void crm_pool_mask(char **const *fields, size_t n, char (*buf)[CRM_POOL_MASK_LEN]);

#endif
