/* sales_stages.c: the rules of stage pipelines, pure (no database, no RPC):
 * a pipeline's stages and lost reasons checked as an admin gives them,
 * every field at fault named ("stages[2].probability"). Unit-tested in
 * tests/unit/test_sales_rules.c. */
#include <string.h>
#include <strings.h>

#include "crm/util.h"
#include "crm/validate.h"
#include "sales_rules.h"

/* The request fields of stage i (static text, as crm_err_t wants). */
#define STAGE_FIELDS(i)                                                                            \
    {                                                                                              \
        "stages[" #i "].id", "stages[" #i "].name", "stages[" #i "].probability",                  \
            "stages[" #i "].required_fields"                                                       \
    }
static const char *const s_stage_field[SALES_STAGES_MAX][4] = {
    STAGE_FIELDS(0),  STAGE_FIELDS(1),  STAGE_FIELDS(2),  STAGE_FIELDS(3),  STAGE_FIELDS(4),
    STAGE_FIELDS(5),  STAGE_FIELDS(6),  STAGE_FIELDS(7),  STAGE_FIELDS(8),  STAGE_FIELDS(9),
    STAGE_FIELDS(10), STAGE_FIELDS(11), STAGE_FIELDS(12), STAGE_FIELDS(13), STAGE_FIELDS(14),
    STAGE_FIELDS(15), STAGE_FIELDS(16), STAGE_FIELDS(17), STAGE_FIELDS(18), STAGE_FIELDS(19),
};
enum { F_ID, F_NAME, F_PROBABILITY, F_REQUIRED };

/* Are a and b the same text once the spaces around are cut, in any ASCII
 * case? (Names people tell apart by more than that are different.) */
static int s_same_text(const char *a, const char *b)
{
    while (*a == ' ')
        a++;
    while (*b == ' ')
        b++;
    size_t na = strlen(a), nb = strlen(b);
    while (na && a[na - 1] == ' ')
        na--;
    while (nb && b[nb - 1] == ' ')
        nb--;
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* Is v[i] the same as one of v[0..i)? */
static int s_repeated(char *const *v, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (s_same_text(v[k], v[i]))
            return 1;
    return 0;
}

/* A list of short texts (lost reasons, required fields): 1..max_len
 * characters each, none twice; the first fault on field. */
static int s_texts(crm_errs_t *errs, const char *field, char *const *v, size_t n, long max_len)
{
    crm_err_t err;
    for (size_t i = 0; i < n; i++) {
        if (crm_text_check(&err, field, v[i], max_len, 1) < 0 || !v[i][strspn(v[i], " ")])
            return crm_errs_invalid(errs, field, "each is 1 to %ld characters", max_len);
        if (s_repeated(v, i))
            return crm_errs_invalid(errs, field, "\"%s\" is there twice", v[i]);
    }
    return 0;
}

static void s_stage(crm_errs_t *errs, Crm__Sales__Stage *const *stages, size_t i)
{
    const Crm__Sales__Stage *st = stages[i];
    const char *const *f = s_stage_field[i];
    crm_err_t err;
    if (st->id < 0)
        crm_errs_invalid(errs, f[F_ID], "a stage's id is that of one of the pipeline's, or 0");
    for (size_t k = 0; k < i && st->id; k++)
        if (stages[k]->id == st->id) {
            crm_errs_invalid(errs, f[F_ID], "stage %lld is there twice", (long long)st->id);
            break;
        }
    if (crm_text_check(&err, f[F_NAME], st->name, SALES_STAGE_NAME_MAX, 1) < 0 ||
        !st->name[strspn(st->name, " ")])
        crm_errs_invalid(errs, f[F_NAME], "a stage's name is 1 to %d characters",
                         SALES_STAGE_NAME_MAX);
    for (size_t k = 0; k < i; k++)
        if (s_same_text(stages[k]->name, st->name)) {
            crm_errs_invalid(errs, f[F_NAME], "two stages are named \"%s\"", st->name);
            break;
        }
    if (st->probability < 0 || st->probability > 100)
        crm_errs_invalid(errs, f[F_PROBABILITY], "a probability is a percentage, 0 to 100");
    if (st->n_required_fields > SALES_REQUIRED_MAX)
        crm_errs_invalid(errs, f[F_REQUIRED], "at most %d required fields", SALES_REQUIRED_MAX);
    else
        s_texts(errs, f[F_REQUIRED], st->required_fields, st->n_required_fields,
                SALES_FIELD_NAME_MAX);
}

int sales_pipeline_check(const sales_pipeline_input_t *in, crm_errs_t *errs)
{
    size_t before = errs->n;
    crm_err_t err;
    if (in->name && (crm_text_check(&err, "name", in->name, SALES_PIPELINE_NAME_MAX, 1) < 0 ||
                     !in->name[strspn(in->name, " ")]))
        crm_errs_invalid(errs, "name", "a pipeline's name is 1 to %d characters",
                         SALES_PIPELINE_NAME_MAX);
    if (in->has_stages) {
        if (in->n_stages < 1 || in->n_stages > SALES_STAGES_MAX)
            crm_errs_invalid(errs, "stages", "a pipeline has 1 to %d stages", SALES_STAGES_MAX);
        else
            for (size_t i = 0; i < in->n_stages; i++)
                s_stage(errs, in->stages, i);
    }
    if (in->has_lost_reasons) {
        if (in->n_lost_reasons < 1 || in->n_lost_reasons > SALES_LOST_REASONS_MAX)
            crm_errs_invalid(errs, "lost_reasons", "a pipeline has 1 to %d lost reasons",
                             SALES_LOST_REASONS_MAX);
        else
            s_texts(errs, "lost_reasons", in->lost_reasons, in->n_lost_reasons,
                    SALES_LOST_REASON_MAX);
    }
    if (in->has_stale_days && (in->stale_days < 0 || in->stale_days > SALES_STALE_DAYS_MAX))
        crm_errs_invalid(errs, "stale_days",
                         "stale days are 0 (never) to %d, or null (the"
                         " service's)",
                         SALES_STALE_DAYS_MAX);
    return errs->n > before ? -1 : 0;
}
