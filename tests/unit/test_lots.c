/* test_lots.c: lots and disposal matching (FIFO, LIFO, HIFO, specific identification),
 * apportioned cost bases, incidental costs added to lots, the average-cost positions of pnl.h,
 * the Australian CGT rules of cgt.h, and rebalance planning (rebalance.h). */
#include <stdlib.h>
#include <string.h>

#include "cgt.h"
#include "clock.h"
#include "decimal.h"
#include "error.h"
#include "lots.h"
#include "pnl.h"
#include "rebalance.h"
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
	lyra_dec_format(d, buf[k]);
	return buf[k];
}

struct takes {
	char log[512];
};

static int take(void *ctx, const struct lyra_lot_take *t)
{
	struct takes *tk = ctx;
	size_t n = strlen(tk->log);
	snprintf(tk->log + n, sizeof tk->log - n, "%s%lld:%s@%s", n ? " " : "", (long long)t->lot_id,
	         S(t->qty), S(t->cost));
	return 0;
}

/* Three lots: 1 @ 100 (cost 100), 2 @ 300 (cost 600), 1 @ 200 (cost 200); dispose 2. */
static void three_lots(struct lyra_lots *l)
{
	memset(l, 0, sizeof *l);
	lyra_lots_add(l, 1, 10, D("1"), D("100.00"));
	lyra_lots_add(l, 2, 20, D("2"), D("600.00"));
	lyra_lots_add(l, 3, 30, D("1"), D("200.00"));
}

static void test_methods(void)
{
	struct lyra_lots l;
	struct takes tk;
	struct lyra_dec total;
	enum lyra_lot_method m;

	three_lots(&l);
	memset(&tk, 0, sizeof tk);
	CHECK_INT(lyra_lots_dispose(&l, LYRA_LOT_FIFO, D("2"), 2, take, &tk), 0, "fifo dispose");
	CHECK_STR(tk.log, "1:1@100.00 2:1@300.00", "fifo: oldest lot first, then half of lot 2");
	lyra_lots_total(&l, &total);
	CHECK_STR(S(total), "2", "fifo: 2 left");
	CHECK_STR(S(l.v[l.head].cost), "300.00", "fifo: lot 2 keeps the rest of its cost");
	lyra_lots_free(&l);

	three_lots(&l);
	memset(&tk, 0, sizeof tk);
	CHECK_INT(lyra_lots_dispose(&l, LYRA_LOT_LIFO, D("2"), 2, take, &tk), 0, "lifo dispose");
	CHECK_STR(tk.log, "3:1@200.00 2:1@300.00", "lifo: newest lot first");
	lyra_lots_free(&l);

	three_lots(&l);
	memset(&tk, 0, sizeof tk);
	CHECK_INT(lyra_lots_dispose(&l, LYRA_LOT_HIFO, D("2"), 2, take, &tk), 0, "hifo dispose");
	CHECK_STR(tk.log, "2:2@600.00", "hifo: the 300/unit lot first");
	memset(&tk, 0, sizeof tk);
	CHECK_INT(lyra_lots_dispose(&l, LYRA_LOT_HIFO, D("1.5"), 2, take, &tk), 0, "hifo again");
	CHECK_STR(tk.log, "3:1@200.00 1:0.5@50.00", "hifo: then 200/unit, then 100/unit");
	lyra_lots_free(&l);

	three_lots(&l);
	memset(&tk, 0, sizeof tk);
	CHECK_INT(lyra_lots_dispose(&l, LYRA_LOT_FIFO, D("4.1"), 2, take, &tk), -1, "short: refused");
	CHECK_STR(lyra_error_msg(), "disposal exceeds the lots held: short by 0.1", "short: message");
	CHECK_STR(tk.log, "", "short: nothing taken");
	lyra_lots_free(&l);

	/* a third of a lot: cost rounds half-even, the remainder stays with the lot */
	memset(&l, 0, sizeof l);
	lyra_lots_add(&l, 7, 1, D("3"), D("100.00"));
	memset(&tk, 0, sizeof tk);
	lyra_lots_dispose(&l, LYRA_LOT_FIFO, D("1"), 2, take, &tk);
	lyra_lots_dispose(&l, LYRA_LOT_FIFO, D("1"), 2, take, &tk);
	lyra_lots_dispose(&l, LYRA_LOT_FIFO, D("1"), 2, take, &tk);
	CHECK_STR(tk.log, "7:1@33.33 7:1@33.34 7:1@33.33", "thirds add back to 100.00 exactly");
	CHECK_INT(l.n - l.head, 0, "lot used up");
	lyra_lots_free(&l);

	CHECK(lyra_lot_method_parse("hifo", &m) == 0 && m == LYRA_LOT_HIFO, "parse hifo");
	CHECK(lyra_lot_method_parse("avg", &m) == -1, "parse unknown");
	CHECK(lyra_lots_add(&l, 1, 1, D("0"), D("1")) == -1, "zero qty lot refused");
	lyra_lots_free(&l);
}

static void test_pnl(void)
{
	struct lyra_pnl_pos p;
	struct lyra_dec v, z = lyra_dec_zero();
	lyra_pnl_init(&p);
	CHECK_INT(lyra_pnl_fill(&p, 1, D("2"), D("100"), D("1"), z), 0, "buy 2 @ 100 fee 1");
	lyra_pnl_avg_px(&p, &v);
	CHECK_STR(S(v), "100.5", "avg includes the fee");
	CHECK_INT(lyra_pnl_fill(&p, -1, D("1"), D("120"), D("0.5"), z), 0, "sell 1 @ 120 fee 0.5");
	CHECK_STR(S(p.realized), "19", "realised 120 - 100.5 - 0.5");
	lyra_pnl_mark(&p, D("110.5"));
	lyra_pnl_unrealized(&p, &v);
	CHECK_STR(S(v), "10", "unrealised 110.5 - 100.5");
	/* flip: sell 3 @ 90 -> closes 1 (loss 10.5) and opens 2 short at 90 */
	CHECK_INT(lyra_pnl_fill(&p, -1, D("3"), D("90"), z, z), 0, "flip");
	CHECK_STR(S(p.qty), "-2", "short 2");
	CHECK_STR(S(p.realized), "8.5", "19 - 10.5");
	lyra_pnl_avg_px(&p, &v);
	CHECK_STR(S(v), "90", "short avg 90");
	CHECK_INT(lyra_pnl_fill(&p, 1, D("2"), D("80"), z, z), 0, "cover 2 @ 80");
	CHECK_STR(S(p.realized), "28.5", "short gain 20");
	CHECK(lyra_dec_is_zero(p.qty) && lyra_dec_is_zero(p.cost), "flat, no cost left");
	/* a fee in the base asset reduces the quantity */
	lyra_pnl_init(&p);
	lyra_pnl_fill(&p, 1, D("1"), D("100"), z, D("0.001"));
	CHECK_STR(S(p.qty), "0.999", "base fee: 0.999 held");
	lyra_pnl_avg_px(&p, &v);
	CHECK_STR(S(v), "100.1001001", "base fee: avg 100/0.999");
	CHECK(lyra_pnl_fill(&p, 1, D("-1"), D("100"), z, z) == -1, "negative qty refused");
}

static int64_t day(const char *s)
{
	int64_t d;
	if (lyra_cgt_day_parse(s, &d) != 0)
		abort();
	return d;
}

static void test_cgt(void)
{
	char b[11];
	int64_t us, num, den;
	struct lyra_cgt_year y;
	enum lyra_cgt_entity e;
	int fy;

	/* TD 2002/10: both the acquisition and the disposal day are excluded */
	CHECK(!lyra_cgt_discount_eligible(day("2024-07-01"), day("2025-07-01")), "12 months less a day");
	CHECK(lyra_cgt_discount_eligible(day("2024-07-01"), day("2025-07-02")), "12 months excluding days");
	CHECK(!lyra_cgt_discount_eligible(day("2024-07-01"), day("2025-06-30")), "a day before");
	CHECK(!lyra_cgt_discount_eligible(day("2024-02-29"), day("2025-02-28")), "leap: 28 Feb no");
	CHECK(lyra_cgt_discount_eligible(day("2024-02-29"), day("2025-03-01")), "leap: 1 Mar yes");

	/* Sydney dates: AEST +10 in winter, AEDT +11 in summer */
	lyra_time_parse("2025-06-30T14:00:00Z", &us);
	lyra_cgt_day_format(lyra_cgt_sydney_day(us), b);
	CHECK_STR(b, "2025-07-01", "winter: 14:00Z is midnight 1 July in Sydney");
	lyra_time_parse("2025-06-30T13:59:59Z", &us);
	lyra_cgt_day_format(lyra_cgt_sydney_day(us), b);
	CHECK_STR(b, "2025-06-30", "winter: a second before is still 30 June");
	lyra_time_parse("2025-12-31T13:00:00Z", &us);
	lyra_cgt_day_format(lyra_cgt_sydney_day(us), b);
	CHECK_STR(b, "2026-01-01", "summer: 13:00Z is midnight in Sydney (AEDT)");
	lyra_time_parse("2025-10-04T15:59:59Z", &us);   /* 01:59:59 AEST, 5 Oct, before the change */
	lyra_cgt_day_format(lyra_cgt_sydney_day(us), b);
	CHECK_STR(b, "2025-10-05", "DST start day");
	lyra_time_parse("2026-04-04T13:30:00Z", &us);   /* 00:30 AEDT 5 April */
	lyra_cgt_day_format(lyra_cgt_sydney_day(us), b);
	CHECK_STR(b, "2026-04-05", "DST end day, still AEDT");

	CHECK(lyra_cgt_fy_parse("2025-26", &fy) == 0 && fy == 2025, "fy 2025-26");
	CHECK(lyra_cgt_fy_parse("2025-27", &fy) == -1, "fy must be consecutive years");
	CHECK_INT(lyra_cgt_fy_of_day(day("2025-06-30")), 2024, "30 June is the old year");
	CHECK_INT(lyra_cgt_fy_of_day(day("2025-07-01")), 2025, "1 July starts the year");

	CHECK(lyra_cgt_entity_parse("super", &e) == 0 && e == LYRA_CGT_SUPER, "entity super");
	CHECK(lyra_cgt_discount(LYRA_CGT_INDIVIDUAL, day("2025-07-02"), &num, &den) == 0 && num == 1 &&
	      den == 2, "individual 1/2");
	CHECK(lyra_cgt_discount(LYRA_CGT_TRUST, day("2025-07-02"), &num, &den) == 0 && num == 1 &&
	      den == 2, "trust 1/2");
	CHECK(lyra_cgt_discount(LYRA_CGT_SUPER, day("2025-07-02"), &num, &den) == 0 && num == 1 &&
	      den == 3, "super 1/3");
	CHECK(lyra_cgt_discount(LYRA_CGT_COMPANY, day("2025-07-02"), &num, &den) == 0 && num == 0,
	      "company none");
	CHECK(lyra_cgt_discount(LYRA_CGT_COMPANY, day("1999-09-20"), &num, &den) == -1, "no rule");

	/* Losses: 1000 discountable, 300 other, current losses 400, carried 200.
	 * 400 -> 300 other, 100 discountable; 200 carried -> discountable: 700 left, 50% -> 350. */
	memset(&y, 0, sizeof y);
	y.gains_discountable = D("1000.00");
	y.gains_other = D("300.00");
	y.losses = D("400.00");
	y.carried_in = D("200.00");
	CHECK_INT(lyra_cgt_year_compute(&y, LYRA_CGT_INDIVIDUAL, day("2026-06-30")), 0, "compute");
	CHECK_STR(S(y.total_gains), "1300.00", "H");
	CHECK_STR(S(y.losses_applied), "400.00", "current losses used");
	CHECK_STR(S(y.carried_applied), "200.00", "carried losses used");
	CHECK_STR(S(y.discount), "350.00", "discount after losses");
	CHECK_STR(S(y.net_gain), "350.00", "A");
	CHECK_STR(S(y.carried_out), "0.00", "V");
	CHECK_INT(lyra_cgt_year_compute(&y, LYRA_CGT_SUPER, day("2026-06-30")), 0, "super");
	CHECK_STR(S(y.net_gain), "466.67", "super keeps 2/3 of 700");
	CHECK_INT(lyra_cgt_year_compute(&y, LYRA_CGT_COMPANY, day("2026-06-30")), 0, "company");
	CHECK_STR(S(y.net_gain), "700.00", "company: no discount");
	/* losses larger than gains carry forward */
	y.losses = D("2000.00");
	lyra_cgt_year_compute(&y, LYRA_CGT_INDIVIDUAL, day("2026-06-30"));
	CHECK_STR(S(y.net_gain), "0.00", "no net gain");
	CHECK_STR(S(y.carried_out), "900.00", "2000 + 200 - 1300 carried forward");
}

static void test_specific(void)
{
	struct lyra_lots l;
	struct takes tk;
	enum lyra_lot_method m;

	CHECK_INT(lyra_lot_method_parse("specific", &m), 0, "specific parses");
	CHECK_STR(lyra_lot_method_name(m), "specific", "specific name");
	three_lots(&l);
	memset(&tk, 0, sizeof tk);
	CHECK_INT(lyra_lots_take(&l, 2, D("0.5"), 2, take, &tk), 0, "take half a lot 2");
	CHECK_INT(lyra_lots_take(&l, 3, D("1"), 2, take, &tk), 0, "take all of lot 3");
	CHECK_STR(tk.log, "2:0.5@150.00 3:1@200.00", "named pieces with their cost");
	CHECK_INT(lyra_lots_take(&l, 3, D("1"), 2, take, &tk), -1, "lot 3 is used up");
	CHECK_INT(lyra_lots_take(&l, 1, D("2"), 2, take, &tk), -1, "lot 1 holds 1");
	CHECK_STR(lyra_error_msg(), "lot 1 holds only 1", "message names the lot");
	memset(&tk, 0, sizeof tk);
	CHECK_INT(lyra_lots_dispose(&l, LYRA_LOT_SPECIFIC, D("2"), 2, take, &tk), 0, "the rest");
	CHECK_STR(tk.log, "1:1@100.00 2:1@300.00", "the rest of a specific disposal goes FIFO");
	lyra_lots_free(&l);

	/* a transfer fee of 10.00 on 2 units moved: FIFO spreads it over lots 1 and 2 */
	three_lots(&l);
	CHECK_INT(lyra_lots_add_cost(&l, LYRA_LOT_FIFO, D("2"), D("10.00"), 2), 0, "add cost fifo");
	CHECK_STR(S(l.v[0].cost), "105.00", "lot 1: half");
	CHECK_STR(S(l.v[1].cost), "605.00", "lot 2: the rest");
	CHECK_STR(S(l.v[2].cost), "200.00", "lot 3 untouched");
	CHECK_INT(lyra_lots_add_cost(&l, LYRA_LOT_FIFO, D("4.5"), D("1"), 2), -1, "more than held");
	lyra_lots_free(&l);
	three_lots(&l);
	CHECK_INT(lyra_lots_add_cost(&l, LYRA_LOT_HIFO, D("1.5"), D("3.00"), 2), 0, "add cost hifo");
	CHECK_STR(S(l.v[1].cost), "603.00", "hifo: the 300/unit lot holds all 1.5");
	CHECK_STR(S(l.v[1].unit), "301.500000000000", "its unit cost follows");
	CHECK_INT(lyra_lots_add_cost(&l, LYRA_LOT_LIFO, D("2"), D("0.03"), 2), 0, "add cost lifo");
	CHECK_STR(S(l.v[2].cost), "200.02", "lifo: lot 3 first, 0.015 rounds half-even to 0.02");
	CHECK_STR(S(l.v[1].cost), "603.01", "then lot 2 gets the remainder");
	lyra_lots_free(&l);
}

static int notes;
static void count_note(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
	notes++;
}

static void test_rebalance(void)
{
	struct lyra_market btc, eth;
	struct lyra_rebal_asset a[3];
	struct lyra_rebal_order out[3];
	size_t n;

	memset(&btc, 0, sizeof btc);
	btc.lot = D("0.01");
	btc.min_qty = D("0.01");
	btc.min_notional = D("5");
	btc.taker_fee = D("0.01");
	eth = btc;
	memset(a, 0, sizeof a);
	strcpy(a[0].asset, "USDT");
	a[0].held = D("100");
	a[0].target = lyra_dec_zero();
	strcpy(a[1].asset, "BTC");
	a[1].target = D("1");
	a[1].held = lyra_dec_zero();
	a[1].mark = D("1000");
	a[1].m = &btc;
	strcpy(a[2].asset, "ETH");
	a[2].target = lyra_dec_zero();
	a[2].held = D("0.005");
	a[2].mark = D("1000");
	a[2].m = &eth;
	/* worth 105; BTC to 100%: 0.105 -> 0.1 on the lot, 100 + 1 fee > the 100 cash: 100 / 1010
	 * = 9 lots; ETH's 5 is out of band but 0.005 is under one lot */
	CHECK_INT(lyra_rebalance_plan(a, 3, D("0.02"), out, &n, count_note, NULL), 0, "plan");
	CHECK_INT(n, 1, "one order");
	CHECK_STR(out[0].asset, "BTC", "a buy of BTC");
	CHECK_INT(out[0].side, 1, "buy");
	CHECK_STR(S(out[0].qty), "0.09", "what the cash buys, fee included");
	CHECK_STR(S(out[0].fee), "0.9", "its fee");
	CHECK_INT(notes, 1, "ETH left alone, with a note");
	a[1].target = D("0.99");
	a[2].target = D("0.02");
	CHECK_INT(lyra_rebalance_plan(a, 3, D("0.02"), out, &n, NULL, NULL), -1, "targets over 1");
}

int main(void)
{
	test_methods();
	test_specific();
	test_rebalance();
	test_pnl();
	test_cgt();
	return unit_done();
}
