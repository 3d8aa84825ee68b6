/* algo.c: the execution algorithms of algo.h: schedules (twap, vwap, dca), reactions (pov,
 * iceberg, grid), the price policy, child bookkeeping from feedback, the completion report, and
 * progress as JSON. No I/O, no clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "algo.h"
#include "book.h"
#include "error.h"
#include "record.h"

#define MAX_REJECTS 3   /* consecutive rejects that stop a parent */
#define DAY_US 86400000000LL

struct child {
	char id[96];
	int side;                  /* +1 buy, -1 sell */
	int level;                 /* grid level, -1 otherwise */
	int market;                /* a market order (no px) */
	int cancel_sent;
	struct lyra_dec px, qty, filled, notional;
};

struct rearm {
	int level, side;
	struct lyra_dec qty;
};

struct lyra_algo {
	struct lyra_algo_params p;
	lyra_algo_emit_fn emit;
	void *ctx;
	/* instrument and market */
	struct lyra_dec tick, lot, min_qty, min_notional;
	int has_tick;
	struct lyra_book book;
	struct lyra_dec last_px;
	int has_last;
	/* progress */
	enum lyra_algo_status status;
	int64_t start, end;
	int k;                     /* next schedule step */
	int phase;                 /* 1: the cancels of step k were sent */
	int finishing;             /* 1: the end's cancels were sent */
	char why[16];              /* report status */
	int next_child;
	struct lyra_dec filled, notional;          /* on the parent's side */
	struct lyra_dec filled_opp, notional_opp;  /* grid: the other side */
	struct lyra_dec volume, vol_notional;      /* the market's trades since start */
	struct lyra_dec arrival;
	int has_arrival;
	int rejects;               /* consecutive */
	int armed;                 /* grid: initial ladder placed */
	struct child *ch;
	int nch, capch;
	struct rearm *rq;
	int nrq, caprq;
	int changed, boundary;
};

static const char *const names[] = { "twap", "vwap", "pov", "iceberg", "grid", "dca" };

const char *lyra_algo_name(enum lyra_algo_kind k)
{
	return names[k];
}

int lyra_algo_parse(const char *name, enum lyra_algo_kind *k)
{
	for (int i = 0; i < 6; i++)
		if (strcmp(name, names[i]) == 0) {
			*k = (enum lyra_algo_kind)i;
			return 0;
		}
	return -1;
}

static struct lyra_dec dec_int(int64_t v)
{
	return lyra_dec_from_int(v);
}

static int pos(struct lyra_dec d)
{
	return lyra_dec_sign(d) > 0;
}

static struct lyra_dec dmin(struct lyra_dec a, struct lyra_dec b)
{
	return lyra_dec_cmp(a, b) <= 0 ? a : b;
}

/* ---- construction ---- */

struct lyra_algo *lyra_algo_new(const struct lyra_algo_params *p, lyra_algo_emit_fn emit,
                                void *ctx)
{
	if (!pos(p->qty))
		return lyra_error(LYRA_EX_USAGE, "--qty must be above 0"), NULL;
	if (p->side != 1 && p->side != -1)
		return lyra_error(LYRA_EX_USAGE, "--side is buy or sell"), NULL;
	switch (p->kind) {
	case LYRA_ALGO_TWAP:
	case LYRA_ALGO_VWAP:
		if (p->duration <= 0 && p->end <= 0)
			return lyra_error(LYRA_EX_USAGE, "%s needs --duration or --end",
			                  names[p->kind]), NULL;
		if (p->slices < 1)
			return lyra_error(LYRA_EX_USAGE, "--slices must be at least 1"), NULL;
		break;
	case LYRA_ALGO_POV:
		if (!pos(p->rate) || lyra_dec_cmp(p->rate, dec_int(1)) > 0)
			return lyra_error(LYRA_EX_USAGE, "--rate must be in (0, 1]"), NULL;
		break;
	case LYRA_ALGO_ICEBERG:
		if (!pos(p->display))
			return lyra_error(LYRA_EX_USAGE, "iceberg needs --display above 0"), NULL;
		break;
	case LYRA_ALGO_GRID:
		if (p->levels < 2 || !pos(p->lower) || lyra_dec_cmp(p->lower, p->upper) >= 0)
			return lyra_error(LYRA_EX_USAGE,
			                  "grid needs --lower < --upper and --levels of at least 2"), NULL;
		break;
	case LYRA_ALGO_DCA:
		if (p->every <= 0 || !pos(p->amount))
			return lyra_error(LYRA_EX_USAGE, "dca needs --every and --amount above 0"), NULL;
		break;
	}
	struct lyra_algo *a = calloc(1, sizeof *a);
	if (!a)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory"), NULL;
	a->p = *p;
	a->emit = emit;
	a->ctx = ctx;
	lyra_dec_parse_cstr("0.00000001", &a->lot);
	a->tick = a->min_qty = a->min_notional = lyra_dec_zero();
	lyra_book_init(&a->book);
	a->filled = a->notional = a->filled_opp = a->notional_opp = lyra_dec_zero();
	a->volume = a->vol_notional = a->arrival = a->last_px = lyra_dec_zero();
	a->next_child = 1;
	return a;
}

void lyra_algo_free(struct lyra_algo *a)
{
	if (!a)
		return;
	lyra_book_free(&a->book);
	free(a->ch);
	free(a->rq);
	free(a);
}

/* ---- small arithmetic ---- */

static int lot_down(const struct lyra_algo *a, struct lyra_dec x, struct lyra_dec *out)
{
	if (lyra_dec_sign(x) <= 0) {
		*out = lyra_dec_zero();
		return 0;
	}
	return lyra_dec_round_to(x, a->lot, LYRA_ROUND_DOWN, out);
}

/* acc += x*y kept at scale 8 (half-even). */
static int add_product(struct lyra_dec *acc, struct lyra_dec x, struct lyra_dec y)
{
	struct lyra_dec m;
	if (lyra_dec_mul(x, y, 8, LYRA_ROUND_HALF_EVEN, &m) != 0)
		return -1;
	return lyra_dec_add(*acc, m, acc);
}

struct lyra_dec lyra_algo_unit(const char *id, int64_t k)
{
	char buf[160];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int n = snprintf(buf, sizeof buf, "%s:%lld", id, (long long)k);
	EVP_Digest(buf, (size_t)n, md, &len, EVP_sha256(), NULL);
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | md[i];
	struct lyra_dec u = { (int64_t)(x % 2000001) - 1000000, 6 };
	return u;
}

/* ---- the touch and the price policy ---- */

static int touch(const struct lyra_algo *a, struct lyra_dec *bid, struct lyra_dec *ask)
{
	if (a->book.valid && a->book.bids.n && a->book.asks.n) {
		*bid = a->book.bids.lv[0].px;
		*ask = a->book.asks.lv[0].px;
		return 1;
	}
	if (a->has_last) {
		*bid = *ask = a->last_px;
		return 1;
	}
	return 0;
}

static int mid(const struct lyra_algo *a, struct lyra_dec *m)
{
	struct lyra_dec b, s, sum;
	if (!touch(a, &b, &s))
		return 0;
	if (lyra_dec_add(b, s, &sum) != 0 ||
	    lyra_dec_div(sum, dec_int(2), sum.scale + 1, LYRA_ROUND_HALF_EVEN, m) != 0)
		return -1;
	*m = lyra_dec_normalize(*m);
	return 1;
}

/* Round a price to the tick (or keep its scale): buys down, sells up. */
static int round_px(const struct lyra_algo *a, int side, struct lyra_dec px, int scale,
                    struct lyra_dec *out)
{
	enum lyra_round m = side > 0 ? LYRA_ROUND_DOWN : LYRA_ROUND_UP;
	if (a->has_tick)
		return lyra_dec_round_to(px, a->tick, m, out);
	return lyra_dec_rescale(px, scale, m, out);
}

/* Apply the hard limit: never buy above / sell below it. */
static struct lyra_dec cap_limit(const struct lyra_algo *a, int side, struct lyra_dec px)
{
	if (!pos(a->p.limit))
		return px;
	if (side > 0 ? lyra_dec_cmp(px, a->p.limit) > 0 : lyra_dec_cmp(px, a->p.limit) < 0)
		return a->p.limit;
	return px;
}

/* The child's price: 0 with *px (and *market) set, 1 when no price is known yet, -1 error.
 * *ref is a price to check min_notional against (the far touch for market children). */
static int policy_px(const struct lyra_algo *a, int side, struct lyra_dec *px, int *market,
                     struct lyra_dec *ref)
{
	struct lyra_dec bid, ask;
	int have = touch(a, &bid, &ask);
	*market = 0;
	if (a->p.style == LYRA_STYLE_MARKET && !pos(a->p.limit)) {
		*market = 1;
		*ref = have ? (side > 0 ? ask : bid) : lyra_dec_zero();
		*px = lyra_dec_zero();
		return 0;
	}
	if (!have) {
		if (!pos(a->p.limit))
			return 1;
		if (round_px(a, side, a->p.limit, a->p.limit.scale, px) != 0)
			return -1;
		*ref = *px;
		return pos(*px) ? 0 : 1;
	}
	struct lyra_dec near = side > 0 ? bid : ask, far = side > 0 ? ask : bid;
	struct lyra_dec base = a->p.style == LYRA_STYLE_PASSIVE ? near : far, x = base;
	if (!lyra_dec_is_zero(a->p.offset_bps)) {
		struct lyra_dec f, num, off = a->p.offset_bps;
		if (side < 0 && lyra_dec_neg(off, &off) != 0)
			return -1;
		if (lyra_dec_sub(dec_int(10000), off, &f) != 0 || lyra_dec_mul_exact(base, f, &num) != 0 ||
		    lyra_dec_div(num, dec_int(10000), 18 < num.scale + 4 ? 18 : num.scale + 4,
		                 LYRA_ROUND_HALF_EVEN, &x) != 0)
			return -1;
	}
	if (round_px(a, side, cap_limit(a, side, x), base.scale, &x) != 0)
		return -1;
	if (!pos(x))
		return 1;
	*px = *ref = x;
	return 0;
}

/* ---- children ---- */

static struct lyra_dec pending(const struct lyra_algo *a, int side)
{
	struct lyra_dec s = lyra_dec_zero(), r;
	for (int i = 0; i < a->nch; i++)
		if (a->ch[i].side == side && lyra_dec_sub(a->ch[i].qty, a->ch[i].filled, &r) == 0)
			lyra_dec_add(s, r, &s);
	return s;
}

/* 1 when qty at price ref passes the instrument's minimums. */
static int sendable(const struct lyra_algo *a, struct lyra_dec qty, struct lyra_dec ref)
{
	struct lyra_dec n;
	if (!pos(qty) || lyra_dec_cmp(qty, a->min_qty) < 0)
		return 0;
	if (pos(a->min_notional) && pos(ref)) {
		if (lyra_dec_mul_exact(qty, ref, &n) != 0 || lyra_dec_cmp(n, a->min_notional) < 0)
			return 0;
	}
	return 1;
}

static int send(struct lyra_algo *a, int64_t now, int side, int level, struct lyra_dec qty,
                struct lyra_dec px, int market)
{
	char b[LYRA_DEC_STRLEN];
	if (a->nch == a->capch) {
		int cap = a->capch ? a->capch * 2 : 8;
		struct child *n = realloc(a->ch, (size_t)cap * sizeof *n);
		if (!n)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		a->ch = n;
		a->capch = cap;
	}
	struct child *c = &a->ch[a->nch];
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "%s-%04d", a->p.id, a->next_child);
	c->side = side;
	c->level = level;
	c->market = market;
	c->px = px;
	c->qty = qty;
	c->filled = c->notional = lyra_dec_zero();
	json_t *r = lyra_record_new("order", now);
	if (!r)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	lyra_json_set_str(r, "id", c->id);
	lyra_json_set_str(r, "venue", a->p.venue);
	lyra_json_set_str(r, "symbol", a->p.symbol);
	lyra_json_set_str(r, "side", side > 0 ? "buy" : "sell");
	lyra_json_set_str(r, "kind", market ? "market" : "limit");
	if (!market) {
		lyra_dec_format(px, b);
		lyra_json_set_str(r, "px", b);
	}
	lyra_dec_format(qty, b);
	lyra_json_set_str(r, "qty", b);
	lyra_json_set_str(r, "tif", "GTC");
	lyra_json_set_str(r, "parent", a->p.id);
	lyra_json_set_str(r, "strategy", names[a->p.kind]);
	a->nch++;
	a->next_child++;
	a->changed = 1;
	return a->emit(a->ctx, r);
}

/* Cancel every open child not yet cancelled; returns how many cancels went out, or -1. */
static int cancel_all(struct lyra_algo *a, int64_t now)
{
	int n = 0;
	for (int i = 0; i < a->nch; i++) {
		struct child *c = &a->ch[i];
		if (c->cancel_sent)
			continue;
		json_t *r = lyra_record_new("cancel", now);
		if (!r)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		lyra_json_set_str(r, "id", c->id);
		lyra_json_set_str(r, "venue", a->p.venue);
		lyra_json_set_str(r, "parent", a->p.id);
		lyra_json_set_str(r, "strategy", names[a->p.kind]);
		c->cancel_sent = 1;
		n++;
		if (a->emit(a->ctx, r) != 0)
			return -1;
	}
	if (n)
		a->changed = 1;
	return n;
}

static int find_child(const struct lyra_algo *a, const char *id)
{
	for (int i = 0; i < a->nch; i++)
		if (strcmp(a->ch[i].id, id) == 0)
			return i;
	return -1;
}

static int push_rearm(struct lyra_algo *a, int level, int side, struct lyra_dec qty)
{
	if (a->nrq == a->caprq) {
		int cap = a->caprq ? a->caprq * 2 : 8;
		struct rearm *n = realloc(a->rq, (size_t)cap * sizeof *n);
		if (!n)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		a->rq = n;
		a->caprq = cap;
	}
	a->rq[a->nrq++] = (struct rearm){ level, side, qty };
	return 0;
}

/* The child at i is final: the grid re-arms the filled part on the other side one level away
 * (a buy filled at L: a sell at L+1; a sell filled at L: a buy at L-1). */
static int close_child(struct lyra_algo *a, int i)
{
	struct child c = a->ch[i];
	memmove(&a->ch[i], &a->ch[i + 1], (size_t)(a->nch - i - 1) * sizeof *a->ch);
	a->nch--;
	a->changed = 1;
	if (a->p.kind == LYRA_ALGO_GRID && c.level >= 0 && pos(c.filled) && !a->finishing)
		return push_rearm(a, c.level + c.side, -c.side, c.filled);
	return 0;
}

static int add_fill(struct lyra_algo *a, struct child *c, struct lyra_dec qty, struct lyra_dec px)
{
	struct lyra_dec *f = c->side == a->p.side ? &a->filled : &a->filled_opp;
	struct lyra_dec *n = c->side == a->p.side ? &a->notional : &a->notional_opp;
	if (lyra_dec_add(c->filled, qty, &c->filled) != 0 || add_product(&c->notional, qty, px) != 0 ||
	    lyra_dec_add(*f, qty, f) != 0 || add_product(n, qty, px) != 0)
		return -1;
	a->rejects = 0;
	a->changed = 1;
	return 0;
}

int lyra_algo_on_feedback(struct lyra_algo *a, const char *type, const json_t *rec)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	int i;
	if (!id || (i = find_child(a, id)) < 0)
		return 0;
	struct child *c = &a->ch[i];
	if (strcmp(type, "fill") == 0) {
		struct lyra_dec qty, px;
		if (lyra_json_get_dec(rec, "qty", &qty) != 0 || lyra_json_get_dec(rec, "px", &px) != 0)
			return -1;
		if (add_fill(a, c, qty, px) != 0)
			return -1;
		if (lyra_dec_cmp(c->filled, c->qty) >= 0)
			return close_child(a, i) == 0 ? 1 : -1;
		return 1;
	}
	if (strcmp(type, "order_event") == 0) {
		const char *st = lyra_json_get_str(rec, "status");
		struct lyra_dec fq, avg = c->px;
		int rc;
		if (!st)
			return -1;
		if ((rc = lyra_json_opt_dec(rec, "filled_qty", &fq)) < 0 ||
		    lyra_json_opt_dec(rec, "avg_px", &avg) < 0)
			return -1;
		if (rc == 0 && lyra_dec_cmp(fq, c->filled) > 0) {
			/* fills we did not see: the difference at the price that makes the average right */
			struct lyra_dec d, total = lyra_dec_zero(), dn, nf, nn;
			if (lyra_dec_sub(fq, c->filled, &d) != 0 || add_product(&total, fq, avg) != 0 ||
			    lyra_dec_sub(total, c->notional, &dn) != 0)
				return -1;
			struct lyra_dec *f = c->side == a->p.side ? &a->filled : &a->filled_opp;
			struct lyra_dec *n = c->side == a->p.side ? &a->notional : &a->notional_opp;
			if (lyra_dec_add(*f, d, &nf) != 0 || lyra_dec_add(*n, dn, &nn) != 0)
				return -1;
			*f = nf;
			*n = nn;
			c->filled = fq;
			c->notional = total;
			a->rejects = 0;
			a->changed = 1;
		}
		if (strcmp(st, "rejected") == 0)
			a->rejects++;
		if (strcmp(st, "filled") == 0 || strcmp(st, "cancelled") == 0 ||
		    strcmp(st, "rejected") == 0 || strcmp(st, "expired") == 0 ||
		    lyra_dec_cmp(c->filled, c->qty) >= 0)
			return close_child(a, i) == 0 ? 1 : -1;
		return 1;
	}
	if (strcmp(type, "reject") == 0) {
		a->rejects++;
		return close_child(a, i) == 0 ? 1 : -1;
	}
	return 0;
}

/* ---- market data ---- */

int lyra_algo_is_own(const struct lyra_algo *a, const char *type, const json_t *rec)
{
	const char *v = json_string_value(json_object_get(rec, "venue"));
	const char *s = json_string_value(json_object_get(rec, "symbol"));
	if (!v || !s || strcmp(v, a->p.venue) != 0 || strcmp(s, a->p.symbol) != 0)
		return 0;
	if (strcmp(type, "trade") == 0)
		return LYRA_ALGO_OWN_TRADE;
	if (strcmp(type, "bbo") == 0 || strcmp(type, "book") == 0 ||
	    strcmp(type, "book_delta") == 0 || strcmp(type, "market") == 0)
		return LYRA_ALGO_OWN_MD;
	return 0;
}

int lyra_algo_on_market(struct lyra_algo *a, const char *type, const json_t *rec)
{
	int64_t ts;
	if (!lyra_algo_is_own(a, type, rec))
		return 0;
	if (lyra_json_get_ts(rec, "ts", &ts) != 0)
		return -1;
	if (strcmp(type, "market") == 0) {
		struct lyra_dec tick, lot, mq, mn;
		if (lyra_json_get_dec(rec, "tick", &tick) != 0 || lyra_json_get_dec(rec, "lot", &lot) != 0 ||
		    lyra_json_get_dec(rec, "min_qty", &mq) != 0 ||
		    lyra_json_get_dec(rec, "min_notional", &mn) != 0)
			return -1;
		if (!pos(tick) || !pos(lot))
			return lyra_error(LYRA_EX_DATAERR, "market: tick and lot must be above 0");
		a->tick = tick;
		a->has_tick = 1;
		a->lot = lot;
		a->min_qty = mq;
		a->min_notional = mn;
		return 0;
	}
	if (strcmp(type, "bbo") == 0) {
		struct lyra_dec bp, bq, ap, aq;
		if (lyra_json_get_dec(rec, "bid_px", &bp) != 0 || lyra_json_get_dec(rec, "bid_qty", &bq) != 0 ||
		    lyra_json_get_dec(rec, "ask_px", &ap) != 0 || lyra_json_get_dec(rec, "ask_qty", &aq) != 0)
			return -1;
		if (a->book.full)   /* a bbo next to a full book: the top of the book it is */
			a->book.full = 0;
		return lyra_book_set_top(&a->book, bp, bq, ap, aq, ts);
	}
	if (strcmp(type, "book") == 0) {
		json_t *seq = json_object_get(rec, "seq");
		return lyra_book_snapshot(&a->book, json_object_get(rec, "bids"),
		                          json_object_get(rec, "asks"), ts,
		                          json_is_integer(seq) ? json_integer_value(seq) : 0);
	}
	if (strcmp(type, "book_delta") == 0) {
		if (!a->book.valid)
			return 0;
		json_t *seq = json_object_get(rec, "seq");
		return lyra_book_apply(&a->book, json_object_get(rec, "bids"),
		                       json_object_get(rec, "asks"), ts,
		                       json_is_integer(seq) ? json_integer_value(seq) : 0);
	}
	/* trade */
	struct lyra_dec px, qty;
	if (lyra_json_get_dec(rec, "px", &px) != 0 || lyra_json_get_dec(rec, "qty", &qty) != 0)
		return -1;
	a->last_px = px;
	a->has_last = 1;
	int counting = a->status == LYRA_ALGO_RUNNING ||
	               (a->status == LYRA_ALGO_PENDING && (!a->p.start || ts >= a->p.start));
	if (counting && (!a->end || ts <= a->end)) {
		if (lyra_dec_add(a->volume, qty, &a->volume) != 0 ||
		    add_product(&a->vol_notional, qty, px) != 0)
			return -1;
	}
	return 0;
}

/* ---- the schedule ---- */

static int nsteps(const struct lyra_algo *a)
{
	return a->p.kind == LYRA_ALGO_TWAP || a->p.kind == LYRA_ALGO_VWAP ? a->p.slices : 0;
}

/* Time of schedule step k (twap, vwap: slice starts with jitter; dca: every). */
static int64_t step_ts(const struct lyra_algo *a, int k)
{
	if (a->p.kind == LYRA_ALGO_DCA)
		return a->start + (int64_t)k * a->p.every;
	int n = a->p.slices;
	__int128 len = (__int128)(a->end - a->start);
	int64_t t = a->start + (int64_t)(len * k / n);
	if (k > 0 && pos(a->p.jitter)) {
		struct lyra_dec u = lyra_algo_unit(a->p.id, k);
		__int128 slice = len / n, den = 1000000;
		for (int i = 0; i < a->p.jitter.scale; i++)
			den *= 10;
		t += (int64_t)(slice * u.mant * a->p.jitter.mant / den);
	}
	return t;
}

/* Cumulative target quantity after slice k (twap, vwap), down to the lot. */
static int target_cum(const struct lyra_algo *a, int k, struct lyra_dec *out)
{
	struct lyra_dec wc = lyra_dec_zero(), w = lyra_dec_zero(), m, q;
	int n = a->p.slices;
	if (k >= n - 1)
		return lot_down(a, a->p.qty, out);
	for (int i = 0; i < n; i++) {
		struct lyra_dec wi = a->p.weights ? a->p.weights[i] : dec_int(1);
		if (lyra_dec_add(w, wi, &w) != 0 || (i <= k && lyra_dec_add(wc, wi, &wc) != 0))
			return -1;
	}
	if (lyra_dec_is_zero(w))
		return lot_down(a, a->p.qty, out);
	if (lyra_dec_mul_exact(a->p.qty, wc, &m) != 0 ||
	    lyra_dec_div(m, w, a->lot.scale, LYRA_ROUND_DOWN, &q) != 0)
		return -1;
	return lot_down(a, q, out);
}

/* Send up to qty on the parent's side at the policy price (when known and sendable). */
static int place(struct lyra_algo *a, int64_t now, struct lyra_dec qty)
{
	struct lyra_dec px, ref;
	int market, rc;
	if (lot_down(a, qty, &qty) != 0)
		return -1;
	if (!pos(qty))
		return 0;
	if ((rc = policy_px(a, a->p.side, &px, &market, &ref)) != 0)
		return rc < 0 ? -1 : 0;
	if (!sendable(a, qty, ref))
		return 0;
	return send(a, now, a->p.side, -1, qty, px, market);
}

/* What the parent may still send: qty - filled - pending, down to the lot. */
static int room(const struct lyra_algo *a, struct lyra_dec *out)
{
	struct lyra_dec r;
	if (lyra_dec_sub(a->p.qty, a->filled, &r) != 0 || lyra_dec_sub(r, pending(a, a->p.side), &r) != 0)
		return -1;
	return lot_down(a, r, out);
}

static int slice_step(struct lyra_algo *a, int64_t now, int last)
{
	struct lyra_dec need;
	if (a->p.kind == LYRA_ALGO_DCA) {
		struct lyra_dec px, ref, r, q;
		int market, rc = policy_px(a, a->p.side, &px, &market, &ref);
		if (rc != 0 || !pos(ref))
			return rc < 0 ? -1 : 0;
		if (lyra_dec_div(a->p.amount, ref, a->lot.scale, LYRA_ROUND_DOWN, &q) != 0 ||
		    room(a, &r) != 0)
			return -1;
		return place(a, now, dmin(q, r));
	}
	if (target_cum(a, last, &need) != 0 || lyra_dec_sub(need, a->filled, &need) != 0 ||
	    lyra_dec_sub(need, pending(a, a->p.side), &need) != 0)
		return -1;
	return place(a, now, need);
}

/* ---- reactions ---- */

static int pov_step(struct lyra_algo *a, int64_t now)
{
	struct lyra_dec t, need, floor = pos(a->p.min_slice) ? a->p.min_slice : a->lot;
	if (lyra_dec_mul(a->volume, a->p.rate, a->lot.scale, LYRA_ROUND_DOWN, &t) != 0)
		return -1;
	t = dmin(t, a->p.qty);
	if (lyra_dec_sub(t, a->filled, &need) != 0 || lyra_dec_sub(need, pending(a, a->p.side), &need) != 0)
		return -1;
	if (lyra_dec_cmp(need, floor) < 0)
		return 0;
	if (pos(a->p.max_slice))
		need = dmin(need, a->p.max_slice);
	return place(a, now, need);
}

static int iceberg_step(struct lyra_algo *a, int64_t now)
{
	struct lyra_dec r, disp = a->p.display, px, ref;
	int market = 0;
	if (a->nch || room(a, &r) != 0 || !pos(r))
		return 0;
	if (pos(a->p.variance)) {
		struct lyra_dec u = lyra_algo_unit(a->p.id, a->next_child), f, x;
		if (lyra_dec_mul_exact(u, a->p.variance, &f) != 0 || lyra_dec_add(dec_int(1), f, &f) != 0 ||
		    lyra_dec_mul(a->p.display, f, a->lot.scale, LYRA_ROUND_DOWN, &x) != 0)
			return -1;
		disp = x;
	}
	if (lot_down(a, disp, &disp) != 0)
		return -1;
	if (!pos(disp))
		disp = a->lot;
	disp = dmin(disp, r);
	if (pos(a->p.px)) {
		px = ref = cap_limit(a, a->p.side, a->p.px);
	} else {
		int rc = policy_px(a, a->p.side, &px, &market, &ref);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	if (!sendable(a, disp, ref))
		return 0;
	return send(a, now, a->p.side, -1, disp, px, market);
}

static int level_px(const struct lyra_algo *a, int i, struct lyra_dec *out)
{
	struct lyra_dec span, m, x;
	int sc = a->p.lower.scale > a->p.upper.scale ? a->p.lower.scale : a->p.upper.scale;
	if (a->has_tick && a->tick.scale > sc)
		sc = a->tick.scale;
	if (lyra_dec_sub(a->p.upper, a->p.lower, &span) != 0 ||
	    lyra_dec_mul_exact(span, dec_int(i), &m) != 0 ||
	    lyra_dec_div(m, dec_int(a->p.levels - 1), sc, LYRA_ROUND_HALF_EVEN, &x) != 0 ||
	    lyra_dec_add(a->p.lower, x, &x) != 0)
		return -1;
	if (a->has_tick)
		return lyra_dec_round_to(x, a->tick, LYRA_ROUND_HALF_EVEN, out);
	*out = x;
	return 0;
}

static int per_level(const struct lyra_algo *a, struct lyra_dec *q)
{
	if (pos(a->p.qty_per_level))
		return lot_down(a, a->p.qty_per_level, q);
	struct lyra_dec x;
	if (lyra_dec_div(a->p.qty, dec_int(a->p.levels), a->lot.scale, LYRA_ROUND_DOWN, &x) != 0)
		return -1;
	return lot_down(a, x, q);
}

/* A grid order at level i on side s for qty (parent side: within the inventory budget). */
static int grid_send(struct lyra_algo *a, int64_t now, int i, int s, struct lyra_dec qty)
{
	struct lyra_dec px;
	if (i < 0 || i >= a->p.levels)
		return 0;
	if (level_px(a, i, &px) != 0)
		return -1;
	if (s == a->p.side) {
		struct lyra_dec inv, r;
		if (pos(a->p.limit) && lyra_dec_cmp(cap_limit(a, s, px), px) != 0)
			return 0;
		if (lyra_dec_sub(a->filled, a->filled_opp, &inv) != 0 ||
		    lyra_dec_sub(a->p.qty, inv, &r) != 0 || lyra_dec_sub(r, pending(a, s), &r) != 0)
			return -1;
		qty = dmin(qty, r);
	}
	if (lot_down(a, qty, &qty) != 0)
		return -1;
	if (!sendable(a, qty, px))
		return 0;
	return send(a, now, s, i, qty, px, 0);
}

static int grid_step(struct lyra_algo *a, int64_t now)
{
	if (!a->armed) {
		struct lyra_dec m, q, px;
		int rc = mid(a, &m);
		if (rc <= 0)
			return rc;
		if (per_level(a, &q) != 0)
			return -1;
		a->armed = 1;
		a->changed = 1;
		/* the levels on the parent's side of the mid, nearest first */
		for (int j = 0; j < a->p.levels; j++) {
			int i = a->p.side > 0 ? a->p.levels - 1 - j : j;
			if (level_px(a, i, &px) != 0)
				return -1;
			int c = lyra_dec_cmp(px, m);
			if ((a->p.side > 0 && c < 0) || (a->p.side < 0 && c > 0))
				if (grid_send(a, now, i, a->p.side, q) != 0)
					return -1;
		}
	}
	while (a->nrq) {
		struct rearm r = a->rq[0];
		memmove(&a->rq[0], &a->rq[1], (size_t)(a->nrq - 1) * sizeof *a->rq);
		a->nrq--;
		a->changed = 1;
		if (grid_send(a, now, r.level, r.side, r.qty) != 0)
			return -1;
	}
	return 0;
}

/* ---- the report and the end ---- */

static void set_dec(json_t *r, const char *key, struct lyra_dec d)
{
	lyra_json_set_dec(r, key, lyra_dec_normalize(d));
}

/* side * (px - ref) / ref * 10000, 2 decimals: positive is worse than ref. */
static int slippage(int side, struct lyra_dec px, struct lyra_dec ref, struct lyra_dec *out)
{
	struct lyra_dec d, m;
	if (lyra_dec_sub(px, ref, &d) != 0 || lyra_dec_mul_exact(d, dec_int(10000 * side), &m) != 0)
		return -1;
	return lyra_dec_div(m, ref, 2, LYRA_ROUND_HALF_EVEN, out);
}

static int report(struct lyra_algo *a, int64_t now)
{
	json_t *r = lyra_record_new("algo_report", now);
	struct lyra_dec avg, vwap, x;
	char b[LYRA_DEC_STRLEN];
	if (!r)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	lyra_json_set_str(r, "id", a->p.id);
	lyra_json_set_str(r, "algo", names[a->p.kind]);
	lyra_json_set_str(r, "venue", a->p.venue);
	lyra_json_set_str(r, "symbol", a->p.symbol);
	lyra_json_set_str(r, "side", a->p.side > 0 ? "buy" : "sell");
	lyra_dec_format(a->p.qty, b);
	lyra_json_set_str(r, "qty", b);
	set_dec(r, "filled_qty", a->filled);
	int have_avg = pos(a->filled) &&
	               lyra_dec_div(a->notional, a->filled, 8, LYRA_ROUND_HALF_EVEN, &avg) == 0;
	int have_vwap = pos(a->volume) &&
	                lyra_dec_div(a->vol_notional, a->volume, 8, LYRA_ROUND_HALF_EVEN, &vwap) == 0;
	if (have_avg)
		set_dec(r, "avg_px", avg);
	if (a->has_arrival) {
		set_dec(r, "arrival_px", a->arrival);
		if (have_avg && slippage(a->p.side, avg, a->arrival, &x) == 0)
			set_dec(r, "slippage_bps_arrival", x);
	}
	if (have_vwap) {
		set_dec(r, "interval_vwap", vwap);
		if (have_avg && slippage(a->p.side, avg, vwap, &x) == 0)
			set_dec(r, "slippage_bps_vwap", x);
		if (lyra_dec_div(a->filled, a->volume, 6, LYRA_ROUND_HALF_EVEN, &x) == 0)
			set_dec(r, "participation", x);
	}
	if (a->p.kind == LYRA_ALGO_GRID)
		set_dec(r, "opposite_filled_qty", a->filled_opp);
	lyra_json_set_int(r, "children", a->next_child - 1);
	lyra_json_set_str(r, "status", a->why);
	lyra_json_set_int(r, "start_ts", a->start);
	return a->emit(a->ctx, r);
}

static int finish(struct lyra_algo *a, int64_t now, const char *why)
{
	if (!a->finishing) {
		a->finishing = 1;
		snprintf(a->why, sizeof a->why, "%s", why);
		a->changed = a->boundary = 1;
		int n = cancel_all(a, now);
		if (n != 0)
			return n < 0 ? -1 : 1;
	}
	a->status = LYRA_ALGO_DONE;
	a->changed = a->boundary = 1;
	return report(a, now) == 0 ? 0 : -1;
}

int lyra_algo_finish(struct lyra_algo *a, int64_t now)
{
	if (a->status == LYRA_ALGO_DONE)
		return 0;
	if (a->status == LYRA_ALGO_PENDING) {
		a->start = now;
		a->status = LYRA_ALGO_RUNNING;
	}
	return finish(a, now, a->finishing ? a->why : "stopped");
}

static void begin(struct lyra_algo *a, int64_t now)
{
	a->start = a->p.start ? a->p.start : now;
	a->end = a->p.end ? a->p.end : a->p.duration > 0 ? a->start + a->p.duration : 0;
	a->status = LYRA_ALGO_RUNNING;
	a->changed = a->boundary = 1;
}

static int complete(const struct lyra_algo *a)
{
	struct lyra_dec q;
	if (a->p.kind == LYRA_ALGO_GRID || lot_down(a, a->p.qty, &q) != 0)
		return 0;
	return a->nch == 0 && lyra_dec_cmp(a->filled, q) >= 0;
}

/* The last schedule step whose time is at or before now, from a->k on; -1 when none. */
static int due_step(const struct lyra_algo *a, int64_t now)
{
	int last = -1, n = nsteps(a);
	for (int k = a->k; n == 0 ? a->p.kind == LYRA_ALGO_DCA : k < n; k++) {
		int64_t t = step_ts(a, k);
		if (t > now || (a->end && t >= a->end))
			break;
		last = k;
	}
	return last;
}

int lyra_algo_due(const struct lyra_algo *a, int64_t now, int own)
{
	if (a->status == LYRA_ALGO_DONE)
		return 0;
	if (a->status == LYRA_ALGO_PENDING)
		return !a->p.start || now >= a->p.start;
	if (a->finishing || (a->end && now >= a->end) || a->rejects >= MAX_REJECTS)
		return 1;
	switch (a->p.kind) {
	case LYRA_ALGO_POV: return own == LYRA_ALGO_OWN_TRADE;
	case LYRA_ALGO_ICEBERG:
	case LYRA_ALGO_GRID: return own != 0;
	default: return due_step(a, now) >= 0;
	}
}

int lyra_algo_step(struct lyra_algo *a, int64_t now, int own)
{
	if (a->status == LYRA_ALGO_DONE)
		return 0;
	if (a->status == LYRA_ALGO_PENDING) {
		if (a->p.start && now < a->p.start)
			return 0;
		begin(a, now);
	}
	if (!a->has_arrival) {
		int rc = mid(a, &a->arrival);
		if (rc < 0)
			return -1;
		a->has_arrival = rc;
	}
	if (a->finishing)
		return finish(a, now, a->why);
	if (a->end && now >= a->end)
		return finish(a, now, complete(a) ? "filled" : "expired");
	if (a->rejects >= MAX_REJECTS)
		return finish(a, now, "rejected");
	if (complete(a))
		return finish(a, now, "filled");
	switch (a->p.kind) {
	case LYRA_ALGO_POV:
		return own == LYRA_ALGO_OWN_TRADE ? pov_step(a, now) : 0;
	case LYRA_ALGO_ICEBERG:
		return iceberg_step(a, now);
	case LYRA_ALGO_GRID:
		return grid_step(a, now);
	default: {
		int last = due_step(a, now);
		if (last < 0)
			return 0;
		if (!a->phase) {
			int n = cancel_all(a, now);
			if (n < 0)
				return -1;
			a->phase = 1;
			if (n > 0)
				return 1;
		}
		struct lyra_dec px, ref;
		int market, rc = policy_px(a, a->p.side, &px, &market, &ref);
		if (rc < 0)
			return -1;
		if (rc == 1 || !pos(ref))
			return 0;   /* no price yet: the step waits for one */
		a->phase = 0;
		a->k = last + 1;
		a->changed = a->boundary = 1;
		return slice_step(a, now, last);
	}
	}
}

/* ---- status ---- */

enum lyra_algo_status lyra_algo_status(const struct lyra_algo *a)
{
	return a->status;
}

int lyra_algo_open_children(const struct lyra_algo *a)
{
	return a->nch;
}

int64_t lyra_algo_started(const struct lyra_algo *a)
{
	return a->status == LYRA_ALGO_PENDING ? 0 : a->start;
}

int lyra_algo_children(const struct lyra_algo *a)
{
	return a->next_child - 1;
}

struct lyra_dec lyra_algo_filled(const struct lyra_algo *a)
{
	return a->filled;
}

const char *lyra_algo_child_id(const struct lyra_algo *a, int i)
{
	return i >= 0 && i < a->nch ? a->ch[i].id : NULL;
}

int lyra_algo_changed(struct lyra_algo *a, int *boundary)
{
	int c = a->changed;
	if (boundary)
		*boundary = a->boundary;
	a->changed = a->boundary = 0;
	return c;
}

/* ---- parameters and progress as JSON ---- */

static void jdec(json_t *o, const char *k, struct lyra_dec d)
{
	char b[LYRA_DEC_STRLEN];
	lyra_dec_format(d, b);
	json_object_set_new(o, k, json_string(b));
}

char *lyra_algo_params_json(const struct lyra_algo_params *p)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "algo", json_string(names[p->kind]));
	json_object_set_new(o, "venue", json_string(p->venue));
	json_object_set_new(o, "symbol", json_string(p->symbol));
	json_object_set_new(o, "side", json_string(p->side > 0 ? "buy" : "sell"));
	jdec(o, "qty", p->qty);
	if (p->start)
		json_object_set_new(o, "start", json_integer(p->start));
	if (p->end)
		json_object_set_new(o, "end", json_integer(p->end));
	if (p->duration)
		json_object_set_new(o, "duration", json_integer(p->duration));
	switch (p->kind) {
	case LYRA_ALGO_VWAP:
	case LYRA_ALGO_TWAP:
		json_object_set_new(o, "slices", json_integer(p->slices));
		jdec(o, "jitter", p->jitter);
		break;
	case LYRA_ALGO_POV:
		jdec(o, "rate", p->rate);
		jdec(o, "min_slice", p->min_slice);
		jdec(o, "max_slice", p->max_slice);
		break;
	case LYRA_ALGO_ICEBERG:
		jdec(o, "display", p->display);
		jdec(o, "px", p->px);
		jdec(o, "variance", p->variance);
		break;
	case LYRA_ALGO_GRID:
		jdec(o, "lower", p->lower);
		jdec(o, "upper", p->upper);
		json_object_set_new(o, "levels", json_integer(p->levels));
		jdec(o, "qty_per_level", p->qty_per_level);
		break;
	case LYRA_ALGO_DCA:
		json_object_set_new(o, "every", json_integer(p->every));
		jdec(o, "amount", p->amount);
		break;
	}
	static const char *const styles[] = { "passive", "aggressive", "market" };
	json_object_set_new(o, "style", json_string(styles[p->style]));
	jdec(o, "offset_bps", p->offset_bps);
	jdec(o, "limit", p->limit);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

json_t *lyra_algo_state(const struct lyra_algo *a)
{
	static const char *const st[] = { "pending", "running", "done" };
	json_t *o = json_object(), *ch = json_array(), *rq = json_array();
	if (!o || !ch || !rq) {
		json_decref(o);
		json_decref(ch);
		json_decref(rq);
		return NULL;
	}
	json_object_set_new(o, "status", json_string(st[a->status]));
	json_object_set_new(o, "start", json_integer(a->start));
	json_object_set_new(o, "end", json_integer(a->end));
	json_object_set_new(o, "k", json_integer(a->k));
	json_object_set_new(o, "phase", json_integer(a->phase));
	json_object_set_new(o, "finishing", json_integer(a->finishing));
	json_object_set_new(o, "why", json_string(a->why));
	json_object_set_new(o, "next_child", json_integer(a->next_child));
	json_object_set_new(o, "rejects", json_integer(a->rejects));
	json_object_set_new(o, "armed", json_integer(a->armed));
	jdec(o, "filled", a->filled);
	jdec(o, "notional", a->notional);
	jdec(o, "filled_opp", a->filled_opp);
	jdec(o, "notional_opp", a->notional_opp);
	jdec(o, "volume", a->volume);
	jdec(o, "vol_notional", a->vol_notional);
	if (a->has_arrival)
		jdec(o, "arrival", a->arrival);
	if (a->has_last)
		jdec(o, "last_px", a->last_px);
	if (a->has_tick) {
		jdec(o, "tick", a->tick);
		jdec(o, "min_qty", a->min_qty);
		jdec(o, "min_notional", a->min_notional);
	}
	jdec(o, "lot", a->lot);
	if (a->book.valid && a->book.bids.n && a->book.asks.n) {
		json_t *top = json_array();
		const struct lyra_level *l[2] = { &a->book.bids.lv[0], &a->book.asks.lv[0] };
		for (int i = 0; i < 2; i++) {
			char b[LYRA_DEC_STRLEN], c[LYRA_DEC_STRLEN];
			lyra_dec_format(l[i]->px, b);
			lyra_dec_format(l[i]->qty, c);
			json_array_append_new(top, json_pack("[ss]", b, c));
		}
		json_object_set_new(o, "top", top);
	}
	for (int i = 0; i < a->nch; i++) {
		const struct child *c = &a->ch[i];
		json_t *j = json_object();
		json_object_set_new(j, "id", json_string(c->id));
		json_object_set_new(j, "side", json_integer(c->side));
		json_object_set_new(j, "level", json_integer(c->level));
		json_object_set_new(j, "market", json_integer(c->market));
		json_object_set_new(j, "cancel_sent", json_integer(c->cancel_sent));
		jdec(j, "px", c->px);
		jdec(j, "qty", c->qty);
		jdec(j, "filled", c->filled);
		jdec(j, "notional", c->notional);
		json_array_append_new(ch, j);
	}
	for (int i = 0; i < a->nrq; i++) {
		json_t *j = json_object();
		json_object_set_new(j, "level", json_integer(a->rq[i].level));
		json_object_set_new(j, "side", json_integer(a->rq[i].side));
		jdec(j, "qty", a->rq[i].qty);
		json_array_append_new(rq, j);
	}
	json_object_set_new(o, "children", ch);
	json_object_set_new(o, "rearm", rq);
	return o;
}

static int sget_int(const json_t *o, const char *k, int64_t *v)
{
	return lyra_json_get_int(o, k, v);
}

static int sget_dec(const json_t *o, const char *k, struct lyra_dec *d, int *have)
{
	int rc = lyra_json_opt_dec(o, k, d);
	if (have)
		*have = rc == 0;
	return rc < 0 || (!have && rc != 0) ? -1 : 0;
}

int lyra_algo_restore(struct lyra_algo *a, const json_t *s)
{
	int64_t v[9];
	static const char *const ik[] = { "start", "end", "k", "phase", "finishing", "next_child",
	                                  "rejects", "armed", NULL };
	const char *st = json_string_value(json_object_get(s, "status"));
	const char *why = json_string_value(json_object_get(s, "why"));
	int has_lot;
	if (!st || !why)
		goto bad;
	for (int i = 0; ik[i]; i++)
		if (sget_int(s, ik[i], &v[i]) != 0)
			goto bad;
	a->status = strcmp(st, "done") == 0 ? LYRA_ALGO_DONE
	            : strcmp(st, "running") == 0 ? LYRA_ALGO_RUNNING : LYRA_ALGO_PENDING;
	a->start = v[0];
	a->end = v[1];
	a->k = (int)v[2];
	a->phase = (int)v[3];
	a->finishing = (int)v[4];
	a->next_child = (int)v[5];
	a->rejects = (int)v[6];
	a->armed = (int)v[7];
	snprintf(a->why, sizeof a->why, "%s", why);
	if (sget_dec(s, "filled", &a->filled, NULL) || sget_dec(s, "notional", &a->notional, NULL) ||
	    sget_dec(s, "filled_opp", &a->filled_opp, NULL) ||
	    sget_dec(s, "notional_opp", &a->notional_opp, NULL) ||
	    sget_dec(s, "volume", &a->volume, NULL) || sget_dec(s, "vol_notional", &a->vol_notional, NULL) ||
	    sget_dec(s, "arrival", &a->arrival, &a->has_arrival) ||
	    sget_dec(s, "last_px", &a->last_px, &a->has_last) ||
	    sget_dec(s, "tick", &a->tick, &a->has_tick) || sget_dec(s, "lot", &a->lot, &has_lot))
		goto bad;
	if (a->has_tick && (sget_dec(s, "min_qty", &a->min_qty, NULL) ||
	                    sget_dec(s, "min_notional", &a->min_notional, NULL)))
		goto bad;
	json_t *top = json_object_get(s, "top");
	if (top) {
		struct lyra_dec lv[4];
		for (int k = 0; k < 4; k++) {
			const char *t = json_string_value(json_array_get(json_array_get(top, (size_t)k / 2),
			                                                 (size_t)k % 2));
			if (!t || lyra_dec_parse_cstr(t, &lv[k]) != 0)
				goto bad;
		}
		if (lyra_book_set_top(&a->book, lv[0], lv[1], lv[2], lv[3], a->start) != 0)
			goto bad;
	}
	json_t *ch = json_object_get(s, "children"), *rq = json_object_get(s, "rearm"), *j;
	size_t i;
	if (!json_is_array(ch) || !json_is_array(rq))
		goto bad;
	a->nch = a->nrq = 0;
	json_array_foreach(ch, i, j) {
		int64_t side, level, market, cs;
		struct lyra_dec px, qty, filled, notional;
		const char *id = json_string_value(json_object_get(j, "id"));
		if (!id || sget_int(j, "side", &side) || sget_int(j, "level", &level) ||
		    sget_int(j, "market", &market) || sget_int(j, "cancel_sent", &cs) ||
		    sget_dec(j, "px", &px, NULL) || sget_dec(j, "qty", &qty, NULL) ||
		    sget_dec(j, "filled", &filled, NULL) || sget_dec(j, "notional", &notional, NULL))
			goto bad;
		/* send() appends a child; put the stored one in its place without emitting */
		if (a->nch == a->capch) {
			int cap = a->capch ? a->capch * 2 : 8;
			struct child *n = realloc(a->ch, (size_t)cap * sizeof *n);
			if (!n)
				return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			a->ch = n;
			a->capch = cap;
		}
		struct child *c = &a->ch[a->nch++];
		memset(c, 0, sizeof *c);
		snprintf(c->id, sizeof c->id, "%s", id);
		c->side = (int)side;
		c->level = (int)level;
		c->market = (int)market;
		c->cancel_sent = (int)cs;
		c->px = px;
		c->qty = qty;
		c->filled = filled;
		c->notional = notional;
	}
	json_array_foreach(rq, i, j) {
		int64_t level, side;
		struct lyra_dec qty;
		if (sget_int(j, "level", &level) || sget_int(j, "side", &side) ||
		    sget_dec(j, "qty", &qty, NULL) || push_rearm(a, (int)level, (int)side, qty) != 0)
			goto bad;
	}
	return 0;
bad:
	return lyra_error(LYRA_EX_DATAERR, "parent '%s': stored state is malformed", a->p.id);
}

int lyra_algo_profile_weights(const int64_t *tod, const struct lyra_dec *vol, int npoints,
                              int64_t start, int64_t duration, int n, struct lyra_dec *out)
{
	for (int i = 0; i < n; i++) {
		int64_t a = start + (int64_t)((__int128)duration * i / n);
		int64_t b = start + (int64_t)((__int128)duration * (i + 1) / n);
		int64_t ta = ((a % DAY_US) + DAY_US) % DAY_US;
		out[i] = lyra_dec_zero();
		for (int j = 0; j < npoints; j++) {
			int64_t d = ((tod[j] - ta) % DAY_US + DAY_US) % DAY_US;
			if ((b - a >= DAY_US || d < b - a) && lyra_dec_add(out[i], vol[j], &out[i]) != 0)
				return -1;
		}
	}
	return 0;
}
