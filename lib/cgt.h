/* cgt.h: Australian capital gains tax rules for crypto assets (CGT event A1, disposal). Dates are
 * Australia/Sydney civil dates; the financial year runs 1 July to 30 June; the 12-month holding
 * test excludes both the acquisition day and the disposal day (ATO TD 2002/10); capital losses
 * (current year, then carried forward) are applied to non-discountable gains first, then to
 * discountable ones, and only then the discount (50% individual and trust, 33 1/3% complying
 * super fund, none for a company). Rules are dated so later law can be added as new rows. */
#ifndef LYRA_CGT_H
#define LYRA_CGT_H

#include <stdint.h>
#include "decimal.h"

enum lyra_cgt_entity { LYRA_CGT_INDIVIDUAL, LYRA_CGT_TRUST, LYRA_CGT_SUPER, LYRA_CGT_COMPANY };

/* Parse "individual", "trust", "super", "company"; -1 (LYRA_EX_USAGE) otherwise. */
int lyra_cgt_entity_parse(const char *s, enum lyra_cgt_entity *out);
const char *lyra_cgt_entity_name(enum lyra_cgt_entity e);

/* Australia/Sydney civil date of a UTC timestamp (AEST +10, AEDT +11 from the first Sunday of
 * October 02:00 to the first Sunday of April 03:00 local, the rule in force since 2008; earlier
 * timestamps use it too). Returns days since 1970-01-01. */
int64_t lyra_cgt_sydney_day(int64_t ts_us);
/* Format a day number as "YYYY-MM-DD" (buf at least 11 bytes). */
void lyra_cgt_day_format(int64_t day, char *buf);
/* Parse "YYYY-MM-DD" into a day number; 0 or -1 (LYRA_EX_DATAERR). */
int lyra_cgt_day_parse(const char *s, int64_t *day);

/* Financial year: parse "2025-26" (1 July 2025 to 30 June 2026) into its first year (2025);
 * the year containing a day; and its first and last day. */
int lyra_cgt_fy_parse(const char *s, int *start_year);
int lyra_cgt_fy_of_day(int64_t day);
int64_t lyra_cgt_fy_first_day(int start_year);
int64_t lyra_cgt_fy_last_day(int start_year);

/* 1 when an asset acquired on day acq and disposed of on day disp was held at least 12 months
 * excluding both days: disp is after the same calendar date one year after acq (29 February
 * maps to 28 February). 0 otherwise. */
int lyra_cgt_discount_eligible(int64_t acq_day, int64_t disp_day);

/* The discount for an entity on a disposal day as a fraction num/den (0/1 when none). -1 when no
 * rule covers that day (before 21 September 1999). */
int lyra_cgt_discount(enum lyra_cgt_entity e, int64_t disp_day, int64_t *num, int64_t *den);

/* A year's totals, all AUD (scale 2, half-even where a division rounds). */
struct lyra_cgt_year {
	struct lyra_dec gains_discountable;   /* in: gains eligible for the discount */
	struct lyra_dec gains_other;          /* in: gains not eligible */
	struct lyra_dec losses;               /* in: current-year capital losses (positive) */
	struct lyra_dec carried_in;           /* in: net capital losses from earlier years */
	struct lyra_dec total_gains;          /* out: label H, all current-year gains */
	struct lyra_dec losses_applied;       /* out: current-year losses used */
	struct lyra_dec carried_applied;      /* out: earlier losses used */
	struct lyra_dec discount;             /* out: discount amount */
	struct lyra_dec net_gain;             /* out: label A */
	struct lyra_dec carried_out;          /* out: label V, losses carried forward */
};

/* Apply losses and the discount for an entity with disposals ending on last_day (the FY's last
 * day selects the dated rule). Fills the out fields. 0 or -1 (overflow, no rule). */
int lyra_cgt_year_compute(struct lyra_cgt_year *y, enum lyra_cgt_entity e, int64_t last_day);

#endif
