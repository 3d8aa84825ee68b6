/* fuzz_decimal.c: libFuzzer target for lib/decimal.c. Parses arbitrary bytes (a success must
 * format and re-parse to the same mantissa and scale), then reads the bytes (repeated to 22) as a
 * pair of decimals, a scale and a mode, and checks invariants of the arithmetic and rounding. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "decimal.h"
#include "error.h"

static void check_parse(const uint8_t *data, size_t size)
{
	struct lyra_dec d, e, n;
	char buf[LYRA_DEC_STRLEN + 8];
	int len;

	if (lyra_dec_parse((const char *)data, size, &d) < 0)
		return;
	if (d.scale < 0 || d.scale > LYRA_DEC_MAX_SCALE)
		abort();
	memset(buf, 'x', sizeof buf);
	len = lyra_dec_format(d, buf);
	if (len <= 0 || len >= LYRA_DEC_STRLEN || (size_t)len != strlen(buf))
		abort();
	if (lyra_dec_parse(buf, (size_t)len, &e) < 0 || e.mant != d.mant || e.scale != d.scale)
		abort();
	if (lyra_dec_parse_cstr(buf, &e) < 0 || lyra_dec_cmp(e, d) != 0)
		abort();
	len = lyra_dec_format_trim(d, buf);
	if (len <= 0 || (size_t)len != strlen(buf))
		abort();
	n = lyra_dec_normalize(d);
	if (lyra_dec_parse(buf, (size_t)len, &e) < 0 || e.mant != n.mant || e.scale != n.scale)
		abort();
	if (lyra_dec_cmp(n, d) != 0)
		abort();
}

static int64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* Small mantissas are far more interesting than uniform 64-bit ones; let a byte pick the width. */
static int64_t shape(int64_t v, uint8_t w)
{
	int bits = w % 65;

	if (bits == 64)
		return v;
	if (bits == 0)
		return 0;
	return (int64_t)((uint64_t)v >> (64 - bits)) * ((w & 0x80) ? -1 : 1);
}

static void floor_ceil(int rd, struct lyra_dec lo, int ru, struct lyra_dec hi, int rexact,
                       struct lyra_dec ex)
{
	if (rd == 0 && ru == 0) {
		__int128 gap = (__int128)hi.mant - lo.mant;
		if (lo.scale != hi.scale || (gap != 0 && gap != 1))
			abort();
		if ((gap == 0) != (rexact == 0))
			abort();
		if (rexact == 0 && ex.mant != lo.mant)
			abort();
	}
}

static void check_arith(const uint8_t *p)
{
	struct lyra_dec a, b, r, s, lo, hi, ex;
	int scale = p[20] % (LYRA_DEC_MAX_SCALE + 1);
	enum lyra_round mode = (enum lyra_round)(p[21] % 6);
	int ca, cb, rd, ru, re;

	a.mant = shape(get64(p), p[16]);
	b.mant = shape(get64(p + 8), p[17]);
	a.scale = p[18] % (LYRA_DEC_MAX_SCALE + 1);
	b.scale = p[19] % (LYRA_DEC_MAX_SCALE + 1);

	ca = lyra_dec_cmp(a, b);
	cb = lyra_dec_cmp(b, a);
	if (ca != -cb || ca < -1 || ca > 1)
		abort();
	if (lyra_dec_cmp(a, a) != 0)
		abort();

	if (lyra_dec_add(a, b, &r) == 0) {
		if (lyra_dec_sub(r, b, &s) == 0) {
			if (lyra_dec_cmp(s, a) != 0)
				abort();
		} else if (lyra_dec_rescale(a, r.scale, LYRA_ROUND_EXACT, &s) == 0) {
			abort();
		}
		if ((lyra_dec_sign(b) > 0 && lyra_dec_cmp(r, a) <= 0) ||
		    (lyra_dec_sign(b) < 0 && lyra_dec_cmp(r, a) >= 0))
			abort();
	}
	if (lyra_dec_sub(a, b, &r) == 0 && lyra_dec_sign(r) != ca)
		abort();

	if (lyra_dec_mul(a, b, scale, mode, &r) == 0 && r.scale != scale)
		abort();
	if (lyra_dec_mul_exact(a, b, &r) == 0 && b.mant != 0) {
		if (lyra_dec_div(r, b, a.scale, LYRA_ROUND_EXACT, &s) < 0 || s.mant != a.mant)
			abort();
	}
	rd = lyra_dec_mul(a, b, scale, LYRA_ROUND_DOWN, &lo);
	ru = lyra_dec_mul(a, b, scale, LYRA_ROUND_UP, &hi);
	re = lyra_dec_mul(a, b, scale, LYRA_ROUND_EXACT, &ex);
	floor_ceil(rd, lo, ru, hi, re, ex);

	if (lyra_dec_div(a, b, scale, mode, &r) == 0) {
		if (b.mant == 0 || r.scale != scale)
			abort();
	} else if (b.mant == 0 && lyra_error_code() != LYRA_EX_DATAERR) {
		abort();
	}
	rd = lyra_dec_div(a, b, scale, LYRA_ROUND_DOWN, &lo);
	ru = lyra_dec_div(a, b, scale, LYRA_ROUND_UP, &hi);
	re = lyra_dec_div(a, b, scale, LYRA_ROUND_EXACT, &ex);
	floor_ceil(rd, lo, ru, hi, re, ex);
	if (rd == 0 && lyra_dec_div(a, b, scale, LYRA_ROUND_HALF_EVEN, &r) == 0 &&
	    (lyra_dec_cmp(r, lo) < 0 || (ru == 0 && lyra_dec_cmp(r, hi) > 0)))
		abort();

	rd = lyra_dec_rescale(a, scale, LYRA_ROUND_DOWN, &lo);
	ru = lyra_dec_rescale(a, scale, LYRA_ROUND_UP, &hi);
	re = lyra_dec_rescale(a, scale, LYRA_ROUND_EXACT, &ex);
	floor_ceil(rd, lo, ru, hi, re, ex);
	if (re == 0 && lyra_dec_cmp(ex, a) != 0)
		abort();

	if (lyra_dec_round_to(a, b, mode, &r) == 0) {
		if (b.mant <= 0 || !lyra_dec_is_multiple(r, b))
			abort();
		if (r.scale != b.scale)
			abort();
	}
	if (lyra_dec_neg(a, &r) == 0 && (lyra_dec_add(a, r, &s) < 0 || !lyra_dec_is_zero(s)))
		abort();
	if (lyra_dec_abs(a, &r) == 0 && lyra_dec_sign(r) < 0)
		abort();
	r = lyra_dec_normalize(a);
	if (lyra_dec_cmp(r, a) != 0)
		abort();
	{
		int64_t v;
		if (lyra_dec_to_int(a, &v) == 0 && lyra_dec_cmp(lyra_dec_from_int(v), a) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pair[22];
	size_t i;

	check_parse(data, size);
	if (size == 0)
		return 0;
	for (i = 0; i < sizeof pair; i++)
		pair[i] = data[i % size];
	check_arith(pair);
	return 0;
}
