/* rpc_common.c: what the RPC server, the client and the tools share: status
 * names and method lookup among lib's proto services and the suite's. */
#include <string.h>

#include "bus.pb-c.h"
#include "crm/rpc.h"
#include "crm/registry.h"

/* lib's own proto services, served by every process. */
static const ProtobufCServiceDescriptor *const s_lib_services[] = {
    &crm__system__descriptor,
    &crm__bus__descriptor,
    NULL,
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
    case CRM__STATUS__UNAUTHENTICATED:
        return "unauthenticated";
    case CRM__STATUS__RATE_LIMITED:
        return "rate_limited";
    case CRM__STATUS__UNIMPLEMENTED:
        return "unimplemented";
    default:
        return "unknown";
    }
}

/* The service of list named by the len bytes of name, or NULL. */
static const ProtobufCServiceDescriptor *s_find(const ProtobufCServiceDescriptor *const *list,
                                                const char *name, size_t len)
{
    for (; *list; list++)
        if (strlen((*list)->short_name) == len && memcmp((*list)->short_name, name, len) == 0)
            return *list;
    return NULL;
}

int crm_rpc_method_types(const char *method, const ProtobufCMessageDescriptor **in,
                         const ProtobufCMessageDescriptor **out)
{
    const char *dot = method ? strchr(method, '.') : NULL;
    if (!dot || dot == method || !dot[1])
        return -1;
    size_t svc_len = (size_t)(dot - method);
    const ProtobufCServiceDescriptor *svc = s_find(s_lib_services, method, svc_len);
    const crm_registry_domain_t *d = svc ? NULL : crm_registry_domain_of(method);
    if (d)
        svc = s_find(d->services, method, svc_len);
    if (!svc)
        return -1;
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
