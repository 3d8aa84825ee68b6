/* test_userstream.c: the user streams' opening messages (Binance's signed subscription, OKX's
 * login, Gate's signed subscriptions, Bitfinex's auth event, Bitstamp's per-pair private
 * subscriptions, Gemini's X-GEMINI handshake headers, checked against signatures
 * computed by hand with openssl) and their events in the venues' documented shapes turned into
 * orders and fills (Kraken's executions, Gate's spot.usertrades/spot.orders, Bitfinex's
 * tu/ou/oc, Bitstamp's my_trades, Gemini's order events, Coinbase's user channel, with their
 * edge cases). */
#include "record.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "decimal.h"
#include "error.h"
#include "trade.h"
#include "trade_impl.h"
#include "unit.h"
#include "userstream.h"

struct got {
	struct lyra_venue_order o[4];
	struct lyra_venue_fill f[4];
	int no, nf;
	char seq[16];      /* "fo": a fill, then an order */
};

static int on_order(void *ctx, const struct lyra_venue_order *o)
{
	struct got *g = ctx;
	if (g->no < 4)
		g->o[g->no++] = *o;
	strcat(g->seq, "o");
	return 0;
}

static int on_fill(void *ctx, const struct lyra_venue_fill *f)
{
	struct got *g = ctx;
	if (g->nf < 4)
		g->f[g->nf++] = *f;
	strcat(g->seq, "f");
	return 0;
}

static int feed(struct lyra_trade *t, const char *text, struct got *g)
{
	/* as userstream.c reads a message: numbers exact, objects and arrays only */
	json_t *j = lyra_json_loads_exact(text, strlen(text), NULL, 0);
	if (j && !json_is_object(j) && !json_is_array(j)) {
		json_decref(j);
		j = NULL;
	}
	int rc = t->a->stream->message(t, j, on_order, on_fill, g);
	json_decref(j);
	return rc;
}

static const char *dec(struct lyra_dec d)
{
	static char b[4][LYRA_DEC_STRLEN];
	static int i;
	i = (i + 1) % 4;
	lyra_dec_format(d, b[i]);
	return b[i];
}

static struct lyra_trade *handle(const char *venue, const struct lyra_api_key *k)
{
	struct lyra_trade_opts o = {.venue = venue, .key = k, .base_url = "http://127.0.0.1:9"};
	struct lyra_trade *t = lyra_trade_new(&o);
	if (!t) {
		fprintf(stderr, "%s\n", lyra_error_msg());
		exit(1);
	}
	return t;
}

static void binance(void)
{
	struct lyra_api_key k = {"k-test-1", "s3cret-test", ""};
	struct lyra_trade *t = handle("binance", &k);
	struct got g = {0};
	char *hello = t->a->stream->hello(t, 0);
	json_t *h = json_loads(hello, 0, NULL);
	json_t *p = json_object_get(h, "params");
	CHECK_STR(json_string_value(json_object_get(h, "method")), "userDataStream.subscribe.signature",
	          "binance: the subscription method");
	CHECK_STR(json_string_value(json_object_get(p, "apiKey")), "k-test-1", "binance: apiKey");
	/* the signature of "apiKey=k-test-1&timestamp=T" recomputed here from the parts */
	char sig[65];
	json_t *unsigned_p = json_pack("{s:s, s:O}", "apiKey", "k-test-1", "timestamp",
	                               json_object_get(p, "timestamp"));
	lyra_sign_binance_ws(&k, unsigned_p, sig);
	CHECK_STR(json_string_value(json_object_get(p, "signature")), sig, "binance: signature");
	json_decref(unsigned_p);
	/* a fixed payload against a signature computed with
	 * printf 'apiKey=k-test-1&timestamp=1700000000000' | openssl dgst -sha256 -hmac s3cret-test */
	json_t *fixed = json_pack("{s:s, s:I}", "apiKey", "k-test-1", "timestamp",
	                          (json_int_t)1700000000000LL);
	lyra_sign_binance_ws(&k, fixed, sig);
	CHECK_STR(sig, "a81922754a244b30946db8d747fdf2877ccd4684680a5138cff9ec0c2f17125b", "binance: signature of a fixed payload");
	json_decref(fixed);
	json_decref(h);
	free(hello);

	CHECK_INT(feed(t, "{\"id\":\"lyra-userstream\",\"status\":200,\"result\":{\"subscriptionId\":0}}", &g),
	          1, "binance: the answer makes the stream live");
	CHECK_INT(feed(t, "{\"id\":\"lyra-userstream\",\"status\":400,\"error\":{\"code\":-1022,"
	               "\"msg\":\"Signature for this request is not valid.\"}}", &g), -1,
	          "binance: a refusal ends the attempt");
	CHECK(strstr(lyra_error_msg(), "-1022") != NULL, "binance: the refusal names the code");
	const char *trade =
		"{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1499405658658,"
		"\"s\":\"BTCUSDT\",\"c\":\"P1\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\","
		"\"q\":\"0.01000000\",\"p\":\"42000.00000000\",\"P\":\"0.00000000\",\"F\":\"0.00000000\","
		"\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\",\"i\":1001,"
		"\"l\":\"0.00400000\",\"z\":\"0.00600000\",\"L\":\"41990.00000000\",\"n\":\"0.00000400\","
		"\"N\":\"BTC\",\"T\":1499405658657,\"t\":5002,\"v\":3,\"I\":8641984,\"w\":false,"
		"\"m\":true,\"M\":false,\"O\":1499405658000,\"Z\":\"251.96000000\","
		"\"Y\":\"167.96000000\",\"Q\":\"0.00000000\",\"W\":1499405658000,\"V\":\"NONE\"}}";
	CHECK_INT(feed(t, trade, &g), 0, "binance: executionReport TRADE");
	CHECK_STR(g.seq, "fo", "binance: the fill before the order state");
	CHECK_STR(g.f[0].id, "P1", "binance: fill client id");
	CHECK_STR(g.f[0].trade_id, "5002", "binance: trade id t");
	CHECK_STR(dec(g.f[0].qty), "0.00400000", "binance: fill qty l");
	CHECK_STR(dec(g.f[0].px), "41990.00000000", "binance: fill px L");
	CHECK_STR(dec(g.f[0].fee), "0.00000400", "binance: commission n");
	CHECK_STR(g.f[0].fee_ccy, "BTC", "binance: commission asset N");
	CHECK_STR(g.f[0].liquidity, "maker", "binance: m");
	CHECK_STR(g.f[0].side, "buy", "binance: side");
	CHECK_INT(g.f[0].ts, 1499405658657000LL, "binance: fill time T");
	CHECK_STR(g.o[0].status, "partially_filled", "binance: status X");
	CHECK_STR(dec(g.o[0].filled_qty), "0.00600000", "binance: cumulative z");
	CHECK_STR(dec(g.o[0].avg_px), "41993.3333333333", "binance: average Z / z");
	CHECK_STR(g.o[0].venue_order_id, "1001", "binance: order id i");
	memset(&g, 0, sizeof g);
	const char *cancel =
		"{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1499405659000,"
		"\"s\":\"BTCUSDT\",\"c\":\"cancel1001\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\","
		"\"q\":\"0.01000000\",\"p\":\"42000.00000000\",\"C\":\"P1\",\"x\":\"CANCELED\","
		"\"X\":\"CANCELED\",\"i\":1001,\"l\":\"0.00000000\",\"z\":\"0.00600000\","
		"\"L\":\"0.00000000\",\"n\":\"0\",\"N\":null,\"T\":1499405659000,\"t\":-1,"
		"\"m\":false,\"Z\":\"251.96000000\"}}";
	CHECK_INT(feed(t, cancel, &g), 0, "binance: executionReport CANCELED");
	CHECK_STR(g.seq, "o", "binance: a cancel is no fill");
	CHECK_STR(g.o[0].id, "P1", "binance: a cancel names the order by C");
	CHECK_STR(g.o[0].status, "cancelled", "binance: cancelled");
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "{\"subscriptionId\":0,\"event\":{\"e\":\"outboundAccountPosition\"}}", &g),
	          0, "binance: other events ignored");
	CHECK_INT(feed(t, "{\"subscriptionId\":0,\"event\":{\"e\":\"eventStreamTerminated\","
	               "\"E\":1}}", &g), -1, "binance: eventStreamTerminated ends the stream");
	lyra_trade_free(t);
}

static void okx(void)
{
	struct lyra_api_key k = {"k-test-1", "s3cret-test", "Pass-1"};
	struct lyra_trade *t = handle("okx", &k);
	struct got g = {0};
	char *hello = t->a->stream->hello(t, 0);
	json_t *h = json_loads(hello, 0, NULL);
	json_t *a = json_array_get(json_object_get(h, "args"), 0);
	CHECK_STR(json_string_value(json_object_get(h, "op")), "login", "okx: login");
	CHECK_STR(json_string_value(json_object_get(a, "passphrase")), "Pass-1", "okx: passphrase");
	const char *ts = json_string_value(json_object_get(a, "timestamp"));
	CHECK(ts && strlen(ts) == 10, "okx: timestamp in seconds");
	struct lyra_signed s;
	struct lyra_sign_in in = {.venue = "okx", .method = "GET", .path = "/users/self/verify",
	                          .timestamp = ts};
	lyra_sign(&k, &in, &s);
	CHECK_STR(json_string_value(json_object_get(a, "sign")), s.signature, "okx: sign");
	char want[64];
	snprintf(want, sizeof want, "%sGET/users/self/verify", ts);
	CHECK_STR(s.prehash, want, "okx: prehash timestamp + GET + /users/self/verify");
	lyra_signed_release(&s);
	json_decref(h);
	free(hello);
	hello = t->a->stream->hello(t, 1);
	CHECK_STR(hello, "{\"op\":\"subscribe\",\"args\":[{\"channel\":\"orders\",\"instType\":\"ANY\"}]}",
	          "okx: the orders channel");
	free(hello);
	CHECK_INT(feed(t, "{\"event\":\"login\",\"code\":\"0\",\"msg\":\"\",\"connId\":\"a4d3ae55\"}", &g),
	          2, "okx: login accepted: subscribe next");
	CHECK_INT(feed(t, "{\"event\":\"subscribe\",\"arg\":{\"channel\":\"orders\",\"instType\":"
	               "\"ANY\"},\"connId\":\"a4d3ae55\"}", &g), 1, "okx: subscribed");
	CHECK_INT(feed(t, "{\"event\":\"error\",\"code\":\"60009\",\"msg\":\"Login failed.\"}", &g),
	          -1, "okx: login refused");
	CHECK_INT(feed(t, "pong", &g), 0, "okx: pong");
	const char *push =
		"{\"arg\":{\"channel\":\"orders\",\"instType\":\"ANY\",\"uid\":\"7798\"},\"data\":[{"
		"\"accFillSz\":\"0.006\",\"avgPx\":\"41993\",\"cTime\":\"1700000000000\",\"clOrdId\":\"P1\","
		"\"fee\":\"-0.0000066\",\"feeCcy\":\"BTC\",\"fillFee\":\"-0.0000044\",\"fillFeeCcy\":\"BTC\","
		"\"fillPx\":\"41990\",\"fillSz\":\"0.004\",\"fillTime\":\"1700000001000\",\"instId\":\"BTC-USDT\","
		"\"instType\":\"SPOT\",\"ordId\":\"1001\",\"ordType\":\"limit\",\"px\":\"42000\",\"side\":\"buy\","
		"\"state\":\"partially_filled\",\"sz\":\"0.01\",\"tradeId\":\"5002\",\"execType\":\"T\","
		"\"uTime\":\"1700000001000\"}]}";
	CHECK_INT(feed(t, push, &g), 0, "okx: an orders push");
	CHECK_STR(g.seq, "fo", "okx: the fill before the order state");
	CHECK_STR(g.f[0].trade_id, "5002", "okx: tradeId");
	CHECK_STR(dec(g.f[0].qty), "0.004", "okx: fillSz");
	CHECK_STR(dec(g.f[0].fee), "0.0000044", "okx: fillFee (a charge) as a positive fee");
	CHECK_STR(g.f[0].liquidity, "taker", "okx: execType T");
	CHECK_INT(g.f[0].ts, 1700000001000000LL, "okx: fillTime");
	CHECK_STR(g.o[0].id, "P1", "okx: clOrdId");
	CHECK_STR(dec(g.o[0].filled_qty), "0.006", "okx: accFillSz");
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "{\"arg\":{\"channel\":\"orders\",\"instType\":\"ANY\"},\"data\":[{"
	               "\"accFillSz\":\"0\",\"avgPx\":\"\",\"clOrdId\":\"P2\",\"fillSz\":\"0\","
	               "\"instId\":\"BTC-USDT\",\"ordId\":\"1002\",\"ordType\":\"limit\",\"px\":\"42000\","
	               "\"side\":\"buy\",\"state\":\"live\",\"sz\":\"0.01\",\"tradeId\":\"\","
	               "\"uTime\":\"1700000000000\"}]}", &g), 0, "okx: a push without a fill");
	CHECK_STR(g.seq, "o", "okx: no fill without a tradeId");
	CHECK_STR(g.o[0].status, "acked", "okx: live is acked");
	lyra_trade_free(t);
}

static void gateio(void)
{
	struct lyra_api_key k = {"k-test-1", "s3cret-test", ""};
	struct lyra_trade *t = handle("gateio", &k);
	struct got g = {0};
	char sig[129];
	/* printf 'channel=spot.orders&event=subscribe&time=1700000000' |
	 *   openssl dgst -sha512 -hmac s3cret-test */
	lyra_trade_hmac_hex(&k, "sha512", "channel=spot.orders&event=subscribe&time=1700000000", sig,
	                    sizeof sig);
	CHECK_STR(sig, "8b7f2834abad92b467cf5738641760568b6f3a35d935e48246fc6936496c634167bc6ae5392c5"
	          "5d72edd36be861a562062bdab7688073786c20c80a873a46903", "gateio: HMAC-SHA512 hex");
	for (int step = 0; step < 2; step++) {
		const char *ch = step ? "spot.usertrades" : "spot.orders";
		char *hello = t->a->stream->hello(t, step), want[160];
		json_t *h = json_loads(hello, 0, NULL);
		json_t *a = json_object_get(h, "auth");
		CHECK_STR(json_string_value(json_object_get(h, "channel")), ch, "gateio: the channel");
		CHECK_STR(json_string_value(json_object_get(h, "event")), "subscribe", "gateio: subscribe");
		CHECK_STR(json_string_value(json_array_get(json_object_get(h, "payload"), 0)), "!all",
		          "gateio: every pair");
		CHECK_STR(json_string_value(json_object_get(a, "method")), "api_key", "gateio: method");
		CHECK_STR(json_string_value(json_object_get(a, "KEY")), "k-test-1", "gateio: KEY");
		snprintf(want, sizeof want, "channel=%s&event=subscribe&time=%" JSON_INTEGER_FORMAT, ch,
		         json_integer_value(json_object_get(h, "time")));
		lyra_trade_hmac_hex(&k, "sha512", want, sig, sizeof sig);
		CHECK_STR(json_string_value(json_object_get(a, "SIGN")), sig, "gateio: SIGN");
		json_decref(h);
		free(hello);
	}
	CHECK_INT(feed(t, "{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"subscribe\",\"error\":null,"
	               "\"result\":{\"status\":\"success\"}}", &g), 2, "gateio: orders: next step");
	CHECK_INT(feed(t, "{\"time\":1,\"channel\":\"spot.usertrades\",\"event\":\"subscribe\","
	               "\"error\":null,\"result\":{\"status\":\"success\"}}", &g), 1, "gateio: live");
	CHECK_INT(feed(t, "{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"subscribe\",\"error\":"
	               "{\"code\":4,\"message\":\"Signature mismatch\"},\"result\":null}", &g), -1,
	          "gateio: refused");
	CHECK(strstr(lyra_error_msg(), "Signature mismatch (4)") != NULL, "gateio: code and message");
	CHECK_INT(feed(t, "{\"time\":1,\"channel\":\"spot.pong\",\"event\":\"\",\"result\":null}", &g),
	          0, "gateio: pong");
	/* the documented usertrades push: numeric id, create_time_ms a decimal of ms */
	CHECK_INT(feed(t, "{\"time\":1605176741,\"channel\":\"spot.usertrades\",\"event\":\"update\","
	               "\"result\":[{\"id\":5736713,\"user_id\":1000001,\"order_id\":\"30784428\","
	               "\"currency_pair\":\"BTC_USDT\",\"create_time\":1605176741,\"create_time_ms\":"
	               "\"1605176741123.456\",\"side\":\"buy\",\"amount\":\"0.004\",\"role\":\"maker\","
	               "\"price\":\"41990\",\"fee\":\"0.000008\",\"fee_currency\":\"BTC\",\"point_fee\":"
	               "\"0\",\"gt_fee\":\"0\",\"text\":\"t-P1\"}]}", &g), 0, "gateio: usertrades");
	CHECK_STR(g.seq, "f", "gateio: one fill");
	CHECK_STR(g.f[0].id, "P1", "gateio: text t-P1 is P1");
	CHECK_STR(g.f[0].trade_id, "5736713", "gateio: a numeric trade id as text");
	CHECK_STR(g.f[0].venue_order_id, "30784428", "gateio: order_id");
	CHECK_STR(dec(g.f[0].qty), "0.004", "gateio: amount");
	CHECK_STR(dec(g.f[0].fee), "0.000008", "gateio: fee");
	CHECK_STR(g.f[0].fee_ccy, "BTC", "gateio: fee currency");
	CHECK_STR(g.f[0].liquidity, "maker", "gateio: role");
	CHECK_INT(g.f[0].ts, 1605176741123456LL, "gateio: create_time_ms");
	memset(&g, 0, sizeof g);
#define UPD \
		"{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"update\",\"result\":[{\"id\":" \
		"\"30784428\",\"text\":\"t-P1\",\"create_time_ms\":\"1605176741000\",\"update_time_ms\":" \
		"\"1605176741123\",\"event\":\"%s\",\"currency_pair\":\"BTC_USDT\",\"type\":\"limit\"," \
		"\"account\":\"spot\",\"side\":\"buy\",\"amount\":\"0.01\",\"price\":\"42000\"," \
		"\"time_in_force\":\"%s\",\"left\":\"%s\",\"filled_total\":\"%s\",\"avg_deal_price\":" \
		"\"%s\",\"fee\":\"0\",\"fee_currency\":\"BTC\",\"finish_as\":\"%s\"}]}"
	char m[1024];
	snprintf(m, sizeof m, UPD, "update", "gtc", "0.006", "167.96", "41990", "open");
	CHECK_INT(feed(t, m, &g), 0, "gateio: an order update");
	CHECK_STR(g.o[0].status, "partially_filled", "gateio: update with fills: partially filled");
	CHECK_STR(dec(g.o[0].filled_qty), "0.004", "gateio: amount - left");
	CHECK_STR(g.o[0].id, "P1", "gateio: the order's text");
	snprintf(m, sizeof m, UPD, "finish", "ioc", "0.006", "167.96", "41990", "ioc");
	CHECK_INT(feed(t, m, &g), 0, "gateio: finish");
	CHECK_STR(g.o[1].status, "expired", "gateio: finish as ioc: expired");
	snprintf(m, sizeof m, UPD, "finish", "gtc", "0", "420", "42000", "filled");
	CHECK_INT(feed(t, m, &g), 0, "gateio: finish filled");
	CHECK_STR(g.o[2].status, "filled", "gateio: finish as filled");
	snprintf(m, sizeof m, UPD, "put", "poc", "0.01", "0", "0", "open");
	CHECK_INT(feed(t, m, &g), 0, "gateio: put");
	CHECK_STR(g.o[3].status, "acked", "gateio: put: acked");
	CHECK_STR(g.o[3].kind, "post_only", "gateio: poc: post only");
#undef UPD
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "{\"channel\":\"spot.usertrades\",\"event\":\"update\",\"result\":[{\"id\":1,"
	               "\"currency_pair\":\"BTC_USDT\",\"amount\":\"x\"}]}", &g), -1,
	          "gateio: a malformed trade ends the stream");
	lyra_trade_free(t);
}

static void kraken(void)
{
	struct lyra_api_key k = {"k-test-1", "czNjcmV0LXRlc3Qtc2VjcmV0LWJ5dGVz", ""};
	struct lyra_trade *t = handle("kraken", &k);
	struct got g = {0};
	CHECK_INT(feed(t, "{\"method\":\"subscribe\",\"result\":{\"channel\":\"executions\","
	               "\"maxratecount\":125,\"snap_orders\":false,\"snap_trades\":false},\"success\":"
	               "true,\"time_in\":\"2023-10-16T13:18:35.303171Z\",\"time_out\":"
	               "\"2023-10-16T13:18:35.318297Z\"}", &g), 1, "kraken: subscribed");
	CHECK_INT(feed(t, "{\"error\":\"ESession:Invalid session\",\"method\":\"subscribe\","
	               "\"success\":false}", &g), -1, "kraken: refused");
	CHECK(strstr(lyra_error_msg(), "ESession:Invalid session") != NULL, "kraken: the reason");
	CHECK_INT(feed(t, "{\"channel\":\"heartbeat\"}", &g), 0, "kraken: heartbeat");
	/* the documented execution: a trade report and the order's status report, JSON numbers
	 * (read exactly: 0.1 + 0.2 style values must not go through a double) */
	CHECK_INT(feed(t, "{\"channel\":\"executions\",\"type\":\"update\",\"data\":[{\"order_id\":"
	               "\"OK4GJX-KSTLS-7DZZO5\",\"order_userref\":3,\"cl_ord_id\":\"P1\",\"exec_id\":"
	               "\"TT5UC3-GOIRW-6AZZ6R\",\"exec_type\":\"trade\",\"trade_id\":2838431,\"symbol\":"
	               "\"BTC/USD\",\"side\":\"buy\",\"last_qty\":0.005,\"last_price\":26599.9,"
	               "\"liquidity_ind\":\"t\",\"cost\":132.9995,\"order_status\":\"filled\","
	               "\"order_type\":\"limit\",\"timestamp\":\"2023-09-22T10:33:05.709950Z\","
	               "\"fee_usd_equiv\":0.03458,\"fees\":[{\"asset\":\"USD\",\"qty\":0.3458}]},"
	               "{\"order_id\":\"OK4GJX-KSTLS-7DZZO5\",\"order_userref\":3,\"exec_id\":"
	               "\"TT5UC3-GOIRW-6AZZ6R\",\"exec_type\":\"filled\",\"order_status\":\"filled\","
	               "\"cum_qty\":0.005,\"cum_cost\":132.9995,\"avg_price\":26599.9,\"timestamp\":"
	               "\"2023-09-22T10:33:05.709993Z\"}],\"sequence\":8}", &g), 0,
	          "kraken: an execution");
	CHECK_STR(g.seq, "fo", "kraken: the fill, then the order");
	CHECK_STR(g.f[0].trade_id, "TT5UC3-GOIRW-6AZZ6R", "kraken: exec_id is the trade txid");
	CHECK_STR(g.f[0].id, "P1", "kraken: cl_ord_id");
	CHECK_STR(g.f[0].venue_order_id, "OK4GJX-KSTLS-7DZZO5", "kraken: order_id");
	CHECK_STR(dec(g.f[0].qty), "0.005", "kraken: last_qty exact");
	CHECK_STR(dec(g.f[0].px), "26599.9", "kraken: last_price exact");
	CHECK_STR(dec(g.f[0].fee), "0.3458", "kraken: fees[0].qty");
	CHECK_STR(g.f[0].fee_ccy, "USD", "kraken: fees[0].asset");
	CHECK_STR(g.f[0].liquidity, "taker", "kraken: liquidity_ind t");
	CHECK_INT(g.f[0].ts, 1695378785709950LL, "kraken: timestamp");
	CHECK_STR(g.o[0].id, "", "kraken: a status report without cl_ord_id names no client id");
	CHECK_STR(g.o[0].venue_order_id, "OK4GJX-KSTLS-7DZZO5", "kraken: ... but its order id");
	CHECK_STR(g.o[0].status, "filled", "kraken: filled");
	CHECK_STR(dec(g.o[0].filled_qty), "0.005", "kraken: cum_qty");
	CHECK_STR(dec(g.o[0].avg_px), "26599.9", "kraken: avg_price");
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "{\"channel\":\"executions\",\"type\":\"update\",\"data\":[{\"order_id\":"
	               "\"O1\",\"exec_type\":\"trade\",\"exec_id\":\"T1\",\"cl_ord_id\":\"P2\","
	               "\"last_qty\":1e-05,\"last_price\":42000,\"liquidity_ind\":\"m\",\"timestamp\":"
	               "\"2023-09-22T10:33:05Z\",\"order_status\":\"partially_filled\"}]}", &g), 0,
	          "kraken: a trade report alone");
	CHECK_STR(g.seq, "f", "kraken: without cum_qty no order update");
	CHECK_STR(dec(g.f[0].qty), "0.00001", "kraken: an exponent form read exactly");
	CHECK_STR(g.f[0].liquidity, "maker", "kraken: liquidity_ind m");
	CHECK_STR(dec(g.f[0].fee), "0", "kraken: no fees: zero");
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "{\"channel\":\"executions\",\"type\":\"update\",\"data\":[{\"order_id\":"
	               "\"O1\",\"cl_ord_id\":\"P2\",\"exec_type\":\"canceled\",\"order_status\":"
	               "\"canceled\",\"cum_qty\":0.00001,\"avg_price\":42000,\"timestamp\":"
	               "\"2023-09-22T10:34:00Z\"},{\"order_id\":\"O3\",\"exec_type\":\"new\","
	               "\"order_status\":\"new\",\"cum_qty\":0,\"timestamp\":\"2023-09-22T10:34:00Z\"}]}",
	               &g), 0, "kraken: cancelled and new");
	CHECK_STR(g.seq, "oo", "kraken: two order updates");
	CHECK_STR(g.o[0].status, "cancelled", "kraken: canceled keeps its fills");
	CHECK_STR(dec(g.o[0].filled_qty), "0.00001", "kraken: cum_qty of the cancelled");
	CHECK_STR(g.o[1].status, "acked", "kraken: new is acked");
	CHECK_INT(feed(t, "{\"channel\":\"executions\",\"type\":\"update\",\"data\":[{\"order_id\":"
	               "\"O1\",\"exec_type\":\"x\",\"order_status\":\"weird\",\"cum_qty\":0}]}", &g), -1,
	          "kraken: an unknown status ends the stream");
	lyra_trade_free(t);
}

static void bitfinex(void)
{
	struct lyra_api_key k = {"k-test-1", "s3cret-test", ""};
	struct lyra_trade *t = handle("bitfinex", &k);
	struct got g = {0};
	char sig[129];
	/* printf 'AUTH1700000000000000' | openssl dgst -sha384 -hmac s3cret-test */
	lyra_trade_hmac_hex(&k, "sha384", "AUTH1700000000000000", sig, sizeof sig);
	CHECK_STR(sig, "4c41d678e4186e4093b9e92863a713af5a5257437b2f0e0636e632a2209f0207ec22408f86d3"
	          "08cf687f55aefaddf5db", "bitfinex: HMAC-SHA384 hex");
	char *hello = t->a->stream->hello(t, 0), want[80];
	json_t *h = json_loads(hello, 0, NULL);
	const char *nonce = json_string_value(json_object_get(h, "authNonce"));
	CHECK_STR(json_string_value(json_object_get(h, "event")), "auth", "bitfinex: auth");
	CHECK_STR(json_string_value(json_object_get(h, "apiKey")), "k-test-1", "bitfinex: apiKey");
	CHECK(nonce && strlen(nonce) >= 16, "bitfinex: a microsecond nonce");
	snprintf(want, sizeof want, "AUTH%s", nonce ? nonce : "");
	CHECK_STR(json_string_value(json_object_get(h, "authPayload")), want, "bitfinex: AUTH+nonce");
	lyra_trade_hmac_hex(&k, "sha384", want, sig, sizeof sig);
	CHECK_STR(json_string_value(json_object_get(h, "authSig")), sig, "bitfinex: authSig");
	CHECK_STR(json_string_value(json_array_get(json_object_get(h, "filter"), 0)), "trading",
	          "bitfinex: the trading filter");
	json_decref(h);
	free(hello);
	CHECK_INT(feed(t, "{\"event\":\"info\",\"version\":2,\"platform\":{\"status\":1}}", &g), 0,
	          "bitfinex: info first");
	CHECK_INT(feed(t, "{\"event\":\"auth\",\"status\":\"OK\",\"chanId\":0,\"userId\":1}", &g), 1,
	          "bitfinex: auth OK");
	CHECK_INT(feed(t, "{\"event\":\"auth\",\"status\":\"FAILED\",\"chanId\":0,\"msg\":"
	               "\"apikey: digest invalid\",\"code\":10100}", &g), -1, "bitfinex: auth FAILED");
	CHECK(strstr(lyra_error_msg(), "apikey: digest invalid (10100)") != NULL,
	      "bitfinex: message and code");
	CHECK_INT(feed(t, "[0,\"hb\"]", &g), 0, "bitfinex: heartbeat");
	CHECK_INT(feed(t, "[0,\"te\",[5002,\"tBTCUSD\",1700000001000,1001,0.004,41990,"
	               "\"EXCHANGE LIMIT\",42000,1]]", &g), 0, "bitfinex: te is not used");
	CHECK_STR(g.seq, "", "bitfinex: te gives nothing");
	CHECK_INT(feed(t, "[0,\"tu\",[5002,\"tBTCUSD\",1700000001000,1001,0.004,41990,"
	               "\"EXCHANGE LIMIT\",42000,1,-0.0000084,\"BTC\",1001]]", &g), 0, "bitfinex: tu");
	CHECK_INT(feed(t, "[0,\"ou\",[1001,null,1001,\"tBTCUSD\",1700000000000,1700000001000,0.006,"
	               "0.01,\"EXCHANGE LIMIT\",null,null,null,0,\"PARTIALLY FILLED @ 41990.0(0.004)\","
	               "null,null,42000,41990,0,0,null,null,null,0,0,null,null,null,\"API>BFX\",null,"
	               "null,{}]]", &g), 0, "bitfinex: ou");
	CHECK_STR(g.seq, "fo", "bitfinex: the fill, then the order");
	CHECK_STR(g.f[0].trade_id, "5002", "bitfinex: trade ID");
	CHECK_STR(g.f[0].id, "1001", "bitfinex: CID");
	CHECK_STR(g.f[0].venue_order_id, "1001", "bitfinex: ORDER_ID");
	CHECK_STR(dec(g.f[0].qty), "0.004", "bitfinex: EXEC_AMOUNT");
	CHECK_STR(g.f[0].side, "buy", "bitfinex: a positive amount buys");
	CHECK_STR(dec(g.f[0].fee), "0.0000084", "bitfinex: FEE (negative: a charge)");
	CHECK_STR(g.f[0].liquidity, "maker", "bitfinex: MAKER 1");
	CHECK_STR(g.o[0].status, "partially_filled", "bitfinex: PARTIALLY FILLED");
	CHECK_STR(dec(g.o[0].filled_qty), "0.004", "bitfinex: AMOUNT_ORIG - AMOUNT");
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "[0,\"oc\",[1001,null,1001,\"tBTCUSD\",1700000000000,1700000002000,0.006,"
	               "0.01,\"EXCHANGE LIMIT\",null,null,null,0,\"CANCELED was: PARTIALLY FILLED @ "
	               "41990.0(0.004)\",null,null,42000,41990,0,0]]", &g), 0, "bitfinex: oc");
	CHECK_STR(g.o[0].status, "cancelled", "bitfinex: CANCELED");
	CHECK_INT(feed(t, "[0,\"os\",[]]", &g), 0, "bitfinex: a snapshot is ignored");
	CHECK_INT(feed(t, "[0,\"tu\",[\"x\"]]", &g), -1, "bitfinex: a malformed tu ends the stream");
	lyra_trade_free(t);
}

static void bitstamp(void)
{
	struct lyra_api_key k = {"k-test-1", "s3cret-test", ""};
	struct lyra_trade *t = handle("bitstamp", &k);
	struct got g = {0};
	/* the pairs: each once, in the order added */
	lyra_trade_watch_add(t, "btcusd");
	lyra_trade_watch_add(t, "ethusd");
	lyra_trade_watch_add(t, "btcusd");
	lyra_trade_watch_add(t, "");
	CHECK_INT((long long)t->watch.n, 2, "bitstamp: two pairs watched");
	CHECK_STR(t->watch.vs[1], "ethusd", "bitstamp: in the order added");
	/* a token still valid is reused (no REST call): both private channels of the pair */
	snprintf(t->watch.token, sizeof t->watch.token, "tok-1");
	snprintf(t->watch.user_id, sizeof t->watch.user_id, "314159");
	t->watch.token_until_us = lyra_trade_now(t) + 30000000;
	char *w = t->a->stream->watch(t, "btcusd");
	CHECK_STR(w, "{\"event\":\"bts:subscribe\",\"data\":{\"channel\":"
	          "\"private-my_orders_btcusd-314159\",\"auth\":\"tok-1\"}}\n"
	          "{\"event\":\"bts:subscribe\",\"data\":{\"channel\":"
	          "\"private-my_trades_btcusd-314159\",\"auth\":\"tok-1\"}}",
	          "bitstamp: my_orders and my_trades of the pair, channel-user_id, the token as auth");
	free(w);
	/* an expired token is asked for again by REST (nothing listens here: no subscription) */
	t->watch.token_until_us = lyra_trade_now(t) - 1;
	CHECK(t->a->stream->watch(t, "btcusd") == NULL, "bitstamp: an expired token is not used");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"event\":\"bts:heartbeat\",\"channel\":\"\",\"data\":{\"status\":"
	               "\"success\"}}", &g), 1, "bitstamp: the heartbeat's answer opens the stream");
	CHECK_INT(feed(t, "{\"event\":\"bts:subscription_succeeded\",\"channel\":"
	               "\"private-my_trades_btcusd-314159\",\"data\":{}}", &g), 3,
	          "bitstamp: a private subscription confirmed");
	CHECK_INT(feed(t, "{\"event\":\"bts:subscription_succeeded\",\"channel\":"
	               "\"live_trades_btcusd\",\"data\":{}}", &g), 0,
	          "bitstamp: a public one is not ours");
	CHECK_INT(feed(t, "{\"event\":\"bts:error\",\"channel\":\"\",\"data\":{\"code\":4009,"
	               "\"message\":\"Authentication failed.\"}}", &g), -1, "bitstamp: bts:error");
	CHECK(strstr(lyra_error_msg(), "Authentication failed. (4009)") != NULL,
	      "bitstamp: its message and code");
	CHECK_INT(feed(t, "{\"event\":\"bts:request_reconnect\",\"channel\":\"\",\"data\":\"\"}",
	               &g), -1, "bitstamp: asked to reconnect");
	/* a trade with JSON numbers, read exactly; the order's state is then read by REST, which
	 * fails here and is left to the REST poll */
	CHECK_INT(feed(t, "{\"event\":\"trade\",\"channel\":\"private-my_trades_btcusd-314159\","
	               "\"data\":{\"id\":296050733,\"order_id\":1500000001,\"client_order_id\":"
	               "\"P1\",\"amount\":0.1,\"price\":61200.01,\"fee\":\"0.30600\",\"side\":"
	               "\"buy\",\"microtimestamp\":\"1719221608330123\",\"trade_account_id\":0}}", &g),
	          0, "bitstamp: my_trades trade");
	lyra_error_clear();
	CHECK_STR(g.seq, "f", "bitstamp: one fill");
	CHECK_STR(g.f[0].trade_id, "296050733", "bitstamp: id is the trade id");
	CHECK_STR(g.f[0].venue_order_id, "1500000001", "bitstamp: order_id");
	CHECK_STR(g.f[0].id, "P1", "bitstamp: client_order_id");
	CHECK_STR(dec(g.f[0].qty), "0.1", "bitstamp: amount exact");
	CHECK_STR(dec(g.f[0].px), "61200.01", "bitstamp: price exact");
	CHECK_STR(dec(g.f[0].fee), "0.30600", "bitstamp: fee");
	CHECK_STR(g.f[0].side, "buy", "bitstamp: side");
	CHECK_STR(g.f[0].symbol, "btcusd", "bitstamp: the pair from the channel (no markets set)");
	CHECK_INT(g.f[0].ts, 1719221608330123LL, "bitstamp: microtimestamp");
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "{\"event\":\"trade\",\"channel\":\"private-my_trades_btcusd-314159\","
	               "\"data\":{\"id\":1,\"order_id\":2,\"amount\":\"0.1\",\"price\":\"1\","
	               "\"microtimestamp\":\"1719221608330123\"}}", &g), -1,
	          "bitstamp: a trade without side ends the stream");
	CHECK_INT(feed(t, "{\"event\":\"trade\",\"channel\":\"private-my_trades_btcusd-314159\","
	               "\"data\":{\"id\":1,\"order_id\":2,\"amount\":\"-0.1\",\"price\":\"1\","
	               "\"side\":\"sell\",\"microtimestamp\":\"1719221608330123\"}}", &g), -1,
	          "bitstamp: a negative amount ends the stream");
	CHECK_INT(feed(t, "{\"event\":\"trade\",\"channel\":\"live_trades_btcusd\",\"data\":"
	               "{\"id\":104007706,\"amount\":0.5,\"price\":9334.73,\"type\":1}}", &g), 0,
	          "bitstamp: a public trade is not a fill");
	CHECK_INT(feed(t, "{\"event\":\"order_created\",\"channel\":\"private-my_orders_btcusd-314159\","
	               "\"data\":{\"id\":1500000001,\"client_order_id\":\"P1\",\"amount\":\"0.1\"}}",
	               &g), 0, "bitstamp: order_created is not used");
	CHECK_STR(g.seq, "", "bitstamp: nothing from those");
	lyra_trade_free(t);
}

static void gemini(void)
{
	struct lyra_api_key k = {"k-test-1", "s3cret-test", ""};
	struct lyra_trade *t = handle("gemini", &k);
	struct got g = {0};
	char sig[129];
	/* P=$(printf '{"request":"/v1/order/events","nonce":1700000000000000}' | base64 -w0);
	 * printf %s "$P" | openssl dgst -sha384 -hmac s3cret-test */
	lyra_trade_hmac_hex(&k, "sha384", "eyJyZXF1ZXN0IjoiL3YxL29yZGVyL2V2ZW50cyIsIm5vbmNlIjoxNzAwMDAw"
	                    "MDAwMDAwMDAwfQ==", sig, sizeof sig);
	CHECK_STR(sig, "3fe80c8341896a52d851d5fc84cea9eab00b37304c0c3dc2717a68c950950f329d623ce5e045"
	          "00d65d609ccf0ded2ff0", "gemini: HMAC-SHA384 hex of the base64 payload");
	char *hs = t->a->stream->handshake(t), pl[256] = "", sg[160] = "", key[64] = "";
	CHECK(hs && sscanf(hs, "X-GEMINI-APIKEY: %63[^\n]\nX-GEMINI-PAYLOAD: %255[^\n]\n"
	                   "X-GEMINI-SIGNATURE: %159s", key, pl, sg) == 3,
	      "gemini: three handshake headers, in order");
	CHECK_STR(key, "k-test-1", "gemini: X-GEMINI-APIKEY");
	unsigned char raw[200] = "";
	int rn = EVP_DecodeBlock(raw, (const unsigned char *)pl, (int)strlen(pl));
	json_t *pj = rn > 0 ? json_loads((const char *)raw, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(pj, "request")), "/v1/order/events",
	          "gemini: the payload's request is the stream's path");
	CHECK(json_integer_value(json_object_get(pj, "nonce")) > 1700000000000000LL,
	      "gemini: an integer nonce (the REST nonce)");
	json_decref(pj);
	lyra_trade_hmac_hex(&k, "sha384", pl, sig, sizeof sig);
	CHECK_STR(sg, sig, "gemini: X-GEMINI-SIGNATURE over the payload as sent");
	free(hs);
	char *hello = t->a->stream->hello(t, 0);
	CHECK_STR(hello, "", "gemini: nothing to send after the handshake");
	free(hello);
	CHECK_INT(feed(t, "{\"type\":\"subscription_ack\",\"accountId\":5365,\"subscriptionId\":"
	               "\"ws-order-events-5365-b8bk32\",\"symbolFilter\":[],\"apiSessionFilter\":[],"
	               "\"eventTypeFilter\":[]}", &g), 1, "gemini: subscription_ack");
	CHECK_INT(feed(t, "{\"type\":\"heartbeat\",\"timestampms\":1547742998508,\"sequence\":31,"
	               "\"trace_id\":\"b8biknoqppr32kc7gfgg\",\"socket_sequence\":37}", &g), 0,
	          "gemini: heartbeat");
	/* the documented fill event */
	CHECK_INT(feed(t, "[{\"type\":\"fill\",\"order_id\":\"556309\",\"client_order_id\":\"g-1\","
	               "\"api_session\":\"UI\",\"symbol\":\"ethbtc\",\"side\":\"sell\",\"order_type\":"
	               "\"exchange limit\",\"timestamp\":\"1478729284\",\"timestampms\":1478729284169,"
	               "\"is_live\":false,\"is_cancelled\":false,\"is_hidden\":false,"
	               "\"avg_execution_price\":\"0.01514\",\"executed_amount\":\"0.5\","
	               "\"remaining_amount\":\"0\",\"original_amount\":\"0.5\",\"price\":\"0.01514\","
	               "\"fill\":{\"trade_id\":\"557315\",\"liquidity\":\"Maker\",\"price\":\"0.01514\","
	               "\"amount\":\"0.5\",\"fee\":\"0.0000189250\",\"fee_currency\":\"BTC\"},"
	               "\"socket_sequence\":81}]", &g), 0, "gemini: a fill event");
	CHECK_STR(g.seq, "fo", "gemini: the fill, then the order");
	CHECK_STR(g.f[0].trade_id, "557315", "gemini: fill.trade_id (REST's tid)");
	CHECK_STR(g.f[0].id, "g-1", "gemini: client_order_id");
	CHECK_STR(g.f[0].venue_order_id, "556309", "gemini: order_id");
	CHECK_STR(g.f[0].side, "sell", "gemini: side");
	CHECK_STR(g.f[0].liquidity, "maker", "gemini: liquidity Maker");
	CHECK_STR(dec(g.f[0].fee), "0.0000189250", "gemini: fill.fee");
	CHECK_STR(g.f[0].fee_ccy, "BTC", "gemini: fill.fee_currency");
	CHECK_INT(g.f[0].ts, 1478729284169000LL, "gemini: timestampms");
	CHECK_STR(g.o[0].status, "filled", "gemini: not live, executed in full: filled");
	CHECK_STR(dec(g.o[0].filled_qty), "0.5", "gemini: executed_amount");
	CHECK_STR(g.o[0].kind, "limit", "gemini: order_type read as REST's type");
	memset(&g, 0, sizeof g);
	CHECK_INT(feed(t, "[{\"type\":\"cancel_rejected\",\"order_id\":\"1\",\"symbol\":\"btcusd\"},"
	               "{\"type\":\"rejected\",\"order_id\":\"2\",\"client_order_id\":\"g-2\",\"symbol\":"
	               "\"btcusd\",\"side\":\"buy\",\"order_type\":\"exchange limit\",\"is_live\":false,"
	               "\"executed_amount\":\"0\",\"original_amount\":\"1\",\"price\":\"1\","
	               "\"timestampms\":1478729284169},{\"type\":\"cancelled\",\"order_id\":\"3\","
	               "\"symbol\":\"btcusd\",\"side\":\"buy\",\"order_type\":\"exchange limit\","
	               "\"is_live\":false,\"is_cancelled\":true,\"executed_amount\":\"0.2\","
	               "\"original_amount\":\"1\",\"avg_execution_price\":\"42000\",\"price\":\"42000\","
	               "\"timestampms\":1478729284169}]", &g), 0, "gemini: several events in one message");
	CHECK_STR(g.seq, "oo", "gemini: cancel_rejected changes nothing");
	CHECK_STR(g.o[0].status, "rejected", "gemini: rejected");
	CHECK_STR(g.o[1].status, "cancelled", "gemini: cancelled keeps its fills");
	CHECK_STR(dec(g.o[1].filled_qty), "0.2", "gemini: ... 0.2 of them");
	CHECK_INT(feed(t, "[{\"type\":\"fill\",\"order_id\":\"9\",\"symbol\":\"btcusd\",\"side\":"
	               "\"buy\",\"order_type\":\"exchange limit\",\"timestampms\":1,\"fill\":{"
	               "\"liquidity\":\"Taker\",\"price\":\"1\",\"amount\":\"1\"}}]", &g), -1,
	          "gemini: a fill without trade_id ends the stream");
	lyra_trade_free(t);
}

static void coinbase(void)
{
	/* the secret base64 of "s3cret-test-secret-bytes" */
	struct lyra_api_key k = {"k-test-1", "czNjcmV0LXRlc3Qtc2VjcmV0LWJ5dGVz", "Pass-1"};
	struct lyra_trade *t = handle("coinbase", &k);
	struct got g = {0};
	/* the signature computed with printf '1700000000GET/users/self/verify' | openssl dgst
	 * -sha256 -mac HMAC -macopt hexkey:$(printf czNj... | base64 -d | xxd -p) -binary | base64 */
	char *sub = lyra_coinbase_ws_subscribe(t, "BTC-USD", "1700000000");
	CHECK_STR(sub, "{\"type\":\"subscribe\",\"channels\":[{\"name\":\"user\",\"product_ids\":"
	          "[\"BTC-USD\"]}],\"signature\":\"7IpuRif4MlovgGY1g0ZL+rgTV3QTM5rnL+0ZQtaXHaQ=\","
	          "\"key\":\"k-test-1\",\"passphrase\":\"Pass-1\",\"timestamp\":\"1700000000\"}",
	          "coinbase: the user channel of one product, signed GET /users/self/verify");
	free(sub);
	/* watch(): the same, timestamped now */
	char *w = t->a->stream->watch(t, "ETH-USD");
	json_t *wj = json_loads(w ? w : "", 0, NULL);
	const json_t *ch0 = json_array_get(json_object_get(wj, "channels"), 0);
	CHECK_STR(json_string_value(json_object_get(ch0, "name")), "user", "coinbase: watch() channel");
	CHECK_STR(json_string_value(json_array_get(json_object_get(ch0, "product_ids"), 0)), "ETH-USD",
	          "coinbase: watch() subscribes the product");
	CHECK(json_string_value(json_object_get(wj, "timestamp")) &&
	      strlen(json_string_value(json_object_get(wj, "timestamp"))) >= 10,
	      "coinbase: watch() timestamps now");
	json_decref(wj);
	free(w);
	/* the keepalive: the heartbeat channel on the first watched product, else BTC-USD */
	char *hb = t->a->stream->ping(t);
	CHECK_STR(hb, "{\"type\":\"subscribe\",\"channels\":[{\"name\":\"heartbeat\","
	          "\"product_ids\":[\"BTC-USD\"]}]}", "coinbase: heartbeat on BTC-USD");
	free(hb);
	lyra_trade_watch_add(t, "ETH-USD");
	hb = t->a->stream->ping(t);
	CHECK(hb && strstr(hb, "[\"ETH-USD\"]") != NULL, "coinbase: heartbeat on the watched product");
	free(hb);

	CHECK_INT(feed(t, "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"heartbeat\","
	               "\"product_ids\":[\"BTC-USD\"]}]}", &g), 1,
	          "coinbase: the heartbeat's subscriptions opens the stream");
	CHECK_INT(feed(t, "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"heartbeat\","
	               "\"product_ids\":[\"BTC-USD\"]},{\"name\":\"user\",\"product_ids\":"
	               "[\"BTC-USD\"]}]}", &g), 3, "coinbase: a user-channel subscription confirmed");
	CHECK_INT(feed(t, "{\"type\":\"error\",\"message\":\"Authentication Failed\",\"reason\":"
	               "\"{\\\"message\\\":\\\"invalid signature\\\"}\"}", &g), -1,
	          "coinbase: an error ends the attempt");
	CHECK(strstr(lyra_error_msg(), "Authentication Failed: {\"message\":\"invalid signature\"}")
	      != NULL, "coinbase: the error's message and reason");
	lyra_error_clear();
	/* messages that say nothing new: heartbeat, received, open, activate, unknown types */
	CHECK_INT(feed(t, "{\"type\":\"heartbeat\",\"sequence\":90,\"last_trade_id\":20,"
	               "\"product_id\":\"BTC-USD\",\"time\":\"2014-11-07T08:19:28.464459Z\"}", &g), 0,
	          "coinbase: heartbeat");
	CHECK_INT(feed(t, "{\"type\":\"received\",\"time\":\"2014-11-07T08:19:27.028459Z\","
	               "\"product_id\":\"BTC-USD\",\"sequence\":10,\"order_id\":"
	               "\"d50ec984-77a8-460a-b958-66f114b0de9b\",\"size\":\"1.34\",\"price\":"
	               "\"502.1\",\"side\":\"buy\",\"order_type\":\"limit\"}", &g), 0, "coinbase: received");
	CHECK_INT(feed(t, "{\"type\":\"open\",\"order_id\":\"d50ec984\",\"product_id\":\"BTC-USD\","
	               "\"price\":\"200.2\",\"remaining_size\":\"1.00\",\"side\":\"sell\"}", &g), 0,
	          "coinbase: open");
	CHECK_INT(feed(t, "{\"type\":\"activate\",\"product_id\":\"BTC-USD\",\"order_id\":"
	               "\"7b52009b\",\"stop_type\":\"entry\",\"size\":\"1.0\"}", &g), 0,
	          "coinbase: activate");
	CHECK_INT(feed(t, "{\"type\":\"l2update\"}", &g), 0, "coinbase: a type not known");
	CHECK_INT(feed(t, "[1,2]", &g), 0, "coinbase: not an object");
	/* a match between two other users' orders (the full channel's view), and one that names
	 * the user on neither side: not ours, no REST read */
	const char *theirs = "{\"type\":\"match\",\"trade_id\":10,\"sequence\":50,"
		"\"maker_order_id\":\"ac928c66-ca53-498f-9c13-a110027a60e8\",\"taker_order_id\":"
		"\"132fb6ae-456b-4654-b4e0-d681ac05cea1\",\"time\":\"2014-11-07T08:19:27.028459Z\","
		"\"product_id\":\"BTC-USD\",\"size\":\"5.23512\",\"price\":\"400.23\",\"side\":\"sell\"";
	char m[1024];
	snprintf(m, sizeof m, "%s}", theirs);
	CHECK_INT(feed(t, m, &g), 0, "coinbase: a match of others' orders is ignored");
	snprintf(m, sizeof m, "%s,\"user_id\":\"5844eceecf7e803e259d0365\",\"maker_user_id\":"
	         "\"58aaaaaaaaaaaaaaaaaaaaaa\",\"taker_user_id\":\"58bbbbbbbbbbbbbbbbbbbbbb\"}", theirs);
	CHECK_INT(feed(t, m, &g), 0, "coinbase: a match naming the user on neither side is ignored");
	CHECK_STR(g.seq, "", "coinbase: nothing from those");
	/* ours as the taker: the fill and the order are read by REST (the fee is not in the
	 * message), which fails here: the connection ends so the owner reconciles by REST */
	snprintf(m, sizeof m, "%s,\"taker_user_id\":\"5844eceecf7e803e259d0365\",\"user_id\":"
	         "\"5844eceecf7e803e259d0365\",\"taker_profile_id\":\"765d1549\",\"profile_id\":"
	         "\"765d1549\",\"taker_fee_rate\":\"0.005\"}", theirs);
	CHECK_INT(feed(t, m, &g), -1, "coinbase: our match, its fill not readable: reconnect");
	CHECK_STR(g.seq, "", "coinbase: no fill without REST's fee");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"type\":\"match\",\"maker_order_id\":\"a\",\"taker_order_id\":\"b\","
	               "\"product_id\":\"BTC-USD\",\"size\":\"1\",\"price\":\"1\",\"side\":\"buy\"}",
	               &g), -1, "coinbase: a match without trade_id is malformed");
	CHECK(strstr(lyra_error_msg(), "without trade_id") != NULL, "coinbase: says so");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"type\":\"match\",\"trade_id\":11,\"taker_order_id\":\"b\","
	               "\"product_id\":\"BTC-USD\",\"user_id\":\"u\",\"taker_user_id\":\"u\"}",
	               &g), -1, "coinbase: a match without maker_order_id is malformed");
	lyra_error_clear();
	/* done: reason filled or canceled, then the order read by REST (failing here); another
	 * reason or no order_id is malformed; change likewise reads the order */
	CHECK_INT(feed(t, "{\"type\":\"done\",\"time\":\"2014-11-07T08:19:27.028459Z\","
	               "\"product_id\":\"BTC-USD\",\"sequence\":10,\"price\":\"200.2\",\"order_id\":"
	               "\"d50ec984-77a8-460a-b958-66f114b0de9b\",\"reason\":\"filled\",\"side\":"
	               "\"sell\",\"remaining_size\":\"0\"}", &g), -1,
	          "coinbase: done filled: the order's state by REST (unreachable: reconnect)");
	CHECK(*lyra_error_msg() != '\0', "coinbase: the failed read says why");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"type\":\"done\",\"product_id\":\"BTC-USD\",\"order_id\":\"d50\","
	               "\"reason\":\"canceled\",\"remaining_size\":\"1\"}", &g), -1,
	          "coinbase: done canceled: likewise");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"type\":\"done\",\"product_id\":\"BTC-USD\",\"order_id\":\"d50\","
	               "\"reason\":\"exploded\"}", &g), -1, "coinbase: done with an unknown reason");
	CHECK(strstr(lyra_error_msg(), "reason 'exploded'") != NULL, "coinbase: names the reason");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"type\":\"done\",\"product_id\":\"BTC-USD\",\"reason\":\"filled\"}",
	               &g), -1, "coinbase: done without order_id");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"type\":\"change\",\"reason\":\"STP\",\"time\":"
	               "\"2014-11-07T08:19:27.028459Z\",\"sequence\":80,\"order_id\":"
	               "\"ac928c66-ca53-498f-9c13-a110027a60e8\",\"side\":\"sell\",\"product_id\":"
	               "\"BTC-USD\",\"old_size\":\"12.234412\",\"new_size\":\"5.23512\",\"price\":"
	               "\"400.23\"}", &g), -1, "coinbase: change: the order's state by REST (unreachable)");
	lyra_error_clear();
	CHECK_INT(feed(t, "{\"type\":\"change\",\"new_size\":\"1\",\"product_id\":\"BTC-USD\"}", &g),
	          -1, "coinbase: change without order_id");
	lyra_error_clear();
	CHECK_STR(g.seq, "", "coinbase: nothing delivered without REST");
	lyra_trade_free(t);
}

int main(void)
{
	CHECK(lyra_userstream_supported("binance") && lyra_userstream_supported("okx"),
	      "binance and okx stream");
	CHECK(lyra_userstream_supported("kraken") && lyra_userstream_supported("gateio") &&
	      lyra_userstream_supported("bitfinex"), "kraken, gateio and bitfinex stream");
	CHECK(lyra_userstream_supported("bitstamp"), "bitstamp streams");
	CHECK(lyra_userstream_supported("gemini"), "gemini streams");
	CHECK(lyra_userstream_supported("coinbase"), "coinbase streams");
	CHECK_STR(lyra_userstream_url("coinbase", 0), "wss://ws-feed.exchange.coinbase.com",
	          "coinbase URL");
	CHECK_STR(lyra_userstream_url("coinbase", 1),
	          "wss://ws-feed-public.sandbox.exchange.coinbase.com", "coinbase sandbox URL");
	CHECK_STR(lyra_userstream_url("gemini", 1), "wss://api.sandbox.gemini.com/v1/order/events",
	          "gemini sandbox URL");
	CHECK(lyra_userstream_url("gateio", 1) == NULL, "gateio: no testnet stream");
	CHECK_STR(lyra_userstream_url("okx", 1), "wss://wspap.okx.com:8443/ws/v5/private",
	          "okx demo trading URL");
	binance();
	okx();
	gateio();
	kraken();
	bitfinex();
	bitstamp();
	gemini();
	coinbase();
	return unit_done();
}
