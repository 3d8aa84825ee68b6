/* clock.c: lyra's notion of time. ISO 8601 parsing and formatting done by hand on the proleptic
 * Gregorian calendar (Howard Hinnant's days_from_civil / civil_from_days), so the result never
 * depends on TZ or locale; duration parsing; the wall and event clocks behind clock.h. */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "error.h"

#define US_PER_MIN (60 * LYRA_US_PER_SEC)
#define US_PER_HOUR (3600 * LYRA_US_PER_SEC)
#define US_PER_DAY (86400 * LYRA_US_PER_SEC)

#define TIME_HINT "expected ISO 8601 like 2026-11-01T12:00:00Z"
#define DURATION_HINT "expected <integer><unit>... like 4h, 1h30m or 500ms (units us ms s m h d w)"

int64_t lyra_time_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * LYRA_US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t lyra_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	unsigned yoe = (unsigned)(yy - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void lyra_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
	/* era = floor((days + 719468) / 146097), computed without overflowing near INT64 limits */
	int64_t q = days / 146097, r = days % 146097 + 719468;
	int64_t era = q + (r >= 0 ? r / 146097 : (r - 146096) / 146097);
	int64_t rem = r - (era - q) * 146097;
	unsigned doe = (unsigned)rem;
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mm;
	*y = (int)((int64_t)yoe + era * 400 + (mm <= 2));
}

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at *p; advances *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdig((*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int parse_epoch_us(const char *s, int64_t *us)
{
	const char *p = s;
	int neg = *p == '-';
	int64_t v = 0;
	if (neg)
		p++;
	for (; *p; p++) {
		int dg = *p - '0';
		if (__builtin_mul_overflow(v, 10, &v) ||
		    (neg ? __builtin_sub_overflow(v, dg, &v) : __builtin_add_overflow(v, dg, &v)))
			return lyra_error(LYRA_EX_USAGE,
			                  "invalid time '%s': microseconds since the epoch out of range", s);
	}
	*us = v;
	return 0;
}

/* Everything made of an optional '-' and at least one digit is microseconds since the epoch. */
static int all_digits(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdig(*s))
			return 0;
	return 1;
}

int lyra_time_parse(const char *s, int64_t *us)
{
	const char *p = s;
	int64_t year, t;
	int mon, day, hh = 0, mi = 0, ss = 0, off = 0, v;
	int64_t frac = 0;

	if (!s || !*s)
		return lyra_error(LYRA_EX_USAGE, "invalid time '': " TIME_HINT);
	if (all_digits(s))
		return parse_epoch_us(s, us);

	/* year: exactly 4 digits, or a sign and 4 to 6 digits (ISO 8601 expanded years) */
	if (*p == '+' || *p == '-') {
		int neg = *p++ == '-', n = 0;
		year = 0;
		while (n < 7 && isdig(p[n]))
			year = year * 10 + (p[n++] - '0');
		if (n < 4 || n > 6)
			goto bad;
		p += n;
		if (neg)
			year = -year;
	} else {
		if (digits(&p, 4, &v) < 0)
			goto bad;
		year = v;
	}
	if (*p++ != '-' || digits(&p, 2, &mon) < 0 || *p++ != '-' || digits(&p, 2, &day) < 0)
		goto bad;
	if (mon < 1 || mon > 12)
		return lyra_error(LYRA_EX_USAGE, "invalid time '%s': month %02d out of range 01-12", s, mon);
	if (day < 1 || (unsigned)day > days_in_month(year, (unsigned)mon))
		return lyra_error(LYRA_EX_USAGE, "invalid time '%s': day %02d out of range for %04lld-%02d",
		                  s, day, (long long)year, mon);

	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &hh) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &ss) < 0)
				goto bad;
			if (*p == '.') {
				int n = 0;
				p++;
				while (isdig(p[n])) {
					if (n == 9)
						return lyra_error(LYRA_EX_USAGE,
						                  "invalid time '%s': more than 9 fraction digits", s);
					if (n < 6)
						frac = frac * 10 + (p[n] - '0');
					n++;
				}
				if (n == 0)
					goto bad;
				for (int i = n; i < 6; i++)
					frac *= 10;
				p += n;
			}
		}
		if (hh > 23)
			return lyra_error(LYRA_EX_USAGE, "invalid time '%s': hour %02d out of range 00-23", s, hh);
		if (mi > 59)
			return lyra_error(LYRA_EX_USAGE, "invalid time '%s': minute %02d out of range 00-59", s, mi);
		if (ss == 60)
			return lyra_error(LYRA_EX_USAGE,
			                  "invalid time '%s': second 60 is a leap second, which is not representable", s);
		if (ss > 59)
			return lyra_error(LYRA_EX_USAGE, "invalid time '%s': second %02d out of range 00-59", s, ss);

		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if (digits(&p, 2, &oh) < 0)
				goto bad;
			if (*p == ':') {
				p++;
				if (digits(&p, 2, &om) < 0)
					goto bad;
			} else if (isdig(*p)) {
				if (digits(&p, 2, &om) < 0)
					goto bad;
			}
			if (oh > 23 || om > 59)
				return lyra_error(LYRA_EX_USAGE, "invalid time '%s': zone offset out of range", s);
			off = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p)
		goto bad;

	/* seconds cannot overflow for |year| < 10^6; borrow a second so that the earliest
	 * representable times (negative seconds, positive fraction) do not overflow on the way */
	t = lyra_days_from_civil((int)year, (unsigned)mon, (unsigned)day) * 86400 +
	    hh * 3600 + mi * 60 + ss - off;
	if (t < 0 && frac > 0) {
		t++;
		frac -= LYRA_US_PER_SEC;
	}
	if (__builtin_mul_overflow(t, LYRA_US_PER_SEC, &t) || __builtin_add_overflow(t, frac, &t))
		return lyra_error(LYRA_EX_USAGE, "invalid time '%s': out of range", s);
	*us = t;
	return 0;
bad:
	return lyra_error(LYRA_EX_USAGE, "invalid time '%s': " TIME_HINT, s);
}

static char *put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

int lyra_time_format(int64_t us, char *buf, size_t n)
{
	char tmp[32], *o = tmp;
	int64_t secs = us / LYRA_US_PER_SEC, sub = us % LYRA_US_PER_SEC;
	int64_t days, sod;
	int y;
	unsigned m, d;

	if (sub < 0) {
		sub += LYRA_US_PER_SEC;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	lyra_civil_from_days(days, &y, &m, &d);

	if (y < 0 || y > 9999) {
		char rev[12];
		int k = 0;
		unsigned ay = y < 0 ? (unsigned)-(int64_t)y : (unsigned)y;
		*o++ = y < 0 ? '-' : '+';
		do {
			rev[k++] = (char)('0' + ay % 10);
			ay /= 10;
		} while (ay);
		while (k < 4)
			rev[k++] = '0';
		while (k)
			*o++ = rev[--k];
	} else {
		o = put2(o, (unsigned)y / 100);
		o = put2(o, (unsigned)y % 100);
	}
	*o++ = '-';
	o = put2(o, m);
	*o++ = '-';
	o = put2(o, d);
	*o++ = 'T';
	o = put2(o, (unsigned)(sod / 3600));
	*o++ = ':';
	o = put2(o, (unsigned)(sod / 60 % 60));
	*o++ = ':';
	o = put2(o, (unsigned)(sod % 60));
	if (sub) {
		unsigned f = (unsigned)sub;
		*o++ = '.';
		for (int i = 5; i >= 0; i--) {
			o[i] = (char)('0' + f % 10);
			f /= 10;
		}
		o += 6;
	}
	*o++ = 'Z';
	*o = '\0';

	size_t len = (size_t)(o - tmp);
	if (len >= n) {
		if (n)
			buf[0] = '\0';
		return -1;
	}
	memcpy(buf, tmp, len + 1);
	return (int)len;
}

int lyra_duration_parse(const char *s, int64_t *us)
{
	const char *p = s;
	int64_t total = 0;

	if (!s || !*s)
		return lyra_error(LYRA_EX_USAGE, "invalid duration '': " DURATION_HINT);
	if (*s == '-')
		return lyra_error(LYRA_EX_USAGE, "invalid duration '%s': durations cannot be negative", s);
	if (all_digits(s)) {
		int64_t v = 0;
		for (; *p; p++)
			if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
				goto overflow;
		if (__builtin_mul_overflow(v, LYRA_US_PER_SEC, &v))
			goto overflow;
		*us = v;
		return 0;
	}
	while (*p) {
		int64_t v = 0, unit;
		const char *start = p;
		for (; isdig(*p); p++)
			if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
				goto overflow;
		if (p == start)
			return lyra_error(LYRA_EX_USAGE, "invalid duration '%s': missing number before '%c'",
			                  s, *p);
		if (*p == '.' || *p == ',')
			return lyra_error(LYRA_EX_USAGE,
			                  "invalid duration '%s': fractions are not supported, use whole units like 1h30m", s);
		if (p[0] == 'u' && p[1] == 's') {
			unit = 1;
			p += 2;
		} else if (p[0] == 'm' && p[1] == 's') {
			unit = 1000;
			p += 2;
		} else if (*p == 's') {
			unit = LYRA_US_PER_SEC;
			p++;
		} else if (*p == 'm') {
			unit = US_PER_MIN;
			p++;
		} else if (*p == 'h') {
			unit = US_PER_HOUR;
			p++;
		} else if (*p == 'd') {
			unit = US_PER_DAY;
			p++;
		} else if (*p == 'w') {
			unit = 7 * US_PER_DAY;
			p++;
		} else if (!*p) {
			return lyra_error(LYRA_EX_USAGE, "invalid duration '%s': missing unit after '%s'",
			                  s, start);
		} else {
			return lyra_error(LYRA_EX_USAGE, "invalid duration '%s': unknown unit at '%s' (units us ms s m h d w)",
			                  s, p);
		}
		if (__builtin_mul_overflow(v, unit, &v) || __builtin_add_overflow(total, v, &total))
			goto overflow;
	}
	*us = total;
	return 0;
overflow:
	return lyra_error(LYRA_EX_USAGE, "invalid duration '%s': too large", s);
}

void lyra_clock_init(struct lyra_clock *c, enum lyra_clock_kind kind)
{
	c->kind = kind;
	c->now = 0;
}

int64_t lyra_clock_now(const struct lyra_clock *c)
{
	return c->kind == LYRA_CLOCK_EVENT ? c->now : lyra_time_now_us();
}

void lyra_clock_observe(struct lyra_clock *c, int64_t ts)
{
	if (c->kind == LYRA_CLOCK_EVENT && ts > c->now)
		c->now = ts;
}

int64_t lyra_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * LYRA_US_PER_SEC + ts.tv_nsec / 1000;
}
