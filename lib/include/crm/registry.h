/* registry.h: the suite registry: which domains make up the suite (each a
 * process with its proto services) and which message each event type
 * carries. lib names no domain: the registry is generated from the protos'
 * options by tools/glue/glue.py (crm_suite.h in the build, the crm_glue
 * library) and handed over once at start, before anything looks a method or
 * an event type up:
 *
 *   #include "crm_suite.h"
 *   crm_registry_set(&crm_suite);
 *
 * Until then the suite is empty: only lib's own services (System, Bus) are
 * known. */
#ifndef CRM_REGISTRY_H
#define CRM_REGISTRY_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* A domain: the process that serves its proto services and publishes its
 * events ("leads": crm-leads, CRM_LEADS_RPC, CRM_LEADS_PUB). */
typedef struct {
    const char *name;
    const ProtobufCServiceDescriptor *const *services; /* NULL-terminated; may be empty */
} crm_registry_domain_t;

/* An event type (the PUB topic, "lead.created") and its payload message. */
typedef struct {
    const char *type;
    const ProtobufCMessageDescriptor *payload;
} crm_registry_event_t;

typedef struct {
    const crm_registry_domain_t *domains;
    size_t n_domains;
    const crm_registry_event_t *events;
    size_t n_events;
} crm_registry_t;

/* Hands the registry to lib; it must outlive every use (the generated one is
 * static). NULL empties it. */
void crm_registry_set(const crm_registry_t *suite);

/* The registry handed over; never NULL (an empty one before crm_registry_set). */
const crm_registry_t *crm_registry_get(void);

/* The domain serving "Service.Method" (by the proto service's short name),
 * or NULL. */
const crm_registry_domain_t *crm_registry_domain_of(const char *method);

#endif
