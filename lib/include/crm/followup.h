/* followup.h: a follow-up (跟进记录) of a record, as every domain that keeps
 * them does (customers, opportunities): the request's checks (every field
 * at fault at once), what it moves on its record (the last follow-up and
 * the next contact time), and its row in the domain's own table. Methods
 * are the domains' enums, numbered alike (1 phone .. 7 event). */
#ifndef CRM_FOLLOWUP_H
#define CRM_FOLLOWUP_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "db.h"
#include "err.h"

/* The most attachments, and the longest reference. */
#define CRM_FOLLOWUP_ATTACHMENTS_MAX 20
#define CRM_FOLLOWUP_CONTENT_MAX 5000

typedef struct {
    int64_t id;        /* its id (read from its table's sequence) */
    int64_t record_id; /* the customer's, the opportunity's */
    int64_t user_id;   /* who followed up */
    int64_t at_us;     /* when it happened; 0 in a request: now */
    const char *content;
    int method; /* 1..method_max */
    int64_t contact_id;
    int64_t next_contact_at_us; /* 0: leaves the next contact time as it is... */
    int clear_next_contact;     /* ...unless this clears it */
    char *const *attachments;
    size_t n_attachments;
} crm_followup_t;

/* The follow-up a domain's request message gives, by its fields' names:
 * <record_field>, at_us, content, method, contact_id, next_contact_at_us,
 * clear_next_contact, attachments (pointing into req). */
crm_followup_t crm_followup_of_request(const ProtobufCMessage *req, const char *record_field);

/* Checks a request's follow-up: content (1..5000 characters), a method
 * 1..method_max (named by its words), contact_id >= 0, a next contact time
 * set or cleared but not both, at most 20 attachments of 1..500
 * characters, instants RFC 3339 can write. Adds every field at fault to
 * errs: 0, or -1. */
int crm_followup_check(const crm_followup_t *f, int method_max, crm_errs_t *errs);

/* What f does to its record at now_us: f->at_us becomes now when 0; a
 * follow-up later than the last moves the record's last follow-up (time
 * and content); one that sets or clears the next contact time moves it.
 * 0, or -1 with err on at_us for a follow-up in the future (beyond a
 * minute's clock skew). */
int crm_followup_apply(crm_followup_t *f, int64_t now_us, int64_t *last_at_us, char **last_content,
                       int64_t *next_contact_at_us, crm_err_t *err);

/* The follow-up of a run of the change engine (crm/change.h) on
 * record_field's record: its request's (crm_followup_of_request), its id
 * from the read "followup_id" of round 1 (the first column), the caller as
 * its author, the run's time when it gives none. */
struct crm_change;
crm_followup_t crm_followup_of_change(struct crm_change *c, const char *record_field);

/* Fills msg, the domain's follow-up message (initialised), from f by its
 * fields' names: id, <record_field>, user_id, at_us, content, method,
 * contact_id, next_contact_at_us, attachments (pointing into f), and
 * created_at_us (created_us). */
void crm_followup_message(const crm_followup_t *f, const char *record_field, int64_t created_us,
                          ProtobufCMessage *msg);

/* Adds to b the INSERT of f into the domain's table (columns id,
 * <record_column>, user_id, at, content, method, contact_id,
 * next_contact_at, attachments). */
void crm_followup_insert(crm_db_batch_t *b, const char *table, const char *record_column,
                         const crm_followup_t *f);

#endif
