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

/* Makes sure the cache holds the name of every person msg names (at any
 * depth): returns 1 if it does already (done is not called), else 0 after
 * starting one read of the users table, at the end of which done(arg, ok)
 * runs (ok 0: the read failed). msg need not outlive the call. */
int gw_names_fetch(gw_names_t *n, const ProtobufCMessage *msg, void (*done)(void *arg, int ok),
                   void *arg);

/* The JSON writer's hook that writes the names beside the ids, from the
 * cache (crm/pbjson.h; crm/table.h takes it too): "owner_name" after
 * "owner_id", "" for an id of no user, nothing for 0. */
crm_pb_extra_t gw_names_extra(gw_names_t *n);

#endif
