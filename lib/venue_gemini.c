/* venue_gemini.c: Gemini public REST (https://api.gemini.com): every instrument in one request
 * (/v1/symbols/details/all, spot and perpetuals), the book, trades and v2 candles. Gemini names
 * its quantity step tick_size and its price tick quote_increment. It publishes no funding rate
 * (only a funding amount) on its public API, and its candles cannot be paged: one request
 * answers a fixed recent window whatever the start. */
#include <ctype.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "venue_impl.h"

#define V "gemini"

/* API fee schedule, first tier: 0.20% maker, 0.40% taker (gemini.com/fees/api-fee-schedule,
 * updated June 30, 2022); perpetuals 0.02% maker, 0.07% taker (gemini.com/fees/
 * derivative-fees-table). */
#define SPOT_MAKER "0.002"
#define SPOT_TAKER "0.004"
#define PERP_MAKER "0.0002"
#define PERP_TAKER "0.0007"

/* time_frame: 1m 5m 15m 30m 1hr 6hr 1day; no 4h. */
static const char *const intervals[] = {"1m", "5m", "15m", "1h", "1d", NULL};
static const char *const frames[6] = {"1m", "5m", "15m", "1hr", NULL, "1day"};

/* Errors: {"result":"error","reason":"InvalidSymbol","message":"..."}. */
static json_t *load(const char *what, const char *body, size_t len)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	const char *r = json_string_value(json_object_get(v, "result"));
	if (v && r && strcmp(r, "error") == 0) {
		lyra_vx_venue_error(V, what, json_string_value(json_object_get(v, "message")),
		                    json_string_value(json_object_get(v, "reason")));
		json_decref(v);
		return NULL;
	}
	return v;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page > 0)
		return 0;
	return lyra_vx_req(req, 1, "/v1/symbols/details/all") < 0 ? -1 : 1;
}

/* {"symbol":"BTCUSD","base_currency":"BTC","quote_currency":"USD","tick_size":1E-8,
 *  "quote_increment":0.01,"min_order_size":"0.00001","status":"open","product_type":"spot"}. */
static int details(const json_t *d, struct lyra_market *m)
{
	char sym[LYRA_SYM_MAX], base[24], quote[24];
	if (lyra_vx_copy(json_object_get(d, "symbol"), "symbol", sym, sizeof sym) < 0
	    || lyra_vx_copy(json_object_get(d, "base_currency"), "base_currency", base,
	                    sizeof base) < 0
	    || lyra_vx_copy(json_object_get(d, "quote_currency"), "quote_currency", quote,
	                    sizeof quote) < 0)
		return -1;
	for (char *p = sym; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *pt = json_string_value(json_object_get(d, "product_type"));
	int perp = pt && strcmp(pt, "swap") == 0;
	if (lyra_vx_market(m, V, sym, base, quote, perp ? quote : NULL) < 0
	    || lyra_vx_dec(json_object_get(d, "quote_increment"), "quote_increment", &m->tick) < 0
	    || lyra_vx_dec(json_object_get(d, "tick_size"), "tick_size", &m->lot) < 0
	    || lyra_vx_dec(json_object_get(d, "min_order_size"), "min_order_size", &m->min_qty) < 0)
		return -1;
	const char *st = json_string_value(json_object_get(d, "status"));
	if (!st || (strcmp(st, "open") != 0 && strcmp(st, "limit_only") != 0
	            && strcmp(st, "post_only") != 0))
		strcpy(m->status, "halted");
	m->maker_fee = lyra_vx_const(perp ? PERP_MAKER : SPOT_MAKER);
	m->taker_fee = lyra_vx_const(perp ? PERP_TAKER : SPOT_TAKER);
	return 0;
}

static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	(void)page;
	const char *what = "/v1/symbols/details/all";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	if (!json_is_array(root)) {
		json_decref(root);
		return lyra_vx_fail(V, what, "not an array");
	}
	size_t i;
	const json_t *d;
	json_array_foreach(root, i, d) {
		struct lyra_market m;
		if (details(d, &m) < 0) {
			lyra_error_wrap("symbol %zu", i);
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

static int book_req(const struct lyra_market *m, int depth, struct lyra_venue_req *req)
{
	int n = depth > 0 ? depth : 0;   /* 0: the whole book */
	return lyra_vx_req(req, 1, "/v1/book/%s?limit_bids=%d&limit_asks=%d", m->venue_symbol, n, n);
}

/* Levels are objects {"price","amount","timestamp"}. */
static json_t *levels(const json_t *rows, int depth)
{
	if (!json_is_array(rows)) {
		lyra_error(LYRA_EX_DATAERR, "levels: %s", rows ? "not an array" : "missing");
		return NULL;
	}
	json_t *out = json_array();
	if (!out) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		if (depth > 0 && i >= (size_t)depth)
			break;
		json_t *px = lyra_vx_decstr(json_object_get(r, "price"), "price", 0);
		json_t *qty = px ? lyra_vx_decstr(json_object_get(r, "amount"), "amount", 0) : NULL;
		if (!qty) {
			json_decref(px);
			lyra_error_wrap("level %zu", i);
			json_decref(out);
			return NULL;
		}
		json_t *lvl = json_pack("[oo]", px, qty);
		if (!lvl || json_array_append_new(out, lvl) < 0) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int book(const struct lyra_market *m, int depth, int top, const char *body, size_t len,
                int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = "/v1/book/{symbol}";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	json_t *rec;
	const json_t *bids = json_object_get(root, "bids"), *asks = json_object_get(root, "asks");
	if (top) {
		const json_t *b = json_array_get(bids, 0), *a = json_array_get(asks, 0);
		if (!json_is_object(b) || !json_is_object(a)) {
			lyra_error(LYRA_EX_DATAERR, "empty book");
			goto bad;
		}
		rec = lyra_vx_bbo(m, now_us, json_object_get(b, "price"), json_object_get(b, "amount"),
		                  json_object_get(a, "price"), json_object_get(a, "amount"));
	} else {
		rec = lyra_vx_book(m, now_us, 0, levels(bids, depth), levels(asks, depth));
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
	return book(m, depth, 0, body, len, now_us, cb, ctx);
}

/* The tickers give no sizes: the best bid and offer come from the book's first levels. */
static int bbo_req(const struct lyra_market *m, struct lyra_venue_req *req)
{
	return book_req(m, 1, req);
}

static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	return book(m, 1, 1, body, len, now_us, cb, ctx);
}

static int trades_req(const struct lyra_market *m, int limit, struct lyra_venue_req *req)
{
	if (limit <= 0 || limit > 500)
		limit = limit <= 0 ? 50 : 500;
	return lyra_vx_req(req, 1, "/v1/trades/%s?limit_trades=%d", m->venue_symbol, limit);
}

static int trade_ts(const json_t *t, int64_t *ts)
{
	return lyra_vx_time(json_object_get(t, "timestampms"), "timestampms", 1000, ts);
}

/* Newest first; type is the taker's side ("buy", "sell"), or "auction"/"block" for trades
 * without one, which are left out. */
static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/v1/trades/{symbol}";
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
		const char *type = json_string_value(json_object_get(t, "type"));
		int64_t ts;
		if (!type) {
			lyra_error(LYRA_EX_DATAERR, "'type': missing");
			goto bad_row;
		}
		if (strcmp(type, "buy") != 0 && strcmp(type, "sell") != 0)
			continue;
		if (trade_ts(t, &ts) < 0)
			goto bad_row;
		json_t *rec = lyra_vx_trade(m, ts, json_object_get(t, "tid"), type,
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

/* No paging: start and end are ignored by the venue and filtered by the caller. */
static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	(void)start_us;
	(void)end_us;
	const char *tf = lyra_vx_interval(V, interval, frames);
	if (!tf)
		return -1;
	return lyra_vx_req(req, 1, "/v2/candles/%s/%s", m->venue_symbol, tf);
}

static int candle_ts(const json_t *c, int64_t *ts)
{
	return lyra_vx_time(json_array_get(c, 0), "time", 1000, ts);
}

/* Rows [time ms, open, high, low, close, volume] of JSON numbers, newest first. */
static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	const char *what = "/v2/candles/{symbol}/{time_frame}";
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
	int back = n > 1 && candle_ts(json_array_get(root, 0), &t0) == 0
	           && candle_ts(json_array_get(root, n - 1), &t1) == 0 && lyra_vx_backwards(t0, t1);
	for (size_t k = 0; k < n; k++) {
		i = back ? n - 1 - k : k;
		const json_t *c = json_array_get(root, i);
		int64_t ts;
		if (json_array_size(c) < 6) {
			lyra_error(LYRA_EX_DATAERR, "not a candle row");
			goto bad_row;
		}
		if (candle_ts(c, &ts) < 0)
			goto bad_row;
		const json_t *vals[5] = {json_array_get(c, 1), json_array_get(c, 2),
		                         json_array_get(c, 3), json_array_get(c, 4),
		                         json_array_get(c, 5)};
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

const struct lyra_venue lyra_venue_gemini = {
	.id = V,
	.rest_url = "https://api.gemini.com",
	.weight_per_minute = 120,
	.intervals = intervals,
	.candles_page = 1440,
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
