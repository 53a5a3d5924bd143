/* gateway.h: the gateway process's context (gw_t), shared by the files of
 * its HTTP layer. The floor plan (docs/architecture.md, "The gateway"):
 *
 *   gateway_http.c      the listener and connections -> gateway_pipeline.c
 *   gateway_pipeline.c  route, limits, authenticate (identity/), allow,
 *                       decode (gateway_decode.c), dispatch: to the
 *                       gateway's own services in process (identity/,
 *                       notify/ on gw->local), to a domain service
 *                       (gateway_proxy.c) or to a raw reply
 *                       (gateway_health.c, gateway_events.c)
 *   gateway_export.c    a list walked page by page into a CSV or XLSX file
 *                       (gateway_xlsx.c)
 *   gateway_names.c     people's names added beside their ids in replies
 *   gateway_call.c      one HTTP request in flight and its answers
 *
 * Each step hands the call on; none calls back into the one before. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "crm/service.h"

typedef struct gw_http gw_http_t;
typedef struct gw_events gw_events_t;
typedef struct gw_ratelimit gw_ratelimit_t;
typedef struct gw_identity gw_identity_t;
typedef struct gw_notify gw_notify_t;
typedef struct gw_names gw_names_t;
typedef struct gw_metrics gw_metrics_t;

/* The HTTP settings (CRM_*; identity reads its own). */
typedef struct {
    const char *http_bind;      /* CRM_HTTP_BIND, host:port */
    size_t max_body;            /* CRM_HTTP_MAX_BODY, bytes (413 above) */
    double rate_rps;            /* CRM_RATE_LIMIT_RPS per token (0: no limit) */
    double rate_burst;          /* CRM_RATE_LIMIT_BURST */
    int export_page;            /* CRM_EXPORT_PAGE: rows an export reads a page */
    const char *export_dir;     /* CRM_EXPORT_DIR: the spreadsheets' temporary files */
    size_t export_xlsx_max;     /* CRM_EXPORT_XLSX_MAX: spreadsheets built at once */
    uint32_t export_sheet_rows; /* CRM_EXPORT_SHEET_ROWS: rows a sheet holds */
} gw_config_t;

typedef struct {
    crm_service_t *svc;
    uv_loop_t *loop;
    gw_config_t cfg;
    crm_db_t *db;       /* the pool of the HTTP calls, destroyed when they are done */
    crm_cache_t *cache; /* likewise */
    gw_http_t *http;
    gw_ratelimit_t *limiter;
    gw_events_t *events;        /* the SSE streams and their subscriptions */
    gw_identity_t *identity;    /* Auth, Org, and tokens into principals */
    gw_notify_t *notify;        /* Notifications */
    gw_names_t *names;          /* people's names beside their ids in replies */
    gw_metrics_t *metrics;      /* requests by route and status (gateway_metrics.c) */
    crm_rpc_server_t *local;    /* the gateway's own services, called in process */
    crm_rpc_client_t **peers;   /* one per domain of the suite registry (NULL: not configured) */
    crm_rpc_client_t **writers; /* the same, one attempt: a change is never sent twice */
    const char *openapi;        /* the embedded document */
    size_t openapi_len;
    size_t xlsx_building; /* spreadsheet exports not finished (gateway_export.c) */
    size_t inflight;      /* calls not finished */
    int stopping;
} gw_t;

#endif
