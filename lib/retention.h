/* retention.h: which backups a retention policy keeps. Grandfather-father-son rules as in
 * restic and borg: keep the newest N backups, and the newest backup in each of the newest N
 * hours, days, ISO weeks and months (UTC) that have one; then everything a kept backup's chain
 * needs, so a kept backup always stays restorable. Only good backups count for the rules. */
#ifndef LYRA_RETENTION_H
#define LYRA_RETENTION_H

#include <stddef.h>
#include <stdint.h>

struct lyra_retention {
	int last, hourly, daily, weekly, monthly;   /* 0: rule unused */
};

enum lyra_keep {
	LYRA_KEEP_LAST = 1,
	LYRA_KEEP_HOURLY = 2,
	LYRA_KEEP_DAILY = 4,
	LYRA_KEEP_WEEKLY = 8,
	LYRA_KEEP_MONTHLY = 16,
	LYRA_KEEP_CHAIN = 32,       /* a kept backup's chain needs it */
};

struct lyra_retention_item {
	int64_t ts;                 /* backup time, microseconds */
	int good;                   /* 1 if it verified good */
	long base;                  /* index of its base in the array, or -1 (a full, or unknown) */
	unsigned keep;              /* out: enum lyra_keep bits, 0 = prune */
};

/* Decide for n items sorted oldest first (a base must come before what depends on it).
 * Sets every item's keep. 0, or -1 (LYRA_EX_SOFTWARE) when a base index is not earlier. */
int lyra_retention_apply(const struct lyra_retention *r, struct lyra_retention_item *items, size_t n);

/* The reasons in keep as "last,daily,chain" into buf ("" for none). Returns buf. */
const char *lyra_retention_reasons(unsigned keep, char *buf, size_t n);

#endif
