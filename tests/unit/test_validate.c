/* test_validate.c: phone normal forms, masking, e-mail and UTF-8 checks. */
#include <stdio.h>
#include <string.h>

#include "crm/validate.h"
#include "unit.h"

static void s_mobile(const char *in, const char *want)
{
    char out[12] = "";
    int rc = crm_phone_mobile(in, out);
    if (want) {
        CHECK(rc == 0);
        if (rc != 0 || strcmp(out, want) != 0)
            fprintf(stderr, "  mobile %s -> %s (rc %d), want %s\n", in, out, rc, want);
    } else {
        CHECK(rc == -1);
        if (rc != -1)
            fprintf(stderr, "  mobile %s accepted as %s\n", in, out);
    }
}

static void s_landline(const char *in, const char *want)
{
    char out[32] = "";
    int rc = crm_phone_landline(in, out, sizeof out);
    if (want) {
        CHECK(rc == 0 && strcmp(out, want) == 0);
        if (rc != 0 || strcmp(out, want) != 0)
            fprintf(stderr, "  landline %s -> %s (rc %d), want %s\n", in, out, rc, want);
    } else {
        CHECK(rc == -1);
        if (rc != -1)
            fprintf(stderr, "  landline %s accepted as %s\n", in, out);
    }
}

int main(void)
{
    s_mobile("13812345678", "13812345678");
    s_mobile("+86 138 1234 5678", "13812345678");
    s_mobile("0086-138-1234-5678", "13812345678");
    s_mobile("8613812345678", "13812345678");
    s_mobile("(138)1234-5678", "13812345678");
    s_mobile("12812345678", NULL);   /* no such prefix */
    s_mobile("1381234567", NULL);    /* 10 digits */
    s_mobile("138123456789", NULL);  /* 12 digits */
    s_mobile("138-1234-567a", NULL); /* a letter */
    s_mobile("", NULL);
    s_mobile("+1 415 555 0100", NULL);

    s_landline("010-12345678", "010-12345678");
    s_landline("(0571) 8765432", "0571-8765432");
    s_landline("0755 2345 6789", "0755-23456789");
    s_landline("+86 21 6123 4567", "021-61234567");
    s_landline("0571-1234567-801", "0571-1234567-801");
    s_landline("010-12345678#12", "010-12345678-12");
    s_landline("12345678", NULL);   /* no area code */
    s_landline("010-123456", NULL); /* too short */
    s_landline("0571-12x4567", NULL);

    char m[32];
    crm_phone_mask("13812345678", m, sizeof m);
    CHECK(strcmp(m, "138****5678") == 0);
    crm_phone_mask("010-12345678", m, sizeof m);
    CHECK(strcmp(m, "010*****5678") == 0);
    crm_phone_mask("12345", m, sizeof m);
    CHECK(strcmp(m, "*****") == 0);

    CHECK(crm_email_valid("zhang.san@example.com"));
    CHECK(!crm_email_valid("zhang.san@example"));
    CHECK(!crm_email_valid("@example.com"));
    CHECK(!crm_email_valid("a b@example.com"));
    CHECK(!crm_email_valid("a@b@example.com"));

    CHECK(crm_utf8_len("线索ab") == 4);
    CHECK(crm_utf8_len("") == 0);
    CHECK(crm_utf8_len("\xe7\xba") == -1);     /* truncated */
    CHECK(crm_utf8_len("\xc0\xaf") == -1);     /* overlong */
    CHECK(crm_utf8_len("\xed\xa0\x80") == -1); /* surrogate */

    printf("%s\n", unit_failed ? "validate: FAILED" : "validate: ok");
    return unit_failed ? 1 : 0;
}
