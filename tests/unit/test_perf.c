/* test_perf.c: the performance statistics of perf.h against values worked by hand, and the
 * calendar buckets (ISO weeks, months, time zones) PnL is reported in. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "decimal.h"
#include "perf.h"
#include "unit.h"

static struct lyra_dec D(const char *s)
{
	struct lyra_dec d;
	if (lyra_dec_parse_cstr(s, &d) != 0)
		abort();
	return d;
}

static const char *S(struct lyra_dec d)
{
	static char buf[8][LYRA_DEC_STRLEN];
	static int k;
	k = (k + 1) % 8;
	lyra_dec_format_trim(d, buf[k]);
	return buf[k];
}

static const char *F(double x)
{
	static char buf[8][40];
	static int k;
	k = (k + 1) % 8;
	lyra_perf_fmt(x, buf[k]);
	return buf[k];
}

static int64_t day_of(int y, unsigned m, unsigned d)
{
	return lyra_days_from_civil(y, m, d);
}

static const char *key(enum lyra_period p, int64_t day)
{
	static char buf[4][16];
	static int k;
	k = (k + 1) % 4;
	lyra_period_key(p, day, buf[k]);
	return buf[k];
}

static const char *iso(int64_t us)
{
	static char buf[4][40];
	static int k;
	k = (k + 1) % 4;
	lyra_time_format(us, buf[k], sizeof buf[k]);
	return buf[k];
}

static void test_series(void)
{
	/* Equity 100, 110, 99, 108.9, 119.79: returns +10%, -10%, +10%, +10%.
	 *   mean = (0.1 - 0.1 + 0.1 + 0.1) / 4 = 0.05
	 *   deviations 0.05, -0.15, 0.05, 0.05; squares 0.0025 + 0.0225 + 0.0025 + 0.0025 = 0.03
	 *   sample variance 0.03 / 3 = 0.01, sd = 0.1
	 * With 4 periods a year (so the annualisation is easy to check): sqrt(4) = 2
	 *   volatility = 0.1 * 2 = 0.2; Sharpe (rf 0) = 0.05 / 0.1 * 2 = 1
	 *   downside: only -0.1 is below 0: sqrt(0.01 / 4) = 0.05; Sortino = 0.05 / 0.05 * 2 = 2
	 *   total return 119.79 / 100 - 1 = 0.1979; annual (1.1979)^(4/4) - 1 = 0.1979
	 * With rf 4% a year, 1% a period: Sharpe (0.05 - 0.01) / 0.1 * 2 = 0.8; downside of
	 *   r - 0.01 = 0.09, -0.11, 0.09, 0.09: sqrt(0.0121 / 4) = 0.055; Sortino 0.04 / 0.055 * 2
	 *   = 1.4545454...
	 * Daily (365 a year): Sharpe = 0.5 * sqrt(365) = 9.5524865...; Sortino 19.1049731...
	 * Drawdown: peak 110, trough 99: 11 (10%); 108.9 is still under, 119.79 regains it: from
	 *   the peak (point 1) to point 4 is 3 periods. */
	struct lyra_dec e[] = { D("100"), D("110"), D("99"), D("108.9"), D("119.79") };
	struct lyra_perf_series s;
	CHECK(lyra_perf_series_stats(e, 5, 0, 4, &s) == 0, "series: computed");
	CHECK(s.has_returns && s.has_volatility && s.has_sharpe && s.has_sortino, "series: defined");
	CHECK_INT(s.returns, 4, "series: 4 returns");
	CHECK_STR(F(s.total_return), "0.1979", "series: total return");
	CHECK_STR(F(s.annual_return), "0.1979", "series: annual return at 4 periods a year");
	CHECK_STR(F(s.volatility), "0.2", "series: volatility");
	CHECK_STR(F(s.sharpe), "1", "series: sharpe");
	CHECK_STR(F(s.sortino), "2", "series: sortino");
	CHECK_STR(S(s.max_drawdown), "11", "series: max drawdown in money");
	CHECK_STR(F(s.max_drawdown_pct), "0.1", "series: max drawdown fraction");
	CHECK_INT(s.max_drawdown_periods, 3, "series: drawdown duration peak to recovery");
	lyra_perf_series_stats(e, 5, 0.04, 4, &s);
	CHECK_STR(F(s.sharpe), "0.8", "series: sharpe with a risk-free rate");
	CHECK_STR(F(s.sortino), "1.454545", "series: sortino with a risk-free rate");
	lyra_perf_series_stats(e, 5, 0, 365, &s);
	CHECK_STR(F(s.sharpe), "9.552487", "series: daily sharpe, sqrt(365)");
	CHECK_STR(F(s.sortino), "19.104973", "series: daily sortino");
	CHECK_STR(F(s.volatility), "1.910497", "series: daily volatility");

	/* 100, 120, 90, 100: the 30 fall from 120 (25%) is never regained: 2 periods to the end;
	 * returns 0.2, -0.25, 0.1111...; total 0 */
	struct lyra_dec f[] = { D("100"), D("120"), D("90"), D("100") };
	lyra_perf_series_stats(f, 4, 0, 365, &s);
	CHECK_STR(S(s.max_drawdown), "30", "unrecovered: drawdown");
	CHECK_STR(F(s.max_drawdown_pct), "0.25", "unrecovered: fraction");
	CHECK_INT(s.max_drawdown_periods, 2, "unrecovered: duration runs to the end");
	CHECK_STR(F(s.total_return), "0", "unrecovered: total return 0");

	/* flat, rising only, too short, and not positive */
	struct lyra_dec g[] = { D("50"), D("50"), D("50") };
	lyra_perf_series_stats(g, 3, 0, 365, &s);
	CHECK(s.has_volatility && !s.has_sharpe && !s.has_sortino, "flat: no sharpe, no sortino");
	CHECK_STR(F(s.volatility), "0", "flat: volatility 0");
	CHECK_INT(s.max_drawdown_periods, 0, "flat: no drawdown");
	struct lyra_dec h[] = { D("10"), D("11"), D("12.1") };
	lyra_perf_series_stats(h, 3, 0, 365, &s);
	CHECK(s.has_sharpe == 0 && s.has_sortino == 0, "steady rise: sd 0 and no downside");
	lyra_perf_series_stats(h, 1, 0, 365, &s);
	CHECK(!s.has_returns && s.returns == 0, "one point: no returns");
	struct lyra_dec k[] = { D("10"), D("-5"), D("10") };
	lyra_perf_series_stats(k, 3, 0, 365, &s);
	CHECK(!s.has_returns, "equity not positive: no returns");
	CHECK_STR(S(s.max_drawdown), "15", "equity not positive: drawdown still exact");
}

static void test_trades(void)
{
	/* +30, -10, -20, 0, +15: 2 wins, 2 losses, 1 flat; win rate 2/4; profit factor 45/30;
	 * average win 45/2, average loss -30/2 */
	struct lyra_perf_trades t;
	struct lyra_dec w, l;
	double x;
	const char *pnl[] = { "30", "-10", "-20", "0", "15.0" };
	lyra_perf_trades_init(&t);
	CHECK(lyra_perf_win_rate(&t, &x) == 0 && lyra_perf_profit_factor(&t, &x) == 0,
	      "trades: none, undefined");
	for (int i = 0; i < 5; i++)
		lyra_perf_trades_add(&t, D(pnl[i]));
	CHECK_INT(t.wins, 2, "trades: wins");
	CHECK_INT(t.losses, 2, "trades: losses");
	CHECK_INT(t.flat, 1, "trades: flat");
	CHECK(lyra_perf_win_rate(&t, &x) == 1, "trades: win rate defined");
	CHECK_STR(F(x), "0.5", "trades: win rate");
	CHECK(lyra_perf_profit_factor(&t, &x) == 1, "trades: profit factor defined");
	CHECK_STR(F(x), "1.5", "trades: profit factor");
	lyra_perf_avg_win(&t, &w);
	lyra_perf_avg_loss(&t, &l);
	CHECK_STR(S(w), "22.5", "trades: average win");
	CHECK_STR(S(l), "-15", "trades: average loss");
	/* 1/3 rounds half-even to 8 digits */
	lyra_perf_trades_init(&t);
	lyra_perf_trades_add(&t, D("1"));
	lyra_perf_trades_add(&t, D("0.5"));
	lyra_perf_trades_add(&t, D("0.5"));
	lyra_perf_trades_add(&t, D("-0.000000001"));
	lyra_perf_avg_win(&t, &w);
	CHECK_STR(S(w), "0.66666667", "trades: average rounded to 8 digits");
	CHECK(lyra_perf_profit_factor(&t, &x) == 1, "trades: tiny loss still a loss");
}

static void test_calendar(void)
{
	struct lyra_tz tz;
	/* ISO weeks: 2024-12-30 (a Monday) opens 2025's week 1; 2021-01-03 (a Sunday) is in 2020's
	 * week 53; 2027-01-01 (a Friday) is in 2026's week 53 (2026 starts on a Thursday) */
	CHECK_STR(key(LYRA_PERIOD_WEEK, day_of(2024, 12, 30)), "2025-W01", "week: Monday of week 1");
	CHECK_STR(key(LYRA_PERIOD_WEEK, day_of(2024, 12, 29)), "2024-W52", "week: the Sunday before");
	CHECK_STR(key(LYRA_PERIOD_WEEK, day_of(2021, 1, 3)), "2020-W53", "week: early January");
	CHECK_STR(key(LYRA_PERIOD_WEEK, day_of(2027, 1, 1)), "2026-W53", "week: 53-week year");
	CHECK_STR(key(LYRA_PERIOD_WEEK, day_of(2025, 7, 2)), "2025-W27", "week: mid-year");
	CHECK_STR(key(LYRA_PERIOD_WEEK, day_of(1969, 12, 29)), "1970-W01", "week: before the epoch");
	CHECK_STR(key(LYRA_PERIOD_MONTH, day_of(2025, 7, 31)), "2025-07", "month");
	CHECK_STR(key(LYRA_PERIOD_DAY, day_of(2025, 7, 31)), "2025-07-31", "day");

	CHECK(lyra_tz_parse("Europe/Paris", &tz) != 0, "tz: unknown name refused");
	CHECK(lyra_tz_parse("+25:00", &tz) != 0, "tz: bad offset refused");
	CHECK(lyra_tz_parse("UTC", &tz) == 0 && tz.kind == LYRA_TZ_UTC, "tz: UTC");
	CHECK_INT(lyra_tz_day(&tz, -1), -1, "tz: UTC day before the epoch");
	CHECK(lyra_tz_parse("-0530", &tz) == 0 && tz.offset_min == -330, "tz: -0530");
	CHECK_STR(tz.name, "-05:30", "tz: offset name");
	/* 2025-07-01T03:00Z is 2025-06-30 21:30 at -05:30; that day starts 2025-06-30T05:30Z */
	CHECK_INT(lyra_tz_day(&tz, 1751338800LL * LYRA_US_PER_SEC), day_of(2025, 6, 30),
	          "tz: offset day");
	CHECK_STR(iso(lyra_tz_day_start(&tz, day_of(2025, 6, 30))), "2025-06-30T05:30:00Z",
	          "tz: offset day start");
	CHECK(lyra_tz_parse("Australia/Sydney", &tz) == 0 && tz.kind == LYRA_TZ_SYDNEY, "tz: Sydney");
	/* AEST (+10) in July, AEDT (+11) in January; 5 October 2025 is the first Sunday of
	 * October: it starts at +10, the next day at +11 */
	CHECK_STR(iso(lyra_tz_day_start(&tz, day_of(2025, 7, 1))), "2025-06-30T14:00:00Z",
	          "sydney: winter midnight");
	CHECK_STR(iso(lyra_tz_day_start(&tz, day_of(2026, 1, 1))), "2025-12-31T13:00:00Z",
	          "sydney: summer midnight");
	CHECK_STR(iso(lyra_tz_day_start(&tz, day_of(2025, 10, 5))), "2025-10-04T14:00:00Z",
	          "sydney: the change day starts in AEST");
	CHECK_STR(iso(lyra_tz_day_start(&tz, day_of(2025, 10, 6))), "2025-10-05T13:00:00Z",
	          "sydney: the day after in AEDT");
	CHECK_INT(lyra_tz_day(&tz, 1751292000LL * LYRA_US_PER_SEC), day_of(2025, 7, 1),
	          "sydney: 2025-06-30T14:00Z is 1 July");
}

static void test_fmt(void)
{
	CHECK_STR(F(0), "0", "fmt: zero");
	CHECK_STR(F(-0.0000001), "0", "fmt: never -0");
	CHECK_STR(F(-1.25), "-1.25", "fmt: negative");
	CHECK_STR(F(2.0000004), "2", "fmt: 6 decimals");
	CHECK_STR(F(1234567.1234567), "1234567.123457", "fmt: rounding");
}

int main(void)
{
	test_series();
	test_trades();
	test_calendar();
	test_fmt();
	return unit_done();
}
