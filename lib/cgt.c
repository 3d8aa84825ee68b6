/* cgt.c: Australian CGT rules: Sydney dates, financial years, the 12-month discount test, dated
 * discount rates by entity, and the ordering of losses before the discount (see cgt.h). */
#include <stdio.h>
#include <string.h>

#include "cgt.h"
#include "clock.h"
#include "error.h"

#define US_PER_DAY (86400LL * LYRA_US_PER_SEC)
#define US_PER_HOUR (3600LL * LYRA_US_PER_SEC)

struct discount_rule {
	const char *from;       /* first disposal day the rule applies to */
	int64_t num[4], den[4]; /* by enum lyra_cgt_entity */
};

/* Dated discount rules, newest last. ITAA 1997 s 115-100: 50% individuals and trusts,
 * 33 1/3% complying superannuation funds, none for companies, since 21 September 1999. */
static const struct discount_rule rules[] = {
	{ "1999-09-21", { 1, 1, 1, 0 }, { 2, 2, 3, 1 } },
};

static const char *const entity_names[] = { "individual", "trust", "super", "company" };

int lyra_cgt_entity_parse(const char *s, enum lyra_cgt_entity *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, entity_names[i]) == 0) {
			*out = (enum lyra_cgt_entity)i;
			return 0;
		}
	return lyra_error(LYRA_EX_USAGE, "unknown entity '%s': use individual, trust, super or company",
	                  s);
}

const char *lyra_cgt_entity_name(enum lyra_cgt_entity e)
{
	return entity_names[e];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Day number of the first Sunday of month m in year y. */
static int64_t first_sunday(int y, unsigned m)
{
	int64_t d = lyra_days_from_civil(y, m, 1);
	int64_t wd = ((d % 7) + 7 + 4) % 7;   /* 1970-01-01 was a Thursday (4); 0 = Sunday */
	return d + (7 - wd) % 7;
}

int64_t lyra_cgt_sydney_day(int64_t ts_us)
{
	int64_t std = ts_us + 10 * US_PER_HOUR, day = floor_div(std, US_PER_DAY);
	int y;
	unsigned m, d;
	lyra_civil_from_days(day, &y, &m, &d);
	/* DST runs from first Sunday of October 02:00 AEST to first Sunday of April 02:00 AEST
	 * (03:00 AEDT); compare in standard time. */
	int64_t oct = first_sunday(y, 10) * US_PER_DAY + 2 * US_PER_HOUR;
	int64_t apr = first_sunday(y, 4) * US_PER_DAY + 2 * US_PER_HOUR;
	if (std >= oct || std < apr)
		day = floor_div(std + US_PER_HOUR, US_PER_DAY);
	return day;
}

void lyra_cgt_day_format(int64_t day, char *buf)
{
	int y;
	unsigned m, d;
	lyra_civil_from_days(day, &y, &m, &d);
	char t[32];
	snprintf(t, sizeof t, "%04d-%02u-%02u", y, m, d);
	memcpy(buf, t, 10);
	buf[10] = '\0';
}

int lyra_cgt_day_parse(const char *s, int64_t *day)
{
	int y, n = 0;
	unsigned m, d;
	int yy;
	unsigned mm, dd;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return lyra_error(LYRA_EX_DATAERR, "cannot parse date '%s': want YYYY-MM-DD", s);
	*day = lyra_days_from_civil(y, m, d);
	lyra_civil_from_days(*day, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)
		return lyra_error(LYRA_EX_DATAERR, "cannot parse date '%s': no such day", s);
	return 0;
}

int lyra_cgt_fy_parse(const char *s, int *start_year)
{
	int y, e, n = 0;
	if (sscanf(s, "%4d-%2d%n", &y, &e, &n) != 2 || n != 7 || strlen(s) != 7 || y < 1990 ||
	    (y + 1) % 100 != e)
		return lyra_error(LYRA_EX_USAGE, "cannot parse financial year '%s': want YYYY-YY as in"
		                  " 2025-26", s);
	*start_year = y;
	return 0;
}

int lyra_cgt_fy_of_day(int64_t day)
{
	int y;
	unsigned m, d;
	lyra_civil_from_days(day, &y, &m, &d);
	return m >= 7 ? y : y - 1;
}

int64_t lyra_cgt_fy_first_day(int start_year)
{
	return lyra_days_from_civil(start_year, 7, 1);
}

int64_t lyra_cgt_fy_last_day(int start_year)
{
	return lyra_days_from_civil(start_year + 1, 6, 30);
}

int lyra_cgt_discount_eligible(int64_t acq_day, int64_t disp_day)
{
	int y;
	unsigned m, d;
	lyra_civil_from_days(acq_day, &y, &m, &d);
	if (m == 2 && d == 29)
		d = 28;
	return disp_day > lyra_days_from_civil(y + 1, m, d);
}

int lyra_cgt_discount(enum lyra_cgt_entity e, int64_t disp_day, int64_t *num, int64_t *den)
{
	const struct discount_rule *r = NULL;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		int64_t from;
		lyra_cgt_day_parse(rules[i].from, &from);
		if (disp_day >= from)
			r = &rules[i];
	}
	if (!r) {
		char b[11];
		lyra_cgt_day_format(disp_day, b);
		return lyra_error(LYRA_EX_DATAERR, "no CGT discount rule covers disposals on %s", b);
	}
	*num = r->num[e];
	*den = r->den[e];
	return 0;
}

static struct lyra_dec dmin(struct lyra_dec a, struct lyra_dec b)
{
	return lyra_dec_cmp(a, b) <= 0 ? a : b;
}

/* Use up to *pool against *gain: both reduce by the amount used, added to *used. */
static int apply(struct lyra_dec *pool, struct lyra_dec *gain, struct lyra_dec *used)
{
	struct lyra_dec take = dmin(*pool, *gain);
	if (lyra_dec_sub(*pool, take, pool) || lyra_dec_sub(*gain, take, gain) ||
	    lyra_dec_add(*used, take, used))
		return -1;
	return 0;
}

int lyra_cgt_year_compute(struct lyra_cgt_year *y, enum lyra_cgt_entity e, int64_t last_day)
{
	struct lyra_dec other = y->gains_other, disc = y->gains_discountable;
	struct lyra_dec cur = y->losses, prior = y->carried_in, z = lyra_dec_zero(), kept;
	int64_t num, den;
	if (lyra_cgt_discount(e, last_day, &num, &den) != 0)
		return -1;
	y->losses_applied = z;
	y->carried_applied = z;
	if (lyra_dec_add(other, disc, &y->total_gains) ||
	    apply(&cur, &other, &y->losses_applied) || apply(&cur, &disc, &y->losses_applied) ||
	    apply(&prior, &other, &y->carried_applied) || apply(&prior, &disc, &y->carried_applied))
		return lyra_error_wrap("cannot apply capital losses");
	/* The discount: disc * num / den, the kept part rounded half-even to cents. */
	if (lyra_dec_mul(disc, lyra_dec_from_int(den - num), 2, LYRA_ROUND_HALF_EVEN, &kept) ||
	    lyra_dec_div(kept, lyra_dec_from_int(den), 2, LYRA_ROUND_HALF_EVEN, &kept) ||
	    lyra_dec_sub(disc, kept, &y->discount) || lyra_dec_add(other, kept, &y->net_gain) ||
	    lyra_dec_add(cur, prior, &y->carried_out))
		return lyra_error_wrap("cannot apply the CGT discount");
	return 0;
}
