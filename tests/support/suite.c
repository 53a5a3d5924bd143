/* suite.c: calls into the running suite for integration tests (see suite.h). */
#include "suite.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "crm/pbjson.h"

static void *s_zctx;

static void s_term(void)
{
    if (s_zctx)
        zmq_ctx_term(s_zctx);
}

void *t_zctx(void)
{
    if (!s_zctx) {
        s_zctx = zmq_ctx_new();
        atexit(s_term);
    }
    return s_zctx;
}

const Crm__Caller *t_system(void)
{
    static Crm__DataScope scope = CRM__DATA_SCOPE__INIT;
    static Crm__Caller c = CRM__CALLER__INIT;
    scope.all = 1;
    c.role = CRM__ROLE__ROLE_SYSTEM;
    c.scope = &scope;
    return &c;
}

const Crm__Caller *t_employee(int64_t user_id, int64_t dept)
{
    static Crm__DataScope scope = CRM__DATA_SCOPE__INIT;
    static int64_t ids[1];
    static Crm__Caller c = CRM__CALLER__INIT;
    ids[0] = user_id;
    scope.all = 0;
    scope.n_user_ids = 1;
    scope.user_ids = ids;
    c.user_id = user_id;
    c.department_id = dept;
    c.role = CRM__ROLE__ROLE_EMPLOYEE;
    c.scope = &scope;
    return &c;
}

Crm__Status t_call_at(const char *endpoints, unsigned deadline_ms, const char *method,
                      const ProtobufCMessage *req, const ProtobufCMessageDescriptor *out,
                      const Crm__Caller *caller, ProtobufCMessage **reply, char **err)
{
    ProtobufCMessage *r = NULL;
    char *e = NULL;
    Crm__Status st =
        crm_rpc_call_sync(t_zctx(), endpoints, deadline_ms, method, req, out, caller, &r, &e);
    if (reply)
        *reply = r;
    else if (r)
        protobuf_c_message_free_unpacked(r, NULL);
    if (err)
        *err = e;
    else
        free(e);
    return st;
}

Crm__Status t_call(h_t *h, const char *service, const char *method, const ProtobufCMessage *req,
                   const ProtobufCMessageDescriptor *out, const Crm__Caller *caller,
                   ProtobufCMessage **reply, char **err)
{
    return t_call_at(h_rpc(h, service), 5000, method, req, out, caller, reply, err);
}

int64_t t_create_lead(h_t *h, const char *name, const char *mobile, int64_t owner)
{
    Crm__Leads__CreateLeadRequest req = CRM__LEADS__CREATE_LEAD_REQUEST__INIT;
    req.name = (char *)name;
    req.mobile = (char *)mobile;
    req.company = "测试公司";
    req.source = "广告";
    req.level = "重点客户";
    req.industry = "化工";
    req.email = "lead@example.com";
    req.owner_id = owner;
    req.department_id = 10;
    ProtobufCMessage *out = NULL;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Leads.Create", &req.base, &crm__leads__lead__descriptor,
                            t_system(), &out, &err);
    H_CHECK(st == CRM__STATUS__OK, "Leads.Create %s: %s %s", name, crm_status_name(st),
            err ? err : "");
    int64_t id = ((Crm__Leads__Lead *)out)->id;
    protobuf_c_message_free_unpacked(out, NULL);
    free(err);
    return id;
}

void t_convert(h_t *h, int64_t id)
{
    Crm__Leads__ConvertLeadRequest req = CRM__LEADS__CONVERT_LEAD_REQUEST__INIT;
    req.id = id;
    char *err = NULL;
    Crm__Status st = t_call(h, "leads", "Leads.Convert", &req.base,
                            &crm__leads__convert_lead_reply__descriptor, t_system(), NULL, &err);
    H_CHECK(st == CRM__STATUS__OK, "Leads.Convert %lld: %s %s", (long long)id, crm_status_name(st),
            err ? err : "");
    free(err);
}

int64_t t_start_import(h_t *h, const char *service, int64_t owner, int64_t expected_rows)
{
    char method[64];
    snprintf(method, sizeof method, "%c%s.StartImport", toupper((unsigned char)service[0]),
             service + 1);
    const ProtobufCMessageDescriptor *in, *out;
    H_CHECK(crm_rpc_method_types(method, &in, &out) == 0, "no method %s", method);
    json_t *obj = json_pack("{s{sI} sI}", "target", "owner_id", (json_int_t)owner, "expected_rows",
                            (json_int_t)expected_rows);
    char *perr = NULL, *pfield = NULL;
    ProtobufCMessage *req = crm_pb_from_json(in, obj, &perr, &pfield);
    H_CHECK(req, "%s: %s [%s]", method, perr, pfield);
    json_decref(obj);
    ProtobufCMessage *reply = NULL;
    char *err = NULL;
    Crm__Status st = t_call(h, service, method, req, out, t_system(), &reply, &err);
    H_CHECK(st == CRM__STATUS__OK, "%s: %s %s", method, crm_status_name(st), err ? err : "");
    free(err);
    json_t *imp = crm_pb_to_json(reply);
    int64_t id = json_integer_value(json_object_get(imp, "id"));
    json_decref(imp);
    protobuf_c_message_free_unpacked(reply, NULL);
    protobuf_c_message_free_unpacked(req, NULL);
    return id;
}
