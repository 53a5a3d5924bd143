/* identity_password.c: passwords are argon2id strings (crypto_pwhash_str),
 * hashed and verified on libuv's thread pool because they are slow on
 * purpose; a call holds one of CRM_PWHASH_MAX_JOBS slots from its request
 * to its answer, and a call finding none free is turned away. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/trace.h"
#include "crm/util.h"
#include "identity_impl.h"

struct id_pw {
    gw_identity_t *id;
};

id_pw_t *id_pw_begin(gw_identity_t *id, crm_rpc_call_t *call)
{
    if (id->pw_jobs >= id->pw_max_jobs) {
        crm_rpc_fail(call, CRM__STATUS__RATE_LIMITED, NULL, "too many sign-ins in progress; retry");
        return NULL;
    }
    id->pw_jobs++;
    id_pw_t *pw = crm_calloc(1, sizeof *pw);
    pw->id = id;
    return pw;
}

void id_pw_end(id_pw_t **pw_p)
{
    if (!pw_p || !*pw_p)
        return;
    (*pw_p)->id->pw_jobs--;
    free(*pw_p);
    *pw_p = NULL;
}

int id_password_check(crm_err_t *err, const char *field, const char *pw)
{
    size_t n = strlen(pw);
    if (n < 8 || n > 256)
        return crm_err_invalid(err, field, "a password has 8 to 256 characters");
    return 0;
}

/* ---- the thread pool -------------------------------------------------------- */

typedef struct {
    uv_work_t work;
    char *password;
    char hash[crypto_pwhash_STRBYTES];
    int verify; /* 1: check password against hash; 0: hash password */
    int ok;
    unsigned long long ops;
    size_t mem;
    void (*hashed)(void *arg, const char *hash);
    void (*verified)(void *arg, int ok);
    void *arg;
    crm_trace_t trace; /* the request's, again around the callback (crm/trace.h) */
} s_job_t;

static void s_work(uv_work_t *w)
{
    s_job_t *j = w->data;
    size_t len = strlen(j->password);
    if (j->verify)
        j->ok = crypto_pwhash_str_verify(j->hash, j->password, len) == 0;
    else
        j->ok = crypto_pwhash_str(j->hash, j->password, len, j->ops, j->mem) == 0;
}

static void s_after(uv_work_t *w, int status)
{
    s_job_t *j = w->data;
    int ok = status == 0 && j->ok;
    sodium_memzero(j->password, strlen(j->password));
    free(j->password);
    crm_trace_t was = crm_trace_swap(j->trace.id);
    if (j->verify)
        j->verified(j->arg, ok);
    else
        j->hashed(j->arg, ok ? j->hash : NULL);
    crm_trace_restore(&was);
    free(j);
}

static s_job_t *s_job(id_pw_t *pw, const char *password, void *arg)
{
    s_job_t *j = crm_calloc(1, sizeof *j);
    j->work.data = j;
    j->password = crm_strdup(password);
    j->ops = pw->id->pw_ops;
    j->mem = pw->id->pw_mem;
    j->arg = arg;
    j->trace = crm_trace_keep();
    return j;
}

void id_pw_hash(id_pw_t *pw, const char *password, void (*cb)(void *arg, const char *hash),
                void *arg)
{
    s_job_t *j = s_job(pw, password, arg);
    j->hashed = cb;
    uv_queue_work(pw->id->loop, &j->work, s_work, s_after);
}

void id_pw_verify(id_pw_t *pw, const char *password, const char *hash,
                  void (*cb)(void *arg, int ok), void *arg)
{
    s_job_t *j = s_job(pw, password, arg);
    j->verify = 1;
    snprintf(j->hash, sizeof j->hash, "%s", hash);
    j->verified = cb;
    uv_queue_work(pw->id->loop, &j->work, s_work, s_after);
}
