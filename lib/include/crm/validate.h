/* validate.h: checks and normal forms of what people type: phone numbers,
 * e-mail addresses, text lengths. Pure functions, shared by every domain. */
#ifndef CRM_VALIDATE_H
#define CRM_VALIDATE_H

#include <stddef.h>

#include "err.h"

/* Normalises a mainland China mobile number: drops spaces, dashes, dots and
 * parentheses and a +86 / 0086 / 86 prefix; valid numbers are 11 digits
 * starting 13-19. Writes the 11 digits to out. Returns 0, or -1 if invalid. */
int crm_phone_mobile(const char *in, char out[12]);

/* Normalises a mainland landline: area code (0 + 2 or 3 digits), number (7
 * or 8 digits), optional extension; a +86 prefix drops the area code's 0 and
 * is restored. Writes "010-12345678" or "0571-1234567-801" to out (cap >= 24).
 * Returns 0, or -1 if invalid. */
int crm_phone_landline(const char *in, char *out, size_t cap);

/* Masks a phone number for people who may not see it: the first 3 and last
 * 4 characters stay, the middle becomes '*' ("138****5678"). Short inputs
 * are masked whole. cap >= strlen(in) + 1. */
void crm_phone_mask(const char *in, char *out, size_t cap);

/* A plausible e-mail address: one '@', a non-empty local part, a domain with
 * a dot, no spaces, at most 254 bytes. Returns 1 or 0. */
int crm_email_valid(const char *s);

/* Length of s in characters if it is valid UTF-8, else -1. */
long crm_utf8_len(const char *s);
/* Length of s in bytes (strlen) if it is valid UTF-8, else -1: the check
 * and the length in one pass. */
long crm_utf8_bytes(const char *s);

/* A request's text field: valid UTF-8 of at most max characters, not empty
 * if required (value NULL counts as empty). Returns 0, or -1 with *err
 * (INVALID_ARGUMENT on field). */
int crm_text_check(crm_err_t *err, const char *field, const char *value, long max, int required);

#endif
