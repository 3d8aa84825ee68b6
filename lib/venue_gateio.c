/* venue_gateio.c: Gate APIv4 public REST (https://api.gateio.ws/api/v4): spot currency_pairs,
 * order_book (with_id), tickers, trades, candlesticks, and the USDT-settled perpetuals under
 * /futures/usdt (contracts, with their funding rate). Futures sizes count contracts of
 * quanto_multiplier base units: rules and records are converted to base units. */
#include <string.h>

#include "clock.h"
#include "error.h"
#include "venue_impl.h"

#define V "gateio"

static const char *const intervals[] = {"1m", "5m", "15m", "1h", "4h", "1d", NULL};
static const char *const gate_iv[6] = {"1m", "5m", "15m", "1h", "4h", "1d"};

static int is_perp(const struct lyra_market *m)
{
	return strcmp(m->instrument, "perpetual") == 0;
}

/* Errors: {"label":"INVALID_CURRENCY_PAIR","message":"..."}. */
static json_t *load(const char *what, const char *body, size_t len)
{
	json_t *v = lyra_vx_load(V, what, body, len);
	if (v && json_is_object(v) && json_is_string(json_object_get(v, "label"))) {
		const json_t *msg = json_object_get(v, "message");
		if (!json_is_string(msg))
			msg = json_object_get(v, "detail");
		lyra_vx_venue_error(V, what, json_string_value(msg),
		                    json_string_value(json_object_get(v, "label")));
		json_decref(v);
		return NULL;
	}
	return v;
}

static int markets_req(int page, struct lyra_venue_req *req)
{
	if (page > 1)
		return 0;
	return lyra_vx_req(req, 1, "%s", page == 0 ? "/spot/currency_pairs" : "/futures/usdt/contracts")
	               < 0
	       ? -1
	       : 1;
}

static int spot_pair(const json_t *p, struct lyra_market *m)
{
	char id[LYRA_SYM_MAX], base[24], quote[24];
	const json_t *mb = json_object_get(p, "min_base_amount");
	const json_t *mq = json_object_get(p, "min_quote_amount");
	if (lyra_vx_copy(json_object_get(p, "id"), "id", id, sizeof id) < 0
	    || lyra_vx_copy(json_object_get(p, "base"), "base", base, sizeof base) < 0
	    || lyra_vx_copy(json_object_get(p, "quote"), "quote", quote, sizeof quote) < 0
	    || lyra_vx_market(m, V, id, base, quote, NULL) < 0
	    || lyra_vx_pow10(json_object_get(p, "precision"), "precision", &m->tick) < 0
	    || lyra_vx_pow10(json_object_get(p, "amount_precision"), "amount_precision", &m->lot) < 0
	    || (mb && lyra_vx_dec(mb, "min_base_amount", &m->min_qty) < 0)
	    || (mq && lyra_vx_dec(mq, "min_quote_amount", &m->min_notional) < 0)
	    || lyra_vx_pct(json_object_get(p, "fee"), "fee", &m->taker_fee) < 0)
		return -1;
	/* The pair's one published fee (VIP 0) applies to makers and takers alike. */
	m->maker_fee = m->taker_fee;
	const char *st = json_string_value(json_object_get(p, "trade_status"));
	if (!st || strcmp(st, "tradable") != 0)
		strcpy(m->status, "halted");
	return 0;
}

static int contract(const json_t *c, struct lyra_market *m)
{
	char name[LYRA_SYM_MAX];
	int64_t min_size;
	if (lyra_vx_copy(json_object_get(c, "name"), "name", name, sizeof name) < 0)
		return -1;
	char *us = strchr(name, '_');
	if (!us || us == name || !us[1])
		return lyra_error(LYRA_EX_DATAERR, "'name': bad contract '%s'", name);
	*us = '\0';
	int r = lyra_vx_market(m, V, "", name, us + 1, "USDT");
	*us = '_';
	if (r < 0)
		return -1;
	strcpy(m->venue_symbol, name);
	if (lyra_vx_dec(json_object_get(c, "quanto_multiplier"), "quanto_multiplier", &m->contract) < 0
	    || lyra_vx_dec(json_object_get(c, "order_price_round"), "order_price_round", &m->tick) < 0
	    || lyra_vx_int(json_object_get(c, "order_size_min"), "order_size_min", &min_size) < 0
	    || lyra_vx_dec(json_object_get(c, "maker_fee_rate"), "maker_fee_rate", &m->maker_fee) < 0
	    || lyra_vx_dec(json_object_get(c, "taker_fee_rate"), "taker_fee_rate", &m->taker_fee) < 0)
		return -1;
	if (lyra_dec_sign(m->contract) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "'quanto_multiplier': not a contract size");
	m->lot = m->contract;
	if (lyra_dec_mul_exact(lyra_dec_from_int(min_size), m->contract, &m->min_qty) < 0)
		return lyra_error(LYRA_EX_DATAERR, "'order_size_min': out of range");
	const char *st = json_string_value(json_object_get(c, "status"));
	if (json_is_true(json_object_get(c, "in_delisting")) || (st && strcmp(st, "trading") != 0))
		strcpy(m->status, "halted");
	return 0;
}

static int parse_markets(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx)
{
	const char *what = page == 0 ? "/spot/currency_pairs" : "/futures/usdt/contracts";
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
		if ((page == 0 ? spot_pair(p, &m) : contract(p, &m)) < 0) {
			lyra_error_wrap("%s %zu", page == 0 ? "pair" : "contract", i);
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
	int limit = depth <= 0 || depth > 100 ? 100 : depth;
	if (is_perp(m))
		return lyra_vx_req(req, 1, "/futures/usdt/order_book?contract=%s&limit=%d&with_id=true",
		                   m->venue_symbol, limit);
	return lyra_vx_req(req, 1, "/spot/order_book?currency_pair=%s&limit=%d&with_id=true",
	                   m->venue_symbol, limit);
}

/* Futures levels are objects {"p":"price","s":contracts}. */
static json_t *object_levels(const json_t *rows, int depth, const struct lyra_market *m)
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
		json_t *px = lyra_vx_decstr(json_object_get(r, "p"), "p", 0);
		json_t *qty = px ? lyra_vx_qty(json_object_get(r, "s"), "s", m, 0) : NULL;
		json_t *lvl = qty ? json_pack("[oo]", px, qty) : NULL;
		if (!lvl || json_array_append_new(out, lvl) < 0) {
			if (!qty)
				json_decref(px);
			lyra_error_wrap("level %zu", i);
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int parse_book(const struct lyra_market *m, int depth, const char *body, size_t len,
                      int64_t now_us, lyra_record_cb cb, void *ctx)
{
	int perp = is_perp(m);
	const char *what = perp ? "/futures/usdt/order_book" : "/spot/order_book";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	int64_t seq, ts = now_us;
	/* current (absent from older answers): milliseconds on spot, seconds with a fraction on
	 * futures. */
	if (lyra_vx_int(json_object_get(root, "id"), "id", &seq) < 0
	    || (json_object_get(root, "current")
	        && lyra_vx_time(json_object_get(root, "current"), "current",
	                        perp ? LYRA_US_PER_SEC : 1000, &ts) < 0))
		goto bad;
	const json_t *b = json_object_get(root, "bids"), *a = json_object_get(root, "asks");
	json_t *rec = perp ? lyra_vx_book(m, ts, seq, object_levels(b, depth, m),
	                                  object_levels(a, depth, m))
	                   : lyra_vx_book(m, ts, seq, lyra_venue_levels(b, 0, 1, depth),
	                                  lyra_venue_levels(a, 0, 1, depth));
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
	if (is_perp(m))
		return lyra_vx_req(req, 1, "/futures/usdt/tickers?contract=%s", m->venue_symbol);
	return lyra_vx_req(req, 1, "/spot/tickers?currency_pair=%s", m->venue_symbol);
}

/* [{"highest_bid","highest_size","lowest_ask","lowest_size",...}]; no time. */
static int parse_bbo(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
                     lyra_record_cb cb, void *ctx)
{
	const char *what = is_perp(m) ? "/futures/usdt/tickers" : "/spot/tickers";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	json_t *bq = NULL, *aq = NULL;
	const json_t *t = json_array_get(root, 0);
	if (!json_is_object(t)) {
		lyra_error(LYRA_EX_DATAERR, "no ticker");
		goto bad;
	}
	if (!(bq = lyra_vx_qty(json_object_get(t, "highest_size"), "highest_size", m, 0))
	    || !(aq = lyra_vx_qty(json_object_get(t, "lowest_size"), "lowest_size", m, 0)))
		goto bad;
	json_t *rec = lyra_vx_bbo(m, now_us, json_object_get(t, "highest_bid"), bq,
	                          json_object_get(t, "lowest_ask"), aq);
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
	if (limit <= 0 || limit > 1000)
		limit = limit <= 0 ? 100 : 1000;
	if (is_perp(m))
		return lyra_vx_req(req, 1, "/futures/usdt/trades?contract=%s&limit=%d",
		                   m->venue_symbol, limit);
	return lyra_vx_req(req, 1, "/spot/trades?currency_pair=%s&limit=%d", m->venue_symbol,
	                   limit);
}

/* create_time_ms: milliseconds with a fraction ("1710327648162.035000"). */
static int trade_ts(const json_t *t, int64_t *ts)
{
	return lyra_vx_time(json_object_get(t, "create_time_ms"), "create_time_ms", 1000, ts);
}

static int parse_trades(const struct lyra_market *m, const char *body, size_t len,
                        int64_t now_us, lyra_record_cb cb, void *ctx)
{
	(void)now_us;
	int perp = is_perp(m);
	const char *what = perp ? "/futures/usdt/trades" : "/spot/trades";
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
		int64_t ts;
		const char *side;
		json_t *qty;
		if (trade_ts(t, &ts) < 0)
			goto bad_row;
		if (perp) {
			/* size is signed: positive when the taker bought. */
			struct lyra_dec s;
			if (lyra_vx_dec(json_object_get(t, "size"), "size", &s) < 0)
				goto bad_row;
			side = lyra_dec_sign(s) < 0 ? "sell" : "buy";
			qty = lyra_vx_qty(json_object_get(t, "size"), "size", m, 1);
		} else {
			side = json_string_value(json_object_get(t, "side"));
			if (!side || (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)) {
				lyra_error(LYRA_EX_DATAERR, "'side': not buy or sell");
				goto bad_row;
			}
			qty = lyra_vx_qty(json_object_get(t, "amount"), "amount", m, 0);
		}
		if (!qty)
			goto bad_row;
		json_t *rec = lyra_vx_trade(m, ts, json_object_get(t, "id"), side,
		                            json_object_get(t, "price"), qty);
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
	return lyra_vx_req(req, 1, "/futures/usdt/contracts/%s", m->venue_symbol);
}

static int parse_funding(const struct lyra_market *m, const char *body, size_t len,
                         int64_t now_us, lyra_record_cb cb, void *ctx)
{
	const char *what = "/futures/usdt/contracts/{contract}";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	int64_t next;
	if (!json_is_object(root)) {
		lyra_error(LYRA_EX_DATAERR, "not an object");
		goto bad;
	}
	if (lyra_vx_time(json_object_get(root, "funding_next_apply"), "funding_next_apply",
	                 LYRA_US_PER_SEC, &next) < 0)
		goto bad;
	json_t *rec = lyra_vx_funding(m, now_us, json_object_get(root, "funding_rate"), next);
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

/* from and to are inclusive seconds; at most 1000 points a query. */
static int candles_req(const struct lyra_market *m, const char *interval, int64_t start_us,
                       int64_t end_us, struct lyra_venue_req *req)
{
	const char *iv = lyra_vx_interval(V, interval, gate_iv);
	if (!iv)
		return -1;
	int64_t step = lyra_interval_us(interval) / LYRA_US_PER_SEC;
	int64_t from = lyra_vx_sec(start_us), to = lyra_vx_sec(end_us - 1);
	if (to > from + 999 * step)
		to = from + 999 * step;
	if (is_perp(m))
		return lyra_vx_req(req, 1,
		                   "/futures/usdt/candlesticks?contract=%s&interval=%s&from=%lld&to=%lld",
		                   m->venue_symbol, iv, (long long)from, (long long)to);
	return lyra_vx_req(req, 1, "/spot/candlesticks?currency_pair=%s&interval=%s&from=%lld&to=%lld",
	                   m->venue_symbol, iv, (long long)from, (long long)to);
}

/* Spot rows [t, quote volume, close, high, low, open, base volume, closed]; futures objects
 * {t, v (contracts), c, h, l, o, sum}. Oldest first. */
static int parse_candles(const struct lyra_market *m, const char *interval, const char *body,
                         size_t len, lyra_record_cb cb, void *ctx)
{
	int perp = is_perp(m);
	const char *what = perp ? "/futures/usdt/candlesticks" : "/spot/candlesticks";
	json_t *root = load(what, body, len);
	if (!root)
		return -1;
	int rc = -1;
	size_t i = 0;
	const json_t *c;
	if (!json_is_array(root)) {
		lyra_error(LYRA_EX_DATAERR, "not an array");
		goto bad;
	}
	json_array_foreach(root, i, c) {
		int64_t ts;
		json_t *vol = NULL;
		const json_t *vals[5];
		if (perp) {
			if (!json_is_object(c)) {
				lyra_error(LYRA_EX_DATAERR, "not a candle");
				goto bad_row;
			}
			if (lyra_vx_time(json_object_get(c, "t"), "t", LYRA_US_PER_SEC, &ts) < 0
			    || !(vol = lyra_vx_qty(json_object_get(c, "v"), "v", m, 0)))
				goto bad_row;
			vals[0] = json_object_get(c, "o");
			vals[1] = json_object_get(c, "h");
			vals[2] = json_object_get(c, "l");
			vals[3] = json_object_get(c, "c");
			vals[4] = vol;
		} else {
			if (json_array_size(c) < 7) {
				lyra_error(LYRA_EX_DATAERR, "not a candle row");
				goto bad_row;
			}
			if (lyra_vx_time(json_array_get(c, 0), "t", LYRA_US_PER_SEC, &ts) < 0)
				goto bad_row;
			vals[0] = json_array_get(c, 5);
			vals[1] = json_array_get(c, 3);
			vals[2] = json_array_get(c, 4);
			vals[3] = json_array_get(c, 2);
			vals[4] = json_array_get(c, 6);
		}
		json_t *rec = lyra_vx_candle(m, interval, ts, vals);
		json_decref(vol);
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

const struct lyra_venue lyra_venue_gateio = {
	.id = V,
	.rest_url = "https://api.gateio.ws/api/v4",
	.weight_per_minute = 1200,
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
};
