/* perf.c: performance statistics and calendar buckets (see perf.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgt.h"
#include "clock.h"
#include "error.h"
#include "perf.h"

#define US_PER_DAY (86400 * LYRA_US_PER_SEC)

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a - 1) / b) - 1;
}

int lyra_tz_parse(const char *s, struct lyra_tz *out)
{
	memset(out, 0, sizeof *out);
	if (!s || !*s)
		return lyra_error(LYRA_EX_USAGE, "empty time zone");
	if (strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0 || strcmp(s, "Etc/UTC") == 0) {
		out->kind = LYRA_TZ_UTC;
		snprintf(out->name, sizeof out->name, "UTC");
		return 0;
	}
	if (strcmp(s, "Australia/Sydney") == 0) {
		out->kind = LYRA_TZ_SYDNEY;
		snprintf(out->name, sizeof out->name, "Australia/Sydney");
		return 0;
	}
	if ((s[0] == '+' || s[0] == '-') && strlen(s) <= 6) {
		int h = 0, m = 0, n = 0;
		const char *p = s + 1;
		char tail;
		if (sscanf(p, "%2d:%2d%n%c", &h, &m, &n, &tail) == 2 && (size_t)n == strlen(p) &&
		    strlen(p) == 5) {
			/* +HH:MM */
		} else if (strlen(p) == 4 && strspn(p, "0123456789") == 4) {
			h = (p[0] - '0') * 10 + (p[1] - '0');
			m = (p[2] - '0') * 10 + (p[3] - '0');
		} else if (strlen(p) == 2 && strspn(p, "0123456789") == 2) {
			h = (p[0] - '0') * 10 + (p[1] - '0');
			m = 0;
		} else {
			goto bad;
		}
		if (h > 14 || m > 59 || h < 0 || m < 0)
			goto bad;
		out->kind = LYRA_TZ_OFFSET;
		out->offset_min = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
		snprintf(out->name, sizeof out->name, "%c%02d:%02d", s[0], h, m);
		return 0;
	}
bad:
	return lyra_error(LYRA_EX_USAGE, "time zone '%s' is not UTC, Australia/Sydney or an offset"
	                  " like +10:00", s);
}

int64_t lyra_tz_day(const struct lyra_tz *tz, int64_t ts_us)
{
	switch (tz->kind) {
	case LYRA_TZ_SYDNEY:
		return lyra_cgt_sydney_day(ts_us);
	case LYRA_TZ_OFFSET:
		return floor_div(ts_us + (int64_t)tz->offset_min * 60 * LYRA_US_PER_SEC, US_PER_DAY);
	default:
		return floor_div(ts_us, US_PER_DAY);
	}
}

int64_t lyra_tz_day_start(const struct lyra_tz *tz, int64_t day)
{
	if (tz->kind == LYRA_TZ_OFFSET)
		return day * US_PER_DAY - (int64_t)tz->offset_min * 60 * LYRA_US_PER_SEC;
	if (tz->kind == LYRA_TZ_SYDNEY) {
		/* local midnight is never inside a change (they happen at 02:00 and 03:00), so it is
		 * the one of UTC+10 and UTC+11 after which the Sydney date is the day and before
		 * which it is the day before */
		for (int off = 10; off <= 11; off++) {
			int64_t ts = day * US_PER_DAY - (int64_t)off * 3600 * LYRA_US_PER_SEC;
			if (lyra_cgt_sydney_day(ts) == day && lyra_cgt_sydney_day(ts - 1) == day - 1)
				return ts;
		}
	}
	return day * US_PER_DAY;
}

void lyra_iso_week(int64_t day, int *year, int *week)
{
	/* 1970-01-01 was a Thursday; Monday is 0: the week's Thursday names its year */
	int64_t dow = day + 3 - floor_div(day + 3, 7) * 7;
	int64_t thursday = day - dow + 3;
	int y;
	unsigned m, d;
	lyra_civil_from_days(thursday, &y, &m, &d);
	*year = y;
	*week = (int)((thursday - lyra_days_from_civil(y, 1, 1)) / 7 + 1);
}

void lyra_period_key(enum lyra_period p, int64_t day, char *buf)
{
	int y, w;
	unsigned m, d;
	if (p == LYRA_PERIOD_WEEK) {
		lyra_iso_week(day, &y, &w);
		snprintf(buf, 16, "%04d-W%02d", y % 10000, w % 100);
		return;
	}
	lyra_civil_from_days(day, &y, &m, &d);
	if (p == LYRA_PERIOD_MONTH)
		snprintf(buf, 16, "%04d-%02u", y % 10000, m % 100);
	else
		snprintf(buf, 16, "%04d-%02u-%02u", y % 10000, m % 100, d % 100);
}

static double dec_double(struct lyra_dec d)
{
	return (double)d.mant / pow(10.0, d.scale);
}

int lyra_perf_series_stats(const struct lyra_dec *e, size_t n, double rf, double ppy,
                           struct lyra_perf_series *out)
{
	struct lyra_dec peak, dd;
	size_t peak_i = 0;
	int under = 0;
	double sum = 0, mean, ss = 0, down = 0, rfp = rf / ppy;

	memset(out, 0, sizeof *out);
	out->max_drawdown = lyra_dec_zero();
	if (n == 0)
		return 0;
	/* drawdown, exact */
	peak = e[0];
	for (size_t i = 1; i < n; i++) {
		if (lyra_dec_cmp(e[i], peak) >= 0) {
			if (under && (int64_t)(i - peak_i) > out->max_drawdown_periods)
				out->max_drawdown_periods = (int64_t)(i - peak_i);
			under = 0;
			peak = e[i];
			peak_i = i;
			continue;
		}
		under = 1;
		if (lyra_dec_sub(peak, e[i], &dd) != 0)
			return lyra_error(LYRA_EX_DATAERR, "drawdown out of range");
		if (lyra_dec_cmp(dd, out->max_drawdown) > 0)
			out->max_drawdown = lyra_dec_normalize(dd);
		if (lyra_dec_sign(peak) > 0 && dec_double(dd) / dec_double(peak) > out->max_drawdown_pct)
			out->max_drawdown_pct = dec_double(dd) / dec_double(peak);
	}
	if (under && (int64_t)(n - 1 - peak_i) > out->max_drawdown_periods)
		out->max_drawdown_periods = (int64_t)(n - 1 - peak_i);
	/* returns */
	out->returns = n - 1;
	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lyra_dec_sign(e[i]) <= 0)
			return 0;
	out->has_returns = 1;
	for (size_t i = 1; i < n; i++)
		sum += dec_double(e[i]) / dec_double(e[i - 1]) - 1;
	mean = sum / (double)(n - 1);
	for (size_t i = 1; i < n; i++) {
		double r = dec_double(e[i]) / dec_double(e[i - 1]) - 1, x = r - rfp;
		ss += (r - mean) * (r - mean);
		if (x < 0)
			down += x * x;
	}
	out->total_return = dec_double(e[n - 1]) / dec_double(e[0]) - 1;
	out->annual_return = pow(1 + out->total_return, ppy / (double)(n - 1)) - 1;
	if (n > 2) {
		double sd = sqrt(ss / (double)(n - 2));
		out->has_volatility = 1;
		out->volatility = sd * sqrt(ppy);
		if (sd > 1e-12) {   /* equal returns differ by rounding noise only */
			out->has_sharpe = 1;
			out->sharpe = (mean - rfp) / sd * sqrt(ppy);
		}
	}
	down = sqrt(down / (double)(n - 1));
	if (down > 1e-12) {
		out->has_sortino = 1;
		out->sortino = (mean - rfp) / down * sqrt(ppy);
	}
	return 0;
}

void lyra_perf_trades_init(struct lyra_perf_trades *t)
{
	memset(t, 0, sizeof *t);
	t->gross_win = t->gross_loss = lyra_dec_zero();
}

int lyra_perf_trades_add(struct lyra_perf_trades *t, struct lyra_dec pnl)
{
	struct lyra_dec neg;
	int s = lyra_dec_sign(pnl);
	if (s > 0) {
		if (lyra_dec_add(t->gross_win, pnl, &t->gross_win) != 0)
			return lyra_error(LYRA_EX_DATAERR, "trade totals out of range");
		t->gross_win = lyra_dec_normalize(t->gross_win);
		t->wins++;
	} else if (s < 0) {
		if (lyra_dec_neg(pnl, &neg) != 0 || lyra_dec_add(t->gross_loss, neg, &t->gross_loss) != 0)
			return lyra_error(LYRA_EX_DATAERR, "trade totals out of range");
		t->gross_loss = lyra_dec_normalize(t->gross_loss);
		t->losses++;
	} else {
		t->flat++;
	}
	return 0;
}

int lyra_perf_win_rate(const struct lyra_perf_trades *t, double *out)
{
	*out = 0;
	if (t->wins + t->losses == 0)
		return 0;
	*out = (double)t->wins / (double)(t->wins + t->losses);
	return 1;
}

int lyra_perf_profit_factor(const struct lyra_perf_trades *t, double *out)
{
	*out = 0;
	if (lyra_dec_is_zero(t->gross_loss))
		return 0;
	*out = dec_double(t->gross_win) / dec_double(t->gross_loss);
	return 1;
}

static int avg(struct lyra_dec total, int64_t n, int negate, struct lyra_dec *out)
{
	*out = lyra_dec_zero();
	if (n == 0)
		return 0;
	if (lyra_dec_div(total, lyra_dec_from_int(n), 8, LYRA_ROUND_HALF_EVEN, out) != 0 ||
	    (negate && lyra_dec_neg(*out, out) != 0))
		return -1;
	*out = lyra_dec_normalize(*out);
	return 0;
}

int lyra_perf_avg_win(const struct lyra_perf_trades *t, struct lyra_dec *out)
{
	return avg(t->gross_win, t->wins, 0, out);
}

int lyra_perf_avg_loss(const struct lyra_perf_trades *t, struct lyra_dec *out)
{
	return avg(t->gross_loss, t->losses, 1, out);
}

void lyra_perf_fmt(double x, char *buf)
{
	size_t n;
	if (!isfinite(x)) {
		snprintf(buf, 40, "0");
		return;
	}
	snprintf(buf, 40, "%.6f", x);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
}
