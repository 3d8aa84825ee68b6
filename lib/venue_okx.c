/* venue_okx.c: OKX v5 public REST (https://www.okx.com/api/v5): instruments (SPOT and linear
 * SWAP), books, ticker, trades, history-candles and funding-rate. SWAP sizes are counted in
 * contracts of ctVal base units: rules and records are converted to base units. */
#include <string.h>

#include "error.h"
#include "venue_impl.h"

#define V "okx"

/* Base-tier (Lv1 regular user) fees, okx.com/fees as published 2024: spot 0.08% maker,
 * 0.10% taker; USDT-margined perpetuals 0.02% maker, 0.05% taker. */
#define SPOT_MAKER "0.0008"
#define SPOT_TAKER "0.001"
#define SWAP_MAKER "0.0002"
#define SWAP_TAKER "0.0005"

static const char *const intervals[] = {"1m", "5m", "15m", "1h", "4h", "1d", NULL};
/* 1D is aligned to Hong Kong time; 1Dutc to UTC midnight like every other venue. */
static const char *const bars[6] = {"1m", "5m", "15m", "1H", "4H", "1Dutc"};

/* The budget is 1200 per minute; each endpoint's documented rate (per 2 s per IP) becomes a
 * weight: 40/2s books = 1, 20/2s = 2, 100/2s trades = 1. */

static int is_perp(const struct lyra_market *m)
{
	return strcmp(m->instrument, "perpetual") == 0;
}

/* Every response is {"code":"0","msg":"","data":[...]}; any other code is an error. Returns
 * the root with *data borrowed. */
static json_t *load(const char *what, const char *body, size_t len, const json_t **data)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	if (!v)
		return NULL;
	const json_t *code = json_object_get(v, "code");
	const char *c = json_string_value(code);
	if (!json_is_object(v) || !c) {
		lyra_vx_fail(V, what, "missing 'code'");
	} else if (strcmp(c, "0") != 0) {
		lyra_vx_venue_error(V, what, json_string_value(json_object_get(v, "msg")), c);
	} else if (!json_is_array(json_object_get(v, "data"))) {
		lyra_vx_fail(V, what, "missing 'data'");
	} else {
		*data = json_object_get(v, "data");
		return v;
	}
	json_decref(v);
	return NULL;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page > 1)
		return 0;
	return lyra_vx_req(req, 2, "/api/v5/public/instruments?instType=%s",
	                   page == 0 ? "SPOT" : "SWAP") < 0 ? -1 : 1;
}

static int mul(struct lyra_dec *x, struct lyra_dec by)
{
	if (lyra_dec_mul_exact(*x, by, x) < 0)
		return lyra_error(LYRA_EX_DATAERR, "contract size out of range");
	*x = lyra_dec_normalize(*x);
	return 0;
}

/* Fill m from one instrument; 1 when it is one lyra lists, 0 to skip it, -1 when malformed. */
static int instrument(const json_t *s, int swap, struct lyra_market *m)
{
	char id[LYRA_SYM_MAX], base[24], quote[24], settle[24] = "";
	if (lyra_vx_copy(json_object_get(s, "instId"), "instId", id, sizeof id) < 0)
		return -1;
	if (!swap) {
		if (lyra_vx_copy(json_object_get(s, "baseCcy"), "baseCcy", base, sizeof base) < 0
		    || lyra_vx_copy(json_object_get(s, "quoteCcy"), "quoteCcy", quote,
		                    sizeof quote) < 0)
			return -1;
	} else {
		/* Inverse swaps are margined and counted in the base coin's USD value: not listed. */
		const char *ct = json_string_value(json_object_get(s, "ctType"));
		if (!ct || strcmp(ct, "linear") != 0)
			return 0;
		char fam[LYRA_SYM_MAX];
		const json_t *f = json_object_get(s, "instFamily");
		if (!json_string_length(f))
			f = json_object_get(s, "uly");
		if (lyra_vx_copy(f, "uly", fam, sizeof fam) < 0
		    || lyra_vx_copy(json_object_get(s, "settleCcy"), "settleCcy", settle,
		                    sizeof settle) < 0)
			return -1;
		char *dash = strchr(fam, '-');
		if (!dash || (size_t)(dash - fam) >= sizeof base || strlen(dash + 1) >= sizeof quote)
			return lyra_error(LYRA_EX_DATAERR, "'uly': bad family '%s'", fam);
		*dash = '\0';
		strcpy(base, fam);
		strcpy(quote, dash + 1);
		const char *vccy = json_string_value(json_object_get(s, "ctValCcy"));
		if (!vccy || strcmp(vccy, base) != 0)
			return 0;
	}
	if (lyra_vx_market(m, V, id, base, quote, settle) < 0
	    || lyra_vx_dec(json_object_get(s, "tickSz"), "tickSz", &m->tick) < 0
	    || lyra_vx_dec(json_object_get(s, "lotSz"), "lotSz", &m->lot) < 0
	    || lyra_vx_dec(json_object_get(s, "minSz"), "minSz", &m->min_qty) < 0)
		return -1;
	if (swap) {
		if (lyra_vx_dec(json_object_get(s, "ctVal"), "ctVal", &m->contract) < 0
		    || lyra_dec_sign(m->contract) <= 0)
			return lyra_error(LYRA_EX_DATAERR, "'ctVal': not a contract size");
		if (mul(&m->lot, m->contract) < 0 || mul(&m->min_qty, m->contract) < 0)
			return -1;
	}
	const char *st = json_string_value(json_object_get(s, "state"));
	if (!st || strcmp(st, "live") != 0)
		strcpy(m->status, "halted");
	m->maker_fee = lyra_vx_const(swap ? SWAP_MAKER : SPOT_MAKER);
	m->taker_fee = lyra_vx_const(swap ? SWAP_TAKER : SPOT_TAKER);
	return 1;
}

static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	const char *what = "/api/v5/public/instruments";
	const json_t *data;
	json_t *root = load(what, body, len, &data);
	if (!root)
		return -1;
	size_t i;
	const json_t *s;
	json_array_foreach(data, i, s) {
		struct lyra_market m;
		int r = instrument(s, page == 1, &m);
		if (r < 0) {
			lyra_error_wrap("instrument %zu", i);
			lyra_vx_wrap(V, what);
			json_decref(root);
			return -1;
		}
		if (r && cb(ctx, &m) < 0) {
			json_decref(root);
			return -1;
		}
	}
	json_decref(root);
	return 0;
}

static int book_req(const struct lyra_market *m, int depth, struct lyra_venue_req *req)
{
	int sz = depth <= 0 || depth > 400 ? 400 : depth;
	return lyra_vx_req(req, 1, "/api/v5/market/books?instId=%s&sz=%d", m->venue_symbol, sz);
}

static int parse_book(const struct lyra_market *m, int depth, const char *body, size_t len,
                      int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/api/v5/market/books";
	const json_t *data;
	json_t *root = load(what, body, len, &data);
	if (!root)
		return -1;
	int rc = -1;
	int64_t ts;
	const json_t *b = json_array_get(data, 0);
	if (!json_is_object(b)) {
		lyra_error(LYRA_EX_DATAERR, "no book in 'data'");
		goto bad;
	}
	if (lyra_vx_time(json_object_get(b, "ts"), "ts", 1000, &ts) < 0)
		goto bad;
	json_t *rec = lyra_vx_book(m, ts, 0, lyra_vx_levels(json_object_get(b, "bids"), 0, 1, depth, m),
	                           lyra_vx_levels(json_object_get(b, "asks"), 0, 1, depth, m));
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
	return lyra_vx_req(req, 2, "/api/v5/market/ticker?instId=%s", m->venue_symbol);
}

static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/api/v5/market/ticker";
	const json_t *data;
	json_t *root = load(what, body, len, &data);
	if (!root)
		return -1;
	int rc = -1;
	int64_t ts;
	json_t *bq = NULL, *aq = NULL;
	const json_t *t = json_array_get(data, 0);
	if (!json_is_object(t)) {
		lyra_error(LYRA_EX_DATAERR, "no ticker in 'data'");
		goto bad;
	}
	if (lyra_vx_time(json_object_get(t, "ts"), "ts", 1000, &ts) < 0
	    || !(bq = lyra_vx_qty(json_object_get(t, "bidSz"), "bidSz", m, 0))
	    || !(aq = lyra_vx_qty(json_object_get(t, "askSz"), "askSz", m, 0)))
		goto bad;
	json_t *rec = lyra_vx_bbo(m, ts, json_object_get(t, "bidPx"), bq, json_object_get(t, "askPx"),
	                          aq);
	if (!rec)
		goto bad;
	rc = lyra_vx_emit(cb, ctx, rec);
	goto out;
bad:
	lyra_vx_wrap(V, what);
out:
	json_decref(bq);
	json_decref(aq);
	json_decref(root);
	return rc;
}

static int trades_req(const struct lyra_market *m, int limit, struct lyra_venue_req *req)
{
	if (limit <= 0 || limit > 500)
		limit = limit <= 0 ? 100 : 500;
	return lyra_vx_req(req, 1, "/api/v5/market/trades?instId=%s&limit=%d", m->venue_symbol,
	                   limit);
}

static int trade_ts(const json_t *t, int64_t *ts)
{
	return lyra_vx_time(json_object_get(t, "ts"), "ts", 1000, ts);
}

static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	const char *what = "/api/v5/market/trades";
	const json_t *data;
	json_t *root = load(what, body, len, &data);
	if (!root)
		return -1;
	int rc = -1;
	size_t n = json_array_size(data), i = 0;
	int64_t t0, t1;
	int back = n > 1 && trade_ts(json_array_get(data, 0), &t0) == 0
	           && trade_ts(json_array_get(data, n - 1), &t1) == 0 && lyra_vx_backwards(t0, t1);
	for (size_t k = 0; k < n; k++) {
		i = back ? n - 1 - k : k;
		const json_t *t = json_array_get(data, i);
		const char *side = json_string_value(json_object_get(t, "side"));
		int64_t ts;
		if (trade_ts(t, &ts) < 0)
			goto bad_row;
		if (!side || (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)) {
			lyra_error(LYRA_EX_DATAERR, "'side': not buy or sell");
			goto bad_row;
		}
		json_t *qty = lyra_vx_qty(json_object_get(t, "sz"), "sz", m, 0);
		if (!qty)
			goto bad_row;
		json_t *rec = lyra_vx_trade(m, ts, json_object_get(t, "tradeId"), side,
		                            json_object_get(t, "px"), qty);
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
	return lyra_vx_req(req, 2, "/api/v5/public/funding-rate?instId=%s", m->venue_symbol);
}

static int parse_funding(const struct lyra_market *m, const char *body, size_t len,
                         int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = "/api/v5/public/funding-rate";
	const json_t *data;
	json_t *root = load(what, body, len, &data);
	if (!root)
		return -1;
	int rc = -1;
	int64_t ts = now_us, next;
	const json_t *f = json_array_get(data, 0);
	if (!json_is_object(f)) {
		lyra_error(LYRA_EX_DATAERR, "no funding rate in 'data'");
		goto bad;
	}
	/* fundingRate is charged at fundingTime, the next settlement. */
	if ((json_object_get(f, "ts") && lyra_vx_time(json_object_get(f, "ts"), "ts", 1000, &ts) < 0)
	    || lyra_vx_time(json_object_get(f, "fundingTime"), "fundingTime", 1000, &next) < 0)
		goto bad;
	json_t *rec = lyra_vx_funding(m, ts, json_object_get(f, "fundingRate"), next);
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

/* history-candles pages with after (older than) and before (newer than), newest first, 100 at
 * most: ask for the window [start, start + 100 intervals) cut at end. */
static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	const char *bar = lyra_vx_interval(V, interval, bars);
	if (!bar)
		return -1;
	int64_t iv = lyra_interval_us(interval);
	int64_t stop = end_us;
	if (start_us <= end_us - 100 * iv)
		stop = start_us + 100 * iv;
	return lyra_vx_req(req, 2,
	                   "/api/v5/market/history-candles?instId=%s&bar=%s&after=%lld&before=%lld"
	                   "&limit=100",
	                   m->venue_symbol, bar, (long long)lyra_vx_ms(stop),
	                   (long long)(lyra_vx_ms(start_us) - 1));
}

static int candle_ts(const json_t *k, int64_t *ts)
{
	return lyra_vx_time(json_array_get(k, 0), "ts", 1000, ts);
}

static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	const char *what = "/api/v5/market/history-candles";
	const json_t *data;
	json_t *root = load(what, body, len, &data);
	if (!root)
		return -1;
	int rc = -1;
	size_t n = json_array_size(data), i = 0;
	int64_t t0, t1;
	int back = n > 1 && candle_ts(json_array_get(data, 0), &t0) == 0
	           && candle_ts(json_array_get(data, n - 1), &t1) == 0 && lyra_vx_backwards(t0, t1);
	/* Volume in the base currency: vol for spot, volCcy for swaps (vol counts contracts). */
	size_t vol = is_perp(m) ? 6 : 5;
	for (size_t k = 0; k < n; k++) {
		i = back ? n - 1 - k : k;
		const json_t *c = json_array_get(data, i);
		int64_t ts;
		if (!json_is_array(c) || json_array_size(c) <= vol) {
			lyra_error(LYRA_EX_DATAERR, "not a candle row");
			goto bad_row;
		}
		if (candle_ts(c, &ts) < 0)
			goto bad_row;
		const json_t *vals[5] = {json_array_get(c, 1), json_array_get(c, 2),
		                         json_array_get(c, 3), json_array_get(c, 4),
		                         json_array_get(c, vol)};
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

const struct lyra_venue lyra_venue_okx = {
	.id = V,
	.rest_url = "https://www.okx.com",
	.weight_per_minute = 1200,
	.intervals = intervals,
	.candles_page = 100,
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
