/* test_event_types.c: the event type table and events as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/event_types.h"
#include "crm/registry.h"
#include "crm_suite.h"
#include "events.pb-c.h"
#include "unit.h"

static void s_table(void)
{
    CHECK(crm_event_payload_type("lead.created") == &crm__events__lead_created__descriptor);
    CHECK(crm_event_payload_type("lead.converted") == &crm__events__lead_converted__descriptor);
    CHECK(crm_event_payload_type("customer.created") == &crm__events__customer_created__descriptor);
    CHECK(crm_event_payload_type("customer.followed_up") ==
          &crm__events__customer_followed_up__descriptor);
    CHECK(crm_event_payload_type("customer.recycled") ==
          &crm__events__customer_recycled__descriptor);
    CHECK(crm_event_payload_type("scheduler.fired") == &crm__events__scheduler_fired__descriptor);
    CHECK(crm_event_payload_type("lead.created.") == NULL);
    CHECK(crm_event_payload_type("lead") == NULL);
    CHECK(crm_event_payload_type("") == NULL);
    CHECK(crm_event_payload_type("_heartbeat") == NULL);
    CHECK(crm_event_payload_type(NULL) == NULL);
}

/* Packs payload into an Event of type and returns it as JSON text. */
static char *s_event_text(const char *type, const uint8_t *payload, size_t len)
{
    Crm__Event ev = CRM__EVENT__INIT;
    ev.event_id = "6f1c0f0e-8a55-4c1a-9a55-0d1f3a1b2c3d";
    ev.type = (char *)type;
    ev.producer = "leads";
    ev.sequence = 7;
    ev.occurred_at_us = 1764000000000000LL;
    ev.aggregate_id = "42";
    ev.payload.data = (uint8_t *)payload;
    ev.payload.len = len;
    json_t *j = crm_event_to_json(&ev);
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return text;
}

static void s_to_json(void)
{
    Crm__Leads__Lead lead = CRM__LEADS__LEAD__INIT;
    lead.id = 42;
    lead.name = "华东客户";
    lead.status = CRM__LEADS__LEAD_STATUS__LEAD_STATUS_CONVERTED;
    Crm__Events__LeadConverted lc = CRM__EVENTS__LEAD_CONVERTED__INIT;
    lc.lead = &lead;
    lc.customer_name = "华东客户有限公司";
    lc.converted_by = 5;
    uint8_t buf[1024];
    size_t len = crm__events__lead_converted__pack(&lc, buf);

    char *text = s_event_text("lead.converted", buf, len);
    CHECK(strstr(text, "{\"event_id\":\"6f1c0f0e-8a55-4c1a-9a55-0d1f3a1b2c3d\",\"type\":"
                       "\"lead.converted\",\"producer\":\"leads\",\"sequence\":7,") == text);
    CHECK(strstr(text, "\"payload\":{\"lead\":{\"id\":42,\"name\":\"华东客户\"") != NULL);
    CHECK(strstr(text, "\"status\":\"converted\"") != NULL); /* the wire form's words */
    CHECK(strstr(text, "\"occurred_at\":\"2025-11-2") != NULL && !strstr(text, "_us\""));
    CHECK(strstr(text, "\"customer_name\":\"华东客户有限公司\"") != NULL);
    CHECK(strstr(text, "\"converted_by\":5") != NULL);
    CHECK(strstr(text, "payload_error") == NULL);
    free(text);

    /* Unknown type: the payload stays base64. */
    text = s_event_text("lead.teleported", (const uint8_t *)"hi!", 3);
    CHECK(strstr(text, "\"payload\":\"aGkh\"") != NULL);
    CHECK(strstr(text, "payload_error") == NULL);
    free(text);

    /* A known type whose payload does not decode. */
    text = s_event_text("scheduler.fired", (const uint8_t *)"\xff\xff\xff", 3);
    CHECK(strstr(text, "\"payload\":\"////\"") != NULL);
    CHECK(strstr(text, "\"payload_error\":") != NULL);
    free(text);

    /* An empty payload is a message with every field at its default; an
     * instant not set is left out, no "_us" twin. */
    text = s_event_text("customer.recycled", NULL, 0);
    CHECK(strstr(text, "\"payload\":{\"customer_id\":0,\"previous_owner_id\":0,\"pool_id\":0,"
                       "\"days_without_followup\":0}") != NULL);
    free(text);
}

int main(void)
{
    crm_registry_set(&crm_suite);
    s_table();
    s_to_json();
    if (unit_failed) {
        fprintf(stderr, "test_event_types: %d check(s) failed\n", unit_failed);
        return 1;
    }
    printf("test_event_types: ok\n");
    return 0;
}
