/* venue_kraken.c: Kraken spot public REST (https://api.kraken.com/0/public): AssetPairs (with
 * its legacy asset names XXBT, ZUSD, XXDG mapped to BTC, USD, DOGE), Depth, Ticker, Trades and
 * OHLC. Kraken's spot API has no perpetuals (those are on its separate futures API). */
#include <string.h>

#include "clock.h"
#include "error.h"
#include "venue_impl.h"

#define V "kraken"

/* Used only when AssetPairs carries no fee schedule: Kraken Pro base tier 0.25% maker,
 * 0.40% taker (kraken.com/features/fee-schedule, as published 2024). */
#define MAKER "0.0025"
#define TAKER "0.004"

static const char *const intervals[] = {"1m", "5m", "15m", "1h", "4h", "1d", NULL};
static const char *const minutes[6] = {"1", "5", "15", "60", "240", "1440"};

/* {"error":[...],"result":{...}}: a non-empty error list is the venue's error. Returns the
 * root with *result borrowed. */
static json_t *load(const char *what, const char *body, size_t len, const json_t **result)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	if (!v)
		return NULL;
	const json_t *err = json_object_get(v, "error");
	if (!json_is_object(v)) {
		lyra_vx_fail(V, what, "not an object");
	} else if (json_array_size(err) > 0) {
		char msg[300] = "";
		size_t i, off = 0;
		const json_t *e;
		json_array_foreach(err, i, e) {
			int w = snprintf(msg + off, sizeof msg - off, "%s%s", i ? "; " : "",
			                 json_is_string(e) ? json_string_value(e) : "?");
			if (w < 0 || (size_t)w >= sizeof msg - off)
				break;
			off += (size_t)w;
		}
		lyra_vx_venue_error(V, what, msg, NULL);
	} else if (!json_is_object(json_object_get(v, "result"))) {
		lyra_vx_fail(V, what, "missing 'result'");
	} else {
		*result = json_object_get(v, "result");
		return v;
	}
	json_decref(v);
	return NULL;
}

/* The one pair in a per-pair result (the other key is "last"). */
static const json_t *pair_of(const json_t *result)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)result, k, v)
		if (strcmp(k, "last") != 0)
			return v;
	lyra_error(LYRA_EX_DATAERR, "no pair in 'result'");
	return NULL;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page > 0)
		return 0;
	return lyra_vx_req(req, 1, "/0/public/AssetPairs") < 0 ? -1 : 1;
}

/* The first tier of a fee schedule [[volume, percent], ...]. */
static int first_tier(const json_t *fees, const char *key, const char *dflt, struct lyra_dec *out)
{
	if (!fees) {
		*out = lyra_vx_const(dflt);
		return 0;
	}
	const json_t *t = json_array_get(fees, 0);
	if (!json_is_array(t))
		return lyra_error(LYRA_EX_DATAERR, "'%s': not a fee schedule", key);
	return lyra_vx_pct(json_array_get(t, 1), key, out);
}

static int pair(const char *key, const json_t *p, struct lyra_market *m)
{
	char base[24], quote[24];
	const json_t *tick = json_object_get(p, "tick_size");
	const json_t *cost = json_object_get(p, "costmin");
	if (lyra_vx_copy(json_object_get(p, "base"), "base", base, sizeof base) < 0
	    || lyra_vx_copy(json_object_get(p, "quote"), "quote", quote, sizeof quote) < 0
	    || lyra_vx_market(m, V, key, base, quote, NULL) < 0
	    || (tick ? lyra_vx_dec(tick, "tick_size", &m->tick)
	             : lyra_vx_pow10(json_object_get(p, "pair_decimals"), "pair_decimals", &m->tick))
	               < 0
	    || lyra_vx_pow10(json_object_get(p, "lot_decimals"), "lot_decimals", &m->lot) < 0
	    || lyra_vx_dec(json_object_get(p, "ordermin"), "ordermin", &m->min_qty) < 0
	    || (cost && lyra_vx_dec(cost, "costmin", &m->min_notional) < 0)
	    || first_tier(json_object_get(p, "fees_maker"), "fees_maker", MAKER, &m->maker_fee) < 0
	    || first_tier(json_object_get(p, "fees"), "fees", TAKER, &m->taker_fee) < 0)
		return -1;
	const char *st = json_string_value(json_object_get(p, "status"));
	if (st && strcmp(st, "online") != 0 && strcmp(st, "post_only") != 0
	    && strcmp(st, "limit_only") != 0)
		strcpy(m->status, "halted");
	return 0;
}

static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	(void)page;
	const char *what = "/0/public/AssetPairs";
	const json_t *result;
	json_t *root = load(what, body, len, &result);
	if (!root)
		return -1;
	const char *key;
	const json_t *p;
	json_object_foreach((json_t *)result, key, p) {
		struct lyra_market m;
		if (strchr(key, '.'))
			continue;   /* ".d" dark-pool twins of a pair */
		if (pair(key, p, &m) < 0) {
			lyra_error_wrap("pair '%.40s'", key);
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
	int count = depth <= 0 || depth > 500 ? 500 : depth;
	return lyra_vx_req(req, 1, "/0/public/Depth?pair=%s&count=%d", m->venue_symbol, count);
}

/* Levels are [price, volume, timestamp]; the book has no sequence. */
static int parse_book(const struct lyra_market *m, int depth, const char *body, size_t len,
                      int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = "/0/public/Depth";
	const json_t *result;
	json_t *root = load(what, body, len, &result);
	if (!root)
		return -1;
	int rc = -1;
	const json_t *b = pair_of(result);
	if (!b)
		goto bad;
	json_t *rec = lyra_vx_book(m, now_us, 0, lyra_venue_levels(json_object_get(b, "bids"), 0, 1, depth),
	                           lyra_venue_levels(json_object_get(b, "asks"), 0, 1, depth));
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
	return lyra_vx_req(req, 1, "/0/public/Ticker?pair=%s", m->venue_symbol);
}

/* a and b are [price, whole lot volume, lot volume]. */
static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	const char *what = "/0/public/Ticker";
	const json_t *result;
	json_t *root = load(what, body, len, &result);
	if (!root)
		return -1;
	int rc = -1;
	const json_t *t = pair_of(result);
	if (!t)
		goto bad;
	const json_t *a = json_object_get(t, "a"), *b = json_object_get(t, "b");
	json_t *rec = lyra_vx_bbo(m, now_us, json_array_get(b, 0), json_array_get(b, 2),
	                          json_array_get(a, 0), json_array_get(a, 2));
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
		limit = 1000;
	return lyra_vx_req(req, 1, "/0/public/Trades?pair=%s&count=%d", m->venue_symbol, limit);
}

/* Rows [price, volume, time, b|s, m|l, misc, trade_id], oldest first; time in seconds with a
 * fraction ("1710327959.1733468" once parsed exactly). */
static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/0/public/Trades";
	const json_t *result;
	json_t *root = load(what, body, len, &result);
	if (!root)
		return -1;
	int rc = -1;
	size_t i = 0;
	const json_t *rows = pair_of(result), *t;
	if (!rows)
		goto bad;
	if (!json_is_array(rows)) {
		lyra_error(LYRA_EX_DATAERR, "trades: not an array");
		goto bad;
	}
	json_array_foreach(rows, i, t) {
		int64_t ts;
		const char *side = json_string_value(json_array_get(t, 3));
		if (json_array_size(t) < 4) {
			lyra_error(LYRA_EX_DATAERR, "not a trade row");
			goto bad_row;
		}
		if (lyra_vx_time(json_array_get(t, 2), "time", LYRA_US_PER_SEC, &ts) < 0)
			goto bad_row;
		if (!side || (strcmp(side, "b") != 0 && strcmp(side, "s") != 0)) {
			lyra_error(LYRA_EX_DATAERR, "side: not b or s");
			goto bad_row;
		}
		/* Older payloads have no trade id: the exact time text stands in. */
		const json_t *id = json_array_size(t) > 6 ? json_array_get(t, 6) : json_array_get(t, 2);
		json_t *rec = lyra_vx_trade(m, ts, id, side[0] == 'b' ? "buy" : "sell",
		                            json_array_get(t, 0), json_array_get(t, 1));
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

/* OHLC serves the 720 most recent intervals only; since (exclusive) narrows them. */
static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	(void)end_us;
	const char *iv = lyra_vx_interval(V, interval, minutes);
	if (!iv)
		return -1;
	return lyra_vx_req(req, 1, "/0/public/OHLC?pair=%s&interval=%s&since=%lld", m->venue_symbol,
	                   iv, (long long)(lyra_vx_sec(start_us) - 1));
}

/* Rows [time, open, high, low, close, vwap, volume, count], oldest first. */
static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	const char *what = "/0/public/OHLC";
	const json_t *result;
	json_t *root = load(what, body, len, &result);
	if (!root)
		return -1;
	int rc = -1;
	size_t i = 0;
	const json_t *rows = pair_of(result), *c;
	if (!rows)
		goto bad;
	if (!json_is_array(rows)) {
		lyra_error(LYRA_EX_DATAERR, "candles: not an array");
		goto bad;
	}
	json_array_foreach(rows, i, c) {
		int64_t ts;
		if (json_array_size(c) < 7) {
			lyra_error(LYRA_EX_DATAERR, "not a candle row");
			goto bad_row;
		}
		if (lyra_vx_time(json_array_get(c, 0), "time", LYRA_US_PER_SEC, &ts) < 0)
			goto bad_row;
		const json_t *vals[5] = {json_array_get(c, 1), json_array_get(c, 2),
		                         json_array_get(c, 3), json_array_get(c, 4),
		                         json_array_get(c, 6)};
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

const struct lyra_venue lyra_venue_kraken = {
	.id = V,
	.rest_url = "https://api.kraken.com",
	.weight_per_minute = 60,
	.intervals = intervals,
	.candles_page = 720,
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
