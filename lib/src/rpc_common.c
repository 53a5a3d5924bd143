/* rpc_common.c: what the RPC server, the client and the tools share: status
 * names and the table of the suite's proto services. */
#include <string.h>

#include "bus.pb-c.h"
#include "crm/rpc.h"
#include "customers.pb-c.h"
#include "leads.pb-c.h"
#include "scheduler.pb-c.h"

/* Every proto service of the suite, found by its short name. */
static const ProtobufCServiceDescriptor *const s_services[] = {
    &crm__system__descriptor,
    &crm__bus__descriptor,
    &crm__leads__leads__descriptor,
    &crm__customers__customers__descriptor,
    &crm__scheduler__scheduler__descriptor,
};

const char *crm_status_name(Crm__Status st)
{
    switch (st) {
    case CRM__STATUS__OK:
        return "ok";
    case CRM__STATUS__INVALID_ARGUMENT:
        return "invalid_argument";
    case CRM__STATUS__NOT_FOUND:
        return "not_found";
    case CRM__STATUS__ALREADY_EXISTS:
        return "already_exists";
    case CRM__STATUS__PERMISSION_DENIED:
        return "permission_denied";
    case CRM__STATUS__FAILED_PRECONDITION:
        return "failed_precondition";
    case CRM__STATUS__UNAVAILABLE:
        return "unavailable";
    case CRM__STATUS__INTERNAL:
        return "internal";
    default:
        return "unknown";
    }
}

int crm_rpc_method_types(const char *method, const ProtobufCMessageDescriptor **in,
                         const ProtobufCMessageDescriptor **out)
{
    const char *dot = method ? strchr(method, '.') : NULL;
    if (!dot || dot == method || !dot[1])
        return -1;
    size_t svc_len = (size_t)(dot - method);
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++) {
        const ProtobufCServiceDescriptor *svc = s_services[i];
        if (strlen(svc->short_name) != svc_len || memcmp(svc->short_name, method, svc_len) != 0)
            continue;
        const ProtobufCMethodDescriptor *m =
            protobuf_c_service_descriptor_get_method_by_name(svc, dot + 1);
        if (!m)
            return -1;
        if (in)
            *in = m->input;
        if (out)
            *out = m->output;
        return 0;
    }
    return -1;
}
