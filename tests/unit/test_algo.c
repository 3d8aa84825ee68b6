/* test_algo.c: the execution algorithms as state machines: schedules, carry, the price policy,
 * feedback bookkeeping, progress JSON round trips, the profile weights and the unit source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "record.h"
#include "unit.h"

#define T0 1793491200000000LL
#define MIN 60000000LL

static char out[64][256];
static int nout;

static int collect(void *ctx, json_t *rec)
{
	(void)ctx;
	const char *t = json_string_value(json_object_get(rec, "type"));
	json_t *px = json_object_get(rec, "px"), *qty = json_object_get(rec, "qty");
	if (nout < 64)
		snprintf(out[nout++], sizeof out[0], "%s %lld %s %s %s", t,
		         (long long)((json_integer_value(json_object_get(rec, "ts")) - T0) / 1000000),
		         json_string_value(json_object_get(rec, "id")),
		         px ? json_string_value(px) : "-", qty ? json_string_value(qty) : "-");
	json_decref(rec);
	return 0;
}

static struct lyra_dec D(const char *s)
{
	struct lyra_dec d;
	lyra_dec_parse_cstr(s, &d);
	return d;
}

static json_t *J(const char *s)
{
	char why[128];
	json_t *r = lyra_record_parse(s, strlen(s), why, sizeof why);
	if (!r)
		fprintf(stderr, "bad test record: %s\n", why);
	return r;
}

static void feed(struct lyra_algo *a, const char *line, int64_t ts)
{
	json_t *r = J(line);
	const char *t = json_string_value(json_object_get(r, "type"));
	int own = lyra_algo_is_own(a, t, r);
	if (own)
		lyra_algo_on_market(a, t, r);
	else
		lyra_algo_on_feedback(a, t, r);
	while (lyra_algo_step(a, ts, own) == 1)
		;
	json_decref(r);
}

static struct lyra_algo_params twap(void)
{
	struct lyra_algo_params p;
	memset(&p, 0, sizeof p);
	p.kind = LYRA_ALGO_TWAP;
	strcpy(p.id, "P");
	strcpy(p.venue, "binance");
	strcpy(p.symbol, "BTC/USDT");
	p.side = 1;
	p.qty = D("1");
	p.duration = 10 * MIN;
	p.slices = 5;
	return p;
}

static const char *market = "{\"type\":\"market\",\"ts\":1793491200000000,\"venue\":\"binance\",\"symbol\":\"BTC/USDT\",\"venue_symbol\":\"X\",\"base\":\"BTC\",\"quote\":\"USDT\",\"instrument\":\"spot\",\"tick\":\"0.5\",\"lot\":\"0.01\",\"min_qty\":\"0.01\",\"min_notional\":\"5\",\"maker_fee\":\"0\",\"taker_fee\":\"0\",\"status\":\"trading\"}";

static void bbo(struct lyra_algo *a, int64_t s, const char *bid, const char *ask)
{
	char b[512];
	snprintf(b, sizeof b, "{\"type\":\"bbo\",\"ts\":%lld,\"venue\":\"binance\",\"symbol\":\"BTC/USDT\",\"bid_px\":\"%s\",\"bid_qty\":\"1\",\"ask_px\":\"%s\",\"ask_qty\":\"1\"}",
	         (long long)(T0 + s * 1000000), bid, ask);
	feed(a, b, T0 + s * 1000000);
}

static void trade(struct lyra_algo *a, int64_t s, const char *px, const char *qty)
{
	char b[512];
	snprintf(b, sizeof b, "{\"type\":\"trade\",\"ts\":%lld,\"venue\":\"binance\",\"symbol\":\"BTC/USDT\",\"id\":\"t\",\"side\":\"buy\",\"px\":\"%s\",\"qty\":\"%s\"}",
	         (long long)(T0 + s * 1000000), px, qty);
	feed(a, b, T0 + s * 1000000);
}

static void fill(struct lyra_algo *a, int64_t s, const char *id, const char *px, const char *qty)
{
	char b[512];
	snprintf(b, sizeof b, "{\"type\":\"fill\",\"ts\":%lld,\"id\":\"%s\",\"venue\":\"binance\",\"symbol\":\"BTC/USDT\",\"side\":\"buy\",\"px\":\"%s\",\"qty\":\"%s\",\"fee\":\"0\",\"fee_ccy\":\"USDT\",\"liquidity\":\"maker\",\"trade_id\":\"x\"}",
	         (long long)(T0 + s * 1000000), id, px, qty);
	feed(a, b, T0 + s * 1000000);
}

static void event(struct lyra_algo *a, int64_t s, const char *id, const char *st, const char *fq)
{
	char b[512];
	snprintf(b, sizeof b, "{\"type\":\"order_event\",\"ts\":%lld,\"id\":\"%s\",\"venue\":\"binance\",\"symbol\":\"BTC/USDT\",\"status\":\"%s\",\"filled_qty\":\"%s\"}",
	         (long long)(T0 + s * 1000000), id, st, fq);
	feed(a, b, T0 + s * 1000000);
}

static void test_twap(void)
{
	struct lyra_algo_params p = twap();
	nout = 0;
	struct lyra_algo *a = lyra_algo_new(&p, collect, NULL);
	feed(a, market, T0);
	CHECK_INT(nout, 0, "twap: no child before a price is known");
	bbo(a, 0, "100", "101");
	CHECK_STR(out[0], "order 0 P-0001 100.0 0.20", "twap: first slice at the bid, 1/5 of the parent");
	fill(a, 30, "P-0001", "100", "0.05");
	trade(a, 120, "100.5", "1");
	CHECK_STR(out[1], "cancel 120 P-0001 - -", "twap: the boundary cancels the open child");
	CHECK_STR(out[2], "order 120 P-0002 100.0 0.20", "twap: 0.40 - 0.05 filled - 0.15 unconfirmed");
	event(a, 121, "P-0001", "cancelled", "0.05");
	CHECK_INT(lyra_algo_open_children(a), 1, "twap: a confirmed cancel closes the child");
	trade(a, 240, "100.5", "1");
	CHECK_STR(out[4], "order 240 P-0003 100.0 0.35", "twap: the unfilled rest carries");
	CHECK(lyra_algo_due(a, T0 + 360 * 1000000, 0), "twap: due at the next boundary");
	CHECK(!lyra_algo_due(a, T0 + 359 * 1000000, 1), "twap: not due before it");

	/* the state round trip: a restored machine continues identically */
	json_t *st = lyra_algo_state(a);
	struct lyra_algo *b = lyra_algo_new(&p, collect, NULL);
	CHECK_INT(lyra_algo_restore(b, st), 0, "restore: accepts its own state");
	json_t *st2 = lyra_algo_state(b);
	CHECK(json_equal(st, st2), "restore: the state survives a round trip");
	CHECK_INT(lyra_algo_children(b), 3, "restore: the child count");
	json_decref(st);
	json_decref(st2);
	trade(b, 360, "100.5", "1");
	/* 0.80 - 0.05 filled - 0.20 (P-0002, never confirmed) - 0.35 (P-0003) */
	CHECK_STR(out[6], "order 360 P-0004 100.0 0.20", "restore: numbering and holds go on");
	trade(b, 600, "100", "1");
	CHECK_STR(out[8], "algo_report 600 P - 1", "twap: the report at the end");
	CHECK_INT(lyra_algo_status(b), LYRA_ALGO_DONE, "twap: done");
	lyra_algo_free(a);
	lyra_algo_free(b);
	json_t *bad = json_pack("{ss}", "status", "running");
	b = lyra_algo_new(&p, collect, NULL);
	CHECK_INT(lyra_algo_restore(b, bad), -1, "restore: refuses a malformed state");
	json_decref(bad);
	lyra_algo_free(b);
}

static void test_policy(void)
{
	struct lyra_algo_params p = twap();
	p.style = LYRA_STYLE_AGGRESSIVE;
	p.limit = D("100.7");
	nout = 0;
	struct lyra_algo *a = lyra_algo_new(&p, collect, NULL);
	feed(a, market, T0);
	CHECK_STR(out[0], "order 0 P-0001 100.5 0.20", "policy: the limit is the price before any touch, down to the tick");
	lyra_algo_free(a);
	p = twap();
	p.side = -1;
	p.offset_bps = D("10");
	nout = 0;
	a = lyra_algo_new(&p, collect, NULL);
	feed(a, market, T0);
	bbo(a, 0, "100", "101");
	CHECK_STR(out[0], "order 0 P-0001 101.5 0.20", "policy: a passive sell 10 bps above the ask, up to the tick");
	lyra_algo_free(a);
	p = twap();
	p.style = LYRA_STYLE_MARKET;
	nout = 0;
	a = lyra_algo_new(&p, collect, NULL);
	bbo(a, 0, "100", "101");
	CHECK_STR(out[0], "order 0 P-0001 - 0.20000000",
	          "policy: market children have no px (no market record: lot 0.00000001)");
	lyra_algo_free(a);
}

static void test_iceberg_grid(void)
{
	struct lyra_algo_params p = twap();
	p.kind = LYRA_ALGO_ICEBERG;
	p.display = D("0.4");
	p.px = D("99.5");
	nout = 0;
	struct lyra_algo *a = lyra_algo_new(&p, collect, NULL);
	feed(a, market, T0);
	CHECK_STR(out[0], "order 0 P-0001 99.5 0.40", "iceberg: one slice shown");
	fill(a, 1, "P-0001", "99.5", "0.3");
	CHECK_INT(nout, 1, "iceberg: a partial fill does not replenish");
	fill(a, 2, "P-0001", "99.5", "0.1");
	CHECK_STR(out[1], "order 2 P-0002 99.5 0.40", "iceberg: a full fill replenishes");
	event(a, 3, "P-0002", "rejected", "0");
	CHECK_STR(out[2], "order 3 P-0003 99.5 0.40", "iceberg: a rejected slice is sent again");
	event(a, 4, "P-0003", "rejected", "0");
	event(a, 5, "P-0004", "rejected", "0");
	CHECK_STR(out[nout - 1], "algo_report 5 P - 1", "iceberg: three rejects in a row stop the parent");
	lyra_algo_free(a);

	p = twap();
	p.kind = LYRA_ALGO_GRID;
	p.lower = D("90");
	p.upper = D("110");
	p.levels = 5;
	p.qty = D("0.5");
	nout = 0;
	a = lyra_algo_new(&p, collect, NULL);
	feed(a, market, T0);
	bbo(a, 0, "102", "103");
	CHECK_INT(nout, 3, "grid: the levels below the mid, 0.1 each (qty / levels)");
	CHECK_STR(out[0], "order 0 P-0001 100.0 0.10", "grid: nearest level below the mid first");
	lyra_algo_free(a);
}

static void test_helpers(void)
{
	struct lyra_dec u = lyra_algo_unit("P", 1), v = lyra_algo_unit("P", 1);
	CHECK(lyra_dec_cmp(u, v) == 0, "unit: deterministic");
	CHECK(lyra_dec_cmp(u, D("-1")) >= 0 && lyra_dec_cmp(u, D("1")) <= 0, "unit: within [-1, 1]");
	CHECK(lyra_dec_cmp(u, lyra_algo_unit("P", 2)) != 0, "unit: differs by k");
	int64_t tod[] = { 0, 5 * MIN, 12 * 60 * MIN, 23 * 60 * MIN };
	struct lyra_dec vol[] = { D("3"), D("1"), D("50"), D("7") }, w[2];
	CHECK_INT(lyra_algo_profile_weights(tod, vol, 4, T0, 10 * MIN, 2, w), 0, "profile: weighs");
	CHECK(lyra_dec_cmp(w[0], D("3")) == 0 && lyra_dec_cmp(w[1], D("1")) == 0, "profile: by time of day");
	CHECK_INT(lyra_algo_profile_weights(tod, vol, 4, T0 - 60 * MIN, 120 * MIN, 2, w), 0, "profile: across midnight");
	CHECK(lyra_dec_cmp(w[0], D("7")) == 0 && lyra_dec_cmp(w[1], D("4")) == 0, "profile: wraps the day");
	char *pj = NULL;
	struct lyra_algo_params p = twap();
	pj = lyra_algo_params_json(&p);
	CHECK_STR(pj, "{\"algo\":\"twap\",\"duration\":600000000,\"jitter\":\"0\",\"limit\":\"0\",\"offset_bps\":\"0\",\"qty\":\"1\",\"side\":\"buy\",\"slices\":5,\"style\":\"passive\",\"symbol\":\"BTC/USDT\",\"venue\":\"binance\"}", "params: canonical JSON");
	free(pj);
	p.slices = 0;
	CHECK(lyra_algo_new(&p, collect, NULL) == NULL, "new: refuses zero slices");
	enum lyra_algo_kind k;
	CHECK(lyra_algo_parse("grid", &k) == 0 && k == LYRA_ALGO_GRID, "names: parse");
	CHECK(lyra_algo_parse("twa", &k) == -1, "names: unknown");
}

int main(void)
{
	test_twap();
	test_policy();
	test_iceberg_grid();
	test_helpers();
	return unit_done();
}
