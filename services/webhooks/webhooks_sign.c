/* webhooks_sign.c: secrets and signatures per Standard Webhooks 1.0:
 * "whsec_" secrets, and v1 signatures, the base64 of HMAC-SHA256 over
 * "{id}.{timestamp}.{body}" keyed with the secret's decoded bytes
 * (libsodium). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crm/util.h"
#include "webhooks.h"

#define SECRET_BYTES 32

char *wh_secret_new(void)
{
    unsigned char key[SECRET_BYTES];
    randombytes_buf(key, sizeof key);
    char b64[sodium_base64_ENCODED_LEN(SECRET_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
    return crm_sprintf(WH_SECRET_PREFIX "%s", b64);
}

char *wh_sign(const char *secret, const char *id, int64_t ts, const char *body, size_t len)
{
    size_t plen = strlen(WH_SECRET_PREFIX);
    if (strncmp(secret, WH_SECRET_PREFIX, plen))
        return NULL;
    unsigned char key[128];
    size_t n = 0;
    const char *b64 = secret + plen;
    if (sodium_base642bin(key, sizeof key, b64, strlen(b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return NULL;
    char head[128];
    int hl = snprintf(head, sizeof head, "%s.%lld.", id, (long long)ts);
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)head, (size_t)hl);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(key, sizeof key);
    char out[sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(out, sizeof out, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return crm_sprintf("v1,%s", out);
}
