/* test_gateway_events.c: the notification stream (server-sent events) on
 * real processes. A user's stream gets the events about records they own,
 * gain or lose, and not the others'; a stream needs a token and ends when
 * the token is revoked; a client coming back with Last-Event-ID gets what
 * it missed, exactly once and in order, then the live events, and a bad
 * Last-Event-ID is a 400 naming the header; a gateway
 * stopping with a stream open ends it and exits cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "http.h"
#include "sse.h"
#include "suite.h"

static h_t *h;
static const char *base;

/* How many times text occurs in s. */
static int s_count(const char *s, const char *text)
{
    int n = 0;
    for (const char *p = strstr(s, text); p; p = strstr(p + 1, text))
        n++;
    return n;
}

/* The id: of the last event in seen ("" if none), into out. */
static void s_last_id(const char *seen, char *out, size_t cap)
{
    const char *last = NULL;
    for (const char *p = strstr(seen, "\nid: "); p; p = strstr(p + 1, "\nid: "))
        last = p + 5;
    snprintf(out, cap, "%.*s", last ? (int)strcspn(last, "\n") : 0, last ? last : "");
}

/* The text "\"id\":<lead>," of a lead's record in an event, into out. */
static const char *s_rec(char *out, size_t cap, long long lead)
{
    snprintf(out, cap, "\"id\":%lld,", lead);
    return out;
}

static long long s_lead(const char *admin, long long owner)
{
    char *body = crm_sprintf("{\"name\":\"通知\",\"owner_id\":%lld}", owner);
    t_resp_t r = t_expect(201, "POST", base, admin, body, "/api/v1/leads");
    long long id = t_json_int(&r, "id");
    t_resp_free(&r);
    free(body);
    return id;
}

int main(void)
{
    h = h_new("gateway_events");
    h_suite(h, 1, 1, 0, 1);
    h_start_all(h);
    h_setenv(h, "CRM_SSE_PING_MS=200"); /* pings, and token checks, 5 a second */
    base = h_gateway(h);
    char *admin = t_login(base, H_ADMIN_USER, H_ADMIN_PASSWORD);
    long long alice_id, bob_id;
    char *alice = t_new_user(base, admin, "alice", "employee", 1, &alice_id);
    char *bob = t_new_user(base, admin, "bob", "employee", 1, &bob_id);

    t_sse_t s;
    t_sse_open(&s, base, "not-a-token", NULL);
    H_CHECK(t_sse_wait(&s, "HTTP/1.1 401", 5000), "a stream needs a token");
    t_sse_close(&s);

    t_sse_open(&s, base, alice, NULL);
    H_CHECK(t_sse_wait(&s, ": connected", 5000), "stream opened");
    H_CHECK(strstr(s.seen, "text/event-stream"), "content type: %s", s.seen);
    /* The first stream subscribes the gateway to the services' events; give
     * the subscription time to reach them (a live feed has no replay). */
    struct timespec settle = {0, 300 * 1000000};
    nanosleep(&settle, NULL);

    /* bob's lead first, then alice's: the same producer keeps that order,
     * so bob's has been filtered by the time alice's arrives. */
    long long theirs = s_lead(admin, bob_id);
    long long mine = s_lead(admin, alice_id);
    char want[64];
    snprintf(want, sizeof want, "\"id\":%lld,", mine);
    H_CHECK(t_sse_wait(&s, want, 10000), "alice hears of her lead");
    H_CHECK(strstr(s.seen, "event: lead.created\ndata: {"), "SSE framing: %s", s.seen);
    /* A CloudEvents 1.0 object, as webhooks deliver it: the lead in data. */
    H_CHECK(strstr(s.seen, "data: {\"specversion\":\"1.0\"") &&
                strstr(s.seen, "\"source\":\"crm/leads\"") &&
                strstr(s.seen, "\"type\":\"lead.created\"") &&
                strstr(s.seen, "\"datacontenttype\":\"application/json\"") &&
                strstr(s.seen, "\"data\":{\"lead\":{"),
            "a CloudEvent: %s", s.seen);
    /* The event in the contract's JSON: words, RFC 3339 instants, no _us. */
    H_CHECK(strstr(s.seen, "\"status\":\"pending\"") && strstr(s.seen, "\"created_at\":\"20") &&
                !strstr(s.seen, "_us\"") && !strstr(s.seen, "LEAD_STATUS_"),
            "the wire form: %s", s.seen);
    snprintf(want, sizeof want, "\"id\":%lld,", theirs);
    H_CHECK(!strstr(s.seen, want), "bob's lead is not alice's business");
    h_note("events: alice's own, not bob's: ok");

    /* Losing a lead concerns her too. */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/leads/%lld/transfer", mine);
    char *body = crm_sprintf("{\"to_owner_id\":%lld}", bob_id);
    t_resp_t r = t_expect(200, "POST", base, admin, body, path);
    t_resp_free(&r);
    free(body);
    H_CHECK(t_sse_wait(&s, "event: lead.transferred", 10000), "alice hears of the transfer");
    h_note("events: transfer away: ok");

    /* Resuming: events made while alice is away come first, exactly once
     * and in order, then the live ones; the ids are resumable. */
    t_sse_t s1;
    t_sse_open(&s1, base, alice, NULL);
    long long a1 = s_lead(admin, alice_id);
    char w1[64], w2[64], w3[64], w4[64];
    H_CHECK(t_sse_wait(&s1, s_rec(w1, sizeof w1, a1), 10000), "alice's second stream hears a1");
    char last[32];
    s_last_id(s1.seen, last, sizeof last);
    H_CHECK(*last, "each event carries an id: line: %s", s1.seen);
    t_sse_close(&s1);
    long long a2 = s_lead(admin, alice_id);
    long long b1 = s_lead(admin, bob_id);
    long long a3 = s_lead(admin, alice_id);
    /* Wait until the gateway has the last of them (the first stream hears it). */
    H_CHECK(t_sse_wait(&s, s_rec(w3, sizeof w3, a3), 10000), "a3 reached the feed");
    t_sse_open(&s1, base, alice, last);
    H_CHECK(t_sse_wait(&s1, s_rec(w3, sizeof w3, a3), 10000), "the missed a3 is replayed: %s",
            s1.seen);
    char *p2 = strstr(s1.seen, s_rec(w2, sizeof w2, a2)), *p3 = strstr(s1.seen, w3);
    H_CHECK(p2 && p2 < p3, "a2 then a3, in order: %s", s1.seen);
    H_CHECK(!strstr(s1.seen, s_rec(w1, sizeof w1, a1)), "a1 was received: not again");
    H_CHECK(!strstr(s1.seen, s_rec(w4, sizeof w4, b1)), "bob's lead is not replayed to alice");
    H_CHECK(s_count(s1.seen, "\nevent: ") == 2 && s_count(s1.seen, w2) == 1 &&
                s_count(s1.seen, w3) == 1,
            "exactly the two missed events: %s", s1.seen);
    long long a4 = s_lead(admin, alice_id);
    H_CHECK(t_sse_wait(&s1, s_rec(w4, sizeof w4, a4), 10000), "then live: a4");
    H_CHECK(s_count(s1.seen, "\nevent: ") == 3, "nothing else: %s", s1.seen);
    t_sse_close(&s1);
    h_note("Last-Event-ID: the missed events exactly once, in order, then live: ok");

    /* Resuming from 0 replays everything kept; a bad id is a 400. */
    t_sse_open(&s1, base, alice, "0");
    H_CHECK(t_sse_wait(&s1, s_rec(w4, sizeof w4, a4), 10000), "from 0: all of alice's");
    H_CHECK(s_count(s1.seen, s_rec(w1, sizeof w1, a1)) == 1 &&
                strstr(s1.seen, "event: lead.transferred"),
            "from 0: a1 and the transfer: %s", s1.seen);
    t_sse_close(&s1);
    static const char *const bad[] = {"abc", "-1", "12a", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t_sse_open(&s1, base, alice, bad[i]);
        H_CHECK(t_sse_wait(&s1, "\"header\":\"Last-Event-ID\"", 5000) &&
                    strstr(s1.seen, "HTTP/1.1 400") && strstr(s1.seen, "application/problem+json"),
                "Last-Event-ID %s: a 400 problem naming the header: %s", bad[i], s1.seen);
        t_sse_close(&s1);
    }
    h_note("a bad Last-Event-ID is a 400 naming the header: ok");

    /* A stream ends once its token no longer signs anybody in. */
    t_sse_t sb;
    t_sse_open(&sb, base, bob, NULL);
    H_CHECK(t_sse_wait(&sb, ": connected", 5000), "bob's stream opened");
    r = t_expect(200, "POST", base, bob, NULL, "/api/v1/auth/logout");
    t_resp_free(&r);
    H_CHECK(t_sse_wait(&sb, "\r\n0\r\n\r\n", 5000), "bob's stream ended after his logout: %s",
            sb.seen);
    t_sse_close(&sb);
    h_note("logout ends the stream: ok");

    /* A stop ends the open stream (the chunked terminator) and is clean. */
    h_stop(h, "gateway", 0);
    H_CHECK(t_sse_wait(&s, "\r\n0\r\n\r\n", 5000) || strstr(s.seen, "\r\n0\r\n\r\n"),
            "the stream was ended: %s", s.seen + (s.len > 200 ? s.len - 200 : 0));
    t_sse_close(&s);
    h_note("stop with a stream open: ok");

    free(alice);
    free(bob);
    free(admin);
    h_destroy(&h);
    return 0;
}
