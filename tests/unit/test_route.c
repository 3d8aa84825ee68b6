/* test_route.c: smart order routing (lib/route.c) on hand-made books: the best all-in venue
 * (fees change the winner), partial liquidity, limits, splitting level by level across venues
 * fee-adjusted, the allow-list, determinism of ties. */
#include <stdio.h>
#include <string.h>
#include "book.h"
#include "decimal.h"
#include "error.h"
#include "fees.h"
#include "record.h"
#include "route.h"
#include "unit.h"

static struct lyra_dec D(const char *s)
{
	struct lyra_dec d = { 0, 0 };
	lyra_dec_parse_cstr(s, &d);
	return d;
}

static const char *F(struct lyra_dec d)
{
	static char ring[8][LYRA_DEC_STRLEN];
	static int i;
	char *b = ring[i++ % 8];
	lyra_dec_format(lyra_dec_normalize(d), b);
	return b;
}

static void book(struct lyra_books *bs, const char *venue, const char *bids, const char *asks)
{
	struct lyra_book *b = lyra_books_get(bs, venue, "BTC/USDT", 1);
	json_t *jb = json_loads(bids, 0, NULL), *ja = json_loads(asks, 0, NULL);
	if (!b || !jb || !ja || lyra_book_snapshot(b, jb, ja, 1, 1) != 0)
		printf("# setup: book %s: %s\n", venue, lyra_error_msg());
	json_decref(jb);
	json_decref(ja);
}

int main(void)
{
	struct lyra_books *bs = lyra_books_new();
	struct lyra_fees *fees = lyra_fees_new();
	struct lyra_route_leg legs[LYRA_ROUTE_MAX_LEGS];
	/* a: asks 100 x1, 101 x2, fee 0.002; b: asks 100.10 x1, 100.50 x5, fee 0.0005 */
	book(bs, "a", "[[\"99\",\"1\"]]", "[[\"100\",\"1\"],[\"101\",\"2\"]]");
	book(bs, "b", "[[\"99.5\",\"3\"]]", "[[\"100.10\",\"1\"],[\"100.50\",\"5\"]]");
	lyra_fees_set_market(fees, "a", "BTC/USDT", D("0.002"), D("0.001"));
	lyra_fees_set_market(fees, "b", "BTC/USDT", D("0.0005"), D("0.0002"));
	struct lyra_route_req req = { "BTC/USDT", 1, D("1"), NULL, NULL, 0, D("0.001") };

	/* 1 BTC: a = 100 x 1.002 = 100.2; b = 100.10 x 1.0005 = 100.15005: b wins on fees */
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 1, "one venue");
	CHECK_STR(legs[0].venue, "b", "the fee makes b cheaper for 1");
	CHECK_STR(F(legs[0].notional), "100.1", "b notional");
	/* 2 BTC: a = (100 + 101) x 1.002 = 201.402; b = (100.10 + 100.50) x 1.0005 = 200.7003 */
	req.qty = D("2");
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 1, "one venue for 2");
	CHECK_STR(legs[0].venue, "b", "b for 2");
	CHECK_STR(F(legs[0].worst_px), "100.5", "worst price on b");
	/* 7 BTC: a holds 3, b holds 6: b fills the most */
	req.qty = D("7");
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 1, "partial");
	CHECK_STR(legs[0].venue, "b", "the venue that fills the most");
	CHECK_STR(F(legs[0].qty), "6", "all b holds");
	/* split 3: fee-adjusted levels: b 100.15005, a 100.2, b 100.55025, a 101.202 -> b1 a1 b1 */
	req.qty = D("3");
	req.split = 1;
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 2, "split over two venues");
	CHECK_STR(legs[0].venue, "a", "legs ordered by venue");
	CHECK_STR(F(legs[0].qty), "1", "1 on a");
	CHECK_STR(F(legs[1].qty), "2", "2 on b");
	CHECK_STR(F(legs[1].notional), "200.6", "b takes 100.10 and 100.50");
	/* split with a limit of 100.20: only a's 100 and b's 100.10 are within */
	struct lyra_dec lim = D("100.20");
	req.limit = &lim;
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 2, "split within the limit");
	CHECK_STR(F(legs[0].qty), "1", "a 1");
	CHECK_STR(F(legs[1].qty), "1", "b 1");
	/* sell 2, single: a bids 99 x1 only; b 99.5 x3 -> b */
	req.limit = NULL;
	req.split = 0;
	req.is_buy = 0;
	req.qty = D("2");
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 1, "sell");
	CHECK_STR(legs[0].venue, "b", "sell to the best bid");
	/* allow-list */
	const char *only_a[] = { "a", NULL };
	req.venues = only_a;
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 1, "allow-list");
	CHECK_STR(legs[0].venue, "a", "only a allowed");
	CHECK_STR(F(legs[0].qty), "1", "a holds 1 bid");
	/* no liquidity */
	const char *none[] = { "zz", NULL };
	req.venues = none;
	CHECK_INT(lyra_route_plan(bs, fees, &req, legs), 0, "no allowed venue: no legs");
	/* ties: equal all-in prices pick the venue id first */
	struct lyra_books *bt = lyra_books_new();
	book(bt, "y", "[[\"1\",\"1\"]]", "[[\"10\",\"1\"]]");
	book(bt, "x", "[[\"1\",\"1\"]]", "[[\"10\",\"1\"]]");
	struct lyra_route_req tie = { "BTC/USDT", 1, D("1"), NULL, NULL, 0, D("0.001") };
	CHECK_INT(lyra_route_plan(bt, NULL, &tie, legs), 1, "tie");
	CHECK_STR(legs[0].venue, "x", "tie broken by venue id");
	lyra_books_free(bt);
	lyra_books_free(bs);
	lyra_fees_free(fees);
	return unit_done();
}
