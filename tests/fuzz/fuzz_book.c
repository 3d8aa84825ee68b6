/* fuzz_book.c: lib/book.c on arbitrary record lines: snapshots and deltas into two books, then
 * the cross walk between them. Invariants: a valid book's sides are strictly ordered (bids
 * descending, asks ascending) with positive prices and quantities; a cross that reports a size
 * has 0 < qty <= what both books hold, and cost/proceeds consistent with profit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "book.h"
#include "decimal.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_side(const struct lyra_book_side *s, int is_bid)
{
	for (size_t i = 0; i < s->n; i++) {
		if (lyra_dec_sign(s->lv[i].px) <= 0 || lyra_dec_sign(s->lv[i].qty) <= 0)
			abort();
		if (i && lyra_dec_cmp(s->lv[i - 1].px, s->lv[i].px) != (is_bid ? 1 : -1))
			abort();
	}
}

static struct lyra_dec total(const struct lyra_book_side *s)
{
	struct lyra_dec t = lyra_dec_zero();
	for (size_t i = 0; i < s->n; i++)
		if (lyra_dec_add(t, s->lv[i].qty, &t) != 0)
			return (struct lyra_dec){ INT64_MAX, 0 };
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyra_book b[2];
	lyra_book_init(&b[0]);
	lyra_book_init(&b[1]);
	const char *p = (const char *)data, *end = p + size;
	int k = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *rec = lyra_record_parse(p, len, NULL, 0);
		p += len + (nl != NULL);
		if (!rec)
			continue;
		struct lyra_book *bk = &b[k++ & 1];
		const char *type = json_string_value(json_object_get(rec, "type"));
		const json_t *bids = json_object_get(rec, "bids"), *asks = json_object_get(rec, "asks");
		if (strcmp(type, "book") == 0)
			lyra_book_snapshot(bk, bids, asks, 1, 1);
		else if (strcmp(type, "book_delta") == 0)
			lyra_book_apply(bk, bids, asks, 2, 2);
		json_decref(rec);
		if (bk->valid) {
			check_side(&bk->bids, 1);
			check_side(&bk->asks, 0);
		}
	}
	if (b[0].valid && b[1].valid) {
		struct lyra_cross r;
		struct lyra_dec fee = { 1, 3 }, zero = lyra_dec_zero(), diff;
		if (lyra_book_cross(&b[0], fee, &b[1], fee, zero, NULL, &r) == 1) {
			if (lyra_dec_sign(r.qty) <= 0 || lyra_dec_cmp(r.qty, total(&b[0].asks)) > 0 ||
			    lyra_dec_cmp(r.qty, total(&b[1].bids)) > 0)
				abort();
			if (lyra_dec_sub(r.proceeds, r.cost, &diff) == 0 && lyra_dec_cmp(diff, r.profit) < 0)
				abort();
		}
	}
	lyra_book_free(&b[0]);
	lyra_book_free(&b[1]);
	return 0;
}
