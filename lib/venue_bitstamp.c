/* venue_bitstamp.c: Bitstamp v2 public REST (https://www.bitstamp.net/api/v2): trading-pairs-info,
 * order_book (microtimestamp as the book's sequence, the value its diff feed is synced by),
 * transactions and ohlc. Spot only. */
#include <string.h>

#include "clock.h"
#include "error.h"
#include "venue_impl.h"

#define V "bitstamp"

/* Lowest volume tier: 0.30% maker, 0.40% taker (bitstamp.net/fee-schedule, as published 2024). */
#define MAKER "0.003"
#define TAKER "0.004"

static const char *const intervals[] = {"1m", "5m", "15m", "1h", "4h", "1d", NULL};
static const char *const steps[6] = {"60", "300", "900", "3600", "14400", "86400"};

/* Errors: {"status":"error","reason":"...","code":"..."} (reason may be an object of lists). */
static json_t *load(const char *what, const char *body, size_t len)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	const char *st = json_string_value(json_object_get(v, "status"));
	if (v && st && strcmp(st, "error") == 0) {
		const json_t *r = json_object_get(v, "reason");
		const char *msg = json_string_value(r);
		if (!msg && json_is_object(r)) {
			const char *k;
			const json_t *x;
			json_object_foreach((json_t *)r, k, x) {
				msg = json_string_value(json_is_array(x) ? json_array_get(x, 0) : x);
				if (msg)
					break;
			}
		}
		lyra_vx_venue_error(V, what, msg, json_string_value(json_object_get(v, "code")));
		json_decref(v);
		return NULL;
	}
	return v;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page > 0)
		return 0;
	return lyra_vx_req(req, 1, "/api/v2/trading-pairs-info/") < 0 ? -1 : 1;
}

/* {"name":"BTC/USD","url_symbol":"btcusd","base_decimals":8,"counter_decimals":2,
 *  "minimum_order":"20.0 USD","trading":"Enabled",...}. */
static int pair(const json_t *p, struct lyra_market *m)
{
	char name[LYRA_SYM_MAX], sym[LYRA_SYM_MAX];
	if (lyra_vx_copy(json_object_get(p, "name"), "name", name, sizeof name) < 0
	    || lyra_vx_copy(json_object_get(p, "url_symbol"), "url_symbol", sym, sizeof sym) < 0)
		return -1;
	char *slash = strchr(name, '/');
	if (!slash || slash == name || !slash[1])
		return lyra_error(LYRA_EX_DATAERR, "'name': bad pair '%s'", name);
	*slash = '\0';
	if (lyra_vx_market(m, V, sym, name, slash + 1, NULL) < 0
	    || lyra_vx_pow10(json_object_get(p, "counter_decimals"), "counter_decimals", &m->tick) < 0
	    || lyra_vx_pow10(json_object_get(p, "base_decimals"), "base_decimals", &m->lot) < 0)
		return -1;
	const char *mo = json_string_value(json_object_get(p, "minimum_order"));
	if (mo) {
		const char *sp = strchr(mo, ' ');
		if (lyra_dec_parse(mo, sp ? (size_t)(sp - mo) : strlen(mo), &m->min_notional) < 0)
			return lyra_error(LYRA_EX_DATAERR, "'minimum_order': bad amount '%.40s'", mo);
	}
	const char *tr = json_string_value(json_object_get(p, "trading"));
	if (!tr || strcmp(tr, "Enabled") != 0)
		strcpy(m->status, "halted");
	m->maker_fee = lyra_vx_const(MAKER);
	m->taker_fee = lyra_vx_const(TAKER);
	return 0;
}

static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	(void)page;
	const char *what = "/api/v2/trading-pairs-info/";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	if (!json_is_array(root)) {
		json_decref(root);
		return lyra_vx_fail(V, what, "not an array");
	}
	size_t i;
	const json_t *p;
	json_array_foreach(root, i, p) {
		struct lyra_market m;
		if (pair(p, &m) < 0) {
			lyra_error_wrap("pair %zu", i);
			json_decref(root);
			return lyra_vx_wrap(V, what);
		}
		if (cb(ctx, &m) < 0) {
			json_decref(root);
			return -1;
		}
	}
	json_decref(root);
	return 0;
}

/* The whole book (no depth parameter); also the best bid and offer, which the ticker gives
 * without sizes. */
static int book_req(const struct lyra_market *m, int depth, struct lyra_venue_req *req)
{
	(void)depth;
	return lyra_vx_req(req, 1, "/api/v2/order_book/%s/", m->venue_symbol);
}

static int book(const struct lyra_market *m, int depth, int top, const char *body, size_t len,
                lyra_record_cb cb, void *ctx)
{
	const char *what = "/api/v2/order_book/{pair}/";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	int64_t ts;
	json_t *rec;
	const json_t *bids = json_object_get(root, "bids"), *asks = json_object_get(root, "asks");
	if (lyra_vx_time(json_object_get(root, "microtimestamp"), "microtimestamp", 1, &ts) < 0)
		goto bad;
	if (top) {
		const json_t *b = json_array_get(bids, 0), *a = json_array_get(asks, 0);
		if (!json_is_array(b) || !json_is_array(a)) {
			lyra_error(LYRA_EX_DATAERR, "empty book");
			goto bad;
		}
		rec = lyra_vx_bbo(m, ts, json_array_get(b, 0), json_array_get(b, 1),
		                  json_array_get(a, 0), json_array_get(a, 1));
	} else {
		rec = lyra_vx_book(m, ts, ts, lyra_venue_levels(bids, 0, 1, depth),
		                   lyra_venue_levels(asks, 0, 1, depth));
	}
	if (!rec)
		goto bad;
	rc = lyra_vx_emit(cb, ctx, rec);
	goto out;
bad:
	lyra_vx_wrap(V, what);
out:
	json_decref(root);
	return rc;
}

static int parse_book(const struct lyra_market *m, int depth, const char *body, size_t len,
                      int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	return book(m, depth, 0, body, len, cb, ctx);
}

static int bbo_req(const struct lyra_market *m, struct lyra_venue_req *req)
{
	return book_req(m, 1, req);
}

static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	return book(m, 1, 1, body, len, cb, ctx);
}

/* No count parameter: the last hour's transactions. */
static int trades_req(const struct lyra_market *m, int limit, struct lyra_venue_req *req)
{
	(void)limit;
	return lyra_vx_req(req, 1, "/api/v2/transactions/%s/?time=hour", m->venue_symbol);
}

static int trade_ts(const json_t *t, int64_t *ts)
{
	return lyra_vx_time(json_object_get(t, "date"), "date", LYRA_US_PER_SEC, ts);
}

/* [{"date":"1710327533","tid":"326595342","amount":"0.00055284","type":"0","price":"73254"}],
 * newest first; type 0 buy, 1 sell (the taker's side). */
static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/api/v2/transactions/{pair}/";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	size_t n = json_array_size(root), i = 0;
	int64_t t0, t1;
	if (!json_is_array(root)) {
		lyra_error(LYRA_EX_DATAERR, "not an array");
		goto bad;
	}
	int back = n > 1 && trade_ts(json_array_get(root, 0), &t0) == 0
	           && trade_ts(json_array_get(root, n - 1), &t1) == 0 && lyra_vx_backwards(t0, t1);
	for (size_t k = 0; k < n; k++) {
		i = back ? n - 1 - k : k;
		const json_t *t = json_array_get(root, i);
		int64_t ts, type;
		if (trade_ts(t, &ts) < 0 || lyra_vx_int(json_object_get(t, "type"), "type", &type) < 0)
			goto bad_row;
		if (type != 0 && type != 1) {
			lyra_error(LYRA_EX_DATAERR, "'type': not 0 or 1");
			goto bad_row;
		}
		json_t *rec = lyra_vx_trade(m, ts, json_object_get(t, "tid"), type ? "sell" : "buy",
		                            json_object_get(t, "price"), json_object_get(t, "amount"));
		if (!rec)
			goto bad_row;
		if (lyra_vx_emit(cb, ctx, rec) < 0)
			goto out;
	}
	rc = 0;
	goto out;
bad_row:
	lyra_error_wrap("trade %zu", i);
bad:
	lyra_vx_wrap(V, what);
out:
	json_decref(root);
	return rc;
}

/* With both start and end Bitstamp answers the limit before end; start with limit pages
 * forward. */
static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	(void)end_us;
	const char *step = lyra_vx_interval(V, interval, steps);
	if (!step)
		return -1;
	return lyra_vx_req(req, 1, "/api/v2/ohlc/%s/?step=%s&limit=1000&start=%lld", m->venue_symbol,
	                   step, (long long)lyra_vx_sec(start_us));
}

/* {"data":{"pair":"BTC/USD","ohlc":[{"timestamp","open","high","low","close","volume"}]}}. */
static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	const char *what = "/api/v2/ohlc/{pair}/";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	size_t i = 0;
	const json_t *rows = json_object_get(json_object_get(root, "data"), "ohlc"), *c;
	if (!json_is_array(rows)) {
		lyra_error(LYRA_EX_DATAERR, "missing 'data.ohlc'");
		goto bad;
	}
	json_array_foreach(rows, i, c) {
		int64_t ts;
		if (lyra_vx_time(json_object_get(c, "timestamp"), "timestamp", LYRA_US_PER_SEC, &ts) < 0)
			goto bad_row;
		const json_t *vals[5] = {json_object_get(c, "open"), json_object_get(c, "high"),
		                         json_object_get(c, "low"), json_object_get(c, "close"),
		                         json_object_get(c, "volume")};
		json_t *rec = lyra_vx_candle(m, interval, ts, vals);
		if (!rec)
			goto bad_row;
		if (lyra_vx_emit(cb, ctx, rec) < 0)
			goto out;
	}
	rc = 0;
	goto out;
bad_row:
	lyra_error_wrap("candle %zu", i);
bad:
	lyra_vx_wrap(V, what);
out:
	json_decref(root);
	return rc;
}

const struct lyra_venue lyra_venue_bitstamp = {
	.id = V,
	.rest_url = "https://www.bitstamp.net",
	.weight_per_minute = 1000,
	.intervals = intervals,
	.candles_page = 1000,
	.markets_req = markets_req,
	.parse_markets = parse_markets,
	.book_req = book_req,
	.parse_book = parse_book,
	.bbo_req = bbo_req,
	.parse_bbo = parse_bbo,
	.trades_req = trades_req,
	.parse_trades = parse_trades,
	.funding_req = NULL,
	.parse_funding = NULL,
	.candles_req = candles_req,
	.parse_candles = parse_candles,
};
