/* test_trade_cbgem: lib/trade.c's Coinbase Exchange and Gemini adapters without a network:
 * requests built and signed in dry-run mode (bodies and payloads compared byte for byte),
 * the documented answers parsed, the venues' errors mapped to lyra's kinds, and the checks
 * made before sending (client order id forms, kinds and tifs the venue does not take). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec.h"
#include "decimal.h"
#include "error.h"
#include "record.h"
#include "sign.h"
#include "trade.h"
#include "trade_impl.h"
#include "trade_test.h"
#include "unit.h"

static struct lyra_market market(const char *venue, const char *sym, const char *vs,
                                 const char *base, const char *quote, const char *tick,
                                 const char *lot)
{
	struct lyra_market m = spot_market(venue, sym, vs, tick, lot);
	snprintf(m.base, sizeof m.base, "%s", base);
	snprintf(m.quote, sizeof m.quote, "%s", quote);
	return m;
}

static const char *last_header(const char *name)
{
	return last ? json_string_value(json_object_get(json_object_get(last, "headers"), name)) : NULL;
}

static struct lyra_api_key key = {"k-test-1", "c2VjcmV0LWtleS1mb3ItbHlyYS10ZXN0cw==", "Pass-1"};

static struct lyra_trade *handle(const char *venue, int testnet)
{
	return dry_handle(&key, venue, testnet);
}

#define U1 "1985ca2d-61ef-49f1-bfce-6c39d8462914"

static void coinbase_requests(void)
{
	struct lyra_trade *t = handle("coinbase", 0);
	struct lyra_market m = market("coinbase", "BTC/USD", "BTC-USD", "BTC", "USD", "0.01",
	                              "0.00000001");
	struct lyra_venue_order out;
	struct lyra_trade_error err;
	CHECK(t != NULL, "coinbase: a dry-run handle");
	forget();
	int rc = place(t, &m, "{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":"
	               "\"limit\",\"px\":\"43250.00\",\"qty\":\"0.05000\"}", &out, &err);
	CHECK_INT(rc, 0, "coinbase: dry-run place returns 0");
	CHECK_STR(out.status, "dry_run", "coinbase: dry-run status");
	CHECK_STR(last_str("url"), "https://api.exchange.coinbase.com/orders", "coinbase: place url");
	CHECK_STR(last_str("method"), "POST", "coinbase: POST");
	CHECK_STR(last_str("body"), "{\"client_oid\":\"" U1 "\",\"product_id\":\"BTC-USD\","
	          "\"side\":\"buy\",\"type\":\"limit\",\"size\":\"0.05000\",\"price\":\"43250.00\","
	          "\"time_in_force\":\"GTC\"}", "coinbase: limit body, exact decimals");
	CHECK(last_header("CB-ACCESS-SIGN") && last_header("CB-ACCESS-TIMESTAMP") &&
	      !strcmp(last_header("CB-ACCESS-KEY") ?: "", "k-test-1") &&
	      !strcmp(last_header("CB-ACCESS-PASSPHRASE") ?: "", "<redacted>"),
	      "coinbase: CB-ACCESS-* headers, passphrase redacted");
	/* the prehash is timestamp + METHOD + path + body */
	const char *ph = last_str("prehash"), *ts = last_str("timestamp");
	CHECK(ph && ts && !strncmp(ph, ts, strlen(ts)) && strstr(ph, "POST/orders{\"client_oid\""),
	      "coinbase: signed timestamp + POST + /orders + body");

	rc = place(t, &m, "{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"sell\",\"kind\":"
	           "\"stop_limit\",\"px\":\"40000.00\",\"stop_px\":\"40100.00\",\"qty\":\"0.1\"}",
	           &out, &err);
	CHECK(rc == 0 && last_str("body") && strstr(last_str("body"), "\"type\":\"limit\",\"size\":"
	      "\"0.1\",\"price\":\"40000.00\",\"time_in_force\":\"GTC\",\"stop\":\"loss\","
	      "\"stop_price\":\"40100.00\"}"), "coinbase: a sell stop_limit is stop loss");
	rc = place(t, &m, "{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":"
	           "\"stop_limit\",\"px\":\"45000.00\",\"stop_px\":\"44900.00\",\"qty\":\"0.1\"}",
	           &out, &err);
	CHECK(rc == 0 && last_str("body") && strstr(last_str("body"), "\"stop\":\"entry\""),
	      "coinbase: a buy stop_limit is stop entry");
	rc = place(t, &m, "{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":"
	           "\"post_only\",\"px\":\"40000.00\",\"qty\":\"0.1\"}", &out, &err);
	CHECK(rc == 0 && last_str("body") && strstr(last_str("body"), "\"time_in_force\":\"GTC\","
	      "\"post_only\":true}"), "coinbase: post_only flag");
	rc = place(t, &m, "{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":"
	           "\"market\",\"qty\":\"0.1\"}", &out, &err);
	CHECK_STR(last_str("body"), "{\"client_oid\":\"" U1 "\",\"product_id\":\"BTC-USD\","
	          "\"side\":\"buy\",\"type\":\"market\",\"size\":\"0.1\"}",
	          "coinbase: market by size, no price or tif");
	rc = place(t, &m, "{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":"
	           "\"limit\",\"px\":\"40000.00\",\"qty\":\"0.1\",\"tif\":\"FOK\"}", &out, &err);
	CHECK(rc == 0 && strstr(last_str("body") ?: "", "\"time_in_force\":\"FOK\""),
	      "coinbase: limit FOK");

	/* refused before sending */
	forget();
	static const struct {
		const char *order, *what;
		enum lyra_trade_err kind;
	} bad[] = {
		{"{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"sell\",\"kind\":\"stop\",\"stop_px\":\"1.00\",\"qty\":\"1\"}",
		 "a stop-market", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1.00\",\"qty\":\"1\",\"tif\":\"GTD\"}",
		 "GTD", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"market\",\"qty\":\"1\",\"tif\":\"FOK\"}",
		 "a FOK market", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"post_only\",\"px\":\"1.00\",\"qty\":\"1\",\"tif\":\"IOC\"}",
		 "an IOC post_only", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"" U1 "\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1.001\",\"qty\":\"1\"}",
		 "an off-tick px", LYRA_TE_PRECISION},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "coinbase: %s refused (%s)", bad[i].what,
		         lyra_trade_err_name(bad[i].kind));
		rc = place(t, &m, bad[i].order, &out, &err);
		CHECK(rc == 1 && err.kind == bad[i].kind, what);
	}
	CHECK(last == NULL, "coinbase: nothing signed for the refusals");
	/* a lyra id that is no UUID v4 (short, upper case, another version) goes as the UUID v4 made
	 * from SHA-256("lyra:" + id); the answer comes back under the lyra id */
	rc = place(t, &m, "{\"id\":\"c-1\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"limit\","
	           "\"px\":\"1.00\",\"qty\":\"1\"}", &out, &err);
	CHECK(rc == 0 && last && strstr(last_str("body"),
	                                "\"client_oid\":\"b978a74b-71c2-42b0-8ea8-b83166a71d3d\""),
	      "coinbase: lyra id c-1 sent as its derived UUID v4");
	CHECK_STR(out.id, "c-1", "coinbase: reported under the lyra id");
	forget();
	struct lyra_dec px;
	lyra_dec_parse_cstr("43000.00", &px);
	rc = lyra_trade_amend(t, &m, U1, &px, NULL, &out, &err);
	CHECK(rc == 1 && err.kind == LYRA_TE_UNSUPPORTED, "coinbase: no amend");

	rc = lyra_trade_query(t, &m, U1, &out, &err);
	CHECK(rc == 0 && !strcmp(last_str("url") ?: "", "https://api.exchange.coinbase.com/orders/client:" U1) &&
	      !strcmp(last_str("method") ?: "", "GET"), "coinbase: query by client:<client_oid>");
	rc = lyra_trade_cancel(t, &m, U1, &out, &err);
	CHECK(rc == 0 && !strcmp(last_str("url") ?: "", "https://api.exchange.coinbase.com/orders/client:"
	      U1 "?product_id=BTC-USD") && !strcmp(last_str("method") ?: "", "DELETE"),
	      "coinbase: cancel by client:<client_oid> with product_id");
	rc = lyra_trade_fills(t, &m, 0, NULL, NULL, &err);
	CHECK_STR(last_str("url"), "https://api.exchange.coinbase.com/fills?product_id=BTC-USD&limit=100",
	          "coinbase: fills url");
	rc = lyra_trade_fills(t, NULL, 0, NULL, NULL, &err);
	CHECK(rc == 1 && err.kind == LYRA_TE_UNSUPPORTED, "coinbase: fills need a market");
	lyra_trade_free(t);

	t = handle("coinbase", 1);
	rc = lyra_trade_balances(t, NULL, NULL, &err);
	CHECK_STR(last_str("url"), "https://api-public.sandbox.exchange.coinbase.com/accounts",
	          "coinbase: sandbox base");
	lyra_trade_free(t);
}

static void coinbase_answers(void)
{
	struct lyra_trade *t = handle("coinbase", 0);
	struct lyra_market m = market("coinbase", "BTC/USD", "BTC-USD", "BTC", "USD", "0.01",
	                              "0.00000001");
	struct lyra_venue_order o;
	struct lyra_venue_fill f;
	json_t *fx = fixture("coinbase/order.json");
	int rc = lyra_trade_coinbase.parse_order(t, &m, fx, &o);
	CHECK_INT(rc, 0, "coinbase: documented order parses");
	CHECK(!strcmp(o.venue_order_id, "a9625b04-fc66-4999-a876-543c3684d702") && !strcmp(o.id, "") &&
	      !strcmp(o.symbol, "BTC/USD") && !strcmp(o.side, "buy") && !strcmp(o.status, "acked") &&
	      !strcmp(o.kind, "post_only") && !strcmp(o.tif, "GTC"), "coinbase: order fields");
	CHECK(!strcmp(dec(o.px), "10.00000000") && !strcmp(dec(o.qty), "1.00000000") &&
	      lyra_dec_is_zero(o.avg_px), "coinbase: px and size as given");
	CHECK_INT(o.ts, 1583959726622000LL, "coinbase: created_at in us");
	json_decref(fx);
	fx = fixture("coinbase/order-done.json");
	rc = lyra_trade_coinbase.parse_order(t, NULL, fx, &o);
	CHECK(rc == 0 && !strcmp(o.status, "filled") && !strcmp(o.id, U1) && !strcmp(o.tif, "IOC") &&
	      !strcmp(o.symbol, "BTC/USD") && !strcmp(dec(o.avg_px), "8088.78") &&
	      o.ts == 1574300303901000LL, "coinbase: done/filled, avg px = executed_value / filled");
	json_object_set_new(fx, "done_reason", json_string("canceled"));
	json_object_set_new(fx, "filled_size", json_string("0.004"));
	rc = lyra_trade_coinbase.parse_order(t, NULL, fx, &o);
	CHECK(rc == 0 && !strcmp(o.status, "cancelled"), "coinbase: done/canceled is cancelled");
	json_object_set_new(fx, "status", json_string("open"));
	rc = lyra_trade_coinbase.parse_order(t, NULL, fx, &o);
	CHECK(rc == 0 && !strcmp(o.status, "partially_filled"), "coinbase: open with fills");
	json_object_set_new(fx, "status", json_string("rejected"));
	rc = lyra_trade_coinbase.parse_order(t, NULL, fx, &o);
	CHECK(rc == 0 && !strcmp(o.status, "rejected"), "coinbase: rejected");
	json_object_set_new(fx, "status", json_string("weird"));
	CHECK(lyra_trade_coinbase.parse_order(t, NULL, fx, &o) != 0, "coinbase: unknown status refused");
	json_decref(fx);
	fx = fixture("coinbase/fills.json");
	rc = lyra_trade_coinbase.parse_fill(t, NULL, json_array_get(fx, 0), &f);
	CHECK_INT(rc, 0, "coinbase: documented fill parses");
	CHECK(!strcmp(f.trade_id, "78098253") && !strcmp(f.venue_order_id,
	      "41473628-db2c-464e-b9f4-82df7e4fb4f4") && !strcmp(f.side, "sell") &&
	      !strcmp(f.liquidity, "taker") && !strcmp(f.fee_ccy, "USD") &&
	      !strcmp(f.symbol, "BTC/USD") && !strcmp(dec(f.px), "8087.38000000") &&
	      !strcmp(dec(f.qty), "0.00601800") && !strcmp(dec(f.fee), "0.2433492642000000") &&
	      f.ts == 1574300303878000LL, "coinbase: fill fields");
	json_decref(fx);

	static const struct {
		const char *body;
		long status;
		enum lyra_trade_err kind;
	} errs[] = {
		{"{\"message\":\"Insufficient funds\"}", 400, LYRA_TE_INSUFFICIENT},
		{"{\"message\":\"size is too small. Minimum size is 0.00100000\"}", 400, LYRA_TE_MIN_SIZE},
		{"{\"message\":\"price is too accurate. Smallest unit is 0.01000000\"}", 400, LYRA_TE_PRECISION},
		{"{\"message\":\"size is too accurate. Smallest unit is 0.00000001\"}", 400, LYRA_TE_PRECISION},
		{"{\"message\":\"NotFound\"}", 404, LYRA_TE_UNKNOWN_ORDER},
		{"{\"message\":\"Order already done\"}", 400, LYRA_TE_UNKNOWN_ORDER},
		{"{\"message\":\"request timestamp expired\"}", 401, LYRA_TE_CLOCK},
		{"{\"message\":\"invalid signature\"}", 401, LYRA_TE_AUTH},
		{"{\"message\":\"Invalid API Key\"}", 401, LYRA_TE_AUTH},
		{"{\"message\":\"Invalid Passphrase\"}", 401, LYRA_TE_AUTH},
		{"{\"message\":\"Forbidden\"}", 403, LYRA_TE_AUTH},
		{"{\"message\":\"Private rate limit exceeded\"}", 429, LYRA_TE_RATE_LIMIT},
		{"{\"message\":\"Product not found\"}", 400, LYRA_TE_REJECTED},
	};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		char what[128];
		snprintf(what, sizeof what, "coinbase: %s maps to %s", errs[i].body,
		         lyra_trade_err_name(errs[i].kind));
		CHECK_VENUE_ERROR(&lyra_trade_coinbase, errs[i].body, errs[i].status, errs[i].kind, NULL, what);
	}
	struct lyra_trade_error e = {0};
	const char *ok = "{\"id\":\"x\",\"message\":\"not an error\",\"status\":\"open\"}";
	CHECK_INT(lyra_trade_coinbase.venue_error(ok, strlen(ok), 200, &e), 0,
	          "coinbase: an order is no error");
	CHECK_INT(lyra_trade_coinbase.venue_error("\"" U1 "\"", 38, 200, &e), 0,
	          "coinbase: a cancel's id is no error");
	lyra_trade_free(t);
}

/* The X-GEMINI-PAYLOAD of the last request, decoded. */
static json_t *gemini_payload(void)
{
	const char *p = last_header("X-GEMINI-PAYLOAD");
	unsigned char buf[2048];
	int n = p ? lyra_b64_decode(p, strlen(p), buf, sizeof buf - 1) : -1;
	if (n < 0)
		return NULL;
	return lyra_json_loads_exact((const char *)buf, (size_t)n, NULL, 0);
}

static void gemini_requests(void)
{
	struct lyra_trade *t = handle("gemini", 0);
	struct lyra_market m = market("gemini", "BTC/USD", "btcusd", "BTC", "USD", "0.01",
	                              "0.00000001");
	struct lyra_venue_order out;
	struct lyra_trade_error err;
	CHECK(t != NULL, "gemini: a dry-run handle");
	forget();
	int rc = place(t, &m, "{\"id\":\"twap-7f3a:0001\",\"symbol\":\"BTC/USD\",\"side\":\"buy\","
	               "\"kind\":\"limit\",\"px\":\"43250.00\",\"qty\":\"0.05000\",\"tif\":\"IOC\"}",
	               &out, &err);
	CHECK(rc == 0 && !strcmp(out.status, "dry_run"), "gemini: dry-run place");
	CHECK_STR(last_str("url"), "https://api.gemini.com/v1/order/new", "gemini: place url");
	CHECK_STR(last_str("method"), "POST", "gemini: POST");
	CHECK_STR(last_str("body"), "", "gemini: empty body");
	CHECK_STR(last_header("Content-Type"), "text/plain", "gemini: text/plain");
	json_t *p = gemini_payload();
	const char *n1 = p ? lyra_json_get_str(p, "nonce") : NULL;
	char nonce1[32] = "";
	snprintf(nonce1, sizeof nonce1, "%s", n1 ? n1 : "");
	if (p)
		json_object_del(p, "nonce");
	char *s = p ? json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	CHECK_STR(s, "{\"request\":\"/v1/order/new\",\"client_order_id\":\"twap-7f3a:0001\","
	          "\"symbol\":\"btcusd\",\"amount\":\"0.05000\",\"price\":\"43250.00\",\"side\":\"buy\","
	          "\"type\":\"exchange limit\",\"options\":[\"immediate-or-cancel\"]}",
	          "gemini: payload, exact decimals, IOC option");
	CHECK(strlen(nonce1) >= 16, "gemini: a microsecond nonce in the payload");
	CHECK_STR(last_str("nonce"), nonce1, "gemini: the nonce signed is the payload's");
	free(s);
	json_decref(p);

	rc = place(t, &m, "{\"id\":\"s1\",\"symbol\":\"BTC/USD\",\"side\":\"sell\",\"kind\":"
	           "\"stop_limit\",\"px\":\"40000.00\",\"stop_px\":\"40100.00\",\"qty\":\"0.1\"}",
	           &out, &err);
	p = gemini_payload();
	const char *n2 = p ? lyra_json_get_str(p, "nonce") : NULL;
	CHECK(n2 && strlen(n2) == strlen(nonce1) ? strcmp(n2, nonce1) > 0 : n2 && strlen(n2) > strlen(nonce1),
	      "gemini: the nonce increases");
	if (p)
		json_object_del(p, "nonce");
	s = p ? json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	CHECK_STR(s, "{\"request\":\"/v1/order/new\",\"client_order_id\":\"s1\",\"symbol\":\"btcusd\","
	          "\"amount\":\"0.1\",\"price\":\"40000.00\",\"side\":\"sell\",\"type\":"
	          "\"exchange stop limit\",\"stop_price\":\"40100.00\"}",
	          "gemini: stop limit without options");
	free(s);
	json_decref(p);
	rc = place(t, &m, "{\"id\":\"p1\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":"
	           "\"post_only\",\"px\":\"40000.00\",\"qty\":\"0.1\"}", &out, &err);
	p = gemini_payload();
	json_t *moc = json_pack("[s]", "maker-or-cancel");
	CHECK(rc == 0 && p && json_equal(json_object_get(p, "options"), moc),
	      "gemini: post_only is maker-or-cancel");
	json_decref(moc);
	json_decref(p);

	forget();
	static const struct {
		const char *order, *what;
		enum lyra_trade_err kind;
	} bad[] = {
		{"{\"id\":\"a123456789012345678901234567890123456\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1.00\",\"qty\":\"1\"}",
		 "a 37-character id", LYRA_TE_REJECTED},
		{"{\"id\":\"a/b\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1.00\",\"qty\":\"1\"}",
		 "an id with '/'", LYRA_TE_REJECTED},
		{"{\"id\":\"m1\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"market\",\"qty\":\"1\"}",
		 "a market order", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"m2\",\"symbol\":\"BTC/USD\",\"side\":\"sell\",\"kind\":\"stop\",\"stop_px\":\"1.00\",\"qty\":\"1\"}",
		 "a stop-market", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"m3\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1.00\",\"qty\":\"1\",\"tif\":\"GTD\"}",
		 "GTD", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"m4\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"stop_limit\",\"px\":\"1.00\",\"stop_px\":\"1.00\",\"qty\":\"1\"}",
		 "a buy stop at its px", LYRA_TE_REJECTED},
		{"{\"id\":\"m5\",\"symbol\":\"BTC/USD\",\"side\":\"sell\",\"kind\":\"stop_limit\",\"px\":\"2.00\",\"stop_px\":\"1.00\",\"qty\":\"1\"}",
		 "a sell stop below its px", LYRA_TE_REJECTED},
		{"{\"id\":\"m6\",\"symbol\":\"BTC/USD\",\"side\":\"sell\",\"kind\":\"stop_limit\",\"px\":\"1.00\",\"stop_px\":\"2.00\",\"qty\":\"1\",\"tif\":\"IOC\"}",
		 "an IOC stop_limit", LYRA_TE_UNSUPPORTED},
		{"{\"id\":\"m7\",\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"kind\":\"post_only\",\"px\":\"1.00\",\"qty\":\"1\",\"tif\":\"FOK\"}",
		 "a FOK post_only", LYRA_TE_UNSUPPORTED},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "gemini: %s refused (%s)", bad[i].what,
		         lyra_trade_err_name(bad[i].kind));
		rc = place(t, &m, bad[i].order, &out, &err);
		CHECK(rc == 1 && err.kind == bad[i].kind, what);
	}
	CHECK(last == NULL, "gemini: nothing signed for the refusals");
	struct lyra_dec q;
	lyra_dec_parse_cstr("0.02", &q);
	rc = lyra_trade_amend(t, &m, "m1", NULL, &q, &out, &err);
	CHECK(rc == 1 && err.kind == LYRA_TE_UNSUPPORTED, "gemini: no amend");
	rc = lyra_trade_query(t, &m, "twap-7f3a:0001", &out, &err);
	p = gemini_payload();
	CHECK(rc == 0 && p && !strcmp(lyra_json_get_str(p, "request") ?: "", "/v1/order/status") &&
	      !strcmp(lyra_json_get_str(p, "client_order_id") ?: "", "twap-7f3a:0001"),
	      "gemini: status by client_order_id");
	json_decref(p);
	rc = lyra_trade_fills(t, &m, 1547232911021000LL, NULL, NULL, &err);
	p = gemini_payload();
	CHECK(rc == 0 && p && !strcmp(lyra_json_get_str(p, "symbol") ?: "", "btcusd") &&
	      json_integer_value(json_object_get(p, "timestamp")) == 1547232911021 &&
	      json_integer_value(json_object_get(p, "limit_trades")) == 500,
	      "gemini: mytrades from the time in ms, 500 a page");
	json_decref(p);
	int64_t off = 1;
	CHECK(lyra_trade_sync_clock(t, &off, &err) == 0 && off > -1000 && off < 1000,
	      "gemini: no server clock: offset 0");
	lyra_trade_free(t);
	t = handle("gemini", 1);
	rc = lyra_trade_balances(t, NULL, NULL, &err);
	CHECK_STR(last_str("url"), "https://api.sandbox.gemini.com/v1/balances", "gemini: sandbox base");
	lyra_trade_free(t);
}

static void gemini_answers(void)
{
	struct lyra_trade *t = handle("gemini", 0);
	struct lyra_market m = market("gemini", "BTC/USD", "btcusd", "BTC", "USD", "0.01",
	                              "0.00000001");
	struct lyra_venue_order o;
	struct lyra_venue_fill f;
	lyra_trade_set_markets(t, &m, 1);
	json_t *fx = fixture("gemini/order-status.json");
	int rc = lyra_trade_gemini.parse_order(t, NULL, fx, &o);
	CHECK_INT(rc, 0, "gemini: documented order status parses");
	CHECK(!strcmp(o.id, "20170208_example") && !strcmp(o.venue_order_id, "372456298") &&
	      !strcmp(o.symbol, "BTC/USD") && !strcmp(o.side, "buy") && !strcmp(o.status, "acked") &&
	      !strcmp(o.kind, "limit") && !strcmp(o.tif, "GTC") && !strcmp(dec(o.px), "1059.54") &&
	      !strcmp(dec(o.qty), "14.0296") && lyra_dec_is_zero(o.avg_px) &&
	      o.ts == 1478203017455000LL, "gemini: order fields");
	json_decref(fx);
	fx = fixture("gemini/order-filled.json");
	rc = lyra_trade_gemini.parse_order(t, &m, json_array_get(fx, 0), &o);
	CHECK(rc == 0 && !strcmp(o.status, "cancelled") && !strcmp(o.tif, "IOC") &&
	      !strcmp(dec(o.filled_qty), "0.0027343246") && !strcmp(dec(o.avg_px), "3648.09"),
	      "gemini: an IOC remainder cancelled by Gemini");
	json_object_set_new(json_array_get(fx, 0), "executed_amount", json_string("0.01"));
	rc = lyra_trade_gemini.parse_order(t, &m, json_array_get(fx, 0), &o);
	CHECK(rc == 0 && !strcmp(o.status, "filled"), "gemini: not live and all executed is filled");
	json_object_set_new(json_array_get(fx, 0), "is_live", json_true());
	json_object_set_new(json_array_get(fx, 0), "executed_amount", json_string("0.005"));
	rc = lyra_trade_gemini.parse_order(t, &m, json_array_get(fx, 0), &o);
	CHECK(rc == 0 && !strcmp(o.status, "partially_filled"), "gemini: live with fills");
	json_decref(fx);
	fx = fixture("gemini/mytrades.json");
	rc = lyra_trade_gemini.parse_fill(t, NULL, json_array_get(fx, 0), &f);
	CHECK_INT(rc, 0, "gemini: a past trade parses");
	CHECK(!strcmp(f.trade_id, "107317526") && !strcmp(f.venue_order_id, "107317524") &&
	      !strcmp(f.id, "twap-7f3a:0001") && !strcmp(f.symbol, "BTC/USD") &&
	      !strcmp(f.side, "buy") && !strcmp(f.liquidity, "taker") && !strcmp(f.fee_ccy, "USD") &&
	      !strcmp(dec(f.px), "3648.09") && !strcmp(dec(f.qty), "0.0027343246") &&
	      !strcmp(dec(f.fee), "0.024937655575035") && f.ts == 1547232911021000LL,
	      "gemini: fill fields (BTCUSD found in lower case)");
	json_decref(fx);

	static const struct {
		const char *reason;
		long status;
		enum lyra_trade_err kind;
	} errs[] = {
		{"InsufficientFunds", 406, LYRA_TE_INSUFFICIENT},
		{"InvalidQuantity", 400, LYRA_TE_MIN_SIZE},
		{"InvalidPrice", 400, LYRA_TE_PRECISION},
		{"OrderNotFound", 404, LYRA_TE_UNKNOWN_ORDER},
		{"InvalidNonce", 400, LYRA_TE_CLOCK},
		{"InvalidSignature", 400, LYRA_TE_AUTH},
		{"MissingApikeyHeader", 400, LYRA_TE_AUTH},
		{"MissingRole", 403, LYRA_TE_AUTH},
		{"RateLimit", 429, LYRA_TE_RATE_LIMIT},
		{"System", 500, LYRA_TE_UNCERTAIN},
		{"Maintenance", 503, LYRA_TE_UNAVAILABLE},
		{"InvalidSymbol", 400, LYRA_TE_REJECTED},
		{"ConflictingOptions", 400, LYRA_TE_REJECTED},
	};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		char body[256], what[96];
		snprintf(body, sizeof body, "{\"result\":\"error\",\"reason\":\"%s\",\"message\":\"m\"}",
		         errs[i].reason);
		snprintf(what, sizeof what, "gemini: %s maps to %s", errs[i].reason,
		         lyra_trade_err_name(errs[i].kind));
		CHECK_VENUE_ERROR(&lyra_trade_gemini, body, errs[i].status, errs[i].kind, errs[i].reason, what);
	}
	struct lyra_trade_error e = {0};
	CHECK_INT(lyra_trade_gemini.venue_error("[]", 2, 200, &e), 0, "gemini: a list is no error");
	lyra_trade_free(t);
}

static void registry(void)
{
	int cb = 0, gm = 0;
	for (const char *const *v = lyra_trade_venues(); *v; v++) {
		cb |= !strcmp(*v, "coinbase");
		gm |= !strcmp(*v, "gemini");
	}
	CHECK(cb && gm, "venues: coinbase and gemini have adapters");
	struct lyra_api_key nopass = {"k", "c2VjcmV0", ""};
	struct lyra_trade_opts o = {.venue = "coinbase", .key = &nopass};
	struct lyra_trade *t = lyra_trade_new(&o);
	struct lyra_trade_error err;
	CHECK(t && lyra_trade_balances(t, NULL, NULL, &err) == -1 && err.kind == LYRA_TE_AUTH,
	      "coinbase: a key without passphrase cannot sign (auth, nothing sent)");
	lyra_trade_free(t);
}

int main(void)
{
	registry();
	coinbase_requests();
	coinbase_answers();
	gemini_requests();
	gemini_answers();
	json_decref(last);
	return unit_done();
}
