/* fuzz_lots.c: lot matching and the CGT date parser on arbitrary bytes. Lots: bytes drive adds
 * and disposals by FIFO/LIFO/HIFO; quantity and cost base must be conserved exactly (taken +
 * remaining = added). Dates: a parsed YYYY-MM-DD formats back to the same text. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cgt.h"
#include "decimal.h"
#include "lots.h"

struct sums {
	struct lyra_dec qty, cost;
};

static int take(void *ctx, const struct lyra_lot_take *t)
{
	struct sums *s = ctx;
	if (lyra_dec_sign(t->qty) <= 0 || lyra_dec_sign(t->cost) < 0)
		abort();
	if (lyra_dec_add(s->qty, t->qty, &s->qty) || lyra_dec_add(s->cost, t->cost, &s->cost))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyra_lots l;
	struct sums taken = { lyra_dec_zero(), lyra_dec_zero() };
	struct lyra_dec added_q = lyra_dec_zero(), added_c = lyra_dec_zero(), held, rest_c;
	char s[11], back[11];
	int64_t day;

	if (size >= 10) {
		memcpy(s, data, 10);
		s[10] = '\0';
		if (strlen(s) == 10 && lyra_cgt_day_parse(s, &day) == 0) {
			lyra_cgt_day_format(day, back);
			if (strcmp(s, back) != 0)
				abort();
		}
	}
	memset(&l, 0, sizeof l);
	for (size_t i = 0; i + 3 <= size; i += 3) {
		struct lyra_dec q = { (int64_t)(data[i + 1] % 200) + 1, data[i] % 4 };
		struct lyra_dec c = { (int64_t)data[i + 2] * 37, 2 };
		if (data[i] & 0x80) {
			if (lyra_lots_add(&l, (int64_t)i, (int64_t)i, q, c) != 0)
				abort();
			lyra_dec_add(added_q, q, &added_q);
			lyra_dec_add(added_c, c, &added_c);
		} else {
			enum lyra_lot_method m = (enum lyra_lot_method)((data[i] >> 4) % 3);
			lyra_lots_dispose(&l, m, q, 2, take, &taken);
		}
	}
	if (lyra_lots_total(&l, &held) != 0)
		abort();
	rest_c = lyra_dec_zero();
	for (size_t k = l.head; k < l.n; k++) {
		if (lyra_dec_sign(l.v[k].qty) <= 0 || lyra_dec_sign(l.v[k].cost) < 0)
			abort();
		lyra_dec_add(rest_c, l.v[k].cost, &rest_c);
	}
	lyra_dec_add(held, taken.qty, &held);
	lyra_dec_add(rest_c, taken.cost, &rest_c);
	if (lyra_dec_cmp(held, added_q) != 0 || lyra_dec_cmp(rest_c, added_c) != 0)
		abort();
	lyra_lots_free(&l);
	return 0;
}
