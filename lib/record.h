/* record.h: records as JSON values: exact parsing of consumed records (numbers kept exact),
 * typed field access for decimals, timestamps and strings, building and emitting records, and
 * the record schema (required fields per type) that lyra-records(7) documents and tests check. */
#ifndef LYRA_RECORD_H
#define LYRA_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "decimal.h"

/* Parse one record line into a NEW reference to a JSON object. Numbers are kept exact: any
 * non-integer number token (or an integer too large for int64) is turned into a JSON string
 * holding exactly the token's text before jansson sees it, so 0.1 arrives as "0.1". Requires an
 * object with a string "type" and an integer "ts" (a string holding an integer is accepted).
 * On failure returns NULL and writes a one-line reason into why (why may be NULL). */
json_t *lyra_record_parse(const char *buf, size_t len, char *why, size_t whylen);

/* Parse any JSON text (a venue's payload: an object or an array) with the same exactness as
 * lyra_record_parse: non-integer numbers and integers beyond int64 arrive as JSON strings
 * holding the number's exact text. NEW reference, or NULL with a reason in why. */
json_t *lyra_json_loads_exact(const char *buf, size_t len, char *why, size_t whylen);

/* A NEW object {"type":type,"ts":ts}, fields in that order. */
json_t *lyra_record_new(const char *type, int64_t ts);

/* Field access. Getters return 0, or -1 with a message in error.h (code LYRA_EX_DATAERR) naming
 * the key when it is missing or of the wrong kind. Decimals accept a string or an integer. */
int lyra_json_get_dec(const json_t *obj, const char *key, struct lyra_dec *out);
int lyra_json_get_ts(const json_t *obj, const char *key, int64_t *out);
int lyra_json_get_int(const json_t *obj, const char *key, int64_t *out);
/* Borrowed string, or NULL when missing or not a string (sets error.h). */
const char *lyra_json_get_str(const json_t *obj, const char *key);
/* Optional variants: return 1 when absent (out untouched), 0 when present and valid, -1 invalid. */
int lyra_json_opt_dec(const json_t *obj, const char *key, struct lyra_dec *out);

/* Setters add or replace a key; decimals are written as strings in their scale. 0 or -1. */
int lyra_json_set_dec(json_t *obj, const char *key, struct lyra_dec d);
int lyra_json_set_str(json_t *obj, const char *key, const char *s);
int lyra_json_set_int(json_t *obj, const char *key, int64_t v);

/* Emit a record on the writer of ndjson.h as one compact line (keys in insertion order).
 * 0, or -1 on a write error. */
int lyra_out_json(const json_t *rec);
/* Compact encoding into a NEW malloc'd string (caller frees); NULL on allocation failure. */
char *lyra_record_dump(const json_t *rec);

/* Writes str[0..n) as a JSON string literal, quotes included, the way every record is encoded
 * (\uXXXX for other control bytes, UTF-8 kept as is) into dst, which has room for 6n+2 bytes.
 * Returns the bytes written. */
size_t lyra_json_quote(char *dst, const char *str, size_t n);

/* The schema: for each record type of DESIGN.md §2, the fields every instance must carry.
 * kind: "str", "dec" (decimal string or integer), "ts", "int", "levels" ([[px,qty],...]),
 * "array", "object", "any". */
struct lyra_field_spec {
	const char *name;
	const char *kind;
};
struct lyra_record_spec {
	const char *type;
	const struct lyra_field_spec *required;  /* terminated by {NULL, NULL} */
	const char *summary;                      /* one line, as in lyra-records(7) */
};
/* The table, terminated by an entry with type NULL (borrowed, static). */
const struct lyra_record_spec *lyra_record_specs(void);
const struct lyra_record_spec *lyra_record_spec_find(const char *type);
/* Check rec against its type's spec: 0 valid; -1 with a reason in why (unknown type, missing
 * field, wrong kind). Unknown extra fields are allowed (records may grow). */
int lyra_record_validate(const json_t *rec, char *why, size_t whylen);

#endif
