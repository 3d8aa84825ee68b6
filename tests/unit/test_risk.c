/* test_risk: every rule of the risk engine at, just under and just over its limit, scopes,
 * rounding, REDUCING and HALTED, breakers, and the store round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "record.h"
#include "risk.h"
#include "store.h"
#include "unit.h"

static char out[4096];

static json_t *rec_of(const char *line)
{
	char why[128];
	json_t *r = lyra_record_parse(line, strlen(line), why, sizeof why);
	if (!r)
		printf("# parse: %s\n", why);
	return r;
}

static void feed(struct lyra_risk *r, const char *line)
{
	json_t *j = rec_of(line);
	const char *t = lyra_json_get_str(j, "type");
	if (lyra_risk_observe(r, t, j) != 0)
		printf("# observe: %s\n", lyra_error_msg());
	json_decref(j);
}

/* Check an order line; out gets the resulting record. */
static int chk(struct lyra_risk *r, const char *line, unsigned flags)
{
	json_t *j = rec_of(line);
	int rc = lyra_risk_check(r, j, flags);
	char *s = lyra_record_dump(j);
	snprintf(out, sizeof out, "%s", s ? s : "");
	free(s);
	json_decref(j);
	return rc;
}

static char line[1024];

static const char *order(const char *id, int64_t ts, const char *side, const char *px,
                         const char *qty)
{
	snprintf(line, sizeof line, "{\"type\":\"order\",\"ts\":%lld,\"id\":\"%s\",\"venue\":\"paper\","
	         "\"symbol\":\"BTC/USDT\",\"side\":\"%s\",\"kind\":\"limit\",\"px\":\"%s\","
	         "\"qty\":\"%s\"}", (long long)ts, id, side, px, qty);
	return line;
}

static struct lyra_risk *fresh(void)
{
	struct lyra_risk *r = lyra_risk_new();
	/* defaults (max_position 5000, gross 13000) are lifted so each test sees one rule */
	lyra_risk_limit_set(r, "global", "max_position", "1000000");
	lyra_risk_limit_set(r, "global", "max_gross_exposure", "1000000");
	return r;
}

#define MARKET "{\"type\":\"market\",\"ts\":1,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\"," \
	"\"venue_symbol\":\"BTCUSDT\",\"base\":\"BTC\",\"quote\":\"USDT\",\"instrument\":\"spot\"," \
	"\"tick\":\"0.5\",\"lot\":\"0.01\",\"min_qty\":\"0.02\",\"min_notional\":\"10\"," \
	"\"maker_fee\":\"0\",\"taker_fee\":\"0\",\"status\":\"trading\"}"

static void test_defaults(void)
{
	struct lyra_risk *r = lyra_risk_new();
	const struct lyra_risk_limit_def *d = lyra_risk_limit_defs();
	int seen = 0;
	for (int i = 0; d[i].name; i++) {
		if (strcmp(d[i].name, "max_position") == 0)
			seen += strcmp(d[i].def, "5000") == 0;
		if (strcmp(d[i].name, "max_gross_exposure") == 0)
			seen += strcmp(d[i].def, "13000") == 0;
		if (strcmp(d[i].name, "daily_loss") == 0)
			seen += strcmp(d[i].def, "500") == 0;
		if (strcmp(d[i].name, "drawdown_pct") == 0)
			seen += strcmp(d[i].def, "15") == 0;
		if (strcmp(d[i].name, "max_open_positions") == 0)
			seen += strcmp(d[i].def, "10") == 0;
	}
	CHECK_INT(seen, 5, "documented defaults");
	/* max_position 5000 by default: 100 x 50 = 5000 passes, 100 x 50.01 does not */
	CHECK_INT(chk(r, order("a", 10, "buy", "100", "50"), 0), LYRA_RISK_PASS, "default max_position at");
	lyra_risk_free(r);
	r = lyra_risk_new();
	CHECK_INT(chk(r, order("a", 10, "buy", "100", "50.01"), 0), LYRA_RISK_REJECT,
	          "default max_position over");
	CHECK(strstr(out, "{\"rule\":\"max_position\",\"scope\":\"default\",\"limit\":\"5000\","
	      "\"value\":\"5001\"}") != NULL, "max_position reason exact");
	lyra_risk_free(r);
}

static void test_order_limits(void)
{
	struct lyra_risk *r = fresh();
	lyra_risk_limit_set(r, "global", "max_order_notional", "1000");
	lyra_risk_limit_set(r, "global", "max_order_qty", "2");
	CHECK_INT(chk(r, order("a", 10, "buy", "500", "2"), 0), LYRA_RISK_PASS, "notional at 1000");
	CHECK(strstr(out, "\"checks\":[\"max_order_qty\",\"max_order_notional\"") != NULL,
	      "pass lists checks");
	CHECK(strncmp(out, "{\"type\":\"order\"", 15) == 0, "pass keeps type order");
	CHECK_INT(chk(r, order("b", 10, "buy", "499.99", "2"), 0), LYRA_RISK_PASS, "notional under");
	CHECK_INT(chk(r, order("c", 10, "buy", "500.01", "2"), 0), LYRA_RISK_REJECT, "notional over");
	CHECK_STR(out, "{\"type\":\"reject\",\"ts\":10,\"id\":\"c\",\"venue\":\"paper\",\"symbol\":"
	          "\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"500.01\",\"qty\":\"2\","
	          "\"reasons\":[{\"rule\":\"max_order_notional\",\"scope\":\"global\",\"limit\":\"1000\","
	          "\"value\":\"1000.02\"}]}", "reject record exact");
	CHECK_INT(chk(r, order("d", 10, "buy", "1", "2.001"), 0), LYRA_RISK_REJECT, "qty over");
	CHECK(strstr(out, "\"rule\":\"max_order_qty\",\"scope\":\"global\",\"limit\":\"2\",\"value\":\"2.001\"")
	      != NULL, "qty reason");
	CHECK_INT(chk(r, order("e", 10, "buy", "600", "2.5"), 0), LYRA_RISK_REJECT, "two rules fail");
	CHECK(strstr(out, "max_order_qty") && strstr(out, "\"value\":\"1500\""), "every failed rule listed");
	lyra_risk_free(r);
}

static void test_scopes(void)
{
	struct lyra_risk *r = fresh();
	lyra_risk_limit_set(r, "global", "max_order_qty", "1");
	lyra_risk_limit_set(r, "venue:paper", "max_order_qty", "2");
	lyra_risk_limit_set(r, "symbol:BTC/USDT", "max_order_qty", "3");
	lyra_risk_limit_set(r, "strategy:twap", "max_order_qty", "4");
	CHECK_INT(chk(r, order("a", 1, "buy", "1", "3"), 0), LYRA_RISK_PASS, "symbol beats venue");
	CHECK_INT(chk(r, order("b", 1, "buy", "1", "3.1"), 0), LYRA_RISK_REJECT, "symbol scope limit");
	CHECK(strstr(out, "\"scope\":\"symbol:BTC/USDT\",\"limit\":\"3\"") != NULL, "scope named");
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":1,\"id\":\"c\",\"venue\":\"paper\",\"symbol\":"
	              "\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"4\","
	              "\"strategy\":\"twap\"}", 0), LYRA_RISK_PASS, "strategy beats symbol");
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":1,\"id\":\"d\",\"venue\":\"okx\",\"symbol\":"
	              "\"ETH/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1.5\"}", 0),
	          LYRA_RISK_REJECT, "global for other venue and symbol");
	lyra_risk_free(r);
}

static void test_instrument(void)
{
	struct lyra_risk *r = fresh();
	feed(r, MARKET);
	CHECK_INT(chk(r, order("a", 1, "buy", "500.5", "0.02"), 0), LYRA_RISK_PASS, "tick, lot, min ok");
	CHECK_INT(chk(r, order("b", 1, "buy", "500.3", "0.025"), 0), LYRA_RISK_REJECT, "off tick and lot");
	CHECK(strstr(out, "{\"rule\":\"tick\",\"scope\":\"market\",\"limit\":\"0.5\",\"value\":\"500.3\"}")
	      && strstr(out, "{\"rule\":\"lot\",\"scope\":\"market\",\"limit\":\"0.01\",\"value\":\"0.025\"}"),
	      "tick and lot reasons");
	CHECK_INT(chk(r, order("c", 1, "sell", "600.3", "0.025"), LYRA_RISK_ROUND), LYRA_RISK_PASS,
	          "--round fixes tick and lot");
	CHECK(strstr(out, "\"px\":\"600.5\",\"qty\":\"0.02\"") != NULL, "sell px rounded up, qty down");
	CHECK(strstr(out, "\"rounded\":{\"px\":{\"from\":\"600.3\",\"to\":\"600.5\"},\"qty\":{\"from\":"
	      "\"0.025\",\"to\":\"0.02\"}}") != NULL, "rounding recorded");
	CHECK_INT(chk(r, order("d", 1, "buy", "600.3", "0.02"), LYRA_RISK_ROUND), LYRA_RISK_PASS,
	          "buy px rounded down");
	CHECK(strstr(out, "\"px\":\"600.0\"") != NULL, "buy px 600.0");
	CHECK_INT(chk(r, order("e", 1, "buy", "1000", "0.01"), 0), LYRA_RISK_REJECT, "min_qty under");
	CHECK(strstr(out, "{\"rule\":\"min_qty\",\"scope\":\"market\",\"limit\":\"0.02\",\"value\":\"0.01\"}"),
	      "min_qty reason");
	CHECK_INT(chk(r, order("f", 1, "buy", "500", "0.02"), 0), LYRA_RISK_PASS, "min_notional at 10");
	CHECK_INT(chk(r, order("g", 1, "buy", "499.5", "0.02"), 0), LYRA_RISK_REJECT, "min_notional under");
	CHECK(strstr(out, "{\"rule\":\"min_notional\",\"scope\":\"market\",\"limit\":\"10\",\"value\":\"9.99\"}"),
	      "min_notional reason");
	lyra_risk_free(r);
}

static void test_band(void)
{
	struct lyra_risk *r = fresh();
	lyra_risk_limit_set(r, "global", "price_band_pct", "5");
	CHECK_INT(chk(r, order("a", 1, "buy", "100", "1"), 0), LYRA_RISK_REJECT, "band without mark");
	CHECK(strstr(out, "\"value\":\"no mark\"") != NULL, "no mark named");
	feed(r, "{\"type\":\"bbo\",\"ts\":2,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"bid_px\":\"99\","
	        "\"bid_qty\":\"1\",\"ask_px\":\"101\",\"ask_qty\":\"1\"}");
	CHECK_INT(chk(r, order("b", 3, "buy", "105", "1"), 0), LYRA_RISK_PASS, "band at 5%");
	CHECK_INT(chk(r, order("c", 3, "sell", "95", "1"), 0), LYRA_RISK_REJECT, "crosses own buy");
	CHECK(strstr(out, "\"rule\":\"self_cross\"") && strstr(out, "b @ 105"), "self-cross names order");
	CHECK(strstr(out, "price_band_pct") == NULL, "95 is inside the band");
	CHECK_INT(chk(r, order("d", 3, "buy", "105.01", "1"), 0), LYRA_RISK_REJECT, "band over");
	CHECK(strstr(out, "{\"rule\":\"price_band_pct\",\"scope\":\"global\",\"limit\":\"5\",\"value\":"
	      "\"5.01 (mark 100)\"}"), "band reason");
	feed(r, "{\"type\":\"trade\",\"ts\":4,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"id\":\"t\","
	        "\"side\":\"buy\",\"px\":\"200\",\"qty\":\"1\"}");
	CHECK_INT(chk(r, order("e", 5, "buy", "190", "1"), 0), LYRA_RISK_PASS, "trade moves mark");
	feed(r, "{\"type\":\"book\",\"ts\":6,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"seq\":1,"
	        "\"bids\":[[\"299\",\"1\"]],\"asks\":[[\"301\",\"1\"]]}");
	CHECK_INT(chk(r, order("f", 7, "buy", "285", "1"), 0), LYRA_RISK_PASS, "book mid 300, at -5%");
	CHECK_INT(chk(r, order("g", 7, "buy", "284.99", "1"), 0), LYRA_RISK_REJECT, "book mid, over");
	lyra_risk_free(r);
}

static void test_positions(void)
{
	struct lyra_risk *r = lyra_risk_new();
	lyra_risk_limit_set(r, "global", "max_position", "1000");
	lyra_risk_limit_set(r, "global", "max_gross_exposure", "1500");
	feed(r, "{\"type\":\"fill\",\"ts\":1,\"id\":\"x\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"buy\",\"px\":\"100\",\"qty\":\"6\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"1\"}");
	/* position 6 @ 100: another 4 is 1000, at the limit; 4.01 is over */
	CHECK_INT(chk(r, order("a", 2, "buy", "100", "4.01"), 0), LYRA_RISK_REJECT, "position over");
	CHECK(strstr(out, "{\"rule\":\"max_position\",\"scope\":\"global\",\"limit\":\"1000\",\"value\":"
	      "\"1001\"}"), "position reason");
	CHECK_INT(chk(r, order("b", 2, "buy", "100", "4"), 0), LYRA_RISK_PASS, "position at");
	/* b is in flight: 10 long worst case; a further 0.01 is over */
	CHECK_INT(chk(r, order("c", 2, "buy", "100", "0.01"), 0), LYRA_RISK_REJECT, "in-flight counted");
	feed(r, "{\"type\":\"order_event\",\"ts\":3,\"id\":\"b\",\"venue\":\"paper\",\"symbol\":"
	        "\"BTC/USDT\",\"status\":\"cancelled\"}");
	CHECK_INT(chk(r, order("d", 4, "buy", "100", "3.99"), 0), LYRA_RISK_PASS, "cancel frees room");
	/* gross: ETH 5 x 100 = 500 more than 1500 - 999 */
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":5,\"id\":\"e\",\"venue\":\"paper\",\"symbol\":"
	              "\"ETH/USDT\",\"side\":\"sell\",\"kind\":\"limit\",\"px\":\"100\",\"qty\":\"5.02\"}", 0),
	          LYRA_RISK_REJECT, "gross over");
	CHECK(strstr(out, "{\"rule\":\"max_gross_exposure\",\"scope\":\"global\",\"limit\":\"1500\","
	      "\"value\":\"1501\"}"), "gross reason");
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":5,\"id\":\"f\",\"venue\":\"paper\",\"symbol\":"
	              "\"ETH/USDT\",\"side\":\"sell\",\"kind\":\"limit\",\"px\":\"100\",\"qty\":\"5.01\"}", 0),
	          LYRA_RISK_PASS, "gross at");
	lyra_risk_limit_set(r, "global", "max_net_exposure", "499");
	/* net: +999 long BTC, -501 ETH = 498; a 0.02 ETH sell makes it 496, fine; buy BTC 0.02 -> 500 */
	CHECK_INT(chk(r, order("g", 6, "sell", "100", "0.01"), 0), LYRA_RISK_REJECT, "crosses d");
	lyra_risk_limit_set(r, "global", "max_gross_exposure", "100000");
	lyra_risk_limit_set(r, "global", "max_position", "100000");
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":7,\"id\":\"h\",\"venue\":\"paper\",\"symbol\":"
	              "\"SOL/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1\"}", 0),
	          LYRA_RISK_PASS, "net at 499");
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":7,\"id\":\"i\",\"venue\":\"paper\",\"symbol\":"
	              "\"XRP/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"0.01\"}", 0),
	          LYRA_RISK_REJECT, "net over");
	CHECK(strstr(out, "{\"rule\":\"max_net_exposure\",\"scope\":\"global\",\"limit\":\"499\","
	      "\"value\":\"499.01\"}"), "net reason");
	/* open positions: BTC, ETH, SOL hold or wait; a limit of 4 lets XRP open, 3 does not */
	lyra_risk_limit_set(r, "global", "max_net_exposure", "100000");
	lyra_risk_limit_set(r, "global", "max_open_positions", "3");
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":8,\"id\":\"j\",\"venue\":\"paper\",\"symbol\":"
	              "\"XRP/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1\"}", 0),
	          LYRA_RISK_REJECT, "open positions over");
	CHECK(strstr(out, "{\"rule\":\"max_open_positions\",\"scope\":\"global\",\"limit\":\"3\","
	      "\"value\":\"4\"}"), "open positions reason");
	lyra_risk_limit_set(r, "global", "max_open_positions", "4");
	CHECK_INT(chk(r, "{\"type\":\"order\",\"ts\":8,\"id\":\"k\",\"venue\":\"paper\",\"symbol\":"
	              "\"XRP/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1\"}", 0),
	          LYRA_RISK_PASS, "open positions at");
	lyra_risk_free(r);
}

static void test_open_orders_and_rate(void)
{
	struct lyra_risk *r = fresh();
	lyra_risk_limit_set(r, "global", "max_open_orders", "2");
	CHECK_INT(chk(r, order("a", 1, "buy", "1", "1"), 0), LYRA_RISK_PASS, "1 open");
	CHECK_INT(chk(r, order("b", 1, "buy", "1", "1"), 0), LYRA_RISK_PASS, "2 open: at");
	CHECK_INT(chk(r, order("c", 1, "buy", "1", "1"), 0), LYRA_RISK_REJECT, "3 open: over");
	CHECK(strstr(out, "{\"rule\":\"max_open_orders\",\"scope\":\"global\",\"limit\":\"2\",\"value\":\"3\"}"),
	      "open orders reason");
	feed(r, "{\"type\":\"fill\",\"ts\":2,\"id\":\"a\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"buy\",\"px\":\"1\",\"qty\":\"1\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"1\"}");
	CHECK_INT(chk(r, order("d", 3, "buy", "1", "1"), 0), LYRA_RISK_PASS, "a full fill frees a slot");
	lyra_risk_free(r);

	r = fresh();
	lyra_risk_limit_set(r, "global", "max_orders_per_sec", "2");
	lyra_risk_limit_set(r, "global", "max_orders_per_min", "3");
	CHECK_INT(chk(r, order("a", 1000000, "buy", "1", "1"), 0), LYRA_RISK_PASS, "rate 1");
	CHECK_INT(chk(r, order("b", 1500000, "buy", "1", "1"), 0), LYRA_RISK_PASS, "rate 2/s at");
	CHECK_INT(chk(r, order("c", 1999999, "buy", "1", "1"), 0), LYRA_RISK_REJECT, "rate 3/s over");
	CHECK(strstr(out, "{\"rule\":\"max_orders_per_sec\",\"scope\":\"global\",\"limit\":\"2\",\"value\":\"3\"}"),
	      "per-second reason");
	CHECK_INT(chk(r, order("d", 2000000, "buy", "1", "1"), 0), LYRA_RISK_PASS, "a second later: 3/min at");
	CHECK_INT(chk(r, order("e", 60999999, "buy", "1", "1"), 0), LYRA_RISK_REJECT, "4/min over");
	CHECK(strstr(out, "{\"rule\":\"max_orders_per_min\",\"scope\":\"global\",\"limit\":\"3\",\"value\":\"4\"}"),
	      "per-minute reason");
	CHECK_INT(chk(r, order("f", 61000000, "buy", "1", "1"), 0), LYRA_RISK_PASS, "window moved on");
	lyra_risk_free(r);

	/* the window buffer grows past its first size and still counts exactly */
	r = fresh();
	lyra_risk_limit_set(r, "global", "max_orders_per_min", "1000");
	int ok = 1;
	for (int i = 0; i < 1000; i++) {
		char id[16];
		snprintf(id, sizeof id, "g%d", i);
		ok &= chk(r, order(id, 1000 + i * 1000, "buy", "1", "1"), 0) == LYRA_RISK_PASS;
	}
	CHECK(ok, "1000 orders in a minute pass");
	CHECK_INT(chk(r, order("h", 59000000, "buy", "1", "1"), 0), LYRA_RISK_REJECT, "1001st rejected");
	CHECK(strstr(out, "\"limit\":\"1000\",\"value\":\"1001\"") != NULL, "1001 counted");
	CHECK_INT(chk(r, order("i", 60001000, "buy", "1", "1"), 0), LYRA_RISK_PASS, "oldest left the window");
	lyra_risk_free(r);
}

static void test_lists_and_states(void)
{
	struct lyra_risk *r = fresh();
	lyra_risk_limit_set(r, "global", "allowed_venues", "binance,paper");
	lyra_risk_limit_set(r, "global", "allowed_symbols", "ETH/USDT");
	CHECK_INT(chk(r, order("a", 1, "buy", "1", "1"), 0), LYRA_RISK_REJECT, "symbol not allowed");
	CHECK(strstr(out, "{\"rule\":\"allowed_symbols\",\"scope\":\"global\",\"limit\":\"ETH/USDT\","
	      "\"value\":\"BTC/USDT\"}") && !strstr(out, "allowed_venues\","), "lists");
	lyra_risk_limit_set(r, "global", "allowed_symbols", "ETH/USDT,BTC/USDT");
	CHECK_INT(chk(r, order("b", 1, "buy", "1", "1"), 0), LYRA_RISK_PASS, "symbol allowed");
	lyra_risk_free(r);

	r = fresh();
	feed(r, "{\"type\":\"fill\",\"ts\":1,\"id\":\"x\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"buy\",\"px\":\"100\",\"qty\":\"2\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"1\"}");
	lyra_risk_set_state(r, LYRA_RISK_REDUCING, "test");
	CHECK_INT(chk(r, order("a", 2, "buy", "100", "1"), 0), LYRA_RISK_REJECT, "REDUCING: buy adds");
	CHECK(strstr(out, "\"rule\":\"reducing\"") != NULL, "reducing reason");
	CHECK_INT(chk(r, order("b", 2, "sell", "100", "2.01"), 0), LYRA_RISK_REJECT, "REDUCING: flips");
	CHECK_INT(chk(r, order("c", 2, "sell", "100", "1.5"), 0), LYRA_RISK_PASS, "REDUCING: sell reduces");
	CHECK_INT(chk(r, order("d", 2, "sell", "101", "0.5"), 0), LYRA_RISK_PASS, "REDUCING: to flat");
	CHECK_INT(chk(r, order("e", 2, "sell", "102", "0.01"), 0), LYRA_RISK_REJECT,
	          "REDUCING: in-flight sells count");
	lyra_risk_set_state(r, LYRA_RISK_HALTED, "drill");
	CHECK_INT(chk(r, order("f", 2, "sell", "100", "0.1"), 0), LYRA_RISK_REJECT, "HALTED rejects all");
	CHECK(strstr(out, "{\"rule\":\"halted\",\"scope\":\"global\",\"limit\":\"HALTED\",\"value\":\"drill\"}"),
	      "halted reason");
	lyra_risk_free(r);
}

static void test_breakers(void)
{
	struct lyra_risk *r = fresh();
	enum lyra_risk_state s;
	const char *why;
	lyra_risk_limit_set(r, "global", "daily_loss", "100");
	feed(r, "{\"type\":\"fill\",\"ts\":1,\"id\":\"x\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"buy\",\"px\":\"100\",\"qty\":\"10\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"1\"}");
	feed(r, "{\"type\":\"fill\",\"ts\":2,\"id\":\"y\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"sell\",\"px\":\"90\",\"qty\":\"10\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"2\"}");
	CHECK_INT(lyra_risk_tripped(r, &s, &why), 0, "loss at 100 does not trip");
	feed(r, "{\"type\":\"fill\",\"ts\":3,\"id\":\"z\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"buy\",\"px\":\"90\",\"qty\":\"1\",\"fee\":\"0.01\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"3\"}");
	CHECK_INT(lyra_risk_tripped(r, &s, &why), 1, "fee makes it 100.01: trips");
	CHECK_INT(s, LYRA_RISK_REDUCING, "daily loss -> REDUCING");
	CHECK_STR(why, "daily_loss: realised loss 100.01 exceeds 100", "daily loss reason");
	CHECK_INT(lyra_risk_tripped(r, &s, &why), 0, "reported once");
	lyra_risk_free(r);

	r = fresh();
	lyra_risk_limit_set(r, "global", "equity", "1000");
	lyra_risk_limit_set(r, "global", "drawdown_pct", "10");
	lyra_risk_limit_set(r, "global", "daily_loss", "100000");
	feed(r, "{\"type\":\"fill\",\"ts\":1,\"id\":\"x\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"buy\",\"px\":\"100\",\"qty\":\"5\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"1\"}");
	feed(r, "{\"type\":\"fill\",\"ts\":2,\"id\":\"y\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"sell\",\"px\":\"80\",\"qty\":\"5\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"2\"}");
	CHECK_INT(lyra_risk_tripped(r, &s, &why), 0, "drawdown 10% at the limit");
	feed(r, "{\"type\":\"fill\",\"ts\":3,\"id\":\"z\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"side\":\"buy\",\"px\":\"80\",\"qty\":\"1\",\"fee\":\"0.01\",\"fee_ccy\":\"USDT\","
	        "\"liquidity\":\"maker\",\"trade_id\":\"3\"}");
	CHECK_INT(lyra_risk_tripped(r, &s, &why), 1, "drawdown over trips");
	CHECK_STR(why, "drawdown_pct: drawdown 10.001% exceeds 10%", "drawdown reason");
	lyra_risk_free(r);

	r = fresh();
	lyra_risk_limit_set(r, "global", "reject_storm", "2");
	lyra_risk_limit_set(r, "global", "max_order_qty", "1");
	chk(r, order("a", 1, "buy", "1", "2"), 0);
	chk(r, order("b", 2, "buy", "1", "2"), 0);
	CHECK_INT(lyra_risk_tripped(r, &s, &why), 0, "2 rejects: at");
	chk(r, order("c", 3, "buy", "1", "2"), 0);
	CHECK_INT(lyra_risk_tripped(r, &s, &why), 1, "3 rejects: storm");
	CHECK_INT(s, LYRA_RISK_HALTED, "storm -> HALTED");
	CHECK_INT(chk(r, order("d", 4, "buy", "1", "1"), 0), LYRA_RISK_REJECT, "halted now");
	lyra_risk_free(r);
}

static void test_parity_and_equity_rules(void)
{
	/* A +-10%, B +-5% (half the volatility): 1/3 and 2/3 either way; uncorrelated 3 assets */
	double ret[] = { 0.1, -0.05, -0.1, 0.05, 0.1, 0.05 }, vol[3], w[3], rc[3];
	CHECK_INT(lyra_risk_parity(ret, 3, 2, 0, vol, w, rc), 0, "inverse-vol");
	CHECK(w[0] > 0.333333333 && w[0] < 0.333333334 && w[1] > 0.666666666, "weights 1/3, 2/3");
	CHECK_INT(lyra_risk_parity(ret, 3, 2, 1, vol, w, rc), 0, "erc");
	CHECK(w[0] > 0.333333333 && w[0] < 0.333333334 && rc[0] > 0.4999999 && rc[0] < 0.5000001,
	      "erc of two = inverse-vol, half the risk each");
	double r3[] = { 0.01, 0.02, 0.04, 0.01, -0.02, -0.04, -0.01, 0.02, -0.04, -0.01, -0.02, 0.04 };
	CHECK_INT(lyra_risk_parity(r3, 4, 3, 1, vol, w, rc), 0, "erc of three");
	CHECK(w[0] > 4.0 / 7 - 1e-9 && w[0] < 4.0 / 7 + 1e-9 && w[2] > 1.0 / 7 - 1e-9 &&
	      w[2] < 1.0 / 7 + 1e-9, "uncorrelated: 4/7, 2/7, 1/7");
	CHECK_INT(lyra_risk_parity(ret, 1, 2, 1, vol, w, rc), -1, "one return is too few");
	double flat[] = { 0.1, 0, -0.1, 0 };
	CHECK_INT(lyra_risk_parity(flat, 2, 2, 1, vol, w, rc), -1, "an asset that never moved");

	/* leverage: gross 2000 against equity 1000 at 2 passes, 2000.1 fails */
	struct lyra_risk *r = fresh();
	lyra_risk_limit_set(r, "global", "max_leverage", "2");
	CHECK_INT(chk(r, order("a", 1, "buy", "100", "20"), 0), LYRA_RISK_REJECT, "no equity limit");
	CHECK(strstr(out, "\"value\":\"no equity limit\"") != NULL, "says why");
	lyra_risk_limit_set(r, "global", "equity", "1000");
	CHECK_INT(chk(r, order("b", 2, "buy", "100", "20"), 0), LYRA_RISK_PASS, "2x at the limit");
	CHECK_INT(chk(r, order("c", 3, "buy", "100", "0.001"), 0), LYRA_RISK_REJECT, "2.0001x over");
	CHECK(strstr(out, "{\"rule\":\"max_leverage\",\"scope\":\"global\",\"limit\":\"2\","
	      "\"value\":\"2.0001\"}") != NULL, "leverage reason exact");
	lyra_risk_free(r);
	/* stale marks: 5 s of event time */
	r = fresh();
	lyra_risk_limit_set(r, "global", "stale_mark_sec", "5");
	feed(r, "{\"type\":\"trade\",\"ts\":1000000,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	        "\"id\":\"1\",\"side\":\"buy\",\"px\":\"100\",\"qty\":\"1\"}");
	CHECK_INT(chk(r, order("a", 6000000, "buy", "100", "1"), 0), LYRA_RISK_PASS, "5 s: at");
	CHECK_INT(chk(r, order("b", 6000001, "sell", "100", "1"), 0), LYRA_RISK_REJECT, "over");
	CHECK(strstr(out, "\"value\":\"5.000001\"") != NULL, "age in seconds");
	lyra_risk_free(r);
}

static void test_bad(void)
{
	struct lyra_risk *r = fresh();
	json_t *j = rec_of("{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"paper\",\"symbol\":"
	                   "\"BTC/USDT\",\"side\":\"hold\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1\"}");
	CHECK_INT(lyra_risk_check(r, j, 0), -1, "bad side");
	CHECK_STR(lyra_error_msg(), "order: bad side 'hold': expected buy or sell", "bad side message");
	CHECK_STR(lyra_json_get_str(j, "type"), "order", "untouched");
	json_decref(j);
	j = rec_of("{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"paper\",\"symbol\":"
	           "\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"-1\"}");
	CHECK_INT(lyra_risk_check(r, j, 0), -1, "negative qty");
	json_decref(j);
	j = rec_of("{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"paper\",\"symbol\":"
	           "\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"x\",\"qty\":\"1\"}");
	CHECK_INT(lyra_risk_check(r, j, 0), -1, "bad px");
	json_decref(j);
	CHECK_INT(lyra_risk_limit_set(r, "galaxy", "max_order_qty", "1"), -1, "bad scope");
	CHECK_INT(lyra_risk_limit_set(r, "global", "max_order_qtty", "1"), -1, "unknown limit");
	CHECK_INT(lyra_risk_limit_set(r, "global", "max_order_qty", "-1"), -1, "negative limit");
	CHECK_INT(lyra_risk_limit_validate("venue:", "max_order_qty", "1"), -1, "empty key");
	lyra_risk_free(r);
}

static void test_store(void)
{
	char path[] = "/tmp/test_risk_XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	struct lyra_store *st = lyra_store_open(path);
	CHECK(st != NULL, "store opens");
	if (!st)
		return;
	enum lyra_risk_state s;
	char reason[64];
	int64_t since;
	CHECK_INT(lyra_risk_state_get(st, &s, reason, sizeof reason, &since), 0, "state get");
	CHECK_INT(s, LYRA_RISK_ACTIVE, "ACTIVE when never set");
	CHECK_INT(since, 0, "never set");
	CHECK_INT(lyra_risk_state_set(st, "tester", LYRA_RISK_HALTED, "drill", 0), 0, "halt");
	lyra_risk_state_get(st, &s, reason, sizeof reason, &since);
	CHECK_INT(s, LYRA_RISK_HALTED, "HALTED stored");
	CHECK_STR(reason, "drill", "reason stored");
	CHECK_INT(lyra_store_begin(st), 0, "begin");
	CHECK_INT(lyra_risk_limit_put(st, "symbol:BTC/USDT", "max_order_qty", "3"), 0, "put");
	CHECK_INT(lyra_risk_limit_put(st, "global", "max_order_qty", "x"), -1, "put validates");
	CHECK_INT(lyra_store_commit(st), 0, "commit");
	struct lyra_risk *r = fresh();
	CHECK_INT(lyra_risk_load(r, st), 0, "load");
	CHECK_INT(lyra_risk_get_state(r), LYRA_RISK_HALTED, "state loaded");
	lyra_risk_set_state(r, LYRA_RISK_ACTIVE, "");
	CHECK_INT(chk(r, order("a", 1, "buy", "1", "3.5"), 0), LYRA_RISK_REJECT, "stored limit applies");
	CHECK_INT(chk(r, order("b", 1, "buy", "1", "3"), 0), LYRA_RISK_PASS, "defaults back after load");
	sqlite3_stmt *q = lyra_store_prepare(st, "SELECT count(*) FROM audit WHERE action = 'risk.halt'");
	CHECK(q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1, "halt audited");
	sqlite3_finalize(q);
	CHECK(lyra_risk_store_version(st) >= 0, "data_version");
	lyra_risk_free(r);
	lyra_store_close(st);
	char buf[128];
	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
}

int main(void)
{
	test_defaults();
	test_order_limits();
	test_scopes();
	test_instrument();
	test_band();
	test_positions();
	test_open_orders_and_rate();
	test_lists_and_states();
	test_breakers();
	test_parity_and_equity_rules();
	test_bad();
	test_store();
	return unit_done();
}
