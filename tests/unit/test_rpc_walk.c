/* test_rpc_walk.c: a walk's next page read ahead by the RPC server
 * (rpc_walk.c), with a real server and client over tcp:// on one loop and a
 * list handler of Leads.List that serves pages "p0".."p5" after a delay (as
 * a database would), each item naming its page and the caller:
 *
 *   - a walk (Request.walk) gets every page once, in order, the page after
 *     each already being read when the caller gets it (its handler started
 *     before), and no handler runs twice: every request after the first is
 *     answered from the page read ahead, whether the handler said where the
 *     next page starts (crm_rpc_call_next_page) or only its reply did;
 *   - a plain list call (no walk) reads nothing ahead;
 *   - a page read ahead serves only the same request of the same caller:
 *     another caller, or another limit, runs the handler for itself;
 *   - a page that failed when read ahead is read again when asked;
 *   - walks left after their first page, more than the server keeps: the
 *     first AHEAD_MAX have their next page read, the rest not, and a later
 *     walk still goes; the server destroyed with a page being read ahead
 *     ends clean (no leak under the sanitizers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "crm/rpc.h"
#include "crm/util.h"
#include "harness.h"
#include "leads.pb-c.h"
#include "unit.h"

#define PAGES 6
#define ITEMS 3

static void *s_zctx;

/* ---- the list handler ---------------------------------------------------------- */

/* What happened, in order: 'H' a handler started page k, 'C' the caller got
 * page k. */
typedef struct {
    char kind;
    int page;
} event_t;

typedef struct {
    uv_loop_t *loop;
    int announce;  /* the handler says where the next page starts */
    int fail_page; /* the page whose handler fails fail_left times */
    int fail_left;
    int runs[PAGES]; /* handlers run per page */
    int pending;     /* replies not yet sent */
    event_t ev[256];
    int nev;
} list_t;

static void s_event(list_t *l, char kind, int page)
{
    if (l->nev < (int)(sizeof l->ev / sizeof l->ev[0]))
        l->ev[l->nev++] = (event_t){kind, page};
}

typedef struct {
    uv_timer_t timer;
    list_t *l;
    crm_rpc_call_t *call;
    int page;
} reply_t;

static void s_reply_closed(uv_handle_t *h)
{
    free(h->data);
}

/* The page, a little later: ITEMS leads of the page and the caller. */
static void s_reply_now(uv_timer_t *t)
{
    reply_t *r = t->data;
    list_t *l = r->l;
    const Crm__Leads__ListLeadsRequest *req = (const void *)crm_rpc_call_request(r->call);
    Crm__Leads__Lead leads[ITEMS], *items[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
        crm__leads__lead__init(&leads[i]);
        leads[i].id = r->page * 100 + i;
        leads[i].owner_id = crm_rpc_call_caller(r->call)->user_id;
        leads[i].status = req->limit; /* the request's limit, seen in the reply */
        items[i] = &leads[i];
    }
    char next[16] = "";
    if (r->page + 1 < PAGES)
        snprintf(next, sizeof next, "p%d", r->page + 1);
    Crm__Leads__LeadList list = CRM__LEADS__LEAD_LIST__INIT;
    list.items = items;
    list.n_items = ITEMS;
    list.next_cursor = next;
    if (r->page == l->fail_page && l->fail_left > 0) {
        l->fail_left--;
        crm_rpc_fail(r->call, CRM__STATUS__UNAVAILABLE, NULL, "the database is away");
    } else {
        crm_rpc_reply(r->call, &list.base);
    }
    l->pending--;
    uv_close((uv_handle_t *)&r->timer, s_reply_closed);
}

static void s_list(crm_rpc_call_t *call, void *arg)
{
    list_t *l = arg;
    const Crm__Leads__ListLeadsRequest *req = (const void *)crm_rpc_call_request(call);
    int page = req->cursor[0] == 'p' ? atoi(req->cursor + 1) : 0;
    if (page < 0 || page >= PAGES) {
        crm_rpc_fail(call, CRM__STATUS__INVALID_ARGUMENT, "cursor", "no such page");
        return;
    }
    l->runs[page]++;
    s_event(l, 'H', page);
    if (l->announce) {
        char next[16] = "";
        if (page + 1 < PAGES)
            snprintf(next, sizeof next, "p%d", page + 1);
        crm_rpc_call_next_page(call, next);
    }
    reply_t *r = crm_calloc(1, sizeof *r);
    *r = (reply_t){.l = l, .call = call, .page = page};
    uv_timer_init(l->loop, &r->timer);
    r->timer.data = r;
    l->pending++;
    uv_timer_start(&r->timer, s_reply_now, 15, 0);
}

/* ---- the caller ------------------------------------------------------------------ */

typedef struct {
    int done;
    Crm__Status status;
    char next[16];
    int64_t first_id, owner, limit;
    size_t n;
} got_t;

static void s_got(void *arg, const crm_rpc_result_t *res)
{
    got_t *g = arg;
    g->done = 1;
    g->status = res->status;
    if (res->status != CRM__STATUS__OK)
        return;
    const Crm__Leads__LeadList *list = (const void *)res->payload;
    snprintf(g->next, sizeof g->next, "%s", list->next_cursor);
    g->n = list->n_items;
    g->first_id = list->n_items ? list->items[0]->id : -1;
    g->owner = list->n_items ? list->items[0]->owner_id : -1;
    g->limit = list->n_items ? (int64_t)list->items[0]->status : -1;
}

static void s_run(uv_loop_t *loop, const int *flag)
{
    uint64_t t0 = crm_mono_ms();
    while (!*flag && crm_mono_ms() - t0 < 5000)
        uv_run(loop, UV_RUN_ONCE);
    CHECK(*flag);
}

/* One page of Leads.List at cursor for user. */
static got_t s_page(uv_loop_t *loop, crm_rpc_client_t *c, list_t *l, int64_t user,
                    const char *cursor, int limit, int walk)
{
    Crm__Leads__ListLeadsRequest req = CRM__LEADS__LIST_LEADS_REQUEST__INIT;
    req.cursor = (char *)cursor;
    req.limit = limit;
    Crm__Caller caller = CRM__CALLER__INIT;
    caller.user_id = user;
    crm_rpc_opts_t opts = {.walk = walk};
    got_t g = {0};
    CHECK(crm_rpc_call_with(c, "Leads.List", &req.base, &crm__leads__lead_list__descriptor, &caller,
                            &opts, s_got, &g) == 0);
    s_run(loop, &g.done);
    if (g.status == CRM__STATUS__OK)
        s_event(l, 'C', (int)(g.first_id / 100));
    return g;
}

/* Walks every page as user; checks each page is the one asked. */
static void s_walk_all(uv_loop_t *loop, crm_rpc_client_t *c, list_t *l, int64_t user, int walk)
{
    char cursor[16] = "";
    for (int k = 0; k < PAGES; k++) {
        got_t g = s_page(loop, c, l, user, cursor, 5, walk);
        CHECK(g.status == CRM__STATUS__OK && g.n == ITEMS && g.first_id == k * 100 &&
              g.owner == user && g.limit == 5);
        snprintf(cursor, sizeof cursor, "%s", g.next);
    }
    CHECK(*cursor == 0);
}

/* Where event (kind, page) is in the log; -1 if not there. */
static int s_at(const list_t *l, char kind, int page)
{
    for (int i = 0; i < l->nev; i++)
        if (l->ev[i].kind == kind && l->ev[i].page == page)
            return i;
    return -1;
}

/* Runs the loop until every reply of the handler is sent. */
static void s_settle(uv_loop_t *loop, list_t *l)
{
    uint64_t t0 = crm_mono_ms();
    while (l->pending && crm_mono_ms() - t0 < 5000)
        uv_run(loop, UV_RUN_ONCE);
    CHECK(l->pending == 0);
}

/* ---- the tests --------------------------------------------------------------------- */

typedef struct {
    uv_loop_t loop;
    char *ep;
    crm_rpc_server_t *srv;
    crm_rpc_client_t *c;
    list_t l;
} rig_t;

static void s_rig(rig_t *g, int announce)
{
    memset(g, 0, sizeof *g);
    uv_loop_init(&g->loop);
    g->ep = h_free_endpoint();
    g->l = (list_t){.loop = &g->loop, .announce = announce, .fail_page = -1};
    g->srv = crm_rpc_server_new(&g->loop, s_zctx, g->ep, 0);
    CHECK(g->srv != NULL);
    CHECK(crm_rpc_server_handle(g->srv, &crm__leads__leads__descriptor, "List", s_list, &g->l) ==
          0);
    g->c = crm_rpc_client_new(&g->loop, s_zctx, g->ep, 3000, 1);
    CHECK(g->c != NULL);
}

/* Ends the rig: the server destroyed after every reply is sent, or at
 * once (early), pages still being read. */
static void s_unrig(rig_t *g, int early)
{
    if (!early)
        s_settle(&g->loop, &g->l);
    crm_rpc_client_destroy(&g->c);
    crm_rpc_server_destroy(&g->srv);
    s_settle(&g->loop, &g->l);
    uv_run(&g->loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&g->loop) == 0);
    free(g->ep);
}

/* A walk: each page's next already being read when the caller gets it, and
 * no page read twice. */
static void s_test_walk(int announce)
{
    rig_t g;
    s_rig(&g, announce);
    s_walk_all(&g.loop, g.c, &g.l, 7, 1);
    for (int k = 0; k < PAGES; k++)
        CHECK(g.l.runs[k] == 1);
    for (int k = 0; k + 1 < PAGES; k++)
        CHECK(s_at(&g.l, 'H', k + 1) >= 0 && s_at(&g.l, 'H', k + 1) < s_at(&g.l, 'C', k));
    s_unrig(&g, 0);
}

/* Without walk, nothing is read ahead: each page's handler runs when it is
 * asked. */
static void s_test_plain(void)
{
    rig_t g;
    s_rig(&g, 1);
    s_walk_all(&g.loop, g.c, &g.l, 7, 0);
    for (int k = 0; k < PAGES; k++)
        CHECK(g.l.runs[k] == 1);
    for (int k = 0; k + 1 < PAGES; k++)
        CHECK(s_at(&g.l, 'H', k + 1) > s_at(&g.l, 'C', k));
    s_unrig(&g, 0);
}

/* A page read ahead for one caller and request serves only that. */
static void s_test_same_request_only(void)
{
    rig_t g;
    s_rig(&g, 1);
    got_t a = s_page(&g.loop, g.c, &g.l, 7, "", 5, 1); /* reads p1 ahead for user 7, limit 5 */
    CHECK(a.status == CRM__STATUS__OK && !strcmp(a.next, "p1") && g.l.runs[1] == 1);
    got_t b = s_page(&g.loop, g.c, &g.l, 8, "p1", 5, 1); /* another caller */
    CHECK(b.status == CRM__STATUS__OK && b.owner == 8 && g.l.runs[1] == 2);
    got_t c = s_page(&g.loop, g.c, &g.l, 7, "p1", 6, 1); /* another limit */
    CHECK(c.status == CRM__STATUS__OK && c.owner == 7 && c.limit == 6 && g.l.runs[1] == 3);
    got_t d = s_page(&g.loop, g.c, &g.l, 7, "p1", 5, 1); /* the one read ahead */
    CHECK(d.status == CRM__STATUS__OK && d.owner == 7 && d.limit == 5 && d.first_id == 100);
    CHECK(g.l.runs[1] == 3);
    s_unrig(&g, 0);
}

/* A page whose reading ahead failed is read again when asked. */
static void s_test_failed_ahead(void)
{
    rig_t g;
    s_rig(&g, 1);
    g.l.fail_page = 2;
    g.l.fail_left = 1;
    s_walk_all(&g.loop, g.c, &g.l, 7, 1);
    CHECK(g.l.runs[2] == 2 && g.l.runs[3] == 1 && g.l.fail_left == 0);
    s_unrig(&g, 0);
}

/* Walks left after one page, more than the server keeps: the first
 * AHEAD_MAX (8) have their next page read ahead, the others not; a whole
 * walk still goes. */
static void s_test_left(void)
{
    rig_t g;
    s_rig(&g, 1);
    for (int u = 100; u < 112; u++) {
        got_t a = s_page(&g.loop, g.c, &g.l, u, "", 5, 1);
        CHECK(a.status == CRM__STATUS__OK);
    }
    CHECK(g.l.runs[0] == 12 && g.l.runs[1] == 8);
    s_walk_all(&g.loop, g.c, &g.l, 7, 1);
    s_unrig(&g, 0);
}

/* The server destroyed while a walk's next page is being read: the read
 * ends, nothing leaks. */
static void s_test_destroyed(void)
{
    rig_t g;
    s_rig(&g, 1);
    got_t a = s_page(&g.loop, g.c, &g.l, 9, "", 5, 1);
    CHECK(a.status == CRM__STATUS__OK && g.l.runs[1] == 1);
    s_unrig(&g, 1);
}

int main(void)
{
    s_zctx = zmq_ctx_new();
    s_test_walk(1);
    s_test_walk(0);
    s_test_plain();
    s_test_same_request_only();
    s_test_failed_ahead();
    s_test_left();
    s_test_destroyed();
    zmq_ctx_term(s_zctx);
    return unit_result("test_rpc_walk");
}
