/* venue_bitfinex.c: Bitfinex v2 public REST (https://api-pub.bitfinex.com/v2): pair rules from
 * conf pub:info:pair (and :futures for the F0 perpetuals), the P0 book (price levels), trades,
 * candles and derivatives status for funding. Payloads are arrays of JSON numbers, read exactly;
 * the sign of an amount gives the book side and the trade side. */
#include <string.h>

#include "error.h"
#include "venue_impl.h"

#define V "bitfinex"

/* Base tier: exchange (spot) 0.1% maker, 0.2% taker; derivatives 0.02% maker, 0.065% taker
 * (bitfinex.com/fees, as published 2024). */
#define SPOT_MAKER "0.001"
#define SPOT_TAKER "0.002"
#define PERP_MAKER "0.0002"
#define PERP_TAKER "0.00065"
/* Prices carry five significant digits and at most eight decimals, amounts eight decimals:
 * there is no fixed tick, so the finest step is reported. */
#define STEP "0.00000001"

/* Rate limits per minute: book, ticker, conf and status 90, candles 30, trades 15; the budget is
 * 90 and each endpoint weighs 90 / its limit. */
static const char *const intervals[] = {"1m", "5m", "15m", "1h", "1d", NULL};
static const char *const frames[6] = {"1m", "5m", "15m", "1h", NULL, "1D"};

static int is_perp(const struct lyra_market *m)
{
	return strcmp(m->instrument, "perpetual") == 0;
}

/* Errors: ["error", 10020, "symbol: invalid"]. */
static json_t *load(const char *what, const char *body, size_t len)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	const char *e = json_string_value(json_array_get(v, 0));
	if (v && e && strcmp(e, "error") == 0) {
		char code[32] = "";
		const json_t *c = json_array_get(v, 1);
		if (json_is_integer(c))
			snprintf(code, sizeof code, "%" JSON_INTEGER_FORMAT, json_integer_value(c));
		lyra_vx_venue_error(V, what, json_string_value(json_array_get(v, 2)), code);
		json_decref(v);
		return NULL;
	}
	if (v && !json_is_array(v)) {
		lyra_vx_fail(V, what, "not an array");
		json_decref(v);
		return NULL;
	}
	return v;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page > 1)
		return 0;
	return lyra_vx_req(req, 1, "/conf/pub:info:pair%s", page == 0 ? "" : ":futures") < 0 ? -1 : 1;
}

/* "BTCUSD", "AAVE:USD", "BTCF0:USTF0". */
static int split_pair(const char *pair, char *base, char *quote)
{
	const char *colon = strchr(pair, ':');
	size_t bl = colon ? (size_t)(colon - pair) : 3;
	const char *q = colon ? colon + 1 : pair + 3;
	if ((!colon && strlen(pair) != 6) || bl == 0 || bl >= 24 || !*q || strlen(q) >= 24)
		return lyra_error(LYRA_EX_DATAERR, "bad pair '%.40s'", pair);
	memcpy(base, pair, bl);
	base[bl] = '\0';
	strcpy(quote, q);
	return 0;
}

/* [PAIR, [_, _, _, MIN_ORDER_SIZE, MAX_ORDER_SIZE, _, _, _, INITIAL_MARGIN, MIN_MARGIN]]. */
static int pair_info(const json_t *row, int perp, struct lyra_market *m)
{
	char pair[LYRA_SYM_MAX - 1], sym[LYRA_SYM_MAX], base[24], quote[24];
	const json_t *info = json_array_get(row, 1);
	if (lyra_vx_copy(json_array_get(row, 0), "pair", pair, sizeof pair) < 0
	    || split_pair(pair, base, quote) < 0)
		return -1;
	snprintf(sym, sizeof sym, "t%s", pair);
	if (lyra_vx_market(m, V, sym, base, quote, perp ? quote : NULL) < 0)
		return -1;
	if (!json_is_array(info))
		return lyra_error(LYRA_EX_DATAERR, "'%s': no pair info", pair);
	m->tick = m->lot = lyra_vx_const(STEP);
	if (json_array_get(info, 3) && !json_is_null(json_array_get(info, 3))
	    && lyra_vx_dec(json_array_get(info, 3), "min order size", &m->min_qty) < 0)
		return -1;
	m->maker_fee = lyra_vx_const(perp ? PERP_MAKER : SPOT_MAKER);
	m->taker_fee = lyra_vx_const(perp ? PERP_TAKER : SPOT_TAKER);
	return 0;
}

/* The conf answer is one array per key asked: [[row, row, ...]]. */
static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	const char *what = page == 0 ? "/conf/pub:info:pair" : "/conf/pub:info:pair:futures";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	const json_t *rows = json_array_get(root, 0);
	if (!json_is_array(rows)) {
		json_decref(root);
		return lyra_vx_fail(V, what, "no pair list");
	}
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		struct lyra_market m;
		if (pair_info(r, page == 1, &m) < 0) {
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

/* P0 answers 1, 25 or 100 levels a side. */
static int book_req(const struct lyra_market *m, int depth, struct lyra_venue_req *req)
{
	int n = depth == 1 ? 1 : depth > 0 && depth <= 25 ? 25 : 100;
	return lyra_vx_req(req, 1, "/book/%s/P0?len=%d", m->venue_symbol, n);
}

/* Rows [PRICE, COUNT, AMOUNT]: bids (AMOUNT > 0) best first, then asks (AMOUNT < 0). */
static int split_book(const json_t *rows, int depth, json_t **bids, json_t **asks)
{
	size_t i;
	const json_t *r;
	*bids = json_array();
	*asks = json_array();
	if (!*bids || !*asks)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	json_array_foreach(rows, i, r) {
		struct lyra_dec amt;
		if (!json_is_array(r) || json_array_size(r) < 3) {
			lyra_error(LYRA_EX_DATAERR, "level %zu: not a [price, count, amount] row", i);
			return -1;
		}
		if (lyra_vx_dec(json_array_get(r, 2), "amount", &amt) < 0)
			return lyra_error_wrap("level %zu", i);
		json_t *side = lyra_dec_sign(amt) < 0 ? *asks : *bids;
		if (depth > 0 && json_array_size(side) >= (size_t)depth)
			continue;
		json_t *px = lyra_vx_decstr(json_array_get(r, 0), "price", 0);
		json_t *qty = px ? lyra_vx_decstr(json_array_get(r, 2), "amount", 1) : NULL;
		if (!qty) {
			json_decref(px);
			return lyra_error_wrap("level %zu", i);
		}
		json_t *lvl = json_pack("[oo]", px, qty);
		if (!lvl || json_array_append_new(side, lvl) < 0)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	return 0;
}

static int book(const struct lyra_market *m, int depth, int top, const char *body, size_t len,
                int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = "/book/{symbol}/P0";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	json_t *bids = NULL, *asks = NULL, *rec;
	if (split_book(root, top ? 1 : depth, &bids, &asks) < 0)
		goto bad;
	if (top) {
		const json_t *b = json_array_get(bids, 0), *a = json_array_get(asks, 0);
		if (!b || !a) {
			lyra_error(LYRA_EX_DATAERR, "empty book");
			goto bad;
		}
		rec = lyra_vx_bbo(m, now_us, json_array_get(b, 0), json_array_get(b, 1),
		                  json_array_get(a, 0), json_array_get(a, 1));
	} else {
		rec = lyra_vx_book(m, now_us, 0, bids, asks);
		bids = asks = NULL;
	}
	if (!rec)
		goto bad;
	rc = lyra_vx_emit(cb, ctx, rec);
	goto out;
bad:
	lyra_vx_wrap(V, what);
out:
	json_decref(bids);
	json_decref(asks);
	json_decref(root);
	return rc;
}

static int parse_book(const struct lyra_market *m, int depth, const char *body, size_t len,
                      int64_t now_us, lyra_record_cb cb, void *ctx)
{
	return book(m, depth, 0, body, len, now_us, cb, ctx);
}

/* The ticker's sizes are sums of 25 levels, not the best level's: the best bid and offer come
 * from the book with one level a side. */
static int bbo_req(const struct lyra_market *m, struct lyra_venue_req *req)
{
	return lyra_vx_req(req, 1, "/book/%s/P0?len=1", m->venue_symbol);
}

static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	return book(m, 1, 1, body, len, now_us, cb, ctx);
}

static int trades_req(const struct lyra_market *m, int limit, struct lyra_venue_req *req)
{
	if (limit <= 0 || limit > 10000)
		limit = limit <= 0 ? 120 : 10000;
	return lyra_vx_req(req, 6, "/trades/%s/hist?limit=%d&sort=-1", m->venue_symbol, limit);
}

static int trade_ts(const json_t *t, int64_t *ts)
{
	return lyra_vx_time(json_array_get(t, 1), "MTS", 1000, ts);
}

/* Rows [ID, MTS, AMOUNT, PRICE]; AMOUNT < 0 when the taker sold. */
static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/trades/{symbol}/hist";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	size_t n = json_array_size(root), i = 0;
	int64_t t0, t1;
	int back = n > 1 && trade_ts(json_array_get(root, 0), &t0) == 0
	           && trade_ts(json_array_get(root, n - 1), &t1) == 0 && lyra_vx_backwards(t0, t1);
	for (size_t k = 0; k < n; k++) {
		i = back ? n - 1 - k : k;
		const json_t *t = json_array_get(root, i);
		int64_t ts;
		struct lyra_dec amt;
		if (json_array_size(t) < 4) {
			lyra_error(LYRA_EX_DATAERR, "not a trade row");
			goto bad_row;
		}
		if (trade_ts(t, &ts) < 0 || lyra_vx_dec(json_array_get(t, 2), "AMOUNT", &amt) < 0)
			goto bad_row;
		json_t *qty = lyra_vx_decstr(json_array_get(t, 2), "AMOUNT", 1);
		if (!qty)
			goto bad_row;
		json_t *rec = lyra_vx_trade(m, ts, json_array_get(t, 0),
		                            lyra_dec_sign(amt) < 0 ? "sell" : "buy",
		                            json_array_get(t, 3), qty);
		json_decref(qty);
		if (!rec)
			goto bad_row;
		if (lyra_vx_emit(cb, ctx, rec) < 0)
			goto out;
	}
	rc = 0;
	goto out;
bad_row:
	lyra_error_wrap("trade %zu", i);
	lyra_vx_wrap(V, what);
out:
	json_decref(root);
	return rc;
}

static int funding_req(const struct lyra_market *m, struct lyra_venue_req *req)
{
	if (!is_perp(m))
		return lyra_error(LYRA_EX_USAGE, V ": '%s' is not a perpetual", m->symbol);
	char key[LYRA_SYM_MAX * 3];
	size_t o = 0;
	for (const char *p = m->venue_symbol; *p && o + 4 < sizeof key; p++) {
		if (*p == ':') {
			memcpy(key + o, "%3A", 3);
			o += 3;
		} else {
			key[o++] = *p;
		}
	}
	key[o] = '\0';
	return lyra_vx_req(req, 1, "/status/deriv?keys=%s", key);
}

/* [[KEY, MTS, _, DERIV_PRICE, SPOT_PRICE, _, INSURANCE_FUND_BALANCE, _,
 *   NEXT_FUNDING_EVT_TIMESTAMP_MS, NEXT_FUNDING_ACCRUED, NEXT_FUNDING_STEP, _, CURRENT_FUNDING,
 *   ...]]. */
static int parse_funding(const struct lyra_market *m, const char *body, size_t len,
                         int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/status/deriv";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	int64_t ts, next;
	const json_t *s = json_array_get(root, 0);
	if (json_array_size(s) < 13) {
		lyra_error(LYRA_EX_DATAERR, "no derivatives status");
		goto bad;
	}
	if (lyra_vx_time(json_array_get(s, 1), "MTS", 1000, &ts) < 0
	    || lyra_vx_time(json_array_get(s, 8), "NEXT_FUNDING_EVT_TIMESTAMP_MS", 1000, &next) < 0)
		goto bad;
	json_t *rec = lyra_vx_funding(m, ts, json_array_get(s, 12), next);
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

/* start and end are inclusive milliseconds; sort=1 answers oldest first. */
static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	const char *tf = lyra_vx_interval(V, interval, frames);
	if (!tf)
		return -1;
	return lyra_vx_req(req, 3, "/candles/trade:%s:%s/hist?start=%lld&end=%lld&limit=10000&sort=1",
	                   tf, m->venue_symbol, (long long)lyra_vx_ms(start_us),
	                   (long long)(lyra_vx_ms(end_us) - 1));
}

static int candle_ts(const json_t *c, int64_t *ts)
{
	return lyra_vx_time(json_array_get(c, 0), "MTS", 1000, ts);
}

/* Rows [MTS, OPEN, CLOSE, HIGH, LOW, VOLUME]. */
static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	const char *what = "/candles/{key}/hist";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	size_t n = json_array_size(root), i = 0;
	int64_t t0, t1;
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
		const json_t *vals[5] = {json_array_get(c, 1), json_array_get(c, 3),
		                         json_array_get(c, 4), json_array_get(c, 2),
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
	lyra_vx_wrap(V, what);
out:
	json_decref(root);
	return rc;
}

const struct lyra_venue lyra_venue_bitfinex = {
	.id = V,
	.rest_url = "https://api-pub.bitfinex.com/v2",
	.weight_per_minute = 90,
	.intervals = intervals,
	.candles_page = 10000,
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
};
