/* test_decimal.c: unit tests for lib/decimal.c (exact fixed-point decimals). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "decimal.h"
#include "error.h"
#include "unit.h"

static char ring[16][LYRA_DEC_STRLEN];
static int ring_i;

static const char *fmt(struct lyra_dec d)
{
	char *b = ring[ring_i++ % 16];
	lyra_dec_format(d, b);
	return b;
}

static struct lyra_dec D(const char *s)
{
	struct lyra_dec d = { 0, 0 };
	if (lyra_dec_parse_cstr(s, &d) < 0)
		printf("# setup: cannot parse '%s': %s\n", s, lyra_error_msg());
	return d;
}

static struct lyra_dec M(int64_t mant, int scale)
{
	struct lyra_dec d = { mant, scale };
	return d;
}

static void parse_ok(const char *s, const char *want, int scale)
{
	struct lyra_dec d = { 12345, 3 };
	char what[160];
	int rc = lyra_dec_parse_cstr(s, &d);

	snprintf(what, sizeof what, "parse '%s' accepted", s);
	CHECK_INT(rc, 0, what);
	snprintf(what, sizeof what, "parse '%s' -> '%s'", s, want);
	CHECK_STR(fmt(d), want, what);
	snprintf(what, sizeof what, "parse '%s' scale %d", s, scale);
	CHECK_INT(d.scale, scale, what);
}

static void parse_bad(const char *s, size_t len)
{
	struct lyra_dec d = { 777, 1 };
	char what[160];

	char shown[80];
	size_t i, n = 0;

	for (i = 0; i < len && n + 5 < sizeof shown; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			shown[n++] = (char)c;
		else
			n += (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02x", c);
	}
	shown[n] = '\0';
	lyra_error_clear();
	snprintf(what, sizeof what, "parse '%s' rejected", shown);
	CHECK_INT(lyra_dec_parse(s, len, &d), -1, what);
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "  ... with DATAERR");
	CHECK(strncmp(lyra_error_msg(), "cannot parse decimal '", 22) == 0, "  ... with a message");
	CHECK(d.mant == 777 && d.scale == 1, "  ... output untouched");
}

/* mode table: rescale to scale 0 of values with one fractional digit */
static void rounding_table(void)
{
	static const char *in[] = { "2.5", "3.5", "-2.5", "-3.5", "2.4", "2.6", "-2.4", "-2.6", "2.0",
	                            "0.5", "-0.5", "1.5" };
	static const struct {
		enum lyra_round mode;
		const char *name;
		const char *want[12];
	} tab[] = {
		{ LYRA_ROUND_HALF_EVEN, "half-even",
		  { "2", "4", "-2", "-4", "2", "3", "-2", "-3", "2", "0", "0", "2" } },
		{ LYRA_ROUND_DOWN, "down",
		  { "2", "3", "-3", "-4", "2", "2", "-3", "-3", "2", "0", "-1", "1" } },
		{ LYRA_ROUND_UP, "up",
		  { "3", "4", "-2", "-3", "3", "3", "-2", "-2", "2", "1", "0", "2" } },
		{ LYRA_ROUND_TRUNC, "trunc",
		  { "2", "3", "-2", "-3", "2", "2", "-2", "-2", "2", "0", "0", "1" } },
		{ LYRA_ROUND_AWAY, "away",
		  { "3", "4", "-3", "-4", "3", "3", "-3", "-3", "2", "1", "-1", "2" } },
		{ LYRA_ROUND_EXACT, "exact",
		  { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "2", NULL, NULL, NULL } },
	};
	size_t t, i;
	char what[160];

	for (t = 0; t < sizeof tab / sizeof tab[0]; t++) {
		for (i = 0; i < sizeof in / sizeof in[0]; i++) {
			struct lyra_dec x = D(in[i]), r = { 999, 9 }, ten = D("10"), one = D("1");
			const char *want = tab[t].want[i];
			int rc;

			/* rescale */
			rc = lyra_dec_rescale(x, 0, tab[t].mode, &r);
			snprintf(what, sizeof what, "rescale %s to 0 %s -> %s", in[i], tab[t].name,
			         want ? want : "fail");
			if (want) {
				CHECK(rc == 0 && strcmp(fmt(r), want) == 0 && r.scale == 0, what);
			} else {
				CHECK(rc == -1 && r.mant == 999, what);
			}
			/* mul: x * 1 at scale 0 */
			rc = lyra_dec_mul(x, one, 0, tab[t].mode, &r);
			snprintf(what, sizeof what, "mul %s*1 to 0 %s -> %s", in[i], tab[t].name,
			         want ? want : "fail");
			CHECK(want ? rc == 0 && strcmp(fmt(r), want) == 0 : rc == -1, what);
			/* div: (x*10) / 10 at scale 0, integer operands */
			rc = lyra_dec_div(M(x.mant, 0), ten, 0, tab[t].mode, &r);
			snprintf(what, sizeof what, "div %lld/10 to 0 %s -> %s", (long long)x.mant,
			         tab[t].name, want ? want : "fail");
			CHECK(want ? rc == 0 && strcmp(fmt(r), want) == 0 : rc == -1, what);
			/* round_to step 1 */
			rc = lyra_dec_round_to(x, one, tab[t].mode, &r);
			snprintf(what, sizeof what, "round_to %s step 1 %s -> %s", in[i], tab[t].name,
			         want ? want : "fail");
			if (want) {
				struct lyra_dec w = D(want);
				CHECK(rc == 0 && lyra_dec_cmp(r, w) == 0 && r.scale == 0, what);
			} else {
				CHECK(rc == -1, what);
			}
		}
	}
}

static void test_floats_break(void)
{
	struct lyra_dec r, a = D("0.1"), b = D("0.2");

	CHECK_INT(lyra_dec_add(a, b, &r), 0, "0.1+0.2");
	CHECK_INT(lyra_dec_cmp(r, D("0.3")), 0, "0.1+0.2 == 0.3 exactly");
	CHECK_STR(fmt(r), "0.3", "0.1+0.2 formats as 0.3");
	CHECK(r.mant == 3 && r.scale == 1, "0.1+0.2 is {3,1}");
	CHECK_INT(lyra_dec_sub(D("0.3"), b, &r), 0, "0.3-0.2");
	CHECK_INT(lyra_dec_cmp(r, a), 0, "0.3-0.2 == 0.1");

	/* 1e-8 lot sizes */
	parse_ok("1e-8", "0.00000001", 8);
	parse_ok("0.00000001", "0.00000001", 8);
	CHECK_INT(lyra_dec_round_to(D("0.123456789"), D("1e-8"), LYRA_ROUND_TRUNC, &r), 0,
	          "round 0.123456789 to lot 1e-8");
	CHECK_STR(fmt(r), "0.12345678", "  ... -> 0.12345678 (the lot's scale 8)");
	CHECK_INT(lyra_dec_is_multiple(D("0.12345678"), D("1e-8")), 1, "0.12345678 multiple of 1e-8");
	CHECK_INT(lyra_dec_is_multiple(D("0.123456789"), D("1e-8")), 0,
	          "0.123456789 not multiple of 1e-8");

	/* 18-digit quantities */
	parse_ok("123456789012345678", "123456789012345678", 0);
	parse_ok("0.123456789012345678", "0.123456789012345678", 18);
	parse_ok("1234567890.12345678", "1234567890.12345678", 8);
	CHECK_INT(lyra_dec_mul(D("123456789012345678"), D("0.00000001"), 8, LYRA_ROUND_EXACT, &r), 0,
	          "18-digit qty * 1e-8");
	CHECK_STR(fmt(r), "1234567890.12345678", "  ... exact");

	/* tick 1e-8 on a 1e9 quantity */
	parse_ok("1000000000.00000001", "1000000000.00000001", 8);
	CHECK_INT(lyra_dec_add(D("1000000000"), D("0.00000001"), &r), 0, "1e9 + 1e-8");
	CHECK_INT(lyra_dec_cmp(r, D("1000000000.00000001")), 0, "  ... == 1000000000.00000001");
	CHECK_INT(lyra_dec_cmp(r, D("1000000000")), 1, "  ... > 1000000000");
	CHECK_INT(lyra_dec_rescale(D("1000000000.00000001"), 7, LYRA_ROUND_HALF_EVEN, &r), 0,
	          "rescale 1000000000.00000001 to 7 half-even");
	CHECK_STR(fmt(r), "1000000000.0000000", "  ... -> 1000000000.0000000");
	CHECK_INT(lyra_dec_rescale(D("1000000000.00000001"), 7, LYRA_ROUND_UP, &r), 0,
	          "rescale 1000000000.00000001 to 7 up");
	CHECK_STR(fmt(r), "1000000000.0000001", "  ... -> 1000000000.0000001");
	CHECK_INT(lyra_dec_rescale(D("-1000000000.00000001"), 7, LYRA_ROUND_DOWN, &r), 0,
	          "rescale -1000000000.00000001 to 7 down");
	CHECK_STR(fmt(r), "-1000000000.0000001", "  ... -> -1000000000.0000001");
	CHECK_INT(lyra_dec_rescale(D("1000000000.00000001"), 7, LYRA_ROUND_EXACT, &r), -1,
	          "rescale 1000000000.00000001 to 7 exact fails");
	CHECK_INT(lyra_dec_round_to(D("1000000000.00000001"), D("0.00000001"), LYRA_ROUND_EXACT, &r),
	          0, "1000000000.00000001 on tick 1e-8 exact");
	CHECK_STR(fmt(r), "1000000000.00000001", "  ... unchanged");
	CHECK_INT(lyra_dec_round_to(D("1000000000.00000001"), D("0.00000002"), LYRA_ROUND_HALF_EVEN,
	                            &r), 0, "1000000000.00000001 on tick 2e-8 half-even");
	CHECK_STR(fmt(r), "1000000000.00000000", "  ... tie to even multiple");
	CHECK_INT(lyra_dec_round_to(D("1000000000.00000003"), D("0.00000002"), LYRA_ROUND_HALF_EVEN,
	                            &r), 0, "1000000000.00000003 on tick 2e-8 half-even");
	CHECK_STR(fmt(r), "1000000000.00000004", "  ... tie to even multiple (up)");
	CHECK_INT(lyra_dec_round_to(D("1000000000.00000001"), D("0.00000002"), LYRA_ROUND_AWAY, &r),
	          0, "1000000000.00000001 on tick 2e-8 away");
	CHECK_STR(fmt(r), "1000000000.00000002", "  ... away");
}

static void test_parse(void)
{
	struct lyra_dec d;

	parse_ok("0.00012300", "0.00012300", 8);
	parse_ok("1e-5", "0.00001", 5);
	parse_ok("1E+3", "1000", 0);
	parse_ok("1e3", "1000", 0);
	parse_ok("-3", "-3", 0);
	parse_ok("43250.5", "43250.5", 1);
	parse_ok("+1.5", "1.5", 1);
	parse_ok(".5", "0.5", 1);
	parse_ok("-.5", "-0.5", 1);
	parse_ok("5.", "5", 0);
	parse_ok("0", "0", 0);
	parse_ok("-0", "0", 0);
	parse_ok("-0.00", "0.00", 2);
	parse_ok("000123", "123", 0);
	parse_ok("00.0100", "0.0100", 4);
	parse_ok("1.5E+3", "1500", 0);
	parse_ok("1.50e1", "15.0", 1);
	parse_ok("1.2345e2", "123.45", 2);
	parse_ok("12345e-2", "123.45", 2);
	parse_ok("1e-18", "0.000000000000000001", 18);
	parse_ok("1e18", "1000000000000000000", 0);
	parse_ok("1e+0", "1", 0);
	parse_ok("1e-0", "1", 0);
	parse_ok("1e0007", "10000000", 0);
	parse_ok("0.1000000000000000000000", "0.100000000000000000", 18);
	parse_ok("1.000000000000000000000000000000", "1.000000000000000000", 18);
	parse_ok("10000000000000000000000e-22", "1.000000000000000000", 18);
	parse_ok("1000000000000000000000e-22", "0.100000000000000000", 18);
	parse_ok("0.00000000000000000000", "0.000000000000000000", 18);
	parse_ok("0e-30", "0.000000000000000000", 18);
	parse_ok("0e999999999999999999999", "0", 0);
	parse_ok("9223372036854775807", "9223372036854775807", 0);
	parse_ok("-9223372036854775808", "-9223372036854775808", 0);
	parse_ok("922337203685477580.7", "922337203685477580.7", 1);
	parse_ok("-9.223372036854775808", "-9.223372036854775808", 18);
	parse_bad("0.9223372036854775807", 21);
	/* trailing fractional zeros are dropped when the scale as sent would overflow */
	parse_ok("12345678901234567.8900", "12345678901234567.89", 2);
	parse_ok("9223372036854775807.000", "9223372036854775807", 0);
	parse_ok("-9223372036854775808.0", "-9223372036854775808", 0);

	CHECK_INT(lyra_dec_parse("12345", 3, &d), 0, "parse honours len");
	CHECK_STR(fmt(d), "123", "  ... -> 123");
	CHECK_INT(lyra_dec_parse("1.5xyz", 3, &d), 0, "parse stops at len");
	CHECK_STR(fmt(d), "1.5", "  ... -> 1.5");

	parse_bad("", 0);
	parse_bad("-", 1);
	parse_bad("+", 1);
	parse_bad(".", 1);
	parse_bad("-.", 2);
	parse_bad("1.2.3", 5);
	parse_bad("1..", 3);
	parse_bad("1e", 2);
	parse_bad("1e+", 3);
	parse_bad("1e-", 3);
	parse_bad("e5", 2);
	parse_bad(".e5", 3);
	parse_bad("1e5.", 4);
	parse_bad("1e5e5", 5);
	parse_bad("1e1.5", 5);
	parse_bad("nan", 3);
	parse_bad("NaN", 3);
	parse_bad("inf", 3);
	parse_bad("-inf", 4);
	parse_bad("Infinity", 8);
	parse_bad("0x10", 4);
	parse_bad(" 1", 2);
	parse_bad("1 ", 2);
	parse_bad("1\n", 2);
	parse_bad("--1", 3);
	parse_bad("+-1", 3);
	parse_bad("1,5", 3);
	parse_bad("1_000", 5);
	parse_bad("1\0", 2);
	parse_bad("\xd9\xa1", 2);
	parse_bad("9223372036854775808", 19);
	parse_bad("-9223372036854775809", 20);
	parse_bad("9.223372036854775808", 20);
	parse_bad("12345678901234567890", 20);
	parse_bad("92233720368547758070", 20);
	parse_bad("9223372036854775807e1", 21);
	parse_bad("1e19", 4);
	parse_bad("1e99999999999999999999", 22);
	parse_bad("0.0000000000000000001", 21);
	parse_bad("1e-19", 5);
	parse_bad("1.0000000000000000001", 21);
	parse_bad("1e-99999999999999999999", 23);
	parse_bad("123456789012345678901234567890", 30);

	lyra_dec_parse_cstr("1.2.3", &d);
	CHECK_STR(lyra_error_msg(), "cannot parse decimal '1.2.3': stray '.' at byte 3",
	          "parse error message names the byte");
	lyra_dec_parse_cstr("", &d);
	CHECK_STR(lyra_error_msg(), "cannot parse decimal '': empty", "empty message");
	lyra_dec_parse_cstr("99999999999999999999", &d);
	CHECK_STR(lyra_error_msg(), "cannot parse decimal '99999999999999999999': out of range",
	          "range message");
}

static void test_format(void)
{
	char b[LYRA_DEC_STRLEN];

	CHECK_INT(lyra_dec_format(M(150, 2), b), 4, "format 1.50 length");
	CHECK_STR(b, "1.50", "format 1.50");
	CHECK_INT(lyra_dec_format_trim(M(150, 2), b), 3, "trim 1.50 length");
	CHECK_STR(b, "1.5", "trim 1.50");
	lyra_dec_format(M(200, 2), b);
	CHECK_STR(b, "2.00", "format 2.00");
	CHECK_INT(lyra_dec_format_trim(M(200, 2), b), 1, "trim 2.00 length");
	CHECK_STR(b, "2", "trim 2.00");
	lyra_dec_format_trim(M(0, 2), b);
	CHECK_STR(b, "0", "trim 0.00");
	lyra_dec_format(M(0, 2), b);
	CHECK_STR(b, "0.00", "format 0.00");
	lyra_dec_format(M(0, 0), b);
	CHECK_STR(b, "0", "format 0");
	lyra_dec_format(M(-10, 4), b);
	CHECK_STR(b, "-0.0010", "format -0.0010");
	lyra_dec_format_trim(M(-10, 4), b);
	CHECK_STR(b, "-0.001", "trim -0.0010");
	lyra_dec_format_trim(M(100, 0), b);
	CHECK_STR(b, "100", "trim keeps integer zeros");
	lyra_dec_format_trim(M(1000, 1), b);
	CHECK_STR(b, "100", "trim 100.0");
	lyra_dec_format_trim(M(123, 2), b);
	CHECK_STR(b, "1.23", "trim 1.23 unchanged");
	lyra_dec_format(M(-5, 1), b);
	CHECK_STR(b, "-0.5", "format -0.5");
	lyra_dec_format(M(1, 18), b);
	CHECK_STR(b, "0.000000000000000001", "format 1e-18");
	lyra_dec_format(M(INT64_MAX, 0), b);
	CHECK_STR(b, "9223372036854775807", "format INT64_MAX");
	CHECK_INT(lyra_dec_format(M(INT64_MIN, 0), b), 20, "format INT64_MIN length");
	CHECK_STR(b, "-9223372036854775808", "format INT64_MIN");
	CHECK_INT(lyra_dec_format(M(INT64_MIN, 18), b), 21, "format INT64_MIN scale 18 length");
	CHECK_STR(b, "-9.223372036854775808", "format INT64_MIN scale 18");
	lyra_dec_format(M(INT64_MIN, 3), b);
	CHECK_STR(b, "-9223372036854775.808", "format INT64_MIN scale 3");
	lyra_dec_format(M(-1, 18), b);
	CHECK_STR(b, "-0.000000000000000001", "format -1e-18");
	lyra_dec_format(M(123456, 6), b);
	CHECK_STR(b, "0.123456", "format digits == scale");
	lyra_dec_format(M(1234567, 6), b);
	CHECK_STR(b, "1.234567", "format digits == scale+1");
	CHECK_INT(lyra_dec_format(M(1, 19), b), -1, "format rejects scale 19");
	CHECK_STR(b, "", "  ... with an empty buffer");
}

static void test_cmp(void)
{
	CHECK_INT(lyra_dec_cmp(D("1.50"), D("1.5")), 0, "1.50 == 1.5");
	CHECK_INT(lyra_dec_cmp(D("1.5"), D("1.50")), 0, "1.5 == 1.50");
	CHECK_INT(lyra_dec_cmp(D("1.5"), D("1.51")), -1, "1.5 < 1.51");
	CHECK_INT(lyra_dec_cmp(D("1.51"), D("1.5")), 1, "1.51 > 1.5");
	CHECK_INT(lyra_dec_cmp(D("-1.5"), D("-1.50")), 0, "-1.5 == -1.50");
	CHECK_INT(lyra_dec_cmp(D("-1.5"), D("-1.49")), -1, "-1.5 < -1.49");
	CHECK_INT(lyra_dec_cmp(D("0.00"), D("0")), 0, "0.00 == 0");
	CHECK_INT(lyra_dec_cmp(D("-0.1"), D("0")), -1, "-0.1 < 0");
	CHECK_INT(lyra_dec_cmp(D("2"), D("10")), -1, "2 < 10");
	CHECK_INT(lyra_dec_cmp(M(INT64_MIN, 0), M(INT64_MAX, 0)), -1, "INT64_MIN < INT64_MAX");
	CHECK_INT(lyra_dec_cmp(M(INT64_MAX, 0), M(INT64_MAX, 18)), 1, "max scale 0 > max scale 18");
	CHECK_INT(lyra_dec_cmp(M(INT64_MIN, 18), M(INT64_MIN, 0)), 1, "min scale 18 > min scale 0");
	CHECK_INT(lyra_dec_cmp(M(1, 18), M(0, 0)), 1, "1e-18 > 0");
	CHECK_INT(lyra_dec_cmp(M(1000000000000000000, 18), D("1")), 0, "1.000000000000000000 == 1");
	CHECK_INT(lyra_dec_sign(D("-0.01")), -1, "sign -0.01");
	CHECK_INT(lyra_dec_sign(D("0.00")), 0, "sign 0.00");
	CHECK_INT(lyra_dec_sign(D("7")), 1, "sign 7");
	CHECK_INT(lyra_dec_is_zero(D("-0.000")), 1, "is_zero -0.000");
	CHECK_INT(lyra_dec_is_zero(D("0.001")), 0, "is_zero 0.001");
	CHECK(lyra_dec_zero().mant == 0 && lyra_dec_zero().scale == 0, "zero()");
	CHECK(lyra_dec_from_int(-42).mant == -42 && lyra_dec_from_int(-42).scale == 0, "from_int");
}

static void test_addsub(void)
{
	struct lyra_dec r = { 5, 5 };

	CHECK_INT(lyra_dec_add(D("1.5"), D("0.25"), &r), 0, "1.5+0.25");
	CHECK(strcmp(fmt(r), "1.75") == 0 && r.scale == 2, "  ... 1.75 scale 2");
	CHECK_INT(lyra_dec_add(D("1.50"), D("-1.5"), &r), 0, "1.50+-1.5");
	CHECK(strcmp(fmt(r), "0.00") == 0, "  ... 0.00");
	CHECK_INT(lyra_dec_sub(D("1"), D("0.00000001"), &r), 0, "1-1e-8");
	CHECK_STR(fmt(r), "0.99999999", "  ... 0.99999999");
	CHECK_INT(lyra_dec_sub(D("-5"), D("2.5"), &r), 0, "-5-2.5");
	CHECK_STR(fmt(r), "-7.5", "  ... -7.5");

	r = M(5, 5);
	lyra_error_clear();
	CHECK_INT(lyra_dec_add(M(INT64_MAX, 0), M(1, 0), &r), -1, "INT64_MAX+1 overflows");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "  ... DATAERR");
	CHECK_STR(lyra_error_msg(), "cannot add '9223372036854775807' and '1': result out of range",
	          "  ... message");
	CHECK(r.mant == 5 && r.scale == 5, "  ... output untouched");
	CHECK_INT(lyra_dec_add(M(INT64_MAX, 2), M(1, 0), &r), -1,
	          "92233720368547758.07+1 overflows at scale 2");
	CHECK_INT(lyra_dec_add(M(INT64_MAX - 100, 2), M(1, 0), &r), 0, "just fits at scale 2");
	CHECK_INT(r.mant, INT64_MAX, "  ... INT64_MAX");
	CHECK_INT(lyra_dec_add(M(INT64_MIN, 0), M(-1, 0), &r), -1, "INT64_MIN-1 (add) overflows");
	CHECK_INT(lyra_dec_sub(M(INT64_MIN, 0), M(1, 0), &r), -1, "INT64_MIN-1 (sub) overflows");
	CHECK_INT(lyra_dec_sub(M(0, 0), M(INT64_MIN, 0), &r), -1, "0-INT64_MIN overflows");
	CHECK_INT(lyra_dec_sub(M(-1, 0), M(INT64_MAX, 0), &r), 0, "-1-INT64_MAX fits");
	CHECK_INT(r.mant, INT64_MIN, "  ... INT64_MIN");
	CHECK_INT(lyra_dec_add(M(INT64_MIN, 0), M(INT64_MAX, 0), &r), 0, "INT64_MIN+INT64_MAX");
	CHECK_INT(r.mant, -1, "  ... -1");
	CHECK_INT(lyra_dec_add(M(1, 19), M(1, 0), &r), -1, "add rejects scale 19");

	CHECK_INT(lyra_dec_neg(D("1.50"), &r), 0, "neg 1.50");
	CHECK_STR(fmt(r), "-1.50", "  ... -1.50");
	CHECK_INT(lyra_dec_abs(D("-0.003"), &r), 0, "abs -0.003");
	CHECK_STR(fmt(r), "0.003", "  ... 0.003");
	CHECK_INT(lyra_dec_abs(D("7"), &r), 0, "abs 7");
	CHECK_STR(fmt(r), "7", "  ... 7");
	CHECK_INT(lyra_dec_neg(M(INT64_MAX, 0), &r), 0, "neg INT64_MAX");
	CHECK_INT(r.mant, -INT64_MAX, "  ... -INT64_MAX");
	CHECK_INT(lyra_dec_neg(M(INT64_MIN, 4), &r), -1, "neg INT64_MIN fails");
	CHECK_INT(lyra_dec_abs(M(INT64_MIN, 0), &r), -1, "abs INT64_MIN fails");
}

static void test_mul(void)
{
	struct lyra_dec r = { 5, 5 };

	CHECK_INT(lyra_dec_mul_exact(D("0.1"), D("0.2"), &r), 0, "0.1*0.2 exact");
	CHECK(strcmp(fmt(r), "0.02") == 0 && r.scale == 2, "  ... 0.02 scale 2");
	CHECK_INT(lyra_dec_mul(D("43250.5"), D("0.00012300"), 8, LYRA_ROUND_HALF_EVEN, &r), 0,
	          "43250.5*0.000123");
	CHECK_STR(fmt(r), "5.31981150", "  ... 5.31981150");
	CHECK_INT(lyra_dec_mul(D("1.23456789"), D("43250.5"), 2, LYRA_ROUND_HALF_EVEN, &r), 0,
	          "1.23456789*43250.5 to 2");
	CHECK_STR(fmt(r), "53395.68", "  ... 53395.68");
	CHECK_INT(lyra_dec_mul(D("1.23456789"), D("43250.5"), 2, LYRA_ROUND_DOWN, &r), 0,
	          "1.23456789*43250.5 to 2 down");
	CHECK_STR(fmt(r), "53395.67", "  ... 53395.67");
	CHECK_INT(lyra_dec_mul(D("-1.23456789"), D("43250.5"), 2, LYRA_ROUND_DOWN, &r), 0,
	          "-1.23456789*43250.5 to 2 down");
	CHECK_STR(fmt(r), "-53395.68", "  ... -53395.68");
	CHECK_INT(lyra_dec_mul(D("-1.23456789"), D("-43250.5"), 2, LYRA_ROUND_TRUNC, &r), 0,
	          "-1.23456789*-43250.5 to 2 trunc");
	CHECK_STR(fmt(r), "53395.67", "  ... 53395.67");
	CHECK_INT(lyra_dec_mul(D("1.23456789"), D("43250.5"), 2, LYRA_ROUND_EXACT, &r), -1,
	          "1.23456789*43250.5 to 2 exact fails");
	CHECK_INT(lyra_dec_mul(D("1.23456789"), D("43250.5"), 9, LYRA_ROUND_EXACT, &r), 0,
	          "1.23456789*43250.5 to 9 exact");
	CHECK_STR(fmt(r), "53395.678526445", "  ... 53395.678526445");
	CHECK_INT(lyra_dec_mul(D("1.5"), D("2"), 4, LYRA_ROUND_EXACT, &r), 0, "1.5*2 widened");
	CHECK_STR(fmt(r), "3.0000", "  ... 3.0000");
	CHECK_INT(lyra_dec_mul(D("0.5"), D("5"), 0, LYRA_ROUND_HALF_EVEN, &r), 0, "0.5*5 half-even");
	CHECK_STR(fmt(r), "2", "  ... 2");
	CHECK_INT(lyra_dec_mul(D("0.5"), D("-7"), 0, LYRA_ROUND_HALF_EVEN, &r), 0,
	          "0.5*-7 half-even");
	CHECK_STR(fmt(r), "-4", "  ... -4");
	CHECK_INT(lyra_dec_mul(D("9.223372036854775807"), D("9.223372036854775807"), 2,
	                       LYRA_ROUND_HALF_EVEN, &r), 0, "wide product scale 36 -> 2");
	CHECK_STR(fmt(r), "85.07", "  ... 85.07");
	CHECK_INT(lyra_dec_mul(D("922337203.6854775807"), D("922337203.6854775807"), 0,
	                       LYRA_ROUND_HALF_EVEN, &r), 0, "product > 2^64 scale 20 -> 0");
	CHECK_STR(fmt(r), "850705917302346158", "  ... 850705917302346158");
	CHECK_INT(lyra_dec_mul(D("922337203.6854775807"), D("922337203.6854775807"), 1,
	                       LYRA_ROUND_HALF_EVEN, &r), 0, "product > 2^64 scale 20 -> 1");
	CHECK_STR(fmt(r), "850705917302346158.5", "  ... 850705917302346158.5");
	CHECK_INT(lyra_dec_mul(D("3037000499"), D("3037000499"), 0, LYRA_ROUND_EXACT, &r), 0,
	          "3037000499^2 fits");
	CHECK_STR(fmt(r), "9223372030926249001", "  ... 9223372030926249001");

	r = M(5, 5);
	lyra_error_clear();
	CHECK_INT(lyra_dec_mul(D("3037000500"), D("3037000500"), 0, LYRA_ROUND_EXACT, &r), -1,
	          "3037000500^2 overflows");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "  ... DATAERR");
	CHECK(r.mant == 5 && r.scale == 5, "  ... output untouched");
	CHECK_INT(lyra_dec_mul(M(INT64_MAX, 0), M(2, 0), 0, LYRA_ROUND_HALF_EVEN, &r), -1,
	          "INT64_MAX*2 overflows");
	CHECK_INT(lyra_dec_mul(M(INT64_MAX, 0), M(1, 0), 1, LYRA_ROUND_HALF_EVEN, &r), -1,
	          "INT64_MAX*1 at scale 1 overflows");
	CHECK_INT(lyra_dec_mul(M(INT64_MIN, 0), M(1, 0), 0, LYRA_ROUND_EXACT, &r), 0,
	          "INT64_MIN*1");
	CHECK_INT(r.mant, INT64_MIN, "  ... INT64_MIN");
	CHECK_INT(lyra_dec_mul(M(INT64_MIN, 0), M(-1, 0), 0, LYRA_ROUND_EXACT, &r), -1,
	          "INT64_MIN*-1 overflows");
	CHECK_INT(lyra_dec_mul(M(INT64_MIN, 18), M(INT64_MIN, 18), 0, LYRA_ROUND_HALF_EVEN, &r), 0,
	          "INT64_MIN^2 at scale 36 -> 0");
	CHECK_STR(fmt(r), "85", "  ... 85");
	CHECK_INT(lyra_dec_mul(D("0"), M(INT64_MAX, 0), 18, LYRA_ROUND_EXACT, &r), 0,
	          "0*INT64_MAX at scale 18");
	CHECK(r.mant == 0 && r.scale == 18, "  ... 0 scale 18");
	CHECK_INT(lyra_dec_mul(D("1"), D("1"), 19, LYRA_ROUND_EXACT, &r), -1, "mul rejects scale 19");
	CHECK_INT(lyra_dec_mul(D("1"), D("1"), -1, LYRA_ROUND_EXACT, &r), -1, "mul rejects scale -1");
	CHECK_INT(lyra_dec_mul(D("1"), D("1"), 0, (enum lyra_round)42, &r), -1, "mul rejects mode 42");

	CHECK_INT(lyra_dec_mul_exact(D("0.0000000010"), D("0.0000000010"), &r), 0,
	          "mul_exact scale 20 with zeros");
	CHECK(strcmp(fmt(r), "0.000000000000000001") == 0 && r.scale == 18, "  ... 1e-18 scale 18");
	CHECK_INT(lyra_dec_mul_exact(D("0.000000001"), D("0.0000000001"), &r), -1,
	          "mul_exact 1e-19 fails");
	CHECK_INT(lyra_dec_mul_exact(D("-2.5"), D("0.04"), &r), 0, "-2.5*0.04 exact");
	CHECK(strcmp(fmt(r), "-0.100") == 0 && r.scale == 3, "  ... -0.100");
}

static void test_div(void)
{
	struct lyra_dec r = { 5, 5 };
	static const struct {
		const char *a, *b;
		int scale;
		enum lyra_round mode;
		const char *want;
	} cases[] = {
		{ "1", "3", 8, LYRA_ROUND_HALF_EVEN, "0.33333333" },
		{ "1", "3", 8, LYRA_ROUND_UP, "0.33333334" },
		{ "1", "3", 8, LYRA_ROUND_DOWN, "0.33333333" },
		{ "1", "3", 8, LYRA_ROUND_TRUNC, "0.33333333" },
		{ "1", "3", 8, LYRA_ROUND_AWAY, "0.33333334" },
		{ "1", "3", 8, LYRA_ROUND_EXACT, NULL },
		{ "-1", "3", 8, LYRA_ROUND_DOWN, "-0.33333334" },
		{ "-1", "3", 8, LYRA_ROUND_UP, "-0.33333333" },
		{ "1", "-3", 8, LYRA_ROUND_AWAY, "-0.33333334" },
		{ "-1", "-3", 8, LYRA_ROUND_TRUNC, "0.33333333" },
		{ "2", "3", 2, LYRA_ROUND_HALF_EVEN, "0.67" },
		{ "-2", "3", 2, LYRA_ROUND_HALF_EVEN, "-0.67" },
		{ "10", "4", 0, LYRA_ROUND_HALF_EVEN, "2" },
		{ "14", "4", 0, LYRA_ROUND_HALF_EVEN, "4" },
		{ "-10", "4", 0, LYRA_ROUND_HALF_EVEN, "-2" },
		{ "-14", "4", 0, LYRA_ROUND_HALF_EVEN, "-4" },
		{ "10", "4", 1, LYRA_ROUND_EXACT, "2.5" },
		{ "0", "5", 3, LYRA_ROUND_EXACT, "0.000" },
		{ "1", "3", 18, LYRA_ROUND_HALF_EVEN, "0.333333333333333333" },
		{ "2", "3", 18, LYRA_ROUND_HALF_EVEN, "0.666666666666666667" },
		{ "1", "0.000000000000000001", 0, LYRA_ROUND_EXACT, "1000000000000000000" },
		{ "0.000000000000000001", "1000000000000000000", 18, LYRA_ROUND_HALF_EVEN,
		  "0.000000000000000000" },
		{ "0.000000000000000001", "1000000000000000000", 18, LYRA_ROUND_UP,
		  "0.000000000000000001" },
		{ "1.23456789", "1", 2, LYRA_ROUND_HALF_EVEN, "1.23" },
		{ "43250.5", "1.23456789", 8, LYRA_ROUND_HALF_EVEN, "35032.90531880" },
		{ "43250.5", "1.23456789", 8, LYRA_ROUND_DOWN, "35032.90531879" },
		{ "-43250.5", "1.23456789", 8, LYRA_ROUND_DOWN, "-35032.90531880" },
		{ "-9223372036854775808", "1", 0, LYRA_ROUND_EXACT, "-9223372036854775808" },
		{ "-9223372036854775808", "2", 0, LYRA_ROUND_EXACT, "-4611686018427387904" },
		{ "-9223372036854775808", "-1", 0, LYRA_ROUND_EXACT, NULL },
		{ "9223372036854775807", "0.5", 0, LYRA_ROUND_EXACT, NULL },
		{ "9223372036854775807", "1", 1, LYRA_ROUND_EXACT, NULL },
		{ "9223372036854775807", "9223372036854775807", 18, LYRA_ROUND_EXACT,
		  "1.000000000000000000" },
		{ "9.223372036854775807", "0.000000000000000001", 0, LYRA_ROUND_EXACT,
		  "9223372036854775807" },
		{ "1", "9.223372036854775807", 18, LYRA_ROUND_HALF_EVEN, "0.108420217248550443" },
	};
	size_t i;
	char what[200];

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = lyra_dec_div(D(cases[i].a), D(cases[i].b), cases[i].scale, cases[i].mode, &r);
		snprintf(what, sizeof what, "div %s / %s scale %d mode %d -> %s", cases[i].a, cases[i].b,
		         cases[i].scale, (int)cases[i].mode, cases[i].want ? cases[i].want : "fail");
		if (cases[i].want)
			CHECK(rc == 0 && strcmp(fmt(r), cases[i].want) == 0 && r.scale == cases[i].scale,
			      what);
		else
			CHECK_INT(rc, -1, what);
	}
	r = M(5, 5);
	lyra_error_clear();
	CHECK_INT(lyra_dec_div(D("1"), D("0.00"), 2, LYRA_ROUND_HALF_EVEN, &r), -1, "1/0 fails");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "  ... DATAERR");
	CHECK_STR(lyra_error_msg(), "cannot divide '1' by '0.00': division by zero", "  ... message");
	CHECK(r.mant == 5 && r.scale == 5, "  ... output untouched");
	CHECK_INT(lyra_dec_div(D("0"), D("0"), 2, LYRA_ROUND_HALF_EVEN, &r), -1, "0/0 fails");
}

static void test_rescale_normalize(void)
{
	struct lyra_dec r = { 5, 5 }, n;

	CHECK_INT(lyra_dec_rescale(D("1.5"), 4, LYRA_ROUND_EXACT, &r), 0, "widen 1.5 to 4");
	CHECK_STR(fmt(r), "1.5000", "  ... 1.5000");
	CHECK_INT(lyra_dec_rescale(D("1.5000"), 1, LYRA_ROUND_EXACT, &r), 0, "narrow 1.5000 exact");
	CHECK_STR(fmt(r), "1.5", "  ... 1.5");
	CHECK_INT(lyra_dec_rescale(D("1"), 18, LYRA_ROUND_EXACT, &r), 0, "1 to scale 18");
	CHECK_STR(fmt(r), "1.000000000000000000", "  ... 1.000000000000000000");
	CHECK_INT(lyra_dec_rescale(D("10"), 18, LYRA_ROUND_EXACT, &r), -1, "10 to scale 18 overflows");
	CHECK_INT(lyra_dec_rescale(M(INT64_MAX, 0), 1, LYRA_ROUND_EXACT, &r), -1,
	          "INT64_MAX to scale 1 overflows");
	CHECK_INT(lyra_dec_rescale(M(INT64_MIN, 18), 0, LYRA_ROUND_HALF_EVEN, &r), 0,
	          "INT64_MIN scale 18 to 0");
	CHECK_STR(fmt(r), "-9", "  ... -9");
	CHECK_INT(lyra_dec_rescale(M(INT64_MIN, 18), 0, LYRA_ROUND_DOWN, &r), 0,
	          "INT64_MIN scale 18 to 0 down");
	CHECK_STR(fmt(r), "-10", "  ... -10");
	CHECK_INT(lyra_dec_rescale(M(INT64_MIN, 0), 0, LYRA_ROUND_EXACT, &r), 0, "INT64_MIN to 0");
	CHECK_INT(r.mant, INT64_MIN, "  ... unchanged");
	CHECK_INT(lyra_dec_rescale(D("0.999"), 2, LYRA_ROUND_HALF_EVEN, &r), 0, "0.999 to 2");
	CHECK_STR(fmt(r), "1.00", "  ... 1.00");
	CHECK_INT(lyra_dec_rescale(D("1"), 19, LYRA_ROUND_EXACT, &r), -1, "rescale rejects 19");

	n = lyra_dec_normalize(D("1.500"));
	CHECK(n.mant == 15 && n.scale == 1, "normalize 1.500 -> {15,1}");
	n = lyra_dec_normalize(D("100"));
	CHECK(n.mant == 100 && n.scale == 0, "normalize 100 keeps integer zeros");
	n = lyra_dec_normalize(D("0.000"));
	CHECK(n.mant == 0 && n.scale == 0, "normalize 0.000 -> 0");
	n = lyra_dec_normalize(D("-2.0100"));
	CHECK(n.mant == -201 && n.scale == 2, "normalize -2.0100 -> {-201,2}");
}

static void test_round_to(void)
{
	struct lyra_dec r = { 5, 5 };

	CHECK_INT(lyra_dec_round_to(D("43250.537"), D("0.01"), LYRA_ROUND_DOWN, &r), 0,
	          "43250.537 tick 0.01 down");
	CHECK_INT(lyra_dec_cmp(r, D("43250.53")), 0, "  ... == 43250.53");
	CHECK(strcmp(fmt(r), "43250.53") == 0 && r.scale == 2, "  ... carries the tick's scale 2");
	CHECK_INT(lyra_dec_round_to(D("1.23456789"), D("0.001"), LYRA_ROUND_TRUNC, &r), 0,
	          "1.23456789 lot 0.001 trunc");
	CHECK_INT(lyra_dec_cmp(r, D("1.234")), 0, "  ... == 1.234");
	CHECK_INT(lyra_dec_round_to(D("43250.5"), D("0.01"), LYRA_ROUND_EXACT, &r), 0,
	          "43250.5 tick 0.01 exact");
	CHECK(strcmp(fmt(r), "43250.50") == 0 && r.scale == 2, "  ... carries step's scale 2");
	CHECK_INT(lyra_dec_round_to(D("-43250.537"), D("0.01"), LYRA_ROUND_DOWN, &r), 0,
	          "-43250.537 tick 0.01 down");
	CHECK_STR(fmt(r), "-43250.54", "  ... -43250.54");
	CHECK_INT(lyra_dec_round_to(D("-43250.537"), D("0.01"), LYRA_ROUND_UP, &r), 0,
	          "-43250.537 tick 0.01 up");
	CHECK_STR(fmt(r), "-43250.53", "  ... -43250.53");
	CHECK_INT(lyra_dec_round_to(D("43250.537"), D("0.01"), LYRA_ROUND_UP, &r), 0,
	          "43250.537 tick 0.01 up");
	CHECK_STR(fmt(r), "43250.54", "  ... 43250.54");
	CHECK_INT(lyra_dec_round_to(D("10.25"), D("0.5"), LYRA_ROUND_HALF_EVEN, &r), 0,
	          "10.25 tick 0.5 half-even");
	CHECK_STR(fmt(r), "10.0", "  ... 10.0 (20 even)");
	CHECK_INT(lyra_dec_round_to(D("10.75"), D("0.5"), LYRA_ROUND_HALF_EVEN, &r), 0,
	          "10.75 tick 0.5 half-even");
	CHECK_STR(fmt(r), "11.0", "  ... 11.0 (22 even)");
	CHECK_INT(lyra_dec_round_to(D("-10.25"), D("0.5"), LYRA_ROUND_HALF_EVEN, &r), 0,
	          "-10.25 tick 0.5 half-even");
	CHECK_STR(fmt(r), "-10.0", "  ... -10.0");
	CHECK_INT(lyra_dec_round_to(D("1234"), D("25"), LYRA_ROUND_HALF_EVEN, &r), 0,
	          "1234 step 25");
	CHECK_STR(fmt(r), "1225", "  ... 1225");
	CHECK_INT(lyra_dec_round_to(D("43250.537"), D("0.01"), LYRA_ROUND_EXACT, &r), -1,
	          "43250.537 tick 0.01 exact fails");
	CHECK_INT(lyra_dec_round_to(D("1"), D("0"), LYRA_ROUND_DOWN, &r), -1, "step 0 fails");
	CHECK_INT(lyra_dec_round_to(D("1"), D("-0.1"), LYRA_ROUND_DOWN, &r), -1, "step <0 fails");
	CHECK_INT(lyra_dec_round_to(M(INT64_MAX, 0), D("10"), LYRA_ROUND_UP, &r), -1,
	          "INT64_MAX step 10 up overflows");
	CHECK_INT(lyra_dec_round_to(M(INT64_MAX, 0), D("10"), LYRA_ROUND_DOWN, &r), 0,
	          "INT64_MAX step 10 down");
	CHECK_STR(fmt(r), "9223372036854775800", "  ... 9223372036854775800");
	CHECK_INT(lyra_dec_round_to(M(INT64_MIN, 0), D("10"), LYRA_ROUND_UP, &r), 0,
	          "INT64_MIN step 10 up");
	CHECK_STR(fmt(r), "-9223372036854775800", "  ... -9223372036854775800");
	CHECK_INT(lyra_dec_round_to(M(INT64_MIN, 0), D("10"), LYRA_ROUND_DOWN, &r), -1,
	          "INT64_MIN step 10 down overflows");
	CHECK_INT(lyra_dec_round_to(D("1"), D("0.1"), LYRA_ROUND_EXACT, &r), 0, "1 tick 0.1");
	CHECK_STR(fmt(r), "1.0", "  ... 1.0");

	CHECK_INT(lyra_dec_is_multiple(D("43250.50"), D("0.5")), 1, "43250.50 multiple of 0.5");
	CHECK_INT(lyra_dec_is_multiple(D("43250.53"), D("0.5")), 0, "43250.53 not multiple of 0.5");
	CHECK_INT(lyra_dec_is_multiple(D("1.5"), D("0.50")), 1, "1.5 multiple of 0.50");
	CHECK_INT(lyra_dec_is_multiple(D("-1.5"), D("0.5")), 1, "-1.5 multiple of 0.5");
	CHECK_INT(lyra_dec_is_multiple(D("0"), D("0.3")), 1, "0 multiple of 0.3");
	CHECK_INT(lyra_dec_is_multiple(D("1"), D("0.0000001")), 1, "1 multiple of 1e-7");
	CHECK_INT(lyra_dec_is_multiple(D("100"), D("7")), 0, "100 not multiple of 7");
	CHECK_INT(lyra_dec_is_multiple(D("1"), D("0")), 0, "step 0 -> 0");
	CHECK_INT(lyra_dec_is_multiple(D("1"), D("-1")), 0, "step -1 -> 0");
	CHECK_INT(lyra_dec_is_multiple(M(INT64_MIN, 0), D("2")), 1, "INT64_MIN multiple of 2");
}

static void test_to_int(void)
{
	int64_t v = 99;

	CHECK_INT(lyra_dec_to_int(D("42.000"), &v), 0, "to_int 42.000");
	CHECK_INT(v, 42, "  ... 42");
	CHECK_INT(lyra_dec_to_int(D("-7"), &v), 0, "to_int -7");
	CHECK_INT(v, -7, "  ... -7");
	CHECK_INT(lyra_dec_to_int(D("0.00"), &v), 0, "to_int 0.00");
	CHECK_INT(v, 0, "  ... 0");
	v = 99;
	CHECK_INT(lyra_dec_to_int(D("42.5"), &v), -1, "to_int 42.5 fails");
	CHECK_INT(v, 99, "  ... untouched");
	CHECK_INT(lyra_dec_to_int(D("-0.001"), &v), -1, "to_int -0.001 fails");
	CHECK_INT(lyra_dec_to_int(M(INT64_MIN, 0), &v), 0, "to_int INT64_MIN");
	CHECK(v == INT64_MIN, "  ... INT64_MIN");
	CHECK_INT(lyra_dec_to_int(M(INT64_MIN, 18), &v), -1, "to_int INT64_MIN scale 18 fails");
	CHECK_INT(lyra_dec_to_int(M(-9000000000000000000, 18), &v), 0, "to_int -9.000 scale 18");
	CHECK_INT(v, -9, "  ... -9");
}

static void test_round_parse(void)
{
	enum lyra_round m = LYRA_ROUND_EXACT;

	CHECK(lyra_round_parse("half-even", &m) == 0 && m == LYRA_ROUND_HALF_EVEN, "half-even");
	CHECK(lyra_round_parse("down", &m) == 0 && m == LYRA_ROUND_DOWN, "down");
	CHECK(lyra_round_parse("up", &m) == 0 && m == LYRA_ROUND_UP, "up");
	CHECK(lyra_round_parse("toward-zero", &m) == 0 && m == LYRA_ROUND_TRUNC, "toward-zero");
	m = LYRA_ROUND_EXACT;
	CHECK(lyra_round_parse("trunc", &m) == 0 && m == LYRA_ROUND_TRUNC, "trunc");
	CHECK(lyra_round_parse("away", &m) == 0 && m == LYRA_ROUND_AWAY, "away");
	CHECK(lyra_round_parse("exact", &m) == 0 && m == LYRA_ROUND_EXACT, "exact");
	m = LYRA_ROUND_UP;
	CHECK_INT(lyra_round_parse("nearest", &m), -1, "unknown mode fails");
	CHECK_INT(m, LYRA_ROUND_UP, "  ... untouched");
	CHECK_INT(lyra_error_code(), LYRA_EX_USAGE, "  ... USAGE");
	CHECK(strstr(lyra_error_msg(), "'nearest'") != NULL, "  ... names the input");
	CHECK_INT(lyra_round_parse("", &m), -1, "empty mode fails");
	CHECK_INT(lyra_round_parse("HALF-EVEN", &m), -1, "modes are case-sensitive");
	CHECK_INT(lyra_round_parse("half-even ", &m), -1, "no trailing space");
}

/* format -> parse round trip over a grid of mantissas and scales */
static void test_roundtrip(void)
{
	static const int64_t mants[] = { 0, 1, -1, 9, 10, 99, 100, 123456789, -123456789,
	                                 1000000000000000000, 999999999999999999,
	                                 INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1 };
	char b[LYRA_DEC_STRLEN];
	int bad = 0, bad_trim = 0;
	size_t i;
	int s;

	for (i = 0; i < sizeof mants / sizeof mants[0]; i++) {
		for (s = 0; s <= LYRA_DEC_MAX_SCALE; s++) {
			struct lyra_dec d = { mants[i], s }, e = { 0, 0 };
			int n = lyra_dec_format(d, b);
			if (n != (int)strlen(b) || lyra_dec_parse(b, (size_t)n, &e) < 0 ||
			    e.mant != d.mant || e.scale != d.scale)
				bad++;
			n = lyra_dec_format_trim(d, b);
			if (n != (int)strlen(b) || lyra_dec_parse(b, (size_t)n, &e) < 0 ||
			    lyra_dec_cmp(e, d) != 0 || e.scale != lyra_dec_normalize(d).scale)
				bad_trim++;
		}
	}
	CHECK_INT(bad, 0, "format/parse round trip keeps mantissa and scale");
	CHECK_INT(bad_trim, 0, "format_trim/parse round trip keeps value, normalized scale");
}

int main(void)
{
	test_floats_break();
	test_parse();
	test_format();
	test_cmp();
	test_addsub();
	test_mul();
	test_div();
	rounding_table();
	test_rescale_normalize();
	test_round_to();
	test_to_int();
	test_round_parse();
	test_roundtrip();
	return unit_done();
}
