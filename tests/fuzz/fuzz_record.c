/* fuzz_record.c: the type peek and the exact parse of lib/ndjson.c and lib/record.c on arbitrary
 * bytes. Invariants: the peek stays inside the line; a parse that succeeds is an object with a
 * string type equal to what the peek finds and an integer ts; the fast builder and the reference
 * path (number rewrite + json_loadb) agree whenever the fast one accepts; the compact encoder
 * writes exactly what json_dumps(JSON_COMPACT) writes; a dump parses back to an equal value.
 *
 * record.c is included to reach its two parse paths; link with liblyra.a (the archive's
 * record.o is then not pulled in). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ndjson.h"
#include "record.h"
#include "record.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_peek(const char *buf, size_t len, const json_t *rec)
{
	const char *t = NULL, *why = NULL;
	size_t tl = 0;
	if (lyra_record_peek_type(buf, len, &t, &tl, &why) != 0)
		abort();
	const json_t *type = json_object_get(rec, "type");
	if (!json_is_string(type) || json_string_length(type) != tl ||
	    memcmp(json_string_value(type), t, tl) != 0)
		abort();
}

/* lyra_record_dump must be byte-for-byte jansson's compact dump. */
static void same_dump(const json_t *v)
{
	char *a = lyra_record_dump(v);
	char *b = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!a || !b || strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy so reads past the end are caught */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	const char *t = NULL, *why = NULL;
	size_t tl = 0;
	int prc = lyra_record_peek_type(buf, size, &t, &tl, &why);
	if (prc == 0 && (t < buf || t + tl > buf + size || memchr(t, '"', tl) || memchr(t, '\\', tl)))
		abort();
	if (prc != 0 && (!why || !*why))
		abort();

	/* the two parse paths */
	char rwhy[256];
	json_t *fast = parse_fast(buf, size, 1);
	json_t *ref = parse_jansson(buf, size, rwhy, sizeof rwhy);
	if (fast) {
		if (!ref || !json_equal(fast, ref))
			abort();
		char *a = lyra_record_dump(fast), *b = lyra_record_dump(ref);
		if (!a || !b || strcmp(a, b) != 0)   /* same key order too */
			abort();
		free(a);
		free(b);
	}
	if (ref)
		same_dump(ref);
	json_decref(fast);
	json_decref(ref);

	/* any JSON value jansson accepts: the encoder matches json_dumps */
	json_error_t jerr;
	json_t *any = json_loadb(buf, size, JSON_DECODE_ANY, &jerr);
	if (any) {
		same_dump(any);
		json_decref(any);
	}

	char reason[256];
	reason[0] = '\0';
	json_t *rec = lyra_record_parse(buf, size, reason, sizeof reason);
	if (!rec) {
		if (!reason[0])
			abort();
		free(buf);
		return 0;
	}
	if (prc != 0 || !json_is_object(rec) || !json_is_integer(json_object_get(rec, "ts")))
		abort();
	same_peek(buf, size, rec);

	char *dump = lyra_record_dump(rec);
	if (!dump)
		abort();
	json_t *again = lyra_record_parse(dump, strlen(dump), reason, sizeof reason);
	if (!again || !json_equal(rec, again))
		abort();
	same_peek(dump, strlen(dump), again);

	char vwhy[128];
	(void)lyra_record_validate(rec, vwhy, sizeof vwhy);
	struct lyra_dec d;
	int64_t v;
	(void)lyra_json_get_dec(rec, "px", &d);
	(void)lyra_json_opt_dec(rec, "qty", &d);
	(void)lyra_json_get_ts(rec, "ts", &v);

	json_decref(again);
	free(dump);
	json_decref(rec);
	free(buf);
	return 0;
}
