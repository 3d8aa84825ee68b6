/* test_record.c: records as JSON values (lib/record.c): the exact parse (number tokens kept as
 * their text), its rejections and reasons, typed getters and setters, compact emission to a
 * pipe, and the schema: a good and bad samples of every record type. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "ndjson.h"
#include "record.h"
#include "unit.h"

/* Parse then dump compactly: the canonical form of what jansson holds ("" on failure). */
static const char *pd(const char *line)
{
	static char out[4096];
	char why[256] = "";
	json_t *r = lyra_record_parse(line, strlen(line), why, sizeof why);
	if (!r) {
		snprintf(out, sizeof out, "ERR %s", why);
		return out;
	}
	char *s = lyra_record_dump(r);
	snprintf(out, sizeof out, "%s", s ? s : "(dump failed)");
	free(s);
	json_decref(r);
	return out;
}

static const char *parse_err(const char *line, size_t len)
{
	static char why[256];
	why[0] = '\0';
	json_t *r = lyra_record_parse(line, len, why, sizeof why);
	if (r) {
		json_decref(r);
		return "(parsed)";
	}
	return why;
}

#define PE(s) parse_err((s), strlen(s))

static void test_exact_parse(void)
{
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1,\"px\":0.1}"),
	          "{\"type\":\"t\",\"ts\":1,\"px\":\"0.1\"}", "0.1 arrives as \"0.1\"");
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1,\"a\":1e-5,\"b\":-2.50E+3,\"c\":1.10}"),
	          "{\"type\":\"t\",\"ts\":1,\"a\":\"1e-5\",\"b\":\"-2.50E+3\",\"c\":\"1.10\"}",
	          "exponents and trailing zeros kept as text");
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1,\"big\":12345678901234567890,\"neg\":-99999999999999999999}"),
	          "{\"type\":\"t\",\"ts\":1,\"big\":\"12345678901234567890\","
	          "\"neg\":\"-99999999999999999999\"}", "integers beyond int64 become strings");
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1,\"max\":9223372036854775807,\"min\":-9223372036854775808,"
	             "\"over\":9223372036854775808,\"under\":-9223372036854775809}"),
	          "{\"type\":\"t\",\"ts\":1,\"max\":9223372036854775807,\"min\":-9223372036854775808,"
	          "\"over\":\"9223372036854775808\",\"under\":\"-9223372036854775809\"}",
	          "int64 limits exactly");
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1700000000000000,\"seq\":42,\"z\":0,\"m\":-7}"),
	          "{\"type\":\"t\",\"ts\":1700000000000000,\"seq\":42,\"z\":0,\"m\":-7}",
	          "integers stay integers");
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1,\"s\":\"1.5 and 2e3\",\"k\\\"1.5\":\"x\\\\\",\"1.25\":2}"),
	          "{\"type\":\"t\",\"ts\":1,\"s\":\"1.5 and 2e3\",\"k\\\"1.5\":\"x\\\\\",\"1.25\":2}",
	          "strings and keys with digits untouched");
	CHECK_STR(pd("{\"type\":\"book\",\"ts\":1,\"bids\":[[43250.5,0.001],[43250,2]],"
	             "\"o\":{\"x\":[1.5,{\"y\":[2.5e1]}]}}"),
	          "{\"type\":\"book\",\"ts\":1,\"bids\":[[\"43250.5\",\"0.001\"],[43250,2]],"
	          "\"o\":{\"x\":[\"1.5\",{\"y\":[\"2.5e1\"]}]}}", "numbers inside nested arrays");
	CHECK_STR(pd(" {\"ts\" : \"1700000000000001\" , \"type\" : \"t\" , \"v\" : 1.0 } "),
	          "{\"ts\":1700000000000001,\"type\":\"t\",\"v\":\"1.0\"}",
	          "whitespace, ts as a string becomes an integer");
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1,\"u\":\"caf\\u00e9 \xe2\x82\xac\",\"n\":null,\"b\":true}"),
	          "{\"type\":\"t\",\"ts\":1,\"u\":\"caf\xc3\xa9 \xe2\x82\xac\",\"n\":null,\"b\":true}",
	          "unicode and literals");

	/* rejections */
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1"), "invalid JSON at column 18: '}' expected near end of file",
	          "truncated object");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1,\"a\":1.5,\"b\":2.5 x}"),
	          "invalid JSON at column 36: '}' expected near 'x'",
	          "column is in the original line after numbers were quoted");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1,\"a\":1.2.3}"),
	          "invalid JSON at column 27: '}' expected near '.'", "malformed number left to jansson");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1,1.5:2}"),
	          "invalid JSON at column 22: string or '}' expected near '1.5'",
	          "a number in key position is not quoted");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1,\"a\":01}"),
	          "invalid JSON at column 24: invalid token near '0'", "leading zero");
	CHECK_STR(PE("[1,2]"), "not a JSON object", "array");
	CHECK_STR(PE("{\"ts\":1}"), "missing 'type'", "no type");
	CHECK_STR(PE("{\"type\":5,\"ts\":1}"), "'type' is not a string", "numeric type");
	CHECK_STR(PE("{\"type\":\"t\"}"), "missing 'ts'", "no ts");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1.5}"), "'ts' is not an integer", "fractional ts");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":\"12x\"}"), "'ts' is not an integer", "ts string not int");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":99999999999999999999}"), "'ts' is not an integer",
	          "ts beyond int64");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":null}"), "'ts' is not an integer", "null ts");
	CHECK_STR(PE("{\"type\":\"a\",\"ts\":1,\"type\":\"b\"}"), "duplicate key 'type'",
	          "duplicate type keys");
	CHECK_STR(PE("{\"type\":\"tr\\u0061de\",\"ts\":1}"), "'type' has escapes",
	          "escaped type disagrees with the peek");
	CHECK_STR(parse_err("{\"type\":\"t\",\"ts\":1,\"a\":\"x\0\"}", 26),
	          "invalid JSON at column 26: NUL byte", "NUL byte inside a string");
	CHECK_STR(parse_err("{\"type\":\"t\",\"ts\":1}\0", 20), "invalid JSON at column 20: NUL byte",
	          "NUL byte after the object");
	CHECK_STR(PE(""), "invalid JSON at column 1: '[' or '{' expected near end of file", "empty");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1} x"), "invalid JSON at column 21: end of file expected near 'x'",
	          "trailing garbage");
	json_t *r = lyra_record_parse("{", 1, NULL, 0);
	CHECK(r == NULL && strstr(lyra_error_msg(), "invalid JSON") && lyra_error_code() == LYRA_EX_DATAERR,
	      "why may be NULL; error.h holds the reason");
	char small[8];
	CHECK(lyra_record_parse("{}", 2, small, sizeof small) == NULL && strcmp(small, "missing") == 0,
	      "reason truncated to whylen");

	/* the peek agrees with every successful parse */
	const char *lines[] = {
		"{\"ts\":1,\"a\":{\"type\":\"x\"},\"type\":\"real\"}",
		"{\"s\":\"\\\"type\\\":\\\"no\\\"\",\"type\":\"yes\",\"ts\":2.0e0}",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		char why[128];
		json_t *rec = lyra_record_parse(lines[i], strlen(lines[i]), why, sizeof why);
		const char *t;
		size_t tl;
		int ok = !rec || (lyra_record_peek_type(lines[i], strlen(lines[i]), &t, &tl, NULL) == 0
		                  && tl == strlen(json_string_value(json_object_get(rec, "type")))
		                  && memcmp(t, json_string_value(json_object_get(rec, "type")), tl) == 0);
		CHECK(ok, "peek and parse agree");
		json_decref(rec);
	}
}

/* Lines the direct builder declines take json_loadb's path: same results. */
static void test_reference_path(void)
{
	CHECK_STR(pd("{\"type\":\"t\",\"ts\":1,\"e\":\"\\ud83d\\ude00 \\u00e9\\u0041\\/\"}"),
	          "{\"type\":\"t\",\"ts\":1,\"e\":\"\xf0\x9f\x98\x80 \xc3\xa9" "A/\"}",
	          "surrogate pair and \\u escapes");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1,\"e\":\"\\u0000\"}"),
	          "invalid JSON at column 31: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"\\u0000\"'",
	          "\\u0000 refused");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1,\"e\":\"\\udc00\"}"),
	          "invalid JSON at column 31: invalid Unicode '\\uDC00' near '\"\\udc00\"'", "lone low surrogate refused");
	CHECK_STR(PE("{\"type\":\"t\",\"ts\":1,\"e\":\"\xc0\xaf\"}"),
	          "invalid JSON at column 24: unable to decode byte 0xc0 near '\"'", "overlong UTF-8 refused");
	/* 100 levels of nesting with a decimal at the bottom */
	char deep[1024], want[1024];
	size_t o = (size_t)sprintf(deep, "{\"type\":\"t\",\"ts\":1,\"d\":");
	size_t w = (size_t)sprintf(want, "{\"type\":\"t\",\"ts\":1,\"d\":");
	for (int i = 0; i < 100; i++) {
		deep[o++] = '[';
		want[w++] = '[';
	}
	o += (size_t)sprintf(deep + o, "1.25,7");
	w += (size_t)sprintf(want + w, "\"1.25\",7");
	for (int i = 0; i < 100; i++) {
		deep[o++] = ']';
		want[w++] = ']';
	}
	strcpy(deep + o, "}");
	strcpy(want + w, "}");
	CHECK_STR(pd(deep), want, "deep nesting keeps numbers exact");
	/* an escaped string longer than the builder's scratch */
	char *lng = malloc(8000), *lwant = malloc(8000);
	o = (size_t)sprintf(lng, "{\"type\":\"t\",\"ts\":1,\"s\":\"");
	w = (size_t)sprintf(lwant, "{\"type\":\"t\",\"ts\":1,\"s\":\"");
	for (int i = 0; i < 600; i++) {
		o += (size_t)sprintf(lng + o, "\\n\\u00e9");
		w += (size_t)sprintf(lwant + w, "\\n\xc3\xa9");
	}
	strcpy(lng + o, "\",\"x\":2.5}");
	strcpy(lwant + w, "\",\"x\":\"2.5\"}");
	CHECK_STR(pd(lng), lwant, "long escaped string");
	free(lng);
	free(lwant);
}

/* lyra_record_dump and lyra_out_json write exactly what json_dumps(JSON_COMPACT) writes. */
static void test_encoder(void)
{
	json_t *v = json_pack("{s:s,s:I,s:I,s:I,s:[],s:{},s:b,s:b,s:n,s:s#,s:[i,[s],{s:s}]}",
	                      "type", "x", "ts", (json_int_t)INT64_MIN, "max", (json_int_t)INT64_MAX,
	                      "zero", (json_int_t)0, "ea", "eo", "t", 1, "f", 0, "nul",
	                      "ctl", "a\"b\\c\x01\x1f\b\f\n\r\t\x7f/\xc3\xa9\0z", (int)18,
	                      "nest", -5, "q", "k\"", "v");
	json_object_set_new(v, "k\x01\"\xe2\x82\xac", json_string("key escapes"));
	char *mine = lyra_record_dump(v);
	char *ref = json_dumps(v, JSON_COMPACT);
	CHECK(mine && ref && strcmp(mine, ref) == 0, "encoder matches json_dumps on tricky values");
	if (mine && ref && strcmp(mine, ref) != 0)
		printf("#   mine %s\n#   ref  %s\n", mine, ref);
	CHECK(mine && strstr(mine, "\"ctl\":\"a\\\"b\\\\c\\u0001\\u001F\\b\\f\\n\\r\\t\x7f/\xc3\xa9\\u0000z\""),
	      "string escapes as jansson writes them");
	free(mine);
	free(ref);
	json_object_set_new(v, "real", json_real(0.5));
	mine = lyra_record_dump(v);
	ref = json_dumps(v, JSON_COMPACT);
	CHECK(mine && ref && strcmp(mine, ref) == 0 && strstr(mine, "\"real\":0.5"),
	      "reals take jansson's path");
	free(mine);
	free(ref);
	json_decref(v);
	json_t *big = json_array();
	for (int i = 0; i < 5000; i++)
		json_array_append_new(big, json_string("0123456789\n"));
	mine = lyra_record_dump(big);
	ref = json_dumps(big, JSON_COMPACT);
	CHECK(mine && ref && strcmp(mine, ref) == 0 && strlen(mine) == 2 + 5000 * 15 - 1,
	      "large value grows the buffer");
	free(mine);
	free(ref);
	json_decref(big);
	CHECK(lyra_record_dump(NULL) == NULL, "dump of NULL");
}

static void test_long_line(void)
{
	/* a 2 MiB line with thousands of quoted numbers: column mapping and buffer size */
	size_t n = 200000, cap = 24 * n + 64, o = 0;
	char *s = malloc(cap);
	o += (size_t)sprintf(s, "{\"type\":\"book\",\"ts\":1,\"bids\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "%s[%zu.5,%zu]", i ? "," : "", i, i);
	o += (size_t)sprintf(s + o, "]}");
	json_t *r = lyra_record_parse(s, o, NULL, 0);
	json_t *bids = json_object_get(r, "bids");
	json_t *last = json_array_get(bids, n - 1);
	CHECK(r && json_array_size(bids) == n && json_is_string(json_array_get(last, 0)) &&
	      strcmp(json_string_value(json_array_get(last, 0)), "199999.5") == 0 &&
	      json_integer_value(json_array_get(last, 1)) == 199999, "200000 levels parsed exactly");
	json_decref(r);
	s[o - 1] = ' ';   /* drop the final brace: error column refers to the original line */
	char why[256];
	r = lyra_record_parse(s, o, why, sizeof why);
	char want[256];
	snprintf(want, sizeof want, "invalid JSON at column %zu: '}' expected near end of file", o);
	CHECK(r == NULL, "unterminated long line rejected");
	CHECK_STR(why, want, "column of the error in the original line");
	free(s);
}

static void test_getters(void)
{
	const char *line = "{\"type\":\"trade\",\"ts\":\"1700000000000000\",\"px\":43250.50,\"qty\":\"0.00012300\","
	                   "\"n\":3,\"neg\":-12,\"bad\":\"1.2.3\",\"s\":\"str\",\"arr\":[1],\"nul\":null,"
	                   "\"tss\":\"-5\",\"big\":12345678901234567890123}";
	json_t *r = lyra_record_parse(line, strlen(line), NULL, 0);
	CHECK(r != NULL, "sample parses");
	struct lyra_dec d = {0, 0};
	char b[LYRA_DEC_STRLEN];
	CHECK(lyra_json_get_dec(r, "px", &d) == 0 && d.mant == 4325050 && d.scale == 2,
	      "number token as decimal, scale kept");
	CHECK(lyra_json_get_dec(r, "qty", &d) == 0 && lyra_dec_format(d, b) > 0 &&
	      strcmp(b, "0.00012300") == 0, "decimal string");
	CHECK(lyra_json_get_dec(r, "n", &d) == 0 && d.mant == 3 && d.scale == 0, "integer as decimal");
	CHECK(lyra_json_get_dec(r, "neg", &d) == 0 && d.mant == -12, "negative integer as decimal");
	lyra_error_clear();
	d.mant = 777;
	CHECK(lyra_json_get_dec(r, "bad", &d) == -1 && d.mant == 777 &&
	      strncmp(lyra_error_msg(), "field 'bad': ", 13) == 0 && lyra_error_code() == LYRA_EX_DATAERR,
	      "bad decimal string names the field");
	CHECK(lyra_json_get_dec(r, "big", &d) == -1, "decimal beyond int64 mantissa fails");
	CHECK(lyra_json_get_dec(r, "s", &d) == -1, "word is not a decimal");
	CHECK(lyra_json_get_dec(r, "arr", &d) == -1 &&
	      strcmp(lyra_error_msg(), "field 'arr' is not a decimal") == 0, "array is not a decimal");
	CHECK(lyra_json_get_dec(r, "nope", &d) == -1 &&
	      strcmp(lyra_error_msg(), "missing field 'nope'") == 0, "missing decimal");
	CHECK(lyra_json_opt_dec(r, "nope", &d) == 1 && d.mant == 777, "optional absent: 1, untouched");
	CHECK(lyra_json_opt_dec(r, "nul", &d) == 1, "optional null counts as absent");
	CHECK(lyra_json_opt_dec(r, "px", &d) == 0 && d.mant == 4325050, "optional present");
	CHECK(lyra_json_opt_dec(r, "bad", &d) == -1, "optional invalid");

	int64_t v = 99;
	CHECK(lyra_json_get_ts(r, "ts", &v) == 0 && v == 1700000000000000LL, "ts normalised");
	CHECK(json_is_integer(json_object_get(r, "ts")), "ts stored as an integer");
	CHECK(lyra_json_get_ts(r, "tss", &v) == 0 && v == -5, "ts from a string");
	CHECK(lyra_json_get_ts(r, "n", &v) == 0 && v == 3, "ts from an integer");
	v = 99;
	CHECK(lyra_json_get_ts(r, "px", &v) == -1 && v == 99 &&
	      strcmp(lyra_error_msg(), "field 'px' is not a timestamp") == 0, "decimal is not a ts");
	CHECK(lyra_json_get_ts(r, "none", &v) == -1, "missing ts");
	CHECK(lyra_json_get_int(r, "n", &v) == 0 && v == 3, "int");
	CHECK(lyra_json_get_int(r, "qty", &v) == -1 &&
	      strcmp(lyra_error_msg(), "field 'qty' is not an integer") == 0, "string is not an int");
	CHECK(lyra_json_get_int(r, "none", &v) == -1 &&
	      strcmp(lyra_error_msg(), "missing field 'none'") == 0, "missing int");
	CHECK_STR(lyra_json_get_str(r, "s"), "str", "string");
	CHECK_STR(lyra_json_get_str(r, "type"), "trade", "type string");
	CHECK(lyra_json_get_str(r, "n") == NULL &&
	      strcmp(lyra_error_msg(), "field 'n' is not a string") == 0, "int is not a string");
	CHECK(lyra_json_get_str(r, "none") == NULL, "missing string");
	json_decref(r);

	json_t *rec = lyra_record_new("fill", 1700000000000123LL);
	struct lyra_dec px = {4325050, 2}, fee = {-1500, 6};
	CHECK(lyra_json_set_str(rec, "id", "o-1") == 0 && lyra_json_set_dec(rec, "px", px) == 0 &&
	      lyra_json_set_dec(rec, "fee", fee) == 0 && lyra_json_set_int(rec, "n", -4) == 0 &&
	      lyra_json_set_dec(rec, "z", lyra_dec_from_int(0)) == 0, "setters");
	char *s = lyra_record_dump(rec);
	CHECK_STR(s, "{\"type\":\"fill\",\"ts\":1700000000000123,\"id\":\"o-1\",\"px\":\"43250.50\","
	          "\"fee\":\"-0.001500\",\"n\":-4,\"z\":\"0\"}", "record_new + setters, insertion order");
	free(s);
	CHECK(lyra_json_set_str(rec, "px", "replaced") == 0 && lyra_json_set_int(rec, "ts", 5) == 0,
	      "replace keys");
	s = lyra_record_dump(rec);
	CHECK_STR(s, "{\"type\":\"fill\",\"ts\":5,\"id\":\"o-1\",\"px\":\"replaced\",\"fee\":\"-0.001500\","
	          "\"n\":-4,\"z\":\"0\"}", "replacing keeps the position");
	free(s);
	CHECK(lyra_json_set_str(rec, "bad", "\xff") == -1, "invalid UTF-8 string refused");
	CHECK(lyra_json_set_str(rec, "null", NULL) == -1, "NULL string refused");
	json_t *arr = json_array();
	CHECK(lyra_json_set_int(arr, "k", 1) == -1, "setter on a non-object fails");
	json_decref(arr);
	json_decref(rec);
}

static void test_out_json(void)
{
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	fflush(stdout);
	int saved = dup(1);
	dup2(p[1], 1);
	close(p[1]);
	lyra_out_init(0);
	json_t *a = lyra_record_new("bbo", 1);
	lyra_json_set_str(a, "venue", "k\"r");
	/* a record bigger than the stack buffer */
	json_t *big = lyra_record_new("big", 2);
	char *long_s = malloc(10001);
	memset(long_s, 'z', 10000);
	long_s[10000] = '\0';
	lyra_json_set_str(big, "s", long_s);
	int rc1 = lyra_out_json(a);
	int rc2 = lyra_out_json(big);
	int rc3 = lyra_out_raw("raw", 3);
	int rc4 = lyra_out_flush();
	dup2(saved, 1);
	close(saved);
	static char got[20000];
	size_t n = 0;
	ssize_t r;
	while ((r = read(p[0], got + n, sizeof got - 1 - n)) > 0)
		n += (size_t)r;
	got[n] = '\0';
	close(p[0]);
	char *want = malloc(20000);
	snprintf(want, 20000, "{\"type\":\"bbo\",\"ts\":1,\"venue\":\"k\\\"r\"}\n"
	         "{\"type\":\"big\",\"ts\":2,\"s\":\"%s\"}\nraw\n", long_s);
	CHECK(rc1 == 0 && rc2 == 0 && rc3 == 0 && rc4 == 0, "out_json succeeds");
	CHECK_STR(got, want, "compact lines in order through a pipe");
	free(want);
	free(long_s);
	json_decref(a);
	json_decref(big);
}

/* One good line per record type. */
static const char *const good[] = {
	"{\"type\":\"book\",\"ts\":1,\"venue\":\"binance\",\"symbol\":\"BTC-USDT\",\"seq\":10,"
	"\"bids\":[[\"43250.1\",\"0.5\"]],\"asks\":[]}",
	"{\"type\":\"book_delta\",\"ts\":1,\"venue\":\"kraken\",\"symbol\":\"BTC-USD\",\"seq\":11,"
	"\"bids\":[[43250.1,\"0\"]],\"asks\":[[\"43251\",2]]}",
	"{\"type\":\"bbo\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"bid_px\":\"1.1\",\"bid_qty\":\"2\","
	"\"ask_px\":\"1.2\",\"ask_qty\":3}",
	"{\"type\":\"trade\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"id\":\"t1\",\"side\":\"buy\","
	"\"px\":\"100.5\",\"qty\":\"0.01\"}",
	"{\"type\":\"candle\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"interval\":\"1m\",\"open\":\"1\","
	"\"high\":\"2\",\"low\":\"0.5\",\"close\":\"1.5\",\"volume\":\"10\"}",
	"{\"type\":\"funding\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"rate\":\"0.0001\","
	"\"next_ts\":1700000000000000}",
	"{\"type\":\"market\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"BTC-USDT\",\"venue_symbol\":\"BTCUSDT\","
	"\"base\":\"BTC\",\"quote\":\"USDT\",\"instrument\":\"spot\",\"tick\":\"0.01\",\"lot\":\"0.00001\","
	"\"min_qty\":\"0.00001\",\"min_notional\":\"5\",\"maker_fee\":\"0.001\",\"taker_fee\":\"0.001\","
	"\"status\":\"trading\"}",
	"{\"type\":\"gap\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"reason\":\"sequence gap\"}",
	"{\"type\":\"resync\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"reason\":\"checksum\"}",
	"{\"type\":\"stale\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"last_ts\":\"0\"}",
	"{\"type\":\"clock_drift\",\"ts\":9000000,\"venue\":\"v\",\"symbol\":\"s\",\"state\":\"over\","
	"\"drift\":7000000,\"max_drift\":5000000,\"venue_ts\":2000000}",
	"{\"type\":\"opportunity\",\"ts\":1,\"kind\":\"cross\",\"legs\":[{\"venue\":\"a\"}],"
	"\"edge_bps\":\"12.5\",\"profit\":\"3.2\"}",
	"{\"type\":\"order\",\"ts\":1,\"id\":\"c1\",\"venue\":\"v\",\"symbol\":\"s\",\"side\":\"sell\","
	"\"kind\":\"limit\",\"qty\":\"1\"}",
	"{\"type\":\"cancel\",\"ts\":1,\"id\":\"c1\",\"venue\":\"v\"}",
	"{\"type\":\"reject\",\"ts\":1,\"id\":\"c1\",\"reasons\":[\"max notional\"]}",
	"{\"type\":\"order_event\",\"ts\":1,\"id\":\"c1\",\"venue\":\"v\",\"symbol\":\"s\",\"status\":\"open\"}",
	"{\"type\":\"fill\",\"ts\":1,\"id\":\"c1\",\"venue\":\"v\",\"symbol\":\"s\",\"side\":\"buy\","
	"\"px\":\"1\",\"qty\":\"1\",\"fee\":\"-0.01\",\"fee_ccy\":\"USDT\",\"liquidity\":\"maker\","
	"\"trade_id\":\"x9\"}",
	"{\"type\":\"position\",\"ts\":1,\"venue\":\"v\",\"symbol\":\"s\",\"qty\":\"-2\",\"avg_px\":\"10\"}",
	"{\"type\":\"balance\",\"ts\":1,\"venue\":\"v\",\"asset\":\"BTC\",\"free\":\"1\",\"total\":\"2\"}",
	"{\"type\":\"signal\",\"ts\":1,\"kind\":\"momentum\",\"symbol\":\"s\",\"value\":-0.5}",
	"{\"type\":\"error\",\"ts\":1,\"prog\":\"p\",\"input\":\"<stdin>\",\"line\":3,\"reason\":\"r\"}",
	"{\"type\":\"audit\",\"ts\":1,\"seq\":1,\"actor\":\"a\",\"action\":\"x.y\",\"object\":\"o\","
	"\"details\":{},\"prev_hash\":\"00\",\"hash\":\"ab\"}",
	"{\"type\":\"audit_segment\",\"ts\":1,\"kind\":\"export\",\"entries\":2,\"first_seq\":1,"
	"\"last_seq\":2,\"first_prev_hash\":\"00\",\"last_hash\":\"ab\"}",
	"{\"type\":\"audit_anchor\",\"ts\":1,\"seq\":2,\"hash\":\"ab\"}",
	"{\"type\":\"backup\",\"ts\":1,\"id\":\"b1\",\"kind\":\"full\",\"full\":\"b1\",\"chain\":1,"
	"\"size\":10,\"status\":\"good\",\"audit_seq\":2,\"audit_hash\":\"ab\",\"sha256\":\"cd\",\"file\":\"/b/b1\"}",
	"{\"type\":\"backup_prune\",\"ts\":1,\"id\":\"b1\",\"kind\":\"full\",\"action\":\"keep\",\"why\":\"last\"}",
	"{\"type\":\"position_summary\",\"ts\":1,\"by\":\"venue\",\"venue\":\"paper\"}",
	"{\"type\":\"pnl\",\"ts\":1,\"by\":\"day\",\"key\":\"2025-09-01\",\"quote\":\"AUD\",\"fills\":1,"
	"\"realized_pnl\":\"-20\",\"fees\":\"15\"}",
	"{\"type\":\"perf\",\"ts\":1,\"by\":\"all\",\"key\":\"all\",\"quote\":\"AUD\",\"days\":2,"
	"\"capital\":\"100\",\"pnl\":\"5\",\"sharpe\":null,\"max_drawdown\":\"1\",\"trades\":1}",
	"{\"type\":\"cgt_event\",\"ts\":1,\"asset\":\"BTC\",\"acquired\":\"2024-07-01\",\"disposed\":\"2025-07-02\","
	"\"qty\":\"1\",\"cost_aud\":\"10.00\",\"proceeds_aud\":\"30.00\",\"gain_aud\":\"20.00\",\"discount\":\"yes\"}",
	"{\"type\":\"cgt_summary\",\"ts\":1,\"fy\":\"2025-26\",\"entity\":\"individual\",\"method\":\"fifo\","
	"\"label_h\":\"20.00\",\"label_a\":\"10.00\",\"label_v\":\"0.00\"}",
	"{\"type\":\"cancel_reject\",\"ts\":1,\"id\":\"o1\",\"venue\":\"paper\",\"reason\":\"unknown order\"}",
	"{\"type\":\"order_status\",\"ts\":1,\"id\":\"o1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"side\":\"buy\",\"kind\":\"limit\",\"qty\":\"1\",\"filled_qty\":\"0\",\"status\":\"acked\"}",
	"{\"type\":\"recon_diff\",\"ts\":1,\"venue\":\"binance\",\"kind\":\"status\",\"id\":\"o1\",\"store\":\"acked\",\"venue_value\":\"filled\"}",
	"{\"type\":\"signed_request\",\"ts\":1,\"venue\":\"binance\",\"method\":\"GET\",\"url\":\"https://api.binance.com/api/v3/account\",\"headers\":{},\"signature\":\"ab\"}",
	"{\"type\":\"algo_report\",\"ts\":1,\"id\":\"twap-1\",\"algo\":\"twap\",\"venue\":\"binance\",\"symbol\":\"BTC/USDT\",\"side\":\"buy\",\"qty\":\"1\",\"filled_qty\":\"1\",\"children\":4,\"status\":\"filled\"}",
	"{\"type\":\"sync\",\"ts\":1,\"id\":\"P:1\"}",
};

static const char *validate_why(const json_t *rec)
{
	static char why[256];
	why[0] = '\0';
	if (lyra_record_validate(rec, why, sizeof why) == 0)
		return "(valid)";
	return why;
}

/* A value of the wrong kind for kind. */
static json_t *wrong_value(const char *kind)
{
	if (strcmp(kind, "str") == 0)
		return json_integer(1);
	if (strcmp(kind, "dec") == 0)
		return json_string("1.2.3");
	if (strcmp(kind, "ts") == 0)
		return json_string("1.5");
	if (strcmp(kind, "int") == 0)
		return json_string("1");
	if (strcmp(kind, "levels") == 0)
		return json_pack("[[s,s,s]]", "1", "2", "3");
	if (strcmp(kind, "array") == 0)
		return json_object();
	if (strcmp(kind, "object") == 0)
		return json_array();
	return NULL;
}

static const char *noun(const char *kind)
{
	if (strcmp(kind, "str") == 0)
		return "a string";
	if (strcmp(kind, "dec") == 0)
		return "a decimal";
	if (strcmp(kind, "ts") == 0)
		return "a timestamp";
	if (strcmp(kind, "int") == 0)
		return "an integer";
	if (strcmp(kind, "levels") == 0)
		return "a list of [px,qty] levels";
	if (strcmp(kind, "array") == 0)
		return "an array";
	return "an object";
}

static void test_schema(void)
{
	const char *names[] = {"book", "book_delta", "bbo", "trade", "candle", "funding", "market",
	                       "gap", "resync", "stale", "clock_drift", "opportunity", "order", "cancel", "reject",
	                       "order_event", "fill", "position", "balance", "signal", "error",
	                       "audit", "audit_segment", "audit_anchor", "backup", "backup_prune",
	                       "position_summary", "pnl", "perf", "cgt_event", "cgt_summary", "cancel_reject", "order_status", "recon_diff", "signed_request", "algo_report", "sync"};
	size_t ntypes = sizeof names / sizeof *names;
	const struct lyra_record_spec *specs = lyra_record_specs();
	size_t k = 0;
	while (specs[k].type)
		k++;
	CHECK_INT(k, ntypes, "36 record types");
	CHECK_INT(sizeof good / sizeof *good, ntypes, "one good sample per type");
	for (size_t i = 0; i < k && i < ntypes; i++) {
		const struct lyra_record_spec *s = &specs[i];
		char what[128];
		snprintf(what, sizeof what, "spec %zu is '%s' with type and ts first", i, names[i]);
		CHECK(strcmp(s->type, names[i]) == 0 && s->summary && s->summary[0] &&
		      strcmp(s->required[0].name, "type") == 0 && strcmp(s->required[0].kind, "str") == 0 &&
		      strcmp(s->required[1].name, "ts") == 0 && strcmp(s->required[1].kind, "ts") == 0,
		      what);
		CHECK(lyra_record_spec_find(names[i]) == s, "spec_find");
	}
	CHECK(lyra_record_spec_find("nope") == NULL && lyra_record_spec_find(NULL) == NULL,
	      "unknown spec");
	const struct lyra_field_spec *f = lyra_record_spec_find("market")->required;
	const char *market[] = {"type", "ts", "venue", "symbol", "venue_symbol", "base", "quote",
	                        "instrument", "tick", "lot", "min_qty", "min_notional", "maker_fee",
	                        "taker_fee", "status"};
	int same = 1;
	for (size_t i = 0; i < sizeof market / sizeof *market; i++)
		same = same && f[i].name && strcmp(f[i].name, market[i]) == 0;
	CHECK(same && f[sizeof market / sizeof *market].name == NULL, "market fields in order");
	CHECK_STR(lyra_record_spec_find("book_delta")->summary,
	          "changes to a book; qty \"0\" removes the level", "summary text");

	for (size_t i = 0; i < ntypes; i++) {
		char why[256], what[160];
		json_t *rec = lyra_record_parse(good[i], strlen(good[i]), why, sizeof why);
		snprintf(what, sizeof what, "good %s parses and validates", names[i]);
		CHECK(rec && strcmp(json_string_value(json_object_get(rec, "type")), names[i]) == 0 &&
		      strcmp(validate_why(rec), "(valid)") == 0, what);
		if (!rec)
			continue;
		/* every required field: missing, then of the wrong kind */
		int bad_missing = 0, bad_kind = 0;
		for (const struct lyra_field_spec *fs = lyra_record_spec_find(names[i])->required;
		     fs->name; fs++) {
			char want[160];
			json_t *c = json_deep_copy(rec);
			json_object_del(c, fs->name);
			snprintf(want, sizeof want, "missing field '%s'", fs->name);
			if (strcmp(validate_why(c), want) != 0) {
				printf("#   %s without %s: '%s'\n", names[i], fs->name, validate_why(c));
				bad_missing++;
			}
			json_decref(c);
			if (strcmp(fs->name, "type") == 0)
				continue;
			json_t *wv = wrong_value(fs->kind);
			if (!wv)
				continue;
			c = json_deep_copy(rec);
			json_object_set_new(c, fs->name, wv);
			snprintf(want, sizeof want, "field '%s' is not %s", fs->name, noun(fs->kind));
			if (strcmp(validate_why(c), want) != 0) {
				printf("#   %s with bad %s: '%s'\n", names[i], fs->name, validate_why(c));
				bad_kind++;
			}
			json_decref(c);
		}
		snprintf(what, sizeof what, "bad %s: each missing field named", names[i]);
		CHECK_INT(bad_missing, 0, what);
		snprintf(what, sizeof what, "bad %s: each wrong kind named", names[i]);
		CHECK_INT(bad_kind, 0, what);
		json_decref(rec);
	}

	json_t *r = json_pack("{s:s,s:i}", "type", "bogus", "ts", 1);
	CHECK_STR(validate_why(r), "unknown record type 'bogus'", "unknown type");
	json_decref(r);
	r = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "trade", "ts", 1, "venue", "v",
	              "symbol", "s", "id", "1", "side", "buy", "px", "1e400000", "qty", "1", "extra", "x");
	CHECK_STR(validate_why(r), "field 'px' is not a decimal", "unparseable decimal string");
	json_decref(r);
	r = json_pack("{s:s,s:i,s:s,s:s,s:i,s:[[s,s],s],s:[]}", "type", "book", "ts", 1, "venue", "v",
	              "symbol", "s", "seq", 1, "bids", "1", "2", "x", "asks");
	CHECK_STR(validate_why(r), "field 'bids' is not a list of [px,qty] levels", "level not a pair");
	json_decref(r);
	r = json_pack("{s:i}", "ts", 1);
	CHECK_STR(validate_why(r), "missing field 'type'", "no type");
	json_decref(r);
	r = json_array();
	CHECK_STR(validate_why(r), "not a JSON object", "array");
	json_decref(r);
}

int main(void)
{
	test_exact_parse();
	test_reference_path();
	test_encoder();
	test_long_line();
	test_getters();
	test_out_json();
	test_schema();
	return unit_done();
}
