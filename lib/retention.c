/* retention.c: the grandfather-father-son choice of backups to keep (retention.h). */
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "error.h"
#include "retention.h"

#define US_PER_HOUR (3600 * LYRA_US_PER_SEC)
#define US_PER_DAY (86400 * LYRA_US_PER_SEC)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The bucket of ts for rule i: hour, day, ISO week (Monday first), month. */
static int64_t bucket(int rule, int64_t ts)
{
	int64_t days = floor_div(ts, US_PER_DAY);
	int y;
	unsigned m, d;

	switch (rule) {
	case 0:
		return floor_div(ts, US_PER_HOUR);
	case 1:
		return days;
	case 2:
		return floor_div(days + 3, 7);   /* 1970-01-01 was a Thursday */
	default:
		lyra_civil_from_days(days, &y, &m, &d);
		return (int64_t)y * 12 + (int64_t)m;
	}
}

int lyra_retention_apply(const struct lyra_retention *r, struct lyra_retention_item *items, size_t n)
{
	const int counts[4] = { r->hourly, r->daily, r->weekly, r->monthly };
	const unsigned bits[4] = { LYRA_KEEP_HOURLY, LYRA_KEEP_DAILY, LYRA_KEEP_WEEKLY, LYRA_KEEP_MONTHLY };
	int64_t last_bucket[4];
	int used[4] = { 0, 0, 0, 0 }, last = 0;

	for (size_t i = 0; i < n; i++) {
		items[i].keep = 0;
		if (items[i].base >= (long)i)
			return lyra_error(LYRA_EX_SOFTWARE, "retention: backup %zu has a later base", i);
	}
	for (size_t k = n; k-- > 0;) {
		struct lyra_retention_item *it = &items[k];
		if (!it->good)
			continue;
		if (last < r->last) {
			it->keep |= LYRA_KEEP_LAST;
			last++;
		}
		for (int rule = 0; rule < 4; rule++) {
			int64_t b = bucket(rule, it->ts);
			if (used[rule] < counts[rule] && (used[rule] == 0 || b != last_bucket[rule])) {
				it->keep |= bits[rule];
				last_bucket[rule] = b;
				used[rule]++;
			}
		}
	}
	for (size_t k = n; k-- > 0;) {
		long b = items[k].base;
		if (items[k].keep && b >= 0)
			items[b].keep |= LYRA_KEEP_CHAIN;
	}
	return 0;
}

const char *lyra_retention_reasons(unsigned keep, char *buf, size_t n)
{
	static const char *const names[] = { "last", "hourly", "daily", "weekly", "monthly", "chain" };
	size_t len = 0;
	if (n)
		buf[0] = '\0';
	for (int i = 0; i < 6; i++) {
		if (!(keep & (1u << i)))
			continue;
		int w = snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? "," : "", names[i]);
		if (w < 0 || len + (size_t)w >= n)
			break;
		len += (size_t)w;
	}
	return buf;
}
