/* venue_coinbase.c: Coinbase Exchange public REST (https://api.exchange.coinbase.com): products,
 * the level 1 and level 2 book, trades and candles. The Exchange API, not Advanced Trade: its
 * market data is public without keys, its book carries the sequence number the level2 feed
 * continues from, and the recorded products payload is of this API. Spot only. */
#include <string.h>

#include "clock.h"
#include "error.h"
#include "venue_impl.h"

#define V "coinbase"

/* Base tier (under $10K 30-day volume): 0.40% maker, 0.60% taker; Coinbase Exchange fee
 * schedule (docs.cdp.coinbase.com/exchange, fees), as published 2024. */
#define MAKER "0.004"
#define TAKER "0.006"

/* Granularity in seconds: 60 300 900 3600 21600 86400; no 4h. */
static const char *const intervals[] = {"1m", "5m", "15m", "1h", "1d", NULL};
static const char *const grans[6] = {"60", "300", "900", "3600", NULL, "86400"};

/* Errors: {"message":"NotFound"}. */
static json_t *load(const char *what, const char *body, size_t len)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	if (v && json_is_object(v) && json_is_string(json_object_get(v, "message"))
	    && json_object_size(v) <= 2) {
		lyra_vx_venue_error(V, what, json_string_value(json_object_get(v, "message")), NULL);
		json_decref(v);
		return NULL;
	}
	return v;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page > 0)
		return 0;
	return lyra_vx_req(req, 1, "/products") < 0 ? -1 : 1;
}

static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	(void)page;
	const char *what = "/products";
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
		char id[LYRA_SYM_MAX], base[24], quote[24];
		const json_t *mq = json_object_get(p, "base_min_size");
		if (lyra_vx_copy(json_object_get(p, "id"), "id", id, sizeof id) < 0
		    || lyra_vx_copy(json_object_get(p, "base_currency"), "base_currency", base,
		                    sizeof base) < 0
		    || lyra_vx_copy(json_object_get(p, "quote_currency"), "quote_currency", quote,
		                    sizeof quote) < 0
		    || lyra_vx_market(&m, V, id, base, quote, NULL) < 0
		    || lyra_vx_dec(json_object_get(p, "quote_increment"), "quote_increment", &m.tick) < 0
		    || lyra_vx_dec(json_object_get(p, "base_increment"), "base_increment", &m.lot) < 0
		    || (mq && lyra_vx_dec(mq, "base_min_size", &m.min_qty) < 0)
		    || lyra_vx_dec(json_object_get(p, "min_market_funds"), "min_market_funds",
		                   &m.min_notional) < 0) {
			lyra_error_wrap("product %zu", i);
			json_decref(root);
			return lyra_vx_wrap(V, what);
		}
		const char *st = json_string_value(json_object_get(p, "status"));
		if (!st || strcmp(st, "online") != 0 || json_is_true(json_object_get(p, "trading_disabled"))
		    || json_is_true(json_object_get(p, "cancel_only")))
			strcpy(m.status, "halted");
		m.maker_fee = lyra_vx_const(MAKER);
		m.taker_fee = lyra_vx_const(TAKER);
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
	(void)depth;
	return lyra_vx_req(req, 1, "/products/%s/book?level=2", m->venue_symbol);
}

/* {"bids":[[px,size,num_orders]],"asks":[...],"sequence":N,"time":"..."}. */
static int book(const struct lyra_market *m, int depth, int top, const char *body, size_t len,
                int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = "/products/{id}/book";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	int64_t seq, ts = now_us;
	const json_t *bids = json_object_get(root, "bids"), *asks = json_object_get(root, "asks");
	if (lyra_vx_int(json_object_get(root, "sequence"), "sequence", &seq) < 0
	    || (json_is_string(json_object_get(root, "time"))
	        && lyra_vx_iso(json_object_get(root, "time"), "time", &ts) < 0))
		goto bad;
	json_t *rec;
	if (top) {
		const json_t *b = json_array_get(bids, 0), *a = json_array_get(asks, 0);
		if (!json_is_array(b) || !json_is_array(a)) {
			lyra_error(LYRA_EX_DATAERR, "empty book");
			goto bad;
		}
		rec = lyra_vx_bbo(m, ts, json_array_get(b, 0), json_array_get(b, 1),
		                  json_array_get(a, 0), json_array_get(a, 1));
	} else {
		rec = lyra_vx_book(m, ts, seq, lyra_venue_levels(bids, 0, 1, depth),
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
	return book(m, depth, 0, body, len, now_us, cb, ctx);
}

static int bbo_req(const struct lyra_market *m, struct lyra_venue_req *req)
{
	return lyra_vx_req(req, 1, "/products/%s/book?level=1", m->venue_symbol);
}

static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	return book(m, 0, 1, body, len, now_us, cb, ctx);
}

static int trades_req(const struct lyra_market *m, int limit, struct lyra_venue_req *req)
{
	if (limit <= 0 || limit > 1000)
		limit = limit <= 0 ? 100 : 1000;
	return lyra_vx_req(req, 1, "/products/%s/trades?limit=%d", m->venue_symbol, limit);
}

static int trade_ts(const json_t *t, int64_t *ts)
{
	return lyra_vx_iso(json_object_get(t, "time"), "time", ts);
}

static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/products/{id}/trades";
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
		const char *side = json_string_value(json_object_get(t, "side"));
		int64_t ts;
		if (trade_ts(t, &ts) < 0)
			goto bad_row;
		/* side is the maker's: the aggressor took the other side. */
		if (!side || (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)) {
			lyra_error(LYRA_EX_DATAERR, "'side': not buy or sell");
			goto bad_row;
		}
		json_t *rec = lyra_vx_trade(m, ts, json_object_get(t, "trade_id"),
		                            side[0] == 'b' ? "sell" : "buy", json_object_get(t, "price"),
		                            json_object_get(t, "size"));
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

/* At most 300 candles a request; start and end are both inclusive. */
static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	const char *gran = lyra_vx_interval(V, interval, grans);
	if (!gran)
		return -1;
	int64_t iv = lyra_interval_us(interval);
	int64_t start = lyra_vx_sec(start_us) * LYRA_US_PER_SEC;
	int64_t last = start + 299 * iv;
	int64_t end = (lyra_vx_sec(end_us - 1)) * LYRA_US_PER_SEC;
	if (end < last)
		last = end;
	char s[40], e[40];
	lyra_time_format(start, s, sizeof s);
	lyra_time_format(last, e, sizeof e);
	return lyra_vx_req(req, 1, "/products/%s/candles?granularity=%s&start=%s&end=%s",
	                   m->venue_symbol, gran, s, e);
}

static int candle_ts(const json_t *c, int64_t *ts)
{
	return lyra_vx_time(json_array_get(c, 0), "time", LYRA_US_PER_SEC, ts);
}

/* Rows [time, low, high, open, close, volume], newest first. */
static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	const char *what = "/products/{id}/candles";
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
		if (!json_is_array(c) || json_array_size(c) < 6) {
			lyra_error(LYRA_EX_DATAERR, "not a candle row");
			goto bad_row;
		}
		if (candle_ts(c, &ts) < 0)
			goto bad_row;
		const json_t *vals[5] = {json_array_get(c, 3), json_array_get(c, 2),
		                         json_array_get(c, 1), json_array_get(c, 4),
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

const struct lyra_venue lyra_venue_coinbase = {
	.id = V,
	.rest_url = "https://api.exchange.coinbase.com",
	.weight_per_minute = 600,
	.intervals = intervals,
	.candles_page = 300,
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
