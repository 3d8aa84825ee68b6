/* test_venues.c: the eight venue adapters on recorded payloads (tests/fixtures/venues): markets
 * with both symbol directions, books, bbo, trades, candles and funding with decimals exactly as
 * sent, compared with ccxt's parsed results where a fixture carries them; request paths and
 * weights; venue error payloads; malformed bodies; the registry and the helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "record.h"
#include "unit.h"
#include "venue.h"

#define NOW 1700000000000000LL

static const char *fixdir = "tests/fixtures/venues";

static char *slurp(const char *venue, const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s/%s", fixdir, venue, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("# cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

/* ---- collecting parser output ---- */

struct coll {
	json_t *recs;
	int stop_after;   /* -1: never */
};

static int rec_cb(void *ctx, json_t *rec)
{
	struct coll *c = ctx;
	if (c->stop_after >= 0 && (int)json_array_size(c->recs) >= c->stop_after) {
		json_decref(rec);
		lyra_error(LYRA_EX_SOFTWARE, "stopped by the test");
		return -1;
	}
	json_array_append_new(c->recs, rec);
	return 0;
}

struct mcoll {
	struct lyra_market *v;
	size_t n, cap;
};

static int mkt_cb(void *ctx, const struct lyra_market *m)
{
	struct mcoll *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = realloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n++] = *m;
	return 0;
}

enum kind { BOOK, BBO, TRADES, CANDLES, FUNDING };

/* Parse a body; the records as a NEW array, or NULL when the parser failed (error.h set). */
static json_t *parse_body(const struct lyra_venue *v, enum kind k, const struct lyra_market *m,
                          const char *body, size_t len, int depth, const char *interval)
{
	struct coll c = {json_array(), -1};
	int rc = -1;
	lyra_error_clear();
	switch (k) {
	case BOOK: rc = v->parse_book(m, depth, body, len, NOW, rec_cb, &c); break;
	case BBO: rc = v->parse_bbo(m, body, len, NOW, rec_cb, &c); break;
	case TRADES: rc = v->parse_trades(m, body, len, NOW, rec_cb, &c); break;
	case CANDLES: rc = v->parse_candles(m, interval, body, len, rec_cb, &c); break;
	case FUNDING: rc = v->parse_funding(m, body, len, NOW, rec_cb, &c); break;
	}
	if (rc < 0) {
		json_decref(c.recs);
		return NULL;
	}
	return c.recs;
}

static json_t *parse_file(const struct lyra_venue *v, enum kind k, const struct lyra_market *m,
                          const char *file, int depth, const char *interval)
{
	size_t len;
	char *body = slurp(v->id, file, &len);
	if (!body)
		return NULL;
	json_t *r = parse_body(v, k, m, body, len, depth, interval);
	if (!r)
		printf("# %s %s: %s\n", v->id, file, lyra_error_msg());
	free(body);
	return r;
}

static size_t parse_markets(const struct lyra_venue *v, int page, const char *file,
                            struct mcoll *out)
{
	size_t len;
	memset(out, 0, sizeof *out);
	char *body = slurp(v->id, file, &len);
	if (!body)
		return 0;
	if (v->parse_markets(page, body, len, mkt_cb, out) < 0)
		printf("# %s %s: %s\n", v->id, file, lyra_error_msg());
	free(body);
	return out->n;
}

static const struct lyra_market *find_market(const struct mcoll *c, const char *venue_symbol)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].venue_symbol, venue_symbol) == 0)
			return &c->v[i];
	return NULL;
}

static struct lyra_market mk(const char *venue, const char *symbol, const char *vsym,
                             const char *instrument, const char *contract)
{
	struct lyra_market m;
	memset(&m, 0, sizeof m);
	snprintf(m.venue, sizeof m.venue, "%s", venue);
	snprintf(m.symbol, sizeof m.symbol, "%s", symbol);
	snprintf(m.venue_symbol, sizeof m.venue_symbol, "%s", vsym);
	snprintf(m.instrument, sizeof m.instrument, "%s", instrument);
	snprintf(m.status, sizeof m.status, "trading");
	if (contract)
		lyra_dec_parse_cstr(contract, &m.contract);
	return m;
}

/* ---- field access ---- */

static const char *S(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static long long I(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -999;
}

static const char *L(const json_t *rec, const char *side, size_t i, size_t j)
{
	const json_t *v = json_array_get(json_array_get(json_object_get(rec, side), i), j);
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

static const char *D(struct lyra_dec d)
{
	static char buf[4][LYRA_DEC_STRLEN];
	static int k;
	k = (k + 1) % 4;
	lyra_dec_format(d, buf[k]);
	return buf[k];
}

/* Exact decimal equality of a record value and a value of ccxt's (a JS double written out). */
static int dec_same(const json_t *ours, const json_t *theirs)
{
	struct lyra_dec a, b;
	if (!json_is_string(ours))
		return 0;
	if (lyra_dec_parse(json_string_value(ours), json_string_length(ours), &a) < 0)
		return 0;
	if (json_is_integer(theirs))
		b = lyra_dec_from_int((int64_t)json_integer_value(theirs));
	else if (!json_is_string(theirs)
	         || lyra_dec_parse(json_string_value(theirs), json_string_length(theirs), &b) < 0)
		return 0;
	return lyra_dec_cmp(a, b) == 0;
}

static int all_valid(const json_t *recs)
{
	size_t i;
	const json_t *r;
	char why[200];
	json_array_foreach(recs, i, r) {
		if (lyra_record_validate(r, why, sizeof why) < 0) {
			printf("# record %zu: %s\n", i, why);
			return 0;
		}
	}
	return json_array_size(recs) > 0;
}

/* A ccxt fixture entry {"input":..,"httpResponse":..,"parsedResponse":..}. */
static json_t *ccxt_entry(const char *venue, const char *file)
{
	size_t len;
	char *text = slurp(venue, file, &len);
	json_t *e = text ? lyra_json_loads_exact(text, len, NULL, 0) : NULL;
	free(text);
	return e;
}

/* Parse ccxt's own httpResponse with our adapter. */
static json_t *parse_ccxt(const struct lyra_venue *v, enum kind k, const struct lyra_market *m,
                          const json_t *entry, const char *interval)
{
	char *body = lyra_record_dump(json_object_get(entry, "httpResponse"));
	json_t *r = body ? parse_body(v, k, m, body, strlen(body), 0, interval) : NULL;
	if (!r)
		printf("# %s ccxt body: %s\n", v->id, lyra_error_msg());
	free(body);
	return r;
}

static void ccxt_trades(const char *what, const json_t *recs, const json_t *entry)
{
	const json_t *parsed = json_object_get(entry, "parsedResponse");
	char name[160];
	snprintf(name, sizeof name, "%s: as many trades as ccxt", what);
	CHECK_INT(json_array_size(recs), json_array_size(parsed), name);
	size_t i;
	const json_t *p;
	json_array_foreach(parsed, i, p) {
		const json_t *r = json_array_get(recs, i);
		int64_t ms;
		lyra_json_get_int(p, "timestamp", &ms);
		snprintf(name, sizeof name, "%s: trade %zu id as ccxt", what, i);
		CHECK_STR(S(r, "id"), json_string_value(json_object_get(p, "id")), name);
		snprintf(name, sizeof name, "%s: trade %zu side as ccxt", what, i);
		CHECK_STR(S(r, "side"), json_string_value(json_object_get(p, "side")), name);
		snprintf(name, sizeof name, "%s: trade %zu time as ccxt (ms)", what, i);
		CHECK_INT(I(r, "ts") / 1000, ms, name);
		snprintf(name, sizeof name, "%s: trade %zu price and amount exactly as ccxt", what, i);
		CHECK(dec_same(json_object_get(r, "px"), json_object_get(p, "price"))
		          && dec_same(json_object_get(r, "qty"), json_object_get(p, "amount")),
		      name);
	}
}

static void ccxt_ohlcv(const char *what, const json_t *recs, const json_t *entry)
{
	static const char *const keys[5] = {"open", "high", "low", "close", "volume"};
	const json_t *parsed = json_object_get(entry, "parsedResponse");
	char name[160];
	size_t i, matched = 0;
	const json_t *row;
	json_array_foreach(parsed, i, row) {
		int64_t ms = (int64_t)json_integer_value(json_array_get(row, 0));
		size_t j;
		const json_t *r;
		json_array_foreach(recs, j, r) {
			if (I(r, "ts") != ms * 1000)
				continue;
			matched++;
			int same = 1;
			for (int k = 0; k < 5; k++)
				same &= dec_same(json_object_get(r, keys[k]), json_array_get(row, (size_t)k + 1));
			snprintf(name, sizeof name, "%s: candle at %lld exactly as ccxt", what, (long long)ms);
			CHECK(same, name);
		}
	}
	snprintf(name, sizeof name, "%s: every ccxt candle found", what);
	CHECK_INT(matched, json_array_size(parsed), name);
}

/* ---- the registry and helpers ---- */

static void test_registry(void)
{
	const struct lyra_venue *const *vs = lyra_venues();
	static const char *const order[] = {"binance", "okx",      "coinbase", "kraken",
	                                    "gateio",  "bitfinex", "bitstamp", "gemini"};
	int n = 0;
	while (vs[n])
		n++;
	CHECK_INT(n, 8, "eight venues");
	for (int i = 0; i < 8 && i < n; i++)
		CHECK_STR(vs[i]->id, order[i], "registry in the design's order");
	for (int i = 0; i < n; i++) {
		const struct lyra_venue *v = vs[i];
		CHECK(v->rest_url && strncmp(v->rest_url, "https://", 8) == 0 && v->weight_per_minute > 0
		          && v->candles_page > 0 && v->intervals && v->intervals[0] && v->markets_req
		          && v->parse_markets && v->book_req && v->parse_book && v->bbo_req
		          && v->parse_bbo && v->trades_req && v->parse_trades && v->candles_req
		          && v->parse_candles && !v->funding_req == !v->parse_funding,
		      v->id);
		CHECK(lyra_venue_find(v->id) == v, "lyra_venue_find by id");
	}
	CHECK(lyra_venue_find("krakn") == NULL, "unknown venue");
	CHECK_STR(lyra_error_msg(), "unknown venue 'krakn' (did you mean 'kraken'?)",
	          "unknown venue: nearest name");
	CHECK_INT(lyra_error_code(), LYRA_EX_USAGE, "unknown venue: usage error");
	CHECK(lyra_venue_find("zzzzzzzzzz") == NULL && strstr(lyra_error_msg(), "venues: binance"),
	      "unknown venue without a near name lists the venues");

	CHECK_INT(lyra_interval_us("1m"), 60000000LL, "interval 1m");
	CHECK_INT(lyra_interval_us("4h"), 14400000000LL, "interval 4h");
	CHECK_INT(lyra_interval_us("1d"), 86400000000LL, "interval 1d");
	CHECK_INT(lyra_interval_us("2h"), -1, "interval 2h unknown");
	CHECK_INT(lyra_interval_us(NULL), -1, "interval NULL");

	static const char *const assets[][3] = {
		{"kraken", "XXBT", "BTC"},     {"kraken", "XBT", "BTC"},     {"kraken", "ZUSD", "USD"},
		{"kraken", "XXDG", "DOGE"},    {"kraken", "XDG", "DOGE"},    {"kraken", "XETH", "ETH"},
		{"kraken", "USDT", "USDT"},    {"kraken", "DOT", "DOT"},     {"bitfinex", "UST", "USDT"},
		{"bitfinex", "USTF0", "USDT"}, {"bitfinex", "BTCF0", "BTC"}, {"bitfinex", "IOT", "IOTA"},
		{"bitfinex", "BTC", "BTC"},    {"binance", "btc", "BTC"},    {"gemini", "gusd", "GUSD"},
	};
	for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
		char out[24], name[80];
		lyra_venue_asset(assets[i][0], assets[i][1], out, sizeof out);
		snprintf(name, sizeof name, "asset %s %s", assets[i][0], assets[i][1]);
		CHECK_STR(out, assets[i][2], name);
	}

	struct lyra_market m = mk("okx", "BTC/USDT:USDT", "BTC-USDT-SWAP", "perpetual", "0.01");
	snprintf(m.base, sizeof m.base, "BTC");
	snprintf(m.quote, sizeof m.quote, "USDT");
	snprintf(m.settle, sizeof m.settle, "USDT");
	lyra_dec_parse_cstr("0.1", &m.tick);
	lyra_dec_parse_cstr("0.0001", &m.lot);
	lyra_dec_parse_cstr("0.0001", &m.min_qty);
	lyra_dec_parse_cstr("-0.00025", &m.maker_fee);
	lyra_dec_parse_cstr("0.00075", &m.taker_fee);
	json_t *rec = lyra_market_record(&m, 1710000000000000LL);
	char *line = lyra_record_dump(rec);
	CHECK_STR(line,
	          "{\"type\":\"market\",\"ts\":1710000000000000,\"venue\":\"okx\",\"symbol\":"
	          "\"BTC/USDT:USDT\",\"venue_symbol\":\"BTC-USDT-SWAP\",\"base\":\"BTC\",\"quote\":"
	          "\"USDT\",\"settle\":\"USDT\",\"instrument\":\"perpetual\",\"tick\":\"0.1\",\"lot\":"
	          "\"0.0001\",\"min_qty\":\"0.0001\",\"min_notional\":\"0\",\"maker_fee\":\"-0.00025\","
	          "\"taker_fee\":\"0.00075\",\"status\":\"trading\",\"contract\":\"0.01\"}",
	          "market record, fields in order");
	char why[200];
	CHECK(lyra_record_validate(rec, why, sizeof why) == 0, "market record is valid");
	struct lyra_market back;
	CHECK(lyra_market_from_record(rec, &back) == 0 && strcmp(back.symbol, m.symbol) == 0
	          && strcmp(back.venue_symbol, m.venue_symbol) == 0
	          && strcmp(back.settle, "USDT") == 0 && lyra_dec_cmp(back.contract, m.contract) == 0
	          && lyra_dec_cmp(back.maker_fee, m.maker_fee) == 0,
	      "market record round trip");
	json_object_del(rec, "tick");
	CHECK(lyra_market_from_record(rec, &back) < 0 && strstr(lyra_error_msg(), "tick"),
	      "market record without tick rejected");
	free(line);
	json_decref(rec);

	json_t *rows = lyra_json_loads_exact("[[\"1.50\",\"2\",9],[3,\"1e-3\"],[\"2\",\"0\"]]", 37,
	                                     NULL, 0);
	json_t *lv = lyra_venue_levels(rows, 0, 1, 0);
	line = lv ? lyra_record_dump(lv) : NULL;
	CHECK_STR(line, "[[\"1.50\",\"2\"],[\"3\",\"0.001\"],[\"2\",\"0\"]]",
	          "levels: as sent, integers and exponents made plain");
	free(line);
	json_decref(lv);
	lv = lyra_venue_levels(rows, 0, 1, 2);
	CHECK_INT(json_array_size(lv), 2, "levels: depth");
	CHECK(json_array_get(lv, 1) != json_array_get(rows, 2), "levels: new row when rewritten");
	json_decref(lv);
	lv = lyra_venue_levels(rows, 0, 2, 0);
	CHECK(lv == NULL && strstr(lyra_error_msg(), "level 1"), "levels: short row rejected");
	json_decref(rows);
}

/* ---- binance ---- */

static void test_binance(void)
{
	const struct lyra_venue *v = lyra_venue_find("binance");
	struct mcoll mc;
	struct lyra_venue_req req;
	char name[100];

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 2, "binance: markets");
	const struct lyra_market *m = find_market(&mc, "BTCUSDT");
	CHECK(m && strcmp(m->symbol, "BTC/USDT") == 0 && strcmp(m->base, "BTC") == 0
	          && strcmp(m->quote, "USDT") == 0 && m->settle[0] == '\0'
	          && strcmp(m->instrument, "spot") == 0 && strcmp(m->status, "trading") == 0,
	      "binance: BTCUSDT is BTC/USDT spot");
	if (m) {
		CHECK_STR(D(m->tick), "0.01000000", "binance: tickSize as sent");
		CHECK_STR(D(m->lot), "0.00001000", "binance: stepSize");
		CHECK_STR(D(m->min_qty), "0.00001000", "binance: minQty");
		CHECK_STR(D(m->min_notional), "5.00000000", "binance: NOTIONAL minNotional");
		CHECK_STR(D(m->maker_fee), "0.001", "binance: maker fee");
		CHECK_STR(D(m->taker_fee), "0.001", "binance: taker fee");
	}
	m = find_market(&mc, "ETHBTC");
	CHECK(m && strcmp(m->status, "halted") == 0 && strcmp(D(m->min_notional), "0.00010000") == 0,
	      "binance: BREAK is halted; MIN_NOTIONAL read");
	free(mc.v);
	CHECK_INT(parse_markets(v, 1, "markets-2.json", &mc), 1, "binance: USD-M perpetuals only");
	m = find_market(&mc, "BTCUSDT");
	CHECK(m && strcmp(m->symbol, "BTC/USDT:USDT") == 0 && strcmp(m->settle, "USDT") == 0
	          && strcmp(m->instrument, "perpetual") == 0 && strcmp(D(m->tick), "0.10") == 0
	          && strcmp(D(m->lot), "0.001") == 0 && strcmp(D(m->min_notional), "100") == 0
	          && strcmp(D(m->taker_fee), "0.0005") == 0,
	      "binance: BTCUSDT perpetual rules");
	free(mc.v);
	CHECK_INT(parse_markets(v, 0, "exchange-info-doc.json", &mc), 1,
	          "binance: documented example without filters");
	CHECK(mc.n == 1 && lyra_dec_is_zero(mc.v[0].tick) && strcmp(mc.v[0].symbol, "ETH/BTC") == 0,
	      "binance: missing filters leave rules at 0");
	free(mc.v);

	CHECK(v->markets_req(0, &req) == 1 && strcmp(req.path_query, "/api/v3/exchangeInfo") == 0
	          && req.weight == 20 && !req.alt,
	      "binance: exchangeInfo request, weight 20");
	CHECK(v->markets_req(1, &req) == 1 && strcmp(req.path_query, "/fapi/v1/exchangeInfo") == 0
	          && req.alt,
	      "binance: futures exchangeInfo on the alt base");
	CHECK(v->markets_req(2, &req) == 0, "binance: two market pages");

	struct lyra_market spot = mk("binance", "BTC/USDT", "BTCUSDT", "spot", NULL);
	struct lyra_market perp = mk("binance", "BTC/USDT:USDT", "BTCUSDT", "perpetual", NULL);
	static const struct {
		int depth, weight;
		const char *path;
	} depths[] = {
		{100, 5, "/api/v3/depth?symbol=BTCUSDT&limit=100"},
		{101, 25, "/api/v3/depth?symbol=BTCUSDT&limit=101"},
		{1000, 50, "/api/v3/depth?symbol=BTCUSDT&limit=1000"},
		{0, 250, "/api/v3/depth?symbol=BTCUSDT&limit=5000"},
	};
	for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		snprintf(name, sizeof name, "binance: depth %d request and weight", depths[i].depth);
		CHECK(v->book_req(&spot, depths[i].depth, &req) == 0
		          && strcmp(req.path_query, depths[i].path) == 0
		          && req.weight == depths[i].weight && !req.alt,
		      name);
	}
	CHECK(v->book_req(&perp, 30, &req) == 0
	          && strcmp(req.path_query, "/fapi/v1/depth?symbol=BTCUSDT&limit=50") == 0
	          && req.weight == 2 && req.alt,
	      "binance: perpetual depth rounds up to a valid limit, alt base");
	CHECK(v->bbo_req(&spot, &req) == 0
	          && strcmp(req.path_query, "/api/v3/ticker/bookTicker?symbol=BTCUSDT") == 0
	          && req.weight == 2,
	      "binance: bookTicker request");
	CHECK(v->trades_req(&spot, 50, &req) == 0
	          && strcmp(req.path_query, "/api/v3/trades?symbol=BTCUSDT&limit=50") == 0
	          && req.weight == 25,
	      "binance: trades request");
	CHECK(v->candles_req(&spot, "1m", 1710327600000000LL, 1710331200000000LL, &req) == 0
	          && strcmp(req.path_query, "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime="
	                                    "1710327600000&endTime=1710331199999&limit=1000")
	                 == 0,
	      "binance: klines request, end exclusive");
	CHECK(v->funding_req(&perp, &req) == 0
	          && strcmp(req.path_query, "/fapi/v1/premiumIndex?symbol=BTCUSDT") == 0 && req.alt,
	      "binance: premiumIndex on the alt base");
	CHECK(v->funding_req(&spot, &req) < 0 && lyra_error_code() == LYRA_EX_USAGE,
	      "binance: no funding for spot");

	json_t *r = parse_file(v, BOOK, &spot, "book.json", 0, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(r && json_array_size(r) == 1 && all_valid(r), "binance: one valid book");
	CHECK_STR(S(b, "symbol"), "BTC/USDT", "binance: book symbol unified");
	CHECK_INT(I(b, "seq"), 499869752, "binance: book seq is lastUpdateId");
	CHECK_INT(I(b, "ts"), NOW, "binance: spot depth has no time: now");
	CHECK_STR(L(b, "bids", 0, 0), "0.35210000", "binance: best bid price as sent");
	CHECK_STR(L(b, "bids", 0, 1), "672.00000000", "binance: best bid qty as sent");
	CHECK(json_array_size(json_object_get(b, "bids")) == 609
	          && json_array_size(json_object_get(b, "asks")) == 1000,
	      "binance: every level of the 1000-limit snapshot");
	json_decref(r);
	r = parse_file(v, BOOK, &spot, "book.json", 5, NULL);
	b = json_array_get(r, 0);
	CHECK(json_array_size(json_object_get(b, "bids")) == 5
	          && json_array_size(json_object_get(b, "asks")) == 5,
	      "binance: depth 5 cuts both sides");
	json_decref(r);

	json_t *e = ccxt_entry("binance", "ccxt-fetchOrderBook.json");
	r = parse_file(v, BOOK, &perp, "perp-book.json", 0, NULL);
	b = json_array_get(r, 0);
	const json_t *pr = json_object_get(e, "parsedResponse");
	CHECK_INT(I(b, "ts") / 1000, json_integer_value(json_object_get(pr, "timestamp")),
	          "binance: perpetual book time T as ccxt");
	CHECK_INT(I(b, "seq"), json_integer_value(json_object_get(pr, "nonce")),
	          "binance: perpetual book seq as ccxt's nonce");
	int same = json_array_size(json_object_get(b, "bids")) == 5;
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 2; j++)
			same &= dec_same(json_array_get(json_array_get(json_object_get(b, "bids"), i), j),
			                 json_array_get(json_array_get(json_object_get(pr, "bids"), i), j))
			        && dec_same(json_array_get(json_array_get(json_object_get(b, "asks"), i), j),
			                    json_array_get(json_array_get(json_object_get(pr, "asks"), i), j));
	CHECK(same, "binance: perpetual book levels exactly as ccxt");
	json_decref(r);
	json_decref(e);

	r = parse_file(v, BBO, &spot, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r), "binance: bbo valid");
	CHECK(strcmp(S(b, "bid_px"), "4.00000000") == 0 && strcmp(S(b, "bid_qty"), "431.00000000") == 0
	          && strcmp(S(b, "ask_px"), "4.00000200") == 0
	          && strcmp(S(b, "ask_qty"), "9.00000000") == 0 && I(b, "ts") == NOW,
	      "binance: bookTicker");
	json_decref(r);

	r = parse_file(v, TRADES, &spot, "trades.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && json_array_size(r) == 1, "binance: trades valid");
	CHECK(strcmp(S(b, "id"), "28457") == 0 && strcmp(S(b, "side"), "sell") == 0
	          && strcmp(S(b, "px"), "4.00000100") == 0 && strcmp(S(b, "qty"), "12.00000000") == 0
	          && I(b, "ts") == 1499865549590000LL,
	      "binance: trade (buyer maker: the taker sold)");
	json_decref(r);

	r = parse_file(v, CANDLES, &spot, "candles.json", 0, "1h");
	b = json_array_get(r, 0);
	CHECK(all_valid(r), "binance: candles valid");
	CHECK(I(b, "ts") == 1499040000000000LL && strcmp(S(b, "interval"), "1h") == 0
	          && strcmp(S(b, "open"), "0.01634790") == 0 && strcmp(S(b, "high"), "0.80000000") == 0
	          && strcmp(S(b, "low"), "0.01575800") == 0 && strcmp(S(b, "close"), "0.01577100") == 0
	          && strcmp(S(b, "volume"), "148976.11427815") == 0,
	      "binance: kline");
	json_decref(r);

	r = parse_file(v, FUNDING, &perp, "funding.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r), "binance: funding valid");
	CHECK(strcmp(S(b, "symbol"), "BTC/USDT:USDT") == 0 && strcmp(S(b, "rate"), "0.00038246") == 0
	          && I(b, "next_ts") == 1597392000000000LL && I(b, "ts") == 1597370495002000LL,
	      "binance: premiumIndex funding");
	json_decref(r);
}

/* ---- okx ---- */

static void test_okx(void)
{
	const struct lyra_venue *v = lyra_venue_find("okx");
	struct mcoll mc;
	struct lyra_venue_req req;

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 5, "okx: spot instruments");
	const struct lyra_market *m = find_market(&mc, "BTC-USD");
	CHECK(m && strcmp(m->symbol, "BTC/USD") == 0 && strcmp(D(m->tick), "0.1") == 0
	          && strcmp(D(m->lot), "0.00000001") == 0 && strcmp(D(m->min_qty), "0.00001") == 0
	          && strcmp(D(m->maker_fee), "0.0008") == 0 && strcmp(D(m->taker_fee), "0.001") == 0
	          && lyra_dec_is_zero(m->contract),
	      "okx: BTC-USD rules");
	free(mc.v);
	CHECK_INT(parse_markets(v, 1, "markets-2.json", &mc), 2, "okx: linear swaps (inverse left out)");
	m = find_market(&mc, "BTC-USDT-SWAP");
	CHECK(m && strcmp(m->symbol, "BTC/USDT:USDT") == 0 && strcmp(m->instrument, "perpetual") == 0
	          && strcmp(D(m->contract), "0.01") == 0 && strcmp(D(m->lot), "0.0001") == 0
	          && strcmp(D(m->min_qty), "0.0001") == 0 && strcmp(D(m->tick), "0.1") == 0,
	      "okx: BTC-USDT-SWAP in base units (contracts x ctVal)");
	m = find_market(&mc, "XRP-USDT-SWAP");
	CHECK(m && strcmp(m->status, "halted") == 0 && strcmp(D(m->lot), "10") == 0,
	      "okx: suspended swap halted");
	struct lyra_market swap = m ? mc.v[0] : mk("okx", "?", "?", "perpetual", "0.01");
	free(mc.v);

	CHECK(v->markets_req(1, &req) == 1
	          && strcmp(req.path_query, "/api/v5/public/instruments?instType=SWAP") == 0,
	      "okx: SWAP instruments request");
	struct lyra_market spot = mk("okx", "BTC/USDT", "BTC-USDT", "spot", NULL);
	CHECK(v->book_req(&spot, 50, &req) == 0
	          && strcmp(req.path_query, "/api/v5/market/books?instId=BTC-USDT&sz=50") == 0,
	      "okx: books request");
	CHECK(v->candles_req(&spot, "1d", 1710288000000000LL, 1720000000000000LL, &req) == 0
	          && strcmp(req.path_query, "/api/v5/market/history-candles?instId=BTC-USDT&bar=1Dutc"
	                                    "&after=1718928000000&before=1710287999999&limit=100")
	                 == 0,
	      "okx: history-candles window of 100, UTC days");
	CHECK(v->candles_req(&spot, "1m", 1710288000000000LL, 1710288600000000LL, &req) == 0
	          && strstr(req.path_query, "&after=1710288600000&before=1710287999999"),
	      "okx: history-candles window cut at end");
	CHECK(v->funding_req(&swap, &req) == 0
	          && strcmp(req.path_query, "/api/v5/public/funding-rate?instId=BTC-USDT-SWAP") == 0,
	      "okx: funding-rate request");

	json_t *r = parse_file(v, BOOK, &spot, "book.json", 0, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(all_valid(r), "okx: book valid");
	CHECK(I(b, "ts") == 1704067200000000LL && strcmp(L(b, "bids", 0, 0), "41006.7") == 0
	          && strcmp(L(b, "bids", 0, 1), "0.48792100") == 0
	          && strcmp(L(b, "asks", 2, 0), "41007.0") == 0
	          && json_array_size(json_array_get(json_object_get(b, "asks"), 2)) == 2,
	      "okx: book levels as sent, [px, qty]");
	json_decref(r);
	r = parse_file(v, BOOK, &swap, "book.json", 1, NULL);
	b = json_array_get(r, 0);
	CHECK_STR(L(b, "asks", 0, 1), "0.0060038921", "okx: swap sizes converted to base units");
	json_decref(r);

	r = parse_file(v, BBO, &spot, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "bid_px"), "8888.88") == 0 && strcmp(S(b, "bid_qty"), "5") == 0
	          && strcmp(S(b, "ask_px"), "9999.99") == 0 && strcmp(S(b, "ask_qty"), "11") == 0
	          && I(b, "ts") == 1597026383085000LL,
	      "okx: ticker bbo");
	json_decref(r);

	r = parse_file(v, TRADES, &spot, "trades.json", 0, NULL);
	CHECK(all_valid(r) && json_array_size(r) == 2, "okx: trades valid");
	b = json_array_get(r, 0);
	CHECK(strcmp(S(b, "id"), "734864332") == 0 && strcmp(S(b, "side"), "buy") == 0
	          && strcmp(S(b, "qty"), "0.0000125") == 0 && I(b, "ts") == 1747087161666000LL,
	      "okx: newest-first trades come out oldest first");
	CHECK_STR(S(json_array_get(r, 1), "side"), "sell", "okx: taker side");
	json_decref(r);

	r = parse_file(v, CANDLES, &spot, "candles.json", 0, "1m");
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && json_array_size(r) == 2 && I(b, "ts") == 1625097600000000LL
	          && strcmp(S(b, "open"), "33528.6") == 0 && strcmp(S(b, "high"), "33870.0") == 0
	          && strcmp(S(b, "close"), "33783.9") == 0 && strcmp(S(b, "volume"), "778.838") == 0,
	      "okx: candles");
	CHECK_INT(I(json_array_get(r, 1), "ts"), 1625097660000000LL, "okx: candles oldest first");
	json_decref(r);

	r = parse_file(v, FUNDING, &swap, "funding.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "rate"), "0.0000792386885340") == 0
	          && I(b, "next_ts") == 1703088000000000LL && I(b, "ts") == 1703070685309000LL,
	      "okx: funding rate charged at fundingTime");
	json_decref(r);
}

/* ---- coinbase ---- */

static void test_coinbase(void)
{
	const struct lyra_venue *v = lyra_venue_find("coinbase");
	struct mcoll mc;
	struct lyra_venue_req req;

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 162, "coinbase: 162 products");
	const struct lyra_market *m = find_market(&mc, "BTC-GBP");
	CHECK(m && strcmp(m->symbol, "BTC/GBP") == 0 && strcmp(D(m->tick), "0.01") == 0
	          && strcmp(D(m->lot), "0.00000001") == 0 && strcmp(D(m->min_qty), "0.0001") == 0
	          && strcmp(D(m->min_notional), "10") == 0 && strcmp(m->status, "trading") == 0
	          && strcmp(D(m->taker_fee), "0.006") == 0,
	      "coinbase: BTC-GBP rules");
	free(mc.v);

	struct lyra_market btc = mk("coinbase", "BTC/USDT", "BTC-USDT", "spot", NULL);
	CHECK(v->book_req(&btc, 10, &req) == 0
	          && strcmp(req.path_query, "/products/BTC-USDT/book?level=2") == 0,
	      "coinbase: level 2 book request");
	CHECK(v->bbo_req(&btc, &req) == 0
	          && strcmp(req.path_query, "/products/BTC-USDT/book?level=1") == 0,
	      "coinbase: level 1 book for bbo");
	CHECK(v->candles_req(&btc, "1h", 1710327600000000LL, 1720000000000000LL, &req) == 0
	          && strcmp(req.path_query, "/products/BTC-USDT/candles?granularity=3600&start="
	                                    "2024-03-13T11:00:00Z&end=2024-03-25T22:00:00Z")
	                 == 0,
	      "coinbase: 300 candles a request, both ends inclusive");
	CHECK(v->candles_req(&btc, "4h", 0, 1, &req) < 0 && lyra_error_code() == LYRA_EX_USAGE
	          && strcmp(lyra_error_msg(), "coinbase: interval '4h' not served") == 0,
	      "coinbase: no 4h candles");
	CHECK(v->funding_req == NULL, "coinbase: no perpetuals");

	json_t *r = parse_file(v, BOOK, &btc, "book.json", 2, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(all_valid(r) && I(b, "seq") == 74184394051LL && I(b, "ts") == 1710328241270099LL
	          && strcmp(L(b, "bids", 0, 0), "73360.34") == 0
	          && strcmp(L(b, "bids", 0, 1), "0.51210000") == 0
	          && json_array_size(json_object_get(b, "bids")) == 2,
	      "coinbase: book with sequence and time");
	json_decref(r);
	r = parse_file(v, BBO, &btc, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "ask_px"), "73369.19") == 0
	          && strcmp(S(b, "ask_qty"), "0.02000000") == 0,
	      "coinbase: bbo from level 1");
	json_decref(r);

	json_t *all = ccxt_entry("coinbase", "ccxt-coinbaseexchange.json");
	const json_t *meth = json_object_get(all, "methods");
	r = parse_file(v, TRADES, &btc, "trades.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r), "coinbase: trades valid");
	CHECK(strcmp(S(b, "px"), "73271.63000000") == 0 && I(b, "ts") == 1710327617710679LL,
	      "coinbase: trade price as sent, time to the microsecond");
	ccxt_trades("coinbase", r, json_array_get(json_object_get(meth, "fetchTrades"), 0));
	json_decref(r);
	r = parse_file(v, CANDLES, &btc, "candles.json", 0, "1h");
	CHECK(all_valid(r), "coinbase: candles valid");
	ccxt_ohlcv("coinbase", r, json_array_get(json_object_get(meth, "fetchOHLCV"), 0));
	json_decref(r);
	json_decref(all);
}

/* ---- kraken ---- */

static void test_kraken(void)
{
	const struct lyra_venue *v = lyra_venue_find("kraken");
	struct mcoll mc;
	struct lyra_venue_req req;

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 1, "kraken: asset pairs");
	const struct lyra_market *m = find_market(&mc, "XBTUSDT");
	CHECK(m && strcmp(m->symbol, "BTC/USDT") == 0 && strcmp(m->base, "BTC") == 0
	          && strcmp(D(m->tick), "0.1") == 0 && strcmp(D(m->lot), "0.00000001") == 0
	          && strcmp(D(m->min_qty), "0.00005") == 0 && strcmp(D(m->min_notional), "0.5") == 0
	          && strcmp(D(m->maker_fee), "0.0025") == 0 && strcmp(D(m->taker_fee), "0.004") == 0
	          && strcmp(m->status, "trading") == 0,
	      "kraken: XBTUSDT is BTC/USDT, fees from the first tier");
	free(mc.v);
	const char *zusd = "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"altname\":\"XBTUSD\",\"wsname\":"
	                   "\"XBT/USD\",\"base\":\"XXBT\",\"quote\":\"ZUSD\",\"pair_decimals\":1,"
	                   "\"lot_decimals\":8,\"ordermin\":\"0.0001\",\"status\":\"cancel_only\"},"
	                   "\"XXDGZEUR\":{\"base\":\"XXDG\",\"quote\":\"ZEUR\",\"pair_decimals\":7,"
	                   "\"lot_decimals\":8,\"ordermin\":\"50\",\"status\":\"online\"}}}";
	memset(&mc, 0, sizeof mc);
	CHECK(v->parse_markets(0, zusd, strlen(zusd), mkt_cb, &mc) == 0 && mc.n == 2,
	      "kraken: legacy names parse");
	m = find_market(&mc, "XXBTZUSD");
	CHECK(m && strcmp(m->symbol, "BTC/USD") == 0 && strcmp(D(m->tick), "0.1") == 0
	          && strcmp(m->status, "halted") == 0 && strcmp(D(m->maker_fee), "0.0025") == 0,
	      "kraken: XXBTZUSD is BTC/USD (tick from pair_decimals)");
	m = find_market(&mc, "XXDGZEUR");
	CHECK(m && strcmp(m->symbol, "DOGE/EUR") == 0, "kraken: XXDGZEUR is DOGE/EUR");
	free(mc.v);

	struct lyra_market btc = mk("kraken", "BTC/USDT", "XBTUSDT", "spot", NULL);
	CHECK(v->book_req(&btc, 10, &req) == 0
	          && strcmp(req.path_query, "/0/public/Depth?pair=XBTUSDT&count=10") == 0,
	      "kraken: Depth request");
	CHECK(v->candles_req(&btc, "4h", 1716523348000000LL, 1716623348000000LL, &req) == 0
	          && strcmp(req.path_query, "/0/public/OHLC?pair=XBTUSDT&interval=240&since=1716523347")
	                 == 0,
	      "kraken: OHLC request");

	json_t *r = parse_file(v, BOOK, &btc, "book.json", 0, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(all_valid(r) && I(b, "seq") == 0 && I(b, "ts") == NOW
	          && strcmp(L(b, "bids", 0, 0), "105944.20000") == 0
	          && strcmp(L(b, "bids", 0, 1), "0.002") == 0
	          && strcmp(L(b, "asks", 4, 0), "105963.60000") == 0,
	      "kraken: Depth");
	json_decref(r);
	r = parse_file(v, BBO, &btc, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "bid_px"), "105944.20000") == 0
	          && strcmp(S(b, "bid_qty"), "1.000") == 0 && strcmp(S(b, "ask_px"), "105944.30000") == 0,
	      "kraken: Ticker bbo (lot volume)");
	json_decref(r);

	r = parse_file(v, TRADES, &btc, "trades.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && json_array_size(r) == 1000, "kraken: 1000 real trades");
	CHECK(strcmp(S(b, "id"), "10218208") == 0 && strcmp(S(b, "side"), "buy") == 0
	          && strcmp(S(b, "px"), "105433.60000") == 0 && strcmp(S(b, "qty"), "0.00027625") == 0
	          && I(b, "ts") == 1762795433971744LL,
	      "kraken: trade time from exact seconds");
	CHECK_STR(S(json_array_get(r, 999), "side"), "sell", "kraken: last trade a sell");
	json_decref(r);

	r = parse_file(v, CANDLES, &btc, "candles.json", 0, "1m");
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && json_array_size(r) == 721, "kraken: 721 real candles");
	CHECK(I(b, "ts") == 1762777020000000LL && strcmp(S(b, "open"), "106038.2") == 0
	          && strcmp(S(b, "volume"), "0.00000000") == 0,
	      "kraken: candle volume, not vwap");
	json_decref(r);

	json_t *e = ccxt_entry("kraken", "ccxt-fetchTrades.json");
	r = parse_ccxt(v, TRADES, &btc, e, NULL);
	ccxt_trades("kraken", r, e);
	CHECK_INT(I(json_array_get(r, 0), "ts"), 1710327959173346LL, "kraken: ccxt trade time in µs");
	json_decref(r);
	json_decref(e);
	e = ccxt_entry("kraken", "ccxt-fetchOHLCV.json");
	r = parse_ccxt(v, CANDLES, &btc, e, "1h");
	CHECK_INT(json_array_size(r), 6, "kraken: ccxt OHLC rows");
	ccxt_ohlcv("kraken", r, e);
	json_decref(r);
	json_decref(e);
	e = ccxt_entry("kraken", "ccxt-fetchTicker.json");
	r = parse_ccxt(v, BBO, &btc, e, NULL);
	b = json_array_get(r, 0);
	const json_t *p = json_object_get(e, "parsedResponse");
	CHECK(dec_same(json_object_get(b, "bid_px"), json_object_get(p, "bid"))
	          && dec_same(json_object_get(b, "ask_px"), json_object_get(p, "ask")),
	      "kraken: bbo prices exactly as ccxt");
	json_decref(r);
	json_decref(e);
}

/* ---- gateio ---- */

static void test_gateio(void)
{
	const struct lyra_venue *v = lyra_venue_find("gateio");
	struct mcoll mc;
	struct lyra_venue_req req;

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 1458, "gateio: 1458 pairs");
	const struct lyra_market *m = find_market(&mc, "IHT_ETH");
	CHECK(m && strcmp(m->symbol, "IHT/ETH") == 0 && strcmp(D(m->tick), "0.000000001") == 0
	          && strcmp(D(m->lot), "0.1") == 0 && strcmp(D(m->min_notional), "0.001") == 0
	          && strcmp(D(m->maker_fee), "0.002") == 0 && strcmp(D(m->taker_fee), "0.002") == 0,
	      "gateio: IHT_ETH rules, fee percent as a fraction");
	m = find_market(&mc, "QTUM_ETH");
	CHECK(m && strcmp(D(m->min_qty), "0.01") == 0, "gateio: min_base_amount");
	m = find_market(&mc, "SAL_USDT");
	CHECK(m && strcmp(m->status, "halted") == 0, "gateio: untradable is halted");
	free(mc.v);
	CHECK_INT(parse_markets(v, 1, "markets-2.json", &mc), 2, "gateio: USDT perpetuals");
	m = find_market(&mc, "BTC_USDT");
	CHECK(m && strcmp(m->symbol, "BTC/USDT:USDT") == 0 && strcmp(D(m->contract), "0.0001") == 0
	          && strcmp(D(m->lot), "0.0001") == 0 && strcmp(D(m->min_qty), "0.0001") == 0
	          && strcmp(D(m->tick), "0.1") == 0 && strcmp(D(m->maker_fee), "-0.00025") == 0
	          && strcmp(m->status, "trading") == 0,
	      "gateio: BTC_USDT contract in base units");
	struct lyra_market perp = m ? *m : mk("gateio", "?", "?", "perpetual", "0.0001");
	m = find_market(&mc, "LUNA_USDT");
	CHECK(m && strcmp(m->status, "halted") == 0 && strcmp(D(m->min_qty), "10") == 0,
	      "gateio: delisting contract halted");
	free(mc.v);

	struct lyra_market spot = mk("gateio", "BTC/USDT", "BTC_USDT", "spot", NULL);
	CHECK(v->book_req(&spot, 20, &req) == 0
	          && strcmp(req.path_query, "/spot/order_book?currency_pair=BTC_USDT&limit=20&with_id=true")
	                 == 0,
	      "gateio: order_book with_id");
	CHECK(v->bbo_req(&spot, &req) == 0
	          && strcmp(req.path_query, "/spot/tickers?currency_pair=BTC_USDT") == 0,
	      "gateio: tickers for bbo");
	CHECK(v->candles_req(&spot, "1h", 1710327600000000LL, 1720000000000000LL, &req) == 0
	          && strcmp(req.path_query, "/spot/candlesticks?currency_pair=BTC_USDT&interval=1h"
	                                    "&from=1710327600&to=1713924000")
	                 == 0,
	      "gateio: 1000 points a query");
	CHECK(v->funding_req(&perp, &req) == 0
	          && strcmp(req.path_query, "/futures/usdt/contracts/BTC_USDT") == 0,
	      "gateio: funding from the contract");

	json_t *r = parse_file(v, BOOK, &spot, "book.json", 0, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(all_valid(r) && I(b, "seq") == 2691446 && I(b, "ts") == NOW
	          && strcmp(L(b, "asks", 0, 0), "0.00010396") == 0
	          && strcmp(L(b, "asks", 0, 1), "5876.967") == 0,
	      "gateio: order_book id as seq");
	json_decref(r);
	r = parse_file(v, BOOK, &perp, "perp-book.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && I(b, "seq") == 123456 && I(b, "ts") == 1623898993123000LL
	          && strcmp(L(b, "asks", 0, 0), "1.52") == 0 && strcmp(L(b, "asks", 0, 1), "0.01") == 0
	          && strcmp(L(b, "bids", 1, 1), "0.0203") == 0,
	      "gateio: futures book, contracts to base units");
	json_decref(r);
	r = parse_file(v, BBO, &perp, "perp-bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "bid_px"), "34089.7") == 0 && strcmp(S(b, "bid_qty"), "0.01") == 0
	          && strcmp(S(b, "ask_qty"), "0.1") == 0,
	      "gateio: futures ticker bbo in base units");
	json_decref(r);
	r = parse_file(v, CANDLES, &perp, "perp-candles.json", 0, "1m");
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && I(b, "ts") == 1539852480000000LL && strcmp(S(b, "open"), "1.032") == 0
	          && strcmp(S(b, "volume"), "9.7151") == 0,
	      "gateio: futures candle, volume in base units");
	json_decref(r);

	r = parse_file(v, BBO, &spot, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "bid_px"), "73364.1") == 0 && strcmp(S(b, "bid_qty"), "1.08") == 0
	          && strcmp(S(b, "ask_qty"), "0.35221") == 0,
	      "gateio: ticker bbo");
	json_decref(r);
	r = parse_file(v, BBO, &spot, "ticker-nosize.json", 0, NULL);
	CHECK(r == NULL && strstr(lyra_error_msg(), "'highest_size': missing"),
	      "gateio: an older ticker without sizes is refused");

	json_t *e = ccxt_entry("gateio", "ccxt-fetchTrades.json");
	r = parse_file(v, TRADES, &spot, "trades.json", 0, NULL);
	CHECK(all_valid(r), "gateio: trades valid");
	CHECK(I(json_array_get(r, 0), "ts") == 1710327648162035LL
	          && strcmp(S(json_array_get(r, 0), "qty"), "0.00020") == 0,
	      "gateio: create_time_ms to the microsecond, amount as sent");
	ccxt_trades("gateio", r, e);
	json_decref(r);
	json_decref(e);
	e = ccxt_entry("gateio", "ccxt-fetchOHLCV.json");
	r = parse_file(v, CANDLES, &spot, "candles.json", 0, "1h");
	CHECK(all_valid(r), "gateio: candles valid");
	ccxt_ohlcv("gateio", r, e);
	json_decref(r);
	json_decref(e);

	r = parse_file(v, TRADES, &perp, "perp-trades.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "side"), "sell") == 0 && strcmp(S(b, "qty"), "0.01") == 0
	          && strcmp(S(b, "id"), "121234231") == 0 && I(b, "ts") == 1514764800123456LL,
	      "gateio: futures trade, signed size");
	json_decref(r);

	r = parse_file(v, FUNDING, &perp, "funding.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "rate"), "0.002053") == 0
	          && I(b, "next_ts") == 1610035200000000LL && I(b, "ts") == NOW,
	      "gateio: funding");
	json_decref(r);
}

/* ---- bitfinex ---- */

static void test_bitfinex(void)
{
	const struct lyra_venue *v = lyra_venue_find("bitfinex");
	struct mcoll mc;
	struct lyra_venue_req req;

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 5, "bitfinex: pairs");
	static const char *const pairs[][2] = {{"tBTCUSD", "BTC/USD"},
	                                       {"tBTCUST", "BTC/USDT"},
	                                       {"tAAVE:USD", "AAVE/USD"},
	                                       {"tIOTETH", "IOTA/ETH"},
	                                       {"tTESTBTC:TESTUSD", "TESTBTC/TESTUSD"}};
	for (size_t i = 0; i < 5; i++) {
		const struct lyra_market *m = find_market(&mc, pairs[i][0]);
		char name[80];
		snprintf(name, sizeof name, "bitfinex: %s is %s", pairs[i][0], pairs[i][1]);
		CHECK(m && strcmp(m->symbol, pairs[i][1]) == 0, name);
	}
	const struct lyra_market *m = find_market(&mc, "tBTCUSD");
	CHECK(m && strcmp(D(m->min_qty), "0.00004") == 0 && strcmp(D(m->tick), "0.00000001") == 0
	          && strcmp(D(m->taker_fee), "0.002") == 0,
	      "bitfinex: min order size, finest step");
	free(mc.v);
	CHECK_INT(parse_markets(v, 1, "markets-2.json", &mc), 2, "bitfinex: perpetuals");
	m = find_market(&mc, "tBTCF0:USTF0");
	CHECK(m && strcmp(m->symbol, "BTC/USDT:USDT") == 0 && strcmp(m->instrument, "perpetual") == 0,
	      "bitfinex: tBTCF0:USTF0 is BTC/USDT:USDT");
	struct lyra_market perp = m ? *m : mk("bitfinex", "?", "?", "perpetual", NULL);
	free(mc.v);

	struct lyra_market iot = mk("bitfinex", "IOTA/ETH", "tIOTETH", "spot", NULL);
	CHECK(v->markets_req(1, &req) == 1
	          && strcmp(req.path_query, "/conf/pub:info:pair:futures") == 0,
	      "bitfinex: futures conf request");
	CHECK(v->book_req(&iot, 10, &req) == 0
	          && strcmp(req.path_query, "/book/tIOTETH/P0?len=25") == 0,
	      "bitfinex: P0 book, len rounded up to 25");
	CHECK(v->trades_req(&iot, 10, &req) == 0
	          && strcmp(req.path_query, "/trades/tIOTETH/hist?limit=10&sort=-1") == 0
	          && req.weight == 6,
	      "bitfinex: trades request weighs 15 a minute");
	CHECK(v->candles_req(&iot, "1d", 1552298400000000LL, 1552384800000000LL, &req) == 0
	          && strcmp(req.path_query, "/candles/trade:1D:tIOTETH/hist?start=1552298400000"
	                                    "&end=1552384799999&limit=10000&sort=1")
	                 == 0,
	      "bitfinex: candles request");
	CHECK(v->funding_req(&perp, &req) == 0
	          && strcmp(req.path_query, "/status/deriv?keys=tBTCF0%3AUSTF0") == 0,
	      "bitfinex: derivatives status request");

	json_t *r = parse_file(v, BOOK, &iot, "book.json", 0, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(all_valid(r) && json_array_size(json_object_get(b, "bids")) == 100
	          && json_array_size(json_object_get(b, "asks")) == 100,
	      "bitfinex: 100 levels a side");
	CHECK(strcmp(L(b, "bids", 0, 0), "0.0010262") == 0 && strcmp(L(b, "bids", 0, 1), "8") == 0
	          && strcmp(L(b, "asks", 0, 0), "0.0010273") == 0 && strcmp(L(b, "asks", 0, 1), "8") == 0
	          && strcmp(L(b, "bids", 1, 1), "9.81159001") == 0,
	      "bitfinex: numbers read exactly, asks by sign");
	json_decref(r);
	r = parse_file(v, BOOK, &iot, "book.json", 3, NULL);
	b = json_array_get(r, 0);
	CHECK(json_array_size(json_object_get(b, "bids")) == 3
	          && json_array_size(json_object_get(b, "asks")) == 3,
	      "bitfinex: depth per side");
	json_decref(r);
	r = parse_file(v, BBO, &iot, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "bid_px"), "0.0010262") == 0
	          && strcmp(S(b, "ask_qty"), "8") == 0,
	      "bitfinex: bbo from len=1");
	json_decref(r);

	struct lyra_market btc = mk("bitfinex", "BTC/USDT", "tBTCUST", "spot", NULL);
	json_t *e = ccxt_entry("bitfinex", "ccxt-fetchTrades.json");
	r = parse_file(v, TRADES, &btc, "trades.json", 0, NULL);
	CHECK(all_valid(r) && strcmp(S(json_array_get(r, 0), "px"), "73218") == 0
	          && strcmp(S(json_array_get(r, 0), "qty"), "0.00019983") == 0,
	      "bitfinex: trade numbers exact");
	ccxt_trades("bitfinex", r, e);
	json_decref(r);
	json_decref(e);
	e = ccxt_entry("bitfinex", "ccxt-fetchOHLCV.json");
	r = parse_file(v, CANDLES, &btc, "candles.json", 0, "1h");
	CHECK(all_valid(r) && strcmp(S(json_array_get(r, 0), "close"), "3890") == 0
	          && strcmp(S(json_array_get(r, 0), "volume"), "0.05") == 0,
	      "bitfinex: candle order open close high low");
	ccxt_ohlcv("bitfinex", r, e);
	json_decref(r);
	json_decref(e);
	const char *sells = "[[3,1710327651446,-0.5,73219],[2,1710327651000,1e-8,73218.5]]";
	r = parse_body(v, TRADES, &btc, sells, strlen(sells), 0, NULL);
	CHECK(all_valid(r) && strcmp(S(json_array_get(r, 0), "qty"), "0.00000001") == 0
	          && strcmp(S(json_array_get(r, 1), "side"), "sell") == 0
	          && strcmp(S(json_array_get(r, 1), "qty"), "0.5") == 0,
	      "bitfinex: newest first reversed, sells by sign, exponents made plain");
	json_decref(r);

	r = parse_file(v, FUNDING, &perp, "funding.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "rate"), "0.00002") == 0
	          && I(b, "next_ts") == 1691193600000000LL && I(b, "ts") == 1691165059000000LL,
	      "bitfinex: CURRENT_FUNDING and next event");
	json_decref(r);
}

/* ---- bitstamp ---- */

static void test_bitstamp(void)
{
	const struct lyra_venue *v = lyra_venue_find("bitstamp");
	struct mcoll mc;
	struct lyra_venue_req req;

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 140, "bitstamp: 140 pairs");
	const struct lyra_market *m = find_market(&mc, "btcusd");
	CHECK(m && strcmp(m->symbol, "BTC/USD") == 0 && strcmp(D(m->tick), "0.01") == 0
	          && strcmp(D(m->lot), "0.00000001") == 0 && strcmp(D(m->min_notional), "20.0") == 0
	          && strcmp(m->status, "trading") == 0 && strcmp(D(m->maker_fee), "0.003") == 0,
	      "bitstamp: btcusd rules");
	free(mc.v);

	struct lyra_market eth = mk("bitstamp", "ETH/USD", "ethusd", "spot", NULL);
	CHECK(v->book_req(&eth, 10, &req) == 0
	          && strcmp(req.path_query, "/api/v2/order_book/ethusd/") == 0,
	      "bitstamp: order_book request");
	CHECK(v->candles_req(&eth, "15m", 1710327600000000LL, 1720000000000000LL, &req) == 0
	          && strcmp(req.path_query, "/api/v2/ohlc/ethusd/?step=900&limit=1000&start=1710327600")
	                 == 0,
	      "bitstamp: ohlc request");

	json_t *r = parse_file(v, BOOK, &eth, "book.json", 10, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(all_valid(r) && I(b, "seq") == 1641343695681418LL && I(b, "ts") == 1641343695681418LL
	          && strcmp(L(b, "bids", 0, 0), "3802.90") == 0
	          && strcmp(L(b, "bids", 0, 1), "0.60000000") == 0
	          && json_array_size(json_object_get(b, "asks")) == 10,
	      "bitstamp: book seq is microtimestamp");
	json_decref(r);
	r = parse_file(v, BBO, &eth, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "bid_px"), "3802.90") == 0, "bitstamp: bbo from the book");
	json_decref(r);

	struct lyra_market btc = mk("bitstamp", "BTC/USDT", "btcusdt", "spot", NULL);
	json_t *e = ccxt_entry("bitstamp", "ccxt-fetchTrades.json");
	r = parse_file(v, TRADES, &btc, "trades.json", 0, NULL);
	CHECK(all_valid(r) && I(json_array_get(r, 0), "ts") == 1710327533000000LL, "bitstamp: trades");
	ccxt_trades("bitstamp", r, e);
	json_decref(r);
	json_decref(e);
	e = ccxt_entry("bitstamp", "ccxt-fetchOHLCV.json");
	r = parse_file(v, CANDLES, &btc, "candles.json", 0, "1h");
	CHECK(all_valid(r), "bitstamp: candles valid");
	ccxt_ohlcv("bitstamp", r, e);
	json_decref(r);
	json_decref(e);
}

/* ---- gemini ---- */

static void test_gemini(void)
{
	const struct lyra_venue *v = lyra_venue_find("gemini");
	struct mcoll mc;
	struct lyra_venue_req req;

	CHECK_INT(parse_markets(v, 0, "markets.json", &mc), 71, "gemini: 71 symbols");
	const struct lyra_market *m = find_market(&mc, "btcusd");
	CHECK(m && strcmp(m->symbol, "BTC/USD") == 0 && strcmp(D(m->tick), "0.01") == 0
	          && strcmp(D(m->lot), "0.00000001") == 0 && strcmp(D(m->min_qty), "0.00001") == 0
	          && strcmp(m->status, "trading") == 0,
	      "gemini: quote_increment is the tick, tick_size the lot");
	m = find_market(&mc, "btcgusd");
	CHECK(m && strcmp(m->status, "halted") == 0, "gemini: closed is halted");
	m = find_market(&mc, "btcdai");
	CHECK(m && strcmp(m->status, "trading") == 0, "gemini: limit_only still trades");
	free(mc.v);
	const char *perp = "[{\"symbol\":\"BTCGUSDPERP\",\"base_currency\":\"BTC\",\"quote_currency\":"
	                   "\"GUSD\",\"tick_size\":0.0001,\"quote_increment\":0.5,\"min_order_size\":"
	                   "\"0.0001\",\"status\":\"open\",\"product_type\":\"swap\",\"contract_type\":"
	                   "\"linear\",\"contract_price_currency\":\"GUSD\"}]";
	memset(&mc, 0, sizeof mc);
	CHECK(v->parse_markets(0, perp, strlen(perp), mkt_cb, &mc) == 0 && mc.n == 1
	          && strcmp(mc.v[0].symbol, "BTC/GUSD:GUSD") == 0
	          && strcmp(mc.v[0].venue_symbol, "btcgusdperp") == 0
	          && strcmp(D(mc.v[0].maker_fee), "0.0002") == 0,
	      "gemini: BTCGUSDPERP is BTC/GUSD:GUSD");
	free(mc.v);

	struct lyra_market btc = mk("gemini", "BTC/USDT", "btcusdt", "spot", NULL);
	CHECK(v->markets_req(0, &req) == 1 && strcmp(req.path_query, "/v1/symbols/details/all") == 0
	          && v->markets_req(1, &req) == 0,
	      "gemini: every symbol's details in one request");
	CHECK(v->bbo_req(&btc, &req) == 0
	          && strcmp(req.path_query, "/v1/book/btcusdt?limit_bids=1&limit_asks=1") == 0,
	      "gemini: bbo from the book");
	CHECK(v->candles_req(&btc, "1d", 0, 1, &req) == 0
	          && strcmp(req.path_query, "/v2/candles/btcusdt/1day") == 0,
	      "gemini: candles request");

	struct lyra_market alcx = mk("gemini", "ALCX/USD", "alcxusd", "spot", NULL);
	json_t *r = parse_file(v, BOOK, &alcx, "book.json", 0, NULL);
	json_t *b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(L(b, "bids", 0, 0), "302.75") == 0
	          && strcmp(L(b, "bids", 0, 1), "0.00001") == 0
	          && strcmp(L(b, "asks", 0, 0), "303.05") == 0
	          && json_array_size(json_object_get(b, "asks")) == 10,
	      "gemini: book");
	json_decref(r);
	r = parse_file(v, BBO, &alcx, "bbo.json", 0, NULL);
	b = json_array_get(r, 0);
	CHECK(all_valid(r) && strcmp(S(b, "ask_qty"), "8.12974") == 0, "gemini: bbo");
	json_decref(r);

	json_t *e = ccxt_entry("gemini", "ccxt-fetchTrades.json");
	r = parse_file(v, TRADES, &btc, "trades.json", 0, NULL);
	CHECK(all_valid(r), "gemini: trades valid");
	ccxt_trades("gemini", r, e);
	json_decref(r);
	json_decref(e);
	const char *auction = "[{\"timestamp\":1,\"timestampms\":1000,\"tid\":7,\"price\":\"1\","
	                      "\"amount\":\"2\",\"exchange\":\"gemini\",\"type\":\"auction\"}]";
	r = parse_body(v, TRADES, &btc, auction, strlen(auction), 0, NULL);
	CHECK(r && json_array_size(r) == 0, "gemini: auction trades have no side: left out");
	json_decref(r);
	e = ccxt_entry("gemini", "ccxt-fetchOHLCV.json");
	r = parse_file(v, CANDLES, &btc, "candles.json", 0, "1h");
	CHECK(all_valid(r) && strcmp(S(json_array_get(r, 0), "open"), "73402.61") == 0,
	      "gemini: candle numbers exact");
	ccxt_ohlcv("gemini", r, e);
	json_decref(r);
	json_decref(e);
}

/* ---- errors ---- */

static void test_errors(void)
{
	static const struct {
		const char *venue;
		enum kind kind;
		const char *body;
		const char *want;
	} cases[] = {
		{"binance", BOOK, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}",
		 "binance: /api/v3/depth: Invalid symbol. (code -1121)"},
		{"okx", BOOK, "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\",\"data\":[]}",
		 "okx: /api/v5/market/books: Instrument ID does not exist (code 51001)"},
		{"coinbase", TRADES, "{\"message\":\"NotFound\"}",
		 "coinbase: /products/{id}/trades: NotFound"},
		{"kraken", BOOK, "{\"error\":[\"EQuery:Unknown asset pair\"]}",
		 "kraken: /0/public/Depth: EQuery:Unknown asset pair"},
		{"gateio", TRADES,
		 "{\"label\":\"INVALID_CURRENCY_PAIR\",\"message\":\"Invalid currency pair BTC_XXX\"}",
		 "gateio: /spot/trades: Invalid currency pair BTC_XXX (code INVALID_CURRENCY_PAIR)"},
		{"bitfinex", CANDLES, "[\"error\",10020,\"symbol: invalid\"]",
		 "bitfinex: /candles/{key}/hist: symbol: invalid (code 10020)"},
		{"bitstamp", TRADES, "{\"status\":\"error\",\"reason\":\"Invalid pair.\",\"code\":\"API0006\"}",
		 "bitstamp: /api/v2/transactions/{pair}/: Invalid pair. (code API0006)"},
		{"gemini", BBO,
		 "{\"result\":\"error\",\"reason\":\"InvalidSymbol\",\"message\":\"Supplied value 'x' is "
		 "not a valid symbol\"}",
		 "gemini: /v1/book/{symbol}: Supplied value 'x' is not a valid symbol (code InvalidSymbol)"},
		{"binance", BOOK, "<html><body>502 Bad Gateway</body></html>", "malformed JSON"},
		{"okx", TRADES, "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"instId\":\"BTC-USDT\"", "malformed JSON"},
		{"binance", BOOK, "{\"lastUpdateId\":1,\"bids\":[[\"1.2.3\",\"1\"]],\"asks\":[]}",
		 "binance: /api/v3/depth: level 0: 'price': bad decimal '1.2.3'"},
		{"binance", BOOK, "{\"bids\":[],\"asks\":[]}", "binance: /api/v3/depth: 'lastUpdateId': missing"},
		{"kraken", TRADES, "{\"error\":[],\"result\":{\"XBTUSDT\":[[\"1\",\"2\",\"x\",\"b\"]]}}",
		 "kraken: /0/public/Trades: trade 0: 'time': bad time 'x'"},
		{"kraken", BBO, "{\"error\":[],\"result\":{}}", "kraken: /0/public/Ticker: no pair in 'result'"},
		{"coinbase", TRADES, "[{\"trade_id\":1,\"side\":\"up\",\"size\":\"1\",\"price\":\"1\",\"time\":"
		 "\"2024-03-13T11:00:17Z\"}]", "coinbase: /products/{id}/trades: trade 0: 'side': not buy or sell"},
		{"bitfinex", BOOK, "[[1,1]]", "bitfinex: /book/{symbol}/P0: level 0: not a [price, count, amount] row"},
		{"gemini", CANDLES, "[[1,2,3]]", "gemini: /v2/candles/{symbol}/{time_frame}: candle 0: not a candle row"},
		{"bitstamp", CANDLES, "{\"data\":{}}", "bitstamp: /api/v2/ohlc/{pair}/: missing 'data.ohlc'"},
		{"gateio", CANDLES, "{}", "gateio: /spot/candlesticks: not an array"},
		{"okx", CANDLES, "{\"code\":\"0\",\"data\":[[\"1\",\"nan\",\"1\",\"1\",\"1\",\"1\",\"1\"]]}",
		 "okx: /api/v5/market/history-candles: candle 0: 'open': bad decimal 'nan'"},
		{"binance", TRADES, "", "malformed JSON"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct lyra_venue *v = lyra_venue_find(cases[i].venue);
		struct lyra_market m = mk(cases[i].venue, "BTC/USDT", "BTCUSDT", "spot", NULL);
		json_t *r = parse_body(v, cases[i].kind, &m, cases[i].body, strlen(cases[i].body), 0, "1m");
		char name[300];
		snprintf(name, sizeof name, "%s: error case %zu -> -1, 65, message", cases[i].venue, i);
		int ok = r == NULL && lyra_error_code() == LYRA_EX_DATAERR
		         && strstr(lyra_error_msg(), cases[i].want) != NULL
		         && strncmp(lyra_error_msg(), cases[i].venue, strlen(cases[i].venue)) == 0;
		CHECK(ok, name);
		if (!ok)
			printf("#   got '%s'\n", lyra_error_msg());
		json_decref(r);
	}

	/* A callback that stops: the parser stops too, with the callback's error. */
	const struct lyra_venue *k = lyra_venue_find("kraken");
	struct lyra_market btc = mk("kraken", "BTC/USDT", "XBTUSDT", "spot", NULL);
	size_t len;
	char *body = slurp("kraken", "trades.json", &len);
	struct coll c = {json_array(), 3};
	CHECK(body && k->parse_trades(&btc, body, len, NOW, rec_cb, &c) < 0
	          && json_array_size(c.recs) == 3
	          && strcmp(lyra_error_msg(), "stopped by the test") == 0,
	      "a callback's -1 stops the parser with its own error");
	json_decref(c.recs);
	free(body);
	struct mcoll mc = {0};
	CHECK(k->parse_markets(0, "[]", 2, mkt_cb, &mc) < 0
	          && strstr(lyra_error_msg(), "kraken: /0/public/AssetPairs"),
	      "kraken: markets body of the wrong shape");
	free(mc.v);
}

/* ---- ROUTES: every request an adapter makes is served by the fixture of its kind ---- */

static int seg_match(const char *pat, const char *path, size_t plen)
{
	while (*pat && plen) {
		if (pat[0] == '{') {
			const char *pe = strchr(pat, '}');
			if (!pe)
				return 0;
			pat = pe + 1;
			while (plen && *path != '/') {
				path++;
				plen--;
			}
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
		plen--;
	}
	return !*pat && !plen;
}

/* q ("?a=1&b=2") carries the parameter cond ("b=2") exactly. */
static int query_has(const char *q, const char *cond)
{
	size_t n = strlen(cond);
	for (const char *p = q; p && *p; p = strchr(p + 1, '&'))
		if (strncmp(p + 1, cond, n) == 0 && (p[1 + n] == '&' || p[1 + n] == '\0'))
			return 1;
	return 0;
}

static const char *route_kind(char *routes, const char *venue, const char *pq)
{
	static char kind[16];
	const char *q = strchr(pq, '?');
	size_t plen = q ? (size_t)(q - pq) : strlen(pq);
	char *save = NULL, *copy = strdup(routes);
	const char *found = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *s2 = NULL;
		int n = 0;
		if (line[0] == '#')
			continue;
		for (char *t = strtok_r(line, "\t", &s2); t && n < 5; t = strtok_r(NULL, "\t", &s2))
			f[n++] = t;
		if (n != 5 || strcmp(f[0], venue) != 0 || !seg_match(f[2], pq, plen))
			continue;
		if (strcmp(f[3], "-") != 0 && !query_has(q, f[3]))
			continue;
		snprintf(kind, sizeof kind, "%s", f[1]);
		found = kind;
		break;
	}
	free(copy);
	return found;
}

static void test_routes(void)
{
	size_t len;
	char *routes = slurp(".", "ROUTES", &len);
	CHECK(routes != NULL, "ROUTES readable");
	if (!routes)
		return;
	const struct lyra_venue *const *vs = lyra_venues();
	for (int i = 0; vs[i]; i++) {
		const struct lyra_venue *v = vs[i];
		struct lyra_market ms[2] = {mk(v->id, "BTC/USDT", "BTCUSDT", "spot", NULL),
		                            mk(v->id, "BTC/USDT:USDT", "BTCUSDT", "perpetual", NULL)};
		struct lyra_venue_req req;
		char name[200];
		for (int page = 0; v->markets_req(page, &req) == 1; page++) {
			const char *k = route_kind(routes, v->id, req.path_query);
			snprintf(name, sizeof name, "%s: ROUTES serves markets page %d (%.120s)", v->id, page,
			         req.path_query);
			CHECK(k && strcmp(k, "markets") == 0, name);
		}
		for (int p = 0; p < 2; p++) {
			const struct lyra_market *m = &ms[p];
			struct {
				const char *kind;
				int ok;
			} reqs[6] = {
				{"book", v->book_req(m, 50, &req) == 0},
			};
			char paths[6][1024];
			snprintf(paths[0], sizeof paths[0], "%s", req.path_query);
			reqs[1].kind = "bbo";
			reqs[1].ok = v->bbo_req(m, &req) == 0;
			snprintf(paths[1], sizeof paths[1], "%s", req.path_query);
			reqs[2].kind = "trades";
			reqs[2].ok = v->trades_req(m, 10, &req) == 0;
			snprintf(paths[2], sizeof paths[2], "%s", req.path_query);
			reqs[3].kind = "candles";
			reqs[3].ok = v->candles_req(m, "1h", 1710000000000000LL, 1710100000000000LL, &req) == 0;
			snprintf(paths[3], sizeof paths[3], "%s", req.path_query);
			reqs[4].kind = "funding";
			reqs[4].ok = p == 1 && v->funding_req && v->funding_req(m, &req) == 0;
			snprintf(paths[4], sizeof paths[4], "%s", req.path_query);
			for (int r = 0; r < 5; r++) {
				if (!reqs[r].ok)
					continue;
				/* Routes for perpetual endpoints exist where the fixtures have them. */
				const char *k = route_kind(routes, v->id, paths[r]);
				if (p == 1 && !k && r != 4)
					continue;
				snprintf(name, sizeof name, "%s: ROUTES serves %s %s (%.120s)", v->id, m->instrument,
				         reqs[r].kind, paths[r]);
				/* A venue whose bbo comes from the book endpoint unchanged is served book.json. */
				int same_as_book = r == 1 && strcmp(paths[1], paths[0]) == 0;
				CHECK(k && (strcmp(k, reqs[r].kind) == 0 || (same_as_book && strcmp(k, "book") == 0)),
				      name);
			}
		}
	}
	free(routes);
}

int main(void)
{
	FILE *f = fopen("tests/fixtures/venues/kraken/markets.json", "rb");
	if (f)
		fclose(f);
	else
		fixdir = "../../../tests/fixtures/venues";
	test_registry();
	test_binance();
	test_okx();
	test_coinbase();
	test_kraken();
	test_gateio();
	test_bitfinex();
	test_bitstamp();
	test_gemini();
	test_errors();
	test_routes();
	return unit_done();
}
