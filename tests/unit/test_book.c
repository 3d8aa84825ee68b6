/* test_book.c: unit tests for lib/book.c (L2 books, depth walks, the cross walk, the registry)
 * and lib/fees.c (fee table and override file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book.h"
#include "decimal.h"
#include "error.h"
#include "fees.h"
#include "unit.h"

static char ring[16][LYRA_DEC_STRLEN];
static int ring_i;

static const char *fmt(struct lyra_dec d)
{
	char *b = ring[ring_i++ % 16];
	lyra_dec_format(d, b);
	return b;
}

static struct lyra_dec D(const char *s)
{
	struct lyra_dec d;
	if (lyra_dec_parse_cstr(s, &d) != 0)
		abort();
	return d;
}

static json_t *J(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &e);
	if (!v)
		abort();
	return v;
}

static int snap(struct lyra_book *b, const char *bids, const char *asks, int64_t ts)
{
	json_t *jb = J(bids), *ja = J(asks);
	int rc = lyra_book_snapshot(b, jb, ja, ts, 1);
	json_decref(jb);
	json_decref(ja);
	return rc;
}

static int delta(struct lyra_book *b, const char *bids, const char *asks, int64_t ts)
{
	json_t *jb = J(bids), *ja = J(asks);
	int rc = lyra_book_apply(b, jb, ja, ts, 2);
	json_decref(jb);
	json_decref(ja);
	return rc;
}

static void test_book_updates(void)
{
	struct lyra_book b;
	lyra_book_init(&b);
	CHECK(delta(&b, "[]", "[]", 1) == -1, "a delta without a snapshot fails");
	CHECK_INT(snap(&b, "[[\"100\",\"1\"],[\"99\",\"2\"],[\"98\",\"0\"]]", "[[\"101\",\"1.5\"],[102,3]]", 10),
	          0, "snapshot");
	CHECK_INT(b.bids.n, 2, "zero levels dropped");
	CHECK_INT(b.asks.n, 2, "asks");
	CHECK_STR(fmt(b.asks.lv[1].px), "102", "integer prices accepted");
	CHECK_INT(delta(&b, "[[\"99.5\",\"4\"],[\"100\",\"0\"],[\"97\",\"1\"]]", "[[\"101\",\"2\"]]", 11), 0,
	          "delta");
	CHECK_INT(b.bids.n, 3, "insert, remove, append");
	CHECK_STR(fmt(b.bids.lv[0].px), "99.5", "best bid after delta");
	CHECK_STR(fmt(b.bids.lv[1].px), "99", "second bid");
	CHECK_STR(fmt(b.bids.lv[2].px), "97", "third bid");
	CHECK_STR(fmt(b.asks.lv[0].qty), "2", "replaced ask qty");
	CHECK_INT(b.ts, 11, "ts of the last update");
	CHECK(snap(&b, "[[\"99\",\"1\"],[\"100\",\"1\"]]", "[]", 12) == -1, "out-of-order bids rejected");
	CHECK_STR(lyra_error_msg(), "bids level 2 is out of order", "message");
	CHECK(!b.valid, "a failed snapshot leaves the book invalid");
	CHECK(snap(&b, "[[\"-1\",\"1\"]]", "[]", 12) == -1, "negative price rejected");
	CHECK(snap(&b, "[[\"1\",\"1\",\"1\"]]", "[]", 12) == -1, "three-element level rejected");
	CHECK(snap(&b, "{}", "[]", 12) == -1, "non-array rejected");
	CHECK_INT(snap(&b, "[]", "[[\"5\",\"1\"]]", 13), 0, "snapshot again");
	lyra_book_invalidate(&b);
	CHECK(!b.valid, "invalidated");
	CHECK_INT(lyra_book_set_top(&b, D("4"), D("1"), D("5"), D("2"), 14), 0, "top");
	CHECK(b.valid && b.bids.n == 1 && b.asks.n == 1, "one level each side");
	lyra_book_free(&b);
}

static void test_walks(void)
{
	struct lyra_book b;
	struct lyra_dec filled, notional, worst, q;
	lyra_book_init(&b);
	snap(&b, "[[\"99\",\"1\"],[\"98\",\"2\"]]", "[[\"100\",\"0.5\"],[\"100.5\",\"1\"],[\"101\",\"2\"]]", 1);
	CHECK_INT(lyra_book_walk(&b.asks, D("1.2"), &filled, &notional, &worst), 0, "walk asks");
	CHECK_STR(fmt(notional), "120.35", "notional 50 + 70.35");
	CHECK_STR(fmt(worst), "100.5", "worst price");
	CHECK_INT(lyra_book_walk(&b.bids, D("5"), &filled, &notional, &worst), 1, "bids too thin");
	CHECK_STR(fmt(filled), "3", "filled what is there");
	CHECK_STR(fmt(notional), "295", "99 + 196");
	CHECK_INT(lyra_book_qty_at(&b.asks, 0, D("100.5"), &q), 0, "qty at");
	CHECK_STR(fmt(q), "1.5", "asks up to 100.5");
	CHECK_INT(lyra_book_qty_at(&b.bids, 1, D("98.5"), &q), 0, "qty at bids");
	CHECK_STR(fmt(q), "1", "bids down to 98.5");
	lyra_book_free(&b);
}

static void test_cross(void)
{
	struct lyra_book k, n;
	struct lyra_cross r;
	struct lyra_dec fee = D("0.001"), zero = lyra_dec_zero();
	lyra_book_init(&k);
	lyra_book_init(&n);
	snap(&k, "[[\"99\",\"1\"]]", "[[\"100\",\"0.5\"],[\"100.5\",\"1\"],[\"101\",\"2\"]]", 1);
	snap(&n, "[[\"102\",\"0.3\"],[\"101.5\",\"1\"],[\"100\",\"5\"]]", "[[\"103\",\"1\"]]", 2);
	CHECK_INT(lyra_book_cross(&k, fee, &n, fee, zero, NULL, &r), 1, "cross found");
	CHECK_STR(fmt(r.qty), "1.3", "qty");
	CHECK_STR(fmt(r.buy_px), "100.5", "buy limit");
	CHECK_STR(fmt(r.sell_px), "101.5", "sell limit");
	CHECK_STR(fmt(r.buy_notional), "130.4", "buy notional");
	CHECK_STR(fmt(r.sell_notional), "132.1", "sell notional");
	CHECK_STR(fmt(r.cost), "130.5304", "cost");
	CHECK_STR(fmt(r.proceeds), "131.9679", "proceeds");
	CHECK_STR(fmt(r.profit), "1.4375", "profit");
	CHECK_STR(fmt(r.edge_bps), "110.12", "edge");
	CHECK_INT(lyra_book_cross(&k, fee, &n, fee, D("100"), NULL, &r), 1, "min 100 bps");
	CHECK_STR(fmt(r.qty), "0.5", "stops before the 79 bps pair");
	struct lyra_dec cap = D("0.4");
	CHECK_INT(lyra_book_cross(&k, fee, &n, fee, zero, &cap, &r), 1, "capped");
	CHECK_STR(fmt(r.qty), "0.4", "max qty");
	CHECK_INT(lyra_book_cross(&k, fee, &n, fee, D("180"), NULL, &r), 0, "180 bps: none");
	CHECK_INT(lyra_book_cross(&n, fee, &k, fee, zero, NULL, &r), 0, "the other direction: none");
	/* exactly at the threshold: 101*(1-0) vs 100*(1+0) is 100 bps */
	snap(&k, "[]", "[[\"100\",\"1\"]]", 3);
	snap(&n, "[[\"101\",\"1\"]]", "[]", 3);
	CHECK_INT(lyra_book_cross(&k, zero, &n, zero, D("100"), NULL, &r), 1, "edge equal to min counts");
	CHECK_INT(lyra_book_cross(&k, zero, &n, zero, D("100.00000001"), NULL, &r), 0, "just above: none");
	/* a fee rebate (negative fee) makes a flat market pay */
	snap(&n, "[[\"100\",\"1\"]]", "[]", 3);
	CHECK_INT(lyra_book_cross(&k, D("-0.0001"), &n, zero, zero, NULL, &r), 1, "rebate");
	CHECK_STR(fmt(r.profit), "0.01", "rebate profit");
	lyra_book_free(&k);
	lyra_book_free(&n);
}

static void test_registry(void)
{
	struct lyra_books *bs = lyra_books_new();
	char v[16], s[16];
	int created = 0;
	for (int i = 0; i < 300; i++) {
		snprintf(v, sizeof v, "v%d", i % 7);
		snprintf(s, sizeof s, "S%d/USD", i / 7);
		created += lyra_books_get(bs, v, s, 1) != NULL;
	}
	CHECK_INT(created, 300, "create");
	CHECK_INT(lyra_books_count(bs), 300, "count");
	struct lyra_book *b = lyra_books_get(bs, "v3", "S10/USD", 0);
	CHECK(b && strcmp(b->venue, "v3") == 0 && strcmp(b->symbol, "S10/USD") == 0, "lookup");
	CHECK(lyra_books_get(bs, "v3", "S10/USD", 1) == b, "get existing");
	CHECK(lyra_books_get(bs, "zz", "S10/USD", 0) == NULL, "absent");
	size_t n;
	struct lyra_book *const *g = lyra_books_symbol(bs, "S10/USD", &n);
	CHECK_INT(n, 7, "group size");
	CHECK(g[3] == b, "group order");
	g = lyra_books_group(bs, b, &n);
	CHECK_INT(n, 7, "group of a book");
	CHECK(lyra_books_symbol(bs, "nope", &n) == NULL && n == 0, "no group");
	lyra_books_free(bs);
}

static void test_fees(void)
{
	struct lyra_fees *f = lyra_fees_new();
	struct lyra_dec d;
	char path[] = "/tmp/test_book_feesXXXXXX";
	CHECK_INT(lyra_fees_taker(f, "k", "X", &d), 1, "unknown");
	lyra_fees_set_market(f, "k", "X", D("0.002"), D("0.001"));
	lyra_fees_set_market(f, "n", "X", D("0.003"), D("0.001"));
	CHECK_INT(lyra_fees_taker(f, "k", "X", &d), 0, "market fee");
	CHECK_STR(fmt(d), "0.002", "market taker");
	CHECK_INT(lyra_fees_maker(f, "k", "X", &d), 0, "maker");
	CHECK_STR(fmt(d), "0.001", "market maker");
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	fputs("# tiers\n\nk * 0.0004 0.0001\nn X 0.0005\n* * 0.01\n", fp);
	fclose(fp);
	CHECK_INT(lyra_fees_load(f, path), 0, "load");
	lyra_fees_taker(f, "k", "X", &d);
	CHECK_STR(fmt(d), "0.0004", "venue entry beats market");
	lyra_fees_maker(f, "k", "X", &d);
	CHECK_STR(fmt(d), "0.0001", "file maker");
	lyra_fees_taker(f, "n", "X", &d);
	CHECK_STR(fmt(d), "0.0005", "exact entry");
	lyra_fees_maker(f, "n", "X", &d);
	CHECK_STR(fmt(d), "0.0005", "maker defaults to taker");
	lyra_fees_set_market(f, "m", "X", D("0.002"), D("0.001"));
	lyra_fees_taker(f, "m", "X", &d);
	CHECK_STR(fmt(d), "0.002", "market beats the fallback");
	lyra_fees_taker(f, "q", "Y", &d);
	CHECK_STR(fmt(d), "0.01", "fallback");
	fp = fopen(path, "w");
	fputs("k X\n", fp);
	fclose(fp);
	CHECK(lyra_fees_load(f, path) == -1, "short line");
	CHECK(strstr(lyra_error_msg(), "line 1: want 'VENUE SYMBOL TAKER [MAKER]'") != NULL, "message");
	fp = fopen(path, "w");
	fputs("k X 1.5\n", fp);
	fclose(fp);
	CHECK(lyra_fees_load(f, path) == -1, "fee out of range");
	CHECK_INT(lyra_error_code(), 78, "config error");
	unlink(path);
	CHECK(lyra_fees_load(f, path) == -1 && lyra_error_code() == 66, "missing file");
	lyra_fees_free(f);
}

int main(void)
{
	test_book_updates();
	test_walks();
	test_cross();
	test_registry();
	test_fees();
	return unit_done();
}
