/* test_userstream.c: the user streams' opening messages (Binance's signed subscription, OKX's
 * login, checked against signatures computed by hand with openssl) and their events in the
 * venues' documented shapes turned into orders and fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	if (j && !json_is_object(j)) {
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

int main(void)
{
	CHECK(lyra_userstream_supported("binance") && lyra_userstream_supported("okx"),
	      "binance and okx stream");
	CHECK(!lyra_userstream_supported("kraken"), "kraken polls");
	CHECK_STR(lyra_userstream_url("okx", 1), "wss://wspap.okx.com:8443/ws/v5/private",
	          "okx demo trading URL");
	binance();
	okx();
	return unit_done();
}
