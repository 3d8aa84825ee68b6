/* fuzz_paper.c: lib/paper.c on arbitrary record lines: `order` records are submitted,
 * `cancel` cancels, `amend` ({"id","px","qty"}) amends, every other type is market data.
 * Invariants on what the engine emits: every fill has a positive quantity and fee currency,
 * every order_event has 0 <= filled_qty and 0 <= remaining_qty, and the engine's open count
 * never goes negative. Malformed input must fail cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "decimal.h"
#include "paper.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_dec(const json_t *rec, const char *key, int min_sign)
{
	struct lyra_dec d;
	if (lyra_json_get_dec(rec, key, &d) != 0 || lyra_dec_sign(d) < min_sign)
		abort();
	return 0;
}

static int emit_cb(void *ctx, json_t *rec)
{
	(void)ctx;
	const char *type = json_string_value(json_object_get(rec, "type"));
	if (type && strcmp(type, "fill") == 0) {
		check_dec(rec, "qty", 1);
		check_dec(rec, "px", 1);
		check_dec(rec, "fee", -1);
		if (!json_string_value(json_object_get(rec, "fee_ccy")))
			abort();
	} else if (type && strcmp(type, "order_event") == 0) {
		check_dec(rec, "filled_qty", 0);
		check_dec(rec, "remaining_qty", 0);
	} else {
		abort();
	}
	json_decref(rec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyra_paper_opts o = { 0 };
	o.latency_us = size & 1 ? 1000 : 0;
	o.maker_fee = (struct lyra_dec){ 1, 3 };
	o.taker_fee = (struct lyra_dec){ 2, 3 };
	struct lyra_paper *p = lyra_paper_new(&o, emit_cb, NULL);
	const char *s = (const char *)data, *end = s + size;
	if (!p)
		return 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		json_t *rec = lyra_record_parse(s, len, NULL, 0);
		s += len + (nl != NULL);
		if (!rec)
			continue;
		const char *type = json_string_value(json_object_get(rec, "type"));
		const char *id = json_string_value(json_object_get(rec, "id"));
		int64_t ts = json_integer_value(json_object_get(rec, "ts"));
		if (strcmp(type, "order") == 0) {
			lyra_paper_submit(p, rec);
		} else if (strcmp(type, "cancel") == 0 && id) {
			lyra_paper_cancel(p, id, ts);
		} else if (strcmp(type, "amend") == 0 && id) {
			struct lyra_dec px, qty;
			int hp = lyra_json_opt_dec(rec, "px", &px) == 0;
			int hq = lyra_json_opt_dec(rec, "qty", &qty) == 0;
			lyra_paper_amend(p, id, hp ? &px : NULL, hq ? &qty : NULL, ts);
		} else if (strcmp(type, "restore") == 0) {
			struct lyra_dec f;
			if (lyra_json_opt_dec(rec, "filled_qty", &f) == 0)
				lyra_paper_restore(p, rec, f);
		} else {
			lyra_paper_on_market(p, type, rec);
		}
		json_decref(rec);
		if (lyra_paper_open_count(p) < 0)
			abort();
	}
	lyra_paper_free(p);
	return 0;
}
