/* test_clock.c: ISO 8601 times, durations, civil dates and the run clocks of lib/clock.c.
 * Expected epoch values were computed independently with `date -u -d ... +%s`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "error.h"
#include "unit.h"

#define S LYRA_US_PER_SEC

static int64_t tp(const char *s)
{
	int64_t us = 0x5a5a5a5a;
	if (lyra_time_parse(s, &us) != 0) {
		printf("#   parse '%s' failed: %s\n", s, lyra_error_msg());
		return INT64_MIN;
	}
	return us;
}

static int time_rejects(const char *s, const char *msg_part)
{
	int64_t us = 12345;
	lyra_error_clear();
	int rc = lyra_time_parse(s, &us);
	int ok = rc == -1 && us == 12345 && lyra_error_code() == LYRA_EX_USAGE &&
	         strstr(lyra_error_msg(), msg_part) != NULL;
	if (!ok)
		printf("#   '%s': rc %d, msg '%s'\n", s, rc, lyra_error_msg());
	return ok;
}

static int64_t dp(const char *s)
{
	int64_t us = 0x5a5a5a5a;
	if (lyra_duration_parse(s, &us) != 0) {
		printf("#   duration '%s' failed: %s\n", s, lyra_error_msg());
		return INT64_MIN;
	}
	return us;
}

static int dur_rejects(const char *s, const char *msg_part)
{
	int64_t us = 12345;
	lyra_error_clear();
	int rc = lyra_duration_parse(s, &us);
	int ok = rc == -1 && us == 12345 && lyra_error_code() == LYRA_EX_USAGE &&
	         strstr(lyra_error_msg(), msg_part) != NULL;
	if (!ok)
		printf("#   '%s': rc %d, msg '%s'\n", s, rc, lyra_error_msg());
	return ok;
}

static const char *fmt(int64_t us)
{
	static char buf[32];
	if (lyra_time_format(us, buf, sizeof buf) < 0)
		return "(format failed)";
	return buf;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_known(void)
{
	CHECK_INT(tp("1970-01-01"), 0, "epoch date");
	CHECK_INT(tp("1970-01-01T00:00:00Z"), 0, "epoch full");
	CHECK_INT(tp("2026-11-01"), 1793491200000000LL, "2026-11-01 midnight");
	CHECK_INT(tp("2026-11-01T12:34:56Z"), 1793536496 * S, "2026-11-01T12:34:56Z");
	CHECK_INT(tp("2000-02-29"), 951782400 * S, "2000-02-29 is a leap day");
	CHECK_INT(tp("2024-02-29"), 1709164800 * S, "2024-02-29 is a leap day");
	CHECK_INT(tp("1600-02-29"), -11670998400 * S, "1600-02-29 is a leap day");
	CHECK_INT(tp("1900-03-01"), -2203891200 * S, "1900-03-01 before the epoch");
	CHECK_INT(tp("0001-01-01"), -62135596800 * S, "0001-01-01");
	CHECK_INT(tp("9999-12-31T23:59:59Z"), 253402300799 * S, "9999-12-31T23:59:59Z");
	CHECK_INT(tp("1969-12-31T23:59:59.999999Z"), -1, "one microsecond before the epoch");
}

static void test_formats(void)
{
	int64_t noon = 1793491200 * S + 12 * 3600 * S;
	CHECK_INT(tp("2026-11-01T12:00"), noon, "no seconds, no zone");
	CHECK_INT(tp("2026-11-01T12:00:00"), noon, "no zone is UTC");
	CHECK_INT(tp("2026-11-01T12:00:00Z"), noon, "Z");
	CHECK_INT(tp("2026-11-01t12:00:00z"), noon, "lowercase t and z");
	CHECK_INT(tp("2026-11-01 12:00:00Z"), noon, "space separator");
	CHECK_INT(tp("2026-11-01 12:00"), noon, "space separator, no seconds");
	CHECK_INT(tp("2026-11-01T12:00Z"), noon, "no seconds with Z");
	CHECK_INT(tp("2026-11-01T12:00:00+00:00"), noon, "+00:00");
	CHECK_INT(tp("2026-11-01T12:00:00-00:00"), noon, "-00:00");
	CHECK_INT(tp("2026-11-01T12:00:00+10:00"), 1793498400 * S, "+10:00 == 02:00Z");
	CHECK_INT(tp("2026-11-01T12:00:00+1000"), 1793498400 * S, "+1000");
	CHECK_INT(tp("2026-11-01T12:00:00+10"), 1793498400 * S, "+10");
	CHECK_INT(tp("2026-11-01T12:00+10:00"), 1793498400 * S, "+10:00 without seconds");
	CHECK_INT(tp("2026-11-01T02:00:00+05:30"), 1793478600 * S, "+05:30 crosses midnight back");
	CHECK_INT(tp("2026-10-31T12:00:00-05:30"), 1793467800 * S, "-05:30 == 17:30Z");
	CHECK_INT(tp("2026-11-01T12:00:00-05:00"), noon + 5 * 3600 * S, "-05:00");
	CHECK_INT(tp("2026-11-01T12:00:00-0530"), noon + 5 * 3600 * S + 30 * 60 * S, "-0530");
	CHECK_INT(tp("2026-11-01T12:00:00.123456-01:00"), noon + 3600 * S + 123456, "fraction and offset");
	CHECK_INT(tp("2026-11-01T23:30:00-01:00"), tp("2026-11-02T00:30:00Z"), "offset crosses into next day");
	CHECK_INT(tp("2024-12-31T23:00:00-02:00"), tp("2025-01-01T01:00:00Z"), "offset crosses into next year");

	CHECK_INT(tp("2026-11-01T12:00:00.5Z"), noon + 500000, ".5 is 500000 us");
	CHECK_INT(tp("2026-11-01T12:00:00.000001Z"), noon + 1, ".000001");
	CHECK_INT(tp("2026-11-01T12:00:00.123456Z"), noon + 123456, "6 fraction digits");
	CHECK_INT(tp("2026-11-01T12:00:00.1234567Z"), noon + 123456, "7 digits truncated");
	CHECK_INT(tp("2026-11-01T12:00:00.999999999Z"), noon + 999999, "9 digits truncated, not rounded");
	CHECK_INT(tp("2026-11-01T12:00:00.000000999"), noon, "sub-microsecond dropped");
	CHECK_INT(tp("1969-12-31T23:59:59.5Z"), -500000, "fraction before the epoch");

	CHECK_INT(tp("0"), 0, "integer 0");
	CHECK_INT(tp("1793491200000000"), 1793491200000000LL, "integer microseconds");
	CHECK_INT(tp("-1"), -1, "negative integer microseconds");
	CHECK_INT(tp("9223372036854775807"), INT64_MAX, "INT64_MAX microseconds");
	CHECK_INT(tp("-9223372036854775808"), INT64_MIN, "INT64_MIN microseconds");
	CHECK_INT(tp("-0001-01-01"), lyra_days_from_civil(-1, 1, 1) * 86400 * S, "expanded negative year");
	CHECK_INT(tp("+10000-01-01T00:00:00Z"), lyra_days_from_civil(10000, 1, 1) * 86400 * S,
	          "expanded year 10000");
}

static void test_rejects(void)
{
	const char *hint = "expected ISO 8601 like 2026-11-01T12:00:00Z";
	CHECK(time_rejects("", hint), "empty");
	CHECK(time_rejects("2026-02-29", "day 29 out of range"), "2026-02-29 invalid");
	CHECK(time_rejects("1900-02-29", "day 29 out of range"), "1900-02-29 invalid");
	CHECK(time_rejects("2100-02-29", "day 29 out of range"), "2100-02-29 invalid");
	CHECK(time_rejects("2026-02-30", "day 30 out of range"), "2026-02-30 invalid");
	CHECK(time_rejects("2026-04-31", "day 31 out of range"), "april 31 invalid");
	CHECK(time_rejects("2026-11-00", "day 00 out of range"), "day 0 invalid");
	CHECK(time_rejects("2026-13-01", "month 13 out of range"), "month 13 invalid");
	CHECK(time_rejects("2026-00-01", "month 00 out of range"), "month 0 invalid");
	CHECK(time_rejects("2026-11-01T24:00:00Z", "hour 24"), "hour 24 invalid");
	CHECK(time_rejects("2026-11-01T12:60:00Z", "minute 60"), "minute 60 invalid");
	CHECK(time_rejects("2026-12-31T23:59:60Z", "leap second"), "second 60 is a leap second");
	CHECK(time_rejects("2026-11-01T12:00:61Z", "second 61"), "second 61 invalid");
	CHECK(time_rejects("2026-11-01T12:00:00+24:00", "offset out of range"), "offset +24:00");
	CHECK(time_rejects("2026-11-01T12:00:00+10:60", "offset out of range"), "offset +10:60");
	CHECK(time_rejects("2026-11-01T12:00:00.1234567890Z", "more than 9"), "10 fraction digits");
	CHECK(time_rejects("2026-11-01T12:00:00.Z", hint), "empty fraction");
	CHECK(time_rejects("2026-11-01T12", hint), "hour only");
	CHECK(time_rejects("2026-11-01T", hint), "separator without time");
	CHECK(time_rejects("2026-11-01Z", hint), "zone without time");
	CHECK(time_rejects("2026-11-01T12:00:00ZZ", hint), "trailing garbage");
	CHECK(time_rejects("2026-11-01T12:00:00 ", hint), "trailing space");
	CHECK(time_rejects(" 2026-11-01", hint), "leading space");
	CHECK(time_rejects("2026-11-01  12:00", hint), "two spaces");
	CHECK(time_rejects("2026-11-01X12:00", hint), "bad separator");
	CHECK(time_rejects("2026-1-01", hint), "one-digit month");
	CHECK(time_rejects("26-11-01", hint), "two-digit year");
	CHECK(time_rejects("20261-11-01", hint), "five digits without sign");
	CHECK(time_rejects("2026/11/01", hint), "slashes");
	CHECK(time_rejects("2026-11-01T12:00:00+1", hint), "one-digit offset");
	CHECK(time_rejects("2026-11-01T12:00:00+10:0", hint), "short offset minutes");
	CHECK(time_rejects("2026-11-01T12:0", hint), "short minutes");
	CHECK(time_rejects("-", hint), "lone minus");
	CHECK(time_rejects("+1", hint), "plus integer");
	CHECK(time_rejects("1.5", hint), "decimal number");
	CHECK(time_rejects("now", hint), "word");
	CHECK(time_rejects("9223372036854775808", "out of range"), "integer overflow");
	CHECK(time_rejects("-9223372036854775809", "out of range"), "integer underflow");
	CHECK(time_rejects("+999999-01-01", "out of range"), "expanded year overflow");
	CHECK(time_rejects("+1234567-01-01", hint), "7-digit year");
}

static void test_format(void)
{
	char buf[32];
	CHECK_STR(fmt(0), "1970-01-01T00:00:00Z", "format epoch");
	CHECK_STR(fmt(1793491200000000LL), "2026-11-01T00:00:00Z", "format 2026-11-01");
	CHECK_STR(fmt(1793536496 * S + 500000), "2026-11-01T12:34:56.500000Z", "format with us");
	CHECK_STR(fmt(1793536496 * S + 1), "2026-11-01T12:34:56.000001Z", "format one us");
	CHECK_STR(fmt(-1), "1969-12-31T23:59:59.999999Z", "format -1 us");
	CHECK_STR(fmt(-S), "1969-12-31T23:59:59Z", "format -1 s");
	CHECK_STR(fmt(-86400 * S), "1969-12-31T00:00:00Z", "format -1 day");
	CHECK_STR(fmt(-86400 * S - 1), "1969-12-30T23:59:59.999999Z", "format -1 day -1 us");
	CHECK_STR(fmt(-2203891200 * S), "1900-03-01T00:00:00Z", "format 1900-03-01");
	CHECK_STR(fmt(-62135596800 * S), "0001-01-01T00:00:00Z", "format year 1");
	CHECK_STR(fmt(-62135596800 * S - 1), "0000-12-31T23:59:59.999999Z", "format year 0");
	CHECK_STR(fmt(253402300799 * S), "9999-12-31T23:59:59Z", "format year 9999");
	CHECK_STR(fmt(253402300800 * S), "+10000-01-01T00:00:00Z", "format year 10000 expanded");
	CHECK_STR(fmt(-62167219200 * S - 1), "-0001-12-31T23:59:59.999999Z", "format year -1 expanded");
	CHECK_STR(fmt(INT64_MAX), "+294247-01-10T04:00:54.775807Z", "format INT64_MAX");
	CHECK_STR(fmt(INT64_MIN), "-290308-12-21T19:59:05.224192Z", "format INT64_MIN");
	CHECK_INT(lyra_time_format(0, buf, sizeof buf), 20, "format returns the length");
	CHECK_INT(lyra_time_format(1, buf, sizeof buf), 27, "length with microseconds");
	CHECK_INT(lyra_time_format(0, buf, 20), -1, "too small a buffer fails");
	CHECK_STR(buf, "", "too small a buffer is left empty");
	CHECK_INT(lyra_time_format(0, buf, 21), 20, "exact buffer fits");
}

static void test_against_gmtime(void)
{
	int bad = 0;
	char want[64], got[32];
	for (int i = 0; i < 200000 && bad < 5; i++) {
		/* years 0001..9999 */
		int64_t lo = -62135596800LL, hi = 253402300799LL;
		int64_t secs = lo + (int64_t)(next_rand() % (uint64_t)(hi - lo + 1));
		int64_t sub = (int64_t)(next_rand() % 3 == 0 ? 0 : next_rand() % 1000000);
		time_t t = (time_t)secs;
		struct tm tm;
		gmtime_r(&t, &tm);
		int n = snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (sub)
			snprintf(want + n, sizeof want - (size_t)n, ".%06lldZ", (long long)sub);
		else
			snprintf(want + n, sizeof want - (size_t)n, "Z");
		lyra_time_format(secs * S + sub, got, sizeof got);
		if (strcmp(got, want) != 0) {
			printf("#   %lld: got %s want %s\n", (long long)(secs * S + sub), got, want);
			bad++;
		}
		int64_t back = 0;
		if (lyra_time_parse(want, &back) != 0 || back != secs * S + sub) {
			printf("#   parse %s: got %lld\n", want, (long long)back);
			bad++;
		}
	}
	CHECK_INT(bad, 0, "format and parse agree with gmtime_r over years 1-9999");
}

static void test_roundtrip(void)
{
	int bad = 0;
	static const int64_t fixed[] = {0, 1, -1, 999999, -999999, 1000000, -1000000, 86399999999,
	                                -86400000001, 1793491200000000LL, -62135596800000000LL,
	                                INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		char buf[32];
		int64_t back = 42;
		lyra_time_format(fixed[i], buf, sizeof buf);
		if (lyra_time_parse(buf, &back) != 0 || back != fixed[i]) {
			printf("#   %lld -> %s -> %lld\n", (long long)fixed[i], buf, (long long)back);
			bad++;
		}
	}
	for (int i = 0; i < 300000 && bad < 5; i++) {
		int64_t x = (int64_t)next_rand();
		if (i % 2)
			x %= 300LL * 365 * 86400 * S;   /* 1670..2270, the common range */
		if (i % 4 == 1)
			x -= x % S;                     /* whole seconds format without a fraction */
		char buf[32];
		int64_t back = 42;
		int len = lyra_time_format(x, buf, sizeof buf);
		if (len <= 0 || (size_t)len != strlen(buf) || lyra_time_parse(buf, &back) != 0 || back != x) {
			printf("#   %lld -> %s -> %lld\n", (long long)x, buf, (long long)back);
			bad++;
		}
	}
	CHECK_INT(bad, 0, "parse(format(x)) == x, including negatives and the int64 extremes");
}

static void test_civil(void)
{
	CHECK_INT(lyra_days_from_civil(1970, 1, 1), 0, "days 1970-01-01");
	CHECK_INT(lyra_days_from_civil(2026, 11, 1), 20758, "days 2026-11-01");
	CHECK_INT(lyra_days_from_civil(1969, 12, 31), -1, "days 1969-12-31");
	CHECK_INT(lyra_days_from_civil(2000, 3, 1), 11017, "days 2000-03-01");
	CHECK_INT(lyra_days_from_civil(0, 3, 1), -719468, "days 0000-03-01");

	/* walk day by day with a naive calendar from year -1200 to 3200 */
	int y = -1200;
	unsigned m = 1, d = 1;
	int64_t day = lyra_days_from_civil(y, m, d);
	int bad = 0;
	for (; y < 3200 && bad < 5; day++) {
		int yy;
		unsigned mm, dd;
		lyra_civil_from_days(day, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d || lyra_days_from_civil(y, m, d) != day) {
			printf("#   day %lld: %d-%u-%u vs %d-%u-%u\n", (long long)day, yy, mm, dd, y, m, d);
			bad++;
		}
		static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		unsigned len = m == 2 && leap ? 29 : dim[m - 1];
		if (++d > len) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	CHECK_INT(bad, 0, "civil conversions match a naive calendar over 4400 years");
	CHECK_INT(y, 3200, "the walk reached 3200");

	int yy;
	unsigned mm, dd;
	lyra_civil_from_days(INT64_MAX, &yy, &mm, &dd);
	CHECK(mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31, "civil_from_days(INT64_MAX) does not overflow");
	lyra_civil_from_days(INT64_MIN, &yy, &mm, &dd);
	CHECK(mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31, "civil_from_days(INT64_MIN) does not overflow");
}

static void test_durations(void)
{
	CHECK_INT(dp("250us"), 250, "us");
	CHECK_INT(dp("500ms"), 500000, "ms");
	CHECK_INT(dp("90s"), 90 * S, "s");
	CHECK_INT(dp("5m"), 300 * S, "m");
	CHECK_INT(dp("4h"), 4 * 3600 * S, "h");
	CHECK_INT(dp("7d"), 7 * 86400 * S, "d");
	CHECK_INT(dp("2w"), 14 * 86400 * S, "w");
	CHECK_INT(dp("1h30m"), 5400 * S, "1h30m");
	CHECK_INT(dp("1d2h3m4s5ms6us"), ((26 * 60 + 3) * 60 + 4) * S + 5006, "every unit combined");
	CHECK_INT(dp("1m30s"), 90 * S, "m then s is minutes");
	CHECK_INT(dp("1ms1m"), 60 * S + 1000, "ms then m");
	CHECK_INT(dp("90"), 90 * S, "bare integer is seconds");
	CHECK_INT(dp("0"), 0, "zero");
	CHECK_INT(dp("0s"), 0, "zero seconds");
	CHECK_INT(dp("007s"), 7 * S, "leading zeros");
	CHECK_INT(dp("9223372036854775807us"), INT64_MAX, "largest in us");
	CHECK_INT(dp("9223372036854s"), 9223372036854 * S, "largest whole seconds");
	CHECK_INT(dp("9223372036854"), 9223372036854 * S, "largest bare seconds");

	CHECK(dur_rejects("", "expected <integer><unit>"), "empty");
	CHECK(dur_rejects("h", "missing number before 'h'"), "unit without number");
	CHECK(dur_rejects("1x", "unknown unit"), "unknown unit");
	CHECK(dur_rejects("1H", "unknown unit"), "uppercase unit");
	CHECK(dur_rejects("-1h", "negative"), "negative");
	CHECK(dur_rejects("-5", "negative"), "negative bare");
	CHECK(dur_rejects("1.5h", "1h30m"), "fraction suggests 1h30m");
	CHECK(dur_rejects("1h30", "missing unit after '30'"), "trailing number without unit");
	CHECK(dur_rejects("1h ", "missing number"), "trailing space");
	CHECK(dur_rejects(" 1h", "missing number"), "leading space");
	CHECK(dur_rejects("+1h", "missing number"), "plus sign");
	CHECK(dur_rejects("1hh", "missing number before 'h'"), "doubled unit letter");
	CHECK(dur_rejects("9223372036854775808us", "too large"), "digits overflow");
	CHECK(dur_rejects("9223372036855s", "too large"), "unit multiply overflow");
	CHECK(dur_rejects("9223372036855", "too large"), "bare seconds overflow");
	CHECK_INT(dp("15250284w"), 15250284LL * 7 * 86400 * S, "most weeks");
	CHECK(dur_rejects("15250285w", "too large"), "weeks overflow");
	CHECK(dur_rejects("9223372036854775807us1us", "too large"), "sum overflow");
}

static void test_clocks(void)
{
	struct lyra_clock c;
	lyra_clock_init(&c, LYRA_CLOCK_EVENT);
	CHECK_INT(lyra_clock_now(&c), 0, "event clock starts at 0");
	lyra_clock_observe(&c, 100);
	CHECK_INT(lyra_clock_now(&c), 100, "event clock moves forward");
	lyra_clock_observe(&c, 50);
	CHECK_INT(lyra_clock_now(&c), 100, "event clock never goes backwards");
	lyra_clock_observe(&c, 100);
	CHECK_INT(lyra_clock_now(&c), 100, "same time keeps it");
	int64_t prev = lyra_clock_now(&c);
	int back = 0;
	for (int i = 0; i < 10000; i++) {
		lyra_clock_observe(&c, (int64_t)(next_rand() % 1000000000));
		if (lyra_clock_now(&c) < prev)
			back++;
		prev = lyra_clock_now(&c);
	}
	CHECK_INT(back, 0, "event clock is monotonic under random events");

	lyra_clock_init(&c, LYRA_CLOCK_WALL);
	int64_t before = (int64_t)time(NULL) * S;
	int64_t now = lyra_clock_now(&c);
	lyra_clock_observe(&c, INT64_MAX);
	int64_t after = lyra_clock_now(&c);
	CHECK(now >= before - 2 * S && now <= before + 2 * S, "wall clock is close to time(NULL)");
	CHECK(after >= now && after < now + 10 * S, "wall clock ignores observed events");
	int64_t w = lyra_time_now_us();
	CHECK(w >= before - 2 * S && w <= before + 2 * S, "lyra_time_now_us is close to time(NULL)");
}

int main(void)
{
	setenv("TZ", "Pacific/Chatham", 1);   /* nothing may depend on it */
	tzset();
	test_known();
	test_formats();
	test_rejects();
	test_format();
	test_against_gmtime();
	test_roundtrip();
	test_civil();
	test_durations();
	test_clocks();
	return unit_done();
}
