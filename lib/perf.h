/* perf.h: trading performance statistics over an equity series, and the calendar buckets (day,
 * ISO week, month in a time zone) that PnL is reported in. Money (equity, drawdown, average win
 * and loss) stays exact lyra_dec; only ratios (returns, volatility, Sharpe, Sortino, win rate,
 * profit factor) are double, and they are printed with lyra_perf_fmt so every output agrees to
 * the digit. */
#ifndef LYRA_PERF_H
#define LYRA_PERF_H

#include <stddef.h>
#include <stdint.h>
#include "decimal.h"

/* ---- time zones and calendar buckets ---- */

enum lyra_tz_kind { LYRA_TZ_UTC, LYRA_TZ_SYDNEY, LYRA_TZ_OFFSET };

struct lyra_tz {
	enum lyra_tz_kind kind;
	int offset_min;         /* LYRA_TZ_OFFSET: minutes east of UTC */
	char name[24];          /* as given, for reports: "UTC", "Australia/Sydney", "+10:00" */
};

/* Parse "UTC" (also "Z", "Etc/UTC"), "Australia/Sydney" (the rules of cgt.h) or a fixed offset
 * "+10:00", "-0530", "+10". 0, or -1 (LYRA_EX_USAGE) otherwise. */
int lyra_tz_parse(const char *s, struct lyra_tz *out);
/* The local civil day (days since 1970-01-01) of a UTC timestamp in microseconds. */
int64_t lyra_tz_day(const struct lyra_tz *tz, int64_t ts_us);
/* The UTC timestamp (microseconds) of local midnight starting the given local day. */
int64_t lyra_tz_day_start(const struct lyra_tz *tz, int64_t day);

enum lyra_period { LYRA_PERIOD_DAY, LYRA_PERIOD_WEEK, LYRA_PERIOD_MONTH };

/* The bucket name of a local day: "2025-07-02", ISO 8601 week "2025-W27" (weeks start on
 * Monday; week 1 holds the year's first Thursday, so 2024-12-30 is "2025-W01"), or "2025-07".
 * buf needs at least 16 bytes. */
void lyra_period_key(enum lyra_period p, int64_t day, char *buf);
/* ISO 8601 week-numbering year and week (1..53) of a day. */
void lyra_iso_week(int64_t day, int *year, int *week);

/* ---- equity series ---- */

struct lyra_perf_series {
	size_t returns;             /* number of period returns (points - 1) */
	int has_returns;            /* 0 when fewer than 2 points or equity not always > 0 */
	double total_return;        /* E[n-1] / E[0] - 1 */
	double annual_return;       /* (1 + total)^(ppy / returns) - 1 */
	double volatility;          /* sample standard deviation of the returns * sqrt(ppy) */
	double sharpe;              /* (mean - rf/ppy) / sd * sqrt(ppy); has_sharpe 0 when sd is 0
	                               (below 1e-12: equal returns differ by rounding only) */
	double sortino;             /* (mean - rf/ppy) / dd * sqrt(ppy), dd = sqrt(sum(min(0,
	                               r - rf/ppy)^2) / returns); has_sortino 0 when dd is 0 */
	int has_volatility, has_sharpe, has_sortino;
	struct lyra_dec max_drawdown;    /* largest fall from a running peak, quote units, >= 0 */
	double max_drawdown_pct;         /* largest (peak - E) / peak; 0 without a positive peak */
	int64_t max_drawdown_periods;    /* longest time below a previous peak: periods from that
	                                    peak to the point that regains it, or to the end */
};

/* Statistics of the equity values e[0..n) taken once per period, with an annual risk-free rate
 * rf (0.04 = 4%) and ppy periods per year (365 for daily crypto). 0, or -1 (LYRA_EX_DATAERR) on
 * a decimal overflow in the drawdown. */
int lyra_perf_series_stats(const struct lyra_dec *e, size_t n, double rf, double ppy,
                           struct lyra_perf_series *out);

/* ---- closed trades ---- */

struct lyra_perf_trades {
	int64_t wins, losses, flat;      /* closing fills by sign of their realised PnL */
	struct lyra_dec gross_win;       /* sum of winning PnL, >= 0 */
	struct lyra_dec gross_loss;      /* sum of losing PnL as a positive amount */
};

void lyra_perf_trades_init(struct lyra_perf_trades *t);
/* Count one closed trade (a fill that realised pnl). 0, or -1 (LYRA_EX_DATAERR) on overflow. */
int lyra_perf_trades_add(struct lyra_perf_trades *t, struct lyra_dec pnl);
/* Win rate wins / (wins + losses) (flat trades left out) and profit factor gross_win /
 * gross_loss; 0 when undefined (no decided trade, no loss), 1 when defined. */
int lyra_perf_win_rate(const struct lyra_perf_trades *t, double *out);
int lyra_perf_profit_factor(const struct lyra_perf_trades *t, double *out);
/* Average win (gross_win / wins) and average loss (-gross_loss / losses), rounded half-even to
 * 8 digits, trailing zeros removed; 0 when there is none. 0 or -1. */
int lyra_perf_avg_win(const struct lyra_perf_trades *t, struct lyra_dec *out);
int lyra_perf_avg_loss(const struct lyra_perf_trades *t, struct lyra_dec *out);

/* A statistic as text: rounded to 6 decimals, trailing zeros removed, never "-0" (buf at least
 * 40 bytes). Every output of a statistic goes through this, so tables, records and the HTML
 * report agree exactly. */
void lyra_perf_fmt(double x, char *buf);

#endif
