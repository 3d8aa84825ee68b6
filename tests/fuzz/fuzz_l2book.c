/* fuzz_l2book: arbitrary bytes as venue WebSocket lines through every venue's feed (no crash,
 * no leak, records well formed), and as level operations on an l2book whose invariants (strict
 * price order on both sides, positive quantities, depth after trim) are checked after each. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "l2book.h"
#include "venue_ws.h"

static int check_rec(void *ctx, json_t *rec)
{
	(void)ctx;
	if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "type")) ||
	    !json_is_integer(json_object_get(rec, "recv_ts")))
		abort();
	json_decref(rec);
	return 0;
}

static void check_book(const struct lyra_l2book *b)
{
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < b->n[s]; i++) {
			struct lyra_l2level l, prev;

			if (lyra_l2book_level(b, s, i, &l) < 0 || lyra_dec_sign(l.qty) <= 0 ||
			    lyra_dec_sign(l.px) <= 0)
				abort();
			if (i && (lyra_l2book_level(b, s, i - 1, &prev) < 0 ||
			          lyra_dec_cmp(prev.px, l.px) != (s == LYRA_L2_BID ? 1 : -1)))
				abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const venues[] = { "kraken", "okx", "binance", "coinbase", "gateio",
	                                      "bitfinex", "bitstamp", "gemini" };
	const char *p = (const char *)data;
	struct lyra_l2book b;
	size_t i = 0;

	if (size == 0)
		return 0;
	{
		struct lyra_ws_feed *f = lyra_ws_feed_new(venues[data[0] % 8], data[0] >> 3, check_rec,
		                                          NULL);
		size_t start = 1;

		if (!f)
			abort();
		for (size_t k = 1; k <= size; k++)
			if (k == size || p[k] == '\n') {
				lyra_ws_feed_line(f, p + start, k - start, 1);
				start = k + 1;
			}
		lyra_ws_feed_free(f);
	}
	/* level operations: "side px qty" words separated by spaces */
	lyra_l2book_init(&b, data[0] % 5);
	while (i < size) {
		size_t a = i, pe, qe;
		int side = data[i] & 1;

		a++;
		pe = a;
		while (pe < size && p[pe] != ' ')
			pe++;
		qe = pe < size ? pe + 1 : pe;
		while (qe < size && p[qe] != ' ')
			qe++;
		if (pe < size)
			lyra_l2book_set(&b, side ? LYRA_L2_ASK : LYRA_L2_BID, p + a, pe - a,
			                p + pe + 1, qe > pe ? qe - pe - 1 : 0);
		check_book(&b);
		lyra_l2book_crc_kraken(&b);
		lyra_l2book_crc_okx(&b);
		i = qe + 1;
	}
	lyra_l2book_trim(&b);
	if (b.depth && (b.n[0] > (size_t)b.depth || b.n[1] > (size_t)b.depth))
		abort();
	check_book(&b);
	lyra_l2book_free(&b);
	return 0;
}
