/* decimal.c: exact fixed-point decimals (decimal.h): parsing, formatting, arithmetic and rounding
 * on int64 mantissas with 128-bit intermediates. Every overflow or lost digit is an error. */
#include <stdio.h>
#include <string.h>
#include "decimal.h"
#include "error.h"

#define MAG_MIN ((uint64_t)1 << 63)    /* |INT64_MIN| */
#define EXP_CAP 100000                 /* exponent saturation: far beyond any representable value */

static const uint64_t p10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
	1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
	1000000000000000000ULL, 10000000000000000000ULL,
};

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static unsigned __int128 pow10_128(int k)
{
	if (k <= 19)
		return p10[k];
	return (unsigned __int128)p10[k - 19] * p10[19];
}

static uint64_t mag(int64_t v)
{
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

static int scale_ok(int scale)
{
	return scale >= 0 && scale <= LYRA_DEC_MAX_SCALE;
}

static int clamp_scale(int scale)
{
	return scale < 0 ? 0 : scale > LYRA_DEC_MAX_SCALE ? LYRA_DEC_MAX_SCALE : scale;
}

static int bad_scale(int scale)
{
	return lyra_error(LYRA_EX_DATAERR, "invalid decimal scale %d: must be 0..%d", scale,
	                  LYRA_DEC_MAX_SCALE);
}

static int bad_mode(enum lyra_round mode)
{
	return lyra_error(LYRA_EX_DATAERR, "invalid rounding mode %d", (int)mode);
}

static int mode_ok(enum lyra_round mode)
{
	return (unsigned)mode <= (unsigned)LYRA_ROUND_EXACT;
}

/* Store sign and magnitude m into out at scale; 0, or -1 (no message) when out of int64 range. */
static int store(int neg, unsigned __int128 m, int scale, struct lyra_dec *out)
{
	if (neg) {
		if (m > MAG_MIN)
			return -1;
		out->mant = m == MAG_MIN ? INT64_MIN : -(int64_t)m;
	} else {
		if (m > INT64_MAX)
			return -1;
		out->mant = (int64_t)m;
	}
	out->scale = scale;
	return 0;
}

/* Whether the truncated magnitude quotient q (remainder r of divisor d, r < d) moves one unit
 * away from zero under mode; neg is the sign of the exact quotient. -1 when EXACT and r != 0. */
static int round_bump(unsigned __int128 q, unsigned __int128 r, unsigned __int128 d, int neg,
                      enum lyra_round mode)
{
	unsigned __int128 rest;

	if (r == 0)
		return 0;
	switch (mode) {
	case LYRA_ROUND_HALF_EVEN:
		rest = d - r;
		return r > rest || (r == rest && (q & 1));
	case LYRA_ROUND_DOWN:
		return neg;
	case LYRA_ROUND_UP:
		return !neg;
	case LYRA_ROUND_TRUNC:
		return 0;
	case LYRA_ROUND_AWAY:
		return 1;
	case LYRA_ROUND_EXACT:
		break;
	}
	return -1;
}

static void quote_input(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, n = len < size - 4 ? len : size - 4;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static int parse_fail(const char *s, size_t len, const char *why, long long at, char c)
{
	char q[64];

	quote_input(s, len, q, sizeof q);
	if (at < 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot parse decimal '%s': %s", q, why);
	if (c >= 0x20 && c < 0x7f)
		return lyra_error(LYRA_EX_DATAERR, "cannot parse decimal '%s': %s '%c' at byte %lld", q,
		                  why, c, at);
	return lyra_error(LYRA_EX_DATAERR, "cannot parse decimal '%s': %s 0x%02x at byte %lld", q,
	                  why, (unsigned char)c, at);
}

/* Every accepted form and every error; lyra_dec_parse's fast path covers the common ones. */
static int parse_general(const char *s, size_t len, struct lyra_dec *out)
{
	const char *p = s, *end = s + len;
	uint64_t m = 0;       /* significant digits read so far, pending zeros excluded */
	int64_t sig = 0;      /* decimal digits in m (0 while m == 0) */
	int64_t zeros = 0;    /* zeros read after m's last nonzero digit */
	int64_t frac = 0;     /* digits after the point */
	int64_t scale, expo = 0;
	int neg = 0, dot = 0, any = 0;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < end; p++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';
		if (d < 10) {
			any = 1;
			frac += dot;
			if (d == 0) {
				zeros += m != 0;
				continue;
			}
			if (sig + zeros >= 18) {
				if (sig + zeros >= 19)
					return parse_fail(s, len, "out of range", -1, 0);
				m = m * p10[zeros + 1] + d;
				if (m > MAG_MIN)
					return parse_fail(s, len, "out of range", -1, 0);
			} else {
				m = m * p10[zeros + 1] + d;
			}
			sig += zeros + 1;
			zeros = 0;
		} else if (*p == '.') {
			if (dot)
				return parse_fail(s, len, "stray", p - s, *p);
			dot = 1;
		} else if ((*p == 'e' || *p == 'E') && any) {
			int eneg = 0, edig = 0;
			p++;
			if (p < end && (*p == '-' || *p == '+'))
				eneg = *p++ == '-';
			for (; p < end; p++) {
				unsigned ed = (unsigned)(unsigned char)*p - '0';
				if (ed >= 10)
					return parse_fail(s, len, "stray", p - s, *p);
				edig = 1;
				if (expo < EXP_CAP)
					expo = expo * 10 + ed;
			}
			if (!edig)
				return parse_fail(s, len, "exponent has no digits", -1, 0);
			if (eneg)
				expo = -expo;
			break;
		} else {
			return parse_fail(s, len, "stray", p - s, *p);
		}
	}
	if (!any)
		return parse_fail(s, len, len ? "no digits" : "empty", -1, 0);

	scale = frac - expo;
	if (m == 0) {
		out->mant = 0;
		out->scale = scale < 0 ? 0 : scale > LYRA_DEC_MAX_SCALE ? LYRA_DEC_MAX_SCALE : (int)scale;
		return 0;
	}
	if (scale > LYRA_DEC_MAX_SCALE) {
		int64_t drop = scale - LYRA_DEC_MAX_SCALE;
		if (drop > zeros)
			return parse_fail(s, len, "more than 18 fractional digits", -1, 0);
		zeros -= drop;
		scale = LYRA_DEC_MAX_SCALE;
	} else if (scale < 0) {
		zeros -= scale;
		scale = 0;
	}
	if (zeros) {
		uint64_t limit = neg ? MAG_MIN : INT64_MAX;
		while (sig + zeros > 19 || m * p10[zeros] > limit) {
			if (scale == 0)
				return parse_fail(s, len, "out of range", -1, 0);
			zeros--;
			scale--;
			if (!zeros)
				break;
		}
		m *= p10[zeros];
	}
	if (store(neg, m, (int)scale, out) < 0)
		return parse_fail(s, len, "out of range", -1, 0);
	return 0;
}

int lyra_dec_parse(const char *s, size_t len, struct lyra_dec *out)
{
	const char *p, *end, *digits;
	uint64_t m = 0;
	unsigned d;
	long frac = 0, n;
	int neg = 0;

	if (len == 0)
		return parse_fail(s, 0, "empty", -1, 0);
	p = s;
	end = s + len;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	digits = p;
	while (p < end && (d = (unsigned)(unsigned char)*p - '0') < 10) {
		m = m * 10 + d;
		p++;
	}
	n = p - digits;
	if (p < end && *p == '.') {
		const char *f = ++p;
		while (p < end && (d = (unsigned)(unsigned char)*p - '0') < 10) {
			m = m * 10 + d;
			p++;
		}
		frac = p - f;
	}
	n += frac;
	if (p != end || n == 0 || n > 18)
		return parse_general(s, len, out);
	out->mant = neg ? -(int64_t)m : (int64_t)m;
	out->scale = (int)frac;
	return 0;
}

int lyra_dec_parse_cstr(const char *s, struct lyra_dec *out)
{
	return lyra_dec_parse(s, strlen(s), out);
}

static int count_digits(uint64_t m)
{
	int t;

	if (m < 10)
		return 1;
	t = (64 - __builtin_clzll(m)) * 1233 >> 12;
	return t + (m >= p10[t]);
}

int lyra_dec_format(struct lyra_dec d, char *buf)
{
	uint64_t m = mag(d.mant);
	int scale = d.scale, nd, len, k;
	char *o;

	if (!scale_ok(scale)) {
		buf[0] = '\0';
		return bad_scale(scale);
	}
	nd = count_digits(m);
	len = (d.mant < 0) + (nd > scale ? nd - scale : 1) + (scale ? scale + 1 : 0);
	o = buf + len;
	*o = '\0';
	for (k = scale; k >= 2; k -= 2) {
		o -= 2;
		memcpy(o, digits2 + 2 * (m % 100), 2);
		m /= 100;
	}
	if (k) {
		*--o = (char)('0' + m % 10);
		m /= 10;
	}
	if (scale)
		*--o = '.';
	while (m >= 100) {
		o -= 2;
		memcpy(o, digits2 + 2 * (m % 100), 2);
		m /= 100;
	}
	if (m >= 10) {
		o -= 2;
		memcpy(o, digits2 + 2 * m, 2);
	} else {
		*--o = (char)('0' + m);
	}
	if (d.mant < 0)
		*--o = '-';
	return len;
}

int lyra_dec_format_trim(struct lyra_dec d, char *buf)
{
	int n = lyra_dec_format(d, buf);

	if (n <= 0 || d.scale == 0)
		return n;
	while (buf[n - 1] == '0')
		n--;
	if (buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	return n;
}

struct lyra_dec lyra_dec_from_int(int64_t v)
{
	struct lyra_dec d = { v, 0 };
	return d;
}

int lyra_dec_to_int(struct lyra_dec d, int64_t *out)
{
	char b[LYRA_DEC_STRLEN];

	if (!scale_ok(d.scale))
		return bad_scale(d.scale);
	if (d.mant % (int64_t)p10[d.scale] != 0) {
		lyra_dec_format(d, b);
		return lyra_error(LYRA_EX_DATAERR, "cannot convert '%s' to an integer: not a whole number", b);
	}
	*out = d.mant / (int64_t)p10[d.scale];
	return 0;
}

int lyra_dec_cmp(struct lyra_dec a, struct lyra_dec b)
{
	__int128 x, y;
	int sa, sb;

	if (a.scale == b.scale)
		return (a.mant > b.mant) - (a.mant < b.mant);
	sa = clamp_scale(a.scale);
	sb = clamp_scale(b.scale);
	x = a.mant;
	y = b.mant;
	if (sa < sb)
		x *= (int64_t)p10[sb - sa];
	else
		y *= (int64_t)p10[sa - sb];
	return (x > y) - (x < y);
}

int lyra_dec_sign(struct lyra_dec a)
{
	return (a.mant > 0) - (a.mant < 0);
}

int lyra_dec_is_zero(struct lyra_dec a)
{
	return a.mant == 0;
}

struct lyra_dec lyra_dec_zero(void)
{
	struct lyra_dec d = { 0, 0 };
	return d;
}

static int binary_fail(const char *verb, struct lyra_dec a, const char *join, struct lyra_dec b,
                       const char *why)
{
	char x[LYRA_DEC_STRLEN], y[LYRA_DEC_STRLEN];

	lyra_dec_format(a, x);
	lyra_dec_format(b, y);
	return lyra_error(LYRA_EX_DATAERR, "cannot %s '%s' %s '%s': %s", verb, x, join, y, why);
}

static int addsub(struct lyra_dec a, struct lyra_dec b, int sub, struct lyra_dec *out)
{
	__int128 x = a.mant, y = b.mant, r;
	int s;

	if (!scale_ok(a.scale))
		return bad_scale(a.scale);
	if (!scale_ok(b.scale))
		return bad_scale(b.scale);
	s = a.scale > b.scale ? a.scale : b.scale;
	if (a.scale < s)
		x *= (int64_t)p10[s - a.scale];
	if (b.scale < s)
		y *= (int64_t)p10[s - b.scale];
	r = sub ? x - y : x + y;
	if (r > INT64_MAX || r < INT64_MIN)
		return sub ? binary_fail("subtract", b, "from", a, "result out of range")
		           : binary_fail("add", a, "and", b, "result out of range");
	out->mant = (int64_t)r;
	out->scale = s;
	return 0;
}

int lyra_dec_add(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	return addsub(a, b, 0, out);
}

int lyra_dec_sub(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	return addsub(a, b, 1, out);
}

static int unary_fail(const char *verb, struct lyra_dec a, const char *why)
{
	char x[LYRA_DEC_STRLEN];

	lyra_dec_format(a, x);
	return lyra_error(LYRA_EX_DATAERR, "cannot %s '%s': %s", verb, x, why);
}

int lyra_dec_neg(struct lyra_dec a, struct lyra_dec *out)
{
	if (!scale_ok(a.scale))
		return bad_scale(a.scale);
	if (a.mant == INT64_MIN)
		return unary_fail("negate", a, "result out of range");
	out->mant = -a.mant;
	out->scale = a.scale;
	return 0;
}

int lyra_dec_abs(struct lyra_dec a, struct lyra_dec *out)
{
	if (!scale_ok(a.scale))
		return bad_scale(a.scale);
	if (a.mant == INT64_MIN)
		return unary_fail("take the absolute value of", a, "result out of range");
	out->mant = a.mant < 0 ? -a.mant : a.mant;
	out->scale = a.scale;
	return 0;
}

static int check_args(struct lyra_dec a, struct lyra_dec b, int scale, enum lyra_round mode)
{
	if (!scale_ok(a.scale))
		return bad_scale(a.scale);
	if (!scale_ok(b.scale))
		return bad_scale(b.scale);
	if (!scale_ok(scale))
		return bad_scale(scale);
	if (!mode_ok(mode))
		return bad_mode(mode);
	return 0;
}

static int muldiv_fail(const char *verb, struct lyra_dec a, struct lyra_dec b, int scale, int inexact)
{
	char why[64];

	if (inexact)
		snprintf(why, sizeof why, "result not exact at scale %d", scale);
	else
		snprintf(why, sizeof why, "result out of range at scale %d", scale);
	return binary_fail(verb, a, "by", b, why);
}

int lyra_dec_mul(struct lyra_dec a, struct lyra_dec b, int scale, enum lyra_round mode,
                 struct lyra_dec *out)
{
	int neg = (a.mant < 0) != (b.mant < 0), k, bump;
	unsigned __int128 p;

	if (check_args(a, b, scale, mode) < 0)
		return -1;
	p = (unsigned __int128)mag(a.mant) * mag(b.mant);
	k = a.scale + b.scale - scale;
	if (k < 0) {
		if (p > MAG_MIN)
			return muldiv_fail("multiply", a, b, scale, 0);
		p *= p10[-k];
	} else if (k > 0) {
		unsigned __int128 q, r, d;
		if (!(p >> 64) && k <= 19) {
			uint64_t lo = (uint64_t)p, dd = p10[k];
			q = lo / dd;
			r = lo % dd;
			d = dd;
		} else {
			d = pow10_128(k);
			q = p / d;
			r = p % d;
		}
		bump = round_bump(q, r, d, neg, mode);
		if (bump < 0)
			return muldiv_fail("multiply", a, b, scale, 1);
		p = q + (unsigned)bump;
	}
	if (store(neg, p, scale, out) < 0)
		return muldiv_fail("multiply", a, b, scale, 0);
	return 0;
}

int lyra_dec_mul_exact(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	int scale = a.scale + b.scale;

	if (!scale_ok(a.scale))
		return bad_scale(a.scale);
	if (!scale_ok(b.scale))
		return bad_scale(b.scale);
	if (scale > LYRA_DEC_MAX_SCALE)
		scale = LYRA_DEC_MAX_SCALE;
	return lyra_dec_mul(a, b, scale, LYRA_ROUND_EXACT, out);
}

int lyra_dec_div(struct lyra_dec a, struct lyra_dec b, int scale, enum lyra_round mode,
                 struct lyra_dec *out)
{
	int neg = (a.mant < 0) != (b.mant < 0), k, bump;
	unsigned __int128 q, r, d;

	if (check_args(a, b, scale, mode) < 0)
		return -1;
	if (b.mant == 0)
		return binary_fail("divide", a, "by", b, "division by zero");
	k = scale + b.scale - a.scale;
	d = mag(b.mant);
	if (k < 0) {
		d *= p10[-k];
		k = 0;
	}
	q = mag(a.mant) / d;
	r = mag(a.mant) % d;
	while (k > 0) {
		int step = k < 18 ? k : 18;
		if (q > MAG_MIN)
			return muldiv_fail("divide", a, b, scale, 0);
		q *= p10[step];
		r *= p10[step];
		q += r / d;
		r %= d;
		k -= step;
	}
	bump = round_bump(q, r, d, neg, mode);
	if (bump < 0)
		return muldiv_fail("divide", a, b, scale, 1);
	if (store(neg, q + (unsigned)bump, scale, out) < 0)
		return muldiv_fail("divide", a, b, scale, 0);
	return 0;
}

int lyra_dec_rescale(struct lyra_dec a, int scale, enum lyra_round mode, struct lyra_dec *out)
{
	char x[LYRA_DEC_STRLEN];
	int neg = a.mant < 0, k, bump;
	unsigned __int128 m = mag(a.mant);

	if (!scale_ok(a.scale))
		return bad_scale(a.scale);
	if (!scale_ok(scale))
		return bad_scale(scale);
	if (!mode_ok(mode))
		return bad_mode(mode);
	k = a.scale - scale;
	if (k < 0) {
		m *= p10[-k];
	} else if (k > 0) {
		uint64_t lo = (uint64_t)m, q = lo / p10[k], r = lo % p10[k];
		bump = round_bump(q, r, p10[k], neg, mode);
		if (bump < 0) {
			lyra_dec_format(a, x);
			return lyra_error(LYRA_EX_DATAERR,
			                  "cannot rescale '%s' to %d digits: digits would be lost", x, scale);
		}
		m = q + (unsigned)bump;
	}
	if (store(neg, m, scale, out) < 0) {
		lyra_dec_format(a, x);
		return lyra_error(LYRA_EX_DATAERR, "cannot rescale '%s' to %d digits: result out of range",
		                  x, scale);
	}
	return 0;
}

struct lyra_dec lyra_dec_normalize(struct lyra_dec a)
{
	a.scale = clamp_scale(a.scale);
	if (a.mant == 0) {
		a.scale = 0;
		return a;
	}
	while (a.scale > 0 && a.mant % 10 == 0) {
		a.mant /= 10;
		a.scale--;
	}
	return a;
}

int lyra_dec_round_to(struct lyra_dec a, struct lyra_dec step, enum lyra_round mode,
                      struct lyra_dec *out)
{
	unsigned __int128 x, t, q, r;
	int s, bump;

	if (!scale_ok(a.scale))
		return bad_scale(a.scale);
	if (!scale_ok(step.scale))
		return bad_scale(step.scale);
	if (!mode_ok(mode))
		return bad_mode(mode);
	if (step.mant <= 0)
		return binary_fail("round", a, "to step", step, "step must be positive");
	s = a.scale > step.scale ? a.scale : step.scale;
	x = (unsigned __int128)mag(a.mant) * p10[s - a.scale];
	t = (unsigned __int128)(uint64_t)step.mant * p10[s - step.scale];
	q = x / t;
	r = x % t;
	bump = round_bump(q, r, t, a.mant < 0, mode);
	if (bump < 0)
		return binary_fail("round", a, "to step", step, "not a multiple of the step");
	/* A multiple of the step needs no more digits than the step: carry the step's scale. */
	if (store(a.mant < 0, (q + (unsigned)bump) * (uint64_t)step.mant, step.scale, out) < 0)
		return binary_fail("round", a, "to step", step, "result out of range");
	return 0;
}

int lyra_dec_is_multiple(struct lyra_dec a, struct lyra_dec step)
{
	int sa = clamp_scale(a.scale), st = clamp_scale(step.scale), s;

	if (step.mant <= 0)
		return 0;
	s = sa > st ? sa : st;
	return (unsigned __int128)mag(a.mant) * p10[s - sa] %
	       ((unsigned __int128)(uint64_t)step.mant * p10[s - st]) == 0;
}

int lyra_round_parse(const char *name, enum lyra_round *out)
{
	static const struct {
		const char *name;
		enum lyra_round mode;
	} names[] = {
		{ "half-even", LYRA_ROUND_HALF_EVEN },
		{ "down", LYRA_ROUND_DOWN },
		{ "up", LYRA_ROUND_UP },
		{ "toward-zero", LYRA_ROUND_TRUNC },
		{ "trunc", LYRA_ROUND_TRUNC },
		{ "away", LYRA_ROUND_AWAY },
		{ "exact", LYRA_ROUND_EXACT },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].mode;
			return 0;
		}
	}
	return lyra_error(LYRA_EX_USAGE, "unknown rounding mode '%s': expected half-even, down, up, "
	                  "toward-zero, trunc, away or exact", name);
}
