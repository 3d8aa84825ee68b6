/* arbscan: arbitrage scanner over a market-data stream. `cross` keeps an L2 book per venue x
 * symbol from book, book_delta and bbo records, learns taker fees from market records (or a
 * fees file), and for every symbol quoted on two or more venues sizes buy-here/sell-there by
 * walking both books while the marginal edge after fees stays at or above --min-bps.
 * `triangle` searches the currency graph of each venue for cycles that pay after fees, only
 * through the market that changed, and prices them exactly; `funding` weighs a perpetual's
 * funding against spot net of fees; `stat` emits pairs-trading signals from candle closes.
 * Each opportunity is reported once when it opens and once when it closes; stale books (by
 * event time) are never used; every other record passes through as its original bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arbgraph.h"
#include "book.h"
#include "cli.h"
#include "clock.h"
#include "decimal.h"
#include "error.h"
#include "fees.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"

enum { CMD_CROSS, CMD_TRIANGLE, CMD_FUNDING, CMD_STAT };

static const struct lyra_subcmd cmds[] = {
	[CMD_CROSS] = { "cross", "[--min-bps N] [--max-age D] [--fees FILE] [FILE...]",
	                "buy on one venue, sell on another, net of taker fees, sized by depth" },
	[CMD_TRIANGLE] = { "triangle", "[--max-legs N] [--min-bps N] [--max-age D] [FILE...]",
	                   "currency cycles within one venue that pay after fees" },
	[CMD_FUNDING] = { "funding", "[--hold D] [--period D] [--min-apr R] [FILE...]",
	                  "long spot, short perpetual: funding carry net of fees, annualised" },
	[CMD_STAT] = { "stat", "--pair A B [--window N] [--entry Z] [--exit Z] [FILE...]",
	               "pairs trading on candle closes: hedge ratio, z-score, half-life, signals" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_MIN_BPS = 256, OPT_MAX_AGE, OPT_FEES, OPT_MAX_QTY, OPT_UNBUFFERED, OPT_MAX_LEGS, OPT_HOLD,
	OPT_PERIOD, OPT_MIN_APR, OPT_PAIR, OPT_WINDOW, OPT_ENTRY, OPT_EXIT,
};

static const struct lyra_opt opts[] = {
	{ "min-bps", OPT_MIN_BPS, "N", "cross, triangle: smallest edge after fees, in bps (default 0)" },
	{ "max-age", OPT_MAX_AGE, "D", "ignore books older than D in event time (default 5s; 0: never)" },
	{ "fees", OPT_FEES, "FILE", "fee overrides: lines 'VENUE SYMBOL TAKER [MAKER]' ('*' allowed)" },
	{ "max-qty", OPT_MAX_QTY, "Q", "cross: size no opportunity above Q base units" },
	{ "unbuffered", OPT_UNBUFFERED, NULL, "flush every output record (live streams)" },
	{ "max-legs", OPT_MAX_LEGS, "N", "triangle: longest cycle, 2 to 6 legs (default 4)" },
	{ "hold", OPT_HOLD, "D", "funding: holding period (default 7d)" },
	{ "period", OPT_PERIOD, "D", "funding: time between funding payments (default 8h)" },
	{ "min-apr", OPT_MIN_APR, "R", "funding: smallest annualised net carry, a fraction (default 0)" },
	{ "pair", OPT_PAIR, "A", "stat: the first leg ([VENUE:]SYMBOL); the second is the next operand" },
	{ "window", OPT_WINDOW, "N", "stat: rolling window in bars (default 100)" },
	{ "entry", OPT_ENTRY, "Z", "stat: |z| at or above which to enter (default 2)" },
	{ "exit", OPT_EXIT, "Z", "stat: |z| at or below which to exit (default 0.5)" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"cross [--min-bps N] [--max-age D] [--fees FILE] [--max-qty Q] [FILE...]",
	"triangle [--max-legs N] [--min-bps N] [--max-age D] [--fees FILE] [FILE...]",
	"funding [--hold D] [--period D] [--min-apr R] [--max-age D] [--fees FILE] [FILE...]",
	"stat --pair A B [--window N] [--entry Z] [--exit Z] [FILE...]",
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
	int64_t hold, period;
	struct lyra_dec min_apr;
	const char *pair_a, *pair_b;
	int window;
	double entry, exit_z;
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
};

struct frate {
	const struct lyra_book *perp;
	struct lyra_dec rate;
	int64_t ts, next_ts;
};

#define MAX_LEGS 6

struct tri_leg {
	const struct lyra_book *b;
	int sell;
	struct lyra_dec px, qty, fee;
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
	struct lyra_clock clock;
	struct opp *opps;
	size_t nopps, capopps;
	int out_err;
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

static void evaluate_pair(struct state *s, const struct lyra_book *buy, const struct lyra_book *sell,
                          int ok_buy, struct lyra_dec fb, int ok_sell, struct lyra_dec fs)
{
	struct opp *o = opp_find(s, buy, sell);
	struct lyra_cross r;
	int found = 0;
	const char *reason = "stale";
	memset(&r, 0, sizeof r);
	if (ok_buy && ok_sell) {
		found = lyra_book_cross(buy, fb, sell, fs, s->a->min_bps,
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

/* ---- triangle: cycles of conversions within one venue ---- */

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
	char base[32], quote[32], name[96];
	if (split_symbol(b->symbol, base, quote, sizeof base) != 0) {
		b->user = -1;
		return -1;
	}
	snprintf(name, sizeof name, "%s:%s", b->venue, base);
	int nb = lyra_arbgraph_node(s->g, name);
	snprintf(name, sizeof name, "%s:%s", b->venue, quote);
	int nq = lyra_arbgraph_node(s->g, name);
	if (nb < 0 || nq < 0)
		lyra_die_last();
	int es = lyra_arbgraph_add_edge(s->g, nb, nq, b, 1);
	if (es < 0 || lyra_arbgraph_add_edge(s->g, nq, nb, b, 0) != es + 1)
		lyra_die_last();
	b->user = es + 1;
	*e_sell = es;
	return 0;
}

/* -log(rate after fee) of both edges, or INFINITY when the book cannot be used. */
static void tri_weights(struct state *s, struct lyra_book *b, int e_sell)
{
	struct lyra_arbedge *sell = lyra_arbgraph_edge(s->g, e_sell), *buy = lyra_arbgraph_edge(s->g, e_sell + 1);
	struct lyra_dec fee;
	sell->w = buy->w = INFINITY;
	if (!usable(s, b, &fee))
		return;
	double f = to_double(fee);
	if (b->bids.n && f < 1)
		sell->w = -log(to_double(b->bids.lv[0].px) * (1 - f));
	if (b->asks.n && f < 1)
		buy->w = -log((1 - f) / to_double(b->asks.lv[0].px));
}

/* a / b rounded down at `scale` digits, or fewer when the quotient is too large. */
static int div_down(struct lyra_dec a, struct lyra_dec b, int scale, struct lyra_dec *out)
{
	for (; scale >= 0; scale--)
		if (lyra_dec_div(a, b, scale, LYRA_ROUND_DOWN, out) == 0)
			return 0;
	return -1;
}

/* Size a cycle exactly on the best level of every leg: the largest start amount every leg's
 * best level can take, then every amount forward (each rounded toward less). 1 when it pays at
 * least min_bps, 0 when not, -1 on arithmetic overflow. */
static int tri_size(struct state *s, const int *edges, int n, struct tri *t)
{
	static const struct lyra_dec ONE = { 1, 0 }, TENK = { 10000, 0 };
	struct lyra_dec rate[MAX_LEGS], cap[MAX_LEGS], fee, R = ONE, x = lyra_dec_zero(), c;
	int have = 0;
	t->n = n;
	for (int i = 0; i < n; i++) {
		const struct lyra_arbedge *e = lyra_arbgraph_edge(s->g, edges[i]);
		const struct lyra_book *b = e->ctx;
		struct tri_leg *l = &t->legs[i];
		t->edges[i] = edges[i];
		l->b = b;
		l->sell = e->side;
		l->ts = b->ts;
		if (!usable(s, b, &fee))
			return 0;
		const struct lyra_book_side *sd = e->side ? &b->bids : &b->asks;
		if (!sd->n)
			return 0;
		l->px = sd->lv[0].px;
		l->fee = fee;
		struct lyra_dec keep;
		if (lyra_dec_sub(ONE, fee, &keep) != 0)
			return -1;
		if (e->side) {
			if (lyra_book_mul_fit(l->px, keep, LYRA_ROUND_DOWN, &rate[i]) != 0)
				return -1;
			cap[i] = sd->lv[0].qty;
		} else {
			if (div_down(keep, l->px, 18, &rate[i]) != 0 ||
			    lyra_book_mul_fit(sd->lv[0].qty, l->px, LYRA_ROUND_DOWN, &cap[i]) != 0)
				return -1;
		}
		/* start units this leg can take: cap / (product of the rates before it) */
		if (lyra_dec_sign(R) <= 0)
			return 0;
		if (div_down(cap[i], R, 8, &c) != 0)
			return -1;
		if (!have || lyra_dec_cmp(c, x) < 0)
			x = c;
		have = 1;
		if (lyra_book_mul_fit(R, rate[i], LYRA_ROUND_DOWN, &R) != 0)
			return -1;
		R = lyra_dec_normalize(R);
	}
	struct lyra_dec amt = lyra_dec_normalize(x);
	for (int i = 0; i < n; i++) {
		struct tri_leg *l = &t->legs[i];
		const struct lyra_book_side *sd = l->sell ? &l->b->bids : &l->b->asks;
		struct lyra_dec keep, gross, spent;
		if (lyra_dec_sub(ONE, l->fee, &keep) != 0)
			return -1;
		if (l->sell) {
			l->qty = lyra_dec_cmp(amt, sd->lv[0].qty) <= 0 ? amt : sd->lv[0].qty;
			spent = l->qty;
			if (lyra_book_mul_fit(l->qty, l->px, LYRA_ROUND_DOWN, &gross) != 0)
				return -1;
		} else {
			if (div_down(amt, l->px, 8, &l->qty) != 0)
				return -1;
			if (lyra_dec_cmp(l->qty, sd->lv[0].qty) > 0)
				l->qty = sd->lv[0].qty;
			if (lyra_book_mul_fit(l->qty, l->px, LYRA_ROUND_UP, &spent) != 0)
				return -1;
			gross = l->qty;
		}
		l->qty = lyra_dec_normalize(l->qty);
		if (lyra_dec_sign(l->qty) <= 0)
			return 0;
		if (i == 0)
			t->start = lyra_dec_normalize(spent);
		if (lyra_book_mul_fit(gross, keep, LYRA_ROUND_DOWN, &amt) != 0)
			return -1;
		amt = lyra_dec_normalize(amt);
	}
	t->end = amt;
	if (lyra_dec_sub(t->end, t->start, &t->profit) != 0)
		return -1;
	t->profit = lyra_dec_normalize(t->profit);
	struct lyra_dec num, rhs;
	if (lyra_book_mul_fit(t->profit, TENK, LYRA_ROUND_DOWN, &num) != 0 ||
	    lyra_book_mul_fit(s->a->min_bps, t->start, LYRA_ROUND_UP, &rhs) != 0 ||
	    div_down(num, t->start, 2, &t->edge_bps) != 0)
		return -1;
	return lyra_dec_sign(t->profit) > 0 && lyra_dec_cmp(num, rhs) >= 0;
}

static void tri_emit(struct state *s, const struct tri *t, const char *status, const char *reason)
{
	int64_t now = lyra_clock_now(&s->clock), oldest = t->legs[0].ts;
	char id[512], base[32], quote[32];
	int len = snprintf(id, sizeof id, "triangle:%s:", t->legs[0].b->venue);
	for (int i = 0; i <= t->n && len < (int)sizeof id; i++) {
		const struct tri_leg *l = &t->legs[i < t->n ? i : 0];
		split_symbol(l->b->symbol, base, quote, sizeof base);
		const char *from = l->sell ? base : quote;
		len += snprintf(id + len, sizeof id - (size_t)len, "%s%s", i ? ">" : "", from);
	}
	if (len < (int)sizeof id)
		snprintf(id + len, sizeof id - (size_t)len, ":%lld", (long long)t->opened);
	json_t *r = lyra_record_new("opportunity", now), *legs = json_array();
	if (!r || !legs)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(r, "kind", json_string("triangle"));
	json_object_set_new(r, "id", json_string(id));
	json_object_set_new(r, "status", json_string(status));
	for (int i = 0; i < t->n; i++) {
		const struct tri_leg *l = &t->legs[i];
		if (l->ts < oldest)
			oldest = l->ts;
		json_array_append_new(legs, leg(l->b, l->sell ? "sell" : "buy", l->px, l->qty, l->fee, l->ts));
	}
	json_object_set_new(r, "legs", legs);
	set_dec(r, "edge_bps", t->edge_bps);
	set_dec(r, "profit", t->profit);
	split_symbol(t->legs[0].b->symbol, base, quote, sizeof base);
	json_object_set_new(r, "ccy", json_string(t->legs[0].sell ? base : quote));
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

/* A cycle's edges rotated to start at its smallest edge id: its identity. */
static void canonical(const int *edges, int n, int *out)
{
	int m = 0;
	for (int i = 1; i < n; i++)
		if (edges[i] < edges[m])
			m = i;
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
	canonical(edges, n, canon);
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
				if (!t->legs[k].b->valid)
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
			if (now - s->tris[i].legs[k].b->ts > s->a->max_age)
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
};

static double ring(const double *v, const struct statw *w, int i)
{
	return v[(w->head + i) % w->cap];
}

/* OLS of y on x over the window: beta, alpha; the residuals' z-score of the last bar; the
 * half-life -ln 2 / lambda of the residuals' mean reversion (d e_t = lambda e_{t-1}). 0, or -1
 * when degenerate (no spread in x, residuals all zero). */
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
	double ss = 0, prev = 0, num = 0, dd = 0, e = 0;
	for (int i = 0; i < n; i++) {
		e = ring(w->y, w, i) - *beta * ring(w->x, w, i) - *alpha;
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
	if (w->n < w->cap || stat_fit(w, &beta, &alpha, &z, &hl) != 0)
		return;
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
static int cmd_scan(const struct args *a)
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
	lyra_clock_init(&s.clock, LYRA_CLOCK_EVENT);
	lyra_out_init(a->unbuffered);
	struct lyra_ndjson_in *in = lyra_ndjson_open("arbscan", cli.argv + cli.optind + 1,
	                                             cli.argc - cli.optind - 1, cli.strict);
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
		if (a->triangle) {
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
	return status;
}

int main(int argc, char **argv)
{
	struct args a = { .max_age = 5 * LYRA_US_PER_SEC, .max_legs = 4, .hold = 7 * 86400 * LYRA_US_PER_SEC,
	                  .period = 8 * 3600 * LYRA_US_PER_SEC, .window = 100, .entry = 2, .exit_z = 0.5 };
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
	a.triangle = cmd == CMD_TRIANGLE;
	a.funding = cmd == CMD_FUNDING;
	if (a.funding && a.hold < a.period)
		lyra_usage_error("--hold must be at least one --period");
	status = cmd_scan(&a);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
