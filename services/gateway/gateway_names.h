/* gateway_names.h: people's names beside their ids in replies (see
 * gateway_names.c). */
#ifndef GATEWAY_NAMES_H
#define GATEWAY_NAMES_H

#include "crm/rpc.h"
#include "gateway_call.h"

typedef struct gw_names gw_names_t;

/* A cache of user names over db, entries kept ttl_ms. Caller owns it. */
gw_names_t *gw_names_new(gw_t *gw, int ttl_ms);
/* Safe on NULL; sets *names_p to NULL. */
void gw_names_destroy(gw_names_t **names_p);

/* Drops every cached name (the organisation changed here); arg is the
 * gw_names_t, as gw_identity_on_change calls it. */
void gw_names_forget(void *names);

/* Answers c with res as gw_call_answer does, a successful reply with the
 * names of the people it names added (from the cache, else one read of
 * the users table). */
void gw_names_answer(gw_call_t *c, const crm_rpc_result_t *res);

#endif
