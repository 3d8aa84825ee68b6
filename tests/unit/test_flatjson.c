/* test_flatjson: the flat-object scanner against lyra_record_parse (value for value, and the
 * writer against lyra_out_json's encoding), hostile inputs it must decline (escapes it cannot
 * take, bad unicode, duplicate keys, nesting, malformed numbers, truncated lines), and the flat
 * path of the risk engine against its jansson path: the same output bytes and error messages
 * for the same stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "flatjson.h"
#include "ndjson.h"
#include "record.h"
#include "risk.h"
#include "unit.h"

static struct lyra_fj fj;

/* 1: scanned and agrees with lyra_json_loads_exact member for member, and the writer gives
 * lyra_record_dump's bytes; 0: declined; -1: scanned but disagrees. */
static int agree(const char *line, size_t len)
{
	if (lyra_fj_scan(line, len, &fj) != 0)
		return 0;
	json_t *o = lyra_json_loads_exact(line, len, NULL, 0);
	if (!json_is_object(o) || json_object_size(o) != (size_t)fj.n) {
		json_decref(o);
		return -1;
	}
	int i = 0, ok = 1;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		const struct lyra_fj_field *f = &fj.f[i++];
		if (strcmp(k, f->key) != 0 || strlen(f->key) != f->klen)
			ok = 0;
		switch (f->kind) {
		case LYRA_FJ_STR:
		case LYRA_FJ_NUM:
			ok &= json_is_string(v) && json_string_length(v) == f->len &&
			      memcmp(json_string_value(v), f->str, f->len) == 0;
			break;
		case LYRA_FJ_INT: ok &= json_is_integer(v) && json_integer_value(v) == f->i; break;
		case LYRA_FJ_TRUE: ok &= json_is_true(v); break;
		case LYRA_FJ_FALSE: ok &= json_is_false(v); break;
		case LYRA_FJ_NULL: ok &= json_is_null(v); break;
		}
	}
	struct lyra_fj_out w;
	lyra_fj_out_init(&w);
	lyra_fj_put(&w, "{", 1);
	for (i = 0; i < fj.n; i++) {
		if (i)
			lyra_fj_put(&w, ",", 1);
		lyra_fj_put_member(&w, &fj.f[i]);
	}
	lyra_fj_put(&w, "}", 1);
	char *d = lyra_record_dump(o);
	ok &= d && strlen(d) == w.n && memcmp(d, w.b, w.n) == 0;
	if (!ok)
		printf("#   line %.*s\n#   dump %s\n#   ours %.*s\n", (int)len, line, d ? d : "",
		       (int)w.n, w.b);
	free(d);
	lyra_fj_out_free(&w);
	json_decref(o);
	return ok ? 1 : -1;
}

static int agrees(const char *line)
{
	return agree(line, strlen(line));
}

static void scanner(void)
{
	const char *bbo = "{\"type\":\"bbo\",\"ts\":1793491200001000,\"venue\":\"binance\","
	                  "\"symbol\":\"BTC/USDT\",\"bid_px\":\"43250.00\",\"n\":-7,\"ok\":true,"
	                  "\"no\":false,\"x\":null,\"f\":1.5e3}";
	CHECK_INT(agrees(bbo), 1, "a flat record is scanned and agrees with the jansson parse");
	CHECK_INT(fj.n, 10, "ten members");
	CHECK_STR(lyra_fj_str(&fj, "symbol"), "BTC/USDT", "string member");
	CHECK(lyra_fj_str(&fj, "ts") == NULL, "an integer is not a string");
	CHECK_INT(lyra_fj_get(&fj, "ts")->i, 1793491200001000LL, "integer member");
	CHECK_INT(lyra_fj_get(&fj, "n")->i, -7, "negative integer");
	CHECK_INT(lyra_fj_get(&fj, "f")->kind, LYRA_FJ_NUM, "an exponent makes a NUM");
	CHECK_STR(lyra_fj_get(&fj, "f")->str, "1.5e3", "a NUM keeps its text");
	CHECK(!lyra_fj_get(&fj, "f")->canon, "a NUM is written as a string, not as it stands");
	CHECK(lyra_fj_get(&fj, "venue")->canon, "a plain member is written as it stands");
	CHECK(lyra_fj_get(&fj, "missing") == NULL, "absent key");
	CHECK_INT(lyra_fj_get(&fj, "ok")->kind, LYRA_FJ_TRUE, "true");
	CHECK_INT(lyra_fj_get(&fj, "x")->kind, LYRA_FJ_NULL, "null");

	CHECK_INT(agrees(" { \"type\" : \"x\" ,\t\"a\":\r\n1 } \n"), 1, "whitespace anywhere JSON allows");
	CHECK(!lyra_fj_get(&fj, "type")->canon && !lyra_fj_get(&fj, "a")->canon,
	      "whitespace inside a member: not written as it stands");
	CHECK_INT(agrees("{}"), 1, "empty object");
	CHECK_INT(fj.n, 0, "no members");

	/* strings and escapes */
	CHECK_INT(agrees("{\"a\":\"q\\\"b\\\\s\\/n\\n\\t\\b\\f\\r\"}"), 1, "simple escapes decode");
	CHECK_STR(fj.f[0].str, "q\"b\\s/n\n\t\b\f\r", "decoded escapes");
	CHECK(!fj.f[0].canon, "an escaped string is re-encoded");
	CHECK_INT(agrees("{\"a\":\"\\u00e9\\u20AC\\ud83d\\ude00\"}"), 1, "\\u escapes and a surrogate pair");
	CHECK_STR(fj.f[0].str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "decoded to UTF-8");
	CHECK_INT(agrees("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}"), 1, "raw UTF-8");
	CHECK(fj.f[0].canon, "raw UTF-8 is written as it stands");
	CHECK_INT(agrees("{\"a\":\"\\u001f\\u007f\"}"), 1, "escaped control character and DEL");
	char all[400];
	int m = snprintf(all, sizeof all, "{\"a\":\"");
	for (int c = 0x20; c < 0x80; c++) {
		if (c == '"' || c == '\\')
			all[m++] = '\\';
		all[m++] = (char)c;
	}
	snprintf(all + m, sizeof all - (size_t)m, "\"}");
	CHECK_INT(agrees(all), 1, "every printable ASCII byte, '\"' and '\\' escaped");
	CHECK_INT(fj.f[0].len, 0x60, "all 96 decoded");
	all[7] = '\x7f';
	CHECK_INT(agrees(all), 1, "DEL raw");
	CHECK_INT(agrees("{\"\\u0074ype\":\"x\"}"), 1, "an escaped key decodes");
	CHECK_STR(fj.f[0].key, "type", "escaped key");
	CHECK(!fj.f[0].canon, "an escaped key is re-encoded");
	CHECK_INT(agrees("{\"a\":\"\\u0000\"}"), 0, "\\u0000 declined");
	CHECK_INT(agrees("{\"a\":\"\\udc00\"}"), 0, "lone low surrogate declined");
	CHECK_INT(agrees("{\"a\":\"\\ud800\"}"), 0, "high surrogate alone declined");
	CHECK_INT(agrees("{\"a\":\"\\ud800\\u0041\"}"), 0, "high surrogate before a non-surrogate declined");
	CHECK_INT(agrees("{\"a\":\"\\x41\"}"), 0, "unknown escape declined");
	CHECK_INT(agrees("{\"a\":\"\\u12G4\"}"), 0, "bad hex declined");
	CHECK_INT(agrees("{\"a\":\"a\tb\"}"), 0, "raw control character declined");
	CHECK_INT(agree("{\"a\":\"a\0b\"}", 10), 0, "NUL byte declined");
	CHECK_INT(agrees("{\"a\":\"\xc0\x80\"}"), 0, "overlong UTF-8 declined");
	CHECK_INT(agrees("{\"a\":\"\xed\xa0\x80\"}"), 0, "UTF-8 surrogate declined");
	CHECK_INT(agrees("{\"a\":\"\xe2\x82\"}"), 0, "truncated UTF-8 declined");
	CHECK_INT(agrees("{\"a\":\"\xff\"}"), 0, "0xff declined");
	CHECK_INT(agrees("{\"\xf4\x90\x80\x80\":1}"), 0, "beyond U+10FFFF in a key declined");

	/* keys */
	CHECK_INT(agrees("{\"a\":1,\"a\":2}"), 0, "duplicate key declined");
	CHECK_INT(agrees("{\"a\":1,\"\\u0061\":2}"), 0, "duplicate key through an escape declined");
	CHECK_INT(agrees("{\"ab\":1,\"ac\":2,\"ad\":3,\"a\":4,\"b\":5}"), 1,
	          "keys sharing length and first byte are not duplicates");
	CHECK_INT(agrees("{\"\":1}"), 1, "empty key");
	CHECK_INT(agrees("{a:1}"), 0, "unquoted key declined");
	CHECK_INT(agrees("{\"a\" 1}"), 0, "missing colon declined");

	/* nesting and shape */
	CHECK_INT(agrees("{\"a\":{}}"), 0, "nested object declined");
	CHECK_INT(agrees("{\"a\":[1,2]}"), 0, "nested array declined");
	CHECK_INT(agrees("[1]"), 0, "array declined");
	CHECK_INT(agrees("\"x\""), 0, "string declined");
	CHECK_INT(agrees(""), 0, "empty line declined");
	CHECK_INT(agrees("   "), 0, "blank line declined");
	CHECK_INT(agrees("{\"a\":1}x"), 0, "trailing bytes declined");
	CHECK_INT(agrees("{\"a\":1}{}"), 0, "two objects declined");
	CHECK_INT(agrees("{\"a\":1,}"), 0, "trailing comma declined");
	CHECK_INT(agrees("{,\"a\":1}"), 0, "leading comma declined");
	CHECK_INT(agrees("{\"a\":1 \"b\":2}"), 0, "missing comma declined");

	/* numbers */
	static const struct {
		const char *v;
		int kind;     /* -1: declined */
	} nums[] = {
		{ "0", LYRA_FJ_INT }, { "-0", LYRA_FJ_INT }, { "12", LYRA_FJ_INT },
		{ "9223372036854775807", LYRA_FJ_INT }, { "9223372036854775808", LYRA_FJ_NUM },
		{ "-9223372036854775808", LYRA_FJ_INT }, { "-9223372036854775809", LYRA_FJ_NUM },
		{ "123456789012345678901", LYRA_FJ_NUM }, { "0.5", LYRA_FJ_NUM },
		{ "-1.25E-3", LYRA_FJ_NUM }, { "1e+2", LYRA_FJ_NUM }, { "0e0", LYRA_FJ_NUM },
		{ "01", -1 }, { "1.", -1 }, { ".5", -1 }, { "-", -1 }, { "+1", -1 }, { "1e", -1 },
		{ "1e+", -1 }, { "1x", -1 }, { "--1", -1 }, { "0x10", -1 }, { "NaN", -1 },
		{ "Infinity", -1 }, { "1.5.2", -1 }, { "tru", -1 }, { "nulls", -1 }, { "True", -1 },
	};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		char l[80], what[120];
		snprintf(l, sizeof l, "{\"a\":%s}", nums[i].v);
		int a = agrees(l);
		snprintf(what, sizeof what, "number %s: %s", nums[i].v,
		         nums[i].kind < 0 ? "declined" : "scanned, agrees");
		CHECK(nums[i].kind < 0 ? a == 0 : a == 1 && (int)fj.f[0].kind == nums[i].kind, what);
	}
	CHECK_INT(agrees("{\"a\":-0}"), 1, "-0");
	CHECK(!fj.f[0].canon && fj.f[0].i == 0, "-0 is written 0");

	/* every prefix of a line is truncated: declined */
	int bad = 0;
	for (size_t n = 0; n < strlen(bbo); n++)
		bad += agree(bbo, n) != 0;
	CHECK_INT(bad, 0, "every truncation of a record declined");

	/* limits */
	char big[LYRA_FJ_MAX_LINE + 64];
	int o = snprintf(big, sizeof big, "{\"a\":\"");
	memset(big + o, 'x', LYRA_FJ_MAX_LINE);
	snprintf(big + o + LYRA_FJ_MAX_LINE, 8, "\"}");
	CHECK_INT(agrees(big), 0, "a line over LYRA_FJ_MAX_LINE declined");
	o = snprintf(big, sizeof big, "{\"a\":\"");
	memset(big + o, 'x', LYRA_FJ_MAX_LINE - 8);
	snprintf(big + o + LYRA_FJ_MAX_LINE - 8, 8, "\"}");
	CHECK_INT(agrees(big), 1, "a line just under the limit scanned");
	o = snprintf(big, sizeof big, "{");
	for (int i = 0; i <= LYRA_FJ_MAX_FIELDS; i++)
		o += snprintf(big + o, sizeof big - (size_t)o, "%s\"k%d\":%d", i ? "," : "", i, i);
	snprintf(big + o, sizeof big - (size_t)o, "}");
	CHECK_INT(agrees(big), 0, "more than LYRA_FJ_MAX_FIELDS members declined");
	o = snprintf(big, sizeof big, "{");
	for (int i = 0; i < LYRA_FJ_MAX_FIELDS; i++)
		o += snprintf(big + o, sizeof big - (size_t)o, "%s\"k%d\":%d", i ? "," : "", i, i);
	snprintf(big + o, sizeof big - (size_t)o, "}");
	CHECK_INT(agrees(big), 1, "LYRA_FJ_MAX_FIELDS members scanned");
}

static void accessors(void)
{
	struct lyra_dec d;
	int64_t t;
	const char *acc = "{\"s\":\"43250.010\",\"i\":-3,\"n\":1e-5,\"z\":null,\"b\":true,"
	                  "\"bad\":\"abc\",\"ts\":\"-17\",\"tf\":\"1.5\",\"tb\":\"99999999999999999999\","
	                  "\"te\":\"\",\"tm\":\"-\"}";
	CHECK_INT(lyra_fj_scan(acc, strlen(acc), &fj), 0, "accessor record scanned");
	CHECK(lyra_fj_dec(lyra_fj_get(&fj, "s"), &d) == 0 && d.mant == 43250010 && d.scale == 3,
	      "decimal from a string keeps its scale");
	CHECK(lyra_fj_dec(lyra_fj_get(&fj, "i"), &d) == 0 && d.mant == -3 && d.scale == 0,
	      "decimal from an integer");
	CHECK(lyra_fj_dec(lyra_fj_get(&fj, "n"), &d) == 0 && d.mant == 1 && d.scale == 5,
	      "decimal from a NUM's text");
	CHECK(lyra_fj_dec(lyra_fj_get(&fj, "z"), &d) < 0, "null is not a decimal");
	CHECK(lyra_fj_dec(lyra_fj_get(&fj, "b"), &d) < 0, "true is not a decimal");
	CHECK(lyra_fj_dec(lyra_fj_get(&fj, "bad"), &d) < 0, "'abc' is not a decimal");
	CHECK(lyra_fj_dec(lyra_fj_get(&fj, "nope"), &d) < 0, "absent is not a decimal");
	CHECK(lyra_fj_ts(lyra_fj_get(&fj, "i"), &t) == 0 && t == -3, "ts from an integer");
	CHECK(lyra_fj_ts(lyra_fj_get(&fj, "ts"), &t) == 0 && t == -17, "ts from a string integer");
	CHECK(lyra_fj_ts(lyra_fj_get(&fj, "tf"), &t) < 0, "'1.5' is not a ts");
	CHECK(lyra_fj_ts(lyra_fj_get(&fj, "tb"), &t) < 0, "a string beyond int64 is not a ts");
	CHECK(lyra_fj_ts(lyra_fj_get(&fj, "te"), &t) < 0, "'' is not a ts");
	CHECK(lyra_fj_ts(lyra_fj_get(&fj, "tm"), &t) < 0, "'-' is not a ts");
	CHECK(lyra_fj_ts(lyra_fj_get(&fj, "n"), &t) < 0, "a NUM is not a ts");

	struct lyra_fj_out w;
	lyra_fj_out_init(&w);
	lyra_fj_put_str(&w, "a\"b\\c\x01\x1f\n\xc3\xa9/", 11);
	lyra_fj_put(&w, "", 1);
	CHECK_STR(w.b, "\"a\\\"b\\\\c\\u0001\\u001F\\n\xc3\xa9/\"", "writer escapes as jansson does");
	lyra_fj_out_reset(&w);
	lyra_fj_put_int(&w, INT64_MIN);
	lyra_fj_put(&w, "", 1);
	CHECK_STR(w.b, "-9223372036854775808", "INT64_MIN");
	lyra_fj_out_free(&w);
	CHECK(lyra_fj_utf8_ok("\xc3\xa9 ok", 5) && !lyra_fj_utf8_ok("\xc3", 1) &&
	      !lyra_fj_utf8_ok("\xed\xa0\x80", 3), "UTF-8 check");
}

/* ---- the risk engine: flat path against jansson path ---- */

static struct lyra_risk *engine(void)
{
	struct lyra_risk *r = lyra_risk_new();
	lyra_risk_limit_set(r, "global", "max_position", "100000000");
	lyra_risk_limit_set(r, "global", "max_gross_exposure", "100000000");
	lyra_risk_limit_set(r, "global", "max_order_qty", "5");
	lyra_risk_limit_set(r, "strategy:s\"1", "max_order_qty", "7");
	lyra_risk_limit_set(r, "global", "max_order_notional", "200000");
	lyra_risk_limit_set(r, "global", "price_band_pct", "5");
	lyra_risk_limit_set(r, "global", "allowed_venues", "paper,b\xc3\xa9");
	lyra_risk_limit_set(r, "global", "max_open_orders", "6");
	lyra_risk_limit_set(r, "global", "equity", "100000");
	lyra_risk_limit_set(r, "global", "max_leverage", "3");
	lyra_risk_limit_set(r, "global", "stale_mark_sec", "60");
	lyra_risk_limit_set(r, "global", "venue_errors", "1");
	return r;
}

/* One line through the jansson path, as riskcheck check did before the flat path. */
static void slow(struct lyra_risk *r, const char *line, unsigned flags, char *res, size_t n)
{
	char why[256];
	json_t *rec = lyra_record_parse(line, strlen(line), why, sizeof why);
	if (!rec) {
		snprintf(res, n, "error: %s", why);
		return;
	}
	const char *t = lyra_json_get_str(rec, "type");
	if (strcmp(t, "order") != 0) {
		if (lyra_risk_observe(r, t, rec) != 0)
			snprintf(res, n, "error: %s", lyra_error_msg());
		else
			snprintf(res, n, "%s", line);
	} else if (lyra_risk_check(r, rec, flags) < 0) {
		snprintf(res, n, "error: %s", lyra_error_msg());
	} else {
		char *d = lyra_record_dump(rec);
		snprintf(res, n, "%s", d);
		free(d);
	}
	json_decref(rec);
}

static int nflat;

/* The same through the flat path, falling back as riskcheck check does. */
static void fast(struct lyra_risk *r, const char *line, unsigned flags, char *res, size_t n)
{
	struct lyra_fj_out w;
	int rc = LYRA_RISK_DECLINE;
	const char *pt, *why;
	size_t ptl;
	lyra_fj_out_init(&w);
	/* as riskcheck check: the peek first, then the flat path when the line scans */
	if (lyra_record_peek_type(line, strlen(line), &pt, &ptl, &why) == 0 &&
	    lyra_fj_scan(line, strlen(line), &fj) == 0) {
		const char *t = lyra_fj_str(&fj, "type");
		if (t && strcmp(t, "order") == 0) {
			rc = lyra_risk_check_flat(r, &fj, flags, &w);
			if (rc == LYRA_RISK_PASS || rc == LYRA_RISK_REJECT)
				snprintf(res, n, "%.*s", (int)w.n, w.b);
		} else {
			rc = lyra_risk_observe_flat(r, &fj);
			if (rc == 0)
				snprintf(res, n, "%s", line);
		}
		if (rc < 0)
			snprintf(res, n, "error: %s", lyra_error_msg());
	}
	if (rc == LYRA_RISK_DECLINE)
		slow(r, line, flags, res, n);
	else
		nflat++;
	lyra_fj_out_free(&w);
}

static void differential(void)
{
	static const char *const lines[] = {
		"{\"type\":\"market\",\"ts\":1,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"tick\":\"0.5\","
		"\"lot\":\"0.001\",\"min_qty\":\"0.001\",\"min_notional\":\"5\"}",
		"{\"type\":\"bbo\",\"ts\":1000000,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"bid_px\":\"100.0\",\"ask_px\":\"101\"}",
		"{\"type\":\"bbo\",\"ts\":\"1000001\",\"venue\":\"paper\",\"symbol\":\"ETH/USDT\","
		"\"bid_px\":50,\"ask_px\":5.1e1}",
		"{\"type\":\"trade\",\"ts\":1000002,\"venue\":\"paper\",\"symbol\":\"SOL/USDT\",\"px\":\"20\"}",
		/* a pass, then one with every new member already present */
		"{\"type\":\"order\",\"ts\":2000000,\"id\":\"a1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"100.5\",\"qty\":\"1\",\"strategy\":\"s1\"}",
		"{\"risk\":\"old\",\"type\":\"order\",\"reasons\":[],\"ts\":2000001,\"id\":\"a2\","
		"\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\","
		"\"px\":100,\"qty\":1,\"rounded\":0}",
		"{\"risk\":\"old\",\"type\":\"order\",\"ts\":2000001,\"id\":\"a2b\",\"rounded\":false,"
		"\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"side\":\"sell\",\"kind\":\"limit\","
		"\"px\":100.5,\"qty\":1}",
		/* rejects: several rules, a strategy scope with a quote, an escaped id, a string ts */
		"{\"type\":\"order\",\"ts\":\"2000002\",\"id\":\"r\\u00e9\\\"1\",\"venue\":\"b\\u00e9\","
		"\"symbol\":\"BTC/USDT\",\"side\":\"sell\",\"kind\":\"limit\",\"px\":\"180.3\","
		"\"qty\":\"6.0001\",\"strategy\":\"s\\\"1\",\"note\":-0,\"x\":1e2}",
		"{ \"type\" : \"order\", \"ts\":2000003,\"id\":\"r2\",\"venue\":\"kraken\",\"symbol\":"
		"\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"market\",\"px\":null,\"qty\":\"9\" }",
		/* rounding, px and qty, new and existing "rounded" */
		"{\"type\":\"order\",\"ts\":2000004,\"id\":\"d1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"100.7\",\"qty\":\"0.00123\"}",
		"{\"type\":\"order\",\"rounded\":{\"a\":1},\"ts\":2000005,\"id\":\"d2\",\"venue\":\"paper\","
		"\"symbol\":\"BTC/USDT\",\"side\":\"sell\",\"kind\":\"limit\",\"px\":\"100.7\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":2000006,\"id\":\"d3\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"sell\",\"kind\":\"limit\",\"qty\":\"1.0005\",\"px\":\"100.7\",\"rounded\":1}",
		/* malformed orders: the same messages */
		"{\"type\":\"order\",\"ts\":2000007,\"id\":\"m1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"hold\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"x\"}",
		"{\"type\":\"order\",\"ts\":2000008,\"id\":\"m2\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"-1\"}",
		"{\"type\":\"order\",\"ts\":2000009,\"id\":\"m3\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"buy\",\"kind\":\"limit\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":2000010,\"id\":\"m4\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"buy\",\"kind\":\"limit\",\"px\":true,\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":2000011,\"id\":7,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":1.5,\"id\":\"m5\"}",
		"{\"type\":\"order\",\"id\":\"m6\"}",
		"{\"type\":\"order\",\"type\":\"order\",\"ts\":1}",
		"{\"type\":\"b\\u0062o\",\"ts\":1,\"venue\":\"p\",\"symbol\":\"s\",\"bid_px\":\"1\","
		"\"ask_px\":\"2\"}",
		"{\"type\":\"bbo\",\"ts\":3000000,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"bid_px\":\"x\",\"ask_px\":\"1\"}",
		"{\"type\":\"bbo\",\"ts\":3000001,\"symbol\":\"BTC/USDT\",\"bid_px\":\"1\",\"ask_px\":\"1\"}",
		"{\"type\":\"bbo\",\"ts\":3000002,\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"bid_px\":\"9223372036854775807\",\"ask_px\":\"9223372036854775807\"}",
		/* order events: a terminal status ends an in-flight order; venue errors trip HALTED */
		"{\"type\":\"order_event\",\"ts\":4000000,\"id\":\"a1\",\"status\":\"cancelled\"}",
		"{\"type\":\"order_event\",\"ts\":4000001,\"id\":\"a2\",\"status\":\"rejected\","
		"\"error\":\"x\",\"venue\":\"paper\"}",
		"{\"type\":\"order_event\",\"ts\":4000002,\"id\":\"d1\",\"status\":\"rejected\","
		"\"error\":\"x\",\"venue\":7}",
		"{\"type\":\"order_event\",\"ts\":4000003,\"status\":\"new\"}",
		/* while HALTED: the reason (from the breaker) in every reject */
		"{\"type\":\"order\",\"ts\":5000000,\"id\":\"h1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
		"\"side\":\"sell\",\"kind\":\"limit\",\"px\":\"100.5\",\"qty\":\"1\"}",
	};
	struct lyra_risk *a = engine(), *b = engine();
	char ra[4096], rb[4096];
	int same = 1;
	for (int round = 0; round < 2; round++) {
		unsigned flags = round ? LYRA_RISK_ROUND : 0;
		for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
			slow(a, lines[i], flags, ra, sizeof ra);
			fast(b, lines[i], flags, rb, sizeof rb);
			if (strcmp(ra, rb) != 0) {
				same = 0;
				printf("#   line %s\n#   jansson %s\n#   flat    %s\n", lines[i], ra, rb);
			}
		}
		/* a HALTED reason that is not UTF-8 (cut by the engine's buffer) drops "value" */
		char reason[300];
		memset(reason, 'x', sizeof reason);
		memcpy(reason + 254, "\xc3\xa9", 2);
		reason[299] = '\0';
		lyra_risk_set_state(a, LYRA_RISK_HALTED, reason);
		lyra_risk_set_state(b, LYRA_RISK_HALTED, reason);
		const char *h = "{\"type\":\"order\",\"ts\":6000000,\"id\":\"h2\",\"venue\":\"paper\","
		                "\"symbol\":\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"100\","
		                "\"qty\":\"1\"}";
		slow(a, h, flags, ra, sizeof ra);
		fast(b, h, flags, rb, sizeof rb);
		if (strcmp(ra, rb) != 0 || !strstr(ra, "{\"rule\":\"halted\",\"scope\":\"global\",\"limit\":\"HALTED\"}")) {
			same = 0;
			printf("#   jansson %s\n#   flat    %s\n", ra, rb);
		}
		lyra_risk_set_state(a, LYRA_RISK_HALTED, "a\x01\"b");
		lyra_risk_set_state(b, LYRA_RISK_HALTED, "a\x01\"b");
		slow(a, h, flags, ra, sizeof ra);
		fast(b, h, flags, rb, sizeof rb);
		if (strcmp(ra, rb) != 0 || !strstr(ra, "\"value\":\"a\\u0001\\\"b\"")) {
			same = 0;
			printf("#   jansson %s\n#   flat    %s\n", ra, rb);
		}
		lyra_risk_set_state(a, LYRA_RISK_ACTIVE, "");
		lyra_risk_set_state(b, LYRA_RISK_ACTIVE, "");
	}
	CHECK(same, "flat path and jansson path: the same output and errors, line for line");
	CHECK(nflat >= 30, "the flat path took most of the lines");
	/* spot checks of what both wrote */
	slow(a, "{\"type\":\"order\",\"ts\":7000000,\"id\":\"z\",\"venue\":\"paper\",\"symbol\":"
	        "\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"100.7\",\"qty\":\"0.0012\"}",
	     LYRA_RISK_ROUND, ra, sizeof ra);
	CHECK(strstr(ra, "\"px\":\"100.5\"") && strstr(ra, "\"qty\":\"0.001\"") &&
	      strstr(ra, "\"rounded\":{\"px\":{\"from\":\"100.7\",\"to\":\"100.5\"},\"qty\":{\"from\":"
	             "\"0.0012\",\"to\":\"0.001\"}}"), "rounding written in place and listed");
	lyra_risk_free(a);
	lyra_risk_free(b);
}

int main(void)
{
	scanner();
	accessors();
	differential();
	return unit_done();
}
