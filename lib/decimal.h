/* decimal.h: exact fixed-point decimals for prices, quantities, fees and PnL. Never double.
 *
 * A value is mant * 10^-scale with a signed 64-bit mantissa and 0 <= scale <= LYRA_DEC_MAX_SCALE.
 * Scale is kept as sent ("0.00012300" has scale 8 and prints back the same); comparison ignores
 * it. Intermediates are 128-bit. Every operation that cannot represent its result exactly
 * (overflow, or more digits than the scale allows without a rounding mode) fails with -1 and a
 * message in error.h; nothing ever wraps. */
#ifndef LYRA_DECIMAL_H
#define LYRA_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define LYRA_DEC_MAX_SCALE 18
#define LYRA_DEC_STRLEN 48     /* enough for any formatted value plus NUL */

struct lyra_dec {
	int64_t mant;  /* signed mantissa */
	int scale;     /* digits after the point, 0..18 */
};

enum lyra_round {
	LYRA_ROUND_HALF_EVEN, /* banker's rounding: ties to the even digit */
	LYRA_ROUND_DOWN,      /* toward negative infinity (floor) */
	LYRA_ROUND_UP,        /* toward positive infinity (ceiling) */
	LYRA_ROUND_TRUNC,     /* toward zero */
	LYRA_ROUND_AWAY,      /* away from zero */
	LYRA_ROUND_EXACT,     /* no rounding allowed: fail if digits would be lost */
};

/* Parse exactly len bytes of s: optional sign, digits with an optional '.', optional exponent
 * ("1e-5", "1.5E+3"). Accepts what exchanges send: "0.00012300", "-3", "43250.5", ".5", "5.".
 * Trailing zeros beyond scale 18 are dropped; any other loss of digits, overflow, empty input,
 * stray bytes, "nan", "inf" fail with -1 (code LYRA_EX_DATAERR). */
int lyra_dec_parse(const char *s, size_t len, struct lyra_dec *out);
/* lyra_dec_parse on a NUL-terminated string. */
int lyra_dec_parse_cstr(const char *s, struct lyra_dec *out);

/* Format into buf (at least LYRA_DEC_STRLEN bytes): plain notation, never an exponent, exactly
 * `scale` digits after the point (none and no point when scale is 0), '-' for negatives, no '+'.
 * Returns the length written. */
int lyra_dec_format(struct lyra_dec d, char *buf);
/* Same, but trailing fractional zeros (and a bare point) removed: "1.50" -> "1.5", "2.00" -> "2". */
int lyra_dec_format_trim(struct lyra_dec d, char *buf);

struct lyra_dec lyra_dec_from_int(int64_t v);
/* Whole part if the value is an integer that fits (no rounding); -1 otherwise. */
int lyra_dec_to_int(struct lyra_dec d, int64_t *out);

int lyra_dec_cmp(struct lyra_dec a, struct lyra_dec b);   /* -1, 0, 1; exact, scale ignored */
int lyra_dec_sign(struct lyra_dec a);                      /* -1, 0, 1 */
int lyra_dec_is_zero(struct lyra_dec a);
struct lyra_dec lyra_dec_zero(void);

/* Exact arithmetic: result scale is max(a.scale, b.scale); -1 on overflow. */
int lyra_dec_add(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out);
int lyra_dec_sub(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out);
/* -1 only when a is INT64_MIN's mantissa. */
int lyra_dec_neg(struct lyra_dec a, struct lyra_dec *out);
int lyra_dec_abs(struct lyra_dec a, struct lyra_dec *out);

/* a*b, computed exactly in 128 bits then rounded to `scale` digits with `mode`; -1 on overflow
 * or (LYRA_ROUND_EXACT) inexact result. Use lyra_dec_mul_exact for scale a.scale+b.scale. */
int lyra_dec_mul(struct lyra_dec a, struct lyra_dec b, int scale, enum lyra_round mode,
                 struct lyra_dec *out);
int lyra_dec_mul_exact(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out);
/* a/b rounded to `scale` digits with `mode`; -1 on division by zero (code LYRA_EX_DATAERR),
 * overflow, or inexact with LYRA_ROUND_EXACT. */
int lyra_dec_div(struct lyra_dec a, struct lyra_dec b, int scale, enum lyra_round mode,
                 struct lyra_dec *out);

/* Change the scale; widening is exact, narrowing rounds with mode. -1 on overflow/inexact. */
int lyra_dec_rescale(struct lyra_dec a, int scale, enum lyra_round mode, struct lyra_dec *out);
/* Drop trailing fractional zeros (smallest scale with the same value). */
struct lyra_dec lyra_dec_normalize(struct lyra_dec a);

/* Round a to a multiple of step (tick size or lot size, step > 0) with mode; the result carries
 * step's scale (a multiple of the step never needs more digits). -1 on step <= 0, overflow, or
 * inexact with EXACT.
 * Example: px 43250.537 tick 0.01 DOWN -> 43250.53; qty 1.23456789 lot 0.001 TRUNC -> 1.234. */
int lyra_dec_round_to(struct lyra_dec a, struct lyra_dec step, enum lyra_round mode,
                      struct lyra_dec *out);
/* 1 if a is an exact multiple of step (step > 0), else 0. */
int lyra_dec_is_multiple(struct lyra_dec a, struct lyra_dec step);

/* Parse "half-even", "down", "up", "toward-zero"/"trunc", "away", "exact"; -1 when unknown. */
int lyra_round_parse(const char *name, enum lyra_round *out);

#endif
