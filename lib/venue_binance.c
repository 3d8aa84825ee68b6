/* venue_binance.c: Binance spot (https://api.binance.com, /api/v3) and USD-M perpetuals
 * (https://fapi.binance.com, /fapi/v1, the venue's alt_url): exchangeInfo filters, depth,
 * bookTicker, trades, klines and premiumIndex funding, with the documented request weights. */
#include <string.h>

#include "error.h"
#include "venue_impl.h"

#define V "binance"

/* Base-tier fees: spot regular user 0.1% maker and taker; USD-M futures VIP 0 0.02% maker,
 * 0.05% taker (binance.com/en/fee/schedule and /en/fee/futureFee, as published 2024). */
#define SPOT_MAKER "0.001"
#define SPOT_TAKER "0.001"
#define PERP_MAKER "0.0002"
#define PERP_TAKER "0.0005"

static const char *const intervals[] = {"1m", "5m", "15m", "1h", "4h", "1d", NULL};

static int is_perp(const struct lyra_market *m)
{
	return strcmp(m->instrument, "perpetual") == 0;
}

static const char *api(const struct lyra_market *m)
{
	return is_perp(m) ? "/fapi/v1" : "/api/v3";
}

/* Binance errors: {"code":-1121,"msg":"Invalid symbol."}. */
static json_t *load(const char *what, const char *body, size_t len)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	if (v && json_is_object(v) && json_object_get(v, "code") && json_object_get(v, "msg")) {
		const json_t *code = json_object_get(v, "code");
		char cbuf[32] = "";
		if (json_is_integer(code))
			snprintf(cbuf, sizeof cbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(code));
		lyra_vx_venue_error(V, what, json_string_value(json_object_get(v, "msg")), cbuf);
		json_decref(v);
		return NULL;
	}
	return v;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page == 0)
		return lyra_vx_req(req, 20, "/api/v3/exchangeInfo") < 0 ? -1 : 1;
	if (page == 1) {
		if (lyra_vx_req(req, 1, "/fapi/v1/exchangeInfo") < 0)
			return -1;
		req->alt = 1;
		return 1;
	}
	return 0;
}

static int filters(const json_t *fs, struct lyra_market *m)
{
	size_t i;
	const json_t *f;
	json_array_foreach(fs, i, f) {
		const char *t = json_string_value(json_object_get(f, "filterType"));
		if (!t)
			continue;
		if (strcmp(t, "PRICE_FILTER") == 0) {
			if (lyra_vx_dec(json_object_get(f, "tickSize"), "tickSize", &m->tick) < 0)
				return -1;
		} else if (strcmp(t, "LOT_SIZE") == 0) {
			if (lyra_vx_dec(json_object_get(f, "stepSize"), "stepSize", &m->lot) < 0
			    || lyra_vx_dec(json_object_get(f, "minQty"), "minQty", &m->min_qty) < 0)
				return -1;
		} else if (strcmp(t, "NOTIONAL") == 0 || strcmp(t, "MIN_NOTIONAL") == 0) {
			/* Spot names it minNotional, USD-M futures notional. */
			const json_t *n = json_object_get(f, "minNotional");
			if (!n)
				n = json_object_get(f, "notional");
			if (lyra_vx_dec(n, "minNotional", &m->min_notional) < 0)
				return -1;
		}
	}
	return 0;
}

static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	const char *what = page == 0 ? "/api/v3/exchangeInfo" : "/fapi/v1/exchangeInfo";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	const json_t *syms = json_object_get(root, "symbols");
	if (!json_is_array(syms)) {
		json_decref(root);
		return lyra_vx_fail(V, what, "missing 'symbols'");
	}
	size_t i;
	const json_t *s;
	json_array_foreach(syms, i, s) {
		struct lyra_market m;
		char sym[LYRA_SYM_MAX], base[24], quote[24], settle[24] = "";
		if (lyra_vx_copy(json_object_get(s, "symbol"), "symbol", sym, sizeof sym) < 0
		    || lyra_vx_copy(json_object_get(s, "baseAsset"), "baseAsset", base, sizeof base) < 0
		    || lyra_vx_copy(json_object_get(s, "quoteAsset"), "quoteAsset", quote,
		                    sizeof quote) < 0)
			goto bad;
		if (page == 1) {
			const char *ct = json_string_value(json_object_get(s, "contractType"));
			if (!ct || strcmp(ct, "PERPETUAL") != 0)
				continue;
			if (lyra_vx_copy(json_object_get(s, "marginAsset"), "marginAsset", settle,
			                 sizeof settle) < 0)
				goto bad;
		}
		if (lyra_vx_market(&m, V, sym, base, quote, settle) < 0
		    || filters(json_object_get(s, "filters"), &m) < 0)
			goto bad;
		const char *st = json_string_value(json_object_get(s, "status"));
		if (!st || strcmp(st, "TRADING") != 0)
			strcpy(m.status, "halted");
		m.maker_fee = lyra_vx_const(page == 0 ? SPOT_MAKER : PERP_MAKER);
		m.taker_fee = lyra_vx_const(page == 0 ? SPOT_TAKER : PERP_TAKER);
		if (cb(ctx, &m) < 0) {
			json_decref(root);
			return -1;
		}
		continue;
bad:
		lyra_error_wrap("symbol %zu", i);
		json_decref(root);
		return lyra_vx_wrap(V, what);
	}
	json_decref(root);
	return 0;
}

/* Spot accepts any limit up to 5000, weighted by band; USD-M only 5 10 20 50 100 500 1000. */
static int book_req(const struct lyra_market *m, int depth, struct lyra_venue_req *req)
{
	int limit, weight;
	if (is_perp(m)) {
		static const int ok[] = {5, 10, 20, 50, 100, 500, 1000};
		limit = 1000;
		for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
			if (depth > 0 && depth <= ok[i]) {
				limit = ok[i];
				break;
			}
		weight = limit <= 50 ? 2 : limit == 100 ? 5 : limit == 500 ? 10 : 20;
	} else {
		limit = depth <= 0 ? 5000 : depth > 5000 ? 5000 : depth;
		weight = limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
	}
	if (lyra_vx_req(req, weight, "%s/depth?symbol=%s&limit=%d", api(m), m->venue_symbol,
	                limit) < 0)
		return -1;
	req->alt = is_perp(m);
	return 0;
}

static int parse_book(const struct lyra_market *m, int depth, const char *body, size_t len,
                      int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = is_perp(m) ? "/fapi/v1/depth" : "/api/v3/depth";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int64_t seq, ts = now_us;
	int rc = -1;
	if (lyra_vx_int(json_object_get(root, "lastUpdateId"), "lastUpdateId", &seq) < 0
	    || (json_object_get(root, "T")
	        && lyra_vx_time(json_object_get(root, "T"), "T", 1000, &ts) < 0))
		goto bad;
	json_t *rec = lyra_vx_book(m, ts, seq,
	                           lyra_venue_levels(json_object_get(root, "bids"), 0, 1, depth),
	                           lyra_venue_levels(json_object_get(root, "asks"), 0, 1, depth));
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

static int bbo_req(const struct lyra_market *m, struct lyra_venue_req *req)
{
	if (lyra_vx_req(req, 2, "%s/ticker/bookTicker?symbol=%s", api(m), m->venue_symbol) < 0)
		return -1;
	req->alt = is_perp(m);
	return 0;
}

static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	const char *what = is_perp(m) ? "/fapi/v1/ticker/bookTicker" : "/api/v3/ticker/bookTicker";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int64_t ts = now_us;
	int rc = -1;
	if (!json_is_object(root)) {
		lyra_error(LYRA_EX_DATAERR, "not an object");
		goto bad;
	}
	if (json_object_get(root, "time")
	    && lyra_vx_time(json_object_get(root, "time"), "time", 1000, &ts) < 0)
		goto bad;
	json_t *rec = lyra_vx_bbo(m, ts, json_object_get(root, "bidPrice"),
	                          json_object_get(root, "bidQty"), json_object_get(root, "askPrice"),
	                          json_object_get(root, "askQty"));
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

static int trades_req(const struct lyra_market *m, int limit, struct lyra_venue_req *req)
{
	if (limit <= 0 || limit > 1000)
		limit = limit <= 0 ? 500 : 1000;
	if (lyra_vx_req(req, is_perp(m) ? 5 : 25, "%s/trades?symbol=%s&limit=%d", api(m),
	                m->venue_symbol, limit) < 0)
		return -1;
	req->alt = is_perp(m);
	return 0;
}

static int trade_ts(const json_t *t, int64_t *ts)
{
	return lyra_vx_time(json_object_get(t, "time"), "time", 1000, ts);
}

static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = is_perp(m) ? "/fapi/v1/trades" : "/api/v3/trades";
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
		const json_t *maker = json_object_get(t, "isBuyerMaker");
		int64_t ts;
		if (trade_ts(t, &ts) < 0)
			goto bad_row;
		if (!json_is_boolean(maker)) {
			lyra_error(LYRA_EX_DATAERR, "'isBuyerMaker': %s", maker ? "not a boolean" : "missing");
			goto bad_row;
		}
		/* The buyer was the maker: the aggressor sold. */
		json_t *rec = lyra_vx_trade(m, ts, json_object_get(t, "id"),
		                            json_is_true(maker) ? "sell" : "buy",
		                            json_object_get(t, "price"), json_object_get(t, "qty"));
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

static int funding_req(const struct lyra_market *m, struct lyra_venue_req *req)
{
	if (!is_perp(m))
		return lyra_error(LYRA_EX_USAGE, V ": '%s' is not a perpetual", m->symbol);
	if (lyra_vx_req(req, 1, "/fapi/v1/premiumIndex?symbol=%s", m->venue_symbol) < 0)
		return -1;
	req->alt = 1;
	return 0;
}

static int parse_funding(const struct lyra_market *m, const char *body, size_t len,
                         int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = "/fapi/v1/premiumIndex";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int64_t ts = now_us, next;
	int rc = -1;
	if (!json_is_object(root)) {
		lyra_error(LYRA_EX_DATAERR, "not an object");
		goto bad;
	}
	if ((json_object_get(root, "time")
	     && lyra_vx_time(json_object_get(root, "time"), "time", 1000, &ts) < 0)
	    || lyra_vx_time(json_object_get(root, "nextFundingTime"), "nextFundingTime", 1000,
	                    &next) < 0)
		goto bad;
	json_t *rec = lyra_vx_funding(m, ts, json_object_get(root, "lastFundingRate"), next);
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

static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	const char *iv = lyra_vx_interval(V, interval, intervals);
	if (!iv)
		return -1;
	if (lyra_vx_req(req, is_perp(m) ? 5 : 2,
	                "%s/klines?symbol=%s&interval=%s&startTime=%lld&endTime=%lld&limit=1000",
	                api(m), m->venue_symbol, iv, (long long)lyra_vx_ms(start_us),
	                (long long)(lyra_vx_ms(end_us) - 1)) < 0)
		return -1;
	req->alt = is_perp(m);
	return 0;
}

static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	const char *what = is_perp(m) ? "/fapi/v1/klines" : "/api/v3/klines";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	size_t i;
	const json_t *k;
	if (!json_is_array(root)) {
		lyra_error(LYRA_EX_DATAERR, "not an array");
		goto bad;
	}
	json_array_foreach(root, i, k) {
		int64_t ts;
		if (!json_is_array(k) || json_array_size(k) < 6) {
			lyra_error(LYRA_EX_DATAERR, "not a kline row");
			goto bad_row;
		}
		if (lyra_vx_time(json_array_get(k, 0), "open time", 1000, &ts) < 0)
			goto bad_row;
		const json_t *vals[5] = {json_array_get(k, 1), json_array_get(k, 2),
		                         json_array_get(k, 3), json_array_get(k, 4),
		                         json_array_get(k, 5)};
		json_t *rec = lyra_vx_candle(m, interval, ts, vals);
		if (!rec)
			goto bad_row;
		if (lyra_vx_emit(cb, ctx, rec) < 0)
			goto out;
	}
	rc = 0;
	goto out;
bad_row:
	lyra_error_wrap("kline %zu", i);
bad:
	lyra_vx_wrap(V, what);
out:
	json_decref(root);
	return rc;
}

const struct lyra_venue lyra_venue_binance = {
	.id = V,
	.rest_url = "https://api.binance.com",
	.weight_per_minute = 6000,
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
	.funding_req = funding_req,
	.parse_funding = parse_funding,
	.candles_req = candles_req,
	.parse_candles = parse_candles,
	.alt_url = "https://fapi.binance.com",
	.alt_weight_per_minute = 2400,
};
