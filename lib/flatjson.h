/* flatjson.h: a scanner for flat JSON records, for hot paths that read a few top-level fields
 * and must not pay for a jansson DOM (one malloc per value).
 *
 * lyra_fj_scan() accepts exactly one kind of line: a JSON object whose members are all scalars
 * (strings, numbers, true, false, null), with no duplicate keys, at most LYRA_FJ_MAX_FIELDS
 * members and at most LYRA_FJ_MAX_LINE bytes. Within that it is exact and agrees with
 * lyra_record_parse (record.h) value for value: strings are decoded (escapes, surrogate pairs)
 * and checked as UTF-8 like jansson does; a number token that is an integer fitting int64 is
 * LYRA_FJ_INT, any other well-formed number (fraction, exponent, beyond int64) is LYRA_FJ_NUM
 * and keeps its exact text (lyra_record_parse turns those into strings). Anything else, valid
 * JSON or not, is declined (-1) without a reason: nested values, duplicate keys, \u0000, a
 * lone surrogate, bad UTF-8, a control character, a truncated line, trailing bytes. The caller
 * then takes the jansson path, which decides and explains; the scanner never reports errors of
 * its own, so a stage that uses it produces the same error records as one that does not.
 *
 * Nothing is allocated: the decoded keys and values live in the struct (NUL-terminated), which
 * a caller keeps and reuses for every line. tests/unit/test_flatjson.c and
 * tests/fuzz/fuzz_flatjson.c check the agreement with lyra_record_parse.
 *
 * The writer half (struct lyra_fj_out) builds an output line in a reusable buffer with the
 * compact encoding lyra_out_json (record.h) uses, so a stage can emit a changed flat record
 * byte for byte as the jansson path would. */
#ifndef LYRA_FLATJSON_H
#define LYRA_FLATJSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decimal.h"

#define LYRA_FJ_MAX_FIELDS 48
#define LYRA_FJ_MAX_LINE 4096

enum lyra_fj_kind { LYRA_FJ_STR, LYRA_FJ_INT, LYRA_FJ_NUM, LYRA_FJ_TRUE, LYRA_FJ_FALSE, LYRA_FJ_NULL };

struct lyra_fj_field {
	const char *key;    /* decoded, NUL-terminated (no NUL inside: \u0000 is declined) */
	size_t klen;
	const char *str;    /* STR: the decoded value; INT, NUM: the token's text; literals: their
	                       text. NUL-terminated, in the struct. */
	size_t len;
	int64_t i;          /* INT: the value */
	enum lyra_fj_kind kind;
	const char *raw;    /* the member as it stands in the line, "key":value (borrowed: valid
	                       while the scanned line is) */
	size_t rawlen;
	int canon;          /* 1: raw is exactly what lyra_fj_put_member writes (no escapes, no
	                       whitespace inside, not a NUM, not -0) */
};

struct lyra_fj {
	int n;                                  /* members, in line order */
	struct lyra_fj_field f[LYRA_FJ_MAX_FIELDS];
	char buf[LYRA_FJ_MAX_LINE + 8];         /* decoded text */
};

/* Scan one line (len bytes, need not be NUL-terminated) into fj. 0, or -1 when the line is not
 * a flat object the scanner accepts (see above). */
int lyra_fj_scan(const char *line, size_t len, struct lyra_fj *fj);

/* The member named key, or NULL. */
static inline const struct lyra_fj_field *lyra_fj_get(const struct lyra_fj *fj, const char *key)
{
	size_t n = strlen(key);
	for (int i = 0; i < fj->n; i++)
		if (fj->f[i].klen == n && fj->f[i].key[0] == key[0] && memcmp(fj->f[i].key, key, n) == 0)
			return &fj->f[i];
	return NULL;
}
/* The decoded string of a STR member named key; NULL when absent or not a string. */
static inline const char *lyra_fj_str(const struct lyra_fj *fj, const char *key)
{
	const struct lyra_fj_field *f = lyra_fj_get(fj, key);
	return f && f->kind == LYRA_FJ_STR ? f->str : NULL;
}
/* A decimal as lyra_json_get_dec reads it from the parsed record: a STR parsed by
 * lyra_dec_parse, an INT, or a NUM's exact text. 0, or -1 (absent, another kind, or a string
 * that is not a decimal). */
int lyra_fj_dec(const struct lyra_fj_field *f, struct lyra_dec *out);
/* A timestamp as lyra_record_parse accepts "ts": an INT, or a STR holding exactly an integer
 * that fits int64 ('-'? digits). 0, or -1. */
int lyra_fj_ts(const struct lyra_fj_field *f, int64_t *out);

/* 1 when s[0..n) is valid UTF-8 (what jansson's json_string requires), else 0. */
int lyra_fj_utf8_ok(const char *s, size_t n);

/* ---- writing ---- */

struct lyra_fj_out {
	char *b;          /* the line so far (not NUL-terminated) */
	size_t n, cap;
	int oom;          /* an append failed: the line is incomplete */
};

void lyra_fj_out_init(struct lyra_fj_out *w);
void lyra_fj_out_free(struct lyra_fj_out *w);
static inline void lyra_fj_out_reset(struct lyra_fj_out *w)
{
	w->n = 0;
	w->oom = 0;
}
/* Make room for more bytes: 0, or -1 (oom set). */
int lyra_fj_out_grow(struct lyra_fj_out *w, size_t more);
/* Raw bytes. */
static inline void lyra_fj_put(struct lyra_fj_out *w, const char *s, size_t n)
{
	if (n > w->cap - w->n && lyra_fj_out_grow(w, n) < 0)
		return;
	memcpy(w->b + w->n, s, n);
	w->n += n;
}
static inline void lyra_fj_put_cstr(struct lyra_fj_out *w, const char *s)
{
	lyra_fj_put(w, s, strlen(s));
}
/* A JSON string as jansson's compact encoder writes it ('"', '\\' and control characters
 * escaped, everything else as is); s must be valid UTF-8. */
void lyra_fj_put_str(struct lyra_fj_out *w, const char *s, size_t n);
void lyra_fj_put_int(struct lyra_fj_out *w, int64_t v);
/* One member's value as lyra_out_json writes the parsed record's value: strings re-encoded, an
 * INT in canonical form ("-0" becomes 0), a NUM as a string holding its text, literals. */
void lyra_fj_put_value(struct lyra_fj_out *w, const struct lyra_fj_field *f);
/* The member, "key":value, written that way (its raw text when canon). */
void lyra_fj_put_member(struct lyra_fj_out *w, const struct lyra_fj_field *f);

#endif
