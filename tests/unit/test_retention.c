/* test_retention: each keep rule on a small history of chains (ISO week and month boundaries,
 * a damaged backup), chains kept whole, and the reasons text. */
#include <string.h>

#include "clock.h"
#include "retention.h"
#include "unit.h"

#define H (3600 * LYRA_US_PER_SEC)

static struct lyra_retention_item items[9];

static void history(void)
{
	int64_t d0 = lyra_days_from_civil(2026, 11, 1) * 24 * H;   /* a Sunday */
	const struct { int64_t ts; int good; long base; } h[9] = {
		{ d0 - 12 * H, 1, -1 },          /* 0 2026-10-31 12:00 full */
		{ d0 + 1 * H, 1, -1 },           /* 1 11-01 01:00 full */
		{ d0 + 7 * H, 1, 1 },            /* 2 11-01 07:00 incremental */
		{ d0 + 13 * H, 1, 2 },           /* 3 11-01 13:00 incremental */
		{ d0 + 25 * H, 1, -1 },          /* 4 11-02 01:00 full (Monday) */
		{ d0 + 37 * H, 1, 4 },           /* 5 11-02 13:00 differential */
		{ d0 + 49 * H, 1, 5 },           /* 6 11-03 01:00 incremental */
		{ d0 + 50 * H, 0, 6 },           /* 7 11-03 02:00 incremental, damaged */
		{ d0 + 77 * H, 1, -1 },          /* 8 11-04 05:00 full */
	};
	for (int i = 0; i < 9; i++) {
		items[i].ts = h[i].ts;
		items[i].good = h[i].good;
		items[i].base = h[i].base;
		items[i].keep = 123;
	}
}

/* The kept indexes as "4,5,6,8". */
static const char *kept(const struct lyra_retention *r)
{
	static char buf[64];
	size_t len = 0;
	history();
	if (lyra_retention_apply(r, items, 9) != 0)
		return "error";
	buf[0] = '\0';
	for (int i = 0; i < 9; i++)
		if (items[i].keep)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d", len ? "," : "", i);
	return buf;
}

int main(void)
{
	char why[64];

	CHECK_STR(kept(&(struct lyra_retention){ .daily = 2 }), "4,5,6,8",
	          "daily 2: the newest good of 11-04 and 11-03, and the chain of 11-03's");
	CHECK_INT(items[6].keep, LYRA_KEEP_DAILY, "11-03 01:00 kept as daily");
	CHECK_INT(items[5].keep, LYRA_KEEP_CHAIN, "its differential base kept for the chain");
	CHECK_INT(items[4].keep, LYRA_KEEP_CHAIN, "and that one's full");
	CHECK_INT(items[7].keep, 0, "a damaged backup is never kept by a rule");
	CHECK_STR(kept(&(struct lyra_retention){ .last = 2 }), "4,5,6,8", "last 2 skips the damaged one");
	CHECK_STR(kept(&(struct lyra_retention){ .last = 1 }), "8", "last 1: only the newest full");
	CHECK_STR(kept(&(struct lyra_retention){ .hourly = 3 }), "4,5,6,8", "hourly 3");
	CHECK_STR(kept(&(struct lyra_retention){ .weekly = 2 }), "1,2,3,8",
	          "weekly 2: ISO weeks start on Monday, so 11-01 closes the week of 10-26");
	CHECK_STR(kept(&(struct lyra_retention){ .monthly = 2 }), "0,8", "monthly 2: November and October");
	CHECK_STR(kept(&(struct lyra_retention){ .monthly = 5 }), "0,8", "months without backups do not count");
	CHECK_STR(kept(&(struct lyra_retention){ .daily = 1, .monthly = 2 }), "0,8", "rules combine");
	CHECK_INT(items[8].keep, LYRA_KEEP_DAILY | LYRA_KEEP_MONTHLY, "with both reasons");
	CHECK_STR(lyra_retention_reasons(items[8].keep, why, sizeof why), "daily,monthly", "reasons text");
	CHECK_STR(lyra_retention_reasons(LYRA_KEEP_LAST | LYRA_KEEP_CHAIN, why, sizeof why), "last,chain",
	          "reasons text with chain");
	CHECK_STR(lyra_retention_reasons(0, why, sizeof why), "", "no reasons");
	CHECK_STR(kept(&(struct lyra_retention){ 0 }), "", "no rules keep nothing");
	CHECK_STR(kept(&(struct lyra_retention){ .daily = 100, .last = 100 }), "0,1,2,3,4,5,6,8",
	          "generous rules keep every good backup");

	history();
	items[2].base = 5;
	CHECK(lyra_retention_apply(&(struct lyra_retention){ .last = 1 }, items, 9) == -1,
	      "a base after its dependant is refused");
	return unit_done();
}
