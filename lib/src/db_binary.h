/* db_binary.h: values in PostgreSQL's binary format, as a statement asked
 * with crm_db_batch_binary returns them, read into C values: integers,
 * booleans, floats, instants (as microseconds since the Unix epoch) and
 * one-dimensional arrays of text and of integers. The readers of db_read.c
 * and the row map (rowmap.c) use them. Not part of lib's public face. */
#ifndef CRM_DB_BINARY_H
#define CRM_DB_BINARY_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* The type OIDs read here (PostgreSQL's pg_type.dat: fixed since 7.x). */
enum {
    DB_OID_BOOL = 16,
    DB_OID_NAME = 19,
    DB_OID_INT8 = 20,
    DB_OID_INT2 = 21,
    DB_OID_INT4 = 23,
    DB_OID_TEXT = 25,
    DB_OID_OID = 26,
    DB_OID_JSON = 114,
    DB_OID_FLOAT4 = 700,
    DB_OID_FLOAT8 = 701,
    DB_OID_UNKNOWN = 705,
    DB_OID_INT2_ARRAY = 1005,
    DB_OID_INT4_ARRAY = 1007,
    DB_OID_TEXT_ARRAY = 1009,
    DB_OID_BPCHAR_ARRAY = 1014,
    DB_OID_VARCHAR_ARRAY = 1015,
    DB_OID_INT8_ARRAY = 1016,
    DB_OID_NAME_ARRAY = 1003,
    DB_OID_BPCHAR = 1042,
    DB_OID_VARCHAR = 1043,
    DB_OID_DATE = 1082,
    DB_OID_TIMESTAMP = 1114,
    DB_OID_TIMESTAMPTZ = 1184,
};

/* Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC). */
#define DB_EPOCH_SHIFT_US 946684800000000LL

/* What a binary value of a type reads as. */
typedef enum {
    DB_BIN_NONE = 0, /* not read here */
    DB_BIN_TEXT,     /* text, varchar, bpchar, name, json: the bytes themselves */
    DB_BIN_INT,      /* int2, int4, int8, oid; and timestamptz, as microseconds */
    DB_BIN_BOOL,
    DB_BIN_FLOAT, /* float4, float8 */
    DB_BIN_TEXTS, /* text[], varchar[], bpchar[], name[] */
    DB_BIN_INTS,  /* int2[], int4[], int8[] */
} db_bin_kind_t;

db_bin_kind_t db_bin_kind(Oid type);

/* Is type a time (timestamptz, timestamp, date)? Read as text, such a
 * column is not a number. */
int db_bin_is_time(Oid type);

/* The integer of a value of type (len bytes at v): int2, int4, int8,
 * oid, and timestamptz (microseconds since 1970-01-01 UTC, the number
 * crm_us gives; ±infinity as INT64_MAX and INT64_MIN). Returns 0,
 * or -1 (and *out 0) for another type or a length that does not fit it. */
int db_bin_i64(Oid type, const char *v, int len, int64_t *out);

/* The float of a float4 or float8 value; 0, or -1 (and *out 0). */
int db_bin_f64(Oid type, const char *v, int len, double *out);

/* A one-dimensional array (an array of more dimensions is read flat, in
 * its order) of text elements: *n strings in one block (free() alone; a
 * NULL element reads as ""), NULL and *n 0 when empty or malformed. */
char **db_bin_text_array(const char *v, int len, size_t *n);

/* The same of integer elements (int2, int4, int8; a NULL element is 0):
 * a malloc'd array, NULL and *n 0 when empty or malformed. */
int64_t *db_bin_i64_array(const char *v, int len, size_t *n);

#endif
