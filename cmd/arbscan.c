/* arbscan: arbitrage scanner over a market-data stream. `cross` keeps an L2 book per venue x
 * symbol from book, book_delta and bbo records, learns taker fees from market records (or a
 * fees file), and for every symbol quoted on two or more venues sizes buy-here/sell-there by
 * walking both books while the marginal edge after fees stays at or above --min-bps.
 * `triangle` searches the currency graph of each venue for cycles that pay after fees, only
 * through the market that changed, and prices them exactly; `funding` weighs a perpetual's
 * funding against spot net of fees; `stat` emits pairs-trading signals from candle closes.
 * Each opportunity is reported once when it opens and once when it closes; stale books (by
 * event time) are never used; every other record passes through as its original bytes. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "arbgraph.h"
#include "arbstat.h"
#include "book.h"
#include "cli.h"
#include "clock.h"
#include "decimal.h"
#include "error.h"
#include "fees.h"
#include "markets.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"
#include "store.h"
#include "table.h"

enum { CMD_CROSS, CMD_TRIANGLE, CMD_FUNDING, CMD_STAT, CMD_SCAN };

static const struct lyra_subcmd cmds[] = {
	[CMD_CROSS] = { "cross", "[--min-bps N] [--max-age D] [--fees FILE] [FILE...]",
	                "buy on one venue, sell on another, net of taker fees, sized by depth" },
	[CMD_TRIANGLE] = { "triangle", "[--max-legs N] [--min-bps N] [--max-age D] [FILE...]",
	                   "currency cycles that pay after fees, within a venue or across venues" },
	[CMD_FUNDING] = { "funding", "[--hold D] [--period D] [--min-apr R] [FILE...]",
	                  "long spot, short perpetual: funding carry net of fees, annualised" },
	[CMD_STAT] = { "stat", "--pair A B [--window N] [--entry Z] [--exit Z] [FILE...]",
	               "pairs trading on candle closes: hedge ratio, z-score, half-life, signals" },
	[CMD_SCAN] = { "scan", "VENUE[,VENUE...] SYMBOL... [--depth N] [--min-bps N] [--fees FILE]",
	               "fetch snapshots once (mdfeed) and list cross and triangle opportunities" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_MIN_BPS = 256, OPT_MAX_AGE, OPT_FEES, OPT_MAX_QTY, OPT_UNBUFFERED, OPT_MAX_LEGS, OPT_HOLD,
	OPT_PERIOD, OPT_MIN_APR, OPT_PAIR, OPT_WINDOW, OPT_ENTRY, OPT_EXIT, OPT_CROSS_VENUE,
	OPT_XFER, OPT_HEDGE, OPT_DELTA, OPT_OBS_NOISE, OPT_DEPTH,
};

static const struct lyra_opt opts[] = {
	{ "min-bps", OPT_MIN_BPS, "N", "cross, triangle: smallest edge after fees, in bps (default 0)" },
	{ "max-age", OPT_MAX_AGE, "D", "ignore books older than D in event time (default 5s; 0: never)" },
	{ "fees", OPT_FEES, "FILE", "fee overrides: lines 'VENUE SYMBOL TAKER [MAKER]' ('*' allowed)" },
	{ "max-qty", OPT_MAX_QTY, "Q", "cross: size no opportunity above Q base units" },
	{ "unbuffered", OPT_UNBUFFERED, NULL, "flush every output record (live streams)" },
	{ "max-legs", OPT_MAX_LEGS, "N", "triangle: longest cycle, 2 to 6 legs (default 4)" },
	{ "cross-venue", OPT_CROSS_VENUE, NULL, "triangle: cycles may move an asset between venues" },
	{ "transfer-costs", OPT_XFER, "FILE",
	  "cross, triangle: moving an asset between venues, lines 'ASSET FIXED [BPS]'" },
	{ "hold", OPT_HOLD, "D", "funding: holding period (default 7d)" },
	{ "period", OPT_PERIOD, "D", "funding: time between funding payments (default 8h)" },
	{ "min-apr", OPT_MIN_APR, "R", "funding: smallest annualised net carry, a fraction (default 0)" },
	{ "pair", OPT_PAIR, "A", "stat: the first leg ([VENUE:]SYMBOL); the second is the next operand" },
	{ "window", OPT_WINDOW, "N", "stat: rolling window in bars (default 100)" },
	{ "entry", OPT_ENTRY, "Z", "stat: |z| at or above which to enter (default 2)" },
	{ "exit", OPT_EXIT, "Z", "stat: |z| at or below which to exit (default 0.5)" },
	{ "depth", OPT_DEPTH, "N", "scan: book levels per side fetched (default 20)" },
	{ "hedge", OPT_HEDGE, "M", "stat: hedge ratio by 'ols' (rolling, default) or 'kalman'" },
	{ "delta", OPT_DELTA, "D", "stat --hedge kalman: state noise, 0 < D < 1 (default 0.0001)" },
	{ "obs-noise", OPT_OBS_NOISE, "V",
	  "stat --hedge kalman: observation noise variance (default 0.001)" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"cross [--min-bps N] [--max-age D] [--fees FILE] [--max-qty Q] [--transfer-costs FILE] [FILE...]",
	"triangle [--max-legs N] [--min-bps N] [--max-age D] [--fees FILE] [--cross-venue]"
	" [--transfer-costs FILE] [FILE...]",
	"funding [--hold D] [--period D] [--min-apr R] [--max-age D] [--fees FILE] [FILE...]",
	"stat --pair A B [--window N] [--entry Z] [--exit Z] [--hedge ols|kalman] [--delta D]"
	" [--obs-noise V] [FILE...]",
	"scan VENUE[,VENUE...] SYMBOL... [--depth N] [--min-bps N] [--max-legs N] [--cross-venue]"
	" [--fees FILE] [--transfer-costs FILE]",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"arbscan", "Arbitrage scanner: cross-venue, triangular, funding and pairs opportunities.",
	usage, cmds, opts,
};

struct args {
	struct lyra_dec min_bps, max_qty;
	int has_max_qty;
	int64_t max_age;
	const char *fees_file;
	int unbuffered;
	int max_legs;
	int triangle, funding;
	int cross_venue;
	const char *xfer_file;
	int64_t hold, period;
	struct lyra_dec min_apr;
	const char *pair_a, *pair_b;
	int window;
	double entry, exit_z;
	int kalman;                 /* stat --hedge kalman */
	int scan;                   /* scan: cross and triangle at once, results at the end */
	int depth;
	const char *scan_venues;
	double kdelta, kve;
};

static struct lyra_cli cli;

/* ---- open opportunities ---- */

struct opp {
	const struct lyra_book *buy, *sell;
	int64_t opened;
	struct lyra_cross last;
	struct lyra_dec fee_buy, fee_sell;
	int64_t ts_buy, ts_sell;
	int seen;
	struct lyra_dec apr, rate;  /* funding */
	int64_t next_ts, periods;
	int has_xfer;               /* cross with --transfer-costs: last.cost excludes transfer */
	struct lyra_dec transfer;
};

struct frate {
	const struct lyra_book *perp;
	struct lyra_dec rate;
	int64_t ts, next_ts;
};

#define MAX_LEGS 6

/* The kinds of graph edges (lyra_arbedge.side): a market's sell or buy side, or a transfer of
 * one asset between two venues (--cross-venue). */
enum { LEG_BUY = 0, LEG_SELL = 1, LEG_XFER = 2 };

struct tri_leg {
	const struct lyra_book *b;  /* NULL for a transfer */
	int kind;
	int from, to;               /* graph nodes */
	struct lyra_dec px, qty, fee, fixed, out;
	int64_t ts;
};

struct tri {
	int edges[MAX_LEGS], n;
	int64_t opened;
	struct tri_leg legs[MAX_LEGS];
	struct lyra_dec start, end, profit, edge_bps;
	int found;
};

struct state {
	const struct args *a;
	struct lyra_books *books;
	struct lyra_fees *fees;
	struct lyra_xfer *xfer;     /* NULL: no --transfer-costs */
	struct lyra_clock clock;
	struct opp *opps;
	size_t nopps, capopps;
	int out_err;
	int deferred;               /* scan: open records are written at the end, not as found */
	int64_t records, opened, closed;
	struct lyra_arbgraph *g;
	struct tri *tris;
	size_t ntris, captris;
	struct frate *frates;
	size_t nfrates, capfrates;
};

static struct opp *opp_find(struct state *s, const struct lyra_book *buy, const struct lyra_book *sell)
{
	for (size_t i = 0; i < s->nopps; i++)
		if (s->opps[i].buy == buy && s->opps[i].sell == sell)
			return &s->opps[i];
	return NULL;
}

static void set_dec(json_t *o, const char *k, struct lyra_dec d)
{
	if (lyra_json_set_dec(o, k, d) != 0)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
}

static json_t *leg(const struct lyra_book *b, const char *side, struct lyra_dec px,
                   struct lyra_dec qty, struct lyra_dec fee, int64_t book_ts)
{
	json_t *l = json_object();
	if (!l)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(l, "venue", json_string(b->venue));
	json_object_set_new(l, "symbol", json_string(b->symbol));
	json_object_set_new(l, "side", json_string(side));
	set_dec(l, "px", px);
	set_dec(l, "qty", qty);
	set_dec(l, "fee", fee);
	json_object_set_new(l, "book_ts", json_integer(book_ts));
	return l;
}

static void emit(struct state *s, const struct opp *o, const char *status, const char *reason)
{
	int64_t now = lyra_clock_now(&s->clock);
	int64_t oldest = o->ts_buy < o->ts_sell ? o->ts_buy : o->ts_sell;
	char id[200];
	if (s->deferred && strcmp(status, "open") == 0)
		return;
	const char *kind = s->a->funding ? "funding" : "cross";
	snprintf(id, sizeof id, "%s:%s:%s>%s:%lld", kind, o->buy->symbol, o->buy->venue, o->sell->venue,
	         (long long)o->opened);
	json_t *r = lyra_record_new("opportunity", now), *legs = json_array();
	if (!r || !legs)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set_new(r, "id", json_string(id));
	json_object_set_new(r, "status", json_string(status));
	json_object_set_new(r, "symbol", json_string(o->buy->symbol));
	json_array_append_new(legs, leg(o->buy, "buy", o->last.buy_px, o->last.qty, o->fee_buy, o->ts_buy));
	json_array_append_new(legs, leg(o->sell, "sell", o->last.sell_px, o->last.qty, o->fee_sell,
	                                o->ts_sell));
	json_object_set_new(r, "legs", legs);
	set_dec(r, "edge_bps", o->last.edge_bps);
	set_dec(r, "profit", o->last.profit);
	if (s->a->funding) {
		set_dec(r, "apr", o->apr);
		set_dec(r, "rate", o->rate);
		json_object_set_new(r, "periods", json_integer(o->periods));
		json_object_set_new(r, "hold", json_integer(s->a->hold));
		json_object_set_new(r, "next_ts", json_integer(o->next_ts));
	} else {
		set_dec(r, "cost", o->last.cost);
		set_dec(r, "proceeds", o->last.proceeds);
		if (o->has_xfer)
			set_dec(r, "transfer", o->transfer);
	}
	json_object_set_new(r, "age", json_integer(now - oldest));
	json_object_set_new(r, "opened_ts", json_integer(o->opened));
	if (reason)
		json_object_set_new(r, "reason", json_string(reason));
	if (lyra_out_json(r) != 0)
		s->out_err = 1;
	json_decref(r);
}

static void opp_close(struct state *s, struct opp *o, const char *reason)
{
	s->closed++;
	emit(s, o, "closed", reason);
	*o = s->opps[--s->nopps];
}

/* A book usable now: valid, both sides present, not stale; its taker fee in *fee. */
static int usable(struct state *s, const struct lyra_book *b, struct lyra_dec *fee)
{
	if (!b->valid)
		return 0;
	if (s->a->max_age > 0 && lyra_clock_now(&s->clock) - b->ts > s->a->max_age)
		return 0;
	return lyra_fees_taker(s->fees, b->venue, b->symbol, fee) == 0;
}

static int split_symbol(const char *sym, char *base, char *quote, size_t n);

/* cross with --transfer-costs: the trade is done from inventory on both venues, and the
 * rebalancing costs are charged: the bought base moved from the buy venue to the sell venue,
 * the quote (the cost) moved back. Their proportional parts are folded into the buy side's
 * fee for the walk, so the marginal edge of every unit is net of them:
 *   fee' = taker_buy + bps_base + bps_quote * (1 + taker_buy)   (bps as fractions)
 * and their fixed parts (the base's valued at the worst ask touched) are charged once.
 * r->cost stays the buy notional plus its taker fee; *transfer is the whole transfer cost in
 * the quote currency; profit and edge_bps are net of it. A spot pair whose base or quote has
 * no entry cannot be rebalanced and is not used. 1, 0 or -1 as lyra_book_cross. */
static int cross_xfer(struct state *s, const struct lyra_book *buy, struct lyra_dec fb,
                      const struct lyra_book *sell, struct lyra_dec fs, struct lyra_cross *r,
                      struct lyra_dec *transfer)
{
	static const struct lyra_dec one = { 1, 0 }, tenk = { 10000, 0 };
	char base[32], quote[32];
	struct lyra_dec Fb, bb, Fq, bq, tb, tq, fb1, t, fee2, fee, cost, prop, fixed, num, rhs;
	const struct lyra_dec *maxq = s->a->has_max_qty ? &s->a->max_qty : NULL;
	*transfer = lyra_dec_zero();
	if (split_symbol(buy->symbol, base, quote, sizeof base) != 0)
		return lyra_book_cross(buy, fb, sell, fs, s->a->min_bps, maxq, r);
	if (lyra_xfer_get(s->xfer, base, &Fb, &bb) != 0 || lyra_xfer_get(s->xfer, quote, &Fq, &bq) != 0)
		return 0;
	if (lyra_dec_div(bb, tenk, 18, LYRA_ROUND_UP, &tb) != 0 ||
	    lyra_dec_div(bq, tenk, 18, LYRA_ROUND_UP, &tq) != 0 || lyra_dec_add(one, fb, &fb1) != 0 ||
	    lyra_book_mul_fit(tq, fb1, LYRA_ROUND_UP, &t) != 0 || lyra_dec_add(fb, tb, &fee2) != 0 ||
	    lyra_dec_add(fee2, lyra_dec_normalize(t), &fee2) != 0)
		return -1;
	int found = lyra_book_cross(buy, lyra_dec_normalize(fee2), sell, fs, s->a->min_bps, maxq, r);
	if (found <= 0)
		return found;
	if (lyra_book_mul_fit(r->buy_notional, fb, LYRA_ROUND_UP, &fee) != 0 ||
	    lyra_dec_add(r->buy_notional, lyra_dec_normalize(fee), &cost) != 0 ||
	    lyra_dec_sub(r->cost, cost, &prop) != 0 ||
	    lyra_book_mul_fit(Fb, r->buy_px, LYRA_ROUND_UP, &fixed) != 0 ||
	    lyra_dec_add(prop, lyra_dec_normalize(fixed), &t) != 0 || lyra_dec_add(t, Fq, transfer) != 0)
		return -1;
	*transfer = lyra_dec_normalize(*transfer);
	r->cost = lyra_dec_normalize(cost);
	if (lyra_dec_sub(r->proceeds, r->cost, &t) != 0 || lyra_dec_sub(t, *transfer, &r->profit) != 0)
		return -1;
	r->profit = lyra_dec_normalize(r->profit);
	if (lyra_book_mul_fit(r->profit, tenk, LYRA_ROUND_DOWN, &num) != 0 ||
	    lyra_book_mul_fit(s->a->min_bps, r->cost, LYRA_ROUND_UP, &rhs) != 0 ||
	    lyra_dec_div(num, r->cost, 2, LYRA_ROUND_DOWN, &r->edge_bps) != 0)
		return -1;
	return lyra_dec_sign(r->profit) > 0 && lyra_dec_cmp(num, rhs) >= 0;
}

static void evaluate_pair(struct state *s, const struct lyra_book *buy, const struct lyra_book *sell,
                          int ok_buy, struct lyra_dec fb, int ok_sell, struct lyra_dec fs)
{
	struct opp *o = opp_find(s, buy, sell);
	struct lyra_cross r;
	struct lyra_dec transfer = lyra_dec_zero();
	int found = 0;
	const char *reason = "stale";
	memset(&r, 0, sizeof r);
	if (ok_buy && ok_sell) {
		found = s->xfer ? cross_xfer(s, buy, fb, sell, fs, &r, &transfer) :
		        lyra_book_cross(buy, fb, sell, fs, s->a->min_bps,
		                        s->a->has_max_qty ? &s->a->max_qty : NULL, &r);
		if (found < 0) {
			lyra_warn("%s %s>%s: %s", buy->symbol, buy->venue, sell->venue, lyra_error_msg());
			found = 0;
		}
		reason = "gone";
	} else if (!buy->valid || !sell->valid) {
		reason = "invalid";
	}
	if (found) {
		if (o) {
			o->last = r;
			o->fee_buy = fb;
			o->fee_sell = fs;
			o->ts_buy = buy->ts;
			o->ts_sell = sell->ts;
			o->transfer = transfer;
			return;
		}
		if (s->nopps == s->capopps) {
			size_t cap = s->capopps ? s->capopps * 2 : 16;
			struct opp *v = realloc(s->opps, cap * sizeof *v);
			if (!v)
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
			s->opps = v;
			s->capopps = cap;
		}
		o = &s->opps[s->nopps++];
		memset(o, 0, sizeof *o);
		o->buy = buy;
		o->sell = sell;
		o->opened = lyra_clock_now(&s->clock);
		o->last = r;
		o->fee_buy = fb;
		o->fee_sell = fs;
		o->ts_buy = buy->ts;
		o->ts_sell = sell->ts;
		o->has_xfer = s->xfer != NULL;
		o->transfer = transfer;
		s->opened++;
		emit(s, o, "open", NULL);
	} else if (o) {
		opp_close(s, o, reason);
	}
}

static void evaluate_symbol(struct state *s, const struct lyra_book *changed)
{
	size_t n;
	struct lyra_book *const *v = lyra_books_group(s->books, changed, &n);
	if (n < 2)
		return;
	struct lyra_dec fee[n];
	int ok[n];
	for (size_t i = 0; i < n; i++)
		ok[i] = usable(s, v[i], &fee[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (i != j)
				evaluate_pair(s, v[i], v[j], ok[i], fee[i], ok[j], fee[j]);
}

/* Close what relies on a book that went stale as the event clock moved. */
static void sweep_stale(struct state *s)
{
	if (s->a->max_age <= 0)
		return;
	int64_t now = lyra_clock_now(&s->clock);
	for (size_t i = 0; i < s->nopps;) {
		struct opp *o = &s->opps[i];
		if (now - o->buy->ts > s->a->max_age || now - o->sell->ts > s->a->max_age)
			opp_close(s, o, "stale");
		else
			i++;
	}
}

/* ---- triangle: cycles of conversions within a venue, or across venues with transfers ---- */

static double to_double(struct lyra_dec d)
{
	return (double)d.mant / pow(10, d.scale);
}

/* The currency on one side of "BASE/QUOTE"; 0, or -1 for anything else (perpetuals, odd names). */
static int split_symbol(const char *sym, char *base, char *quote, size_t n)
{
	const char *slash = strchr(sym, '/');
	if (!slash || strchr(sym, ':') || slash == sym || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - sym) >= n || strlen(slash + 1) >= n)
		return -1;
	memcpy(base, sym, (size_t)(slash - sym));
	base[slash - sym] = '\0';
	strcpy(quote, slash + 1);
	return 0;
}

/* A graph node's asset ("binance:BTC" -> "BTC") and its venue's length. */
static const char *node_asset(const struct lyra_arbgraph *g, int node, size_t *vlen)
{
	const char *name = lyra_arbgraph_name(g, node), *colon = strchr(name, ':');
	*vlen = (size_t)(colon - name);
	return colon + 1;
}

/* The cost of moving asset between venues: 0 with fixed and bps, -1 when it cannot move
 * (not --cross-venue, or --transfer-costs has no entry for it). Without a transfer-costs file
 * every transfer is free. */
static int xfer_cost(const struct state *s, const char *asset, struct lyra_dec *fixed,
                     struct lyra_dec *bps)
{
	*fixed = *bps = lyra_dec_zero();
	if (!s->a->cross_venue)
		return -1;
	if (!s->xfer)
		return 0;
	return lyra_xfer_get(s->xfer, asset, fixed, bps) == 0 ? 0 : -1;
}

/* The node "venue:asset", created on first sight; with --cross-venue a new node is linked both
 * ways to the same asset on every other venue (weight -log(1 - bps/10000): the fixed part of a
 * transfer does not change the marginal rate, the exact sizing charges it). */
static int tri_node(struct state *s, const char *venue, const char *asset)
{
	char name[96];
	snprintf(name, sizeof name, "%s:%s", venue, asset);
	int before = lyra_arbgraph_nodes(s->g);
	int id = lyra_arbgraph_node(s->g, name);
	if (id < 0)
		lyra_die_last();
	struct lyra_dec fixed, bps;
	if (id < before || xfer_cost(s, asset, &fixed, &bps) != 0)
		return id;
	double w = -log1p(-to_double(bps) / 10000);
	for (int k = 0; k < id; k++) {
		size_t vlen;
		const char *a = node_asset(s->g, k, &vlen);
		if (strcmp(a, asset) != 0)
			continue;
		int e1 = lyra_arbgraph_add_edge(s->g, k, id, NULL, LEG_XFER);
		int e2 = lyra_arbgraph_add_edge(s->g, id, k, NULL, LEG_XFER);
		if (e1 < 0 || e2 < 0)
			lyra_die_last();
		lyra_arbgraph_set_weight(s->g, e1, w);
		lyra_arbgraph_set_weight(s->g, e2, w);
	}
	return id;
}

/* The two edges of a book's market (sell: base -> quote at the bid; buy: quote -> base at the
 * ask), created on first sight; -1 when the symbol is not a spot pair. */
static int tri_edges(struct state *s, struct lyra_book *b, int *e_sell)
{
	if (b->user > 0) {
		*e_sell = b->user - 1;
		return 0;
	}
	if (b->user < 0)
		return -1;
	char base[32], quote[32];
	if (split_symbol(b->symbol, base, quote, sizeof base) != 0) {
		b->user = -1;
		return -1;
	}
	int nb = tri_node(s, b->venue, base), nq = tri_node(s, b->venue, quote);
	int es = lyra_arbgraph_add_edge(s->g, nb, nq, b, LEG_SELL);
	if (es < 0 || lyra_arbgraph_add_edge(s->g, nq, nb, b, LEG_BUY) != es + 1)
		lyra_die_last();
	b->user = es + 1;
	*e_sell = es;
	return 0;
}

/* -log(rate after fee) of both edges at the best level, or INFINITY when the book cannot be
 * used. */
static void tri_weights(struct state *s, struct lyra_book *b, int e_sell)
{
	struct lyra_dec fee;
	double ws = INFINITY, wb = INFINITY;
	if (usable(s, b, &fee)) {
		double f = to_double(fee);
		if (b->bids.n && f < 1)
			ws = -log(to_double(b->bids.lv[0].px) * (1 - f));
		if (b->asks.n && f < 1)
			wb = -log((1 - f) / to_double(b->asks.lv[0].px));
	}
	lyra_arbgraph_set_weight(s->g, e_sell, ws);
	lyra_arbgraph_set_weight(s->g, e_sell + 1, wb);
}

/* a / b rounded down at `scale` digits, or fewer when the quotient is too large. */
static int div_down(struct lyra_dec a, struct lyra_dec b, int scale, struct lyra_dec *out)
{
	for (; scale >= 0; scale--)
		if (lyra_dec_div(a, b, scale, LYRA_ROUND_DOWN, out) == 0)
			return 0;
	return -1;
}

static const struct lyra_dec DEC_ONE = { 1, 0 }, DEC_TENK = { 10000, 0 };

/* The levels a leg walks: bids for a sell, asks for a buy. */
static const struct lyra_book_side *leg_side(const struct tri_leg *l)
{
	return l->kind == LEG_SELL ? &l->b->bids : &l->b->asks;
}

/* A leg's marginal rate at level k (output per unit of input, after the fee, rounded down):
 * sell px * (1 - fee), buy (1 - fee) / px, transfer 1 - bps / 10000 (held in fee). */
static int leg_rate(const struct tri_leg *l, size_t k, struct lyra_dec *rate)
{
	struct lyra_dec keep;
	if (lyra_dec_sub(DEC_ONE, l->fee, &keep) != 0)
		return -1;
	if (l->kind == LEG_XFER) {
		*rate = keep;
		return 0;
	}
	struct lyra_dec px = leg_side(l)->lv[k].px;
	if (l->kind == LEG_SELL)
		return lyra_book_mul_fit(px, keep, LYRA_ROUND_DOWN, rate);
	return div_down(keep, px, 18, rate);
}

/* A leg's capacity at level k in its input currency (base for a sell, quote for a buy). */
static int leg_cap(const struct tri_leg *l, size_t k, struct lyra_dec *cap)
{
	const struct lyra_level *lv = &leg_side(l)->lv[k];
	if (l->kind == LEG_SELL) {
		*cap = lv->qty;
		return 0;
	}
	return lyra_book_mul_fit(lv->qty, lv->px, LYRA_ROUND_DOWN, cap);
}

/* Walk one leg exactly with `in` units of its input over levels 0..last: sets qty, px (the
 * worst level touched), out (after fee and, for a transfer, its fixed cost; rounded down) and
 * *spent (the input used; rounded up). A bought quantity is rounded down to 8 decimals. 1 when
 * something came out, 0 when nothing did, -1 on arithmetic overflow. */
static int leg_walk(struct tri_leg *l, struct lyra_dec in, size_t last, struct lyra_dec *spent)
{
	struct lyra_dec keep, gross = lyra_dec_zero(), left = in, used = lyra_dec_zero();
	l->qty = lyra_dec_zero();
	if (lyra_dec_sub(DEC_ONE, l->fee, &keep) != 0)
		return -1;
	if (l->kind == LEG_XFER) {
		l->qty = in;
		*spent = in;
		if (lyra_book_mul_fit(in, keep, LYRA_ROUND_DOWN, &gross) != 0 ||
		    lyra_book_sub_fit(gross, l->fixed, LYRA_ROUND_DOWN, &l->out) != 0)
			return -1;
		l->out = lyra_dec_normalize(l->out);
		return lyra_dec_sign(l->out) > 0;
	}
	const struct lyra_book_side *sd = leg_side(l);
	for (size_t k = 0; k <= last && k < sd->n && lyra_dec_sign(left) > 0; k++) {
		const struct lyra_level *lv = &sd->lv[k];
		struct lyra_dec take, cost;
		if (l->kind == LEG_SELL) {
			take = lyra_dec_cmp(left, lv->qty) <= 0 ? left : lv->qty;
			if (lyra_book_mul_fit(take, lv->px, LYRA_ROUND_DOWN, &cost) != 0 ||
			    lyra_book_add_fit(gross, lyra_dec_normalize(cost), LYRA_ROUND_DOWN, &gross) != 0 ||
			    lyra_book_sub_fit(left, take, LYRA_ROUND_DOWN, &left) != 0 ||
			    lyra_book_add_fit(used, take, LYRA_ROUND_UP, &used) != 0)
				return -1;
		} else {
			if (div_down(left, lv->px, 8, &take) != 0)
				return -1;
			if (lyra_dec_cmp(take, lv->qty) > 0)
				take = lv->qty;
			if (lyra_dec_sign(take) <= 0)
				break;
			if (lyra_book_mul_fit(take, lv->px, LYRA_ROUND_UP, &cost) != 0)
				return -1;
			cost = lyra_dec_normalize(cost);
			if (lyra_book_sub_fit(left, cost, LYRA_ROUND_DOWN, &left) != 0 ||
			    lyra_book_add_fit(used, cost, LYRA_ROUND_UP, &used) != 0 ||
			    lyra_book_add_fit(gross, take, LYRA_ROUND_DOWN, &gross) != 0)
				return -1;
		}
		l->px = lv->px;
		if (lyra_book_add_fit(l->qty, take, LYRA_ROUND_DOWN, &l->qty) != 0)
			return -1;
	}
	l->qty = lyra_dec_normalize(l->qty);
	*spent = lyra_dec_normalize(used);
	if (lyra_dec_sign(l->qty) <= 0)
		return 0;
	if (lyra_book_mul_fit(gross, keep, LYRA_ROUND_DOWN, &l->out) != 0)
		return -1;
	l->out = lyra_dec_normalize(l->out);
	return lyra_dec_sign(l->out) > 0;
}

/* Fill the legs of a cycle (books, fees, transfer costs); 0 when every leg can be used. */
static int tri_legs(struct state *s, const int *edges, int n, struct tri *t)
{
	t->n = n;
	for (int i = 0; i < n; i++) {
		const struct lyra_arbedge *e = lyra_arbgraph_edge(s->g, edges[i]);
		struct tri_leg *l = &t->legs[i];
		memset(l, 0, sizeof *l);
		t->edges[i] = edges[i];
		l->kind = e->side;
		l->from = e->from;
		l->to = e->to;
		if (l->kind == LEG_XFER) {
			size_t vlen;
			struct lyra_dec bps;
			if (xfer_cost(s, node_asset(s->g, e->from, &vlen), &l->fixed, &bps) != 0 ||
			    div_down(bps, DEC_TENK, 18, &l->fee) != 0)
				return -1;
			continue;
		}
		l->b = e->ctx;
		l->ts = l->b->ts;
		if (!usable(s, l->b, &l->fee) || !leg_side(l)->n)
			return -1;
	}
	return 0;
}

/* Size a cycle through the depth of every leg. Phase 1 finds the largest start amount whose
 * marginal edge stays at or above --min-bps: with each leg at some level, the marginal rate of
 * the cycle is the product of the legs' rates there; the start amount grows until a leg's
 * level is used up (that leg then moves to its next level) or the marginal edge falls below
 * --min-bps or a book runs out. Amounts are decimals rounded toward less; a leg's input per
 * start unit is the product of the rates before it (a transfer's fixed cost is left out, which
 * only stops the walk earlier). Phase 2 recomputes every amount exactly along the cycle over
 * the levels phase 1 allowed. 1 when the result pays at least --min-bps in total, 0 when not,
 * -1 on arithmetic overflow. */
static int tri_size(struct state *s, const int *edges, int n, struct tri *t)
{
	struct lyra_dec rem[MAX_LEGS], P[MAX_LEGS + 1], x = lyra_dec_zero(), thr;
	size_t lv[MAX_LEGS] = { 0 }, last[MAX_LEGS] = { 0 };
	if (tri_legs(s, edges, n, t) != 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (t->legs[i].kind != LEG_XFER && leg_cap(&t->legs[i], 0, &rem[i]) != 0)
			return -1;
	if (lyra_dec_add(DEC_TENK, s->a->min_bps, &thr) != 0)
		return -1;
	for (int steps = 0; steps < 10000; steps++) {
		/* the marginal rate at the current levels, and each leg's input per start unit */
		P[0] = DEC_ONE;
		for (int i = 0; i < n; i++) {
			struct lyra_dec r;
			if (leg_rate(&t->legs[i], lv[i], &r) != 0 ||
			    lyra_book_mul_fit(P[i], r, LYRA_ROUND_DOWN, &P[i + 1]) != 0)
				return -1;
			P[i + 1] = lyra_dec_normalize(P[i + 1]);
		}
		struct lyra_dec m;
		if (lyra_book_mul_fit(P[n], DEC_TENK, LYRA_ROUND_DOWN, &m) != 0)
			return -1;
		if (lyra_dec_cmp(m, thr) < 0)
			break;
		/* how far the start amount can go before some leg's level is used up */
		struct lyra_dec dx = lyra_dec_zero();
		int bind = -1;
		for (int i = 0; i < n; i++) {
			struct lyra_dec c;
			if (t->legs[i].kind == LEG_XFER)
				continue;
			if (lyra_dec_sign(P[i]) <= 0)
				return 0;
			if (div_down(rem[i], P[i], 8, &c) != 0)
				return -1;
			if (bind < 0 || lyra_dec_cmp(c, dx) < 0) {
				dx = c;
				bind = i;
			}
		}
		if (bind < 0)
			return 0;
		if (lyra_dec_sign(dx) > 0) {
			if (lyra_book_add_fit(x, dx, LYRA_ROUND_DOWN, &x) != 0)
				return -1;
			for (int i = 0; i < n; i++)
				last[i] = lv[i];
		}
		int done = 0;
		for (int i = 0; i < n; i++) {
			struct tri_leg *l = &t->legs[i];
			struct lyra_dec used;
			if (l->kind == LEG_XFER)
				continue;
			if (lyra_book_mul_fit(dx, P[i], LYRA_ROUND_UP, &used) != 0 ||
			    lyra_book_sub_fit(rem[i], lyra_dec_normalize(used), LYRA_ROUND_DOWN, &rem[i]) != 0)
				return -1;
			if (i == bind || lyra_dec_sign(rem[i]) <= 0) {
				if (++lv[i] >= leg_side(l)->n) {
					done = 1;
					continue;
				}
				if (leg_cap(l, lv[i], &rem[i]) != 0)
					return -1;
			}
		}
		if (done)
			break;
	}
	x = lyra_dec_normalize(x);
	if (lyra_dec_sign(x) <= 0)
		return 0;
	/* phase 2: exactly along the cycle */
	struct lyra_dec amt = x;
	for (int i = 0; i < n; i++) {
		struct tri_leg *l = &t->legs[i];
		struct lyra_dec spent;
		int rc = leg_walk(l, amt, last[i], &spent);
		if (rc <= 0)
			return rc;
		if (i == 0)
			t->start = spent;
		amt = l->out;
	}
	t->end = amt;
	if (lyra_book_sub_fit(t->end, t->start, LYRA_ROUND_DOWN, &t->profit) != 0)
		return -1;
	t->profit = lyra_dec_normalize(t->profit);
	struct lyra_dec num, rhs;
	if (lyra_book_mul_fit(t->profit, DEC_TENK, LYRA_ROUND_DOWN, &num) != 0 ||
	    lyra_book_mul_fit(s->a->min_bps, t->start, LYRA_ROUND_UP, &rhs) != 0 ||
	    div_down(num, t->start, 2, &t->edge_bps) != 0)
		return -1;
	return lyra_dec_sign(t->profit) > 0 && lyra_dec_cmp(num, rhs) >= 0;
}

/* "triangle:VENUE:CUR>CUR>...>CUR:OPENED"; a node on another venue than the one before it is
 * written VENUE:CUR (a cross-venue cycle). */
static void tri_id(struct state *s, const struct tri *t, char *id, size_t n)
{
	size_t vlen, pvlen = 0;
	const char *pname = NULL;
	int len = snprintf(id, n, "triangle:");
	for (int i = 0; i <= t->n && len < (int)n; i++) {
		int node = i < t->n ? t->legs[i].from : t->legs[0].from;
		const char *name = lyra_arbgraph_name(s->g, node), *asset = node_asset(s->g, node, &vlen);
		if (!pname || vlen != pvlen || strncmp(name, pname, vlen) != 0)
			len += snprintf(id + len, n - (size_t)len, "%s%s", i ? ">" : "", name);
		else
			len += snprintf(id + len, n - (size_t)len, ">%s", asset);
		pname = name;
		pvlen = vlen;
	}
	if (len < (int)n)
		snprintf(id + len, n - (size_t)len, ":%lld", (long long)t->opened);
}

static json_t *xfer_leg(struct state *s, const struct tri_leg *l)
{
	size_t vf, vt;
	const char *asset = node_asset(s->g, l->from, &vf);
	const char *from = lyra_arbgraph_name(s->g, l->from), *to = lyra_arbgraph_name(s->g, l->to);
	node_asset(s->g, l->to, &vt);
	json_t *o = json_object();
	if (!o)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(o, "venue", json_stringn(from, vf));
	json_object_set_new(o, "to", json_stringn(to, vt));
	json_object_set_new(o, "symbol", json_string(asset));
	json_object_set_new(o, "side", json_string("transfer"));
	set_dec(o, "qty", l->qty);
	set_dec(o, "fee", l->fee);
	set_dec(o, "fixed", l->fixed);
	set_dec(o, "received", l->out);
	return o;
}

static void tri_emit(struct state *s, const struct tri *t, const char *status, const char *reason)
{
	int64_t now = lyra_clock_now(&s->clock), oldest = INT64_MAX;
	char id[512];
	size_t vlen;
	if (s->deferred && strcmp(status, "open") == 0)
		return;
	tri_id(s, t, id, sizeof id);
	json_t *r = lyra_record_new("opportunity", now), *legs = json_array();
	if (!r || !legs)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(r, "kind", json_string("triangle"));
	json_object_set_new(r, "id", json_string(id));
	json_object_set_new(r, "status", json_string(status));
	for (int i = 0; i < t->n; i++) {
		const struct tri_leg *l = &t->legs[i];
		if (l->kind == LEG_XFER) {
			json_array_append_new(legs, xfer_leg(s, l));
			continue;
		}
		if (l->ts < oldest)
			oldest = l->ts;
		json_array_append_new(legs, leg(l->b, l->kind == LEG_SELL ? "sell" : "buy", l->px, l->qty,
		                                l->fee, l->ts));
	}
	json_object_set_new(r, "legs", legs);
	set_dec(r, "edge_bps", t->edge_bps);
	set_dec(r, "profit", t->profit);
	json_object_set_new(r, "ccy", json_string(node_asset(s->g, t->legs[0].from, &vlen)));
	set_dec(r, "start", t->start);
	set_dec(r, "end", t->end);
	json_object_set_new(r, "age", json_integer(now - oldest));
	json_object_set_new(r, "opened_ts", json_integer(t->opened));
	if (reason)
		json_object_set_new(r, "reason", json_string(reason));
	if (lyra_out_json(r) != 0)
		s->out_err = 1;
	json_decref(r);
}

/* A cycle's edges rotated to start at its smallest market edge id: its identity (the same
 * start, so the same profit currency, for the whole run). */
static void canonical(struct state *s, const int *edges, int n, int *out)
{
	int m = -1;
	for (int i = 0; i < n; i++)
		if (lyra_arbgraph_edge(s->g, edges[i])->side != LEG_XFER && (m < 0 || edges[i] < edges[m]))
			m = i;
	if (m < 0)
		m = 0;
	for (int i = 0; i < n; i++)
		out[i] = edges[(m + i) % n];
}

static struct tri *tri_find(struct state *s, const int *edges, int n)
{
	for (size_t i = 0; i < s->ntris; i++)
		if (s->tris[i].n == n && memcmp(s->tris[i].edges, edges, (size_t)n * sizeof *edges) == 0)
			return &s->tris[i];
	return NULL;
}

static void tri_close(struct state *s, struct tri *t, const char *reason)
{
	s->closed++;
	tri_emit(s, t, "closed", reason);
	*t = s->tris[--s->ntris];
}

static int on_cycle(const int *edges, int n, double w, void *arg)
{
	struct state *s = arg;
	int canon[MAX_LEGS];
	struct tri t;
	(void)w;
	if (n > MAX_LEGS)
		return 0;
	canonical(s, edges, n, canon);
	struct tri *open = tri_find(s, canon, n);
	if (open) {
		open->found = 1;
		return 0;
	}
	memset(&t, 0, sizeof t);
	int rc = tri_size(s, canon, n, &t);
	if (rc < 0) {
		lyra_warn("triangle: %s", lyra_error_msg());
		return 0;
	}
	if (!rc)
		return 0;
	if (s->ntris == s->captris) {
		size_t cap = s->captris ? s->captris * 2 : 16;
		struct tri *v = realloc(s->tris, cap * sizeof *v);
		if (!v)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		s->tris = v;
		s->captris = cap;
	}
	t.opened = lyra_clock_now(&s->clock);
	t.found = 1;
	s->tris[s->ntris++] = t;
	s->opened++;
	tri_emit(s, &t, "open", NULL);
	return 0;
}

static int tri_uses(const struct tri *t, const struct lyra_book *b)
{
	for (int i = 0; i < t->n; i++)
		if (t->legs[i].b == b)
			return 1;
	return 0;
}

static void tri_update(struct state *s, struct lyra_book *b)
{
	int es;
	if (tri_edges(s, b, &es) != 0)
		return;
	tri_weights(s, b, es);
	/* open cycles through this market: re-size, keep or close */
	for (size_t i = 0; i < s->ntris;) {
		struct tri *t = &s->tris[i];
		if (!tri_uses(t, b)) {
			i++;
			continue;
		}
		struct tri nt = *t;
		int rc = tri_size(s, t->edges, t->n, &nt);
		if (rc > 0) {
			nt.opened = t->opened;
			*t = nt;
			i++;
		} else {
			const char *reason = "gone";
			for (int k = 0; k < t->n; k++)
				if (t->legs[k].b && !t->legs[k].b->valid)
					reason = "invalid";
			tri_close(s, t, reason);
		}
	}
	for (int k = 0; k < 2; k++)
		lyra_arbgraph_cycles_through(s->g, es + k, s->a->max_legs, -1e-12, on_cycle, s);
}

static void tri_sweep_stale(struct state *s)
{
	if (s->a->max_age <= 0)
		return;
	int64_t now = lyra_clock_now(&s->clock);
	for (size_t i = 0; i < s->ntris;) {
		int stale = 0;
		for (int k = 0; k < s->tris[i].n; k++)
			if (s->tris[i].legs[k].b && now - s->tris[i].legs[k].b->ts > s->a->max_age)
				stale = 1;
		if (stale)
			tri_close(s, &s->tris[i], "stale");
		else
			i++;
	}
}

/* ---- funding: long spot, short perpetual ---- */

static struct frate *frate_find(struct state *s, const struct lyra_book *perp)
{
	for (size_t i = 0; i < s->nfrates; i++)
		if (s->frates[i].perp == perp)
			return &s->frates[i];
	return NULL;
}

/* The carry of buying spot at its ask and selling the perpetual at its bid, held for --hold:
 *   net = rate * periods + (perp_bid - spot_ask) / spot_ask - 2 * (taker_spot + taker_perp)
 * (the basis converges at exit; both legs are opened and closed as a taker). 1 when it pays
 * at least --min-apr annualised, 0 when not, -1 on overflow. */
static int carry(struct state *s, const struct lyra_book *spot, struct lyra_dec fs,
                 const struct lyra_book *perp, struct lyra_dec fp, const struct frate *fr,
                 struct opp *o)
{
	static const struct lyra_dec TENK = { 10000, 0 }, TWO = { 2, 0 };
	struct lyra_dec income, basis, diff, fees, fsum, net, t, year = { 31536000000000LL, 0 };
	if (!spot->asks.n || !perp->bids.n || lyra_dec_sign(fr->rate) <= 0)
		return 0;
	struct lyra_dec ask = spot->asks.lv[0].px, bid = perp->bids.lv[0].px;
	o->periods = s->a->hold / s->a->period;
	o->rate = fr->rate;
	o->next_ts = fr->next_ts;
	if (lyra_book_mul_fit(fr->rate, lyra_dec_from_int(o->periods), LYRA_ROUND_DOWN, &income) != 0 ||
	    lyra_dec_sub(bid, ask, &diff) != 0 ||
	    lyra_dec_div(diff, ask, 12, LYRA_ROUND_DOWN, &basis) != 0 ||
	    lyra_dec_add(fs, fp, &fsum) != 0 || lyra_dec_mul_exact(fsum, TWO, &fees) != 0 ||
	    lyra_dec_add(income, basis, &t) != 0 || lyra_dec_sub(t, fees, &net) != 0)
		return -1;
	net = lyra_dec_normalize(net);
	o->last.qty = lyra_dec_cmp(spot->asks.lv[0].qty, perp->bids.lv[0].qty) <= 0 ?
	              spot->asks.lv[0].qty : perp->bids.lv[0].qty;
	o->last.buy_px = ask;
	o->last.sell_px = bid;
	struct lyra_dec notional, y;
	if (lyra_book_mul_fit(o->last.qty, ask, LYRA_ROUND_HALF_EVEN, &notional) != 0 ||
	    lyra_book_mul_fit(net, notional, LYRA_ROUND_DOWN, &o->last.profit) != 0 ||
	    lyra_dec_mul(net, TENK, 2, LYRA_ROUND_DOWN, &o->last.edge_bps) != 0 ||
	    lyra_book_mul_fit(net, year, LYRA_ROUND_DOWN, &y) != 0 ||
	    lyra_dec_div(y, lyra_dec_from_int(s->a->hold), 6, LYRA_ROUND_DOWN, &o->apr) != 0)
		return -1;
	if (lyra_dec_normalize(o->last.profit).scale > 8 &&
	    lyra_dec_rescale(o->last.profit, 8, LYRA_ROUND_DOWN, &o->last.profit) != 0)
		return -1;
	o->last.profit = lyra_dec_normalize(o->last.profit);
	return lyra_dec_sign(net) > 0 && lyra_dec_cmp(o->apr, s->a->min_apr) >= 0;
}

static void funding_pair(struct state *s, const struct lyra_book *spot, const struct lyra_book *perp)
{
	struct opp *o = opp_find(s, spot, perp), n;
	struct lyra_dec fs, fp;
	const struct frate *fr = frate_find(s, perp);
	int ok_s = usable(s, spot, &fs), ok_p = usable(s, perp, &fp), found = 0;
	memset(&n, 0, sizeof n);
	if (ok_s && ok_p && fr) {
		found = carry(s, spot, fs, perp, fp, fr, &n);
		if (found < 0) {
			lyra_warn("funding %s %s>%s: %s", spot->symbol, spot->venue, perp->venue, lyra_error_msg());
			found = 0;
		}
	}
	if (found) {
		n.buy = spot;
		n.sell = perp;
		n.fee_buy = fs;
		n.fee_sell = fp;
		n.ts_buy = spot->ts;
		n.ts_sell = perp->ts;
		if (o) {
			n.opened = o->opened;
			*o = n;
			return;
		}
		if (s->nopps == s->capopps) {
			size_t cap = s->capopps ? s->capopps * 2 : 16;
			struct opp *v = realloc(s->opps, cap * sizeof *v);
			if (!v)
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
			s->opps = v;
			s->capopps = cap;
		}
		n.opened = lyra_clock_now(&s->clock);
		s->opps[s->nopps] = n;
		s->opened++;
		emit(s, &s->opps[s->nopps++], "open", NULL);
	} else if (o) {
		opp_close(s, o, !spot->valid || !perp->valid ? "invalid" : ok_s && ok_p ? "gone" : "stale");
	}
}

static void funding_update(struct state *s, const struct lyra_book *b)
{
	const char *colon = strchr(b->symbol, ':');
	if (colon) {
		char spot_sym[64];
		snprintf(spot_sym, sizeof spot_sym, "%.*s", (int)(colon - b->symbol), b->symbol);
		size_t n;
		struct lyra_book *const *v = lyra_books_symbol(s->books, spot_sym, &n);
		for (size_t i = 0; i < n; i++)
			funding_pair(s, v[i], b);
		return;
	}
	size_t len = strlen(b->symbol);
	for (size_t i = 0; i < s->nfrates; i++) {
		const struct lyra_book *p = s->frates[i].perp;
		if (strncmp(p->symbol, b->symbol, len) == 0 && p->symbol[len] == ':')
			funding_pair(s, b, p);
	}
}

static struct lyra_book *consume_funding(struct state *s, const json_t *rec, const char *venue,
                                         const char *symbol, char *why, size_t wn, int *bad)
{
	struct lyra_dec rate;
	int64_t ts, next_ts;
	if (lyra_json_get_dec(rec, "rate", &rate) != 0 || lyra_json_get_ts(rec, "next_ts", &next_ts) != 0 ||
	    lyra_json_get_ts(rec, "ts", &ts) != 0) {
		snprintf(why, wn, "%s", lyra_error_msg());
		return NULL;
	}
	if (!strchr(symbol, ':')) {
		snprintf(why, wn, "funding for '%s' which is not a perpetual (BASE/QUOTE:SETTLE)", symbol);
		return NULL;
	}
	struct lyra_book *b = lyra_books_get(s->books, venue, symbol, 1);
	if (!b) {
		snprintf(why, wn, "%s", lyra_error_msg());
		return NULL;
	}
	struct frate *fr = frate_find(s, b);
	if (!fr) {
		if (s->nfrates == s->capfrates) {
			size_t cap = s->capfrates ? s->capfrates * 2 : 16;
			struct frate *v = realloc(s->frates, cap * sizeof *v);
			if (!v)
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
			s->frates = v;
			s->capfrates = cap;
		}
		fr = &s->frates[s->nfrates++];
		fr->perp = b;
	}
	fr->rate = rate;
	fr->ts = ts;
	fr->next_ts = next_ts;
	*bad = 0;
	return b;
}

/* ---- stat: pairs trading on candle closes ---- */

/* Statistics, not money: the hedge ratio, z-score and half-life are doubles; the records carry
 * them as decimal strings. */
struct pairleg {
	char venue[32], symbol[64];
	int64_t ts;
	double close;
	int have;
};

static void pair_parse(const char *arg, struct pairleg *l)
{
	const char *colon = strchr(arg, ':');
	memset(l, 0, sizeof *l);
	/* "VENUE:SYMBOL" when the part before ':' has no '/', else a symbol (a perpetual has ':') */
	if (colon && !memchr(arg, '/', (size_t)(colon - arg))) {
		if ((size_t)(colon - arg) >= sizeof l->venue || strlen(colon + 1) >= sizeof l->symbol)
			lyra_usage_error("--pair: '%s' is too long", arg);
		memcpy(l->venue, arg, (size_t)(colon - arg));
		strcpy(l->symbol, colon + 1);
	} else {
		if (strlen(arg) >= sizeof l->symbol)
			lyra_usage_error("--pair: '%s' is too long", arg);
		strcpy(l->symbol, arg);
	}
}

static int pair_match(const struct pairleg *l, const char *venue, const char *symbol)
{
	return strcmp(l->symbol, symbol) == 0 && (!l->venue[0] || strcmp(l->venue, venue) == 0);
}

struct statw {
	double *x, *y;   /* ring buffers of closes: x = B, y = A */
	int n, cap, head;
	int in;          /* 0 flat, +1 / -1 in a position */
	struct lyra_kalman k;
	int kstarted;    /* the filter was started from the first window's OLS fit */
};

static double ring(const double *v, const struct statw *w, int i)
{
	return v[(w->head + i) % w->cap];
}

/* OLS of y on x over the window: beta, alpha; the residuals' z-score of the last bar; the
 * half-life -ln 2 / lambda of the residuals' mean reversion (d e_t = lambda e_{t-1}). 0, or -1
 * when degenerate (no spread in x, residuals all zero). */
static int stat_resid(const struct statw *w, double beta, double alpha, double *z, double *hl);

static int stat_fit(const struct statw *w, double *beta, double *alpha, double *z, double *hl)
{
	int n = w->n;
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (int i = 0; i < n; i++) {
		double x = ring(w->x, w, i), y = ring(w->y, w, i);
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	double den = n * sxx - sx * sx;
	if (den <= 0)
		return -1;
	*beta = (n * sxy - sx * sy) / den;
	*alpha = (sy - *beta * sx) / n;
	return stat_resid(w, *beta, *alpha, z, hl);
}

/* The residuals y - beta x - alpha over the window: the last one's z-score (residual / their
 * standard deviation) and the half-life of their mean reversion. 0, or -1 when they are all 0. */
static int stat_resid(const struct statw *w, double beta, double alpha, double *z, double *hl)
{
	int n = w->n;
	double ss = 0, prev = 0, num = 0, dd = 0, e = 0;
	for (int i = 0; i < n; i++) {
		e = ring(w->y, w, i) - beta * ring(w->x, w, i) - alpha;
		ss += e * e;
		if (i) {
			num += (e - prev) * prev;
			dd += prev * prev;
		}
		prev = e;
	}
	double sd = sqrt(ss / n);
	if (sd <= 0)
		return -1;
	*z = e / sd;
	double lambda = dd > 0 ? num / dd : 0;
	*hl = lambda < 0 ? -log(2) / lambda : INFINITY;
	return 0;
}

static void set_double(json_t *r, const char *key, double v, int digits)
{
	char buf[64];
	struct lyra_dec d;
	if (!isfinite(v))
		return;
	snprintf(buf, sizeof buf, "%.*f", digits, v);
	if (lyra_dec_parse_cstr(buf, &d) == 0)
		set_dec(r, key, d);
}

static void stat_signal(struct state *s, const struct pairleg *A, const struct pairleg *B,
                        const char *kind, const char *side, double z, double beta, double alpha,
                        double hl, int64_t ts)
{
	json_t *r = lyra_record_new("signal", ts), *pair = json_array();
	char a[100], b[100];
	if (!r || !pair)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	snprintf(a, sizeof a, "%s%s%s", A->venue, A->venue[0] ? ":" : "", A->symbol);
	snprintf(b, sizeof b, "%s%s%s", B->venue, B->venue[0] ? ":" : "", B->symbol);
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set_new(r, "symbol", json_string(A->symbol));
	set_double(r, "value", z, 4);
	set_double(r, "zscore", z, 4);
	json_object_set_new(r, "side", json_string(side));
	json_array_append_new(pair, json_string(a));
	json_array_append_new(pair, json_string(b));
	json_object_set_new(r, "pair", pair);
	set_double(r, "hedge_ratio", beta, 6);
	set_double(r, "intercept", alpha, 6);
	set_double(r, "half_life", hl, 2);
	json_object_set_new(r, "window", json_integer(s->a->window));
	json_object_set_new(r, "hedge", json_string(s->a->kalman ? "kalman" : "ols"));
	if (lyra_out_json(r) != 0)
		s->out_err = 1;
	s->opened++;
	json_decref(r);
}

/* A candle of one leg: when both legs have a close for the same bar, push it and decide. */
static void stat_bar(struct state *s, struct pairleg *A, struct pairleg *B, struct statw *w)
{
	if (!A->have || !B->have || A->ts != B->ts)
		return;
	A->have = B->have = 0;
	if (w->n < w->cap) {
		w->x[(w->head + w->n) % w->cap] = B->close;
		w->y[(w->head + w->n) % w->cap] = A->close;
		w->n++;
	} else {
		w->x[w->head] = B->close;
		w->y[w->head] = A->close;
		w->head = (w->head + 1) % w->cap;
	}
	double beta, alpha, z, hl;
	if (s->a->kalman) {
		/* the filter starts from the OLS fit of the first full window (covariance 0), then
		 * every bar updates it; signals on the z-score of its forecast error; the half-life
		 * from the window's residuals around its current state */
		if (w->n < w->cap)
			return;
		if (!w->kstarted) {
			if (stat_fit(w, &beta, &alpha, &z, &hl) == 0) {
				w->k.beta = beta;
				w->k.alpha = alpha;
				w->kstarted = 1;
			}
			return;
		}
		lyra_kalman_update(&w->k, B->close, A->close);
		if (!(w->k.q > 0))
			return;
		beta = w->k.beta;
		alpha = w->k.alpha;
		z = w->k.e / sqrt(w->k.q);
		double zr;
		if (stat_resid(w, beta, alpha, &zr, &hl) != 0)
			hl = INFINITY;
	} else if (w->n < w->cap || stat_fit(w, &beta, &alpha, &z, &hl) != 0) {
		return;
	}
	if (!w->in && fabs(z) >= s->a->entry) {
		w->in = z > 0 ? -1 : 1;
		stat_signal(s, A, B, "stat_entry", z > 0 ? "sell" : "buy", z, beta, alpha, hl, A->ts);
	} else if (w->in && fabs(z) <= s->a->exit_z) {
		stat_signal(s, A, B, "stat_exit", w->in > 0 ? "sell" : "buy", z, beta, alpha, hl, A->ts);
		w->in = 0;
	}
}

static int cmd_stat(const struct args *a)
{
	struct state s = { .a = a };
	struct pairleg A, B;
	struct statw w = { 0 };
	struct lyra_line line;
	char why[512];
	int stop = 0;
	pair_parse(a->pair_a, &A);
	pair_parse(a->pair_b, &B);
	w.cap = a->window;
	lyra_kalman_init(&w.k, a->kdelta, a->kve);
	w.x = calloc((size_t)w.cap, sizeof *w.x);
	w.y = calloc((size_t)w.cap, sizeof *w.y);
	if (!w.x || !w.y)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_out_init(a->unbuffered);
	struct lyra_ndjson_in *in = lyra_ndjson_open("arbscan", cli.argv + cli.optind + 1,
	                                             cli.argc - cli.optind - 1, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	while (!stop && !s.out_err && lyra_ndjson_next(in, &line) == 1) {
		const char *t, *pwhy;
		size_t tlen;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		json_t *rec = NULL;
		const char *venue, *symbol;
		struct pairleg *leg_of = NULL;
		if (lyra_type_is(t, tlen, "candle")) {
			rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
			if (!rec) {
				stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
				continue;
			}
			venue = lyra_json_get_str(rec, "venue");
			symbol = lyra_json_get_str(rec, "symbol");
			if (venue && symbol)
				leg_of = pair_match(&A, venue, symbol) ? &A : pair_match(&B, venue, symbol) ? &B : NULL;
		}
		if (!leg_of) {
			json_decref(rec);
			if (lyra_out_raw(line.buf, line.len) != 0)
				s.out_err = 1;
			continue;
		}
		struct lyra_dec close = lyra_dec_zero();
		int64_t ts;
		const char *bad = NULL;
		if (lyra_json_get_dec(rec, "close", &close) != 0 || lyra_json_get_ts(rec, "ts", &ts) != 0)
			bad = lyra_error_msg();
		else if (lyra_dec_sign(close) <= 0)
			bad = "close must be positive";
		if (bad) {
			json_decref(rec);
			stop = lyra_ndjson_reject(in, &line, "%s", bad) != 0;
			continue;
		}
		json_decref(rec);
		leg_of->close = to_double(close);
		leg_of->ts = ts;
		leg_of->have = 1;
		stat_bar(&s, &A, &B, &w);
	}
	int status = lyra_ndjson_status(in);
	if (s.out_err)
		status = lyra_exit_merge(status, LYRA_EX_IOERR);
	lyra_ndjson_close(in);
	free(w.x);
	free(w.y);
	return status;
}

/* ---- consuming records ---- */

static const char *rec_str(const json_t *rec, const char *key, char *why, size_t n)
{
	const char *v = lyra_json_get_str(rec, key);
	if (!v)
		snprintf(why, n, "missing or non-string field '%s'", key);
	return v;
}

/* Apply one consumed record. Returns the book that changed (to evaluate), NULL when nothing is
 * to evaluate; sets *bad with a reason in why when the record cannot be used. */
static struct lyra_book *consume(struct state *s, const char *type, json_t *rec, char *why,
                                 size_t wn, int *bad)
{
	int64_t ts;
	const char *venue, *symbol;
	*bad = 1;
	if (lyra_json_get_ts(rec, "ts", &ts) != 0) {
		snprintf(why, wn, "%s", lyra_error_msg());
		return NULL;
	}
	if (!(venue = rec_str(rec, "venue", why, wn)) || !(symbol = rec_str(rec, "symbol", why, wn)))
		return NULL;
	if (strcmp(type, "funding") == 0)
		return consume_funding(s, rec, venue, symbol, why, wn, bad);
	if (strcmp(type, "market") == 0) {
		struct lyra_dec taker, maker;
		if (lyra_json_get_dec(rec, "taker_fee", &taker) != 0 ||
		    lyra_json_get_dec(rec, "maker_fee", &maker) != 0 ||
		    lyra_fees_set_market(s->fees, venue, symbol, taker, maker) != 0) {
			snprintf(why, wn, "%s", lyra_error_msg());
			return NULL;
		}
		*bad = 0;
		return lyra_books_get(s->books, venue, symbol, 0);
	}
	struct lyra_book *b;
	int rc = lyra_books_observe(s->books, type, rec, &b, why, wn);
	if (rc < 0)
		return b;   /* *bad stays set: the caller reports why */
	if (strcmp(type, "gap") != 0)
		lyra_clock_observe(&s->clock, ts);
	*bad = 0;
	return b;
}

static int consumed_type(const char *t, size_t tlen)
{
	return lyra_type_is(t, tlen, "book") || lyra_type_is(t, tlen, "book_delta") ||
	       lyra_type_is(t, tlen, "bbo") || lyra_type_is(t, tlen, "market");
}

/* cross and triangle share the stream loop; a->triangle picks the evaluation. */
static void scan_fees(struct state *s);
static int scan_report(struct state *s);

static int cmd_scan(const struct args *a, char *const *names, int nnames)
{
	struct state s = { .a = a };
	struct lyra_line line;
	char why[512];
	int stop = 0;

	s.books = lyra_books_new();
	s.fees = lyra_fees_new();
	s.g = lyra_arbgraph_new();
	if (!s.books || !s.fees || !s.g)
		lyra_die_last();
	if (a->fees_file && lyra_fees_load(s.fees, a->fees_file) != 0)
		lyra_die_last();
	if (a->xfer_file && (!(s.xfer = lyra_xfer_new()) || lyra_xfer_load(s.xfer, a->xfer_file) != 0))
		lyra_die_last();
	if (a->scan) {
		s.deferred = 1;
		scan_fees(&s);
	}
	lyra_clock_init(&s.clock, LYRA_CLOCK_EVENT);
	lyra_out_init(a->unbuffered);
	struct lyra_ndjson_in *in = lyra_ndjson_open("arbscan", names, nnames, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	while (!stop && !s.out_err && lyra_ndjson_next(in, &line) == 1) {
		const char *t, *pwhy;
		size_t tlen;
		s.records++;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		int is_gap = lyra_type_is(t, tlen, "gap");
		if (!consumed_type(t, tlen) && !is_gap &&
		    !(a->funding && lyra_type_is(t, tlen, "funding"))) {
			if (lyra_out_raw(line.buf, line.len) != 0)
				s.out_err = 1;
			continue;
		}
		char type[16];
		snprintf(type, sizeof type, "%.*s", (int)tlen, t);
		json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
		if (!rec) {
			stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
			continue;
		}
		int bad;
		struct lyra_book *b = consume(&s, type, rec, why, sizeof why, &bad);
		json_decref(rec);
		if (is_gap && lyra_out_raw(line.buf, line.len) != 0)
			s.out_err = 1;
		if (a->scan) {
			sweep_stale(&s);
			tri_sweep_stale(&s);
			if (b) {
				evaluate_symbol(&s, b);
				tri_update(&s, b);
			}
		} else if (a->triangle) {
			tri_sweep_stale(&s);
			if (b)
				tri_update(&s, b);
		} else if (a->funding) {
			sweep_stale(&s);
			if (b)
				funding_update(&s, b);
		} else {
			sweep_stale(&s);
			if (b)
				evaluate_symbol(&s, b);
		}
		if (bad)
			stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
	}
	int status = lyra_ndjson_status(in);
	if (a->scan) {
		int found = scan_report(&s);
		if (status == 0)
			status = found ? 0 : LYRA_EX_NO;
	}
	if (s.out_err)
		status = lyra_exit_merge(status, LYRA_EX_IOERR);
	if (cli.metrics) {
		struct lyra_metrics *m = lyra_metrics_new("arbscan");
		if (!m)
			lyra_die_last();
		lyra_metrics_declare(m, "arbscan_records_total", LYRA_METRIC_COUNTER, "input records read");
		lyra_metrics_declare(m, "arbscan_rejected_total", LYRA_METRIC_COUNTER, "input records rejected");
		lyra_metrics_declare(m, "arbscan_opportunities_total", LYRA_METRIC_COUNTER,
		                     "opportunity records written, by status");
		lyra_metrics_declare(m, "arbscan_books", LYRA_METRIC_GAUGE, "books kept (venue x symbol)");
		lyra_metrics_set_int(m, "arbscan_records_total", NULL, s.records);
		lyra_metrics_set_int(m, "arbscan_rejected_total", NULL, (int64_t)lyra_ndjson_rejected(in));
		lyra_metrics_set_int(m, "arbscan_opportunities_total", a->triangle ? "kind=\"triangle\",status=\"open\"" : a->funding ? "kind=\"funding\",status=\"open\"" : "kind=\"cross\",status=\"open\"", s.opened);
		lyra_metrics_set_int(m, "arbscan_opportunities_total", a->triangle ? "kind=\"triangle\",status=\"closed\"" : a->funding ? "kind=\"funding\",status=\"closed\"" : "kind=\"cross\",status=\"closed\"", s.closed);
		lyra_metrics_set_int(m, "arbscan_books", NULL, (int64_t)lyra_books_count(s.books));
		if (lyra_metrics_write(m, cli.metrics) != 0) {
			lyra_warn("%s", lyra_error_msg());
			status = lyra_exit_merge(status, LYRA_EX_CANTCREAT);
		}
		lyra_metrics_free(m);
	}
	lyra_ndjson_close(in);
	free(s.opps);
	free(s.tris);
	free(s.frates);
	lyra_arbgraph_free(s.g);
	lyra_books_free(s.books);
	lyra_fees_free(s.fees);
	lyra_xfer_free(s.xfer);
	return status;
}

/* ---- scan: one round of REST snapshots through mdfeed ---- */

/* Taker fees of the scanned venues from the markets cache that mdfeed snapshot just used (the
 * --fees file still takes precedence). */
static void scan_fees(struct state *s)
{
	struct lyra_store *st = lyra_store_open(cli.db);
	if (!st) {
		lyra_warn("no fees from the store: %s", lyra_error_msg());
		return;
	}
	char venues[256];
	snprintf(venues, sizeof venues, "%s", s->a->scan_venues);
	char *save = NULL;
	for (char *v = strtok_r(venues, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		struct lyra_market_list l = { 0 };
		if (lyra_markets_load(st, v, &l) != 0)
			lyra_warn("%s: %s", v, lyra_error_msg());
		for (size_t i = 0; i < l.n; i++)
			if (lyra_fees_set_market(s->fees, v, l.m[i].symbol, l.m[i].taker_fee, l.m[i].maker_fee) != 0)
				lyra_die_last();
		lyra_market_list_release(&l);
	}
	lyra_store_close(st);
}

static void fmt_dec(struct lyra_dec d, char *buf)
{
	lyra_dec_format(d, buf);
}

/* What the scan found: the open opportunities as NDJSON (in a pipe) or as a table (on a
 * terminal). Returns how many. */
static int scan_report(struct state *s)
{
	int n = (int)(s->nopps + s->ntris);
	s->deferred = 0;
	if (!isatty(STDOUT_FILENO)) {
		for (size_t i = 0; i < s->nopps; i++)
			emit(s, &s->opps[i], "open", NULL);
		for (size_t i = 0; i < s->ntris; i++)
			tri_emit(s, &s->tris[i], "open", NULL);
		return n;
	}
	static const char *const heads[] = { "KIND", "OPPORTUNITY", "SIZE", "PROFIT", "EDGE_BPS" };
	struct lyra_table *t = lyra_table_new(heads, 5);
	if (!t)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	char what[600], size[LYRA_DEC_STRLEN + 40], profit[LYRA_DEC_STRLEN + 40];
	char edge[LYRA_DEC_STRLEN], a[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN];
	for (size_t i = 0; i < s->nopps; i++) {
		const struct opp *o = &s->opps[i];
		char base[32], quote[32];
		fmt_dec(o->last.buy_px, a);
		fmt_dec(o->last.sell_px, b);
		snprintf(what, sizeof what, "%s buy %s @%s sell %s @%s", o->buy->symbol, o->buy->venue, a,
		         o->sell->venue, b);
		fmt_dec(o->last.qty, a);
		if (split_symbol(o->buy->symbol, base, quote, sizeof base) != 0)
			base[0] = quote[0] = '\0';
		snprintf(size, sizeof size, "%s %s", a, base);
		fmt_dec(o->last.profit, a);
		snprintf(profit, sizeof profit, "%s %s", a, quote);
		fmt_dec(o->last.edge_bps, edge);
		const char *row[] = { "cross", what, size, profit, edge };
		if (lyra_table_add(t, row) != 0)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	}
	for (size_t i = 0; i < s->ntris; i++) {
		const struct tri *tr = &s->tris[i];
		size_t vlen;
		const char *ccy = node_asset(s->g, tr->legs[0].from, &vlen);
		char id[512];
		tri_id(s, tr, id, sizeof id);
		char *colon = strrchr(id, ':');   /* drop ":OPENED_TS" and "triangle:" */
		if (colon)
			*colon = '\0';
		snprintf(what, sizeof what, "%s", id + strlen("triangle:"));
		fmt_dec(tr->start, a);
		snprintf(size, sizeof size, "%s %s", a, ccy);
		fmt_dec(tr->profit, a);
		snprintf(profit, sizeof profit, "%s %s", a, ccy);
		fmt_dec(tr->edge_bps, edge);
		const char *row[] = { "triangle", what, size, profit, edge };
		if (lyra_table_add(t, row) != 0)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	}
	if (n == 0)
		printf("no opportunity\n");
	else if (lyra_table_print(t, stdout) != 0)
		s->out_err = 1;
	lyra_table_free(t);
	return n;
}

/* mdfeed beside this executable (a build or an install), else the one on PATH. */
static void find_mdfeed(char *path, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len > 0) {
		self[len] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, n, "%s/mdfeed", self);
			if (access(path, X_OK) == 0)
				return;
		}
	}
	snprintf(path, n, "mdfeed");
}

/* arbscan scan VENUES SYMBOL...: `mdfeed snapshot VENUES SYMBOL... --depth N` into a scratch
 * file, then cross and triangle over it. 0 when something was found, 1 when not; mdfeed's own
 * failure status (1 turned into 70) when the snapshot failed. */
static int run_scan(struct args *a)
{
	int first = cli.optind + 1;
	if (cli.argc - first < 2)
		lyra_usage_error("scan needs VENUE[,VENUE...] and at least one SYMBOL");
	a->scan = 1;
	a->scan_venues = cli.argv[first];
	if (strlen(a->scan_venues) >= 256)
		lyra_usage_error("scan: too many venues");
	char mdfeed[PATH_MAX + 16], depth[16];
	find_mdfeed(mdfeed, sizeof mdfeed);
	snprintf(depth, sizeof depth, "%d", a->depth);
	const char *tmpdir = getenv("TMPDIR");
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/arbscan-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	int fd = mkstemp(tmp);
	if (fd < 0)
		lyra_die(LYRA_EX_CANTCREAT, "cannot create a scratch file in '%s': %s",
		         tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
	int nsym = cli.argc - first - 1, k = 0;
	char **argv = calloc((size_t)nsym + 10, sizeof *argv);
	if (!argv)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	argv[k++] = "mdfeed";
	argv[k++] = "snapshot";
	argv[k++] = cli.argv[first];
	for (int i = 0; i < nsym; i++)
		argv[k++] = cli.argv[first + 1 + i];
	argv[k++] = "--depth";
	argv[k++] = depth;
	if (cli.db) {
		argv[k++] = "--db";
		argv[k++] = (char *)cli.db;
	}
	if (cli.verbose < 0)
		argv[k++] = "-q";
	argv[k] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		lyra_die(LYRA_EX_SOFTWARE, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) < 0)
			_exit(LYRA_EX_SOFTWARE);
		close(fd);
		if (strchr(mdfeed, '/'))
			execv(mdfeed, argv);
		else
			execvp(mdfeed, argv);
		fprintf(stderr, "arbscan: cannot run '%s': %s\n", mdfeed, strerror(errno));
		_exit(LYRA_EX_UNAVAILABLE);
	}
	close(fd);
	free(argv);
	int ws, status;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			lyra_die(LYRA_EX_SOFTWARE, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : LYRA_EX_SOFTWARE;
		if (status == LYRA_EX_NO)
			status = LYRA_EX_SOFTWARE;
		lyra_warn("mdfeed snapshot failed (status %d): nothing scanned", status);
		unlink(tmp);
		return status;
	}
	char *names[] = { tmp };
	status = cmd_scan(a, names, 1);
	unlink(tmp);
	return status;
}

int main(int argc, char **argv)
{
	struct args a = { .max_age = 5 * LYRA_US_PER_SEC, .max_legs = 4, .hold = 7 * 86400 * LYRA_US_PER_SEC,
	                  .period = 8 * 3600 * LYRA_US_PER_SEC, .window = 100, .entry = 2, .exit_z = 0.5,
	                  .kdelta = 1e-4, .kve = 1e-3, .depth = 20 };
	const char *arg;
	int c, cmd, status;

	a.min_bps = lyra_dec_zero();
	a.min_apr = lyra_dec_zero();
	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_MIN_BPS:
			if (lyra_dec_parse_cstr(arg, &a.min_bps) != 0)
				lyra_usage_error("--min-bps: %s", lyra_error_msg());
			if (lyra_dec_normalize(a.min_bps).scale > 8)
				lyra_usage_error("--min-bps: '%s' has more than 8 decimals", arg);
			break;
		case OPT_MAX_AGE:
			if (lyra_duration_parse(arg, &a.max_age) != 0 || a.max_age < 0)
				lyra_usage_error("--max-age: %s", lyra_error_msg());
			break;
		case OPT_FEES: a.fees_file = arg; break;
		case OPT_MAX_QTY:
			if (lyra_dec_parse_cstr(arg, &a.max_qty) != 0 || lyra_dec_sign(a.max_qty) <= 0)
				lyra_usage_error("--max-qty: '%s' is not a positive decimal", arg);
			a.has_max_qty = 1;
			break;
		case OPT_UNBUFFERED: a.unbuffered = 1; break;
		case OPT_CROSS_VENUE: a.cross_venue = 1; break;
		case OPT_XFER: a.xfer_file = arg; break;
		case OPT_HOLD:
			if (lyra_duration_parse(arg, &a.hold) != 0 || a.hold <= 0)
				lyra_usage_error("--hold: '%s' is not a positive duration", arg);
			break;
		case OPT_PERIOD:
			if (lyra_duration_parse(arg, &a.period) != 0 || a.period <= 0)
				lyra_usage_error("--period: '%s' is not a positive duration", arg);
			break;
		case OPT_MIN_APR:
			if (lyra_dec_parse_cstr(arg, &a.min_apr) != 0)
				lyra_usage_error("--min-apr: %s", lyra_error_msg());
			break;
		case OPT_PAIR: a.pair_a = arg; break;
		case OPT_WINDOW: {
			char *end;
			long v = strtol(arg, &end, 10);
			if (*end || v < 3 || v > 100000)
				lyra_usage_error("--window: '%s' is not between 3 and 100000", arg);
			a.window = (int)v;
			break;
		}
		case OPT_ENTRY:
		case OPT_EXIT: {
			char *end;
			double v = strtod(arg, &end);
			if (*end || !(v >= 0) || !isfinite(v))
				lyra_usage_error("--%s: '%s' is not a non-negative number", c == OPT_ENTRY ? "entry" : "exit", arg);
			*(c == OPT_ENTRY ? &a.entry : &a.exit_z) = v;
			break;
		}
		case OPT_DEPTH: {
			char *end;
			long v = strtol(arg, &end, 10);
			if (*end || v < 1 || v > 1000)
				lyra_usage_error("--depth: '%s' is not between 1 and 1000", arg);
			a.depth = (int)v;
			break;
		}
		case OPT_HEDGE:
			if (strcmp(arg, "ols") != 0 && strcmp(arg, "kalman") != 0)
				lyra_usage_error("--hedge: '%s' is not 'ols' or 'kalman'", arg);
			a.kalman = strcmp(arg, "kalman") == 0;
			break;
		case OPT_DELTA:
		case OPT_OBS_NOISE: {
			char *end;
			double v = strtod(arg, &end);
			if (*end || !isfinite(v) || !(v > 0) || (c == OPT_DELTA && !(v < 1)))
				lyra_usage_error("--%s: '%s' is not %s", c == OPT_DELTA ? "delta" : "obs-noise", arg,
				                 c == OPT_DELTA ? "between 0 and 1" : "a positive number");
			*(c == OPT_DELTA ? &a.kdelta : &a.kve) = v;
			break;
		}
		case OPT_MAX_LEGS:
			if (strlen(arg) != 1 || arg[0] < '2' || arg[0] > '0' + MAX_LEGS)
				lyra_usage_error("--max-legs: '%s' is not between 2 and %d", arg, MAX_LEGS);
			a.max_legs = arg[0] - '0';
			break;
		}
	}
	cmd = lyra_cli_command(&spec, cli.optind < cli.argc ? cli.argv[cli.optind] : NULL);
	if (cmd == CMD_STAT) {
		if (!a.pair_a)
			lyra_usage_error("stat needs --pair A B");
		if (cli.optind + 1 >= cli.argc)
			lyra_usage_error("--pair needs a second leg B");
		a.pair_b = cli.argv[++cli.optind];
		if (a.exit_z >= a.entry)
			lyra_usage_error("--exit must be below --entry");
		status = cmd_stat(&a);
		lyra_cli_release(&cli);
		return lyra_cli_finish(status);
	}
	if (cmd == CMD_SCAN) {
		status = run_scan(&a);
		lyra_cli_release(&cli);
		return lyra_cli_finish(status);
	}
	a.triangle = cmd == CMD_TRIANGLE;
	a.funding = cmd == CMD_FUNDING;
	if (a.funding && a.hold < a.period)
		lyra_usage_error("--hold must be at least one --period");
	status = cmd_scan(&a, cli.argv + cli.optind + 1, cli.argc - cli.optind - 1);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
