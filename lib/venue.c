/* venue.c: the venue registry and lookup, unified asset names, the interval table, market
 * records, and the helpers every adapter (venue_<id>.c) uses to read payloads exactly and to
 * build records. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "error.h"
#include "record.h"
#include "venue.h"
#include "venue_impl.h"

static const struct lyra_venue *const registry[] = {
	&lyra_venue_binance, &lyra_venue_okx,      &lyra_venue_coinbase, &lyra_venue_kraken,
	&lyra_venue_gateio,  &lyra_venue_bitfinex, &lyra_venue_bitstamp, &lyra_venue_gemini,
	NULL,
};

#define NVENUES ((int)(sizeof registry / sizeof registry[0]) - 1)

const struct lyra_venue *const *lyra_venues(void)
{
	return registry;
}

const struct lyra_venue *lyra_venue_find(const char *id)
{
	const char *ids[NVENUES];
	for (int i = 0; i < NVENUES; i++) {
		if (id && strcmp(registry[i]->id, id) == 0)
			return registry[i];
		ids[i] = registry[i]->id;
	}
	const char *near = id ? lyra_nearest(id, ids, NVENUES) : NULL;
	if (near)
		lyra_error(LYRA_EX_USAGE, "unknown venue '%s' (did you mean '%s'?)", id ? id : "",
		           near);
	else
		lyra_error(LYRA_EX_USAGE, "unknown venue '%s' (venues: binance okx coinbase kraken "
		           "gateio bitfinex bitstamp gemini)", id ? id : "");
	return NULL;
}

struct alias {
	const char *from, *to;
};

/* Kraken's legacy four-letter asset names (X for crypto, Z for fiat) and its own codes. */
static const struct alias kraken_assets[] = {
	{"XXBT", "BTC"}, {"XBT", "BTC"},   {"XXDG", "DOGE"}, {"XDG", "DOGE"},  {"XETH", "ETH"},
	{"XLTC", "LTC"}, {"XXRP", "XRP"},  {"XXLM", "XLM"},  {"XXMR", "XMR"},  {"XZEC", "ZEC"},
	{"XETC", "ETC"}, {"XMLN", "MLN"},  {"XREP", "REP"},  {"ZUSD", "USD"},  {"ZEUR", "EUR"},
	{"ZGBP", "GBP"}, {"ZCAD", "CAD"},  {"ZJPY", "JPY"},  {"ZAUD", "AUD"},  {"ZCHF", "CHF"},
	{NULL, NULL},
};

/* Bitfinex's three-letter codes (its pub:map:currency:sym), as ccxt maps them. */
static const struct alias bitfinex_assets[] = {
	{"UST", "USDT"},  {"UDC", "USDC"}, {"TSD", "TUSD"},  {"EUT", "EURT"},  {"EUS", "EURS"},
	{"DSH", "DASH"},  {"IOT", "IOTA"}, {"QTM", "QTUM"},  {"MNA", "MANA"},  {"DAT", "DATA"},
	{"STJ", "STORJ"}, {"ALG", "ALGO"}, {"AMP", "AMPL"},  {"ATO", "ATOM"},  {"SNG", "SNGLS"},
	{"XCH", "XCHF"},  {"WBT", "WBTC"}, {"YYW", "YOYOW"}, {"QSH", "QASH"},  {"PAS", "PASS"},
	{"EDO", "PNT"},   {"IQX", "IQ"},   {"VSY", "VSYS"},  {"RBT", "RBTC"},  {"DOG", "MDOGE"},
	{"IDX", "ID"},    {"WAX", "WAXP"}, {"BCHN", "BCH"},  {"BCHABC", "XEC"},
	{"TERRAUST", "USTC"}, {"LUNA", "LUNC"}, {"LUNA2", "LUNA"},
	{NULL, NULL},
};

static const char *alias_find(const struct alias *t, const char *name)
{
	for (; t->from; t++)
		if (strcmp(t->from, name) == 0)
			return t->to;
	return NULL;
}

void lyra_venue_asset(const char *venue, const char *asset, char *out, size_t n)
{
	char up[64];
	size_t i = 0;
	if (!n)
		return;
	for (; asset[i] && i + 1 < sizeof up; i++)
		up[i] = (char)toupper((unsigned char)asset[i]);
	up[i] = '\0';
	const char *to = NULL;
	if (strcmp(venue, "kraken") == 0) {
		to = alias_find(kraken_assets, up);
	} else if (strcmp(venue, "bitfinex") == 0) {
		/* Derivative collateral codes end in F0 ("BTCF0", "USTF0"). */
		if (i > 2 && up[i - 2] == 'F' && up[i - 1] == '0' && strcmp(up, "F0") != 0)
			up[i - 2] = '\0';
		to = alias_find(bitfinex_assets, up);
	}
	snprintf(out, n, "%s", to ? to : up);
}

static const struct {
	const char *name;
	int64_t us;
} intervals[] = {
	{"1m", 60 * LYRA_US_PER_SEC},         {"5m", 300 * LYRA_US_PER_SEC},
	{"15m", 900 * LYRA_US_PER_SEC},       {"1h", 3600 * LYRA_US_PER_SEC},
	{"4h", 4 * 3600 * LYRA_US_PER_SEC},   {"1d", 86400 * LYRA_US_PER_SEC},
};

int64_t lyra_interval_us(const char *interval)
{
	for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
		if (interval && strcmp(interval, intervals[i].name) == 0)
			return intervals[i].us;
	return -1;
}

json_t *lyra_venue_record(const char *type, int64_t ts, const struct lyra_market *m)
{
	json_t *rec = lyra_record_new(type, ts);
	if (!rec)
		return NULL;
	if (json_object_set_new(rec, "venue", json_string(m->venue)) < 0
	    || json_object_set_new(rec, "symbol", json_string(m->symbol)) < 0) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* A decimal string that can go into a record as sent: an optional '-', digits, and a point
 * only between digits ("0.00012300"); no exponent, no '+', no bare point. */
static int plain_text(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i == n || s[i] < '0' || s[i] > '9')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.') {
		i++;
		if (i == n)
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

json_t *lyra_vx_decstr(const json_t *v, const char *key, int abs)
{
	struct lyra_dec d;
	char buf[LYRA_DEC_STRLEN];
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (lyra_dec_parse(s, n, &d) < 0) {
			lyra_error(LYRA_EX_DATAERR, "'%s': bad decimal '%.40s'", key, s);
			return NULL;
		}
		if (plain_text(s, n)) {
			if (abs && s[0] == '-')
				return json_stringn(s + 1, n - 1);
			return json_incref((json_t *)v);
		}
	} else if (json_is_integer(v)) {
		d = lyra_dec_from_int((int64_t)json_integer_value(v));
	} else {
		lyra_error(LYRA_EX_DATAERR, "'%s': %s", key,
		           v ? "not a decimal" : "missing");
		return NULL;
	}
	if (abs && lyra_dec_abs(d, &d) < 0) {
		lyra_error(LYRA_EX_DATAERR, "'%s': decimal out of range", key);
		return NULL;
	}
	lyra_dec_format(d, buf);
	return json_string(buf);
}

int lyra_vx_dec(const json_t *v, const char *key, struct lyra_dec *out)
{
	if (json_is_string(v)) {
		if (lyra_dec_parse(json_string_value(v), json_string_length(v), out) < 0)
			return lyra_error(LYRA_EX_DATAERR, "'%s': bad decimal '%.40s'", key,
			                  json_string_value(v));
		return 0;
	}
	if (json_is_integer(v)) {
		*out = lyra_dec_from_int((int64_t)json_integer_value(v));
		return 0;
	}
	return lyra_error(LYRA_EX_DATAERR, "'%s': %s", key, v ? "not a decimal" : "missing");
}

int lyra_vx_set_dec(json_t *rec, const char *key, const json_t *v)
{
	json_t *s = lyra_vx_decstr(v, key, 0);
	if (!s)
		return -1;
	if (json_object_set_new(rec, key, s) < 0)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return 0;
}

static int digits_int64(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0;
	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n || n - i > 19)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int lyra_vx_int(const json_t *v, const char *key, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && digits_int64(json_string_value(v), json_string_length(v), out) == 0)
		return 0;
	return lyra_error(LYRA_EX_DATAERR, "'%s': %s", key, v ? "not an integer" : "missing");
}

int lyra_vx_time(const json_t *v, const char *key, int64_t unit_us, int64_t *us)
{
	if (json_is_integer(v)) {
		int64_t x = (int64_t)json_integer_value(v);
		if (x < 0 || x > INT64_MAX / unit_us)
			return lyra_error(LYRA_EX_DATAERR, "'%s': time out of range", key);
		*us = x * unit_us;
		return 0;
	}
	struct lyra_dec d;
	if (!json_is_string(v))
		return lyra_error(LYRA_EX_DATAERR, "'%s': %s", key, v ? "not a time" : "missing");
	if (lyra_dec_parse(json_string_value(v), json_string_length(v), &d) < 0 || d.mant < 0)
		return lyra_error(LYRA_EX_DATAERR, "'%s': bad time '%.40s'", key,
		                  json_string_value(v));
	static const int64_t pow10[LYRA_DEC_MAX_SCALE + 1] = {
		1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
		1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
		100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
		1000000000000000000LL};
	__int128 x = (__int128)d.mant * unit_us;
	if (d.scale > 0)
		x /= pow10[d.scale];
	if (x > INT64_MAX)
		return lyra_error(LYRA_EX_DATAERR, "'%s': time out of range", key);
	*us = (int64_t)x;
	return 0;
}

int lyra_vx_iso(const json_t *v, const char *key, int64_t *us)
{
	if (!json_is_string(v))
		return lyra_error(LYRA_EX_DATAERR, "'%s': %s", key, v ? "not a time" : "missing");
	if (lyra_time_parse(json_string_value(v), us) < 0 || *us < 0)
		return lyra_error(LYRA_EX_DATAERR, "'%s': bad time '%.40s'", key,
		                  json_string_value(v));
	return 0;
}

const char *lyra_vx_str(const json_t *v, const char *key)
{
	if (json_is_string(v))
		return json_string_value(v);
	lyra_error(LYRA_EX_DATAERR, "'%s': %s", key, v ? "not a string" : "missing");
	return NULL;
}

int lyra_vx_copy(const json_t *v, const char *key, char *buf, size_t n)
{
	const char *s = lyra_vx_str(v, key);
	if (!s)
		return -1;
	size_t len = json_string_length(v);
	if (len == 0 || len >= n || memchr(s, '\0', len))
		return lyra_error(LYRA_EX_DATAERR, "'%s': bad name '%.40s'", key, s);
	memcpy(buf, s, len + 1);
	return 0;
}

int lyra_vx_set_id(json_t *rec, const char *key, const json_t *v)
{
	json_t *s;
	if (json_is_string(v)) {
		s = json_incref((json_t *)v);
	} else if (json_is_integer(v)) {
		char buf[24], *p = buf + sizeof buf;
		json_int_t x = json_integer_value(v);
		uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (x < 0)
			*--p = '-';
		s = json_stringn(p, (size_t)(buf + sizeof buf - p));
	} else {
		return lyra_error(LYRA_EX_DATAERR, "'%s': %s", key, v ? "not an id" : "missing");
	}
	if (!s || json_object_set_new(rec, key, s) < 0)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return 0;
}

int lyra_vx_pow10(const json_t *v, const char *key, struct lyra_dec *out)
{
	int64_t digits;
	if (lyra_vx_int(v, key, &digits) < 0)
		return -1;
	if (digits < 0 || digits > LYRA_DEC_MAX_SCALE)
		return lyra_error(LYRA_EX_DATAERR, "'%s': precision %" PRId64 " out of range", key,
		                  digits);
	out->mant = 1;
	out->scale = (int)digits;
	return 0;
}

int lyra_vx_pct(const json_t *v, const char *key, struct lyra_dec *out)
{
	struct lyra_dec d;
	if (lyra_vx_dec(v, key, &d) < 0)
		return -1;
	if (d.scale + 2 > LYRA_DEC_MAX_SCALE)
		return lyra_error(LYRA_EX_DATAERR, "'%s': percentage out of range", key);
	d.scale += 2;
	*out = d;
	return 0;
}

struct lyra_dec lyra_vx_const(const char *text)
{
	struct lyra_dec d;
	if (lyra_dec_parse_cstr(text, &d) < 0)
		abort();
	return d;
}

static int fits(char *dst, size_t n, const char *src)
{
	int w = snprintf(dst, n, "%s", src);
	return w >= 0 && (size_t)w < n ? 0 : -1;
}

int lyra_vx_market(struct lyra_market *m, const char *venue, const char *venue_symbol,
                   const char *base, const char *quote, const char *settle)
{
	memset(m, 0, sizeof *m);
	if (fits(m->venue, sizeof m->venue, venue) < 0
	    || fits(m->venue_symbol, sizeof m->venue_symbol, venue_symbol) < 0)
		return lyra_error(LYRA_EX_DATAERR, "venue symbol '%.40s' too long", venue_symbol);
	lyra_venue_asset(venue, base, m->base, sizeof m->base);
	lyra_venue_asset(venue, quote, m->quote, sizeof m->quote);
	if (settle && *settle)
		lyra_venue_asset(venue, settle, m->settle, sizeof m->settle);
	if (!m->base[0] || !m->quote[0] || strlen(base) >= sizeof m->base
	    || strlen(quote) >= sizeof m->quote || (settle && strlen(settle) >= sizeof m->settle))
		return lyra_error(LYRA_EX_DATAERR, "'%.40s': bad asset names", venue_symbol);
	int w = m->settle[0]
	        ? snprintf(m->symbol, sizeof m->symbol, "%s/%s:%s", m->base, m->quote, m->settle)
	        : snprintf(m->symbol, sizeof m->symbol, "%s/%s", m->base, m->quote);
	if (w < 0 || (size_t)w >= sizeof m->symbol)
		return lyra_error(LYRA_EX_DATAERR, "'%.40s': symbol too long", venue_symbol);
	snprintf(m->instrument, sizeof m->instrument, "%s", m->settle[0] ? "perpetual" : "spot");
	snprintf(m->status, sizeof m->status, "trading");
	m->tick = m->lot = m->min_qty = m->min_notional = lyra_dec_zero();
	m->maker_fee = m->taker_fee = lyra_dec_zero();
	return 0;
}

int lyra_vx_req(struct lyra_venue_req *req, int weight, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(req->path_query, sizeof req->path_query, fmt, ap);
	va_end(ap);
	req->weight = weight;
	req->alt = 0;
	if (w < 0 || (size_t)w >= sizeof req->path_query)
		return lyra_error(LYRA_EX_USAGE, "request path too long");
	return 0;
}

const char *lyra_vx_interval(const char *venue, const char *interval, const char *const table[6])
{
	for (size_t i = 0; i < 6; i++)
		if (interval && strcmp(interval, intervals[i].name) == 0 && table[i])
			return table[i];
	lyra_error(LYRA_EX_USAGE, "%s: interval '%s' not served", venue, interval ? interval : "");
	return NULL;
}

int64_t lyra_vx_ms(int64_t us)
{
	return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

int64_t lyra_vx_sec(int64_t us)
{
	return us >= 0 ? us / LYRA_US_PER_SEC : -((-us + LYRA_US_PER_SEC - 1) / LYRA_US_PER_SEC);
}

int lyra_vx_fail(const char *venue, const char *what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return lyra_error(LYRA_EX_DATAERR, "%s: %s: %s", venue, what, msg);
}

int lyra_vx_wrap(const char *venue, const char *what)
{
	return lyra_error_wrap("%s: %s", venue, what);
}

int lyra_vx_venue_error(const char *venue, const char *what, const char *msg, const char *code)
{
	if (code && *code)
		return lyra_error(LYRA_EX_DATAERR, "%s: %s: %.300s (code %.40s)", venue, what,
		                  msg && *msg ? msg : "error", code);
	return lyra_error(LYRA_EX_DATAERR, "%s: %s: %.300s", venue, what,
	                  msg && *msg ? msg : "error");
}

json_t *lyra_vx_load(const char *venue, const char *what, const char *body, size_t len)
{
	char why[160];
	json_t *v = body ? lyra_json_loads_exact(body, len, why, sizeof why) : NULL;
	if (!v)
		lyra_vx_fail(venue, what, "malformed JSON: %s", body ? why : "no body");
	return v;
}

int lyra_vx_emit(lyra_record_cb cb, void *ctx, json_t *rec)
{
	if (!rec)
		return -1;
	return cb(ctx, rec) < 0 ? -1 : 0;
}

int lyra_vx_backwards(int64_t first_ts, int64_t last_ts)
{
	return first_ts > last_ts;
}

json_t *lyra_vx_qty(const json_t *v, const char *key, const struct lyra_market *m, int abs)
{
	if (!m || lyra_dec_is_zero(m->contract))
		return lyra_vx_decstr(v, key, abs);
	struct lyra_dec d;
	char buf[LYRA_DEC_STRLEN];
	if (lyra_vx_dec(v, key, &d) < 0)
		return NULL;
	if ((abs && lyra_dec_abs(d, &d) < 0) || lyra_dec_mul_exact(d, m->contract, &d) < 0) {
		lyra_error(LYRA_EX_DATAERR, "'%s': contracts out of range", key);
		return NULL;
	}
	lyra_dec_format(lyra_dec_normalize(d), buf);
	return json_string(buf);
}

json_t *lyra_vx_levels(const json_t *rows, size_t px_index, size_t qty_index, int depth,
                       const struct lyra_market *m)
{
	int mul = m && !lyra_dec_is_zero(m->contract);
	if (!json_is_array(rows)) {
		lyra_error(LYRA_EX_DATAERR, "levels: %s", rows ? "not an array" : "missing");
		return NULL;
	}
	size_t n = json_array_size(rows);
	if (depth > 0 && (size_t)depth < n)
		n = (size_t)depth;
	json_t *out = json_array();
	if (!out) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *row = json_array_get(rows, i);
		if (!json_is_array(row) || json_array_size(row) <= px_index
		    || json_array_size(row) <= qty_index) {
			lyra_error(LYRA_EX_DATAERR, "level %zu: not a [price, quantity] row", i);
			goto fail;
		}
		json_t *px = lyra_vx_decstr(json_array_get(row, px_index), "price", 0);
		json_t *qty = px ? lyra_vx_qty(json_array_get(row, qty_index), "quantity",
		                               mul ? m : NULL, 0)
		                 : NULL;
		if (!qty) {
			json_decref(px);
			lyra_error_wrap("level %zu", i);
			goto fail;
		}
		json_t *lvl;
		if (px_index == 0 && qty_index == 1 && json_array_size(row) == 2
		    && px == json_array_get(row, 0) && qty == json_array_get(row, 1)) {
			/* [px, qty] of plain strings: share the row itself. */
			json_decref(px);
			json_decref(qty);
			lvl = json_incref(row);
		} else {
			lvl = json_array();
			if (!lvl || json_array_append_new(lvl, px) < 0
			    || json_array_append_new(lvl, qty) < 0) {
				json_decref(lvl);
				lyra_error(LYRA_EX_SOFTWARE, "out of memory");
				goto fail;
			}
		}
		if (json_array_append_new(out, lvl) < 0) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			goto fail;
		}
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

json_t *lyra_venue_levels(const json_t *rows, size_t px_index, size_t qty_index, int depth)
{
	return lyra_vx_levels(rows, px_index, qty_index, depth, NULL);
}

static int set_new(json_t *rec, const char *key, json_t *v)
{
	if (!v || json_object_set_new(rec, key, v) < 0)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return 0;
}

static json_t *oom(json_t *rec)
{
	json_decref(rec);
	lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return NULL;
}

json_t *lyra_vx_book(const struct lyra_market *m, int64_t ts, int64_t seq, json_t *bids,
                     json_t *asks)
{
	if (!bids || !asks) {
		json_decref(bids);
		json_decref(asks);
		return NULL;
	}
	json_t *rec = lyra_venue_record("book", ts, m);
	if (!rec || set_new(rec, "seq", json_integer(seq)) < 0) {
		json_decref(bids);
		json_decref(asks);
		return oom(rec);
	}
	if (set_new(rec, "bids", bids) < 0) {
		json_decref(asks);
		return oom(rec);
	}
	if (set_new(rec, "asks", asks) < 0)
		return oom(rec);
	return rec;
}

json_t *lyra_vx_bbo(const struct lyra_market *m, int64_t ts, const json_t *bid_px,
                    const json_t *bid_qty, const json_t *ask_px, const json_t *ask_qty)
{
	json_t *rec = lyra_venue_record("bbo", ts, m);
	if (!rec)
		return oom(rec);
	if (lyra_vx_set_dec(rec, "bid_px", bid_px) < 0 || lyra_vx_set_dec(rec, "bid_qty", bid_qty) < 0
	    || lyra_vx_set_dec(rec, "ask_px", ask_px) < 0
	    || lyra_vx_set_dec(rec, "ask_qty", ask_qty) < 0) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

json_t *lyra_vx_trade(const struct lyra_market *m, int64_t ts, const json_t *id,
                      const char *side, const json_t *px, const json_t *qty)
{
	json_t *rec = lyra_venue_record("trade", ts, m);
	if (!rec)
		return oom(rec);
	if (lyra_vx_set_id(rec, "id", id) < 0 || set_new(rec, "side", json_string(side)) < 0
	    || lyra_vx_set_dec(rec, "px", px) < 0 || lyra_vx_set_dec(rec, "qty", qty) < 0) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

json_t *lyra_vx_candle(const struct lyra_market *m, const char *interval, int64_t ts,
                       const json_t *const vals[5])
{
	static const char *const keys[5] = {"open", "high", "low", "close", "volume"};
	json_t *rec = lyra_venue_record("candle", ts, m);
	if (!rec || set_new(rec, "interval", json_string(interval)) < 0)
		return oom(rec);
	for (int i = 0; i < 5; i++) {
		if (lyra_vx_set_dec(rec, keys[i], vals[i]) < 0) {
			json_decref(rec);
			return NULL;
		}
	}
	return rec;
}

json_t *lyra_vx_funding(const struct lyra_market *m, int64_t ts, const json_t *rate,
                        int64_t next_ts)
{
	json_t *rec = lyra_venue_record("funding", ts, m);
	if (!rec)
		return oom(rec);
	if (lyra_vx_set_dec(rec, "rate", rate) < 0) {
		json_decref(rec);
		return NULL;
	}
	if (set_new(rec, "next_ts", json_integer(next_ts)) < 0)
		return oom(rec);
	return rec;
}

json_t *lyra_market_record(const struct lyra_market *m, int64_t ts)
{
	json_t *rec = lyra_venue_record("market", ts, m);
	if (!rec)
		return NULL;
	int bad = json_object_set_new(rec, "venue_symbol", json_string(m->venue_symbol)) < 0
	          || json_object_set_new(rec, "base", json_string(m->base)) < 0
	          || json_object_set_new(rec, "quote", json_string(m->quote)) < 0
	          || (m->settle[0]
	              && json_object_set_new(rec, "settle", json_string(m->settle)) < 0)
	          || json_object_set_new(rec, "instrument", json_string(m->instrument)) < 0
	          || lyra_json_set_dec(rec, "tick", m->tick) < 0
	          || lyra_json_set_dec(rec, "lot", m->lot) < 0
	          || lyra_json_set_dec(rec, "min_qty", m->min_qty) < 0
	          || lyra_json_set_dec(rec, "min_notional", m->min_notional) < 0
	          || lyra_json_set_dec(rec, "maker_fee", m->maker_fee) < 0
	          || lyra_json_set_dec(rec, "taker_fee", m->taker_fee) < 0
	          || json_object_set_new(rec, "status", json_string(m->status)) < 0
	          || (!lyra_dec_is_zero(m->contract)
	              && lyra_json_set_dec(rec, "contract", m->contract) < 0);
	if (bad) {
		json_decref(rec);
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	return rec;
}

static int get_name(const json_t *rec, const char *key, char *buf, size_t n, int optional)
{
	const json_t *v = json_object_get(rec, key);
	if (!v && optional) {
		buf[0] = '\0';
		return 0;
	}
	if (lyra_vx_copy(v, key, buf, n) < 0)
		return lyra_error_wrap("market");
	return 0;
}

int lyra_market_from_record(const json_t *rec, struct lyra_market *m)
{
	memset(m, 0, sizeof *m);
	if (get_name(rec, "venue", m->venue, sizeof m->venue, 0) < 0
	    || get_name(rec, "symbol", m->symbol, sizeof m->symbol, 0) < 0
	    || get_name(rec, "venue_symbol", m->venue_symbol, sizeof m->venue_symbol, 0) < 0
	    || get_name(rec, "base", m->base, sizeof m->base, 0) < 0
	    || get_name(rec, "quote", m->quote, sizeof m->quote, 0) < 0
	    || get_name(rec, "settle", m->settle, sizeof m->settle, 1) < 0
	    || get_name(rec, "instrument", m->instrument, sizeof m->instrument, 0) < 0
	    || get_name(rec, "status", m->status, sizeof m->status, 0) < 0)
		return -1;
	if (lyra_json_get_dec(rec, "tick", &m->tick) < 0 || lyra_json_get_dec(rec, "lot", &m->lot) < 0
	    || lyra_json_get_dec(rec, "min_qty", &m->min_qty) < 0
	    || lyra_json_get_dec(rec, "min_notional", &m->min_notional) < 0
	    || lyra_json_get_dec(rec, "maker_fee", &m->maker_fee) < 0
	    || lyra_json_get_dec(rec, "taker_fee", &m->taker_fee) < 0
	    || lyra_json_opt_dec(rec, "contract", &m->contract) < 0)
		return lyra_error_wrap("market");
	return 0;
}
