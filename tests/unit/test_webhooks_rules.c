/* test_webhooks_rules.c: the webhooks service's pure rules: URLs, event
 * type patterns (their syntax, what they match, that they match a type of
 * the registry), given secrets, and signatures against the example of the
 * Standard Webhooks specification and this test's OpenSSL verifier. */
#include <stdlib.h>
#include <string.h>

#include "crm/registry.h"
#include "crm_suite.h"
#include "receiver.h"
#include "unit.h"
#include "webhooks.h"

static void test_urls(void)
{
    crm_err_t e;
    CHECK(wh_check_url("http://127.0.0.1:8080/hook", &e) == 0);
    CHECK(wh_check_url("https://erp.example.com/in?x=1", &e) == 0);
    CHECK(wh_check_url("ftp://erp.example.com/", &e) < 0 && !strcmp(e.field, "url"));
    CHECK(wh_check_url("http://", &e) < 0);
    CHECK(wh_check_url("https:///path", &e) < 0);
    CHECK(wh_check_url("http://a b", &e) < 0);
    CHECK(wh_check_url("", &e) < 0);
}

static void test_patterns(void)
{
    crm_err_t e;
    CHECK(wh_pattern_matches("*", "lead.created"));
    CHECK(!wh_pattern_matches("*", "timer.set")); /* the suite's plumbing */
    CHECK(!wh_pattern_matches("*", "job.ran"));
    CHECK(wh_pattern_matches("timer.*", "timer.set"));
    CHECK(wh_pattern_matches("lead.*", "lead.created"));
    CHECK(!wh_pattern_matches("lead.*", "leads.created"));
    CHECK(!wh_pattern_matches("lead.*", "customer.created"));
    CHECK(wh_pattern_matches("lead.converted", "lead.converted"));
    CHECK(!wh_pattern_matches("lead.converted", "lead.convert"));
    CHECK(wh_check_pattern("customer.*", &e) == 0);
    CHECK(wh_check_pattern("lead.converted", &e) == 0);
    CHECK(wh_check_pattern("*", &e) == 0);
    const char *bad[] = {"",         "lead",         "lead.",        ".created",
                         "lead.**",  "Lead.created", "le*d.x",       "lead.created.x",
                         "lead.*.x", "nothing.*",    "lead.nothing", "_heartbeat"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int refused = wh_check_pattern(bad[i], &e) < 0 && !strcmp(e.field, "event_types");
        CHECK(refused);
        if (!refused)
            fprintf(stderr, "  pattern \"%s\" was taken\n", bad[i]);
    }
    char *none[] = {NULL};
    CHECK(wh_check_patterns(none, 0, "event_types", &e) < 0);
}

static void test_secrets(void)
{
    crm_err_t e;
    char *s = wh_secret_new();
    CHECK(!strncmp(s, "whsec_", 6) && wh_check_secret(s, &e) == 0);
    free(s);
    CHECK(wh_check_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &e) == 0);
    CHECK(wh_check_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &e) < 0 &&
          !strcmp(e.field, "secret"));
    CHECK(wh_check_secret("whsec_c2hvcnQ=", &e) < 0);
    CHECK(wh_check_secret("whsec_not base64!", &e) < 0);
}

/* The specification's example: this secret, id, timestamp and body sign
 * to this value. */
static void test_signature(void)
{
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
               *id = "msg_p5jXN8AQM9LWM0D4loKWxJek", *body = "{\"test\": 2432232314}";
    char *sig = wh_sign(secret, id, 1614265330, body, strlen(body));
    CHECK(sig && !strcmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    CHECK(t_wh_verify(secret, id, "1614265330", body, sig, 1614265330, 300));
    CHECK(!t_wh_verify(secret, id, "1614265330", body, sig, 1614265330 + 301, 300));
    CHECK(!t_wh_verify(secret, id, "1614265330", "{\"test\": 2432232315}", sig, 1614265330, 300));
    free(sig);
    CHECK(wh_sign("nope", id, 1, body, strlen(body)) == NULL);
}

int main(void)
{
    crm_registry_set(&crm_suite);
    test_urls();
    test_patterns();
    test_secrets();
    test_signature();
    return unit_result("webhooks_rules");
}
