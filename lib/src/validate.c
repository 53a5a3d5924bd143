/* validate.c: phone numbers, e-mail addresses and UTF-8 text (see
 * validate.h). */
#include "crm/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Copies the digits of in (and a leading '+') to buf, skipping the usual
 * separators; returns -1 on any other character. */
static int s_digits(const char *in, char *buf, size_t cap, int keep_ext_dash)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (isdigit((unsigned char)*p) || (*p == '+' && n == 0)) {
            if (n + 1 >= cap)
                return -1;
            buf[n++] = *p;
        } else if (!strchr(" -.()\t", *p)) {
            return -1;
        }
    }
    (void)keep_ext_dash;
    buf[n] = 0;
    return (int)n;
}

/* Strips a +86 / 0086 / 86 country prefix when what follows has want
 * digits (0: any). Returns the rest. */
static const char *s_strip_country(const char *d, size_t want)
{
    const char *prefixes[] = {"+86", "0086", "86"};
    for (size_t i = 0; i < 3; i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncmp(d, prefixes[i], pl) == 0 && (want == 0 || strlen(d + pl) == want))
            return d + pl;
    }
    return d;
}

int crm_phone_mobile(const char *in, char out[12])
{
    char buf[32];
    if (!in || s_digits(in, buf, sizeof buf, 0) < 0)
        return -1;
    const char *d = s_strip_country(buf, 11);
    if (strlen(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9')
        return -1;
    for (int i = 0; i < 11; i++)
        if (!isdigit((unsigned char)d[i]))
            return -1;
    memcpy(out, d, 12);
    return 0;
}

/* Area codes: 010 and 02x are 3 digits long; the rest 4. */
static size_t s_area_len(const char *d)
{
    if (d[0] != '0')
        return 0;
    if (d[1] == '1' && d[2] == '0')
        return 3;
    if (d[1] == '2')
        return 3;
    return d[1] >= '3' && d[1] <= '9' ? 4 : 0;
}

int crm_phone_landline(const char *in, char *out, size_t cap)
{
    if (!in || cap < 24)
        return -1;
    /* The extension, if any, follows the last '-' or a '#'/'转'. */
    char main_part[64], ext[16] = "";
    snprintf(main_part, sizeof main_part, "%s", in);
    char *hash = strchr(main_part, '#');
    char *zhuan = strstr(main_part, "转");
    char *cut = hash ? hash : zhuan;
    if (cut) {
        const char *e = cut + (cut == hash ? 1 : strlen("转"));
        if (strlen(e) == 0 || strlen(e) > 6)
            return -1;
        for (const char *p = e; *p; p++)
            if (!isdigit((unsigned char)*p))
                return -1;
        snprintf(ext, sizeof ext, "%.6s", e);
        *cut = 0;
    }
    char buf[32], with0[34];
    if (s_digits(main_part, buf, sizeof buf, 0) < 0)
        return -1;
    const char *d = buf;
    if (d[0] == '+' || strncmp(d, "0086", 4) == 0) {
        d = s_strip_country(d, 0);
        snprintf(with0, sizeof with0, "0%s", d);
        d = with0;
    }
    size_t area = s_area_len(d);
    size_t len = strlen(d);
    /* Without a separate extension, 1 to 4 trailing digits beyond an
     * 8-digit number are taken as one only if a '-' split them. */
    if (!area || len < area + 7)
        return -1;
    size_t num = len - area;
    if (num > 8) {
        /* "0571-1234567-801" typed with dashes: find the last dash in the input. */
        const char *dash = strrchr(main_part, '-');
        size_t tail = dash ? strspn(dash + 1, "0123456789") : 0;
        if (!dash || ext[0] || tail == 0 || tail > 6 || tail != strlen(dash + 1) ||
            num - tail < 7 || num - tail > 8)
            return -1;
        snprintf(ext, sizeof ext, "%.6s", dash + 1);
        num -= tail;
    }
    if (ext[0])
        snprintf(out, cap, "%.*s-%.*s-%s", (int)area, d, (int)num, d + area, ext);
    else
        snprintf(out, cap, "%.*s-%.*s", (int)area, d, (int)num, d + area);
    return 0;
}

void crm_phone_mask(const char *in, char *out, size_t cap)
{
    size_t n = in ? strlen(in) : 0;
    if (cap == 0)
        return;
    if (n + 1 > cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (n > 7 && (i < 3 || i >= n - 4)) ? in[i] : '*';
    out[n] = 0;
}

int crm_email_valid(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n == 0 || n > 254 || !at || at == s || strchr(at + 1, '@'))
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ')
            return 0;
    const char *dot = strrchr(at + 1, '.');
    return dot && dot > at + 1 && dot[1] != 0;
}

/* Walks s as UTF-8: its length in characters (*chars) and bytes; -1 if
 * it is not valid UTF-8. */
static long s_utf8(const char *s, long *chars)
{
    *chars = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int extra;
        unsigned cp;
        if (*p < 0x80) {
            extra = 0, cp = *p;
        } else if ((*p & 0xe0) == 0xc0) {
            extra = 1, cp = *p & 0x1f;
        } else if ((*p & 0xf0) == 0xe0) {
            extra = 2, cp = *p & 0x0f;
        } else if ((*p & 0xf8) == 0xf0) {
            extra = 3, cp = *p & 0x07;
        } else {
            return -1;
        }
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (*p & 0x3f);
        }
        static const unsigned min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        (*chars)++;
    }
    return (long)(p - (const unsigned char *)s);
}

long crm_utf8_len(const char *s)
{
    long chars;
    return s_utf8(s, &chars) < 0 ? -1 : chars;
}

long crm_utf8_bytes(const char *s)
{
    long chars;
    return s_utf8(s, &chars);
}

int crm_text_check(crm_err_t *err, const char *field, const char *value, long max, int required)
{
    long n = crm_utf8_len(value ? value : "");
    if (n < 0)
        return crm_err_invalid(err, field, "%s is not valid UTF-8", field);
    if (required && n == 0)
        return crm_err_invalid(err, field, "%s is required", field);
    if (n > max)
        return crm_err_invalid(err, field, "%s is longer than %ld characters", field, max);
    return 0;
}
